/**
 * One batch of commands as one IndexedDB transaction: read the rows the commands touch,
 * plan each command (the same pure planner the client runs), stamp new rows with the
 * database sequence, trim the main chat, update counters and topics, write, and return
 * the changes for the change feed. Must run inside a read-write transaction on `db.all`.
 */
import { Dexie } from 'dexie'
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
  type TicketRecord,
  type UserChatContext,
  type ViewState,
} from '../src/core/protocol.js'
import { countTopics, topTopics } from '../src/core/topics.js'
import type { ChatDatabase, Counters, DraftRow, MessageRow, MetaRow, TicketRow } from './database.js'
import { completeCounters, readMany, readMeta } from './read-state.js'
import { ThreadTally } from './thread-tally.js'
import { searchWords } from '../src/core/search-words.js'

export interface BatchResult {
  readonly changes: Change[]
  readonly done: string[]
  readonly refused: CommandOutcome[]
}

/** Commands whose effect is keyed by a new row id are idempotent by that id alone. */
const KEYED_BY_ROW: ReadonlySet<Command['kind']> = new Set(['sendMessage', 'sendMessages'])

/**
 * Thrown when a message the batch took for new exists already (only with `assumeSentIdsNew`):
 * the transaction rolls back and the caller runs the batch again, checking every id.
 */
export class ExistingRowError extends Error {
  override readonly name = 'ExistingRowError'
}

/**
 * `assumeSentIdsNew`: take the ids of sent messages for new without reading them first. Fresh
 * ids are the rule (the client makes them); the rows are then added, not put, so an id
 * that exists after all fails the add (or turns up among the rows trimmed from the main
 * chat) and the batch throws `ExistingRowError` instead of overwriting. Reading 10,000 ids
 * that are not there costs as much as half the writing.
 */
