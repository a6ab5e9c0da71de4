/**
 * One batch of commands as one IndexedDB transaction: read the rows the commands touch,
 * plan each command (the same pure planner the client runs), stamp new rows with the
 * database sequence, trim the main chat, update counters and topics, write, and return
 * the changes for the change feed. Must run inside a read-write transaction on `db.all` (sends
 * without files: on `sendStores`).
 */
import { Dexie, type Table } from 'dexie'
import { computeAnalytics, resolutionDelta } from '../src/core/analytics.js'
import { toSerializedError } from '../src/core/errors.js'
import { planCommand, type PlanContext } from '../src/core/plan.js'
import { isActive } from '../src/core/ticket-status.js'
import {
  MAIN_THREAD,
  type Change,
  type ChatConfig,
  type Command,
  type CommandOutcome,
  type MessageRecord,
  type ThreadId,
  type ThreadSummary,
  type TicketRecord,
  type UserChatContext,
  type ViewState,
} from '../src/core/protocol.js'
import { countTopics, topTopics } from '../src/core/topics.js'
import { KnownRows, type RowsSeen } from './known-rows.js'
import type { ChatDatabase, CompleteCounters, Counters, DraftRow, MessageRow, MetaRow, OutboxRow, TicketRow } from './database.js'
import { TICKET_FIELD_GROUPS, groupValues, sameValue, type SyncChange } from '../src/core/sync.js'

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never
import { completeCounters, countersOf, readHeaders, readMany, readMeta, threadRange, type Meta } from './read-state.js'
import { ThreadTally } from './thread-tally.js'
import { searchWords } from '../src/core/search-words.js'
import { NOTHING_FREED, updateAttachmentRows, type StagedBytes } from './attachment-rows.js'
import { placeWrites } from './place-writes.js'
import { carriesFiles } from './stage-attachments.js'

export interface BatchResult {
  readonly changes: Change[]
  readonly done: string[]
  readonly refused: CommandOutcome[]
  /** The database sequence the batch leaves (see KnownRows). */
  readonly seq: number
  /** The topic counts, thread headers and drafts the batch read or wrote, as it leaves them. */
  readonly rows: RowsSeen
  /** Attachments whose rows went with their last message: their files (OPFS) are removed after the commit. */
  readonly freed: readonly string[]
}

/** Most topic words whose added counts wait in the counters row; beyond, they are written to their rows. */
const FOLD_TOPICS = 256

/**
 * Commands that are idempotent without a record of their id. Sends are keyed by the new row's
 * id: a retry finds that row, so their ids are not recorded in `applied` when they apply, and
 * read from it only for a resent batch (reading 10,000 ids that are not there costs as much
 * as half the writing). A row keeps the id of the send that wrote it, and the id is recorded
 * when the row goes (trimmed from the main chat, a superseded suggestion): a send that comes
 * again after a lost answer is then recognised by its row, or, once the row is gone, by its
 * recorded id. The sync commands (the engine makes them) set a value that a second run sets again.
 */
const KEYED_BY_ROW: ReadonlySet<Command['kind']> = new Set(['sendMessage', 'sendMessages', 'putTicket', 'setDelivery'])
/** The commands whose id a message row keeps (see `KEYED_BY_ROW`). */
const SENDS: ReadonlySet<Command['kind']> = new Set(['sendMessage', 'sendMessages'])

/**
 * Thrown when a batch planned from the rows this engine remembers finds that another writer
 * moved the sequence since: the transaction rolls back and the caller runs the batch again,
 * reading the rows.
 */
export class StaleRowsError extends Error {
  override readonly name = 'StaleRowsError'
}

/**
 * Thrown when a row the batch took for new exists already (only with `assumeIdsNew`):
 * the transaction rolls back and the caller runs the batch again, checking every id.
 */
export class ExistingRowError extends Error {
  override readonly name = 'ExistingRowError'
}

/**
 * The stores a batch of sends without files may touch: a transaction on fewer stores costs
 * IndexedDB less to start and to schedule (500 awaited sends 7–12% faster in Chromium than
 * on every store). Undefined for any other batch: it runs on every store (`db.all`). A send
 * that turns out to need another (it trims a main-chat message that carries files) fails
 * with a `NotFoundError`, and the caller runs it again on every store.
 */
export function sendStores(db: ChatDatabase, commands: readonly Command[]): Table[] | undefined {
  for (const command of commands) {
    const messages = command.kind === 'sendMessage' ? [command.message] : command.kind === 'sendMessages' ? command.messages : undefined
    if (!messages || carriesFiles(command) || messages.some((message) => message.attachments !== undefined)) return undefined
  }
  const stores: Table[] = [db.messages, db.meta, db.topics, db.applied, db.drafts, db.threads, db.tickets]
  if (commands.some((command) => command.sync === true)) stores.push(db.outbox)
  return stores
}

