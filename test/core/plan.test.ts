import { describe, expect, test } from 'vitest'
import { resolutionDelta } from '../../src/core/analytics.js'
import { InvalidTransitionError, NotFoundError, ValidationError } from '../../src/core/errors.js'
import { mergeContext, planCommand } from '../../src/core/plan.js'
import { INITIAL_VIEW, MAIN_THREAD, type Change, type TicketRecord, type UserChatContext } from '../../src/core/protocol.js'
import { T0, command, expectRefused, message, planContext, thrown, ticket } from './builders.js'

const AT = T0 + 1000

const ticketsIn = (changes: readonly Change[]): TicketRecord[] =>
  changes.flatMap((change) => (change.type === 'ticket' ? [change.record] : []))

describe('planCommand: sendMessage', () => {
  test('to the main chat writes only the message (lastActivity is derived from it)', () => {
    const msg = message({ timestamp: T0 + 500 })
    const changes = planCommand(command('sendMessage', { thread: MAIN_THREAD, message: msg }), planContext({ view: { lastActivity: T0 } }))
    expect(changes).toEqual([{ type: 'message', record: { thread: MAIN_THREAD, message: msg } }])
  })

  test('to a ticket writes the message into its thread and touches the ticket', () => {
    const t = ticket({ id: 't-1', status: 'in-progress' })
    const msg = message()
    const changes = planCommand(command('sendMessage', { thread: 't-1', message: msg }), planContext({ tickets: [t] }))
    expect(changes).toEqual([
      { type: 'message', record: { thread: 't-1', message: msg } },
      { type: 'ticket', record: { ...t, updatedAt: AT } },
    ])
  })

  test('a user message on a resolved ticket reopens it', () => {
    const t = ticket({ id: 't-1', status: 'resolved', resolvedAt: T0 + 10, summary: 'Done' })
    const changes = planCommand(command('sendMessage', { thread: 't-1', message: message() }), planContext({ tickets: [t] }))
    const [after] = ticketsIn(changes)
    const { resolvedAt: _resolvedAt, summary: _summary, ...unresolved } = t
    expect(after).toEqual({ ...unresolved, status: 'open', updatedAt: AT })
    expect(after).not.toHaveProperty('resolvedAt')
    expect(after).not.toHaveProperty('summary')
  })

  test.each(['assistant', 'system'] as const)('a %s message on a resolved ticket leaves it resolved', (sender) => {
    const t = ticket({ id: 't-1', status: 'resolved', resolvedAt: T0 + 10, summary: 'Done' })
    const changes = planCommand(command('sendMessage', { thread: 't-1', message: message({ sender }) }), planContext({ tickets: [t] }))
    expect(ticketsIn(changes)).toEqual([{ ...t, updatedAt: AT }])
  })

  test('to a closed ticket throws InvalidTransitionError', () => {
    const t = ticket({ id: 't-1', status: 'closed' })
    thrown(() => planCommand(command('sendMessage', { thread: 't-1', message: message() }), planContext({ tickets: [t] })), InvalidTransitionError)
  })

  test('to an unknown ticket throws NotFoundError', () => {
    const error = thrown(() => planCommand(command('sendMessage', { thread: 't-x', message: message() }), planContext()), NotFoundError)
    expect(error.code).toBe('not-found')
    expect(error.details).toEqual({ ticketId: 't-x' })
  })

  test('a retry of the same message id with the same content changes nothing', () => {
    const msg = message({ id: 'm-1', content: 'Hi' })
    const ctx = planContext({ messages: [{ thread: MAIN_THREAD, seq: 1, message: msg }] })
    expect(planCommand(command('sendMessage', { thread: MAIN_THREAD, message: { ...msg } }), ctx)).toEqual([])
  })

  test('a retry to a ticket is recognised before the ticket is read, so it stays a no-op once the ticket is closed', () => {
    const msg = message({ id: 'm-1' })
    const ctx = planContext({ tickets: [ticket({ id: 't-1', status: 'closed' })], messages: [{ thread: 't-1', message: msg }] })
    expect(planCommand(command('sendMessage', { thread: 't-1', message: msg }), ctx)).toEqual([])
  })

  test('another message under a used id is refused', () => {
    const ctx = planContext({ messages: [{ thread: MAIN_THREAD, message: message({ id: 'm-1', content: 'Hi' }) }] })
    const send = command('sendMessage', { thread: MAIN_THREAD, message: message({ id: 'm-1', content: 'Bye' }) })
    const error = expectRefused(() => planCommand(send, ctx), 'options.id')
    expect(error).toBeInstanceOf(ValidationError)
  })

  test('the same content under a used id in another thread is refused', () => {
    const t = ticket({ id: 't-1' })
    const ctx = planContext({ tickets: [t], messages: [{ thread: MAIN_THREAD, message: message({ id: 'm-1', content: 'Hi' }) }] })
    expectRefused(() => planCommand(command('sendMessage', { thread: 't-1', message: message({ id: 'm-1', content: 'Hi' }) }), ctx), 'options.id')
  })
})

