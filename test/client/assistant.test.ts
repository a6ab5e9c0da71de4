import { IDBKeyRange } from 'fake-indexeddb'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  AssistantError,
  CHAT_CONFIG,
  PROTOCOL_VERSION,
  createOpenAICompatibleAssistant,
  createShopAssistant,
  findActionTicket,
  type Assistant,
  type AssistantPart,
  type AssistantRequest,
  type ChatClient,
  type ChatMessage,
} from 'companion-chat'
import { createEngine } from 'companion-chat/worker'
import { startSseServer, type SseServer } from '../assistant/sse-server.js'
import { createDevice } from '../helpers/client.js'

/** An assistant whose stream the test drives part by part. */
function scripted() {
  const calls: AssistantRequest[] = []
  let push: (part: AssistantPart | Error | 'end') => void = () => {}
  const assistant: Assistant = {
    name: 'scripted',
    async *respond(request) {
      calls.push(request)
      const queue: Array<AssistantPart | Error | 'end'> = []
      let wake: () => void = () => {}
      push = (part) => {
        queue.push(part)
        wake()
      }
      while (!request.signal.aborted) {
        const next = queue.shift()
        if (next === undefined) {
          await new Promise<void>((resolve) => {
            wake = resolve
            request.signal.addEventListener('abort', () => resolve(), { once: true })
          })
          continue
        }
        if (next === 'end') return
        if (next instanceof Error) throw next
        yield next
      }
    },
  }
  return { assistant, calls, send: (part: AssistantPart | Error | 'end') => push(part) }
}

const slotOf = (chat: ChatClient, userText: string): ChatMessage | undefined => {
  const messages = chat.getState().mainChat.messages
  const user = messages.find((m) => m.sender === 'user' && m.content === userText)
  return user && messages.find((m) => m.id === `reply:${user.id}`)
}
const statusOf = (message: ChatMessage | undefined) => (message?.metadata?.['reply'] as { status?: string } | undefined)?.status

