import { describe, expect, test } from 'vitest'
import { ValidationError, type ChatClient } from 'companion-chat'
import { createDevice, loadEveryTicket, thrownBy } from '../helpers/client.js'

/** A transparent Proxy like Vue's `reactive()`: every object inside is wrapped on read. */
const reactive = <T extends object>(target: T): T =>
  new Proxy(target, {
    get(object, key, receiver) {
      const value = Reflect.get(object, key, receiver) as unknown
      return typeof value === 'object' && value !== null ? reactive(value) : value
    },
  })

const revoked = (): object => {
  const { proxy, revoke } = Proxy.revocable({}, {})
  revoke()
  return proxy
}

/** What the database holds, as a client opened afterwards reads it. */
async function stored(device: ReturnType<typeof createDevice>) {
  const reader = device.open()
  await loadEveryTicket(reader)
  const { mainChat, tickets, userContext, analytics } = reader.getState()
  return { messages: mainChat.messages, tickets, userContext, totalMessages: analytics.totalMessages }
}

describe('arguments are copied at the call', () => {
  test('a Proxy of plain data is taken as plain data, wherever it is passed', async () => {
    const device = createDevice()
    const chat = device.open()
    const ticketId = chat.createTicket('support', 'Reactive', 'first', reactive({ cart: { items: [{ sku: 'a', qty: 1 }] } }))
    const sending = chat.sendMainChatMessage('hi', { metadata: reactive({ context: { page: '/cart', tags: ['x'] } }) })
    const context = chat.updateUserContext(reactive({ preferences: { budget: { max: 900 } }, currentProducts: ['p1'] }))
    const ticketMessage = chat.sendTicketMessage(ticketId, 'more', reactive({ metadata: { context: reactive({ n: 2 }) } }))
    const keys = chat.inheritContextToTicket(ticketId, reactive(['preferences']))
    await Promise.all([sending, context, ticketMessage, keys])

    expect(chat.status$.value.connection).toBe('ready')
    const { messages, tickets, userContext } = await stored(device)
    expect(messages.map((m) => m.metadata)).toEqual([{ context: { page: '/cart', tags: ['x'] } }])
    expect(tickets.map((t) => t.id)).toEqual([ticketId])
    expect(tickets[0]!.context).toEqual({ cart: { items: [{ sku: 'a', qty: 1 }] }, preferences: { budget: { max: 900 } } })
    expect(tickets[0]!.messages.map((m) => [m.content, m.metadata])).toEqual([
      ['first', undefined],
      ['more', { context: { n: 2 } }],
    ])
    expect(userContext).toEqual({ preferences: { budget: { max: 900 } }, currentProducts: ['p1'] })
  })

  test('changing an argument after the call changes neither what is shown nor what is stored', async () => {
    const device = createDevice()
    const chat = device.open()
    const context: Record<string, unknown> = { cart: { items: ['a'] } }
    const metadata: Record<string, unknown> = { context: { page: '/cart' } }
    const patch: Record<string, unknown> = { preferences: { theme: 'dark' } }
    const ticketId = chat.createTicket('support', 'Mutated', undefined, context as never)
    const sending = chat.sendMainChatMessage('hi', { metadata: metadata as never })
    const updating = chat.updateUserContext(patch as never)
    // Right after the calls, before anything reached the engine:
    context['onClick'] = () => {}
    ;(context['cart'] as { items: unknown[] }).items.push('b')
    metadata['callback'] = () => {}
    ;(metadata['context'] as Record<string, unknown>)['page'] = '/elsewhere'
    ;(patch['preferences'] as Record<string, unknown>)['theme'] = Symbol('light')
    await Promise.all([sending, updating])
    await chat.flush()

    expect(chat.status$.value.connection).toBe('ready')
    const shown = chat.getState()
    expect(shown.tickets.find((t) => t.id === ticketId)?.context).toEqual({ cart: { items: ['a'] } })
    expect(shown.mainChat.messages[0]!.metadata).toEqual({ context: { page: '/cart' } })
    expect(shown.userContext).toEqual({ preferences: { theme: 'dark' } })
    const { messages, tickets, userContext } = await stored(device)
    expect(tickets.map((t) => [t.id, t.context])).toEqual([[ticketId, { cart: { items: ['a'] } }]])
    expect(messages[0]!.metadata).toEqual({ context: { page: '/cart' } })
    expect(userContext).toEqual({ preferences: { theme: 'dark' } })
  })

  const unreadable: Array<[string, (chat: ChatClient, ticketId: string) => unknown]> = [
    ['a revoked Proxy as ticket context', (c) => c.createTicket('support', 'T', undefined, revoked() as never)],
    ['a revoked Proxy inside metadata', (c) => c.sendMainChatMessage('hi', { metadata: { context: revoked() as never } })],
    ['a revoked Proxy as the options', (c) => c.sendMainChatMessage('hi', revoked() as never)],
    ['a revoked Proxy inside a user-context patch', (c) => c.updateUserContext({ preferences: revoked() as never })],
    ['a revoked Proxy as the batch', (c) => c.sendMainChatMessages(revoked() as never)],
    ['a revoked Proxy as context keys', (c, id) => c.inheritContextToTicket(id, revoked() as never)],
    ['a revoked Proxy as search options', (c) => c.searchMessages('hi', revoked() as never)],
    [
      'a Proxy whose reads throw',
      (c) =>
        c.updateUserContext(
          new Proxy({ a: 1 }, {
            getOwnPropertyDescriptor() {
              throw new Error('no')
            },
            get() {
              throw new Error('no')
            },
          }),
        ),
    ],
    [
      'a batch item whose content getter throws',
      (c) =>
        c.sendMainChatMessages([
          Object.defineProperty({}, 'content', {
            get() {
              throw new Error('no')
            },
          }) as never,
        ]),
    ],
  ]

  test.each(unreadable)('%s is a ValidationError at the call; nothing is written and the client goes on', async (_name, call) => {
    const device = createDevice()
    const chat = device.open()
    const ticketId = chat.createTicket('support', 'Existing', 'first')
    await chat.sendMainChatMessage('before')
    await chat.flush()
    const before = chat.getState()
    const storedBefore = await stored(device)

    const thrown = await thrownBy(() => call(chat, ticketId))
    expect(thrown).toBeInstanceOf(ValidationError)
    expect(chat.getState()).toBe(before)
    await chat.flush()
    expect(await stored(device)).toEqual(storedBefore)

    await chat.sendMainChatMessage('after')
    expect(chat.status$.value.connection).toBe('ready')
    expect((await stored(device)).messages.map((m) => m.content)).toEqual(['before', 'after'])
  })
})

describe('a call that cannot be posted', () => {
  test('rejects only its own command; the others commit and the client goes on', async () => {
    const device = createDevice()
    // Throws as a browser's postMessage does for a value the structured clone cannot copy.
    const post = (message: unknown) => {
    if (JSON.stringify(message).includes('poison')) throw new DOMException('could not be cloned', 'DataCloneError')
    }
    const chat = device.openBehind({ post })
    await chat.ready
    const sends = ['first', 'poison', 'last'].map((text) => chat.sendMainChatMessage(text))
    const outcomes = await Promise.allSettled(sends)
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(ValidationError)
    expect(chat.status$.value.connection).toBe('ready')
    await chat.sendMainChatMessage('after')
    expect(chat.getState().mainChat.messages.map((m) => m.content)).toEqual(['first', 'last', 'after'])
    expect((await stored(device)).messages.map((m) => m.content)).toEqual(['first', 'last', 'after'])
  })
})