describe('planCommand: sendMessages', () => {
  test('to the main chat writes every message, in order', () => {
    const messages = [message({ timestamp: T0 + 1 }), message({ timestamp: T0 + 2 }), message({ timestamp: T0 + 3 })]
    const changes = planCommand(command('sendMessages', { thread: MAIN_THREAD, messages }), planContext())
    expect(changes.map((c) => (c.type === 'message' ? c.record.message : c))).toEqual(messages)
  })

  test('reopens a resolved ticket once', () => {
    const t = ticket({ id: 't-1', status: 'resolved', createdAt: T0, resolvedAt: T0 + 400, summary: 'Done' })
    const messages = [message(), message({ sender: 'assistant' }), message()]
    const changes = planCommand(command('sendMessages', { thread: 't-1', messages }), planContext({ tickets: [t] }))
    expect(changes.map((c) => c.type)).toEqual(['message', 'message', 'message', 'ticket']) // the ticket changes once
    const [after] = ticketsIn(changes)
    expect(after).toMatchObject({ status: 'open', updatedAt: AT })
    // The resolution counters move once: resolvedTickets -1, the resolution time taken back.
    expect(resolutionDelta(t, after!)).toEqual({ count: -1, time: -400 })
  })

  test('a retried batch changes nothing', () => {
    const messages = [message(), message()]
    const ctx = planContext({ messages: messages.map((m, i) => ({ thread: MAIN_THREAD, seq: i, message: m })) })
    expect(planCommand(command('sendMessages', { thread: MAIN_THREAD, messages }), ctx)).toEqual([])
  })


  test('to a closed ticket throws InvalidTransitionError', () => {
    const ctx = planContext({ tickets: [ticket({ id: 't-1', status: 'closed' })] })
    thrown(() => planCommand(command('sendMessages', { thread: 't-1', messages: [message()] }), ctx), InvalidTransitionError)
  })
})

describe('planCommand: createTicket', () => {
  test('creates an open, medium-priority ticket with an empty context', () => {
    const changes = planCommand(command('createTicket', { ticketId: 't-1', ticketType: 'support', title: 'Test Issue' }), planContext())
    expect(changes).toEqual([
      {
        type: 'ticket',
        record: {
          id: 't-1',
          type: 'support',
          title: 'Test Issue',
          status: 'open',
          priority: 'medium',
          context: {},
          createdAt: AT,
          updatedAt: AT,
        },
      },
    ])
  })

  test('puts the initial message in the ticket thread and keeps the given context', () => {
    const initial = message({ content: 'What are the differences?' })
    const context = { productIds: ['laptop1', 'laptop2'] }
    const changes = planCommand(
      command('createTicket', { ticketId: 't-1', ticketType: 'product-inquiry', title: 'Laptops', initialMessage: initial, context }),
      planContext(),
    )
    expect(ticketsIn(changes)[0]!.context).toEqual(context)
    expect(changes[1]).toEqual({ type: 'message', record: { thread: 't-1', message: initial } })
  })

  test('a retry changes nothing', () => {
    const ctx = planContext({ tickets: [ticket({ id: 't-1', title: 'Again', createdAt: T0 + 1000 })] })
    expect(planCommand(command('createTicket', { ticketId: 't-1', ticketType: 'support', title: 'Again' }), ctx)).toEqual([])
  })

  test('refuses an id that belongs to another ticket', () => {
    const ctx = planContext({ tickets: [ticket({ id: 't-1', title: 'Someone else' })] })
    expectRefused(() => planCommand(command('createTicket', { ticketId: 't-1', ticketType: 'support', title: 'Mine' }), ctx), 'ticketId')
  })
})

