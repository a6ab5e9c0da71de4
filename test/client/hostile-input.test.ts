/**
 * Boundary fuzzing: hostile values through every public call that takes arguments. Each
 * call must either refuse with a typed SDK error (and then leave what is shown and what is
 * stored as it was) or accept the value as plain data; the client must keep working.
 * The seed is fixed; fast-check prints it, and the payload, when a run fails.
 */
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { ChatError, type ChatClient } from 'companion-chat'
import { createDevice, loadEveryTicket } from '../helpers/client.js'

const SEED = 20_261_129
const PAYLOADS = 500
/** The codes a refusal of input may carry. Anything else (`internal`, `worker-gone`, a TypeError) is a fault. */
const INPUT_CODES = new Set(['validation', 'not-found', 'invalid-transition'])

// ── Hostile values, described as plain data (so a failing payload prints and replays) ──

type Recipe =
  | { readonly kind: 'json'; readonly value: unknown }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'long-string'; readonly length: number }
  | {
      readonly kind:
        | 'lone-surrogates'
        | 'bigint'
        | 'symbol'
        | 'function'
        | 'undefined'
        | 'null'
        | 'boolean'
        | 'date'
        | 'map'
        | 'class-instance'
        | 'revoked-proxy'
        | 'throwing-proxy'
        | 'throwing-getter'
        | 'getter'
        | 'sparse-array'
        | 'huge-sparse-array'
        | 'array-with-property'
        | 'cycle'
        | '__proto__-key'
        | 'constructor-key'
        | 'prototype-key'
        | 'symbol-key'
        | 'too-deep'
        | 'frozen'
    }
  | { readonly kind: 'proxy'; readonly of: Recipe }
  | { readonly kind: 'in-object'; readonly key: string; readonly of: Recipe }
  | { readonly kind: 'in-array'; readonly of: Recipe }

const SIMPLE_KINDS = [
  'lone-surrogates',
  'bigint',
  'symbol',
  'function',
  'undefined',
  'null',
  'boolean',
  'date',
  'map',
  'class-instance',
  'revoked-proxy',
  'throwing-proxy',
  'throwing-getter',
  'getter',
  'sparse-array',
  'huge-sparse-array',
  'array-with-property',
  'cycle',
  '__proto__-key',
  'constructor-key',
  'prototype-key',
  'symbol-key',
  'too-deep',
  'frozen',
] as const

const leaf: fc.Arbitrary<Recipe> = fc.oneof(
  { arbitrary: fc.constantFrom(...SIMPLE_KINDS).map((kind) => ({ kind }) as Recipe), weight: 6 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => ({ kind: 'json', value }) as Recipe), weight: 2 },
  {
    arbitrary: fc
      .oneof(fc.string({ unit: 'binary', maxLength: 24 }), fc.constantFrom('main', 'open', 'closed', 'support', 'chat', 'tickets', '', ' x '))
      .map((value) => ({ kind: 'string', value }) as Recipe),
    weight: 2,
  },
  {
    arbitrary: fc
      .constantFrom(Number.NaN, Infinity, -Infinity, -1, -0, 0, 1, 1.5, 2 ** 53, Number.MAX_VALUE, 1e21, -1e308, 1_000_000)
      .map((value) => ({ kind: 'number', value }) as Recipe),
    weight: 1,
  },
  { arbitrary: fc.constantFrom(129, 201, 10_001, 70_000).map((length) => ({ kind: 'long-string', length }) as Recipe), weight: 1 },
)

const recipe: fc.Arbitrary<Recipe> = fc.oneof(
  { arbitrary: leaf, weight: 6 },
  { arbitrary: leaf.map((of) => ({ kind: 'proxy', of }) as Recipe), weight: 1 },
  { arbitrary: fc.tuple(fc.constantFrom('context', 'ticketId', 'preferences', 'x'), leaf).map(([key, of]) => ({ kind: 'in-object', key, of }) as Recipe), weight: 2 },
  { arbitrary: leaf.map((of) => ({ kind: 'in-array', of }) as Recipe), weight: 1 },
)

class Product {
  sku = 'p1'
}

