/**
 * The engine's side of sync: reading the outbox, recording how the server took its entries,
 * and applying the server's changes. Each write runs inside one read-write transaction over
 * every table (the engine opens it), so an entry leaves the outbox in the same commit as the
 * message that says `sent`, and a batch of server changes commits with its checkpoint.
 */
import { Dexie } from 'dexie'
import { checkCommand } from '../src/core/check-command.js'
import { ValidationError, toSerializedError } from '../src/core/errors.js'
import type { AttachmentInfo, Change, ChatConfig, Command, DeliveryUpdate, OutboxEntry, RemoteBatch, SerializedError, SyncState, TicketFields } from '../src/core/protocol.js'
import { groupValues, withGroupValues, type TicketFieldGroup } from '../src/core/sync.js'
import { withSafeMetadata } from '../src/core/attachments.js'
import type { ChatDatabase, OutboxRow, SyncRow } from './database.js'
import type { StagedBytes } from './attachment-rows.js'
import { writeBatch } from './write-batch.js'

/** The oldest `limit` pending entries, in order (failed ones wait for `retryDelivery`). */
export async function readOutbox(db: ChatDatabase, limit: number): Promise<OutboxEntry[]> {
  return db.outbox
    .orderBy('seq')
    .filter((row) => row.state === 'pending')
    .limit(limit)
    .toArray()
}

/** Sync begins: the stored replication id and checkpoint, or `replica` stored as the id (the first sync of this database). */
export async function beginSync(db: ChatDatabase, replica: string): Promise<SyncState> {
  const [stored, checkpoint] = await db.sync.bulkGet(['replica', 'checkpoint'])
  if (stored) return { replica: stored.value, checkpoint: checkpoint?.value ?? null }
  await db.sync.put({ key: 'replica', value: replica })
  return { replica, checkpoint: null }
}

/** Whether `db` is still the database sync began on with `replica` (`clearAllData` removes the id with everything else). */
async function sameReplica(db: ChatDatabase, replica: string): Promise<boolean> {
  return (await db.sync.get('replica'))?.value === replica
}

/** Records the server's answers: entries leave the outbox or change state, their messages say so, tickets take the server's version. */
export async function settleDelivery(db: ChatDatabase, updates: readonly DeliveryUpdate[], config: ChatConfig): Promise<Change[]> {
  const rows = await db.outbox.bulkGet(updates.map((update) => update.id))
  const changes: Change[] = []
  const deleted: string[] = []
  const put: OutboxRow[] = []
  const commands: Command[] = []
  const servers: Array<{ ticket: TicketFields; revision: string | undefined }> = []
  updates.forEach((update, i) => {
    const row = rows[i]
    if (!row) return // settled already: discarded meanwhile, or by another client of this database
    const message = row.change.kind === 'message' ? row.change.message : undefined
    const setDelivery = (delivery: 'sent' | 'failed' | 'pending' | null) => {
      if (message) commands.push(command({ kind: 'setDelivery', thread: row.thread, messageId: message.id, delivery }))
    }
    if (update.state === 'sent' || update.state === 'discarded') {
      deleted.push(row.id)
      changes.push({ type: 'outboxDeleted', id: row.id })
      setDelivery(update.state === 'sent' ? 'sent' : null)
      if (update.state === 'sent' && update.ticket) servers.push({ ticket: update.ticket, revision: update.revision })
      return
    }
    const { reason: _, ...rest } = row
    const next: OutboxRow = update.state === 'failed' ? { ...rest, state: 'failed', reason: update.reason } : { ...rest, state: 'pending' }
    put.push(next)
    changes.push({ type: 'outbox', entry: next })
    setDelivery(update.state)
  })
  if (deleted.length > 0) await db.outbox.bulkDelete(deleted)
  if (put.length > 0) await db.outbox.bulkPut(put)
  const revisions = new Map<string, { revision: string; ticket: TicketFields }>()
  for (const { ticket, revision } of servers) {
    // A newer version was pulled meanwhile (an agent wrote after this push): that one is the
    // server's, shown now with local values only for the changes still queued.
    const newer = revision === undefined ? undefined : await newerStored(db, ticket.id, revision)
    commands.push(command({ kind: 'putTicket', ticket: await keepQueued(db, newer ?? ticket) }))
    if (revision !== undefined && !newer) revisions.set(ticket.id, { revision, ticket })
  }
  if (commands.length === 0) return changes
  const checked = commands.map((c) => checkCommand(c, config))
  if (revisions.size > 0) await storeRevisions(db, revisions)
  const batch = await writeBatch(db, checked, config)
  return [...changes, ...batch.changes]
}

