import { describe, expect, test } from 'vitest'
import { EMPTY_STATE, applyChanges, createSeqIndex, stateFromSnapshot, type SeqIndex } from '../../src/client/apply-changes.js'
import {
  EMPTY_ANALYTICS,
  INITIAL_VIEW,
  MAIN_THREAD,
  type Change,
  type ChatAnalytics,
  type ChatMessage,
  type ChatSystemState,
  type MessageRecord,
  type Snapshot,
  type TicketRecord,
} from '../../src/core/protocol.js'
import { T0, message, ticket } from './builders.js'

const MAX = 100

const put = (thread: string, msg: ChatMessage, seq?: number): Change => ({
  type: 'message',
  record: seq === undefined ? { thread, message: msg } : { thread, seq, message: msg },
})
const putTicket = (record: TicketRecord): Change => ({ type: 'ticket', record })
const ids = (messages: readonly ChatMessage[]) => messages.map((m) => m.id)

const analytics: ChatAnalytics = { ...EMPTY_ANALYTICS, totalMessages: 3, activeTickets: 2, commonTopics: ['laptop'] }

/** A confirmed state of two tickets (A with one message, B with none) and two main-chat messages. */
function confirmed() {
  const a = ticket({ id: 'A', seq: 1, title: 'Ticket A' })
  const b = ticket({ id: 'B', seq: 3, title: 'Ticket B' })
  const m1 = message({ id: 'm1', content: 'first' })
  const m2 = message({ id: 'm2', content: 'second' })
  const a1 = message({ id: 'a1', content: 'in A' })
  const snapshot: Snapshot = {
    version: 7,
    tickets: [a, b],
    messages: [
      { thread: MAIN_THREAD, seq: 5, message: m2 },
      { thread: 'A', seq: 4, message: a1 },
      { thread: MAIN_THREAD, seq: 2, message: m1 },
    ],
    threads: [
      { id: MAIN_THREAD, count: 2, last: m2, lastSeq: 5, readSeq: 0, unread: 0 },
      { id: 'A', count: 1, last: a1, lastSeq: 4, readSeq: 0, unread: 0 },
    ],
    windows: [{ thread: 'A', hasOlder: false }],
    drafts: [{ thread: 'A', text: 'It still does not', at: T0 }],
    userContext: { currentPage: '/laptops' },
    view: { ticketView: 'tickets', activeTicketId: 'A', isTyping: false, lastActivity: T0 },
    analytics,
    outbox: [],
  }
  const index = createSeqIndex()
  const state = stateFromSnapshot(snapshot, MAX, index)
  return { state, index, snapshot, a, b, m1, m2, a1 }
}