export async function writeBatch(
  db: ChatDatabase,
  commands: readonly Command[],
  config: ChatConfig,
  assumeSentIdsNew = false,
): Promise<BatchResult> {
  // ── Read everything the batch may touch, in parallel.
  const ticketIds = new Set<string>()
  const messageIds = new Set<string>()
  const threadIds = new Set<ThreadId>()
  const sentIds = assumeSentIdsNew ? undefined : new Set<string>()
  const commandIds: string[] = []
  for (const command of commands) collectKeys(command, ticketIds, messageIds, threadIds, sentIds, commandIds)
  const read = [...messageIds]
  if (sentIds) for (const id of sentIds) if (!messageIds.has(id)) read.push(id)
  const [ticketRows, messageRows, meta, appliedRows, threadRows, draftRows] = await Promise.all([
    readMany(db.tickets, [...ticketIds]),
    readMany(db.messages, read),
    readMeta(db),
    readMany(db.applied, commandIds),
    readMany(db.threads, [...threadIds]),
    readDrafts(db, commands),
  ])
  const threads = new ThreadTally(threadRows)
  const tickets = new Map<string, TicketRecord>()
  for (const row of ticketRows) if (row) tickets.set(row.id, row)
  const messages = new Map<string, MessageRecord>()
  for (const row of messageRows) if (row) messages.set(row.id, row)
  const stored = new Set(messages.keys()) // rows that exist: put; every other row is added
  const applied = new Set(appliedRows.flatMap((row) => (row ? [row.id] : [])))
  const drafts = new Map(draftRows.map((row) => [row.thread, row.text]))
  const draftWrites = new Map<ThreadId, DraftRow>() // the last draft change of each thread ('' deletes)

  let userContext: UserChatContext = meta.userContext
  let view: ViewState = meta.view
  let counters: Required<Counters> = await completeCounters(db, meta.counters)
  let seq = counters.seq
  const ctx: PlanContext = {
    config,
    get userContext() {
      return userContext
    },
    get view() {
      return view
    },
    ticket: (id) => tickets.get(id),
    thread: (id) => threads.get(id),
    message: (id) => messages.get(id),
    draft: (thread) => drafts.get(thread) ?? '',
    draftThreads: () => [...drafts].flatMap(([thread, text]) => (text === '' ? [] : [thread])),
  }

  // ── Plan every command against the rows as the earlier commands of the batch left them.
  const changes: Change[] = []
  const ticketChangeAt = new Map<string, number>() // where each ticket's change is in `changes`
  const done: string[] = []
  const refused: CommandOutcome[] = []
  const newMainIds: string[] = []
  const written = new Map<string, MessageRow>() // the last version of each message row the batch writes
  const removedRows = new Map<string, ThreadId>() // stored messages the batch deletes, by thread
  const addedMain = new Set<string>() // ids of newMainIds, while they are to be written
  const userTexts: string[] = [] // of new user messages, for the topics
  let lastActivity = Number.NEGATIVE_INFINITY // the newest main-chat message: it moves the view's (clients derive the same)
  let contextChanged = false
  let viewChanged = false
  let countersChanged = false
  let newMessages = 0 // added to totalMessages once, after the loop
  for (const command of commands) {
    if (applied.has(command.commandId)) {
      done.push(command.commandId)
      continue
    }
    let planned: Change[]
    try {
      planned = planCommand(command, ctx)
    } catch (error) {
      refused.push({ commandId: command.commandId, error: toSerializedError(error) })
      continue
    }
    for (const change of planned) {
      switch (change.type) {
        case 'message': {
          const { thread, message } = change.record
          const known = messages.get(message.id)
          const row: MessageRow = { id: message.id, thread, seq: known?.seq ?? ++seq, message, words: searchWords(message) }
          messages.set(row.id, row)
          written.set(row.id, row)
          // The feed's record leaves the search keys out: clients never read them.
          changes.push({ type: 'message', record: { thread, seq: row.seq, message } })
          if (thread === MAIN_THREAD && message.timestamp > lastActivity) lastActivity = message.timestamp
          if (known) {
            threads.updated(row)
            break
          }
          threads.added(row)
          newMessages++
          if (thread === MAIN_THREAD) {
            newMainIds.push(row.id)
            addedMain.add(row.id)
          }
          if (message.sender === 'user') userTexts.push(message.content)
          break
        }
        case 'ticket': {
          const before = tickets.get(change.record.id)
          const record: TicketRecord = { ...change.record, seq: before?.seq ?? ++seq }
          tickets.set(record.id, record)
          // One feed entry per ticket, at its first place, holding its last version: a burst
          // of messages into a ticket touches it once per message, and records are whole.
          const at = ticketChangeAt.get(record.id)
          if (at === undefined) {
            ticketChangeAt.set(record.id, changes.length)
            changes.push({ type: 'ticket', record })
          } else {
            changes[at] = { type: 'ticket', record }
          }
          const delta = resolutionDelta(before, record)
          const active = (isActive(record.status) ? 1 : 0) - (before && isActive(before.status) ? 1 : 0)
          if (delta.count !== 0 || delta.time !== 0 || active !== 0) {
            counters = {
              ...counters,
              resolvedTickets: counters.resolvedTickets + delta.count,
              resolutionTimeSum: counters.resolutionTimeSum + delta.time,
              activeTickets: counters.activeTickets + active,
            }
            countersChanged = true
          }
          break
        }
        case 'userContext':
          userContext = change.context
          contextChanged = true
          changes.push(change)
          break
        case 'view':
          view = change.view
          viewChanged = true
          changes.push(change)
          break
        case 'messageDeleted': {
          // A superseded suggestion. One written earlier in this batch is simply not written.
          const gone = messages.get(change.id)
          if (gone?.seq !== undefined) threads.removed({ thread: gone.thread, seq: gone.seq, message: gone.message })
          messages.delete(change.id)
          written.delete(change.id)
          if (stored.has(change.id)) removedRows.set(change.id, change.thread)
          if (addedMain.delete(change.id)) newMainIds.splice(newMainIds.indexOf(change.id), 1)
          changes.push(change)
          break
        }
        case 'thread':
          threads.set(change.summary) // a read marker; the header goes out with the others below
          break
        case 'draft':
          drafts.set(change.record.thread, change.record.text)
          draftWrites.set(change.record.thread, change.record)
          changes.push(change)
          break
        default:
          changes.push(change) // the planner makes no other kinds
      }
    }
    if (!KEYED_BY_ROW.has(command.kind)) applied.add(command.commandId)
    done.push(command.commandId)
  }

  if (newMessages > 0) {
    counters = { ...counters, totalMessages: counters.totalMessages + newMessages }
    countersChanged = true
  }

  if (lastActivity > view.lastActivity) {
    view = { ...view, lastActivity }
    viewChanged = true
  }

  // ── Deletions first, so that trimming counts and picks among the rows that stay.
  let mainCount = counters.mainCount
  if (removedRows.size > 0) {
    await db.messages.bulkDelete([...removedRows.keys()])
    for (const thread of removedRows.values()) if (thread === MAIN_THREAD) mainCount--
  }

  // ── Trim the main chat: the oldest go first, and new messages already too old are never written.
  const dropped = new Set<string>() // new rows never written
  const trimmed = new Set<string>() // stored rows deleted: an update of one in this batch is not written either
  if (newMainIds.length > 0) {
    const mainRange = db.messages.where('[thread+seq]').between([MAIN_THREAD, Dexie.minKey], [MAIN_THREAD, Dexie.maxKey])
    const excess = mainCount + newMainIds.length - config.maxMainChatMessages
    if (excess > 0) {
      const fromStore = Math.min(excess, mainCount)
      const oldestRows = fromStore > 0 ? await mainRange.limit(fromStore).toArray() : []
      const oldest = oldestRows.map((row) => row.id)
      await db.messages.bulkDelete(oldest)
      for (const row of oldestRows) if (!addedMain.has(row.id)) threads.removed(row)
      for (const id of oldest) {
        // A stored row taken for new (a retried send): the add that would have said so is
        // skipped for trimmed rows, so say it here and let the batch run again, checked.
        if (addedMain.has(id)) throw new ExistingRowError(`message ${id} exists already`)
        trimmed.add(id)
        changes.push({ type: 'messageDeleted', id, thread: MAIN_THREAD })
      }
      for (const id of newMainIds.slice(0, excess - fromStore)) {
        dropped.add(id)
        const row = written.get(id)
        if (row) threads.removed(row)
      }
    }
    mainCount += newMainIds.length - dropped.size - trimmed.size
  }
  if (mainCount !== counters.mainCount) {
    counters = { ...counters, mainCount }
    countersChanged = true
  }

  // ── Write the final version of every touched row once.
  const messageAdds: MessageRow[] = []
  const messagePuts: MessageRow[] = []
  for (const row of written.values()) {
    if (dropped.has(row.id) || trimmed.has(row.id)) continue
    if (stored.has(row.id) && !removedRows.has(row.id)) messagePuts.push(row)
    else messageAdds.push(row)
  }
  const ticketPuts = new Map<string, TicketRow>()
  for (const change of changes) if (change.type === 'ticket') ticketPuts.set(change.record.id, change.record as TicketRow)
  if (userTexts.length > 0) {
    const deltas = new Map<string, number>()
    countTopics(userTexts, deltas)
    if (deltas.size > 0) {
      counters = { ...counters, commonTopics: await addTopics(db, deltas, counters.commonTopics) }
      countersChanged = true
    }
  }
  // ── Thread headers: where the newest message was deleted, the newest stored one takes its place.
  const orphaned = threads.orphaned()
  const newestStored =
    orphaned.length === 0 ? [] : await Promise.all(orphaned.map((thread) => db.messages.where('[thread+seq]').between([thread, Dexie.minKey], [thread, Dexie.maxKey]).last()))
  const headers = threads.final(orphaned, newestStored, written, dropped, trimmed)
  const metaPuts: MetaRow[] = []
  if (contextChanged) metaPuts.push({ key: 'userContext', value: userContext })
  if (viewChanged) metaPuts.push({ key: 'view', value: view })
  if (countersChanged || seq !== counters.seq) metaPuts.push({ key: 'counters', value: { ...counters, seq } })
  const newlyApplied = commands.filter((c) => !KEYED_BY_ROW.has(c.kind) && applied.has(c.commandId)).map((c) => ({ id: c.commandId, at: c.at }))
  await Promise.all([
    messageAdds.length > 0 && addMessages(db, messageAdds),
    messagePuts.length > 0 && db.messages.bulkPut(messagePuts),
    ticketPuts.size > 0 && db.tickets.bulkPut([...ticketPuts.values()]),
    metaPuts.length > 0 && db.meta.bulkPut(metaPuts),
    newlyApplied.length > 0 && db.applied.bulkPut(newlyApplied),
    headers.length > 0 && db.threads.bulkPut(headers),
    draftWrites.size > 0 && writeDrafts(db, [...draftWrites.values()]),
  ])

  // Messages written and trimmed in this same batch never reach the feed. Clients derive
  // `lastActivity` from the messages they get, so when one of those moved it (a clock that went
  // back between them), the view goes out as stored.
  const feed = dropped.size === 0 ? changes : changes.filter((c) => c.type !== 'message' || !dropped.has(c.record.message.id))
  if (dropped.size > 0 && viewChanged) feed.push({ type: 'view', view })
  for (const summary of headers) feed.push({ type: 'thread', summary })
  if (countersChanged) {
    feed.push({ type: 'analytics', analytics: computeAnalytics(counters, counters.activeTickets, counters.commonTopics) })
  }
  return { changes: feed, done, refused }
}