/**
 * Applies the server's changes: tickets first (a new ticket's messages need it), then
 * messages in order; stores the checkpoint. Nothing, and `cleared`, when the database was
 * cleared since sync began: the user's erasure wins over a pull that was on its way.
 */
export async function applyRemote(
  db: ChatDatabase,
  batch: RemoteBatch,
  config: ChatConfig,
  staged: ReadonlyMap<string, StagedBytes> = new Map(),
  skip: ReadonlySet<number> = new Set(),
): Promise<{ changes: Change[]; refused: Array<{ index: number; error: SerializedError }>; cleared: boolean; freed: readonly string[] }> {
  if (!(await sameReplica(db, batch.replica))) return { changes: [], refused: [], cleared: true, freed: [] }
  const refused: Array<{ index: number; error: SerializedError }> = []
  const tickets: Array<{ index: number; command: Command }> = []
  const revisions = new Map<string, { revision: string; ticket: TicketFields }>()
  const messages: Array<{ index: number; command: Command }> = []
  const latest = new Map<string, number>() // a ticket changed twice in a batch: its last version only
  batch.changes.forEach((change, index) => {
    if (change?.kind === 'ticket' && typeof change.ticket?.id === 'string') latest.set(change.ticket.id, index)
  })
  for (const [index, change] of batch.changes.entries()) {
    if (skip.has(index)) continue // refused before the transaction (its files could not be stored)
    try {
      if (change?.kind === 'ticket') {
        if (latest.get(change.ticket?.id) !== index) continue
        const revision = checkRevision(change.revision, `changes[${index}].revision`)
        const checked = checkCommand(command({ kind: 'putTicket', ticket: change.ticket }, batch.at), config) as Extract<Command, { kind: 'putTicket' }>
        // Older than the version stored (the merged version a push wrote after this one): not applied.
        if (revision !== undefined && (await newerStored(db, checked.ticket.id, revision))) continue
        if (revision !== undefined) revisions.set(checked.ticket.id, { revision, ticket: checked.ticket })
        tickets.push({ index, command: { ...checked, ticket: await keepQueued(db, checked.ticket) } })
      } else if (change?.kind === 'message') {
        const { delivery: _, ...given } = change.message ?? ({} as never)
        // A name or type the server gave is made safe, not refused (a desk's `Invoice 03/2026.pdf`).
        const message = given.attachments !== undefined ? { ...given, attachments: withSafeMetadata(given.attachments) as AttachmentInfo[] } : given
        if (message.attachments !== undefined && change.files === undefined) {
          // Without its files: only a message the device has already (its own, coming back).
          if (typeof message.id === 'string' && (await db.messages.get(message.id))) continue
          throw new ValidationError(`message ${String(message.id)}: its attachments came without their files`, { path: 'files' })
        }
        const files = change.files !== undefined ? { files: change.files } : {}
        messages.push({ index, command: checkCommand(command({ kind: 'sendMessage', thread: change.thread, message, ...files }, batch.at), config) })
      } else {
        throw new ValidationError(`change: must be a message or a ticket, got ${String((change as { kind?: unknown })?.kind)}`)
      }
    } catch (error) {
      refused.push({ index, error: toSerializedError(error) })
    }
  }
  const planned = [...tickets, ...messages]
  await db.sync.put({ key: 'checkpoint', value: batch.checkpoint })
  if (planned.length === 0) return { changes: [], refused, cleared: false, freed: [] }
  if (revisions.size > 0) await storeRevisions(db, revisions) // before the batch: an await after it may be outside the transaction (see writeBatch)
  const result = await writeBatch(db, planned.map((p) => p.command), config, { staged })
  const indexOf = new Map(planned.map((p) => [p.command.commandId, p.index]))
  for (const outcome of result.refused) refused.push({ index: indexOf.get(outcome.commandId) ?? -1, error: outcome.error })
  return { changes: result.changes, refused: refused.sort((a, b) => a.index - b.index), cleared: false, freed: result.freed }
}

/** The key of the `sync` row holding the server version of ticket `ticketId` taken last (cleanup deletes it with the ticket). */
export const revisionKey = (ticketId: string) => `revision:${ticketId}` as const