describe('stateFromSnapshot', () => {
  test('builds the ChatSystemState the snapshot describes, messages in seq order', () => {
    const { state, a, b, m1, m2, a1 } = confirmed()
    const { seq: _a, ...ticketA } = a
    const { seq: _b, ...ticketB } = b
    const expected: ChatSystemState = {
      mainChat: { messages: [m1, m2], isTyping: false, lastActivity: T0, unreadCount: 0, draft: '' },
      tickets: [
        { ...ticketA, messages: [a1], messageCount: 1, lastMessage: a1, unreadCount: 0, hasOlder: false, draft: 'It still does not' },
        { ...ticketB, messages: [], messageCount: 0, unreadCount: 0, hasOlder: false, draft: '' },
      ],
      activeTicketId: 'A',
      ticketView: 'tickets',
      userContext: { currentPage: '/laptops' },
      analytics,
    }
    expect(state).toEqual(expected)
    for (const t of state.tickets) expect(t).not.toHaveProperty('seq')
  })

  test('fills the index with every seq and clears what it held', () => {
    const index: SeqIndex = createSeqIndex()
    index.messages.set('stale', 99)
    const { snapshot } = confirmed()
    stateFromSnapshot(snapshot, MAX, index)
    expect(Object.fromEntries(index.messages)).toEqual({ m1: 2, m2: 5, a1: 4 })
    expect(Object.fromEntries(index.tickets)).toEqual({ A: 1, B: 3 })
  })

  test('orders tickets by seq', () => {
    const snapshot: Snapshot = {
      version: 1,
      tickets: [ticket({ id: 'late', seq: 9 }), ticket({ id: 'early', seq: 2 }), ticket({ id: 'mid', seq: 5 })],
      messages: [],
      threads: [],
      windows: [],
      drafts: [],
      userContext: {},
      view: INITIAL_VIEW,
      analytics: EMPTY_ANALYTICS,
      outbox: [],
    }
    expect(stateFromSnapshot(snapshot, MAX, createSeqIndex()).tickets.map((t) => t.id)).toEqual(['early', 'mid', 'late'])
  })

  test('keeps only the newest maxMainChatMessages of the main chat', () => {
    const messages: MessageRecord[] = Array.from({ length: 5 }, (_, i) => ({ thread: MAIN_THREAD, seq: i + 1, message: message({ id: `m${i + 1}` }) }))
    const snapshot: Snapshot = { version: 1, tickets: [], messages, threads: [], windows: [], drafts: [], userContext: {}, view: INITIAL_VIEW, analytics: EMPTY_ANALYTICS, outbox: [] }
    expect(ids(stateFromSnapshot(snapshot, 3, createSeqIndex()).mainChat.messages)).toEqual(['m3', 'm4', 'm5'])
  })

  test('an empty snapshot gives a state equal to EMPTY_STATE', () => {
    const snapshot: Snapshot = { version: 0, tickets: [], messages: [], threads: [], windows: [], drafts: [], userContext: {}, view: INITIAL_VIEW, analytics: EMPTY_ANALYTICS, outbox: [] }
    expect(stateFromSnapshot(snapshot, MAX, createSeqIndex())).toEqual(EMPTY_STATE)
  })
})

describe('applyChanges: structural sharing', () => {
  test('no changes give the same state', () => {
    const { state } = confirmed()
    expect(applyChanges(state, [], MAX)).toBe(state)
  })

  test('a change to ticket A keeps ticket B, A’s thread and the whole main chat', () => {
    const { state, index, a } = confirmed()
    const next = applyChanges(state, [putTicket({ ...a, priority: 'urgent', updatedAt: T0 + 1 })], MAX, index)
    expect(next.tickets).not.toBe(state.tickets)
    expect(next.tickets[0]).toMatchObject({ id: 'A', priority: 'urgent' })
    expect(next.tickets[0]!.messages).toBe(state.tickets[0]!.messages)
    expect(next.tickets[1]).toBe(state.tickets[1])
    expect(next.mainChat).toBe(state.mainChat)
    expect(next.userContext).toBe(state.userContext)
    expect(next.analytics).toBe(state.analytics)
  })

  test('a message in ticket A keeps ticket B and the main messages array', () => {
    const { state, index } = confirmed()
    const reply = message({ id: 'a2', sender: 'assistant' })
    const next = applyChanges(state, [put('A', reply, 6)], MAX, index)
    expect(ids(next.tickets[0]!.messages)).toEqual(['a1', 'a2'])
    expect(next.tickets[0]!.messages[0]).toBe(state.tickets[0]!.messages[0])
    expect(next.tickets[1]).toBe(state.tickets[1])
    expect(next.mainChat.messages).toBe(state.mainChat.messages)
    expect(next.mainChat).toBe(state.mainChat)
  })

  test('a main-chat message keeps the tickets array and the messages it already had', () => {
    const { state, index } = confirmed()
    const next = applyChanges(state, [put(MAIN_THREAD, message({ id: 'm3' }), 6)], MAX, index)
    expect(ids(next.mainChat.messages)).toEqual(['m1', 'm2', 'm3'])
    expect(next.mainChat.messages[0]).toBe(state.mainChat.messages[0])
    expect(next.tickets).toBe(state.tickets)
  })

  test('does not change the state it is given', () => {
    const { state, index } = confirmed()
    const before = structuredClone(state)
    applyChanges(state, [put(MAIN_THREAD, message(), 6), put('A', message(), 7), { type: 'ticketDeleted', id: 'B' }], MAX, index)
    expect(state).toEqual(before)
  })

  test('a user-context change replaces only the user context', () => {
    const { state } = confirmed()
    const next = applyChanges(state, [{ type: 'userContext', context: { currentPage: '/audio' } }], MAX)
    expect(next.userContext).toEqual({ currentPage: '/audio' })
    expect(next.mainChat).toBe(state.mainChat)
    expect(next.tickets).toBe(state.tickets)
  })

  test('a view change of the ticket view keeps the main chat', () => {
    const { state } = confirmed()
    const next = applyChanges(state, [{ type: 'view', view: { ticketView: 'chat', activeTicketId: null, isTyping: false, lastActivity: T0 } }], MAX)
    expect([next.ticketView, next.activeTicketId]).toEqual(['chat', null])
    expect(next.mainChat).toBe(state.mainChat)
  })

  test('a view change of typing keeps the messages array', () => {
    const { state } = confirmed()
    const next = applyChanges(state, [{ type: 'view', view: { ticketView: 'tickets', activeTicketId: 'A', isTyping: true, lastActivity: T0 + 5 } }], MAX)
    expect(next.mainChat).toEqual({ messages: state.mainChat.messages, isTyping: true, lastActivity: T0 + 5, unreadCount: 0, draft: '' })
    expect(next.mainChat.messages).toBe(state.mainChat.messages)
  })

  test('a view change that changes nothing gives the same state', () => {
    const { state } = confirmed()
    const view = { ticketView: 'tickets', activeTicketId: 'A', isTyping: false, lastActivity: T0 } as const
    expect(applyChanges(state, [{ type: 'view', view }], MAX)).toBe(state)
  })

  test('an analytics change replaces only the analytics', () => {
    const { state } = confirmed()
    const next = applyChanges(state, [{ type: 'analytics', analytics: { ...analytics, totalMessages: 4 } }], MAX)
    expect(next.analytics.totalMessages).toBe(4)
    expect(next.tickets).toBe(state.tickets)
    expect(next.mainChat).toBe(state.mainChat)
  })
})