/** Adds rows; one that exists already turns into `ExistingRowError` (and rolls the transaction back). */
async function addMessages(db: ChatDatabase, rows: readonly MessageRow[]): Promise<void> {
  try {
    await db.messages.bulkAdd(rows)
  } catch (error) {
    const failures = error instanceof Dexie.BulkError ? Object.values(error.failuresByPos) : []
    if (failures.length > 0 && failures.every((failure) => failure.name === 'ConstraintError')) {
      throw new ExistingRowError(`${failures.length} message id(s) exist already`)
    }
    throw error
  }
}

/**
 * The draft rows the commands may read: those of the threads they send to or set a draft
 * of, or every one when `clearUserData` is among them (drafts are few).
 */
async function readDrafts(db: ChatDatabase, commands: readonly Command[]): Promise<DraftRow[]> {
  const threads = new Set<ThreadId>()
  for (const command of commands) {
    if (command.kind === 'clearUserData') return db.drafts.toArray()
    if (command.kind === 'sendMessage' || command.kind === 'sendMessages' || command.kind === 'setDraft') threads.add(command.thread)
  }
  const rows = await readMany(db.drafts, [...threads])
  return rows.filter((row) => row !== undefined)
}

/** Writes the drafts that have text and deletes the rows of those set to `''`. */
async function writeDrafts(db: ChatDatabase, drafts: readonly DraftRow[]): Promise<void> {
  const gone = drafts.filter((draft) => draft.text === '').map((draft) => draft.thread)
  const kept = drafts.filter((draft) => draft.text !== '')
  await Promise.all([gone.length > 0 && db.drafts.bulkDelete(gone), kept.length > 0 && db.drafts.bulkPut(kept)])
}

