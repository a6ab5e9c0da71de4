/**
 * Applies change-feed changes to an immutable `ChatSystemState` with structural sharing:
 * every array and object that no change touched keeps its identity (`===`), so UI
 * frameworks re-render only what changed.
 *
 * Two modes. Confirmed changes (from the engine) carry `seq` and are placed by it; the
 * caller passes the `SeqIndex` of the confirmed state, which this updates. Optimistic
 * changes (not yet committed) carry no `seq` and go after everything confirmed.
 */
import {
  EMPTY_ANALYTICS,
  MAIN_THREAD,
  type Change,
  type ChatMessage,
  type ChatSystemState,
  type ChatTicket,
  type Snapshot,
  type TicketRecord,
} from '../core/protocol.js'

/** Positions of confirmed rows in the database sequence. Owned by the confirmed state. */
export interface SeqIndex {
  readonly messages: Map<string, number>
  readonly tickets: Map<string, number>
}

export const createSeqIndex = (): SeqIndex => ({ messages: new Map(), tickets: new Map() })

/** The state of an empty database. */
export const EMPTY_STATE: ChatSystemState = Object.freeze({
  mainChat: Object.freeze({ messages: Object.freeze([]) as readonly ChatMessage[], isTyping: false, lastActivity: 0 }),
  tickets: Object.freeze([]) as readonly ChatTicket[],
  activeTicketId: null,
  ticketView: 'chat',
  userContext: Object.freeze({}),
  analytics: EMPTY_ANALYTICS,
})

/** The state a snapshot describes. Clears and fills `index`. */
export function stateFromSnapshot(snapshot: Snapshot, maxMainChatMessages: number, index: SeqIndex): ChatSystemState {
  index.messages.clear()
  index.tickets.clear()
  const changes: Change[] = [
    ...snapshot.tickets.map((record): Change => ({ type: 'ticket', record })),
    ...snapshot.messages.map((record): Change => ({ type: 'message', record })),
    { type: 'userContext', context: snapshot.userContext },
    { type: 'view', view: snapshot.view },
    { type: 'analytics', analytics: snapshot.analytics },
  ]
  return applyChanges(EMPTY_STATE, changes, maxMainChatMessages, index)
}

/** The state after `changes`, sharing everything they did not touch with `state`. */
export function applyChanges(
  state: ChatSystemState,
  changes: readonly Change[],
  maxMainChatMessages: number,
  index?: SeqIndex,
): ChatSystemState {
  if (changes.length === 0) return state
  let next = state
  const threads = new Map<string, WorkingThread>() // threads copied in this call, by id
  const records = new Map<string, TicketRecord | null>() // ticket changes; null = deleted
  const thread = (id: string): WorkingThread => {
    let working = threads.get(id)
    if (!working) {
      const current = id === MAIN_THREAD ? next.mainChat.messages : (ticketOf(next, records, id)?.messages ?? [])
      working = { messages: current.slice(), ids: undefined, deleted: new Set() }
      threads.set(id, working)
    }
    return working
  }
  let lastActivity = next.mainChat.lastActivity

  for (const change of changes) {
    switch (change.type) {
      case 'message': {
        const { thread: id, message, seq } = change.record
        if (id !== MAIN_THREAD && records.get(id) === null) break // its ticket is gone
        putMessage(thread(id), message, seq, index)
        if (id === MAIN_THREAD && message.timestamp > lastActivity) lastActivity = message.timestamp
        break
      }
      case 'messageDeleted':
        thread(change.thread).deleted.add(change.id) // removed in one pass at the end
        index?.messages.delete(change.id)
        break
      case 'ticket':
        records.set(change.record.id, change.record)
        if (index && change.record.seq !== undefined) index.tickets.set(change.record.id, change.record.seq)
        break
      case 'ticketDeleted':
        records.set(change.id, null)
        threads.delete(change.id)
        if (index) {
          index.tickets.delete(change.id)
          for (const message of ticketOf(state, records, change.id, true)?.messages ?? []) index.messages.delete(message.id)
        }
        break
      case 'userContext':
        next = { ...next, userContext: change.context }
        break
      case 'view': {
        const { ticketView, activeTicketId, isTyping } = change.view
        lastActivity = Math.max(lastActivity, change.view.lastActivity)
        if (next.mainChat.isTyping !== isTyping) next = { ...next, mainChat: { ...next.mainChat, isTyping } }
        if (next.ticketView !== ticketView || next.activeTicketId !== activeTicketId) next = { ...next, ticketView, activeTicketId }
        break
      }
      case 'analytics':
        next = { ...next, analytics: change.analytics }
        break
      case 'reset':
        threads.clear()
        records.clear()
        index?.messages.clear()
        index?.tickets.clear()
        next = EMPTY_STATE
        lastActivity = 0
        break
    }
  }

  if (lastActivity !== next.mainChat.lastActivity) next = { ...next, mainChat: { ...next.mainChat, lastActivity } }
  const finished = new Map<string, ChatMessage[]>()
  for (const [id, working] of threads) {
    finished.set(id, working.deleted.size > 0 ? working.messages.filter((m) => !working.deleted.has(m.id)) : working.messages)
  }
  const main = finished.get(MAIN_THREAD)
  if (main) {
    finished.delete(MAIN_THREAD)
    const kept = main.length > maxMainChatMessages ? main.slice(main.length - maxMainChatMessages) : main
    next = { ...next, mainChat: { ...next.mainChat, messages: kept } }
  }
  if (records.size > 0 || finished.size > 0) next = { ...next, tickets: rebuildTickets(next.tickets, records, finished, index) }
  return next
}