describe('applyChanges: order', () => {
  test('places confirmed messages by seq, whatever order they arrive in', () => {
    const { state, index } = confirmed()
    const late = message({ id: 'late' })
    const early = message({ id: 'early' })
    const between = message({ id: 'between' })
    const next = applyChanges(state, [put(MAIN_THREAD, late, 10)], MAX, index)
    const after = applyChanges(next, [put(MAIN_THREAD, early, 3), put(MAIN_THREAD, between, 7)], MAX, index)
    expect(ids(after.mainChat.messages)).toEqual(['m1', 'early', 'm2', 'between', 'late'])
  })

  test('replaces a message with the same id where it is', () => {
    const { state, index, m1 } = confirmed()
    const linked = { ...m1, metadata: { ticketId: 'A' } }
    const next = applyChanges(state, [put(MAIN_THREAD, linked, 2)], MAX, index)
    expect(next.mainChat.messages).toEqual([linked, state.mainChat.messages[1]])
  })

  test('appends optimistic messages after everything confirmed', () => {
    const { state, m1 } = confirmed()
    const old = message({ id: 'opt', timestamp: 0 })
    const next = applyChanges(state, [put(MAIN_THREAD, old)], MAX)
    expect(ids(next.mainChat.messages)).toEqual(['m1', 'm2', 'opt'])
    expect(applyChanges(next, [put(MAIN_THREAD, { ...m1, content: 'edited' })], MAX).mainChat.messages[0]!.content).toBe('edited')
  })

  test('places a confirmed new ticket by seq and an optimistic one last', () => {
    const { state, index } = confirmed()
    const next = applyChanges(state, [putTicket(ticket({ id: 'C', seq: 2 }))], MAX, index)
    expect(next.tickets.map((t) => t.id)).toEqual(['A', 'C', 'B'])
    const optimistic = applyChanges(next, [putTicket(ticket({ id: 'D' }))], MAX)
    expect(optimistic.tickets.map((t) => t.id)).toEqual(['A', 'C', 'B', 'D'])
    expect(optimistic.tickets[3]).toEqual({ ...ticket({ id: 'D' }), messages: [], messageCount: 0, unreadCount: 0, hasOlder: false, draft: '' })
  })

  test('a new ticket and its first message in one patch arrive together', () => {
    const { state, index } = confirmed()
    const first = message({ id: 'c1' })
    const next = applyChanges(state, [putTicket(ticket({ id: 'C', seq: 6 })), put('C', first, 7)], MAX, index)
    expect(next.tickets.find((t) => t.id === 'C')!.messages).toEqual([first])
  })
})