/**
 * The server version of the ticket taken before, when it is newer than `revision` (see
 * `RemoteChange`); `undefined` otherwise. Called only with a revision: an async step that
 * does not touch Dexie would leave its transaction (see writeBatch).
 */
async function newerStored(db: ChatDatabase, ticketId: string, revision: string): Promise<TicketFields | undefined> {
  const stored = (await db.sync.get(revisionKey(ticketId))) as Extract<SyncRow, { ticket: unknown }> | undefined
  return stored && compareRevisions(revision, stored.value) < 0 ? stored.ticket : undefined
}

/** Keeps the server versions of the tickets taken, with their revisions, by ticket id (a checked `putTicket` is never refused). */
async function storeRevisions(db: ChatDatabase, revisions: ReadonlyMap<string, { revision: string; ticket: TicketFields }>): Promise<void> {
  await db.sync.bulkPut([...revisions].map(([ticketId, { revision, ticket }]) => ({ key: revisionKey(ticketId), value: revision, ticket })))
}

/** Orders server revisions `<generation>-<rest>` as CouchDB picks its winner: by generation (a number), then by the rest. */
function compareRevisions(a: string, b: string): number {
  const restA = a.slice(a.indexOf('-') + 1)
  const restB = b.slice(b.indexOf('-') + 1)
  return parseInt(a, 10) - parseInt(b, 10) || (restA < restB ? -1 : restA > restB ? 1 : 0)
}

/** A revision as `RemoteChange` describes it (a generation of at most 15 digits, then `-` and anything), or `undefined`. */
function checkRevision(value: unknown, path: string): string | undefined {
  if (value !== undefined && (typeof value !== 'string' || !/^\d{1,15}(-|$)/.test(value))) throw new ValidationError(`${path}: must be a revision '<generation>-<rest>'`, { path })
  return value
}

/**
 * The server's version of a ticket, but with the local values of the field groups that
 * changes still in the outbox set: those are the server's to judge when they arrive (by
 * the conflict rule), and until then the device shows what the user did.
 */
async function keepQueued(db: ChatDatabase, server: TicketFields): Promise<TicketFields> {
  const queued = await db.outbox.where('[thread+seq]').between([server.id, Dexie.minKey], [server.id, Dexie.maxKey]).toArray()
  const groups = new Set<TicketFieldGroup>()
  for (const row of queued) if (row.change.kind === 'ticket') for (const group of row.change.changed) groups.add(group)
  if (groups.size === 0) return server
  const local = await db.tickets.get(server.id)
  return local ? withGroupValues(server, groupValues(local, [...groups])) : server
}

let made = 0
/** A command the engine makes for itself (its id is never recorded: these commands are idempotent). */
type CommandFields = Command extends infer C ? (C extends Command ? Omit<C, 'commandId' | 'at'> : never) : never
function command(fields: CommandFields, at = Date.now()): Command {
  return { ...fields, commandId: `sync-${++made}`, at } as unknown as Command
}

export function checkDeliveryUpdates(updates: unknown): DeliveryUpdate[] {
  if (!Array.isArray(updates)) throw new ValidationError('updates: must be an array', { path: 'updates' })
  return updates.map((update: Partial<DeliveryUpdate> & { reason?: unknown; ticket?: unknown }, i) => {
    if (typeof update?.id !== 'string' || !['sent', 'failed', 'pending', 'discarded'].includes(update.state as string)) {
      throw new ValidationError(`updates[${i}]: must have an id and a state`, { path: `updates[${i}]` })
    }
    if (update.state === 'failed' && typeof update.reason !== 'string') throw new ValidationError(`updates[${i}].reason: must be a string`, { path: `updates[${i}].reason` })
    if (update.state === 'sent') checkRevision(update.revision, `updates[${i}].revision`)
    return update as DeliveryUpdate
  })
}

export function checkRemoteBatch(batch: unknown): RemoteBatch {
  const b = batch as Partial<RemoteBatch> | null
  if (typeof b !== 'object' || b === null || !Array.isArray(b.changes) || typeof b.checkpoint !== 'string' || typeof b.replica !== 'string' || typeof b.at !== 'number') {
    throw new ValidationError('batch: must have changes, checkpoint, replica and at', { path: 'batch' })
  }
  return b as RemoteBatch
}
