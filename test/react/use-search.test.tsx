// @vitest-environment jsdom
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { act, renderHook, waitFor } from '@testing-library/react'
import { createElement, type ReactNode } from 'react'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { ValidationError, createChatClient, type ChatClient, type SearchHit } from 'companion-chat'
import { CompanionPanelProvider, useSearch, type UseSearchOptions } from 'companion-chat/react'

const clients: ChatClient[] = []
afterEach(async () => {
  vi.restoreAllMocks()
  await Promise.all(clients.splice(0).map((client) => client.close()))
})

function fresh() {
  let now = Date.UTC(2026, 0, 1)
  const client = createChatClient({
    indexedDB: new IDBFactory(),
    IDBKeyRange,
    databaseName: `search-${Math.random()}`,
    now: () => (now += 1_000),
    config: { autoCleanupInterval: 0 },
  })
  clients.push(client)
  const wrapper = ({ children }: { children?: ReactNode }) => createElement(CompanionPanelProvider, { client }, children)
  return { client, wrapper }
}

const contents = (hits: readonly SearchHit[]) => hits.map((hit) => hit.message.content)

describe('useSearch', () => {
  test('answers the hits of the query, searching meanwhile', async () => {
    const { client, wrapper } = fresh()
    await client.sendMainChatMessages(['my order is late', 'an order for two', 'unrelated'])
    const { result } = renderHook(() => useSearch('order', { debounce: 0 }), { wrapper })
    expect(result.current.searching).toBe(true)
    await waitFor(() => expect(result.current.searching).toBe(false))
    expect(contents(result.current.hits)).toEqual(['an order for two', 'my order is late'])
    expect(result.current.error).toBeUndefined()
  })

  test('answers nothing for a blank query, without searching', async () => {
    const { client, wrapper } = fresh()
    const search = vi.spyOn(client, 'searchMessages')
    const { result } = renderHook(() => useSearch('  '), { wrapper })
    expect(result.current).toEqual({ hits: [], searching: false, error: undefined })
    expect(search).not.toHaveBeenCalled()
  })

  test('shows the answer to the latest query only', async () => {
    const { client, wrapper } = fresh()
    const answers = new Map<string, (hits: SearchHit[]) => void>()
    vi.spyOn(client, 'searchMessages').mockImplementation((query) => new Promise((resolve) => answers.set(query, resolve)))
    const { result, rerender } = renderHook(({ query }) => useSearch(query, { debounce: 0 }), { wrapper, initialProps: { query: 'or' } })
    rerender({ query: 'ord' })
    const hit = (content: string): SearchHit => ({ threadId: 'main', message: { id: content, content, sender: 'user', timestamp: 1, type: 'text' }, ranges: [], score: 1 })
    await act(async () => answers.get('ord')!([hit('for ord')]))
    await act(async () => answers.get('or')!([hit('for or, too late')]))
    expect(contents(result.current.hits)).toEqual(['for ord'])
    expect(result.current.searching).toBe(false)
  })

  test('waits for a pause in typing', async () => {
    const { client, wrapper } = fresh()
    await client.ready // connected on real timers: the fake ones below are for the debounce
    vi.useFakeTimers()
    try {
      const search = vi.spyOn(client, 'searchMessages').mockResolvedValue([])
      const { rerender } = renderHook(({ query }) => useSearch(query, { debounce: 150 }), { wrapper, initialProps: { query: 'r' } })
      for (const query of ['re', 'ref', 'refu']) {
        await act(async () => vi.advanceTimersByTime(100))
        rerender({ query })
      }
      expect(search).not.toHaveBeenCalled()
      await act(async () => vi.advanceTimersByTime(150))
      expect(search.mock.calls.map(([query]) => query)).toEqual(['refu'])
    } finally {
      vi.useRealTimers()
    }
  })

  test('searches again when the messages change', async () => {
    const { client, wrapper } = fresh()
    await client.sendMainChatMessage('first parcel')
    const { result } = renderHook(() => useSearch('parcel', { debounce: 0 }), { wrapper })
    await waitFor(() => expect(contents(result.current.hits)).toEqual(['first parcel']))
    await act(async () => {
      await client.sendMainChatMessage('second parcel')
    })
    await waitFor(() => expect(contents(result.current.hits)).toEqual(['second parcel', 'first parcel']))
  })

  test('reports a refused search as its error', async () => {
    const { wrapper } = fresh()
    const options: UseSearchOptions = { limit: 0, debounce: 0 }
    const { result } = renderHook(() => useSearch('order', options), { wrapper })
    await waitFor(() => expect(result.current.error).toBeInstanceOf(ValidationError))
    expect(result.current.searching).toBe(false)
  })
})
