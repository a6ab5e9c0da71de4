import { describe, expect, test } from 'vitest'
import {
  AbortedError,
  ClientClosedError,
  NotFoundError,
  ReplyEndedError,
  TimeoutError,
  ValidationError,
  createShopAssistant,
  type Assistant,
  type AssistantRequest,
  type ChatClient,
} from 'companion-chat'
import { createDevice } from '../helpers/client.js'

/**
 * An assistant that writes `Answer <n>` (n counts the calls), then holds the stream open
 * until the test calls `finish()` or `fail()`, or the request is aborted.
 */
function gated() {
  const calls: AssistantRequest[] = []
  let release: (outcome: 'finish' | Error) => void = () => {}
  const started: Array<() => void> = []
  const assistant: Assistant = {
    name: 'gated',
    async *respond(request) {
      calls.push(request)
      yield { type: 'text', delta: `Answer ${calls.length}` }
      for (const wake of started.splice(0)) wake()
      const outcome = await new Promise<'finish' | Error | 'aborted'>((resolve) => {
        release = resolve
        request.signal.addEventListener('abort', () => resolve('aborted'), { once: true })
      })
      if (outcome instanceof Error) throw outcome
    },
  }
  return {
    assistant,
    calls,
    /** Resolves once the assistant has been called `count` times in all and wrote its first words. */
    streaming: (count: number) =>
      calls.length >= count ? Promise.resolve() : new Promise<void>((resolve) => started.push(resolve)).then(() => undefined),
    finish: () => release('finish'),
    fail: (message: string) => release(new Error(message)),
  }
}

/** Sends a user message with an id of the test's choosing. */
async function ask(chat: ChatClient, id: string, text = 'Do you have gaming laptops under $1500?'): Promise<string> {
  await chat.sendMainChatMessage(text, { id })
  return id
}