/** A thread being changed: its copied messages, an id set built on first need, ids to delete. */
interface WorkingThread {
  readonly messages: ChatMessage[]
  ids: Set<string> | undefined
  readonly deleted: Set<string>
}

/**
 * Replaces a message with the same id, or inserts it by `seq` (optimistic ones go last).
 * Whether the id is there is answered by the seq index (confirmed) or an id set built once
 * per call (optimistic), so a burst of new messages is linear, not quadratic.
 */
function putMessage(working: WorkingThread, message: ChatMessage, seq: number | undefined, index: SeqIndex | undefined): void {
  const { messages } = working
  if (working.deleted.delete(message.id)) {
    // Deleted earlier in these changes and written again: the old entry goes now, the new one takes its own place.
    const old = findFromEnd(messages, message.id)
    if (old >= 0) messages.splice(old, 1)
    working.ids?.delete(message.id)
  }
  let present: boolean
  if (index && seq !== undefined) {
    present = index.messages.has(message.id)
  } else {
    working.ids ??= new Set(messages.map((m) => m.id))
    present = working.ids.has(message.id)
  }
  const at = present ? findFromEnd(messages, message.id) : -1
  if (at >= 0) {
    messages[at] = message
  } else if (index && seq !== undefined) {
    let position = messages.length // almost always an append: seq grows
    while (position > 0 && (index.messages.get(messages[position - 1]!.id) ?? Infinity) > seq) position--
    if (position === messages.length) messages.push(message)
    else messages.splice(position, 0, message)
  } else {
    messages.push(message)
  }
  working.ids?.add(message.id)
  if (index && seq !== undefined) index.messages.set(message.id, seq)
}

function findFromEnd(messages: readonly ChatMessage[], id: string): number {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]!.id === id) return i
  return -1
}

/** The ticket with `id` as the changes so far leave it (record changed, messages not yet). */
function ticketOf(
  state: ChatSystemState,
  records: ReadonlyMap<string, TicketRecord | null>,
  id: string,
  ignoreRecords = false,
): ChatTicket | undefined {
  if (!ignoreRecords && records.get(id) === null) return undefined
  return state.tickets.find((ticket) => ticket.id === id)
}

function rebuildTickets(
  tickets: readonly ChatTicket[],
  records: ReadonlyMap<string, TicketRecord | null>,
  threads: ReadonlyMap<string, ChatMessage[]>,
  index: SeqIndex | undefined,
): readonly ChatTicket[] {
  const out: ChatTicket[] = []
  const seen = new Set<string>()
  for (const ticket of tickets) {
    seen.add(ticket.id)
    const record = records.get(ticket.id)
    if (record === null) continue
    const messages = threads.get(ticket.id)
    out.push(record || messages ? toTicket(record ?? ticket, messages ?? ticket.messages) : ticket)
  }
  for (const [id, record] of records) {
    if (record === null || seen.has(id)) continue
    const ticket = toTicket(record, threads.get(id) ?? [])
    const seq = index?.tickets.get(id)
    let position = out.length
    if (seq !== undefined) while (position > 0 && (index!.tickets.get(out[position - 1]!.id) ?? Infinity) > seq) position--
    out.splice(position, 0, ticket)
  }
  return out
}

/** A public ticket: the record without its sequence number, with its thread. */
function toTicket(record: TicketRecord | ChatTicket, messages: readonly ChatMessage[]): ChatTicket {
  const { seq: _seq, messages: _old, ...fields } = record as TicketRecord & { messages?: unknown }
  return { ...fields, messages }
}