/** How `writeBatch` reads the rows it touches, and whether it commits. */
export interface BatchOptions {
  /**
   * Take the ids the client made for new without reading them first: those of sent
   * messages, of the commands (whose ids are kept so that a retried command applies once),
   * and of the tickets `createTicket` creates (with their threads and first message). Fresh
   * ids are the rule; the rows are then added, not put, so an id that exists after all fails
   * the add (or turns up among the rows trimmed from the main chat) and the batch throws
   * `ExistingRowError` instead of overwriting. Reading 10,000 ids that are not there costs as
   * much as half the writing.
   */
  readonly assumeIdsNew?: boolean
  /**
   * The commands were sent before to an engine whose answer was lost; the applied ids of
   * sends are read too, so a send applied then is done, even if its rows are gone since (the
   * caller checks a resent batch from the start: `assumeIdsNew` false).
   */
  readonly resent?: boolean
  /**
   * The topic counts, thread headers and drafts this engine's earlier commits read or wrote;
   * only the rows it does not know are read. The caller tells it this batch's
   * (`BatchResult.rows`) once the transaction commits.
   */
  readonly known?: KnownRows
  /** The bytes of the commands' attachments, stored before the transaction (see stage-attachments.ts). */
  readonly staged?: ReadonlyMap<string, StagedBytes>
  /** The batch is all its transaction does: it commits once its writes succeeded (see `placeWrites`). */
  readonly commit?: boolean
}

/** Runs `commands` in the current read-write transaction (on `db.all`, or for sends on `sendStores`; see the module's comment and `BatchOptions`). */
export async function writeBatch(db: ChatDatabase, commands: readonly Command[], config: ChatConfig, options: BatchOptions = {}): Promise<BatchResult> {
  const { assumeIdsNew = false, resent = false, known = new KnownRows(), staged = new Map<string, StagedBytes>(), commit = false } = options
  const trans = Dexie.currentTransaction?.idbtrans
  if (!trans) throw new Error('writeBatch runs inside a read-write transaction')
  // Everything the batch reads is known: it plans and writes at once, and one read placed
  // before its writes checks that the sequence is still where this engine left it.
  const remembered = assumeIdsNew && !resent ? fromMemory(db, commands, known) : undefined
  if (!remembered) {
    const touched = await readTouched(db, commands, assumeIdsNew, resent, known)
    return runBatch(db, trans, commands, config, touched, staged, commit)
  }
  const check = checkSequence(trans, remembered.meta.counters.seq)
  try {
    const result = await runBatch(db, trans, commands, config, remembered, staged, commit)
    await check.answered // a batch that wrote nothing may finish first
    if (check.stale) throw new StaleRowsError()
    return result
  } catch (error) {
    throw check.stale ? new StaleRowsError() : error
  }
}

async function runBatch(
  db: ChatDatabase,
  trans: IDBTransaction,
  commands: readonly Command[],
  config: ChatConfig,
  touched: Touched,
  staged: ReadonlyMap<string, StagedBytes>,
  commit: boolean,
): Promise<BatchResult> {
  const batch = new Batch(config, touched, await completeCounters(db, touched.meta.counters))
  for (const command of commands) batch.plan(command)
  batch.countNewMessages()
  // The reads and writes of the steps are awaited here, each only when there is something to
  // do: an await that settles without Dexie (an async step with nothing to do, a native
  // `.then`) leaves Dexie's transaction zone, and what follows would run outside the transaction.
  const removed = batch.removedIds()
  if (removed.length > 0) await db.messages.bulkDelete(removed)
  const trim = batch.planTrim()
  if (trim > 0) {
    const oldest = await threadRange(db, MAIN_THREAD).limit(trim).toArray()
    await db.messages.bulkDelete(oldest.map((row) => row.id))
    batch.trimmedStored(oldest)
  }
  const added = batch.topicsAdded()
  if (added) {
    // The stored rows of the words counted and of the leaders (and, to fold, of every word added so far).
    const words = [...new Set([...added.words, ...batch.commonTopics])]
    const unknown = words.filter((word) => !touched.topics.has(word))
    const read = unknown.length > 0 ? await db.topics.bulkGet(unknown) : []
    const readCounts = new Map(unknown.map((word, i) => [word, read[i]?.count ?? 0]))
    batch.countTopics(words, added.deltas, (word) => touched.topics.get(word) ?? readCounts.get(word) ?? 0)
  }
  const orphaned = batch.orphanedThreads()
  const headers = batch.headers(orphaned, orphaned.length === 0 ? [] : await Promise.all(orphaned.map((thread) => threadRange(db, thread).last())))
  const carried = batch.carriedAttachments()
  const deleted = batch.deletedWithAttachments()
  let attachments = NOTHING_FREED
  if (carried.size > 0 || deleted.length > 0) {
    attachments = await updateAttachmentRows(db, carried, deleted, staged)
    batch.countAttachmentBytes(attachments.bytes)
  }
  await batch.write(trans, headers, commit)
  return { ...batch.result(headers), freed: attachments.freed }
}

/** The stored rows a batch may touch, read before it plans. */
interface Touched {
  readonly tickets: ReadonlyArray<TicketRow | undefined>
  readonly messages: ReadonlyArray<MessageRow | undefined>
  readonly meta: Meta
  readonly applied: ReadonlyArray<{ id: string } | undefined>
  /** The stored headers of the threads the commands may touch (absent ones: null). */
  readonly threads: ReadonlyMap<ThreadId, ThreadSummary | null>
  /** The stored drafts the commands may read (absent ones: null). */
  readonly drafts: ReadonlyMap<ThreadId, DraftRow | null>
  /** The topic counts known from this engine's earlier commits. */
  readonly topics: ReadonlyMap<string, number>
  /** The ids of the tickets `createTicket` commands create: added, unless stored already. */
  readonly created: ReadonlySet<string>
}