describe('assistant turns', () => {
  test('answer a shop question with text, suggestions and context, streaming with the typing indicator', async () => {
    const catalogue = [
      { id: 'l1', name: 'Nitro 5', category: 'laptops', price: 1199, tags: ['gaming'] },
      { id: 'l2', name: 'Office Book', category: 'laptops', price: 699 },
    ]
    const chat = createDevice().open({ assistant: createShopAssistant({ catalogue }) })
    const typing: boolean[] = []
    chat.typing$.subscribe((value) => typing.push(value))
    await chat.sendMainChatMessage("I'm looking for gaming laptops under $1500")
    await expect.poll(() => statusOf(slotOf(chat, "I'm looking for gaming laptops under $1500"))).toBe('done')
    await chat.flush()
    const reply = slotOf(chat, "I'm looking for gaming laptops under $1500")!
    expect(reply).toMatchObject({ sender: 'assistant', type: 'text' })
    expect(reply.content.length).toBeGreaterThan(10)
    expect(chat.getState().userContext.preferences?.budget).toMatchObject({ max: 1500 })
    const suggestion = chat.getState().mainChat.messages.find((m) => m.type === 'suggestion')
    expect(suggestion?.metadata?.actions?.map((a) => a.id)).toContain('show-product:l1')
    await expect.poll(() => chat.getState().mainChat.isTyping).toBe(false)
    expect(typing).toContain(true)
    expect(chat.assistant$.value).toEqual({ state: 'idle' })
  })

  test('keeps the typing indicator on exactly while a reply streams, and grows one message', async () => {
    const { assistant, send } = scripted()
    const chat = createDevice().open({ assistant, assistantOptions: { flushInterval: 5 } })
    await chat.sendMainChatMessage('hello')
    await expect.poll(() => chat.getState().mainChat.isTyping).toBe(true)
    send({ type: 'text', delta: 'Hel' })
    await expect.poll(() => slotOf(chat, 'hello')?.content).toBe('Hel')
    expect(chat.assistant$.value).toMatchObject({ state: 'streaming', messageId: slotOf(chat, 'hello')!.id })
    send({ type: 'text', delta: 'lo there' })
    await expect.poll(() => slotOf(chat, 'hello')?.content).toBe('Hello there')
    expect(chat.getState().mainChat.isTyping).toBe(true)
    send('end')
    await expect.poll(() => statusOf(slotOf(chat, 'hello'))).toBe('done')
    await expect.poll(() => chat.getState().mainChat.isTyping).toBe(false)
    expect(chat.getState().mainChat.messages.filter((m) => m.sender === 'assistant')).toHaveLength(1)
  })

  test('stops a reply: the request is aborted, the text so far stays, marked stopped', async () => {
    const { assistant, calls, send } = scripted()
    const chat = createDevice().open({ assistant, assistantOptions: { flushInterval: 5 } })
    await chat.sendMainChatMessage('tell me a story')
    await expect.poll(() => calls.length).toBe(1)
    send({ type: 'text', delta: 'Once upon' })
    await expect.poll(() => slotOf(chat, 'tell me a story')?.content).toBe('Once upon')
    chat.stopAssistant()
    expect(calls[0]!.signal.aborted).toBe(true)
    await expect.poll(() => statusOf(slotOf(chat, 'tell me a story'))).toBe('stopped')
    expect(slotOf(chat, 'tell me a story')!.content).toBe('Once upon')
    await expect.poll(() => chat.getState().mainChat.isTyping).toBe(false)
  })

  test('regenerates a reply in place', async () => {
    let round = 0
    const assistant: Assistant = {
      async *respond() {
        yield { type: 'text', delta: `answer ${++round}` }
      },
    }
    const chat = createDevice().open({ assistant })
    await chat.sendMainChatMessage('question')
    await expect.poll(() => slotOf(chat, 'question')?.content).toBe('answer 1')
    await expect.poll(() => statusOf(slotOf(chat, 'question'))).toBe('done')
    chat.regenerate()
    await expect.poll(() => slotOf(chat, 'question')?.content).toBe('answer 2')
    await expect.poll(() => statusOf(slotOf(chat, 'question'))).toBe('done')
    expect(chat.getState().mainChat.messages.filter((m) => m.sender === 'assistant')).toHaveLength(1)
  })

  test('a regenerated answer replaces the suggestions of the one before, also on disk', async () => {
    let round = 0
    const assistant: Assistant = {
      async *respond() {
        round++
        yield { type: 'text', delta: `answer ${round}` }
        // A model that suggests something else each time, and fewer things the second time.
        const offers = round === 1 ? ['Red one', 'Blue one'] : ['Green one']
        for (const content of offers) yield { type: 'suggestion', content, actions: [{ id: content, label: content, type: 'pick' }] }
      },
    }
    const device = createDevice()
    const chat = device.open({ assistant })
    const suggestions = (client: ChatClient) =>
      client.getState().mainChat.messages.filter((m) => m.type === 'suggestion').map((m) => m.content)
    await chat.sendMainChatMessage('which colour?')
    await expect.poll(() => suggestions(chat)).toEqual(['Red one', 'Blue one'])
    await expect.poll(() => statusOf(slotOf(chat, 'which colour?'))).toBe('done')
    chat.regenerate()
    await expect.poll(() => slotOf(chat, 'which colour?')?.content).toBe('answer 2')
    await expect.poll(() => suggestions(chat)).toEqual(['Green one'])
    await expect.poll(() => statusOf(slotOf(chat, 'which colour?'))).toBe('done')
    await chat.close()
    const reopened = device.open()
    await reopened.ready
    expect(suggestions(reopened)).toEqual(['Green one'])
    expect(reopened.getState().mainChat.messages.map((m) => m.content)).toEqual(['which colour?', 'answer 2', 'Green one'])
  })

  test('records a failure as an error message with a retry action, and retries', async () => {
    let fail = true
    const assistant: Assistant = {
      async *respond() {
        if (fail) throw new AssistantError('server', 'upstream error 503', { status: 503 })
        yield { type: 'text', delta: 'Here you go' }
      },
    }
    const chat = createDevice().open({ assistant })
    const errors: string[] = []
    chat.errors$.subscribe((error) => errors.push(error.code))
    await chat.sendMainChatMessage('help')
    await expect.poll(() => statusOf(slotOf(chat, 'help'))).toBe('error')
    const failed = slotOf(chat, 'help')!
    expect(failed).toMatchObject({ type: 'error', sender: 'assistant' })
    expect(failed.content).toContain('upstream error 503')
    expect(failed.metadata?.actions?.map((a) => a.type)).toEqual(['retry'])
    await expect.poll(() => chat.getState().mainChat.isTyping).toBe(false)
    expect(errors).toContain('assistant-failed')
    expect(chat.assistant$.value).toMatchObject({ state: 'idle' })

    fail = false
    await chat.runAction(failed.id, 'retry')
    await expect.poll(() => slotOf(chat, 'help')?.content).toBe('Here you go')
    expect(slotOf(chat, 'help')).toMatchObject({ type: 'text', sender: 'assistant' })
  })

  test('answers user messages one at a time, in order (a new message waits for the running reply)', async () => {
    const { assistant, calls, send } = scripted()
    const chat = createDevice().open({ assistant })
    await chat.sendMainChatMessage('first')
    await chat.sendMainChatMessage('second')
    await expect.poll(() => calls.length).toBe(1)
    send({ type: 'text', delta: 'one' })
    send('end')
    await expect.poll(() => calls.length).toBe(2)
    expect(calls.map((c) => c.message.content)).toEqual(['first', 'second'])
    send({ type: 'text', delta: 'two' })
    send('end')
    await expect.poll(() => statusOf(slotOf(chat, 'second'))).toBe('done')
  })

  test('gives the assistant only the allowed user-context keys', async () => {
    const { assistant, calls, send } = scripted()
    const chat = createDevice().open({ assistant })
    await chat.updateUserContext({ preferences: { categories: ['audio'] }, personalInfo: { email: 'ann@example.com' }, history: ['/cart'] })
    await chat.sendMainChatMessage('headphones?')
    await expect.poll(() => calls.length).toBe(1)
    expect(calls[0]!.userContext).toEqual({ preferences: { categories: ['audio'] } })
    expect(calls[0]!.thread.map((m) => m.content)).toEqual(['headphones?'])
    send('end')
  })
})

