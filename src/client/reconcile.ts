/**
 * Keeps identity across confirmation. When the engine confirms a pending command, the
 * mirror is rebuilt from new objects that are usually equal to the optimistic ones;
 * `reconcile` hands back the previous object wherever the new one is deeply equal, so a
 * confirmation that changes nothing visible emits nothing and re-renders nothing.
 */
import type { ChatMessage, ChatSystemState, ChatTicket } from '../core/protocol.js'

export function reconcile(prev: ChatSystemState, next: ChatSystemState): ChatSystemState {
  if (prev === next) return next
  const messages = reuseList(prev.mainChat.messages, next.mainChat.messages, reuseMessage)
  const mainChat =
    messages === prev.mainChat.messages &&
    next.mainChat.isTyping === prev.mainChat.isTyping &&
    next.mainChat.lastActivity === prev.mainChat.lastActivity &&
    next.mainChat.unreadCount === prev.mainChat.unreadCount &&
    next.mainChat.draft === prev.mainChat.draft
      ? prev.mainChat
      : next.mainChat.messages === messages
        ? next.mainChat
        : { ...next.mainChat, messages }
  const tickets = reuseList(prev.tickets, next.tickets, reuseTicket)
  const userContext = reuse(prev.userContext, next.userContext)
  const analytics = reuse(prev.analytics, next.analytics)
  if (
    mainChat === prev.mainChat &&
    tickets === prev.tickets &&
    userContext === prev.userContext &&
    analytics === prev.analytics &&
    next.activeTicketId === prev.activeTicketId &&
    next.ticketView === prev.ticketView
  ) {
    return prev
  }
  return { ...next, mainChat, tickets, userContext, analytics }
}

/** The list with each item replaced by its equal predecessor (same id); `prev` itself when nothing differs. */
function reuseList<T extends { readonly id: string }>(prev: readonly T[], next: readonly T[], reuseItem: (a: T, b: T) => T): readonly T[] {
  if (prev === next) return next
  if (holdsRun(next, prev)) return next.length === prev.length ? prev : next
  const byId = new Map<string, T>()
  for (const item of prev) byId.set(item.id, item)
  let same = prev.length === next.length
  const out = next.map((item, i) => {
    const before = byId.get(item.id)
    const kept = before ? reuseItem(before, item) : item
    if (kept !== prev[i]) same = false
    return kept
  })
  return same ? prev : out
}

/**
 * Whether `next` holds every item of `prev`, as the same objects, in one run: a page read
 * before them, new messages after them. Its other items then have ids `prev` does not hold
 * (ids are unique in a list), so there is nothing to reuse and no need to index `prev`;
 * with no other items, `next` is `prev` item for item.
 */
function holdsRun<T>(next: readonly T[], prev: readonly T[]): boolean {
  if (prev.length === 0) return true
  const start = next.indexOf(prev[0]!)
  if (start < 0 || start + prev.length > next.length) return false
  for (let i = 1; i < prev.length; i++) if (next[start + i] !== prev[i]) return false
  return true
}

const reuseMessage = (prev: ChatMessage, next: ChatMessage): ChatMessage => reuse(prev, next)

function reuseTicket(prev: ChatTicket, next: ChatTicket): ChatTicket {
  if (prev === next) return next
  const messages = reuseList(prev.messages, next.messages, reuseMessage)
  const { messages: _a, ...a } = prev
  const { messages: _b, ...b } = next
  if (messages === prev.messages && deepEqual(a, b)) return prev
  return messages === next.messages ? next : { ...next, messages }
}

function reuse<T>(prev: T, next: T): T {
  return prev === next || deepEqual(prev, next) ? prev : next
}

/** Equality of plain data (what the store holds: objects, arrays, primitives). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  const keysA = Object.keys(a)
  const keysB = Object.keys(b)
  if (keysA.length !== keysB.length) return false
  for (const key of keysA) {
    if (!Object.hasOwn(b, key) || !deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false
  }
  return true
}
