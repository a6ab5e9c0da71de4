import { describe, expect, test } from 'vitest'
import { createDevice } from '../helpers/client.js'

describe('the specification tests, against the client', () => {
  test('sends a chat message successfully', async () => {
    const chat = createDevice().open()
    await chat.sendMainChatMessage('Test message')
    expect(chat.getState().mainChat.messages).toHaveLength(1)
    expect(chat.getState().mainChat.messages[0]!.content).toBe('Test message')
  })

  test('creates and manages a ticket lifecycle', async () => {
    const chat = createDevice().open()
    const ticketId = chat.createTicket('support', 'Test Issue', 'Initial message')
    await chat.sendTicketMessage(ticketId, 'Follow-up message')
    void chat.resolveTicket(ticketId, 'Resolved successfully')
    const ticket = chat.getState().tickets.find((t) => t.id === ticketId)!
    expect(ticket.status).toBe('resolved')
    expect(ticket.messages).toHaveLength(2)
    await chat.flush()
    expect(chat.getState().tickets.find((t) => t.id === ticketId)!.summary).toBe('Resolved successfully')
  })
})
