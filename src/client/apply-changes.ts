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
  type MessageRecord,
  type Snapshot,
  type ThreadId,
  type TicketFields,
  type TicketRecord,
} from '../core/protocol.js'
import { ticketsById } from './state-queries.js'

/** Positions of confirmed rows in the database sequence, and the loaded windows. Owned by the confirmed state. */
export interface SeqIndex {
  readonly messages: Map<string, number>
  readonly tickets: Map<string, number>
  /** Ticket threads read by pages (window or older), with whether older messages exist before the oldest loaded. */
  readonly windows: Map<ThreadId, boolean>
}

export const createSeqIndex = (): SeqIndex => ({ messages: new Map(), tickets: new Map(), windows: new Map() })

/** A ticket's or the main chat's header fields, as the last `thread` change (or optimistic message) left them. */
interface Header {
  readonly messageCount: number
  readonly lastMessage?: ChatMessage | undefined
  readonly unreadCount: number
}

/** The state of an empty database. */
export const EMPTY_STATE: ChatSystemState = Object.freeze({
  mainChat: Object.freeze({ messages: Object.freeze([]) as readonly ChatMessage[], isTyping: false, lastActivity: 0, unreadCount: 0, draft: '' }),
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
  index.windows.clear()
  const windows = new Map(snapshot.windows.map(({ thread, hasOlder }) => [thread, { records: [] as MessageRecord[], hasOlder }]))
  const main: Change[] = []
  for (const record of snapshot.messages) {
    const window = windows.get(record.thread)
    if (window) window.records.push(record)
    else main.push({ type: 'message', record })
  }
  const changes: Change[] = [
    ...snapshot.tickets.map((record): Change => ({ type: 'ticket', record })),
    ...snapshot.threads.map((summary): Change => ({ type: 'thread', summary })),
    ...snapshot.drafts.map((record): Change => ({ type: 'draft', record })),
    ...main,
    ...[...windows].map(([thread, { records, hasOlder }]): Change => ({ type: 'page', thread, records, hasOlder })),
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
  const headers = new Map<ThreadId, Header>() // header changes, by thread
  const drafts = new Map<ThreadId, string>() // draft changes of tickets, by thread
  const header = (id: ThreadId): Header => headers.get(id) ?? headerOf(next, id)
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
        const added = putMessage(thread(id), message, seq, index)
        if (added && seq === undefined) {
          // Optimistic: the header counts it at once; the engine's `thread` change corrects it on commit.
          const before = header(id)
          headers.set(id, {
            messageCount: before.messageCount + 1,
            lastMessage: message,
            unreadCount: before.unreadCount + (message.sender === 'user' ? 0 : 1),
          })
        }
        if (id === MAIN_THREAD && message.timestamp > lastActivity) lastActivity = message.timestamp
        break
      }
      case 'draft': {
        const { thread: id, text } = change.record
        if (id !== MAIN_THREAD) drafts.set(id, text)
        else if (next.mainChat.draft !== text) next = { ...next, mainChat: { ...next.mainChat, draft: text } }
        break
      }
      case 'thread': {
        const { id, count, last, unread } = change.summary
        headers.set(id, { messageCount: count, lastMessage: last, unreadCount: unread })
        break
      }
      case 'page': {
        const { thread: id, records: page, hasOlder } = change
        if (records.get(id) === null) break
        const working = thread(id)
        const oldestSeq = working.messages.length > 0 ? index?.messages.get(working.messages[0]!.id) : undefined
        const newestInPage = page.at(-1)?.seq
        if (index && oldestSeq !== undefined && newestInPage !== undefined && newestInPage < oldestSeq && working.deleted.size === 0) {
          // The usual older page: all before what is held, in order. One prepend, not a search per message.
          for (const record of page) index.messages.set(record.message.id, record.seq!)
          working.messages.unshift(...page.map((record) => record.message))
          working.ids = undefined
        } else {
          for (const record of page) putMessage(working, record.message, record.seq, index)
        }
        // The page reaches the bottom of what is loaded: it says whether anything lies below.
        const bottom = page[0]?.seq
        if (index && (oldestSeq === undefined || bottom === undefined || bottom <= oldestSeq || !index.windows.has(id))) index.windows.set(id, hasOlder)
        break
      }
      case 'unload': {
        const { thread: id } = change
        const keep = Math.max(0, change.keep)
        // A thread that holds no more than it keeps, and has no window to forget, is left as it is
        // (no copy): evicting thousands of tickets that hold nothing changes nothing.
        const held = threads.get(id)?.messages.length ?? (records.get(id) === null ? 0 : (ticketOf(next, records, id)?.messages.length ?? 0))
        if (held <= keep && !(keep === 0 && index?.windows.has(id))) break
        const working = thread(id)
        if (working.messages.length > keep) {
          const gone = working.messages.splice(0, working.messages.length - keep)
          working.ids = undefined
          for (const message of gone) index?.messages.delete(message.id)
          if (keep > 0) index?.windows.set(id, true)
        }
        if (keep === 0) index?.windows.delete(id)
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
        headers.delete(change.id)
        drafts.delete(change.id)
        if (index) {
          index.tickets.delete(change.id)
          index.windows.delete(change.id)
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
        headers.clear()
        drafts.clear()
        index?.messages.clear()
        index?.tickets.clear()
        index?.windows.clear()
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
  const mainHeader = headers.get(MAIN_THREAD)
  if (mainHeader) {
    headers.delete(MAIN_THREAD)
    if (mainHeader.unreadCount !== next.mainChat.unreadCount) next = { ...next, mainChat: { ...next.mainChat, unreadCount: mainHeader.unreadCount } }
  }
  if (records.size > 0 || finished.size > 0 || headers.size > 0 || drafts.size > 0) {
    next = { ...next, tickets: rebuildTickets(next.tickets, records, finished, headers, drafts, index) }
  }
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
function putMessage(working: WorkingThread, message: ChatMessage, seq: number | undefined, index: SeqIndex | undefined): boolean {
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
  return at < 0
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
  return ticketsById(state).get(id)
}

function rebuildTickets(
  tickets: readonly ChatTicket[],
  records: ReadonlyMap<string, TicketRecord | null>,
  threads: ReadonlyMap<string, ChatMessage[]>,
  headers: ReadonlyMap<ThreadId, Header>,
  drafts: ReadonlyMap<ThreadId, string>,
  index: SeqIndex | undefined,
): readonly ChatTicket[] {
  const out: ChatTicket[] = []
  const seen = new Set<string>()
  for (const ticket of tickets) {
    seen.add(ticket.id)
    const record = records.get(ticket.id)
    if (record === null) continue
    const messages = threads.get(ticket.id)
    const changed = headers.get(ticket.id)
    const draft = drafts.get(ticket.id)
    out.push(
      record || messages || changed || (draft !== undefined && draft !== ticket.draft)
        ? toTicket(record ?? ticket, messages ?? ticket.messages, changed ?? ticket, draft ?? ticket.draft, index, ticket)
        : ticket,
    )
  }
  for (const [id, record] of records) {
    if (record === null || seen.has(id)) continue
    const ticket = toTicket(record, threads.get(id) ?? [], headers.get(id) ?? NO_MESSAGES, drafts.get(id) ?? '', index, undefined)
    const seq = index?.tickets.get(id)
    let position = out.length
    if (seq !== undefined) while (position > 0 && (index!.tickets.get(out[position - 1]!.id) ?? Infinity) > seq) position--
    out.splice(position, 0, ticket)
  }
  return out
}

const NO_MESSAGES: Header = Object.freeze({ messageCount: 0, unreadCount: 0 })

/** The header fields of a thread in `state`. */
function headerOf(state: ChatSystemState, id: ThreadId): Header {
  if (id === MAIN_THREAD) return { messageCount: state.mainChat.messages.length, unreadCount: state.mainChat.unreadCount }
  return ticketsById(state).get(id) ?? NO_MESSAGES
}

/**
 * A public ticket: the record's stored fields, with the messages this client holds, the
 * thread's header and its draft. `hasOlder` comes from the pages read (confirmed state), or
 * stays as it was (optimistic changes); a ticket without pages has older messages when the
 * thread holds more than it shows.
 *
 * Field by field: a rest pattern leaving out the other keys (`seq`, the header, `messages`,
 * `draft`) takes the slow path of Node 20's V8, about 15 µs a ticket: most of the time a
 * client there took to show 10,000 tickets created together.
 */
function toTicket(
  record: TicketRecord | ChatTicket,
  messages: readonly ChatMessage[],
  header: Header,
  draft: string,
  index: SeqIndex | undefined,
  before: ChatTicket | undefined,
): ChatTicket {
  const { messageCount, lastMessage, unreadCount } = header
  const paged = index?.windows.get(record.id)
  const hasOlder = paged ?? (index || !before ? messageCount > messages.length : before.hasOlder)
  const ticket: Writable<ChatTicket> = {
    id: record.id,
    type: record.type,
    title: record.title,
    status: record.status,
    priority: record.priority,
    context: record.context,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    messages,
    messageCount,
    unreadCount,
    hasOlder,
    draft,
  }
  if (record.resolvedAt !== undefined) ticket.resolvedAt = record.resolvedAt
  if (record.summary !== undefined) ticket.summary = record.summary
  if (lastMessage) ticket.lastMessage = lastMessage
  return ticket
}

type Writable<T> = { -readonly [K in keyof T]: T[K] }
type None<T extends never> = T
/** Fails to compile when `TicketFields` gains a field that `toTicket` does not copy. */
export type UncopiedTicketFields = None<Exclude<keyof TicketFields, 'id' | 'type' | 'title' | 'status' | 'priority' | 'context' | 'createdAt' | 'updatedAt' | 'resolvedAt' | 'summary'>>
