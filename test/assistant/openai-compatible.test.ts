import { createServer } from 'node:net'
import {
  AssistantError,
  createOpenAICompatibleAssistant,
  ValidationError,
  type Assistant,
  type AssistantPart,
  type ChatMessage,
  type UserChatContext,
} from 'companion-chat'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { chunk, fail, openStream, send, startSseServer, type SseServer } from './sse-server.js'

let server: SseServer

beforeAll(async () => {
  server = await startSseServer()
})
afterEach(() => {
  server.requests.length = 0
})
afterAll(async () => {
  await server.close()
})

const message = (id: string, sender: ChatMessage['sender'], content: string, extra: Partial<ChatMessage> = {}): ChatMessage => ({
  id,
  content,
  sender,
  timestamp: 1_700_000_000_000,
  type: 'text',
  ...extra,
})

const question = message('m-3', 'user', 'Which one is lighter?')

function assistant(extra: Partial<Parameters<typeof createOpenAICompatibleAssistant>[0]> = {}): Assistant {
  return createOpenAICompatibleAssistant({ baseURL: server.baseURL, model: 'test-model', ...extra })
}

interface Run {
  readonly parts: AssistantPart[]
  readonly error: unknown
}

/** Runs one turn to the end; never throws, so that a test can look at both the parts and the error. */
async function run(
  target: Assistant,
  options: { signal?: AbortSignal; userContext?: UserChatContext; thread?: ChatMessage[]; onPart?: (part: AssistantPart) => void; readAttachment?: (id: string) => Promise<Blob>; message?: ChatMessage } = {},
): Promise<Run> {
  const parts: AssistantPart[] = []
  try {
    const request = {
      message: options.message ?? question,
      thread: options.thread ?? [question],
      userContext: options.userContext ?? {},
      signal: options.signal ?? new AbortController().signal,
      ...(options.readAttachment ? { readAttachment: options.readAttachment } : {}),
    }
    for await (const part of target.respond(request)) {
      parts.push(part)
      options.onPart?.(part)
    }
    return { parts, error: undefined }
  } catch (error) {
    return { parts, error }
  }
}

const texts = (parts: readonly AssistantPart[]) => parts.flatMap((part) => (part.type === 'text' ? [part.delta] : []))

