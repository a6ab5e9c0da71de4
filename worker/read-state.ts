/**
 * Reads of the engine: the single meta rows, the analytics, and the whole snapshot a
 * client starts from. Each must run inside a transaction that includes the tables it reads.
 */
import { computeAnalytics, ZERO_COUNTERS } from '../src/core/analytics.js'
import type { Announcement } from './patch-channel.js'
import {
  INITIAL_VIEW,
  MAIN_THREAD,
  type Change,
  type ChatAnalytics,
  type MessageRecord,
  type Snapshot,
  type ThreadId,
  type ThreadPage,
  type ThreadSummary,
  type UserChatContext,
  type ViewState,
} from '../src/core/protocol.js'
import { TOPIC_COUNT, isStopWord, topTopics } from '../src/core/topics.js'
import { Dexie, type Table } from 'dexie'
import type { ChatDatabase, CompleteCounters, Counters, MessageRow, TopicRow } from './database.js'

export interface Meta {
  readonly userContext: UserChatContext
  readonly view: ViewState
  readonly counters: Counters
}

const ZERO: Counters = Object.freeze({ ...ZERO_COUNTERS, seq: 0 })

/** The rows of `keys`, in order (none asked, no IndexedDB call). */
export const readMany = <T>(table: Table<T, string>, keys: string[]): Promise<Array<T | undefined>> =>
  keys.length === 0 ? Promise.resolve([]) : table.bulkGet(keys)

/**
 * The stored headers of `ids`, in order (absent: undefined). The main chat's is in the counters
 * row (`Counters.main`): taken from `counters`, the caller's read of the single rows (done or
 * under way), or else read here.
 */
export async function readHeaders(db: ChatDatabase, ids: readonly ThreadId[], counters?: Counters | Promise<Counters>): Promise<Array<ThreadSummary | undefined>> {
  const at = ids.indexOf(MAIN_THREAD)
  if (at < 0) return readMany(db.threads, [...ids])
  const [rows, read] = await Promise.all([readMany(db.threads, ids.filter((id) => id !== MAIN_THREAD)), counters ?? countersOf(readMeta(db))])
  rows.splice(at, 0, read.main)
  return rows
}

/** The counters of a read of the single rows. */
export const countersOf = (meta: Promise<Meta>): Promise<Counters> => meta.then((read) => read.counters)

/** The single rows: one request for the whole table (it holds these three rows and nothing else). The view's `lastActivity` is the later of its own and the counters'. */
export async function readMeta(db: ChatDatabase): Promise<Meta> {
  const meta: { userContext: UserChatContext; view: ViewState; counters: Counters } = { userContext: {}, view: INITIAL_VIEW, counters: ZERO }
  for (const row of await db.meta.toArray()) {
    if (row.key === 'userContext') meta.userContext = row.value
    else if (row.key === 'view') meta.view = row.value
    else if (row.key === 'counters') meta.counters = row.value
  }
  // The newest main-chat message moves `lastActivity` in the counters row (see `Counters.lastActivity`).
  const moved = meta.counters.lastActivity
  if (moved !== undefined && moved > meta.view.lastActivity) meta.view = { ...meta.view, lastActivity: moved }
  return meta
}

/** The counters with every kept figure present (reading the tables for the ones a database lacks). */
export async function completeCounters(db: ChatDatabase, counters: Counters): Promise<CompleteCounters> {
  const [mainCount, activeTickets, commonTopics] = await Promise.all([
    counters.mainCount ?? db.messages.where('[thread+seq]').between([MAIN_THREAD, Dexie.minKey], [MAIN_THREAD, Dexie.maxKey]).count(),
    counters.activeTickets ?? db.tickets.where('status').anyOf('open', 'in-progress').count(),
    // A list stored by an older version may hold words that are stop words now. (Those versions
    // kept no `topicDeltas`: the rows hold every count. A version that adds stop words must
    // write the waiting counts to their rows before it reads the leaders from them.)
    counters.commonTopics && !counters.commonTopics.some(isStopWord) ? counters.commonTopics : readTopTopics(db),
  ])
  return { ...counters, mainCount, activeTickets, commonTopics }
}

export async function readAnalytics(db: ChatDatabase, counters: Counters): Promise<ChatAnalytics> {
  const complete = await completeCounters(db, counters)
  return computeAnalytics(complete, complete.activeTickets, complete.commonTopics)
}

/**
 * The top topics. Reads the leaders by the count index, then the words tied with the last
 * of them, so that ties are broken alphabetically and the answer is stable. Rows of stop
 * words (counted by an older version) are skipped.
 */
export async function readTopTopics(db: ChatDatabase): Promise<string[]> {
  const topic = (row: TopicRow) => !isStopWord(row.word)
  const leaders = await db.topics.orderBy('count').reverse().filter(topic).limit(TOPIC_COUNT).toArray()
  const last = leaders[leaders.length - 1]
  if (!last) return []
  // Every word above the last leader's count is a leader; of those tied with it, the
  // alphabetically first come first in the index.
  const ties = await db.topics.where('count').equals(last.count).filter(topic).limit(TOPIC_COUNT).toArray()
  return topTopics(new Map([...leaders, ...ties].map((row) => [row.word, row.count])))
}

/**
 * Everything a client needs to build its mirror: the main chat, every ticket and thread
 * header, and the newest `window` messages of each of `windows` (ticket threads).
 * `version` is the engine's current one. Nothing here grows with the length of a thread.
 */
