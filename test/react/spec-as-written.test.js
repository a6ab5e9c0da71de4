// @vitest-environment jsdom
// The specification's two tests ("Testing" section), as written: no provider, so the hook
// uses the page's default client. Plain JavaScript, like the specification's snippets.
import 'fake-indexeddb/auto'
import { act, renderHook } from '@testing-library/react'
import { expect, test } from 'vitest'
import { useCompanionPanel } from 'companion-chat/react'

// Test chat message sending
test('should send chat message successfully', async () => {
  const { result } = renderHook(() => useCompanionPanel())

  await act(async () => {
    await result.current.sendMainChatMessage('Test message')
  })

  expect(result.current.chatSystem.mainChat.messages).toHaveLength(1)
  expect(result.current.chatSystem.mainChat.messages[0].content).toBe('Test message')
})

// Test ticket creation workflow
test('should create and manage ticket lifecycle', async () => {
  const { result } = renderHook(() => useCompanionPanel())

  // Create ticket
  let ticketId
  act(() => {
    ticketId = result.current.createTicket('support', 'Test Issue', 'Initial message')
  })

  // Send message to ticket
  await act(async () => {
    await result.current.sendTicketMessage(ticketId, 'Follow-up message')
  })

  // Resolve ticket
  act(() => {
    result.current.resolveTicket(ticketId, 'Resolved successfully')
  })

  const ticket = result.current.chatSystem.tickets.find(t => t.id === ticketId)
  expect(ticket.status).toBe('resolved')
  expect(ticket.messages).toHaveLength(2)
})
