/**
 * The IndexedDB schema, through Dexie. Versioned from the first release: a new version
 * adds a `this.version(n).stores(...).upgrade(...)` step below and keeps every earlier
 * one, so data written by any released schema opens and survives.
 */
import { Dexie, type Table, type Transaction } from 'dexie'
import { searchWords } from '../src/core/search-words.js'
import { ZERO_COUNTERS, type AnalyticsCounters } from '../src/core/analytics.js'
import { MAIN_THREAD, type ChatMessage, type OutboxEntry, type ThreadId, type ThreadSummary, type TicketFields, type TicketRecord, type UserChatContext, type ViewState } from '../src/core/protocol.js'
import { addToThread, emptyThread, markThreadRead } from '../src/core/thread-summary.js'

/** A message row: the message, its thread, and its place in the database sequence. */
export interface MessageRow {
  readonly id: string
  readonly thread: ThreadId
  readonly seq: number
  readonly message: ChatMessage
  /**
   * The search keys of the message (schema 2, `searchWords`): each distinct normalized word
   * followed by the message's time, so that a word's messages can be read newest first, and
   * the empty word that lists every message. A multi-entry index: IndexedDB keeps it in the
   * same transaction as the row and forgets it with it.
   */
  readonly words?: readonly string[]
  /**
   * The id of the send command that wrote the message (`sendMessage`, `sendMessages`). When
   * the row is trimmed or deleted, this id goes into `applied`: a send whose answer was lost
   * and that comes again, marked resent, is then recognised without its row.
   */
  readonly command?: string
}

/** A ticket thread's header, kept in the same transaction as its messages (schema 2; the main chat's is `Counters.main` from schema 5). */
export type ThreadRow = ThreadSummary

/** A half-typed message of one thread (schema 2). */
export interface DraftRow {
  readonly thread: ThreadId
  readonly text: string
  /** When it was last changed (the client's clock). */
  readonly at: number
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
  /**
   * Counts added to topic words and not yet written to their `topics` rows: a word's count is
   * its row's plus this. Kept here so that a send writes one row for its words, not one per
   * word; written to the rows (and emptied) once it holds many words.
   */
  readonly topicDeltas?: Readonly<Record<string, number>>
  /**
   * The view's `lastActivity` as the newest main-chat message moved it. Kept here because a
   * send writes this row anyway; the view's row holds it as of its last write, and the view
   * is read as the later of the two (`readMeta`).
   */
  readonly lastActivity?: number
  /** The bytes of every stored attachment (schema 4; absent: none). Held to `maxStoredAttachmentBytes`. */
  readonly attachmentBytes?: number
  /**
   * The main chat's header (schema 5; absent: the main chat has none yet). Kept here, not in
   * `threads`, because a main-chat send writes this row anyway: one write fewer per send.
   */
  readonly main?: ThreadSummary
}

/** Counters with every kept figure present (`completeCounters`). */
export type CompleteCounters = Required<Omit<Counters, 'topicDeltas' | 'lastActivity' | 'attachmentBytes' | 'main'>> &
  Pick<Counters, 'topicDeltas' | 'lastActivity' | 'attachmentBytes' | 'main'>

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

/** An outbox row: the entry as the feed carries it (schema 3). */
export type OutboxRow = OutboxEntry

/**
 * Sync bookkeeping (schema 3): this database's replication id, the server position pulled
 * up to, and per ticket the newest server version taken, with its revision
 * (`revision:<ticket id>`; the row in `tickets` may show local values over it while
 * changes of those fields wait in the outbox).
 */
export type SyncRow =
  | { readonly key: 'replica'; readonly value: string }
  | { readonly key: 'checkpoint'; readonly value: string }
  | { readonly key: `revision:${string}`; readonly value: string; readonly ticket: TicketFields }

/**
 * The bytes of one attachment (schema 4), and the messages that carry it: a ticket made from
 * a chat message shares its attachments, so the row (and its bytes) go with the last of them,
 * in the same transaction.
 */
export interface AttachmentRow {
  readonly id: string
  /** The ids of the messages that carry it; never empty (the row goes with the last). */
  readonly refs: readonly string[]
  readonly size: number
  /** The MIME type (a file of the OPFS has none of its own: `readAttachment` gives it back). */
  readonly type: string
  /**
   * Where the bytes are: `opfs`, a file named by the id in the database's folder of the
   * Origin Private File System (see attachment-files.ts); `indexeddb`, `blob`.
   */
  readonly store: 'opfs' | 'indexeddb'
  readonly blob?: Blob
}

/** What a `ChatDatabase` tells its owner about other connections to the same database. */
export interface DatabaseEvents {
  readonly onBlocked?: () => void
  readonly onDeleted?: () => void
}

/** The tables of one chat database. */
export class ChatDatabase extends Dexie {
  declare readonly messages: Table<MessageRow, string>
  declare readonly tickets: Table<TicketRow, string>
  declare readonly meta: Table<MetaRow, MetaRow['key']>
  declare readonly topics: Table<TopicRow, string>
  declare readonly applied: Table<AppliedRow, string>
  declare readonly threads: Table<ThreadRow, ThreadId>
  declare readonly drafts: Table<DraftRow, ThreadId>
  declare readonly outbox: Table<OutboxRow, string>
  declare readonly sync: Table<SyncRow, SyncRow['key']>
  declare readonly attachments: Table<AttachmentRow, string>