/**
 * Reads everything the commands may touch, in parallel. Headers and drafts this engine knows
 * are not read: the single rows are read alone first, and the known rows taken when the
 * sequence they hold is still this engine's (else they are read after all).
 */
async function readTouched(db: ChatDatabase, commands: readonly Command[], assumeIdsNew: boolean, resent: boolean, known: KnownRows): Promise<Touched> {
  const keys: Keys = { tickets: new Set(), messages: new Set(), threads: new Set(), sent: new Set(), commands: [], created: new Set() }
  for (const command of commands) collectKeys(command, keys, resent)
  const read = [...keys.messages]
  if (!assumeIdsNew) for (const id of keys.sent) if (!keys.messages.has(id)) read.push(id)
  // Tickets taken for new: neither they nor their threads are read, whichever command names them.
  const notNew = (id: string) => !assumeIdsNew || !keys.created.has(id)
  const threadIds = [...keys.threads].filter(notNew)
  const draftIds = draftThreads(commands)
  // The main chat's header is in the counters row: taken from the read of the single rows.
  const readRows = (counters: Counters | Promise<Counters>) =>
    Promise.all([readHeaders(db, threadIds, counters), draftIds === 'all' ? db.drafts.toArray() : readMany(db.drafts, draftIds)])
  const fromMemory = draftIds !== 'all' && known.holds(db, threadIds, draftIds)
  const metaRead = readMeta(db)
  const [tickets, messages, meta, applied, rows] = await Promise.all([
    readMany(db.tickets, [...keys.tickets].filter(notNew)),
    readMany(db.messages, read),
    metaRead,
    readMany(db.applied, assumeIdsNew ? [] : keys.commands),
    fromMemory ? undefined : readRows(countersOf(metaRead)),
  ])
  const seen = known.known(db, meta.counters.seq)
  const [threadRows, draftRows] = rows ?? (known.holds(db, threadIds, draftIds as ThreadId[]) ? [undefined, undefined] : await readRows(meta.counters))
  const threads = new Map(threadIds.map((id, i) => [id, threadRows ? (threadRows[i] ?? null) : seen.threads.get(id)!]))
  const drafts = new Map<ThreadId, DraftRow | null>()
  if (draftIds === 'all') for (const row of draftRows as DraftRow[]) drafts.set(row.thread, row)
  else draftIds.forEach((thread, i) => drafts.set(thread, draftRows ? (draftRows[i] ?? null) : seen.drafts.get(thread)!))
  return { tickets, messages, meta, applied, threads, drafts, topics: seen.topics, created: keys.created }
}

/**
 * The rows a batch touches, all from memory, or undefined when it needs one that this engine
 * does not know: a ticket, a stored message, an applied id, a header or draft it has not
 * seen, or every draft. Unchecked: the caller checks the sequence (`checkSequence`).
 */
function fromMemory(db: ChatDatabase, commands: readonly Command[], known: KnownRows): Touched | undefined {
  const remembered = known.remembered(db)
  if (!remembered) return undefined
  const keys: Keys = { tickets: new Set(), messages: new Set(), threads: new Set(), sent: new Set(), commands: [], created: new Set() }
  for (const command of commands) collectKeys(command, keys, false)
  if (keys.messages.size > 0 || [...keys.tickets].some((id) => !keys.created.has(id))) return undefined
  const threadIds = [...keys.threads].filter((id) => !keys.created.has(id))
  const draftIds = draftThreads(commands)
  if (draftIds === 'all' || !known.holds(db, threadIds, draftIds)) return undefined
  return {
    tickets: [],
    messages: [],
    meta: remembered.meta,
    applied: [],
    threads: new Map(threadIds.map((id) => [id, remembered.threads.get(id)!])),
    drafts: new Map(draftIds.map((id) => [id, remembered.drafts.get(id)!])),
    topics: remembered.topics,
    created: keys.created,
  }
}

/** The answer of a read of the stored sequence (see `checkSequence`). */
interface SequenceCheck {
  /** Whether the stored sequence was not the one expected (the transaction is then rolled back). */
  readonly stale: boolean
  /** Settles once the read answered. */
  readonly answered: Promise<void>
}

/**
 * Reads the stored sequence as the first request of `trans` (a native one, placed now, so it
 * comes before every write the batch makes) and rolls the transaction back when it is not `seq`.
 */
function checkSequence(trans: IDBTransaction, seq: number): SequenceCheck {
  const request = trans.objectStore('meta').get('counters') as IDBRequest<MetaRow | undefined>
  const check = {
    stale: false,
    answered: new Promise<void>((resolve) => {
      request.onsuccess = () => {
        const row = request.result
        if (row?.key !== 'counters' || row.value.seq !== seq) {
          check.stale = true
          try {
            trans.abort()
          } catch {
            // Finished already: the batch's own failure is reported.
          }
        }
        resolve()
      }
      request.onerror = () => resolve() // the transaction fails, and the batch with it
    }),
  }
  return check
}