describe('planCommand: ticket status and priority', () => {
  test('resolveTicket resolves with summary and time', () => {
    const t = ticket({ id: 't-1' })
    const changes = planCommand(command('resolveTicket', { ticketId: 't-1', summary: 'Resolved successfully' }), planContext({ tickets: [t] }))
    expect(changes).toEqual([
      { type: 'ticket', record: { ...t, status: 'resolved', resolvedAt: AT, summary: 'Resolved successfully', updatedAt: AT } },
    ])
  })

  test('resolveTicket on a resolved ticket without a new summary changes nothing', () => {
    const t = ticket({ id: 't-1', status: 'resolved', resolvedAt: T0, summary: 'ok' })
    expect(planCommand(command('resolveTicket', { ticketId: 't-1' }), planContext({ tickets: [t] }))).toEqual([])
  })

  test('resolveTicket on a closed ticket throws InvalidTransitionError', () => {
    const ctx = planContext({ tickets: [ticket({ id: 't-1', status: 'closed' })] })
    thrown(() => planCommand(command('resolveTicket', { ticketId: 't-1' }), ctx), InvalidTransitionError)
  })

  test('updateTicketStatus moves the ticket', () => {
    const t = ticket({ id: 't-1' })
    const changes = planCommand(command('updateTicketStatus', { ticketId: 't-1', status: 'in-progress' }), planContext({ tickets: [t] }))
    expect(changes).toEqual([{ type: 'ticket', record: { ...t, status: 'in-progress', updatedAt: AT } }])
  })

  test('updateTicketStatus to the same status changes nothing', () => {
    const ctx = planContext({ tickets: [ticket({ id: 't-1', status: 'in-progress' })] })
    expect(planCommand(command('updateTicketStatus', { ticketId: 't-1', status: 'in-progress' }), ctx)).toEqual([])
  })

  test('updateTicketStatus out of closed throws InvalidTransitionError', () => {
    const ctx = planContext({ tickets: [ticket({ id: 't-1', status: 'closed' })] })
    thrown(() => planCommand(command('updateTicketStatus', { ticketId: 't-1', status: 'open' }), ctx), InvalidTransitionError)
  })

  test.each(['resolveTicket', 'updateTicketStatus', 'updateTicketPriority', 'inheritContextToTicket'] as const)(
    '%s on an unknown ticket throws NotFoundError',
    (kind) => {
      const fields = { ticketId: 't-x', status: 'open', priority: 'high', contextKeys: ['a'] }
      thrown(() => planCommand(command(kind, fields as never), planContext()), NotFoundError)
    },
  )

  test('updateTicketPriority sets the priority', () => {
    const t = ticket({ id: 't-1' })
    const changes = planCommand(command('updateTicketPriority', { ticketId: 't-1', priority: 'high' }), planContext({ tickets: [t] }))
    expect(changes).toEqual([{ type: 'ticket', record: { ...t, priority: 'high', updatedAt: AT } }])
  })

  test('updateTicketPriority to the same priority changes nothing', () => {
    const ctx = planContext({ tickets: [ticket({ id: 't-1', priority: 'urgent' })] })
    expect(planCommand(command('updateTicketPriority', { ticketId: 't-1', priority: 'urgent' }), ctx)).toEqual([])
  })

  test('updateTicketPriority on a closed ticket throws InvalidTransitionError', () => {
    const ctx = planContext({ tickets: [ticket({ id: 't-1', status: 'closed' })] })
    thrown(() => planCommand(command('updateTicketPriority', { ticketId: 't-1', priority: 'low' }), ctx), InvalidTransitionError)
  })
})

