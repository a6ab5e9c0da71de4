/**
 * Keeps identity across confirmation. When the engine confirms a pending command, the
 * mirror is rebuilt from new objects that are usually equal to the optimistic ones;
 * `reconcile` hands back the previous object wherever the new one is deeply equal, so a
 * confirmation that changes nothing visible emits nothing and re-renders nothing.
 */
import type { ChatMessage, ChatSystemState, ChatTicket } from '../core/protocol.js'
import { ticketsById } from './state-queries.js'

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

/**
 * The confirmed state with the shown objects in place of its own equal ones. `built` is the
 * visible state as rebuilt from `confirmed` (its pending changes replayed on top) and `shown`
 * what `reconcile` made of it: equal to `built` item for item, at the same places. An object
 * of `built` that is also `confirmed`'s (no pending change touched it) is replaced there by
 * its shown twin, so confirmed and shown stay identical where they are equal and a later
 * rebuild compares only what changed since, not every ticket or message again.
 */
export function adoptShown(confirmed: ChatSystemState, built: ChatSystemState, shown: ChatSystemState): ChatSystemState {
  if (built === confirmed) return shown
  let mainChat = confirmed.mainChat
  if (built.mainChat === mainChat) mainChat = shown.mainChat
  else if (built.mainChat.messages !== shown.mainChat.messages) {
    const messages = adoptList(mainChat.messages, built.mainChat.messages, shown.mainChat.messages)
    if (messages !== mainChat.messages) mainChat = { ...mainChat, messages }
  }
  const tickets = adoptTickets(confirmed, built.tickets, shown.tickets)
  const userContext = built.userContext === confirmed.userContext ? shown.userContext : confirmed.userContext
  const analytics = built.analytics === confirmed.analytics ? shown.analytics : confirmed.analytics
  if (mainChat === confirmed.mainChat && tickets === confirmed.tickets && userContext === confirmed.userContext && analytics === confirmed.analytics) {
    return confirmed
  }
  return { ...confirmed, mainChat, tickets, userContext, analytics }
}

/**
 * `confirmed` with each ticket of `touched` that equals the shown one replaced by
 * it, or by a copy that holds the shown one's equal messages: what a later `reconcile` would
 * hand back, found while the tickets to compare are few.
 */
export function adoptEqualTickets(confirmed: ChatSystemState, shown: ChatSystemState, touched: ReadonlySet<string>): ChatSystemState {
  if (touched.size === 0 || confirmed.tickets === shown.tickets) return confirmed
  const shownById = ticketsById(shown)
  let changed = false
  const tickets = confirmed.tickets.map((ticket) => {
    const twin = touched.has(ticket.id) ? shownById.get(ticket.id) : undefined
    if (twin === undefined || twin === ticket) return ticket
    const kept = reuseTicket(twin, ticket)
    if (kept !== ticket) changed = true
    return kept
  })
  return changed ? { ...confirmed, tickets } : confirmed
}

function adoptTickets(confirmed: ChatSystemState, built: readonly ChatTicket[], shown: readonly ChatTicket[]): readonly ChatTicket[] {
  if (built === shown) return confirmed.tickets
  if (built === confirmed.tickets) return shown
  const own = ticketsById(confirmed)
  let swaps: Map<string, ChatTicket> | undefined
  for (let i = 0; i < built.length; i++) {
    const b = built[i]!
    const s = shown[i]!
    if (b === s) continue
    const c = own.get(b.id)
    if (!c) continue // made by a pending change only
    if (c === b) (swaps ??= new Map()).set(b.id, s)
    else if (b.messages !== s.messages) {
      // A pending change touched the ticket: its confirmed messages can still take the shown ones.
      const messages = adoptList(c.messages, b.messages, s.messages)
      if (messages !== c.messages) (swaps ??= new Map()).set(b.id, { ...c, messages })
    }
  }
  if (!swaps) return confirmed.tickets
  return confirmed.tickets.map((ticket) => swaps.get(ticket.id) ?? ticket)
}

/** `confirmed` with each item that `built` holds as is replaced by its equal at the same place in `shown`. */
function adoptList<T extends { readonly id: string }>(confirmed: readonly T[], built: readonly T[], shown: readonly T[]): readonly T[] {
  if (built === confirmed) return shown
  let swaps: Map<T, T> | undefined
  for (let i = 0; i < built.length; i++) if (built[i] !== shown[i]) (swaps ??= new Map()).set(built[i]!, shown[i]!)
  if (!swaps) return confirmed
  let changed = false
  const out = confirmed.map((item) => {
    const twin = swaps.get(item)
    if (twin === undefined) return item
    changed = true
    return twin
  })
  return changed ? out : confirmed
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
  if (messages === prev.messages && equalButMessages(prev, next)) return prev
  return messages === next.messages ? next : { ...next, messages }
}

/** Whether two tickets are equal in everything but their messages. */
function equalButMessages(a: ChatTicket, b: ChatTicket): boolean {
  const keys = Object.keys(a)
  if (keys.length !== Object.keys(b).length) return false
  for (const key of keys) {
    if (key === 'messages') continue
    if (!Object.hasOwn(b, key) || !deepEqual(a[key as keyof ChatTicket], b[key as keyof ChatTicket])) return false
  }
  return true
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