/**
 * One batch on its way through the steps of `writeBatch`: the rows as the commands planned
 * so far leave them, what is to be written and deleted, and the changes for the feed.
 */
class Batch {
  readonly #config: ChatConfig
  readonly #touched: Touched
  // The rows as the commands planned so far leave them.
  readonly #tickets = new Map<string, TicketRecord>()
  readonly #messages = new Map<string, MessageRecord & { readonly command?: string }>() // stored rows keep the id of the send that wrote them
  readonly #threads: ThreadTally
  readonly #drafts: Map<ThreadId, string>
  readonly #applied: Set<string>
  /** The send command planned now (its rows keep its id), if the command is a send. */
  #sender: string | undefined
  /** Ids of the sends whose rows this batch trims or deletes: recorded in `applied`. */
  readonly #goneSends = new Set<string>()
  #userContext: UserChatContext
  #view: ViewState
  #counters: CompleteCounters
  #seq: number
  readonly #context: PlanContext
  /** Message rows that exist: they are put; every other row is added. */
  readonly #stored: ReadonlySet<string>
  /** Created tickets not stored: added; every other ticket row is put. */
  readonly #newTickets: Set<string>
  // What the batch does.
  readonly #changes: Change[] = []
  readonly #ticketChangeAt = new Map<string, number>() // where each ticket's change is in #changes
  readonly #done: string[] = []
  readonly #newlyApplied: Array<{ id: string; at: number }> = [] // commands whose ids are kept
  #newestAt = 0 // the time of the batch's newest command
  readonly #refused: CommandOutcome[] = []
  readonly #written = new Map<string, MessageRow>() // the last version of each message row the batch writes
  readonly #draftWrites = new Map<ThreadId, DraftRow>() // the last draft change of each thread ('' deletes)
  readonly #outbox: OutboxRow[] = [] // new outbox entries, in order
  readonly #removedRows = new Map<string, ThreadId>() // stored messages the batch deletes, by thread
  readonly #deletedWithAttachments: string[] = [] // stored messages with attachments that the batch deletes or trims
  readonly #newMainIds: string[] = [] // new main-chat messages, oldest first
  readonly #addedMain = new Set<string>() // the same ids, while they are to be written
  readonly #userTexts: string[] = [] // of new user messages, for the topics
  readonly #dropped = new Set<string>() // new rows trimmed before they were written
  readonly #trimmed = new Set<string>() // stored rows trimmed: an update of one in this batch is not written either
  readonly #topicWrites = new Map<string, number>() // the topic rows to write
  readonly #topicRows = new Map<string, number>() // the topic rows' counts as the batch leaves them (read or written)
  #newMessages = 0
  #lastActivity = Number.NEGATIVE_INFINITY // the newest main-chat message: it moves the view's (clients derive the same)
  #activityMoved = false // kept in the counters row, not in the view's (see `Counters.lastActivity`)
  #contextChanged = false
  #viewChanged = false
  #countersChanged = false

  constructor(config: ChatConfig, touched: Touched, counters: CompleteCounters) {
    this.#config = config
    for (const row of touched.tickets) if (row) this.#tickets.set(row.id, row)
    this.#newTickets = new Set([...touched.created].filter((id) => !this.#tickets.has(id)))
    for (const row of touched.messages) if (row) this.#messages.set(row.id, row)
    this.#stored = new Set(this.#messages.keys())
    this.#threads = new ThreadTally(touched.threads.values())
    this.#drafts = new Map([...touched.drafts].flatMap(([thread, row]) => (row ? [[thread, row.text] as const] : [])))
    this.#touched = touched
    this.#applied = new Set(touched.applied.flatMap((row) => (row ? [row.id] : [])))
    this.#userContext = touched.meta.userContext
    this.#view = touched.meta.view
    this.#counters = counters
    this.#seq = counters.seq
    const batch = this
    this.#context = {
      config,
      get userContext() {
        return batch.#userContext
      },
      get view() {
        return batch.#view
      },
      ticket: (id) => this.#tickets.get(id),
      thread: (id) => this.#threads.get(id),
      message: (id) => this.#messages.get(id),
      draft: (thread) => this.#drafts.get(thread) ?? '',
      draftThreads: () => [...this.#drafts].flatMap(([thread, text]) => (text === '' ? [] : [thread])),
    }
  }

