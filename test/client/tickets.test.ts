import { describe, expect, test } from 'vitest'
import { InvalidTransitionError, NotFoundError } from 'companion-chat'
import { createDevice } from '../helpers/client.js'

const now = () => {
  let t = 1_700_000_000_000
  return { clock: () => t, advance: (ms: number) => (t += ms) }
}

describe('ticket rules', () => {
  test('creates an open, medium-priority ticket whose id is returned at once', async () => {
    const { clock } = now()
    const chat = createDevice().open({ now: clock })
    const id = chat.createTicket('order-help', 'Where is my order?', 'Order 123 is late', { orderId: '123' })
    const ticket = chat.getState().tickets.find((t) => t.id === id)!
    expect(ticket).toMatchObject({ type: 'order-help', status: 'open', priority: 'medium', context: { orderId: '123' }, createdAt: clock(), updatedAt: clock() })
    expect(ticket.messages.map((m) => [m.sender, m.content])).toEqual([['user', 'Order 123 is late']])
    await chat.flush()
    expect(chat.getState().tickets.find((t) => t.id === id)).toEqual(ticket)
  })

  test('resolves with summary and time, then reopens on a new user message', async () => {
    const { clock, advance } = now()
    const chat = createDevice().open({ now: clock })
    const id = chat.createTicket('support', 'Login fails')
    advance(60_000)
    await chat.resolveTicket(id, 'Password reset')
    let ticket = chat.getState().tickets.find((t) => t.id === id)!
    expect(ticket).toMatchObject({ status: 'resolved', summary: 'Password reset', resolvedAt: clock(), updatedAt: clock() })
    expect(chat.getChatAnalytics()).toMatchObject({ resolvedTickets: 1, activeTickets: 0, averageResolutionTime: 60_000 })

    await chat.sendTicketMessage(id, 'It happened again', { sender: 'assistant' })
    expect(chat.getState().tickets.find((t) => t.id === id)!.status).toBe('resolved') // only the user reopens

    advance(1_000)
    await chat.sendTicketMessage(id, 'It fails again')
    ticket = chat.getState().tickets.find((t) => t.id === id)!
    expect(ticket.status).toBe('open')
    expect(ticket.resolvedAt).toBeUndefined()
    expect(ticket.summary).toBeUndefined()
    expect(chat.getChatAnalytics()).toMatchObject({ resolvedTickets: 0, activeTickets: 1, averageResolutionTime: 0 })
  })

  test('treats closed as final', async () => {
    const chat = createDevice().open()
    const id = chat.createTicket('technical', 'Page broken')
    await chat.updateTicketStatus(id, 'closed')
    expect(() => chat.updateTicketStatus(id, 'open')).toThrow(InvalidTransitionError)
    expect(() => chat.sendTicketMessage(id, 'hello?')).toThrow(InvalidTransitionError)
    expect(() => chat.updateTicketPriority(id, 'urgent')).toThrow(InvalidTransitionError)
    expect(() => chat.resolveTicket(id)).toThrow(InvalidTransitionError)
    expect(chat.getState().tickets[0]!.status).toBe('closed')
  })

  test('refuses unknown tickets and messages with NotFoundError', async () => {
    const chat = createDevice().open()
    await chat.ready
    expect(() => chat.sendTicketMessage('nope', 'hi')).toThrow(NotFoundError)
    expect(() => chat.resolveTicket('nope')).toThrow(NotFoundError)
    expect(() => chat.selectTicket('nope')).toThrow(NotFoundError)
    expect(() => chat.createTicketFromChatMessage('nope', 'support', 'x')).toThrow(NotFoundError)
  })

  test('refuses in the engine what the client could not judge before its first snapshot', async () => {
    const chat = createDevice().open()
    const pending = chat.sendTicketMessage('no-such-ticket', 'hello') // issued before ready
    await expect(pending).rejects.toBeInstanceOf(NotFoundError)
    await expect(pending).rejects.toMatchObject({ code: 'not-found' })
    expect(chat.getState().tickets).toEqual([])
  })

  test('turns a chat message into a linked ticket carrying the message', async () => {
    const chat = createDevice().open()
    await chat.sendMainChatMessage('My payment failed twice', { metadata: { context: { orderId: 'A1' } } })
    const source = chat.getState().mainChat.messages[0]!
    const ticketId = chat.createTicketFromChatMessage(source.id, 'technical', 'Payment processing issue')
    await chat.flush()
    const state = chat.getState()
    const ticket = state.tickets.find((t) => t.id === ticketId)!
    expect(ticket).toMatchObject({ type: 'technical', title: 'Payment processing issue', status: 'open', context: { sourceMessageId: source.id } })
    expect(ticket.messages).toHaveLength(1)
    expect(ticket.messages[0]).toMatchObject({ content: source.content, sender: 'user', metadata: { ticketId, context: { orderId: 'A1' } } })
    expect(ticket.messages[0]!.id).not.toBe(source.id)
    expect(state.mainChat.messages[0]!.metadata).toEqual({ context: { orderId: 'A1' }, ticketId })
  })

  test('inherits only the named, present keys of the user context', async () => {
    const chat = createDevice().open()
    await chat.updateUserContext({ preferences: { budget: { max: 1500 } }, currentProducts: ['l1'], personalInfo: { email: 'a@b.c' } })
    const id = chat.createTicket('product-inquiry', 'Laptops', undefined, { productId: 'l1' })
    await chat.inheritContextToTicket(id, ['preferences', 'currentProducts', 'userPreferences'])
    expect(chat.getState().tickets[0]!.context).toEqual({ productId: 'l1', preferences: { budget: { max: 1500 } }, currentProducts: ['l1'] })
  })

  test('moves priority and status and keeps the navigation state', async () => {
    const chat = createDevice().open()
    const a = chat.createTicket('support', 'A')
    const b = chat.createTicket('support', 'B')
    await chat.updateTicketPriority(a, 'urgent')
    await chat.updateTicketStatus(b, 'in-progress')
    await chat.switchChatView('tickets')
    await chat.selectTicket(b)
    const state = chat.getState()
    expect(state.tickets.map((t) => [t.title, t.status, t.priority])).toEqual([
      ['A', 'open', 'urgent'],
      ['B', 'in-progress', 'medium'],
    ])
    expect(state.ticketView).toBe('tickets')
    expect(state.activeTicketId).toBe(b)
    await chat.selectTicket(null)
    expect(chat.getState().activeTicketId).toBeNull()
  })

  test('clears preferences, history and personal info with clearUserData', async () => {
    const chat = createDevice().open()
    await chat.updateUserContext({ preferences: { categories: ['gaming'] }, history: ['/a'], personalInfo: { name: 'Ann' }, currentPage: '/cart' })
    await chat.clearUserData()
    expect(chat.getState().userContext).toEqual({ preferences: {}, history: [], personalInfo: {}, currentPage: '/cart' })
  })

  test('counts topics from user messages', async () => {
    const chat = createDevice().open()
    await chat.sendMainChatMessages([
      "I'm looking for gaming laptops under $1500",
      'Are gaming laptops heavy?',
      'Which laptops have good batteries?',
    ])
    await chat.sendMainChatMessage('Gaming gaming gaming', { sender: 'assistant' }) // not the user's words
    expect(chat.getChatAnalytics().commonTopics.slice(0, 2)).toEqual(['laptops', 'gaming'])
  })

  test('a message sent and made into a ticket in the same tick shows its link at once', async () => {
    const device = createDevice()
    const chat = device.open()
    await chat.ready
    void chat.sendMainChatMessage('my order is broken', { id: 'm1' })
    const ticketId = chat.createTicketFromChatMessage('m1', 'support', 'Broken')
    await chat.flush()
    // The sender confirms its own message by id; the link written later in the same batch wins.
    expect(chat.getState().mainChat.messages[0]!.metadata).toEqual({ ticketId })
    const other = device.open()
    await other.ready
    expect(other.getState().mainChat.messages[0]!.metadata).toEqual({ ticketId })
  })

  test('a second send under a pending id leaves the first one shown as it commits', async () => {
    const chat = createDevice().open()
    // Before the first snapshot the client cannot judge ids: both go to the engine, which refuses the second.
    const first = chat.sendMainChatMessage('first words', { id: 'x' })
    const second = chat.sendMainChatMessage('other words', { id: 'x' })
    await first
    expect(chat.getState().mainChat.messages.map((m) => [m.id, m.content])).toEqual([['x', 'first words']])
    await expect(second).rejects.toMatchObject({ code: 'validation' })
  })
})
