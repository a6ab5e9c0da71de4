import { describe, expect, test } from 'vitest'
import { MAX_BATCH_MESSAGES, checkCommand } from '../../src/core/check-command.js'
import { ValidationError } from '../../src/core/errors.js'
import { CHAT_CONFIG, MAIN_THREAD, type ChatMessage, type CommandKind } from '../../src/core/protocol.js'
import { command, expectRefused, message, thrown, validCommands } from './builders.js'

const check = (value: unknown) => checkCommand(value, CHAT_CONFIG)

/** A valid command of `kind` with some fields replaced by (possibly ill-typed) values. */
function broken(kind: string, fields: Record<string, unknown>): unknown {
  const valid = validCommands().find((c) => c.kind === kind)!
  return { ...valid, ...fields }
}

describe('checkCommand', () => {
  test.each(validCommands().map((c) => [c.kind, c] as const))('accepts a valid %s command and returns it, or an equal copy', (_, valid) => {
    expect(check(valid)).toEqual(valid)
  })

  test('returns the objects a caller gave as copies, so later changes to them do not reach the command', () => {
    const context = { cart: { items: ['a'] } }
    const created = check({ kind: 'createTicket', commandId: 'c1', at: 1, ticketId: 't1', ticketType: 'support', title: 'T', context })
    context.cart.items.push('b')
    expect(created).toMatchObject({ context: { cart: { items: ['a'] } } })
    const patch = { preferences: { theme: 'dark' } }
    const updated = check({ kind: 'updateUserContext', commandId: 'c2', at: 1, patch })
    patch.preferences.theme = 'light'
    expect(updated).toMatchObject({ patch: { preferences: { theme: 'dark' } } })
    const metadata = { context: { page: '/a' } }
    const message = { id: 'm1', content: 'hi', sender: 'user', type: 'text', timestamp: 1, metadata }
    const sent = check({ kind: 'sendMessage', commandId: 'c3', at: 1, thread: 'main', message })
    metadata.context.page = '/b'
    expect(sent).toMatchObject({ message: { metadata: { context: { page: '/a' } } } })
  })

  test('has a valid example of every command kind of the protocol', () => {
    // A new kind in `Command` fails to compile here until it gets an example above.
    const every: Record<CommandKind, true> = {
      sendMessage: true,
      sendMessages: true,
      setTyping: true,
      updateUserContext: true,
      clearUserData: true,
      createTicket: true,
      resolveTicket: true,
      updateTicketStatus: true,
      updateTicketPriority: true,
      switchChatView: true,
      selectTicket: true,
      createTicketFromChatMessage: true,
      inheritContextToTicket: true,
      reply: true,
      markRead: true,
      setDraft: true,
      putTicket: true,
      setDelivery: true,
      setTranscript: true,
    }
    expect(new Set(validCommands().map((c) => c.kind))).toEqual(new Set(Object.keys(every)))
  })

  describe('the envelope', () => {
    test.each([null, undefined, 'sendMessage', 42])('refuses %j as a command', (value) => {
      thrown(() => check(value), ValidationError)
    })

    test('refuses an unknown kind', () => {
      const error = thrown(() => check({ kind: 'dropTables', commandId: 'c', at: 1 }), ValidationError)
      expect(error.message).toContain('dropTables')
    })

    test.each([undefined, '', 3, ' c1'])('refuses the commandId %j', (commandId) => {
      expectRefused(() => check(broken('setTyping', { commandId })), 'commandId')
    })

    test.each([undefined, -1, Number.NaN, Number.POSITIVE_INFINITY, '1700000000000'])('refuses the clock reading %j', (at) => {
      expectRefused(() => check(broken('setTyping', { at })), 'at')
    })
  })

  describe('sendMessage', () => {
    const send = (thread: string, msg: unknown) => ({ ...command('sendMessage', { thread, message: message() }), message: msg })

    test.each([
      ['an empty thread', () => ({ ...send(MAIN_THREAD, message()), thread: '' }), 'ticketId'],
      ['a thread id with spaces', () => ({ ...send(MAIN_THREAD, message()), thread: ' t-1' }), 'ticketId'],
      ['a missing thread', () => ({ ...send(MAIN_THREAD, message()), thread: undefined }), 'ticketId'],
      ['empty content', () => send(MAIN_THREAD, message({ content: '' })), 'content'],
      ['white-space content', () => send('t-1', message({ content: ' \n ' })), 'content'],
      ['content over maxContentLength', () => send(MAIN_THREAD, message({ content: 'x'.repeat(10_001) })), 'content'],
      ['content that is not a string', () => send(MAIN_THREAD, { ...message(), content: 42 }), 'content'],
      ['a malformed message id', () => send(MAIN_THREAD, message({ id: '' })), 'options.id'],
      ['an unknown sender', () => send(MAIN_THREAD, { ...message(), sender: 'bot' }), 'options.sender'],
      ['an unknown type', () => send(MAIN_THREAD, { ...message(), type: 'html' }), 'options.type'],
      ['a negative timestamp', () => send(MAIN_THREAD, message({ timestamp: -5 })), 'options.timestamp'],
      ['a function in metadata', () => send(MAIN_THREAD, { ...message(), metadata: { onClick: () => {} } }), 'options.metadata.onClick'],
      ['a malformed metadata ticket id', () => send(MAIN_THREAD, message({ metadata: { ticketId: ' ' } })), 'options.metadata.ticketId'],
    ])('refuses %s', (_, build, path) => {
      expectRefused(() => check(build()), path)
    })

    test('accepts content exactly at maxContentLength', () => {
      expect(() => check(send(MAIN_THREAD, message({ content: 'x'.repeat(10_000) })))).not.toThrow()
    })

    test('refuses a message that is not an object and names the field', () => {
      expectRefused(() => check(send(MAIN_THREAD, null)), 'content')
    })
  })

  describe('sendMessages', () => {
    const batch = (messages: unknown) => ({ ...command('sendMessages', { thread: MAIN_THREAD, messages: [message()] }), messages })
    const many = (count: number): ChatMessage[] => Array.from({ length: count }, (_, i) => message({ id: `b-${i}`, content: `n ${i}` }))

    test('refuses an empty batch', () => {
      expectRefused(() => check(batch([])), 'messages')
    })

    test(`accepts ${MAX_BATCH_MESSAGES} messages and refuses one more`, () => {
      expect(() => check(batch(many(MAX_BATCH_MESSAGES)))).not.toThrow()
      const error = expectRefused(() => check(batch(many(MAX_BATCH_MESSAGES + 1))), 'messages')
      expect(error.details).toMatchObject({ limit: 10_000 })
    })

    test('refuses a duplicated message id and names the second one', () => {
      const first = message({ id: 'same' })
      expectRefused(() => check(batch([first, message(), message({ id: 'same', content: 'other' })])), 'messages[2]')
    })

    test('refuses a malformed message and names its index', () => {
      expectRefused(() => check(batch([message(), message({ content: '' })])), 'messages[1].content')
      expectRefused(() => check(batch([message(), message({ sender: 'robot' as 'user' })])), 'messages[1].sender')
    })

    test('refuses a malformed ticket thread', () => {
      expectRefused(() => check({ ...batch([message()]), thread: '' }), 'ticketId')
    })

    test('refuses messages that are not an array and names the field', () => {
      expectRefused(() => check(batch({ 0: message(), length: 1 })), 'messages')
    })

    test('refuses a message that is not an object and names its index', () => {
      expectRefused(() => check(batch([message(), null])), 'messages[1].content')
    })
  })

  describe('the other commands', () => {
    test.each([
      ['setTyping', { isTyping: 'yes' }, 'isTyping'],
      ['setTyping', { isTyping: undefined }, 'isTyping'],
      ['updateUserContext', { patch: null }, 'context'],
      ['updateUserContext', { patch: { currentPage: 404 } }, 'context.currentPage'],
      ['updateUserContext', { patch: JSON.parse('{"__proto__": {"admin": true}}') }, 'context.__proto__'],
      ['createTicket', { ticketId: '' }, 'ticketId'],
      ['createTicket', { ticketType: 'bug' }, 'type'],
      ['createTicket', { title: '   ' }, 'title'],
      ['createTicket', { title: 't'.repeat(201) }, 'title'],
      ['createTicket', { initialMessage: message({ content: '' }) }, 'initialMessage'],
      ['createTicket', { context: ['productIds'] }, 'context'],
      ['createTicket', { context: { product: new Map() } }, 'context.product'],
      ['createTicket', { context: JSON.parse('{"a": {"constructor": {}}}') }, 'context.a.constructor'],
      ['createTicket', { context: { blob: 'x'.repeat(CHAT_CONFIG.maxContextBytes) } }, 'context'],
      ['resolveTicket', { ticketId: undefined }, 'ticketId'],
      ['resolveTicket', { summary: '' }, 'summary'],
      ['resolveTicket', { summary: 7 }, 'summary'],
      ['updateTicketStatus', { status: 'done' }, 'status'],
      ['updateTicketStatus', { ticketId: 1 }, 'ticketId'],
      ['updateTicketPriority', { priority: 'critical' }, 'priority'],
      ['updateTicketPriority', { ticketId: '' }, 'ticketId'],
      ['switchChatView', { view: 'settings' }, 'view'],
      ['selectTicket', { ticketId: undefined }, 'ticketId'],
      ['selectTicket', { ticketId: '' }, 'ticketId'],
      ['createTicketFromChatMessage', { ticketId: '' }, 'ticketId'],
      ['createTicketFromChatMessage', { copyId: undefined }, 'copyId'],
      ['createTicketFromChatMessage', { messageId: 12 }, 'messageId'],
      ['createTicketFromChatMessage', { ticketType: 'question' }, 'ticketType'],
      ['createTicketFromChatMessage', { title: '' }, 'title'],
      ['inheritContextToTicket', { ticketId: null }, 'ticketId'],
      ['inheritContextToTicket', { contextKeys: 'preferences' }, 'contextKeys'],
      ['inheritContextToTicket', { contextKeys: ['ok', '__proto__'] }, 'contextKeys[1]'],
      ['setDraft', { thread: '' }, 'threadId'],
      ['setDraft', { thread: ' main' }, 'threadId'],
      ['setDraft', { thread: undefined }, 'threadId'],
      ['setDraft', { text: undefined }, 'text'],
      ['setDraft', { text: 42 }, 'text'],
      ['setDraft', { text: 'x'.repeat(CHAT_CONFIG.maxContentLength + 1) }, 'text'],
    ])('refuses %s with %j', (kind, fields, path) => {
      expectRefused(() => check(broken(kind, fields)), path)
    })

    test('accepts any draft text up to maxContentLength: empty (it deletes the draft) and white space included', () => {
      for (const text of ['', '  \n', 'x'.repeat(CHAT_CONFIG.maxContentLength)]) expect(() => check(broken('setDraft', { text }))).not.toThrow()
    })

    test('accepts a ticket title exactly at maxTitleLength', () => {
      expect(() => check(broken('createTicket', { title: 't'.repeat(200) }))).not.toThrow()
    })

    test('accepts a resolution summary at maxSummaryLength and refuses a longer one', () => {
      expect(() => check(broken('resolveTicket', { summary: 's'.repeat(CHAT_CONFIG.maxSummaryLength) }))).not.toThrow()
      expectRefused(() => check(broken('resolveTicket', { summary: 's'.repeat(CHAT_CONFIG.maxSummaryLength + 1) })), 'summary')
    })

    test('checks limits against the given config', () => {
      const strict = { ...CHAT_CONFIG, maxContentLength: 5 }
      const send = command('sendMessage', { thread: MAIN_THREAD, message: message({ content: 'too long' }) })
      expect(() => checkCommand(send, CHAT_CONFIG)).not.toThrow()
      expectRefused(() => checkCommand(send, strict), 'content')
    })
  })
})