describe('applyChanges: limits and removal', () => {
  test('a message deleted and written again in one patch is there, at its new place', () => {
    const { state, index, m1 } = confirmed()
    const again = { ...m1, content: 'written again' }
    const next = applyChanges(state, [{ type: 'messageDeleted', id: 'm1', thread: MAIN_THREAD }, put(MAIN_THREAD, again, 9)], MAX, index)
    expect(next.mainChat.messages.map((m) => [m.id, m.content])).toEqual([
      ['m2', 'second'],
      ['m1', 'written again'],
    ])
    // The same in the optimistic mirror (no places yet).
    const optimistic = applyChanges(state, [{ type: 'messageDeleted', id: 'm1', thread: MAIN_THREAD }, put(MAIN_THREAD, again)], MAX)
    expect(optimistic.mainChat.messages.map((m) => m.content)).toEqual(['second', 'written again'])
  })

  test('trims the main chat to maxMainChatMessages, keeping the newest', () => {
    const { state, index } = confirmed()
    const next = applyChanges(state, [put(MAIN_THREAD, message({ id: 'm3' }), 6), put(MAIN_THREAD, message({ id: 'm4' }), 7)], 3, index)
    expect(ids(next.mainChat.messages)).toEqual(['m2', 'm3', 'm4'])
  })

  test('trims an optimistic message into the newest when the chat is full', () => {
    const { state } = confirmed()
    expect(ids(applyChanges(state, [put(MAIN_THREAD, message({ id: 'opt' }))], 2).mainChat.messages)).toEqual(['m2', 'opt'])
  })

  test('never trims ticket threads', () => {
    const { state, index } = confirmed()
    const many = Array.from({ length: 5 }, (_, i) => put('A', message({ id: `x${i}` }), 10 + i))
    expect(applyChanges(state, many, 2, index).tickets[0]!.messages).toHaveLength(6)
  })

  test('messageDeleted removes the message and forgets its seq', () => {
    const { state, index } = confirmed()
    const next = applyChanges(state, [{ type: 'messageDeleted', id: 'm1', thread: MAIN_THREAD }], MAX, index)
    expect(ids(next.mainChat.messages)).toEqual(['m2'])
    expect(index.messages.has('m1')).toBe(false)
    expect(next.tickets).toBe(state.tickets)
  })

  test('ticketDeleted drops the ticket and its thread and keeps the others', () => {
    const { state, index } = confirmed()
    const next = applyChanges(state, [{ type: 'ticketDeleted', id: 'A' }], MAX, index)
    expect(next.tickets.map((t) => t.id)).toEqual(['B'])
    expect(next.tickets[0]).toBe(state.tickets[1])
    expect(next.mainChat).toBe(state.mainChat)
    expect(index.tickets.has('A')).toBe(false)
    expect(index.messages.has('a1')).toBe(false)
  })

  test('ignores messages for a ticket deleted earlier in the same patch', () => {
    const { state, index } = confirmed()
    const next = applyChanges(state, [put('A', message({ id: 'a2' }), 6), { type: 'ticketDeleted', id: 'A' }, put('A', message({ id: 'a3' }), 7)], MAX, index)
    expect(next.tickets.map((t) => t.id)).toEqual(['B'])
  })

  test('reset gives EMPTY_STATE and clears the index', () => {
    const { state, index } = confirmed()
    expect(applyChanges(state, [{ type: 'reset' }], MAX, index)).toBe(EMPTY_STATE)
    expect(index.messages.size + index.tickets.size).toBe(0)
  })

  test('changes after a reset in the same patch start from the empty state', () => {
    const { state, index } = confirmed()
    const fresh = message({ id: 'fresh' })
    const next = applyChanges(state, [put(MAIN_THREAD, message({ id: 'gone' }), 6), { type: 'reset' }, put(MAIN_THREAD, fresh, 1)], MAX, index)
    expect(next.mainChat.messages).toEqual([fresh])
    expect(next.tickets).toBe(EMPTY_STATE.tickets)
    expect(next.userContext).toBe(EMPTY_STATE.userContext)
  })
})