/**
 * The keys a command reads: tickets, messages, applied command ids, and the ids of the
 * messages it sends (`sent`, left out when the batch trusts them to be new).
 */
function collectKeys(
  command: Command,
  tickets: Set<string>,
  messages: Set<string>,
  threads: Set<ThreadId>,
  sent: Set<string> | undefined,
  commandIds: string[],
): void {
  if (!KEYED_BY_ROW.has(command.kind)) commandIds.push(command.commandId)
  switch (command.kind) {
    case 'sendMessage':
      sent?.add(command.message.id)
      threads.add(command.thread)
      if (command.thread !== MAIN_THREAD) tickets.add(command.thread)
      return
    case 'sendMessages':
      if (sent) for (const message of command.messages) sent.add(message.id)
      threads.add(command.thread)
      if (command.thread !== MAIN_THREAD) tickets.add(command.thread)
      return
    case 'createTicket':
      tickets.add(command.ticketId)
      threads.add(command.ticketId)
      if (command.initialMessage) messages.add(command.initialMessage.id)
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
    default:
      return
  }
}

/**
 * Adds the word counts and answers the new top topics. Counts only grow here, so the new
 * leaders are among the old ones and the words just counted: no other word can pass the
 * five that ranked above it. Reads exactly those rows, no index.
 */
async function addTopics(db: ChatDatabase, deltas: ReadonlyMap<string, number>, leaders: readonly string[]): Promise<string[]> {
  const words = [...new Set([...deltas.keys(), ...leaders])]
  const rows = await db.topics.bulkGet(words)
  const counts = new Map(words.map((word, i) => [word, (rows[i]?.count ?? 0) + (deltas.get(word) ?? 0)]))
  await db.topics.bulkPut([...deltas.keys()].map((word) => ({ word, count: counts.get(word)! })))
  return topTopics(counts)
}
