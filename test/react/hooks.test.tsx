// @vitest-environment jsdom
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { act, fireEvent, render, renderHook, waitFor } from '@testing-library/react'
import { createElement, type ReactNode } from 'react'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { createChatClient, type Assistant, type ChatClient, type ChatClientOptions } from 'companion-chat'
import { killableWorker, type KillableWorker } from '../helpers/client.js'
import { unreachableServer } from '../helpers/sync.js'
import {
  CompanionPanelProvider,
  useAssistant,
  useChatSelector,
  useCompanionPanel,
  useDraft,
  useOutbox,
  useStatus,
  useSyncStatus,
  useTicket,
  type CompanionPanel,
} from 'companion-chat/react'

const clients: ChatClient[] = []
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()))
})

/** A provider wrapper with a fresh database for each test. */
function freshWrapper(options: ChatClientOptions = {}) {
  const client = createChatClient({ indexedDB: new IDBFactory(), IDBKeyRange, databaseName: `react-${Math.random()}`, ...options })
  clients.push(client)
  return { client, wrapper: wrapperFor(client) }
}

function wrapperFor(client: ChatClient) {
  return ({ children }: { children?: ReactNode }) => createElement(CompanionPanelProvider, { client }, children)
}

/** An assistant that writes one word, then holds the reply open until `finish()` or an abort. */
function heldAssistant() {
  let finish = () => {}
  const assistant: Assistant = {
    name: 'held',
    async *respond({ signal }) {
      yield { type: 'text', delta: 'Thinking about it' }
      await new Promise<void>((resolve) => {
        finish = resolve
        signal.addEventListener('abort', () => resolve(), { once: true })
      })
    },
  }
  return { assistant, finish: () => finish() }
}

/** The methods a client object has, by looking at it (not at its type). */
const methodsOf = (client: ChatClient) =>
  Object.keys(client).filter((key) => typeof (client as unknown as Record<string, unknown>)[key] === 'function')

/** Methods of the client that are not on the panel, on purpose (see `CompanionPanelCommand`). */
const NOT_ON_PANEL = ['onStateChange', 'close']

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

describe('useDraft', () => {
  test('a controlled composer: shows each keystroke, keeps it per thread, and a send clears it', async () => {
    const { client, wrapper } = freshWrapper()
    const ticketId = client.createTicket('support', 'Broken zipper')
    function Composer({ threadId }: { threadId: string }) {
      const [draft, setDraft] = useDraft(threadId)
      return createElement('textarea', { 'aria-label': threadId, value: draft, onChange: (event: { target: { value: string } }) => setDraft(event.target.value) })
    }
    const view = render(createElement('div', null, createElement(Composer, { threadId: 'main' }), createElement(Composer, { threadId: ticketId })), {
      wrapper,
    })
    const main = view.getByLabelText('main') as HTMLTextAreaElement
    const ticket = view.getByLabelText(ticketId) as HTMLTextAreaElement
    fireEvent.change(main, { target: { value: 'Do you have' } })
    expect(main.value).toBe('Do you have')
    expect(client.getState().mainChat.draft).toBe('Do you have')
    expect(ticket.value).toBe('')
    act(() => client.setDraft(ticketId, 'It broke'))
    expect(ticket.value).toBe('It broke')
    await act(async () => {
      await client.sendMainChatMessage('Do you have gaming laptops?')
    })
    expect(main.value).toBe('')
    expect(ticket.value).toBe('It broke')
  })

  test('keeps its setter while the thread stays the same; a ticket that does not exist has no draft', () => {
    const { wrapper } = freshWrapper()
    const { result, rerender } = renderHook(() => useDraft('no-such-ticket'), { wrapper })
    const [draft, setDraft] = result.current
    expect(draft).toBe('')
    rerender()
    expect(result.current[1]).toBe(setDraft)
  })
})

describe('useCompanionPanel', () => {
  test('returns every method of the client but onStateChange and close, and the client itself', () => {
    const { client, wrapper } = freshWrapper()
    const { result } = renderHook(() => useCompanionPanel(), { wrapper })
    const commands = Object.keys(result.current).filter((key) => key !== 'chatSystem' && key !== 'client')
    const expected = methodsOf(client).filter((name) => !NOT_ON_PANEL.includes(name))
    expect(expected).toEqual(expect.arrayContaining(['stopAssistant', 'runAction', 'regenerate', 'retry', 'continueReply', 'waitForReply', 'flush']))
    expect(commands.sort()).toEqual(expected.sort())
    expect(result.current.client).toBe(client)
  })

  test('passes every argument through to the client, and returns what it returns', () => {
    const { client } = freshWrapper()
    const spies = new Map<string, ReturnType<typeof vi.fn>>()
    const spy = { ...client } as Record<string, unknown>
    for (const name of methodsOf(client).filter((name) => !NOT_ON_PANEL.includes(name))) {
      const fn = vi.fn(() => `result of ${name}`)
      spies.set(name, fn)
      spy[name] = fn
    }
    const { result } = renderHook(() => useCompanionPanel(), { wrapper: wrapperFor(spy as unknown as ChatClient) })
    for (const [name, fn] of spies) {
      const command = result.current[name as keyof CompanionPanel] as (...args: unknown[]) => unknown
      const args = Array.from({ length: command.length }, (_, i) => `${name} argument ${i}`)
      expect(command(...args), name).toBe(`result of ${name}`)
      expect(fn, name).toHaveBeenCalledWith(...args)
    }
  })

  test('keeps every function the same across renders and state changes', async () => {
    const { client, wrapper } = freshWrapper()
    const { result, rerender } = renderHook(() => useCompanionPanel(), { wrapper })
    const before = result.current
    await act(async () => {
      await client.sendMainChatMessage('changes the state')
    })
    rerender()
    expect(result.current.chatSystem).not.toBe(before.chatSystem)
    for (const [name, value] of Object.entries(before)) {
      if (typeof value === 'function') expect(result.current[name as keyof CompanionPanel], name).toBe(value)
    }
  })
})