describe('lastActivity', () => {
  test('follows the newest main-chat message and never moves back', () => {
    const newer = { id: 'a', content: 'hi', sender: 'user' as const, timestamp: 2_000, type: 'text' as const }
    const older = { ...newer, id: 'b', timestamp: 1_000 }
    const after = applyChanges(EMPTY_STATE, [{ type: 'message', record: { thread: 'main', message: newer } }], 100)
    expect(after.mainChat.lastActivity).toBe(2_000)
    expect(applyChanges(after, [{ type: 'message', record: { thread: 'main', message: older } }], 100).mainChat.lastActivity).toBe(2_000)
  })
})


describe('drafts', () => {
  const draft = (thread: string, text: string): Change => ({ type: 'draft', record: { thread, text, at: T0 } })

  test("a main-chat draft changes only mainChat.draft; the messages and tickets keep their identity", () => {
    const { state, index } = confirmed()
    const next = applyChanges(state, [draft(MAIN_THREAD, 'I am looking for')], MAX, index)
    expect(next.mainChat.draft).toBe('I am looking for')
    expect(next.mainChat.messages).toBe(state.mainChat.messages)
    expect(next.tickets).toBe(state.tickets)
    expect(applyChanges(next, [draft(MAIN_THREAD, '')], MAX, index).mainChat.draft).toBe('')
  })

  test("a ticket's draft changes that ticket only, and its messages keep their identity", () => {
    const { state, index } = confirmed()
    const next = applyChanges(state, [draft('B', 'Order 42')], MAX, index)
    expect(next.tickets[1]).toMatchObject({ id: 'B', draft: 'Order 42' })
    expect(next.tickets[0]).toBe(state.tickets[0])
    expect(next.tickets[1]!.messages).toBe(state.tickets[1]!.messages)
    expect(next.mainChat).toBe(state.mainChat)
  })

  test('the same draft again changes nothing', () => {
    const { state, index } = confirmed()
    const next = applyChanges(state, [draft('A', 'It still does not'), draft(MAIN_THREAD, '')], MAX, index)
    next.tickets.forEach((t, i) => expect(t).toBe(state.tickets[i]))
    expect(next.mainChat).toBe(state.mainChat)
  })

  test("goes with its ticket, and a draft of an unknown or deleted ticket is dropped", () => {
    const { state, index } = confirmed()
    const next = applyChanges(state, [{ type: 'ticketDeleted', id: 'A' }, draft('A', 'late'), draft('nope', 'lost')], MAX, index)
    expect(next.tickets.map((t) => [t.id, t.draft])).toEqual([['B', '']])
  })

  test('a new ticket takes a draft given in the same changes', () => {
    const { state, index } = confirmed()
    const next = applyChanges(state, [putTicket(ticket({ id: 'C', seq: 9 })), draft('C', 'typed')], MAX, index)
    expect(next.tickets.at(-1)).toMatchObject({ id: 'C', draft: 'typed' })
  })

  test('a reset drops every draft', () => {
    const { state, index } = confirmed()
    const drafted = applyChanges(state, [draft(MAIN_THREAD, 'hello')], MAX, index)
    const next = applyChanges(drafted, [{ type: 'reset' }, putTicket(ticket({ id: 'A', seq: 1 }))], MAX, index)
    expect(next.mainChat.draft).toBe('')
    expect(next.tickets[0]!.draft).toBe('')
  })
})
