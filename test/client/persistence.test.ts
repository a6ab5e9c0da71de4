import { describe, expect, test } from 'vitest'
import { createDevice, loadEveryTicket } from '../helpers/client.js'

describe('persistence across reopen', () => {
  test('finds everything in the state as it was after closing and opening again', async () => {
    const device = createDevice()
    const first = device.open()
    await first.sendMainChatMessage("I'm looking for gaming laptops under $1500")
    await first.sendMainChatMessage('Thanks!', { sender: 'assistant', metadata: { context: { source: 'test' } } })
    await first.updateUserContext({ currentPage: '/products/laptops', preferences: { budget: { max: 1500 } } })
    const ticketId = first.createTicket('product-inquiry', 'Laptop question', 'Which one is lighter?', { productIds: ['l1', 'l2'] })
    await first.sendTicketMessage(ticketId, 'And which has more RAM?')
    await first.updateTicketPriority(ticketId, 'high')
    const resolved = first.createTicket('support', 'Old issue', 'Help')
    await first.resolveTicket(resolved, 'Done')
    await first.switchChatView('tickets')
    await first.selectTicket(ticketId)
    await first.setMainChatTyping(false)
    await first.flush()
    const before = first.getState()
    await first.close()

    const second = device.open()
    await loadEveryTicket(second) // a new client holds headers; each ticket's messages load on demand
    const after = second.getState()
    expect(after.mainChat.messages).toEqual(before.mainChat.messages)
    expect(after.tickets).toEqual(before.tickets)
    expect(after.userContext).toEqual(before.userContext)
    expect(after.ticketView).toBe('tickets')
    expect(after.activeTicketId).toBe(ticketId)
    expect(after.analytics).toEqual(before.analytics)
    expect(after.analytics.totalMessages).toBe(5)
    expect(after.analytics.resolvedTickets).toBe(1)
    expect(after.analytics.activeTickets).toBe(1)
  })

  test('starts a new session with the typing indicator off', async () => {
    const device = createDevice()
    const first = device.open()
    await first.setMainChatTyping(true)
    expect(first.getState().mainChat.isTyping).toBe(true)
    await first.close()
    const second = device.open()
    await second.ready
    expect(second.getState().mainChat.isTyping).toBe(false)
  })

  test('keeps the typing indicator of open tabs when another tab opens', async () => {
    const device = createDevice()
    const first = device.open()
    await first.setMainChatTyping(true)
    const second = device.open() // a new tab on the same database
    await second.ready
    expect(second.getState().mainChat.isTyping).toBe(true)
    // Whatever the new tab's engine announced at open reached the first tab before this message did.
    const seen = new Promise<void>((resolve) =>
      first.messages$.subscribe((messages) => messages.some((m) => m.content === 'from the new tab') && resolve()),
    )
    await second.sendMainChatMessage('from the new tab')
    await seen
    expect(first.getState().mainChat.isTyping).toBe(true)
    expect(second.getState().mainChat.isTyping).toBe(true)
    await first.setMainChatTyping(false)
    await second.flush()
    const third = device.open()
    await third.ready
    expect(third.getState().mainChat.isTyping).toBe(false)
  })

  test('keeps the main chat at maxMainChatMessages, dropping the oldest, across reopen', async () => {
    const device = createDevice()
    const chat = device.open()
    for (let i = 0; i < 105; i++) void chat.sendMainChatMessage(`message ${i}`)
    expect(chat.getState().mainChat.messages).toHaveLength(100)
    await chat.flush()
    const contents = chat.getState().mainChat.messages.map((m) => m.content)
    expect(contents).toHaveLength(100)
    expect(contents[0]).toBe('message 5')
    expect(contents[99]).toBe('message 104')
    await chat.sendMainChatMessage('one more')
    expect(chat.getState().mainChat.messages[0]!.content).toBe('message 6')
    await chat.close()
    const again = device.open()
    await again.ready
    expect(again.getState().mainChat.messages.map((m) => m.content)).toEqual([...contents.slice(1), 'one more'])
    expect(again.getState().analytics.totalMessages).toBe(106)
  })

  test('honours a configured main-chat limit', async () => {
    const chat = createDevice().open({ config: { maxMainChatMessages: 3 } })
    await chat.sendMainChatMessages(['a', 'b', 'c', 'd', 'e'])
    expect(chat.getState().mainChat.messages.map((m) => m.content)).toEqual(['c', 'd', 'e'])
  })

  test('keeps every message of a ticket (no limit per ticket)', async () => {
    const device = createDevice()
    const chat = device.open()
    const id = chat.createTicket('support', 'Long conversation')
    await chat.flush()
    for (let i = 0; i < 150; i++) void chat.sendTicketMessage(id, `reply ${i}`)
    await chat.flush()
    await chat.close()
    const again = device.open()
    await again.ready
    expect(again.getState().tickets.find((t) => t.id === id)).toMatchObject({ messages: [], messageCount: 150, hasOlder: true })
    await loadEveryTicket(again)
    const ticket = again.getState().tickets.find((t) => t.id === id)!
    expect(ticket).toMatchObject({ messageCount: 150, hasOlder: false })
    expect(ticket.messages).toHaveLength(150)
    expect(ticket.messages.map((m) => m.content)).toEqual(Array.from({ length: 150 }, (_, i) => `reply ${i}`))
  })
})