export async function readSnapshot(db: ChatDatabase, version: number, windows: readonly ThreadId[], window: number): Promise<Snapshot> {
  const wanted = [...new Set(windows)].filter((thread) => thread !== MAIN_THREAD)
  const [main, tickets, ticketThreads, meta, pages, drafts, outbox] = await Promise.all([
    threadRange(db, MAIN_THREAD).toArray(),
    db.tickets.toArray(),
    db.threads.toArray(),
    readMeta(db),
    Promise.all(wanted.map((thread) => readPage(db, thread, undefined, window))),
    db.drafts.toArray(), // a few rows: one per thread the user left half-typed
    db.outbox.orderBy('seq').toArray(), // empty but while offline with sync on
  ])
  tickets.sort((a, b) => a.seq - b.seq)
  const known = new Set(tickets.map((ticket) => ticket.id))
  const held = pages.filter((page) => known.has(page.thread)) // a window of a ticket that is gone is not sent
  const threads = meta.counters.main ? [meta.counters.main, ...ticketThreads] : ticketThreads
  return {
    version,
    messages: [...main.map(toRecord), ...held.flatMap((page) => page.records)],
    tickets,
    threads,
    windows: held.map(({ thread, hasOlder }) => ({ thread, hasOlder })),
    drafts: drafts.filter((draft) => draft.thread === MAIN_THREAD || known.has(draft.thread)),
    userContext: meta.userContext,
    view: meta.view,
    analytics: await readAnalytics(db, meta.counters),
    outbox,
  }
}

/** A thread's messages in `seq` order through the `[thread+seq]` index: those below `below`, or all of them. */
export const threadRange = (db: ChatDatabase, thread: ThreadId, below = Dexie.maxKey as unknown as number) =>
  db.messages.where('[thread+seq]').between([thread, Dexie.minKey], [thread, below], true, false)

const toRecord = ({ thread, seq, message }: MessageRow): MessageRecord => ({ thread, seq, message })

/**
 * The `count` messages of `thread` before `seq` `before` (or its newest, without), oldest
 * first, and whether older ones exist: one range read of `count + 1` rows, newest first.
 */
export async function readPage(db: ChatDatabase, thread: ThreadId, before: number | undefined, count: number): Promise<ThreadPage> {
  const rows = await threadRange(db, thread, before).reverse().limit(count + 1).toArray()
  const hasOlder = rows.length > count
  if (hasOlder) rows.pop()
  rows.reverse()
  return { thread, records: rows.map(toRecord), hasOlder }
}

/**
 * The rows another engine announced as changed, as they are now: written rows as changes,
 * absent ones as deletions, and the single rows when they changed. Reading instead of
 * taking rows from the announcement means a late announcement cannot roll a row back.
 */
export async function readAnnounced(db: ChatDatabase, announced: Exclude<Announcement, { reset: true }>): Promise<Change[]> {
  const ticketIds = [...new Set(announced.tickets)]
  const messageKeys = [...new Map(announced.messages.map(([id, thread]) => [id, thread])).entries()]
  const threadIds = [...new Set([...announced.threads, ...messageKeys.map(([, thread]) => thread)])]
  const draftIds = [...new Set(announced.drafts)]
  const outboxIds = [...new Set(Array.isArray(announced.outbox) ? announced.outbox : [])]
  const metaRead = announced.meta ? readMeta(db) : undefined
  const [tickets, messages, threads, meta, drafts, outbox] = await Promise.all([
    readMany(db.tickets, ticketIds),
    readMany(db.messages, messageKeys.map(([id]) => id)),
    readHeaders(db, threadIds, metaRead && countersOf(metaRead)),
    metaRead,
    readMany(db.drafts, draftIds),
    readMany(db.outbox, outboxIds),
  ])
  const changes: Change[] = []
  // Tickets first: a new ticket's messages need their ticket.
  ticketIds.forEach((id, i) => {
    const row = tickets[i]
    changes.push(row ? { type: 'ticket', record: row } : { type: 'ticketDeleted', id })
  })
  messageKeys.forEach(([id, thread], i) => {
    const row = messages[i]
    changes.push(row ? { type: 'message', record: { thread: row.thread, seq: row.seq, message: row.message } } : { type: 'messageDeleted', id, thread })
  })
  for (const summary of threads) if (summary) changes.push({ type: 'thread', summary })
  draftIds.forEach((thread, i) => changes.push({ type: 'draft', record: drafts[i] ?? { thread, text: '', at: 0 } }))
  outboxIds.forEach((id, i) => {
    const entry = outbox[i]
    changes.push(entry ? { type: 'outbox', entry } : { type: 'outboxDeleted', id })
  })
  if (meta) {
    changes.push(
      { type: 'userContext', context: meta.userContext },
      { type: 'view', view: meta.view },
      { type: 'analytics', analytics: await readAnalytics(db, meta.counters) },
    )
  }
  return changes
}

/**
 * Everything the database holds, as changes that follow a `reset`: what a connection needs
 * when another tab cleared the database and writes that committed after the clear made it
 * again. The main chat's messages, every ticket and thread header, the drafts and the single
 * rows; ticket messages are left for the windows to load again.
 */
export async function readEverything(db: ChatDatabase): Promise<Change[]> {
  const [mainIds, tickets, threads, drafts, outbox] = await Promise.all([
    threadRange(db, MAIN_THREAD).primaryKeys(),
    db.tickets.toArray(),
    db.threads.toCollection().primaryKeys(),
    db.drafts.toCollection().primaryKeys(),
    db.outbox.orderBy('seq').primaryKeys(),
  ])
  tickets.sort((a, b) => a.seq - b.seq)
  return readAnnounced(db, {
    messages: mainIds.map((id) => [id, MAIN_THREAD] as const),
    tickets: tickets.map((ticket) => ticket.id),
    threads: [MAIN_THREAD, ...threads],
    drafts,
    meta: true,
    outbox,
  })
}