/** A transparent Proxy that wraps every object read through it, as Vue's `reactive()` does. */
const reactive = (target: object): object =>
  new Proxy(target, {
    get(object, key, receiver) {
      const value = Reflect.get(object, key, receiver) as unknown
      return typeof value === 'object' && value !== null ? reactive(value) : value
    },
  })

const throwing = (): never => {
  throw new Error('hostile trap')
}

function build(r: Recipe): unknown {
  switch (r.kind) {
    case 'json':
      return structuredClone(r.value)
    case 'string':
    case 'number':
      return r.value
    case 'long-string':
      return 'x'.repeat(r.length)
    case 'lone-surrogates':
      return 'a\uD800b\uDC00c'
    case 'bigint':
      return 10n
    case 'symbol':
      return Symbol('hostile')
    case 'function':
      return () => 'hostile'
    case 'undefined':
      return undefined
    case 'null':
      return null
    case 'boolean':
      return true
    case 'date':
      return new Date(0)
    case 'map':
      return new Map([['a', 1]])
    case 'class-instance':
      return new Product()
    case 'revoked-proxy': {
      const { proxy, revoke } = Proxy.revocable({}, {})
      revoke()
      return proxy
    }
    case 'throwing-proxy':
      return new Proxy(
        { a: 1 },
        {
          get: throwing,
          has: throwing,
          ownKeys: throwing,
          getOwnPropertyDescriptor: throwing,
          getPrototypeOf: throwing,
        },
      )
    case 'throwing-getter':
      return Object.defineProperty({ a: 1 }, 'content', { get: throwing, enumerable: true })
    case 'getter':
      return Object.defineProperty({}, 'content', { get: () => 'from a getter', enumerable: true })
    case 'sparse-array':
      return [1, , 'three']
    case 'huge-sparse-array': {
      const list: unknown[] = []
      list[1_000_000_000] = 1
      return list
    }
    case 'array-with-property':
      return Object.assign(['a'], { extra: 1 })
    case 'cycle': {
      const node: Record<string, unknown> = { a: 1 }
      node['self'] = { back: node }
      return node
    }
    case '__proto__-key':
      return JSON.parse('{"__proto__": {"polluted": true}}')
    case 'constructor-key':
      return JSON.parse('{"nested": {"constructor": {"prototype": {"polluted": true}}}}')
    case 'prototype-key':
      return JSON.parse('{"prototype": 1}')
    case 'symbol-key':
      return { [Symbol('k')]: 1 }
    case 'too-deep': {
      let node: unknown = 'leaf'
      for (let i = 0; i < 40; i++) node = { next: node }
      return node
    }
    case 'frozen':
      return Object.freeze({ frozen: Object.freeze(['a']) })
    case 'proxy': {
      const inner = build(r.of)
      return typeof inner === 'object' && inner !== null ? reactive(inner) : inner
    }
    case 'in-object':
      return { [r.key]: build(r.of) }
    case 'in-array':
      return ['fine', build(r.of)]
  }
}

// ── Every public call that takes arguments, with the hostile value in one place ──

interface Fixture {
  readonly ticketId: string
  readonly messageId: string
}

type Target = (chat: ChatClient, fixture: Fixture, value: never) => unknown