  /** Plans one command against the rows as the earlier commands of the batch left them; an applied id is done already. */
  plan(command: Command): void {
    this.#newestAt = Math.max(this.#newestAt, command.at)
    if (this.#applied.has(command.commandId)) {
      this.#done.push(command.commandId)
      return
    }
    let planned: Change[]
    try {
      planned = planCommand(command, this.#context)
    } catch (error) {
      this.#refused.push({ commandId: command.commandId, error: toSerializedError(error) })
      return
    }
    this.#sender = SENDS.has(command.kind) ? command.commandId : undefined
    if (command.sync === true) planned = this.#queueDeliveries(command.commandId, planned)
    for (const change of planned) this.#take(change)
    if (!KEYED_BY_ROW.has(command.kind)) {
      this.#applied.add(command.commandId)
      this.#newlyApplied.push({ id: command.commandId, at: command.at })
    }
    this.#done.push(command.commandId)
  }

  /**
   * Sync is on for this command: its new user messages and its ticket changes go into the
   * outbox, in this transaction. Runs before the changes are taken, so it sees the rows as
   * they were. Answers the changes with the new user messages marked `pending`.
   */
  #queueDeliveries(commandId: string, planned: Change[]): Change[] {
    let suffix = 0
    return planned.map((change) => {
      if (change.type === 'message' && change.record.message.sender === 'user' && !this.#messages.has(change.record.message.id)) {
        const { delivery: _, ...bare } = change.record.message
        const { thread } = change.record
        this.#queue({ id: bare.id, thread, change: { kind: 'message', id: bare.id, thread, message: bare } })
        return change.record.message.delivery === 'pending' ? change : { type: 'message', record: { ...change.record, message: { ...bare, delivery: 'pending' } } }
      }
      if (change.type === 'ticket') {
        const before = this.#tickets.get(change.record.id)
        const { seq: _, ...ticket } = change.record
        const changed = before ? TICKET_FIELD_GROUPS.filter((group) => !sameValue(groupValues(before, [group])[group], groupValues(ticket, [group])[group])) : TICKET_FIELD_GROUPS
        if (changed.length === 0) return change // touched only (a message into it)
        const id = suffix++ === 0 ? commandId : `${commandId}:${suffix}`
        this.#queue({ id, thread: ticket.id, change: { kind: 'ticket', id, ticket, changed, base: before ? groupValues(before, changed) : null } })
      }
      return change
    })
  }

