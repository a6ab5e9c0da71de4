/**
 * `useSearch`: the stored messages that match a query, for a search box. Searches in the
 * worker (`searchMessages`), waits for a pause in typing, and shows only the answer to the
 * latest query: an answer that arrives after the query changed is dropped.
 */
import { useEffect, useState } from 'react'
import { ChatError } from '../core/errors.js'
import type { ChatSystemState, SearchHit, SearchOptions } from '../core/protocol.js'
import { useChatSelector } from './hooks.js'
import { useChatClient } from './provider.js'

/** Options of {@link useSearch}: those of `searchMessages`, and the pause to wait for. */
export interface UseSearchOptions extends SearchOptions {
  /** How long (ms) the query must stay unchanged before it is searched. Default 150; 0 searches at once. */
  readonly debounce?: number
}

/** What {@link useSearch} returns. */
export interface UseSearchResult {
  /**
   * The hits of the latest query answered, best first; `[]` for a blank query. While a new
   * query is searched, the previous hits stay (no flicker while typing).
   */
  readonly hits: readonly SearchHit[]
  /** Whether the current query's answer is still to come (including the debounce pause). */
  readonly searching: boolean
  /** Why the latest search failed (e.g. a `ValidationError` for a bad `limit`); cleared by the next answer. */
  readonly error: ChatError | undefined
}

const BLANK: UseSearchResult = Object.freeze({ hits: Object.freeze([]) as readonly SearchHit[], searching: false, error: undefined })

/**
 * Searches the stored messages of the main chat and every ticket for `query` (see
 * `ChatClient.searchMessages`), again whenever the query, the options or the messages
 * change. Latest wins: answers to an earlier query are ignored.
 *
 * @example
 * function Search() {
 *   const [query, setQuery] = useState('')
 *   const { hits, searching } = useSearch(query, { limit: 10 })
 *   return (
 *     <>
 *       <input value={query} onChange={(event) => setQuery(event.target.value)} />
 *       {searching && <Spinner />}
 *       {hits.map((hit) => <Hit key={hit.message.id} hit={hit} />)}
 *     </>
 *   )
 * }
 */
export function useSearch(query: string, options: UseSearchOptions = {}): UseSearchResult {
  const client = useChatClient()
  const { threadId, limit, debounce = 150 } = options
  // New, changed and deleted messages change what a query finds: search again.
  const mainMessages = useChatSelector(selectMainMessages)
  const tickets = useChatSelector(selectTickets)
  const [result, setResult] = useState<UseSearchResult>(BLANK)
  useEffect(() => {
    if (typeof query === 'string' && query.trim() === '') {
      setResult(BLANK)
      return
    }
    let latest = true // false once the query, the options or the messages changed again
    setResult((before) => (before.searching ? before : { ...before, searching: true }))
    const search = () => {
      let answer: Promise<SearchHit[]>
      try {
        answer = client.searchMessages(query, {
          ...(threadId !== undefined ? { threadId } : {}),
          ...(limit !== undefined ? { limit } : {}),
        })
      } catch (error) {
        setResult({ hits: [], searching: false, error: asChatError(error) })
        return
      }
      answer.then(
        (hits) => latest && setResult({ hits, searching: false, error: undefined }),
        (error: unknown) => latest && setResult((before) => ({ hits: before.hits, searching: false, error: asChatError(error) })),
      )
    }
    const timer = debounce > 0 ? setTimeout(search, debounce) : undefined
    if (timer === undefined) search()
    return () => {
      latest = false
      clearTimeout(timer)
    }
  }, [client, query, threadId, limit, debounce, mainMessages, tickets])
  return result
}

const selectMainMessages = (state: ChatSystemState) => state.mainChat.messages
const selectTickets = (state: ChatSystemState) => state.tickets

const asChatError = (error: unknown): ChatError =>
  error instanceof ChatError ? error : new ChatError('internal', error instanceof Error ? error.message : String(error))