describe('surviving reloads and the network', () => {
  test('shows a reply that was streaming when the client closed as interrupted, and continues it', async () => {
    const device = createDevice()
    const { assistant, calls, send } = scripted()
    const first = device.open({ assistant, assistantOptions: { flushInterval: 5 } })
    await first.sendMainChatMessage('long answer please')
    await expect.poll(() => calls.length).toBe(1)
    send({ type: 'text', delta: 'Part one.' })
    await expect.poll(() => slotOf(first, 'long answer please')?.content).toBe('Part one.')
    await first.close()

    const resumed: AssistantRequest[] = []
    const second = device.open({
      assistant: {
        async *respond(request) {
          resumed.push(request)
          yield { type: 'text', delta: ' Part two.' }
        },
      },
    })
    await second.ready
    const slot = slotOf(second, 'long answer please')!
    expect(statusOf(slot)).toBe('interrupted')
    expect(slot.content).toBe('Part one.')
    expect(slot.metadata?.actions?.map((a) => a.type)).toEqual(['continue', 'regenerate'])
    await second.runAction(slot.id, 'continue')
    await expect.poll(() => statusOf(slotOf(second, 'long answer please'))).toBe('done')
    expect(slotOf(second, 'long answer please')!.content).toBe('Part one. Part two.')
    expect(resumed[0]!.partial).toBe('Part one.')
  })

  test('answers after a reload the questions that were still queued when the client closed', async () => {
    const device = createDevice()
    const { assistant, calls } = scripted() // never finishes on its own
    const first = device.open({ assistant })
    await Promise.all([first.sendMainChatMessage('one'), first.sendMainChatMessage('two'), first.sendMainChatMessage('three')])
    await expect.poll(() => calls.length).toBe(1)
    expect(statusOf(slotOf(first, 'two'))).toBe('queued')
    await first.close()

    const answered: string[] = []
    const second = device.open({
      assistant: {
        async *respond({ message }) {
          answered.push(message.content)
          yield { type: 'text', delta: `answer to ${message.content}` }
        },
      },
    })
    await expect.poll(() => statusOf(slotOf(second, 'three'))).toBe('done')
    expect(answered).toEqual(['two', 'three'])
    expect(statusOf(slotOf(second, 'one'))).toBe('interrupted')
    expect(slotOf(second, 'two')!.content).toBe('answer to two')
  })

  test('marks a stream whose client vanished (lease ran out) as interrupted', async () => {
    const device = createDevice()
    // A client that crashed mid-stream left this behind: a streaming slot whose lease expired.
    const engine = createEngine({ indexedDB: device.indexedDB, IDBKeyRange })
    const api = engine.connection()
    await api.connect({ protocolVersion: PROTOCOL_VERSION, databaseName: device.databaseName, config: CHAT_CONFIG, requirePersistence: true }, () => {})
    await api.execute([
      { kind: 'sendMessage', commandId: 'c1', at: 1, thread: 'main', message: { id: 'u1', content: 'hi', sender: 'user', timestamp: 1, type: 'text' } },
      {
        kind: 'reply',
        commandId: 'c2',
        at: 2,
        guard: 'new',
        owner: 'ghost',
        message: { id: 'reply:u1', content: 'Half an ans', sender: 'assistant', timestamp: 2, type: 'text', metadata: { reply: { to: 'u1', status: 'streaming', owner: 'ghost', leaseUntil: 3 } } },
      },
    ])
    await engine.close()
    const chat = device.open({ assistant: createShopAssistant() })
    await chat.ready
    await expect.poll(() => statusOf(chat.getState().mainChat.messages.find((m) => m.id === 'reply:u1'))).toBe('interrupted')
  })

  test('answers a question asked offline once the network returns, exactly once across two clients', async () => {
    const device = createDevice()
    let online = false
    const listeners = new Set<() => void>()
    const connectivity = {
      isOnline: () => online,
      onOnline: (listener: () => void) => (listeners.add(listener), () => void listeners.delete(listener)),
    }
    let answered = 0
    const network: Assistant = {
      requiresNetwork: true,
      async *respond() {
        answered++
        await new Promise((resolve) => setTimeout(resolve, 20))
        yield { type: 'text', delta: 'Answered after reconnecting' }
      },
    }
    const a = device.open({ assistant: network, assistantOptions: { connectivity } })
    const b = device.open({ assistant: network, assistantOptions: { connectivity } })
    await Promise.all([a.ready, b.ready])
    await a.sendMainChatMessage('is my order shipped?')
    await expect.poll(() => statusOf(slotOf(a, 'is my order shipped?'))).toBe('waiting')
    expect(slotOf(a, 'is my order shipped?')).toMatchObject({ sender: 'system' })
    expect(slotOf(a, 'is my order shipped?')!.content).toMatch(/offline/i)
    await expect.poll(() => statusOf(slotOf(b, 'is my order shipped?'))).toBe('waiting')
    expect(answered).toBe(0)

    online = true
    for (const listener of listeners) listener()
    await expect.poll(() => slotOf(a, 'is my order shipped?')?.content).toBe('Answered after reconnecting')
    await expect.poll(() => slotOf(b, 'is my order shipped?')?.content).toBe('Answered after reconnecting')
    await expect.poll(() => statusOf(slotOf(b, 'is my order shipped?'))).toBe('done')
    expect(answered).toBe(1)
    expect(slotOf(a, 'is my order shipped?')).toMatchObject({ sender: 'assistant', type: 'text' })
  })
})