describe('planCommand: view', () => {
  test('setTyping sets the indicator and the activity time', () => {
    expect(planCommand(command('setTyping', { isTyping: true }), planContext())).toEqual([
      { type: 'view', view: { ...INITIAL_VIEW, isTyping: true, lastActivity: AT } },
    ])
  })

  test('setTyping to the current value changes nothing', () => {
    expect(planCommand(command('setTyping', { isTyping: false }), planContext())).toEqual([])
  })

  test('switchChatView switches, and switching to the current view changes nothing', () => {
    expect(planCommand(command('switchChatView', { view: 'tickets' }), planContext())).toEqual([
      { type: 'view', view: { ...INITIAL_VIEW, ticketView: 'tickets' } },
    ])
    expect(planCommand(command('switchChatView', { view: 'chat' }), planContext())).toEqual([])
  })

  test('selectTicket selects a known ticket and deselects with null', () => {
    const ctx = planContext({ tickets: [ticket({ id: 't-1' })] })
    expect(planCommand(command('selectTicket', { ticketId: 't-1' }), ctx)).toEqual([
      { type: 'view', view: { ...INITIAL_VIEW, activeTicketId: 't-1' } },
    ])
    const selected = planContext({ tickets: [ticket({ id: 't-1' })], view: { activeTicketId: 't-1' } })
    expect(planCommand(command('selectTicket', { ticketId: null }), selected)).toEqual([
      { type: 'view', view: { ...INITIAL_VIEW, activeTicketId: null } },
    ])
  })

  test('selectTicket of the selected ticket changes nothing', () => {
    const ctx = planContext({ tickets: [ticket({ id: 't-1' })], view: { activeTicketId: 't-1' } })
    expect(planCommand(command('selectTicket', { ticketId: 't-1' }), ctx)).toEqual([])
    expect(planCommand(command('selectTicket', { ticketId: null }), planContext())).toEqual([])
  })

  test('selectTicket of an unknown ticket throws NotFoundError', () => {
    thrown(() => planCommand(command('selectTicket', { ticketId: 'nope' }), planContext()), NotFoundError)
  })
})

