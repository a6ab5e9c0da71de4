/**
 * Lookups in a `ChatSystemState`: tickets by id (indexed once per tickets array),
 * messages by id within a thread, and the drafts of every thread.
 */
import { MAIN_THREAD, type ChatMessage, type ChatSystemState, type ChatTicket, type ThreadId } from '../core/protocol.js'
import type { ThreadDrafts } from './types.js'

const ticketIndexes = new WeakMap<readonly ChatTicket[], Map<string, ChatTicket>>()

/** The tickets of `state` by id; built once per tickets array and reused. */
export function ticketsById(state: ChatSystemState): Map<string, ChatTicket> {
  let index = ticketIndexes.get(state.tickets)
  if (!index) {
    index = new Map(state.tickets.map((ticket) => [ticket.id, ticket]))
    ticketIndexes.set(state.tickets, index)
  }
  return index
}

/** The message `id` of `thread` (searched from the newest), with its thread. */
export function findMessage(state: ChatSystemState, id: string, thread: ThreadId): { thread: ThreadId; message: ChatMessage } | undefined {
  const messages = thread === MAIN_THREAD ? state.mainChat.messages : ticketsById(state).get(thread)?.messages
  if (!messages) return undefined
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]!.id === id) return { thread, message: messages[i]! }
  return undefined
}

/** A message anywhere: the main chat first, then every ticket's thread. */
export function findAnyMessage(state: ChatSystemState, id: string): ChatMessage | undefined {
  return findMessage(state, id, MAIN_THREAD)?.message ?? state.tickets.flatMap((ticket) => ticket.messages).find((m) => m.id === id)
}

/** The threads of `state` that have a draft, with their text: the main chat first, then tickets in order. */
export function draftsOf(state: ChatSystemState): ThreadDrafts {
  const drafts: Record<ThreadId, string> = {}
  if (state.mainChat.draft !== '') drafts[MAIN_THREAD] = state.mainChat.draft
  for (const ticket of state.tickets) if (ticket.draft !== '') drafts[ticket.id] = ticket.draft
  return Object.freeze(drafts)
}

/**
 * `draftsOf` that answers the same object while the drafts are equal, so that an observable
 * of it emits only when a draft changed (and not when a message arrives).
 */
export function createDraftsSelector(): (state: ChatSystemState) => ThreadDrafts {
  let main: ChatSystemState['mainChat'] | undefined
  let tickets: readonly ChatTicket[] | undefined
  let last: ThreadDrafts = Object.freeze({})
  return (state) => {
    if (state.mainChat === main && state.tickets === tickets) return last
    main = state.mainChat
    tickets = state.tickets
    const next = draftsOf(state)
    const keys = Object.keys(next)
    if (keys.length !== Object.keys(last).length || keys.some((key) => last[key] !== next[key])) last = next
    return last
  }
}
