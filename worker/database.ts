/**
 * The IndexedDB schema, through Dexie. Versioned from the first release: a new version
 * adds a `this.version(n).stores(...).upgrade(...)` step below and keeps every earlier
 * one, so data written by any released schema opens and survives.
 */
import { Dexie, type Table } from 'dexie'
import type { AnalyticsCounters } from '../src/core/analytics.js'
import type { ChatMessage, ThreadId, TicketRecord, UserChatContext, ViewState } from '../src/core/protocol.js'

/** A message row: the message, its thread, and its place in the database sequence. */
export interface MessageRow {
  readonly id: string
  readonly thread: ThreadId
  readonly seq: number
  readonly message: ChatMessage
}

/** A ticket row: the ticket without messages, and its place in the database sequence. */
export type TicketRow = TicketRecord & { readonly seq: number }

/** The single rows of the `meta` table. */
export type MetaRow =
  | { readonly key: 'userContext'; readonly value: UserChatContext }
  | { readonly key: 'view'; readonly value: ViewState }
  | { readonly key: 'counters'; readonly value: Counters }

/**
 * Lifetime counters plus the database sequence that orders messages and tickets, and
 * figures kept current in the same transactions so that reading them costs nothing.
 * Absent figures (a database from before they were kept) are computed once and stored.
 */
export interface Counters extends AnalyticsCounters {
  /** The last number handed out; the next row gets `seq + 1`. Never reused. */
  readonly seq: number
  /** How many messages the main chat holds, kept with every write (counting the index is linear). */
  readonly mainCount?: number
  /** Tickets open or in progress, kept with every write. */
  readonly activeTickets?: number
  /** The current `commonTopics`, recomputed only when user messages add words. */
  readonly commonTopics?: readonly string[]
}

/** How often each topic word appeared in user messages. */
export interface TopicRow {
  readonly word: string
  readonly count: number
}

/** A command id already applied, so a retried command applies once. Pruned by cleanup. */
export interface AppliedRow {
  readonly id: string
  readonly at: number
}

/** The tables of one chat database. */
export class ChatDatabase extends Dexie {
  declare readonly messages: Table<MessageRow, string>
  declare readonly tickets: Table<TicketRow, string>
  declare readonly meta: Table<MetaRow, MetaRow['key']>
  declare readonly topics: Table<TopicRow, string>
  declare readonly applied: Table<AppliedRow, string>

  constructor(name: string, dependencies: { indexedDB: IDBFactory; IDBKeyRange: typeof IDBKeyRange }) {
    super(name, { ...dependencies, autoOpen: true })
    this.version(1).stores({
      messages: 'id, [thread+seq]', // a thread's messages in order, without reading the others
      tickets: 'id, status', // active count and cleanup candidates by status
      meta: 'key',
      topics: 'word, count', // the most frequent topics by count
      applied: 'id, at', // pruned by age
    })
  }

  /** Every table, for transactions that touch them all. */
  get all(): Table[] {
    return [this.messages, this.tickets, this.meta, this.topics, this.applied]
  }
}