describe('planCommand: createTicketFromChatMessage', () => {
  const source = message({ id: 'm-src', content: 'My payment failed', metadata: { context: { orderId: 'o-1' } } })
  const fromMessage = (messageId = 'm-src') =>
    command('createTicketFromChatMessage', { ticketId: 't-new', messageId, copyId: 'm-copy', ticketType: 'technical', title: 'Payment issue' })

  test('creates the ticket, copies the message into it and links the source', () => {
    const ctx = planContext({ messages: [{ thread: MAIN_THREAD, seq: 7, message: source }] })
    const link = { context: { orderId: 'o-1' }, ticketId: 't-new' }
    expect(planCommand(fromMessage(), ctx)).toEqual([
      {
        type: 'ticket',
        record: {
          id: 't-new',
          type: 'technical',
          title: 'Payment issue',
          status: 'open',
          priority: 'medium',
          context: { sourceMessageId: 'm-src' },
          createdAt: AT,
          updatedAt: AT,
        },
      },
      { type: 'message', record: { thread: 't-new', message: { ...source, id: 'm-copy', metadata: link } } },
      { type: 'message', record: { thread: MAIN_THREAD, seq: 7, message: { ...source, metadata: link } } },
    ])
  })

  test('links a source message that had no metadata', () => {
    const plain = message({ id: 'm-src' })
    const changes = planCommand(fromMessage(), planContext({ messages: [{ thread: MAIN_THREAD, message: plain }] }))
    expect(changes[2]).toEqual({ type: 'message', record: { thread: MAIN_THREAD, message: { ...plain, metadata: { ticketId: 't-new' } } } })
  })

  test('refuses an unknown message with NotFoundError', () => {
    const error = thrown(() => planCommand(fromMessage('m-none'), planContext()), NotFoundError)
    expect(error.details).toEqual({ messageId: 'm-none' })
  })

  test('refuses a message that is not in the main chat with NotFoundError', () => {
    const ctx = planContext({ tickets: [ticket({ id: 't-1' })], messages: [{ thread: 't-1', message: source }] })
    thrown(() => planCommand(fromMessage(), ctx), NotFoundError)
  })

  test('a retry changes nothing', () => {
    const created = planCommand(fromMessage(), planContext({ messages: [{ thread: MAIN_THREAD, message: source }] }))
    const record = created.find((change) => change.type === 'ticket')!
    if (record.type !== 'ticket') throw new Error('no ticket planned')
    const ctx = planContext({ tickets: [record.record], messages: [{ thread: MAIN_THREAD, message: source }] })
    expect(planCommand(fromMessage(), ctx)).toEqual([])
  })
})

describe('planCommand: inheritContextToTicket', () => {
  const userContext: UserChatContext = {
    preferences: { budget: { max: 1500 } },
    currentProducts: ['laptop1'],
    currentPage: '/laptops',
    shoppingIntent: undefined,
  }

  test('copies only the named keys that exist in the user context', () => {
    const t = ticket({ id: 't-1', context: { productId: 'p1' } })
    const changes = planCommand(
      command('inheritContextToTicket', { ticketId: 't-1', contextKeys: ['preferences', 'missing', 'currentProducts', 'shoppingIntent'] }),
      planContext({ tickets: [t], userContext }),
    )
    expect(changes).toEqual([
      {
        type: 'ticket',
        record: { ...t, context: { productId: 'p1', preferences: { budget: { max: 1500 } }, currentProducts: ['laptop1'] }, updatedAt: AT },
      },
    ])
  })

  test('changes nothing when none of the keys exist (inherited names included)', () => {
    const ctx = planContext({ tickets: [ticket({ id: 't-1' })], userContext })
    expect(planCommand(command('inheritContextToTicket', { ticketId: 't-1', contextKeys: ['missing', 'toString', 'shoppingIntent'] }), ctx)).toEqual([])
  })

  test('refuses a closed ticket with InvalidTransitionError', () => {
    const ctx = planContext({ tickets: [ticket({ id: 't-1', status: 'closed' })], userContext })
    thrown(() => planCommand(command('inheritContextToTicket', { ticketId: 't-1', contextKeys: ['currentPage'] }), ctx), InvalidTransitionError)
  })
})

describe('planCommand: user context', () => {
  const current: UserChatContext = {
    preferences: { budget: { min: 800, max: 1500 }, categories: ['gaming'] },
    currentPage: '/home',
    history: ['a'],
    personalInfo: { name: 'Ada' },
    shoppingIntent: 'comparison',
  }

  test('updateUserContext merges shallowly and removes keys given as undefined', () => {
    const changes = planCommand(
      command('updateUserContext', { patch: { preferences: { categories: ['audio'] }, currentPage: '/laptops', shoppingIntent: undefined } }),
      planContext({ userContext: current }),
    )
    expect(changes).toEqual([
      {
        type: 'userContext',
        context: { preferences: { categories: ['audio'] }, currentPage: '/laptops', history: ['a'], personalInfo: { name: 'Ada' } },
      },
    ])
    expect(changes[0]).toSatisfy((c: Change) => c.type === 'userContext' && !Object.hasOwn(c.context, 'shoppingIntent'))
  })

  test('clearUserData empties preferences, history and personal info and keeps the rest', () => {
    expect(planCommand(command('clearUserData', {}), planContext({ userContext: current }))).toEqual([
      {
        type: 'userContext',
        context: { preferences: {}, history: [], personalInfo: {}, currentPage: '/home', shoppingIntent: 'comparison' },
      },
    ])
  })
})