describe('escalation', () => {
  test('opens a linked ticket from the suggestion, carrying only the allowed context keys', async () => {
    const chat = createDevice().open({ assistant: createShopAssistant() })
    await chat.updateUserContext({ currentPage: '/orders', personalInfo: { phone: '555-0100' } })
    await chat.sendMainChatMessage('Where is my order? It is two weeks late')
    await expect.poll(() => statusOf(slotOf(chat, 'Where is my order? It is two weeks late'))).toBe('done')
    await chat.flush()
    const suggestion = chat.getState().mainChat.messages.find((m) => m.metadata?.actions?.some((a) => a.type === 'open-ticket'))!
    expect(suggestion).toBeDefined()
    const action = suggestion.metadata!.actions!.find((a) => a.type === 'open-ticket')!
    const outcome = await chat.runAction(suggestion.id, action.id)
    expect(outcome).toMatchObject({ handled: true, type: 'open-ticket' })
    const ticketId = (outcome as { ticketId: string }).ticketId
    const ticket = chat.getState().tickets.find((t) => t.id === ticketId)!
    expect(ticket.type).toBe('order-help')
    expect(ticket.messages[0]!.content).toBe('Where is my order? It is two weeks late')
    expect(ticket.context).toMatchObject({ currentPage: '/orders' })
    expect(ticket.context).not.toHaveProperty('personalInfo')
    const user = chat.getState().mainChat.messages.find((m) => m.content === 'Where is my order? It is two weeks late')!
    expect(user.metadata?.ticketId).toBe(ticketId)
    // Pressed again: the same ticket, not a second one.
    expect(await chat.runAction(suggestion.id, action.id)).toEqual(outcome)
    expect(chat.getState().tickets).toHaveLength(1)
  })

  test('tells which ticket an open-ticket action opened, so an app can show it instead of the button', async () => {
    const chat = createDevice().open({ assistant: createShopAssistant() })
    const asks = ['Where is my order?', 'My payment failed']
    for (const content of asks) {
      await chat.sendMainChatMessage(content)
      await expect.poll(() => statusOf(slotOf(chat, content))).toBe('done')
    }
    await chat.flush()
    const offers = chat.getState().mainChat.messages.flatMap((message) =>
      (message.metadata?.actions ?? []).filter((action) => action.type === 'open-ticket').map((action) => ({ message, action })),
    )
    expect(offers).toHaveLength(2)
    const [order, payment] = offers as [(typeof offers)[number], (typeof offers)[number]]
    expect(findActionTicket(chat.getState(), order.message, order.action)).toBeUndefined()

    const outcome = await chat.runAction(order.message.id, order.action.id)
    const opened = findActionTicket(chat.getState(), order.message, order.action)
    expect(opened?.id).toBe((outcome as { ticketId: string }).ticketId)
    expect(opened?.title).toBe('Where is my order?')
    // Only the message the action is about has a ticket.
    expect(findActionTicket(chat.getState(), payment.message, payment.action)).toBeUndefined()
    // A ticket made from that message another way counts too: pressing the action would open no second one.
    const made = chat.createTicketFromChatMessage(chat.getState().mainChat.messages.find((m) => m.content === asks[1])!.id, 'technical', 'Payment')
    expect(findActionTicket(chat.getState(), payment.message, payment.action)?.id).toBe(made)
    // Actions that open no ticket have none.
    expect(findActionTicket(chat.getState(), order.message, { id: 'x', label: 'x', type: 'send-message' })).toBeUndefined()
  })

  test('hands actions the SDK does not know to the app on actions$', async () => {
    const chat = createDevice().open({
      assistant: {
        async *respond() {
          yield { type: 'suggestion', content: 'Look at this', actions: [{ id: 'show-product:p1', label: 'Laptop', type: 'show-product', payload: { productId: 'p1' } }] }
        },
      },
    })
    const seen: string[] = []
    chat.actions$.subscribe(({ action }) => seen.push(action.id))
    await chat.sendMainChatMessage('show me')
    await expect.poll(() => chat.getState().mainChat.messages.find((m) => m.type === 'suggestion')).toBeDefined()
    const suggestion = chat.getState().mainChat.messages.find((m) => m.type === 'suggestion')!
    expect(await chat.runAction(suggestion.id, 'show-product:p1')).toEqual({ handled: false, type: 'show-product' })
    expect(seen).toEqual(['show-product:p1'])
  })
})

