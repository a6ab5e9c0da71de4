// @vitest-environment jsdom
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { act, render, renderHook } from '@testing-library/react'
import { createElement, type ReactNode } from 'react'
import { afterEach, describe, expect, test } from 'vitest'
import { createChatClient, type ChatClient } from 'companion-chat'
import { CompanionPanelProvider, useChatSelector, useCompanionPanel, useTicket } from 'companion-chat/react'

const clients: ChatClient[] = []
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()))
})

/** A provider wrapper with a fresh database for each test. */
function freshWrapper() {
  const client = createChatClient({ indexedDB: new IDBFactory(), IDBKeyRange, databaseName: `react-${Math.random()}` })
  clients.push(client)
  const wrapper = ({ children }: { children?: ReactNode }) => createElement(CompanionPanelProvider, { client }, children)
  return { client, wrapper }
}

describe('the specification tests with a provider', () => {
  test('sends a chat message successfully', async () => {
    const { wrapper } = freshWrapper()
    const { result } = renderHook(() => useCompanionPanel(), { wrapper })
    await act(async () => {
      await result.current.sendMainChatMessage('Test message')
    })
    expect(result.current.chatSystem.mainChat.messages).toHaveLength(1)
    expect(result.current.chatSystem.mainChat.messages[0]!.content).toBe('Test message')
  })

  test('creates and manages a ticket lifecycle', async () => {
    const { wrapper } = freshWrapper()
    const { result } = renderHook(() => useCompanionPanel(), { wrapper })
    let ticketId = ''
    act(() => {
      ticketId = result.current.createTicket('support', 'Test Issue', 'Initial message')
    })
    await act(async () => {
      await result.current.sendTicketMessage(ticketId, 'Follow-up message')
    })
    act(() => {
      void result.current.resolveTicket(ticketId, 'Resolved successfully')
    })
    const ticket = result.current.chatSystem.tickets.find((t) => t.id === ticketId)!
    expect(ticket.status).toBe('resolved')
    expect(ticket.messages).toHaveLength(2)
  })
})

describe('selector hooks', () => {
  test('re-render a component only when what it reads changed', async () => {
    const { client, wrapper } = freshWrapper()
    const a = client.createTicket('support', 'A', 'first')
    const b = client.createTicket('support', 'B', 'first')
    await client.flush()
    const renders = { a: 0, b: 0, typing: 0 }
    function Ticket({ id, name }: { id: string; name: 'a' | 'b' }) {
      const ticket = useTicket(id)
      renders[name]++
      return createElement('p', null, `${ticket?.title}: ${ticket?.messages.length}`)
    }
    function Typing() {
      const typing = useChatSelector((state) => state.mainChat.isTyping)
      renders.typing++
      return createElement('span', null, typing ? 'typing' : 'idle')
    }
    const view = render(
      createElement('div', null, createElement(Ticket, { id: a, name: 'a' }), createElement(Ticket, { id: b, name: 'b' }), createElement(Typing)),
      { wrapper },
    )
    const initial = { ...renders }
    await act(async () => {
      await client.sendTicketMessage(a, 'second')
    })
    expect(view.container.textContent).toContain('A: 2')
    expect(renders.a).toBeGreaterThan(initial.a)
    expect(renders.b).toBe(initial.b)
    expect(renders.typing).toBe(initial.typing)
    await act(async () => {
      await client.setMainChatTyping(true)
    })
    expect(view.container.textContent).toContain('typing')
    expect(renders.b).toBe(initial.b)
  })
})