  /**
   * @param events - `onBlocked`: called when opening waits for another connection that holds
   *   the database open at an older version and does not let go (an old tab); the open goes
   *   on once it closes. `onDeleted`: called when another connection deletes the database
   *   while this one has it open (another tab's `clearAllData`), before the deletion is done
   */
  constructor(name: string, dependencies: { indexedDB: IDBFactory; IDBKeyRange: typeof IDBKeyRange }, events: DatabaseEvents = {}) {
    super(name, { ...dependencies, autoOpen: true, cache: 'disabled' })
    // No live queries run on this database: the engine tells other tabs what changed itself
    // (patch-channel.ts). Without Dexie's observation, a write does not record the keys of
    // every index it touches (each search word of a message), and a commit posts nothing to
    // Dexie's own cross-tab channel.
    this.unuse({ stack: 'dbcore', name: 'Observability' })
    this.unuse({ stack: 'dbcore', name: 'Cache' })
    // Quietly: the client's `status$` says `blocked` (Dexie's default handler writes a console warning).
    this.on('blocked', () => {
      events.onBlocked?.()
      return false
    })
    // Another tab deletes the database (`clearAllData`) or upgrades it: let go at once, and
    // quietly (Dexie's default handler does the same but writes a console warning each time).
    // IndexedDB tells every open connection before it deletes, so whoever finds the database
    // gone afterwards (a tab whose pulled batch finds no replication id) comes after this.
    this.on('versionchange', (event: IDBVersionChangeEvent) => {
      this.close()
      if (event.newVersion === null) events.onDeleted?.()
      return false
    })
    this.version(1).stores({
      messages: 'id, [thread+seq]', // a thread's messages in order, without reading the others
      tickets: 'id, status', // active count and cleanup candidates by status
      meta: 'key',
      topics: 'word, count', // the most frequent topics by count
      applied: 'id, at', // pruned by age
    })
    // Schema 2 (after 0.1.0): search words on messages, a summary row per thread, drafts.
    this.version(2)
      .stores({
        messages: 'id, [thread+seq], *words', // search: a multi-entry index of each message's words
        threads: 'id',
        drafts: 'thread',
      })
      .upgrade((tx) => upgradeToVersion2(tx))
    // ── Sync: the durable outbox and the sync bookkeeping. New tables only, no upgrade step:
    // a database of an earlier schema has nothing queued. (Kept as one block so that its
    // number can change when another schema version lands first.)
    this.version(3).stores({
      outbox: 'id, seq, [thread+seq]', // pushed in seq order; a ticket's pending changes by thread
      sync: 'key',
    })
    // Schema 4: the bytes of attachments (or where they are), by the messages that carry them.
    // A new table only: a database of an earlier schema has no attachments.
    this.version(4).stores({
      attachments: 'id, *refs', // the rows of deleted messages, found by their ids
    })
    // Schema 5: the main chat's header moves into the counters row (see `Counters.main`).
    this.version(5)
      .stores({})
      .upgrade((tx) => upgradeToVersion5(tx))
  }

  /** Every table, for transactions that touch them all. */
  get all(): Table[] {
    return [this.messages, this.tickets, this.meta, this.topics, this.applied, this.threads, this.drafts, this.outbox, this.sync, this.attachments]
  }
}

/**
 * From schema 1: every message gets its search words and every thread its summary row, in
 * one pass over the messages in thread order, with everything counted as read. Runs once,
 * when a 0.1.0 database first opens.
 */
async function upgradeToVersion2(tx: Transaction): Promise<void> {
  const threads = new Map<ThreadId, ThreadRow>()
  await tx
    .table<MessageRow, string>('messages')
    .orderBy('[thread+seq]')
    .modify((row: { thread: ThreadId; seq: number; message: ChatMessage; words?: readonly string[] }) => {
      row.words = searchWords(row.message)
      threads.set(row.thread, addToThread(threads.get(row.thread) ?? emptyThread(row.thread), row.seq, row.message))
    })
  // Nothing was unread before read markers existed: what a 0.1.0 database holds counts as read.
  await tx.table<ThreadRow, ThreadId>('threads').bulkPut([...threads.values()].map(markThreadRead))
}

/** From schema 4: the main chat's header row moves into the counters row (`Counters.main`). */
async function upgradeToVersion5(tx: Transaction): Promise<void> {
  const threads = tx.table<ThreadRow, ThreadId>('threads')
  const meta = tx.table<MetaRow, MetaRow['key']>('meta')
  const [main, counters] = await Promise.all([threads.get(MAIN_THREAD), meta.get('counters')])
  if (!main) return
  // Without a counters row, the one the engine reads in its place (`readMeta`).
  const value: Counters = counters?.key === 'counters' ? counters.value : { ...ZERO_COUNTERS, seq: 0 }
  await Promise.all([meta.put({ key: 'counters', value: { ...value, main } }), threads.delete(MAIN_THREAD)])
}