const targets: Record<string, Target> = {
  'sendMainChatMessage(content)': (c, _, v) => c.sendMainChatMessage(v),
  'sendMainChatMessage(, options)': (c, _, v) => c.sendMainChatMessage('hello', v),
  'sendMainChatMessage(, { metadata })': (c, _, v) => c.sendMainChatMessage('hello', { metadata: v }),
  'sendMainChatMessage(, { metadata: { context } })': (c, _, v) => c.sendMainChatMessage('hello', { metadata: { context: v } }),
  'sendMainChatMessage(, { id, sender, type })': (c, _, v) => c.sendMainChatMessage('hello', { id: v, sender: 'assistant', type: 'text' }),
  'sendMainChatMessage(, { sender })': (c, _, v) => c.sendMainChatMessage('hello', { sender: v }),
  'sendMainChatMessages(messages)': (c, _, v) => c.sendMainChatMessages(v),
  'sendMainChatMessages([, item])': (c, _, v) => c.sendMainChatMessages(['first', v]),
  'sendMainChatMessages([{ content }])': (c, _, v) => c.sendMainChatMessages([{ content: v }]),
  'sendMainChatMessages([{ , options }])': (c, _, v) => c.sendMainChatMessages([{ content: 'x', options: v }]),
  'setMainChatTyping(isTyping)': (c, _, v) => c.setMainChatTyping(v),
  'updateUserContext(patch)': (c, _, v) => c.updateUserContext(v),
  'updateUserContext({ preferences })': (c, _, v) => c.updateUserContext({ preferences: v }),
  'updateUserContext({ custom })': (c, _, v) => c.updateUserContext({ custom: v }),
  'updateUserContext({ currentPage })': (c, _, v) => c.updateUserContext({ currentPage: v }),
  'createTicket(type)': (c, _, v) => c.createTicket(v, 'Title'),
  'createTicket(, title)': (c, _, v) => c.createTicket('support', v),
  'createTicket(, , initialMessage)': (c, _, v) => c.createTicket('support', 'Title', v),
  'createTicket(, , , context)': (c, _, v) => c.createTicket('support', 'Title', undefined, v),
  'createTicket(, , , { key })': (c, _, v) => c.createTicket('support', 'Title', 'first', { key: v }),
  'sendTicketMessage(ticketId)': (c, _, v) => c.sendTicketMessage(v, 'hello'),
  'sendTicketMessage(, content)': (c, f, v) => c.sendTicketMessage(f.ticketId, v),
  'sendTicketMessage(, , options)': (c, f, v) => c.sendTicketMessage(f.ticketId, 'hello', v),
  'resolveTicket(ticketId)': (c, _, v) => c.resolveTicket(v),
  'resolveTicket(, summary)': (c, f, v) => c.resolveTicket(f.ticketId, v),
  'updateTicketStatus(ticketId)': (c, _, v) => c.updateTicketStatus(v, 'in-progress'),
  'updateTicketStatus(, status)': (c, f, v) => c.updateTicketStatus(f.ticketId, v),
  'updateTicketPriority(ticketId)': (c, _, v) => c.updateTicketPriority(v, 'high'),
  'updateTicketPriority(, priority)': (c, f, v) => c.updateTicketPriority(f.ticketId, v),
  'createTicketFromChatMessage(messageId)': (c, _, v) => c.createTicketFromChatMessage(v, 'support', 'Title'),
  'createTicketFromChatMessage(, type)': (c, f, v) => c.createTicketFromChatMessage(f.messageId, v, 'Title'),
  'createTicketFromChatMessage(, , title)': (c, f, v) => c.createTicketFromChatMessage(f.messageId, 'support', v),
  'inheritContextToTicket(ticketId)': (c, _, v) => c.inheritContextToTicket(v, ['preferences']),
  'inheritContextToTicket(, keys)': (c, f, v) => c.inheritContextToTicket(f.ticketId, v),
  'inheritContextToTicket(, [key])': (c, f, v) => c.inheritContextToTicket(f.ticketId, [v]),
  'switchChatView(view)': (c, _, v) => c.switchChatView(v),
  'selectTicket(ticketId)': (c, _, v) => c.selectTicket(v),
  'watchTicket(ticketId)': (c, _, v) => c.watchTicket(v)(),
  'loadOlder(ticketId)': (c, _, v) => c.loadOlder(v),
  'loadOlder(, count)': (c, f, v) => c.loadOlder(f.ticketId, v),
  'markRead(threadId)': (c, _, v) => c.markRead(v),
  'setDraft(threadId)': (c, _, v) => c.setDraft(v, 'typing'),
  'setDraft(, text)': (c, _, v) => c.setDraft('main', v),
  'searchMessages(query)': (c, _, v) => c.searchMessages(v),
  'searchMessages(, options)': (c, _, v) => c.searchMessages('hello', v),
  'searchMessages(, { threadId, limit })': (c, _, v) => c.searchMessages('hello', { threadId: v, limit: v }),
  'regenerate(messageId)': (c, _, v) => c.regenerate(v),
  'retry(messageId)': (c, _, v) => c.retry(v),
  'continueReply(messageId)': (c, _, v) => c.continueReply(v),
  'runAction(messageId)': (c, _, v) => c.runAction(v, 'open-ticket'),
  'runAction(, actionId)': (c, f, v) => c.runAction(f.messageId, v),
  'waitForReply(messageId)': (c, _, v) => c.waitForReply(v, { timeout: 1 }),
  'waitForReply(, options)': (c, f, v) => c.waitForReply(f.messageId, v),
}
const TARGETS = Object.keys(targets)