describe('planCommand: drafts', () => {
  const draft = (thread: string, text: string): Change => ({ type: 'draft', record: { thread, text, at: AT } })

  test('setDraft writes the text of the main chat or of a known ticket', () => {
    const t = ticket({ id: 't-1', status: 'closed' }) // a draft is the user's text: kept whatever the ticket's status
    expect(planCommand(command('setDraft', { thread: MAIN_THREAD, text: 'I am' }), planContext())).toEqual([draft(MAIN_THREAD, 'I am')])
    expect(planCommand(command('setDraft', { thread: 't-1', text: 'Still' }), planContext({ tickets: [t] }))).toEqual([draft('t-1', 'Still')])
  })

  test('setDraft of the text the thread has already changes nothing; empty text deletes it', () => {
    const ctx = planContext({ drafts: { [MAIN_THREAD]: 'I am' } })
    expect(planCommand(command('setDraft', { thread: MAIN_THREAD, text: 'I am' }), ctx)).toEqual([])
    expect(planCommand(command('setDraft', { thread: MAIN_THREAD, text: '' }), ctx)).toEqual([draft(MAIN_THREAD, '')])
    expect(planCommand(command('setDraft', { thread: MAIN_THREAD, text: '' }), planContext())).toEqual([])
  })

  test('setDraft of an unknown ticket throws NotFoundError', () => {
    thrown(() => planCommand(command('setDraft', { thread: 'nope', text: 'x' }), planContext()), NotFoundError)
  })

  test("a user message clears its thread's draft in the same changes; other senders and threads keep theirs", () => {
    const t = ticket({ id: 't-1' })
    const ctx = planContext({ tickets: [t], drafts: { [MAIN_THREAD]: 'half', 't-1': 'typed' } })
    const user = message()
    expect(planCommand(command('sendMessage', { thread: MAIN_THREAD, message: user }), ctx)).toEqual([
      { type: 'message', record: { thread: MAIN_THREAD, message: user } },
      draft(MAIN_THREAD, ''),
    ])
    expect(planCommand(command('sendMessage', { thread: MAIN_THREAD, message: message({ sender: 'assistant' }) }), ctx)).toHaveLength(1)
    expect(planCommand(command('sendMessages', { thread: 't-1', messages: [message({ sender: 'assistant' }), message()] }), ctx).at(-1)).toEqual(draft('t-1', ''))
    expect(planCommand(command('sendMessage', { thread: 't-1', message: message() }), planContext({ tickets: [t] })).some((c) => c.type === 'draft')).toBe(false)
  })

  test('clearUserData deletes every draft', () => {
    const changes = planCommand(command('clearUserData', {}), planContext({ drafts: { [MAIN_THREAD]: 'my address is', 't-1': 'card ending' } }))
    expect(changes.filter((c) => c.type === 'draft')).toEqual([draft(MAIN_THREAD, ''), draft('t-1', '')])
  })
})

describe('mergeContext', () => {
  test('leaves the current context untouched', () => {
    const current = Object.freeze({ currentPage: '/a', shoppingIntent: 'x' })
    expect(mergeContext(current, { currentPage: '/b', shoppingIntent: undefined })).toEqual({ currentPage: '/b' })
    expect(current).toEqual({ currentPage: '/a', shoppingIntent: 'x' })
  })

  test('an empty patch gives an equal copy', () => {
    const current = { currentPage: '/a' }
    const merged = mergeContext(current, {})
    expect(merged).toEqual(current)
    expect(merged).not.toBe(current)
  })
})