describe('waitForReply', () => {
  test("resolves with the offline shop assistant's finished reply", async () => {
    const catalogue = [{ id: 'l1', name: 'Nitro 5', category: 'laptops', price: 1199, tags: ['gaming'] }]
    const chat = createDevice().open({ assistant: createShopAssistant({ catalogue }) })
    const id = await ask(chat, 'q1')
    const reply = await chat.waitForReply(id, { timeout: 10_000 })
    expect(reply).toMatchObject({ id: 'reply:q1', sender: 'assistant', type: 'text' })
    expect(reply.metadata?.['reply']).toMatchObject({ to: 'q1', status: 'done' })
    expect(reply.content).toContain('gaming laptops')
    expect(reply).toEqual(chat.getState().mainChat.messages.find((m) => m.id === 'reply:q1'))
    // A reply that is done already settles at once, by either id.
    await expect(chat.waitForReply('reply:q1')).resolves.toEqual(reply)
  })

  test('waits while the reply streams and resolves only when it is done, with the whole text', async () => {
    const script = gated()
    const chat = createDevice().open({ assistant: script.assistant })
    const id = await ask(chat, 'q1')
    let settled = false
    const waiting = chat.waitForReply(id).finally(() => (settled = true))
    await script.streaming(1)
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(settled).toBe(false)
    script.finish()
    const reply = await waiting
    expect(reply.content).toBe('Answer 1')
  })

  test('rejects with ReplyEndedError when the reply is stopped, keeping the text it has', async () => {
    const script = gated()
    const chat = createDevice().open({ assistant: script.assistant })
    const id = await ask(chat, 'q1')
    const waiting = chat.waitForReply(id)
    await script.streaming(1)
    chat.stopAssistant()
    const error = await waiting.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ReplyEndedError)
    expect(error).toMatchObject({ code: 'reply-ended', status: 'stopped', reply: { id: 'reply:q1' } })
    // Settled on the optimistic write: its text reaches the state with the commit.
    await chat.flush()
    expect(chat.getState().mainChat.messages.find((m) => m.id === 'reply:q1')?.content).toBe('Answer 1')
  })

  test('rejects with ReplyEndedError when the assistant fails', async () => {
    const script = gated()
    const chat = createDevice().open({ assistant: script.assistant })
    const id = await ask(chat, 'q1')
    const waiting = chat.waitForReply(id)
    await script.streaming(1)
    script.fail('model overloaded')
    const error = await waiting.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ReplyEndedError)
    expect(error).toMatchObject({ status: 'error', reply: { type: 'error' } })
    expect((error as ReplyEndedError).reply.content).toContain('model overloaded')
  })

  test('waits through a regenerate asked for while the reply streams, and resolves with the new answer', async () => {
    const script = gated()
    const chat = createDevice().open({ assistant: script.assistant })
    const id = await ask(chat, 'q1')
    const waiting = chat.waitForReply(id)
    await script.streaming(1)
    chat.regenerate(id) // stops the first answer (status `stopped`), then answers again
    await script.streaming(2)
    script.finish()
    const reply = await waiting
    expect(reply.content).toBe('Answer 2')
  })

  test('rejects with ClientClosedError when the client closes while the reply streams, and after', async () => {
    const script = gated()
    const chat = createDevice().open({ assistant: script.assistant })
    const id = await ask(chat, 'q1')
    const waiting = chat.waitForReply(id).catch((e: unknown) => e)
    await script.streaming(1)
    await chat.close()
    expect(await waiting).toBeInstanceOf(ClientClosedError)
    await expect(chat.waitForReply(id)).rejects.toBeInstanceOf(ClientClosedError)
  })

  test('rejects with TimeoutError after `timeout` ms, and with AbortedError when the signal aborts', async () => {
    const script = gated()
    const chat = createDevice().open({ assistant: script.assistant })
    const id = await ask(chat, 'q1')
    await expect(chat.waitForReply(id, { timeout: 50 })).rejects.toMatchObject({ name: 'TimeoutError', code: 'timeout' })
    await expect(chat.waitForReply(id, { timeout: 50 })).rejects.toBeInstanceOf(TimeoutError)

    const controller = new AbortController()
    const waiting = chat.waitForReply(id, { signal: controller.signal })
    controller.abort(new Error('user left'))
    const error = await waiting.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AbortedError)
    expect((error as AbortedError).cause).toEqual(new Error('user left'))
    await expect(chat.waitForReply(id, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'aborted' })
    // Giving up waiting leaves the reply alone.
    script.finish()
    await expect(chat.waitForReply(id)).resolves.toMatchObject({ content: 'Answer 1' })
  })

  test('rejects with NotFoundError for an unknown id and for a message nobody answers', async () => {
    const chat = createDevice().open({ assistant: gated().assistant })
    await chat.ready
    await expect(chat.waitForReply('no-such-message')).rejects.toBeInstanceOf(NotFoundError)
    await chat.sendMainChatMessages(['written in a batch, not answered'])
    const [batched] = chat.getState().mainChat.messages
    await expect(chat.waitForReply(batched!.id)).rejects.toMatchObject({ code: 'not-found' })
  })

  test('rejects with NotFoundError when the reply is removed while waited for', async () => {
    const script = gated()
    const chat = createDevice().open({ assistant: script.assistant })
    const id = await ask(chat, 'q1')
    const waiting = chat.waitForReply(id).catch((e: unknown) => e)
    await script.streaming(1)
    await chat.clearAllData()
    expect(await waiting).toBeInstanceOf(NotFoundError)
  })

  test('finds a message of the stored history when called before the client is ready', async () => {
    const device = createDevice()
    const catalogue = [{ id: 'l1', name: 'Nitro 5', category: 'laptops', price: 1199, tags: ['gaming'] }]
    const first = device.open({ assistant: createShopAssistant({ catalogue }) })
    await first.waitForReply(await ask(first, 'q1'))
    await first.close()
    const second = device.open({ assistant: createShopAssistant({ catalogue }) })
    await expect(second.waitForReply('q1')).resolves.toMatchObject({ id: 'reply:q1' })
  })

  test('rejects with ValidationError without an assistant, and for bad arguments', async () => {
    const plain = createDevice().open()
    await plain.sendMainChatMessage('hello', { id: 'q1' })
    await expect(plain.waitForReply('q1')).rejects.toBeInstanceOf(ValidationError)

    const chat = createDevice().open({ assistant: gated().assistant })
    await expect(chat.waitForReply('')).rejects.toBeInstanceOf(ValidationError)
    await expect(chat.waitForReply(42 as unknown as string)).rejects.toBeInstanceOf(ValidationError)
    for (const timeout of [0, -5, Number.NaN, 2 ** 31, '10' as unknown as number]) {
      await expect(chat.waitForReply('q1', { timeout })).rejects.toMatchObject({ code: 'validation', details: { path: 'options.timeout' } })
    }
    await expect(chat.waitForReply('q1', { signal: {} as AbortSignal })).rejects.toBeInstanceOf(ValidationError)
  })
})