/** Every row of every store of the database, read without the SDK. */
async function storedRows(indexedDB: IDBFactory, name: string): Promise<Record<string, unknown[]>> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(name)
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
  try {
    const names = [...db.objectStoreNames]
    const transaction = db.transaction(names, 'readonly')
    const rows: Record<string, unknown[]> = {}
    await Promise.all(
      names.map(
        (store) =>
          new Promise<void>((resolve, reject) => {
            const request = transaction.objectStore(store).getAll()
            request.onsuccess = () => {
              rows[store] = request.result as unknown[]
              resolve()
            }
            request.onerror = () => reject(request.error)
          }),
      ),
    )
    return rows
  } finally {
    db.close()
  }
}

/** What a client shows of the data, every ticket's whole thread loaded. */
async function shownData(chat: ChatClient) {
  await loadEveryTicket(chat)
  const { mainChat, tickets, userContext, analytics, ticketView, activeTicketId } = chat.getState()
  return { mainChat, tickets, userContext, analytics, ticketView, activeTicketId }
}

describe('hostile input at the boundary', () => {
  test(
    `${PAYLOADS} hostile payloads through every public call: a typed error with nothing written, or plain data accepted`,
    async () => {
      const device = createDevice()
      const chat = device.open({ config: { autoCleanupInterval: 0 } })
      const ticketId = chat.createTicket('support', 'Existing', 'first')
      await chat.sendMainChatMessage('before')
      await chat.flush()
      const fixture: Fixture = { ticketId, messageId: chat.getState().mainChat.messages[0]!.id }
      const tally = { accepted: 0, refused: 0 }

      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...TARGETS), recipe, async (target, r) => {
          const before = chat.getState()
          const rowsBefore = await storedRows(device.indexedDB, device.databaseName)
          let thrown: unknown
          let rejected: unknown
          let result: unknown
          try {
            result = targets[target]!(chat, fixture, build(r) as never)
          } catch (error) {
            thrown = error
          }
          if (result instanceof Promise) await result.catch((error: unknown) => (rejected = error))
          const refusal = thrown ?? rejected
          if (thrown !== undefined || rejected !== undefined) {
            // A typed error, with a stable code that says the input was refused.
            expect(refusal).toBeInstanceOf(ChatError)
            expect(INPUT_CODES.has((refusal as ChatError).code)).toBe(true)
          }
          if (thrown !== undefined) expect(chat.getState()).toBe(before) // refused at the call: not even shown
          await chat.flush()
          expect(chat.status$.value.connection).toBe('ready')
          expect(() => structuredClone(chat.getState())).not.toThrow() // whatever was accepted is plain data
          if (refusal !== undefined) {
            tally.refused++
            expect(await storedRows(device.indexedDB, device.databaseName)).toEqual(rowsBefore)
          } else {
            tally.accepted++
          }
        }),
        { seed: SEED, numRuns: PAYLOADS },
      )

      // Both sides were exercised, the client still works, and what it shows is what is stored.
      expect(tally.accepted).toBeGreaterThan(25)
      expect(tally.refused).toBeGreaterThan(250)
      await chat.sendMainChatMessage('after the storm')
      expect(chat.status$.value.connection).toBe('ready')
      const reader = device.open()
      expect(await shownData(reader)).toEqual(await shownData(chat))
      expect(reader.getState().mainChat.messages.at(-1)?.content).toBe('after the storm')
    },
    60_000,
  )
})