describe('with the OpenAI-compatible adapter', () => {
  let server: SseServer
  beforeAll(async () => {
    server = await startSseServer()
  })
  afterAll(async () => {
    await server.close()
  })

  test('stopAssistant closes the HTTP request and keeps the partial reply', async () => {
    server.script = (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' })
      response.write(`data: ${JSON.stringify({ choices: [{ delta: { content: 'Streaming from the server' } }] })}\n\n`)
      // …and then nothing more: the client must end it.
    }
    const chat = createDevice().open({
      assistant: createOpenAICompatibleAssistant({ baseURL: server.baseURL, model: 'test-model' }),
      assistantOptions: { flushInterval: 5 },
    })
    const closed = server.nextClose()
    await chat.sendMainChatMessage('stream please')
    await expect.poll(() => slotOf(chat, 'stream please')?.content).toBe('Streaming from the server')
    chat.stopAssistant()
    expect(await closed).toEqual({ ended: false })
    await expect.poll(() => statusOf(slotOf(chat, 'stream please'))).toBe('stopped')
    expect(slotOf(chat, 'stream please')!.content).toBe('Streaming from the server')
    await expect.poll(() => chat.getState().mainChat.isTyping).toBe(false)
  })

  test('turns an HTTP error into an error message with retry and never leaves typing on', async () => {
    server.script = (_request, response) => {
      response.writeHead(429, { 'retry-after': '2', 'content-type': 'application/json' }).end('{"error":"slow down"}')
    }
    const chat = createDevice().open({ assistant: createOpenAICompatibleAssistant({ baseURL: server.baseURL, model: 'test-model' }) })
    await chat.sendMainChatMessage('too fast')
    await expect.poll(() => statusOf(slotOf(chat, 'too fast'))).toBe('error')
    expect(slotOf(chat, 'too fast')!.metadata?.actions?.[0]?.type).toBe('retry')
    await expect.poll(() => chat.getState().mainChat.isTyping).toBe(false)
  })
})

describe('bursts over the main-chat limit', () => {
  test('skip turns whose reply slot was trimmed away, without reporting errors', async () => {
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => (release = resolve))
    const answered: string[] = []
    const assistant: Assistant = {
      async *respond({ message }) {
        answered.push(message.content)
        if (message.content === 'first') await gate // still streaming while the burst pushes it out
        yield { type: 'text', delta: `re: ${message.content}` }
      },
    }
    const chat = createDevice().open({ assistant, config: { maxMainChatMessages: 4 } })
    const errors: string[] = []
    chat.errors$.subscribe((error) => errors.push(`${error.code}: ${error.message}`))
    await chat.sendMainChatMessage('first')
    await expect.poll(() => answered).toEqual(['first'])
    for (let i = 0; i < 10; i++) void chat.sendMainChatMessage(`more ${i}`)
    await chat.flush()
    release()
    await expect.poll(() => statusOf(slotOf(chat, 'more 9'))).toBe('done')
    expect(answered).toEqual(['first', 'more 8', 'more 9']) // the others' slots were trimmed away
    expect(errors).toEqual([])
  })
})