describe('createOpenAICompatibleAssistant', () => {
  it('streams the reply chunk by chunk until [DONE]', async () => {
    server.script = (_request, response) => {
      openStream(response)
      send(response, JSON.stringify({ choices: [{ index: 0, delta: { role: 'assistant' }, finish_reason: null }] }))
      send(response, chunk('The '), chunk('Nimbus '))
      // One event split across two writes: the parser must join them.
      const split = `data: ${chunk('is lighter.')}\n\n`
      response.write(split.slice(0, 20))
      setTimeout(() => {
        response.write(split.slice(20))
        send(response, chunk(null, 'stop'), '[DONE]')
        response.end()
      }, 10)
    }
    const { parts, error } = await run(assistant())
    expect(error).toBeUndefined()
    expect(parts).toEqual([
      { type: 'text', delta: 'The ' },
      { type: 'text', delta: 'Nimbus ' },
      { type: 'text', delta: 'is lighter.' },
    ])
  })

  it('sends the model, stream: true, the mapped thread and only the allowed context', async () => {
    server.script = (_request, response) => {
      openStream(response)
      send(response, chunk('ok'), '[DONE]')
      response.end()
    }
    const thread = [
      message('m-0', 'system', 'Conversation started'),
      message('m-1', 'user', 'Show me laptops', { metadata: { context: { secret: 'card-4242' } } }),
      message('m-2', 'assistant', 'Here are two laptops.'),
      message('m-e', 'assistant', 'The assistant failed', { type: 'error' }),
      question,
    ]
    const userContext: UserChatContext = { preferences: { budget: { max: 1500 } }, shoppingIntent: 'search' }
    const target = assistant({
      apiKey: 'sk-test',
      headers: { 'X-Shop': 'example' },
      systemPrompt: 'You are a shop assistant.',
      temperature: 0.2,
    })
    const { error } = await run(target, { thread, userContext })

    expect(error).toBeUndefined()
    const [request] = server.requests
    expect(request?.method).toBe('POST')
    expect(request?.url).toBe('/v1/chat/completions')
    expect(request?.headers['authorization']).toBe('Bearer sk-test')
    expect(request?.headers['x-shop']).toBe('example')
    expect(request?.headers['content-type']).toBe('application/json')
    expect(request?.body).toEqual({
      model: 'test-model',
      stream: true,
      temperature: 0.2,
      messages: [
        { role: 'system', content: 'You are a shop assistant.' },
        { role: 'system', content: `User context (JSON): ${JSON.stringify(userContext)}` },
        { role: 'system', content: 'Conversation started' },
        { role: 'user', content: 'Show me laptops' },
        { role: 'assistant', content: 'Here are two laptops.' },
        { role: 'user', content: 'Which one is lighter?' },
      ],
    })
    // Message metadata never leaves the device.
    expect(JSON.stringify(request?.body)).not.toContain('card-4242')
  })

  describe('attachments', () => {
    const photo = { id: 'a-photo', name: 'parcel.png', type: 'image/png', size: 4, sha256: 'a'.repeat(64), width: 2, height: 1 }
    const invoice = { id: 'a-pdf', name: 'invoice.pdf', type: 'application/pdf', size: 2048 }
    const withFiles = message('m-4', 'user', 'It arrived broken', { attachments: [photo, invoice] })
    const photoOnly = message('m-5', 'user', '', { attachments: [{ ...photo, id: 'a-photo-2' }] })
    const bytes: Record<string, Blob> = { 'a-photo': new Blob([new Uint8Array([1, 2, 3, 4])]), 'a-photo-2': new Blob([new Uint8Array([5, 6, 7, 8])]), 'a-pdf': new Blob(['%PDF']) }
    const asked: string[] = []
    const readAttachment = async (id: string) => {
      asked.push(id)
      return bytes[id]!
    }
    const answer = () => {
      server.script = (_request, response) => {
        openStream(response)
        send(response, chunk('ok'), '[DONE]')
        response.end()
      }
    }

    it('describes attachments by default and never reads their bytes', async () => {
      answer()
      asked.length = 0
      const { error } = await run(assistant(), { thread: [withFiles, photoOnly], message: photoOnly, readAttachment })
      expect(error).toBeUndefined()
      expect(server.requests[0]?.body).toMatchObject({
        messages: [
          { role: 'user', content: 'It arrived broken\n[Attached: parcel.png (image/png, 4 B, 2×1 px)]\n[Attached: invoice.pdf (application/pdf, 2 KB)]' },
          { role: 'user', content: '[Attached: parcel.png (image/png, 4 B, 2×1 px)]' },
        ],
      })
      expect(asked).toEqual([])
    })

    it('sends images as image_url parts with data URLs when configured, the newest maxImages of them', async () => {
      answer()
      asked.length = 0
      const { error } = await run(assistant({ images: { maxImages: 1 } }), { thread: [withFiles, photoOnly], message: photoOnly, readAttachment })
      expect(error).toBeUndefined()
      const messages = (server.requests[0]?.body as { messages: unknown[] }).messages
      expect(messages[0]).toEqual({ role: 'user', content: 'It arrived broken\n[Attached: parcel.png (image/png, 4 B, 2×1 px)]\n[Attached: invoice.pdf (application/pdf, 2 KB)]' })
      expect(messages[1]).toEqual({
        role: 'user',
        content: [
          { type: 'text', text: '[Attached: parcel.png (image/png, 4 B, 2×1 px)]' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,BQYHCA==' } },
        ],
      })
      expect(asked).toEqual(['a-photo-2'])
      answer()
      await run(assistant({ images: true }), { thread: [withFiles], message: withFiles, readAttachment: (id) => (id === 'a-photo' ? Promise.reject(new Error('gone')) : readAttachment(id)) })
      expect((server.requests[1]?.body as { messages: Array<{ content: unknown }> }).messages[0]!.content).toEqual(expect.any(String)) // an image that cannot be read is only described
    })
  })

  it('sends only the most recent maxHistory messages and no empty context', async () => {
    server.script = (_request, response) => {
      openStream(response)
      send(response, '[DONE]')
      response.end()
    }
    const thread = [message('m-1', 'user', 'one'), message('m-2', 'assistant', 'two'), question]
    await run(assistant({ maxHistory: 2 }), { thread })
    expect(server.requests[0]?.body).toMatchObject({
      messages: [
        { role: 'assistant', content: 'two' },
        { role: 'user', content: 'Which one is lighter?' },
      ],
    })
    expect(server.requests[0]?.headers['authorization']).toBeUndefined()
  })

  it.each([
    [401, 'unauthorized'],
    [403, 'unauthorized'],
    [400, 'bad-request'],
    [404, 'bad-request'],
    [500, 'server'],
    [503, 'server'],
  ] as const)('reports status %i as %s', async (status, reason) => {
    server.script = (_request, response) => fail(response, status, 'Scripted failure')
    const { parts, error } = await run(assistant())
    expect(parts).toEqual([])
    expect(error).toBeInstanceOf(AssistantError)
    expect(error).toMatchObject({ code: 'assistant-failed', reason, status, retryAfterMs: undefined })
    expect((error as Error).message).toContain('Scripted failure')
  })

  it('reports 429 as rate-limited with the Retry-After delay in seconds', async () => {
    server.script = (_request, response) => fail(response, 429, 'Slow down', { 'retry-after': '2' })
    const { error } = await run(assistant())
    expect(error).toMatchObject({ reason: 'rate-limited', status: 429, retryAfterMs: 2000 })
  })

  it('reads a Retry-After that is an HTTP date', async () => {
    const at = new Date(Date.now() + 5_000).toUTCString()
    server.script = (_request, response) => fail(response, 429, 'Slow down', { 'retry-after': at })
    const { error } = await run(assistant())
    expect(error).toBeInstanceOf(AssistantError)
    const { retryAfterMs } = error as AssistantError
    // HTTP dates have whole seconds, so up to one second is lost.
    expect(retryAfterMs).toBeGreaterThan(3_000)
    expect(retryAfterMs).toBeLessThanOrEqual(5_000)
  })

  it('reports a chunk that is not JSON as malformed, after the text before it', async () => {
    server.script = (_request, response) => {
      openStream(response)
      send(response, chunk('Hello'), '{"choices": [oops')
      response.end()
    }
    const { parts, error } = await run(assistant())
    expect(texts(parts)).toEqual(['Hello'])
    expect(error).toMatchObject({ reason: 'malformed' })
  })

  it('reports a chunk of the wrong shape as malformed', async () => {
    server.script = (_request, response) => {
      openStream(response)
      send(response, JSON.stringify({ choices: [{ delta: { content: 42 } }] }))
      response.end()
    }
    expect((await run(assistant())).error).toMatchObject({ reason: 'malformed' })
    server.script = (_request, response) => {
      openStream(response)
      send(response, JSON.stringify({ text: 'no choices' }))
      response.end()
    }
    expect((await run(assistant())).error).toMatchObject({ reason: 'malformed' })
  })

  it('reports an error event mid-reply as a server failure', async () => {
    server.script = (_request, response) => {
      openStream(response)
      send(response, chunk('Hel'), JSON.stringify({ error: { message: 'Model overloaded' } }))
      response.end()
    }
    const { parts, error } = await run(assistant())
    expect(texts(parts)).toEqual(['Hel'])
    expect(error).toMatchObject({ reason: 'server' })
    expect((error as Error).message).toContain('Model overloaded')
  })

  it('reports a connection destroyed mid-stream as a network failure', async () => {
    server.script = (_request, response) => {
      openStream(response)
      send(response, chunk('Half a '))
      setTimeout(() => response.socket?.destroy(), 20)
    }
    const { parts, error } = await run(assistant())
    expect(texts(parts)).toEqual(['Half a '])
    expect(error).toMatchObject({ reason: 'network' })
  })

  it('reports a body that ends before [DONE] as a network failure', async () => {
    server.script = (_request, response) => {
      openStream(response)
      send(response, chunk('Half a '))
      response.end()
    }
    const { parts, error } = await run(assistant())
    expect(texts(parts)).toEqual(['Half a '])
    expect(error).toMatchObject({ reason: 'network' })
  })

  it('accepts a body that ends without [DONE] once the choice has finished', async () => {
    server.script = (_request, response) => {
      openStream(response)
      send(response, chunk('Done.'), chunk(null, 'stop'))
      response.end()
    }
    const { parts, error } = await run(assistant())
    expect(error).toBeUndefined()
    expect(texts(parts)).toEqual(['Done.'])
  })

  it('reports an unreachable server as a network failure', async () => {
    const port = await closedPort()
    const target = createOpenAICompatibleAssistant({ baseURL: `http://127.0.0.1:${port}/v1`, model: 'test-model' })
    const { error } = await run(target)
    expect(error).toBeInstanceOf(AssistantError)
    expect(error).toMatchObject({ reason: 'network' })
  })

  it('reports JSON instead of an event stream as malformed', async () => {
    server.script = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: 'Hi' } }] }))
    }
    expect((await run(assistant())).error).toMatchObject({ reason: 'malformed' })
  })

  it('closes the connection and ends quietly when aborted mid-stream', async () => {
    server.script = (_request, response) => {
      openStream(response)
      send(response, chunk('First '))
      // The server would go on for a while; the client's abort must cut it short.
    }
    const closed = server.nextClose()
    const controller = new AbortController()
    const { parts, error } = await run(assistant(), { signal: controller.signal, onPart: () => controller.abort() })

    expect(error).toBeUndefined()
    expect(texts(parts)).toEqual(['First '])
    expect(await within(closed, 2_000, 'the server to see the connection close')).toEqual({ ended: false })
  })

  it('closes the connection when the consumer stops reading early', async () => {
    server.script = (_request, response) => {
      openStream(response)
      send(response, chunk('First '), chunk('second '))
    }
    const closed = server.nextClose()
    const controller = new AbortController()
    const seen: AssistantPart[] = []
    for await (const part of assistant().respond({ message: question, thread: [question], userContext: {}, signal: controller.signal })) {
      seen.push(part)
      break
    }
    expect(texts(seen)).toEqual(['First '])
    expect(await within(closed, 2_000, 'the server to see the connection close')).toEqual({ ended: false })
  })

  it('ends quietly when aborted before the server answers', async () => {
    const controller = new AbortController()
    server.script = () => {
      controller.abort() // the request arrived; the server never answers
    }
    const closed = server.nextClose()
    const { parts, error } = await run(assistant(), { signal: controller.signal })
    expect(error).toBeUndefined()
    expect(parts).toEqual([])
    expect(await within(closed, 2_000, 'the server to see the connection close')).toEqual({ ended: false })
  })

  it('stops a pending read on abort even when the fetch it is given ignores the signal', async () => {
    server.script = (_request, response) => {
      openStream(response)
      send(response, chunk('First '))
    }
    const deaf = assistant({ fetch: (input, init) => fetch(input, { ...init, signal: null }) })
    const closed = server.nextClose()
    const controller = new AbortController()
    // Aborted while the assistant waits for the next chunk, which the server never sends.
    const { parts, error } = await run(deaf, { signal: controller.signal, onPart: () => setTimeout(() => controller.abort(), 20) })

    expect(error).toBeUndefined()
    expect(texts(parts)).toEqual(['First '])
    expect(await within(closed, 2_000, 'the server to see the connection close')).toEqual({ ended: false })
  })

  it('ends promptly when aborted while the fetch it is given ignores the signal', async () => {
    const controller = new AbortController()
    server.script = () => {
      controller.abort() // and never answer
    }
    const deaf = assistant({ fetch: (input, init) => fetch(input, { ...init, signal: null }) })
    const { parts, error } = await within(run(deaf, { signal: controller.signal }), 2_000, 'respond to end')
    expect(error).toBeUndefined()
    expect(parts).toEqual([])
  })

  it('uses the fetch it is given', async () => {
    const urls: string[] = []
    const target = assistant({
      fetch: async (input, init) => {
        urls.push(String(input))
        return fetch(input, init)
      },
    })
    server.script = (_request, response) => {
      openStream(response)
      send(response, chunk('via custom fetch'), '[DONE]')
      response.end()
    }
    const { parts } = await run(target)
    expect(urls).toEqual([`${server.baseURL}/chat/completions`])
    expect(texts(parts)).toEqual(['via custom fetch'])
  })

  it('refuses invalid options when created', () => {
    expect(() => createOpenAICompatibleAssistant({ baseURL: 'not a url', model: 'm' })).toThrow(ValidationError)
    expect(() => createOpenAICompatibleAssistant({ baseURL: 'ftp://127.0.0.1/v1', model: 'm' })).toThrow(ValidationError)
    expect(() => createOpenAICompatibleAssistant({ baseURL: server.baseURL, model: ' ' })).toThrow(ValidationError)
    expect(() => createOpenAICompatibleAssistant({ baseURL: server.baseURL, model: 'm', maxHistory: 0 })).toThrow(ValidationError)
  })
})

/** `promise`, or a failure naming what did not happen within `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** A local port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const address = probe.address()
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}