describe('useStatus and useAssistant', () => {
  test("useStatus follows the client's status$: connecting, ready, closed", async () => {
    const { client, wrapper } = freshWrapper()
    const { result } = renderHook(() => useStatus(), { wrapper })
    expect(result.current.connection).toBe('connecting')
    await waitFor(() => expect(result.current).toMatchObject({ connection: 'ready', host: 'in-process' }))
    expect(result.current).toBe(client.status$.value)
    await act(async () => {
      await client.close()
    })
    expect(result.current.connection).toBe('closed')
  })

  test('useStatus says reconnecting while a new worker replaces a lost one, then ready again', async () => {
    const indexedDB = new IDBFactory()
    const workers: KillableWorker[] = []
    const worker = () => {
      const made = killableWorker(indexedDB)
      workers.push(made)
      return made
    }
    const { client, wrapper } = freshWrapper({ indexedDB, worker })
    const seen: string[] = []
    const { result } = renderHook(
      () => {
        const status = useStatus()
        if (seen.at(-1) !== status.connection) seen.push(status.connection)
        return status
      },
      { wrapper },
    )
    await waitFor(() => expect(result.current.connection).toBe('ready'))
    await act(async () => {
      await workers[0]!.kill()
      await client.sendMainChatMessage('Still there?') // committed by the new worker
    })
    expect(seen).toEqual(['connecting', 'ready', 'reconnecting', 'ready'])
    expect(workers).toHaveLength(2)
  })

  test("useAssistant follows the client's assistant$ while it answers, and stops", async () => {
    const held = heldAssistant()
    const { client, wrapper } = freshWrapper({ assistant: held.assistant })
    const { result } = renderHook(() => useAssistant(), { wrapper })
    expect(result.current).toEqual({ state: 'idle' })
    await act(async () => {
      await client.sendMainChatMessage('Hello', { id: 'q1' })
    })
    await waitFor(() => expect(result.current).toEqual({ state: 'streaming', messageId: 'reply:q1', replyTo: 'q1' }))
    act(() => client.stopAssistant())
    await waitFor(() => expect(result.current).toEqual({ state: 'idle' }))
  })

  test('useAssistant stays idle without an assistant', async () => {
    const { client, wrapper } = freshWrapper()
    const { result } = renderHook(() => useAssistant(), { wrapper })
    await act(async () => {
      await client.sendMainChatMessage('Hello')
    })
    expect(result.current).toEqual({ state: 'idle' })
  })
})

describe('useSyncStatus and useOutbox', () => {
  test('follow sync$ and outbox$: a message waits in the outbox while the server cannot be reached, and leaves it when discarded', async () => {
    const { client, wrapper } = freshWrapper({ sync: unreachableServer(), syncOptions: { minRetryDelay: 10_000 } })
    const { result } = renderHook(() => ({ sync: useSyncStatus(), outbox: useOutbox() }), { wrapper })
    await waitFor(() => expect(result.current.sync.state).toBe('offline'))
    expect(result.current.sync.error?.code).toBe('sync-failed')
    await act(async () => {
      await client.sendMainChatMessage('Where is my parcel?')
    })
    const id = client.getState().mainChat.messages[0]!.id
    expect(result.current.outbox.map((entry) => [entry.id, entry.state])).toEqual([[id, 'pending']])
    expect(result.current.outbox).toBe(client.outbox$.value)
    await act(async () => {
      await client.discardDelivery(id)
    })
    expect(result.current.outbox).toEqual([])
    await act(async () => {
      await client.close()
    })
    expect(result.current.sync.state).toBe('off')
  })

  test('without sync: off, and the outbox stays empty', async () => {
    const { client, wrapper } = freshWrapper()
    const { result } = renderHook(() => ({ sync: useSyncStatus(), outbox: useOutbox() }), { wrapper })
    await act(async () => {
      await client.sendMainChatMessage('Hello')
    })
    expect(result.current.sync).toEqual({ state: 'off' })
    expect(result.current.outbox).toEqual([])
  })
})