  #queue(entry: Omit<OutboxRow, 'seq' | 'state' | 'change'> & { change: DistributiveOmit<SyncChange, 'seq'> }): void {
    const seq = ++this.#seq
    const row: OutboxRow = { ...entry, seq, state: 'pending', change: { ...entry.change, seq } as SyncChange }
    this.#outbox.push(row)
    this.#changes.push({ type: 'outbox', entry: row })
  }

  #take(change: Change): void {
    switch (change.type) {
      case 'message':
        return this.#message(change.record)
      case 'ticket':
        return this.#ticket(change.record)
      case 'messageDeleted':
        return this.#messageDeleted(change)
      case 'userContext':
        this.#userContext = change.context
        this.#contextChanged = true
        break
      case 'view':
        this.#view = change.view
        this.#viewChanged = true
        break
      case 'thread':
        this.#threads.set(change.summary) // a read marker; the header goes out with the others at the end
        return
      case 'draft':
        this.#drafts.set(change.record.thread, change.record.text)
        this.#draftWrites.set(change.record.thread, change.record)
        break
      default:
        break // the planner makes no other kinds
    }
    this.#changes.push(change)
  }

  #message({ thread, message }: MessageRecord): void {
    const known = this.#messages.get(message.id)
    const command = this.#sender ?? known?.command
    // An update that keeps the text (a delivery state) keeps its search keys: they depend on the text and the time only.
    const keys = (known as MessageRow | undefined)?.words
    const kept = keys !== undefined && known!.message.content === message.content && known!.message.timestamp === message.timestamp
    const row: MessageRow = {
      id: message.id,
      thread,
      seq: known?.seq ?? ++this.#seq,
      message,
      words: kept ? keys : searchWords(message),
      ...(command !== undefined ? { command } : {}),
    }
    this.#messages.set(row.id, row)
    this.#written.set(row.id, row)
    // The feed's record leaves the search keys out: clients never read them.
    this.#changes.push({ type: 'message', record: { thread, seq: row.seq, message } })
    if (thread === MAIN_THREAD && message.timestamp > this.#lastActivity) this.#lastActivity = message.timestamp
    if (known) {
      this.#threads.updated(row)
      // A voice message's transcript arrived: its text counts for the topics now, once.
      if (message.sender === 'user' && known.message.content === '' && message.content !== '') this.#userTexts.push(message.content)
      return
    }
    this.#threads.added(row)
    this.#newMessages++
    if (thread === MAIN_THREAD) {
      this.#newMainIds.push(row.id)
      this.#addedMain.add(row.id)
    }
    if (message.sender === 'user') this.#userTexts.push(message.content)
  }

  #ticket(planned: TicketRecord): void {
    const before = this.#tickets.get(planned.id)
    const record: TicketRecord = { ...planned, seq: before?.seq ?? ++this.#seq }
    this.#tickets.set(record.id, record)
    // One feed entry per ticket, at its first place, holding its last version: a burst
    // of messages into a ticket touches it once per message, and records are whole.
    const at = this.#ticketChangeAt.get(record.id)
    if (at === undefined) {
      this.#ticketChangeAt.set(record.id, this.#changes.length)
      this.#changes.push({ type: 'ticket', record })
    } else {
      this.#changes[at] = { type: 'ticket', record }
    }
    const delta = resolutionDelta(before, record)
    const active = (isActive(record.status) ? 1 : 0) - (before && isActive(before.status) ? 1 : 0)
    if (delta.count !== 0 || delta.time !== 0 || active !== 0) {
      this.#count({
        resolvedTickets: this.#counters.resolvedTickets + delta.count,
        resolutionTimeSum: this.#counters.resolutionTimeSum + delta.time,
        activeTickets: this.#counters.activeTickets + active,
      })
    }
  }

  /** A superseded suggestion. One written earlier in this batch is simply not written. */
  #messageDeleted(change: Extract<Change, { type: 'messageDeleted' }>): void {
    const gone = this.#messages.get(change.id)
    if (gone?.command !== undefined) this.#goneSends.add(gone.command)
    if (gone?.seq !== undefined) this.#threads.removed({ thread: gone.thread, seq: gone.seq, message: gone.message })
    this.#messages.delete(change.id)
    this.#written.delete(change.id)
    if (this.#stored.has(change.id)) this.#removedRows.set(change.id, change.thread)
    if (gone?.message.attachments !== undefined) this.#deletedWithAttachments.push(change.id)
    if (this.#addedMain.delete(change.id)) this.#newMainIds.splice(this.#newMainIds.indexOf(change.id), 1)
    this.#changes.push(change)
  }

  #count(counters: Partial<CompleteCounters>): void {
    this.#counters = { ...this.#counters, ...counters }
    this.#countersChanged = true
  }

  #setMainCount(mainCount: number): void {
    if (mainCount !== this.#counters.mainCount) this.#count({ mainCount })
  }

  /**
   * The message total, and the view's last activity moved by the newest main-chat message:
   * stored in the counters row, which a batch of new messages writes anyway (the view's row
   * is written only when something else in it changes; `readMeta` takes the later of the two).
   */
  countNewMessages(): void {
    if (this.#newMessages > 0) this.#count({ totalMessages: this.#counters.totalMessages + this.#newMessages })
    if (this.#lastActivity > this.#view.lastActivity) {
      this.#view = { ...this.#view, lastActivity: this.#lastActivity }
      this.#count({ lastActivity: this.#lastActivity })
      this.#activityMoved = true
    }
  }

  /** The stored messages the commands delete (superseded suggestions); deleted first, so that trimming counts and picks among the rows that stay. */
  removedIds(): string[] {
    let removedMain = 0
    for (const thread of this.#removedRows.values()) if (thread === MAIN_THREAD) removedMain++
    this.#setMainCount(this.#counters.mainCount - removedMain)
    return [...this.#removedRows.keys()]
  }

  /**
   * Trims the main chat to its limit: the oldest go first, and new messages already too old
   * are never written. Answers how many stored rows go (the caller reads and deletes them,
   * then calls `trimmedStored`).
   */
  planTrim(): number {
    const added = this.#newMainIds
    if (added.length === 0) return 0
    const stored = this.#counters.mainCount
    const excess = stored + added.length - this.#config.maxMainChatMessages
    const fromStore = Math.max(0, Math.min(excess, stored))
    for (const id of added.slice(0, Math.max(0, excess - fromStore))) {
      this.#dropped.add(id)
      const row = this.#written.get(id)
      if (row) this.#threads.removed(row)
      if (row?.command !== undefined) this.#goneSends.add(row.command)
    }
    this.#setMainCount(stored + added.length - this.#dropped.size - fromStore)
    return fromStore
  }

  /** The oldest stored main-chat rows, deleted. */
  trimmedStored(rows: readonly MessageRow[]): void {
    for (const row of rows) {
      // A stored row taken for new (a retried send): the add that would have said so is
      // skipped for trimmed rows, so say it here and let the batch run again, checked.
      if (this.#addedMain.has(row.id)) throw new ExistingRowError(`message ${row.id} exists already`)
      this.#threads.removed(row)
      this.#trimmed.add(row.id)
      if (row.command !== undefined) this.#goneSends.add(row.command)
      if (row.message.attachments !== undefined) this.#deletedWithAttachments.push(row.id)
      this.#changes.push({ type: 'messageDeleted', id: row.id, thread: MAIN_THREAD })
    }
  }

  /**
   * The topic words of the new user messages, counted and added to those not yet written to
   * their rows (`Counters.topicDeltas`), and the words whose stored rows the counting needs:
   * the new ones, or every one added when the rows are to be written now. Undefined when
   * the batch adds no words.
   */
  topicsAdded(): { readonly deltas: Map<string, number>; readonly words: Iterable<string> } | undefined {
    if (this.#userTexts.length === 0) return undefined
    const fresh = new Map<string, number>()
    countTopics(this.#userTexts, fresh)
    if (fresh.size === 0) return undefined
    const deltas = new Map(Object.entries(this.#counters.topicDeltas ?? {}))
    for (const [word, count] of fresh) deltas.set(word, (deltas.get(word) ?? 0) + count)
    return { deltas, words: deltas.size > FOLD_TOPICS ? deltas.keys() : fresh.keys() }
  }

  /** The top topics before this batch's words were counted. */
  get commonTopics(): readonly string[] {
    return this.#counters.commonTopics
  }

  /**
   * Keeps the new top topics and the counts not yet written (`deltas`, see `topicsAdded`),
   * or writes them to their rows once they are many. Counts only grow, so the new leaders
   * are among the old ones and the words just counted (`words`): no other word can pass the
   * five that ranked above it. `stored` answers the count in the row of each of `words`.
   */
  countTopics(words: readonly string[], deltas: ReadonlyMap<string, number>, stored: (word: string) => number): void {
    for (const word of words) this.#topicRows.set(word, stored(word))
    const counts = new Map(words.map((word) => [word, stored(word) + (deltas.get(word) ?? 0)]))
    const commonTopics = topTopics(counts)
    if (deltas.size <= FOLD_TOPICS) return this.#count({ commonTopics, topicDeltas: Object.fromEntries(deltas) })
    for (const word of deltas.keys()) {
      this.#topicWrites.set(word, counts.get(word)!)
      this.#topicRows.set(word, counts.get(word)!)
    }
    const { topicDeltas: _written, ...counters } = this.#counters
    this.#counters = { ...counters, commonTopics }
    this.#countersChanged = true
  }

  /** The messages the batch writes that carry attachments, with their attachment ids. */
  carriedAttachments(): Map<string, readonly string[]> {
    const carried = new Map<string, readonly string[]>()
    for (const row of this.#written.values()) {
      const { attachments } = row.message
      if (attachments === undefined || this.#dropped.has(row.id) || this.#trimmed.has(row.id)) continue
      carried.set(row.id, attachments.map((attachment) => attachment.id))
    }
    return carried
  }

  /** The messages with attachments that the batch deletes (their rows let go of them). */
  deletedWithAttachments(): readonly string[] {
    return this.#deletedWithAttachments
  }

  /** The stored attachments' total moved by `bytes`. */
  countAttachmentBytes(bytes: number): void {
    if (bytes !== 0) this.#count({ attachmentBytes: (this.#counters.attachmentBytes ?? 0) + bytes })
  }

  /** Changed threads whose newest message was deleted: the caller reads their newest stored row. */
  orphanedThreads(): ThreadId[] {
    return this.#threads.orphaned()
  }

  /** The changed thread headers, final; `newestStored[i]` is the newest stored row of `orphaned[i]`. */
  headers(orphaned: readonly ThreadId[], newestStored: ReadonlyArray<MessageRow | undefined>): ThreadSummary[] {
    return this.#threads.final(orphaned, newestStored, this.#written, this.#dropped, this.#trimmed)
  }

  /**
   * Writes the final version of every touched row once, placed on `trans` (see
   * place-writes.ts); the promise settles once they succeeded. A batch that writes anything
   * without taking a number from the sequence moves it by one: other engines then know that
   * the rows they remember may have changed (see KnownRows).
   */
  write(trans: IDBTransaction, changed: readonly ThreadSummary[], commit: boolean): Promise<void> {
    const messageAdds: MessageRow[] = []
    const messagePuts: MessageRow[] = []
    for (const row of this.#written.values()) {
      if (this.#dropped.has(row.id) || this.#trimmed.has(row.id)) continue
      if (this.#stored.has(row.id) && !this.#removedRows.has(row.id)) messagePuts.push(row)
      else messageAdds.push(row)
    }
    const ticketAdds: TicketRow[] = []
    const ticketPuts: TicketRow[] = []
    for (const at of this.#ticketChangeAt.values()) {
      const row = (this.#changes[at] as Extract<Change, { type: 'ticket' }>).record as TicketRow
      if (this.#newTickets.has(row.id)) ticketAdds.push(row)
      else ticketPuts.push(row)
    }
    const metaPuts: MetaRow[] = []
    if (this.#contextChanged) metaPuts.push({ key: 'userContext', value: this.#userContext })
    if (this.#viewChanged) metaPuts.push({ key: 'view', value: this.#view })
    const applied = this.#newlyApplied
    // Sends whose rows go: recorded now, at the time of the batch's newest command (cleanup
    // prunes by it). Put, not added: the rows of one `sendMessages` may go in different batches.
    const goneSends = [...this.#goneSends].map((id) => ({ id, at: this.#newestAt }))
    const writes =
      messageAdds.length + messagePuts.length + ticketAdds.length + ticketPuts.length + metaPuts.length + applied.length + goneSends.length +
      changed.length + this.#topicWrites.size + this.#draftWrites.size + this.#outbox.length + this.#removedRows.size + this.#trimmed.size
    if (writes > 0 && this.#seq === this.#counters.seq) this.#seq++
    // The main chat's header goes into the counters row (`Counters.main`), which a change of it always writes (it moves the sequence).
    if (this.#countersChanged || this.#seq !== this.#counters.seq) metaPuts.push({ key: 'counters', value: this.#storedCounters(changed) })
    const drafts = [...this.#draftWrites.values()]
    // Rows taken for new are added, not put: one that exists fails, and the batch runs again, checked (`assumeIdsNew`).
    return placeWrites(
      trans,
      [
        ['messages', 'add', messageAdds],
        ['messages', 'put', messagePuts],
        ['tickets', 'add', ticketAdds],
        ['tickets', 'put', ticketPuts],
        ['meta', 'put', metaPuts],
        ['applied', 'add', applied],
        ['applied', 'put', goneSends],
        ['threads', 'put', changed.filter((summary) => summary.id !== MAIN_THREAD)],
        ['topics', 'put', [...this.#topicWrites].map(([word, count]) => ({ word, count }))],
        ['drafts', 'delete', drafts.filter((draft) => draft.text === '').map((draft) => draft.thread)],
        ['drafts', 'put', drafts.filter((draft) => draft.text !== '')],
        ['outbox', 'add', this.#outbox],
      ],
      (store) => new ExistingRowError(`a ${store} row taken for new exists already`),
      commit,
    )
  }

  /**
   * The changes for the feed and the commands' outcomes. Messages written and trimmed in this
   * same batch never reach the feed; clients derive `lastActivity` from the messages they get,
   * so when one of those moved it (a clock that went back between them), the view goes out as stored.
   */
  result(headers: readonly ThreadSummary[]): BatchResult {
    const dropped = this.#dropped
    const feed = dropped.size === 0 ? this.#changes : this.#changes.filter((c) => c.type !== 'message' || !dropped.has(c.record.message.id))
    if (dropped.size > 0 && this.#activityMoved) feed.push({ type: 'view', view: this.#view })
    for (const summary of headers) feed.push({ type: 'thread', summary })
    if (this.#countersChanged) {
      const counters = this.#counters
      feed.push({ type: 'analytics', analytics: computeAnalytics(counters, counters.activeTickets, counters.commonTopics) })
    }
    return { changes: feed, done: this.#done, refused: this.#refused, seq: this.#seq, rows: this.#rowsSeen(headers), freed: [] }
  }

  /** The topic counts, headers and drafts as the batch read or left them. */
  #rowsSeen(headers: readonly ThreadSummary[]): RowsSeen {
    const threads = new Map(this.#touched.threads)
    for (const summary of headers) threads.set(summary.id, summary)
    const drafts = new Map(this.#touched.drafts)
    for (const row of this.#draftWrites.values()) drafts.set(row.thread, row.text === '' ? null : row)
    return { topics: this.#topicRows, threads, drafts, meta: { userContext: this.#userContext, view: this.#view, counters: this.#storedCounters(headers) } }
  }

  /** The counters row as the batch leaves it, with the main chat's header when the batch changed it (among `headers`). */
  #storedCounters(headers: readonly ThreadSummary[]): CompleteCounters {
    const main = headers.find((summary) => summary.id === MAIN_THREAD)
    return main ? { ...this.#counters, seq: this.#seq, main } : { ...this.#counters, seq: this.#seq }
  }
}

/**
 * The threads whose draft rows the commands may read: those they send to or set a draft of,
 * or every one (`'all'`) when `clearUserData` is among them (drafts are few).
 */
function draftThreads(commands: readonly Command[]): ThreadId[] | 'all' {
  const threads = new Set<ThreadId>()
  for (const command of commands) {
    if (command.kind === 'clearUserData') return 'all'
    if (command.kind === 'sendMessage' || command.kind === 'sendMessages' || command.kind === 'setDraft') threads.add(command.thread)
  }
  return [...threads]
}

/** The keys the commands of a batch read. */
interface Keys {
  readonly tickets: Set<string>
  readonly messages: Set<string>
  readonly threads: Set<ThreadId>
  /** The ids of the messages the commands send (not read when the batch takes them for new). */
  readonly sent: Set<string>
  /** The ids of commands that are kept once applied (not read when the batch takes them for new). */
  readonly commands: string[]
  /** The tickets `createTicket` creates (not read, nor their threads, when the batch takes them for new). */
  readonly created: Set<string>
}

/** Adds the keys `command` reads to `keys`. */
function collectKeys(command: Command, keys: Keys, resent: boolean): void {
  const { tickets, messages, threads, sent } = keys
  if (resent || !KEYED_BY_ROW.has(command.kind)) keys.commands.push(command.commandId)
  switch (command.kind) {
    case 'sendMessage':
      sent.add(command.message.id)
      threads.add(command.thread)
      if (command.thread !== MAIN_THREAD) tickets.add(command.thread)
      return
    case 'sendMessages':
      for (const message of command.messages) sent.add(message.id)
      threads.add(command.thread)
      if (command.thread !== MAIN_THREAD) tickets.add(command.thread)
      return
    case 'createTicket':
      keys.created.add(command.ticketId)
      tickets.add(command.ticketId)
      threads.add(command.ticketId)
      if (command.initialMessage) sent.add(command.initialMessage.id)
      return
    case 'createTicketFromChatMessage':
      tickets.add(command.ticketId)
      threads.add(command.ticketId)
      threads.add(MAIN_THREAD)
      messages.add(command.messageId)
      messages.add(command.copyId)
      return
    case 'markRead':
      threads.add(command.thread)
      if (command.thread !== MAIN_THREAD) tickets.add(command.thread)
      return
    case 'setDraft': // its draft row is read by readDrafts
      if (command.thread !== MAIN_THREAD) tickets.add(command.thread)
      return
    case 'resolveTicket':
    case 'updateTicketStatus':
    case 'updateTicketPriority':
    case 'inheritContextToTicket':
      tickets.add(command.ticketId)
      return
    case 'selectTicket':
      if (command.ticketId !== null) tickets.add(command.ticketId)
      return
    case 'reply':
      threads.add(MAIN_THREAD)
      messages.add(command.message.id)
      for (const id of command.supersede ?? []) messages.add(id)
      return
    case 'putTicket':
      tickets.add(command.ticket.id)
      return
    case 'setDelivery':
    case 'setTranscript':
      messages.add(command.messageId)
      threads.add(command.thread)
      return
    default:
      return
  }
}
