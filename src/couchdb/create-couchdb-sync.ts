/**
 * `createCouchDBSync`: a sync adapter that speaks CouchDB's HTTP API (Apache CouchDB 3, IBM
 * Cloudant, PouchDB Server) with plain `fetch`.
 *
 * Like RxDB's CouchDB plugin, it uses the server's documents and revisions, not the
 * server-to-server replicator's revision trees: the device keeps no revision history.
 * Pushing writes documents with `_bulk_docs` (`new_edits: true`, the server assigns
 * revisions); a ticket is read first (`_all_docs` with the ticket ids) and written on the
 * revision read, merged by the conflict rule, and read and merged again when the server
 * answers `conflict` (another writer came between). Pulling reads `_changes` with
 * `include_docs` from a checkpoint; `live` long-polls it. The checkpoint is also kept in a
 * `_local/` document per device, as CouchDB's replicator does: a checkpoint the server does
 * not know (its database was made again) starts the pull over from the beginning.
 */
import { SyncError, ValidationError } from '../core/errors.js'
import type { TicketFields } from '../core/protocol.js'
import { mergeTicketChange, type PullBatch, type PullRequest, type PushOutcome, type RemoteChange, type SyncAdapter, type SyncChange, type TicketConflict } from '../core/sync.js'
import { connectTo, type CouchConnection, type HeadersSource } from './couch-http.js'
import { APPLIED_KEPT, messageDocId, remoteChange, ticketDocId, type MessageDocument, type TicketDocument } from './documents.js'

/** Options of {@link createCouchDBSync}. */
export interface CouchDBSyncOptions {
  /**
   * The URL of the user's database, e.g. `https://couch.example.com/userdb-616c696365`
   * ({@link userDatabaseUrl} makes it for CouchDB's `couch_peruser` databases). No user or
   * password in it: pass credentials in `headers` or through `fetch`.
   */
  readonly url: string
  /** The `fetch` to use, e.g. one that adds a session cookie or refreshes a token. Default: the global one. */
  readonly fetch?: typeof fetch
  /** Headers for every request (e.g. `Authorization`), or a function that makes them per request. */
  readonly headers?: HeadersSource
  /**
   * Create the database when it is missing (`PUT`), for servers where the app makes its
   * databases itself. Default `false`: with `couch_peruser` the server makes it with the user.
   */
  readonly createDatabase?: boolean
  /** How long (ms) a long poll of `_changes` waits for a change before it answers empty. Default 25,000. */
  readonly longPollTimeout?: number
  /** How often (ms) the server sends a newline during a long poll, so proxies keep it open. Default 10,000. */
  readonly heartbeat?: number
  /** The conflict hook: which side keeps a ticket field both changed. Default: the server. */
  readonly resolveConflict?: (conflict: Omit<TicketConflict, 'changeId'>) => 'server' | 'local'
}

/**
 * The URL of a user's database under CouchDB's `couch_peruser` option: the server makes one
 * database per user, named `userdb-` followed by the user name's UTF-8 bytes in lower-case
 * hex, readable and writable by that user only.
 *
 * @example
 * userDatabaseUrl('https://couch.example.com', 'alice') // 'https://couch.example.com/userdb-616c696365'
 */
export function userDatabaseUrl(serverUrl: string, username: string): string {
  if (typeof username !== 'string' || username === '') throw new ValidationError('username: must be a non-empty string', { path: 'username' })
  const hex = [...new TextEncoder().encode(username)].map((byte) => byte.toString(16).padStart(2, '0')).join('')
  return `${String(serverUrl).replace(/\/+$/, '')}/userdb-${hex}`
}

/**
 * A sync adapter for a CouchDB database: pass it to `createChatClient` as `sync`.
 *
 * @example
 * import { createChatClient } from 'companion-chat'
 * import { createCouchDBSync, userDatabaseUrl } from 'companion-chat/couchdb'
 *
 * const chat = createChatClient({
 *   sync: createCouchDBSync({
 *     url: userDatabaseUrl('https://couch.example.com', 'alice'),
 *     headers: () => ({ Authorization: `Bearer ${session.token}` }),
 *   }),
 * })
 */
export function createCouchDBSync(options: CouchDBSyncOptions): SyncAdapter {
  if (typeof options !== 'object' || options === null) throw new ValidationError('options: must be an object with `url`')
  if (options.fetch !== undefined && typeof options.fetch !== 'function') throw new ValidationError('fetch: must be a function', { path: 'fetch' })
  const couch = connectTo(options.url, options.fetch, options.headers)
  const longPollTimeout = positive(options.longPollTimeout, 25_000, 'longPollTimeout')
  const heartbeat = positive(options.heartbeat, 10_000, 'heartbeat')
  const resolve = options.resolveConflict
  let database: Promise<void> | undefined
  /** Messages with attachments this adapter pushed: coming back in a pull, their files are not downloaded again (the device has them). */
  const pushedWithFiles = new Set<string>()
  /** Checkpoints this adapter has seen on the server or written there, by replica. */
  const known = new Map<string, { seq: string; rev: string | undefined }>()

  const ready = (signal: AbortSignal): Promise<void> => {
    if (!options.createDatabase) return Promise.resolve()
    database ??= couch.request('', { method: 'PUT', allow: [412], signal }).then(
      () => undefined,
      (error: unknown) => {
        database = undefined
        throw error
      },
    )
    return database
  }

  const changes = async (request: PullRequest, live: boolean): Promise<PullBatch> => {
    await ready(request.signal)
    const since = await verified(couch, known, request)
    const query = new URLSearchParams({ include_docs: 'true', style: 'main_only', limit: String(request.limit), since: since ?? '0' })
    if (live) {
      query.set('feed', 'longpoll')
      query.set('timeout', String(longPollTimeout))
      query.set('heartbeat', String(heartbeat))
    }
    const { body } = await couch.request<ChangesBody>(`_changes?${query}`, { signal: request.signal })
    if (!Array.isArray(body?.results)) throw new SyncError(`CouchDB ${couch.where}/_changes: the answer has no results`, { reason: 'bad-response' })
    const out: RemoteChange[] = []
    for (const row of body.results) {
      if (row.deleted) continue // deletions on the server are not synced (see README)
      const change = remoteChange(row.doc)
      if (change?.kind === 'message' && change.message.attachments !== undefined && !pushedWithFiles.has(change.message.id)) {
        out.push(await withFiles(couch, change, request.signal))
      } else if (change) out.push(change)
    }
    const checkpoint = seqString(body.last_seq ?? body.results.at(-1)?.seq ?? since ?? '0')
    const more = typeof body.pending === 'number' ? body.pending > 0 : body.results.length >= request.limit
    return { changes: out, checkpoint, more }
  }

  return {
    name: `couchdb ${couch.where}`,
    async push(batch, { signal, readAttachment }) {
      await ready(signal)
      // Messages with files go one by one (their bytes streamed from the device's storage), before the rest.
      const withAttachments = batch.filter((change) => change.kind === 'message' && change.message.attachments !== undefined)
      const outcomes: PushOutcome[] = []
      for (const change of withAttachments) {
        const outcome = await pushWithFiles(couch, change as Extract<SyncChange, { kind: 'message' }>, signal, readAttachment)
        if (outcome.state === 'sent') pushedWithFiles.add((change as Extract<SyncChange, { kind: 'message' }>).message.id)
        outcomes.push(outcome)
      }
      if (withAttachments.length === 0) return push(couch, batch, signal, resolve)
      const rest = batch.filter((change) => !withAttachments.includes(change))
      const order = new Map(batch.map((change, i) => [change.id, i]))
      return [...outcomes, ...(rest.length > 0 ? await push(couch, rest, signal, resolve) : [])].sort((a, b) => order.get(a.id)! - order.get(b.id)!)
    },
    pull: (request) => changes(request, false),
    live: (request) => changes(request, true),
    async saveCheckpoint(replica, checkpoint, { signal }) {
      const id = `_local/${encodeURIComponent(checkpointId(replica))}`
      for (let attempt = 0; attempt < 3; attempt++) {
        const rev = known.get(replica)?.rev ?? (await readCheckpoint(couch, replica, signal))?.rev
        const { status, body } = await couch.request<{ rev?: string }>(id, {
          method: 'PUT',
          body: { ...(rev ? { _rev: rev } : {}), last_seq: checkpoint, replicator: 'companion-chat', version: 1 },
          allow: [409],
          signal,
        })
        if (status !== 409) {
          known.set(replica, { seq: checkpoint, rev: body.rev })
          return
        }
        known.delete(replica) // written meanwhile by another client of the same device database: read it again
      }
      throw new SyncError(`CouchDB ${couch.where}/_local: the checkpoint kept changing`, { reason: 'unreachable' })
    },
    ...(resolve ? { resolveConflict: resolve } : {}),
  }
}

/** The CouchDB attachment name of an attachment (names may not start with `_`; ids may). */
const attachmentName = (id: string): string => `file-${id}`

/**
 * A message with attachments, as CouchDB attachments of its document: each file is PUT to
 * the document (the first PUT creates it, without a body), then the document's body is
 * written on the last revision with stubs that keep them. A document that already has its
 * body was pushed before (messages never change); one that has some files (a push cut
 * short) gets the rest. Pulls skip documents without a body, so no device sees a message
 * before its files.
 */
async function pushWithFiles(
  couch: CouchConnection,
  change: Extract<SyncChange, { kind: 'message' }>,
  signal: AbortSignal,
  readAttachment: ((id: string) => Promise<Blob>) | undefined,
): Promise<PushOutcome> {
  const path = encodeURIComponent(messageDocId(change.message.id))
  const { status, body } = await couch.request<{ _rev?: string; type?: string; _attachments?: Record<string, unknown> }>(path, { allow: [404], signal })
  if (status !== 404 && body.type === 'message') return { id: change.id, state: 'sent' }
  if (!readAttachment) return { id: change.id, state: 'failed', reason: 'no way to read the attachments of this device (push without readAttachment)' }
  let rev = status === 404 ? undefined : body._rev
  const stored = new Set(status === 404 ? [] : Object.keys(body._attachments ?? {}))
  const attachments = change.message.attachments ?? []
  for (const attachment of attachments) {
    const name = attachmentName(attachment.id)
    if (stored.has(name)) continue
    let blob: Blob
    try {
      blob = await readAttachment(attachment.id)
    } catch (error) {
      if ((error as { code?: unknown })?.code !== 'not-found') throw error
      return { id: change.id, state: 'failed', reason: `the file ${attachment.name} is no longer on this device` }
    }
    const put = await couch.request<{ rev?: string }>(`${path}/${encodeURIComponent(name)}${rev ? `?rev=${encodeURIComponent(rev)}` : ''}`, {
      method: 'PUT',
      blob,
      contentType: attachment.type || 'application/octet-stream',
      allow: [409],
      signal,
    })
    if (put.status === 409) throw cameBetween(couch)
    rev = put.body.rev
  }
  // The stubs as the server describes them (PouchDB Server wants each stub's digest, CouchDB takes them too).
  const current = await couch.request<{ _rev?: string; _attachments?: Record<string, unknown> }>(path, { signal })
  if (current.body._rev !== rev) throw cameBetween(couch)
  const doc: MessageDocument & { _attachments: Record<string, unknown> } = {
    _id: messageDocId(change.message.id),
    ...(rev ? { _rev: rev } : {}),
    type: 'message',
    thread: change.thread,
    seq: change.seq,
    message: change.message,
    _attachments: current.body._attachments ?? {},
  }
  const written = await couch.request(path, { method: 'PUT', body: doc, allow: [409], signal })
  if (written.status === 409) throw cameBetween(couch)
  return { id: change.id, state: 'sent' }
}

/** Another writer changed the document meanwhile (the same message pushed by another client): the runner tries again, and reads it anew. */
const cameBetween = (couch: CouchConnection): SyncError =>
  new SyncError(`CouchDB ${couch.where}: a message document changed while its files were written`, { reason: 'unreachable' })

/** A message change with its files downloaded; without `files` when one is missing (the device then refuses it). */
async function withFiles(couch: CouchConnection, change: Extract<RemoteChange, { kind: 'message' }>, signal: AbortSignal): Promise<RemoteChange> {
  const path = encodeURIComponent(messageDocId(change.message.id))
  try {
    const files = await Promise.all((change.message.attachments ?? []).map((attachment) => couch.download(`${path}/${encodeURIComponent(attachmentName(attachment.id))}`, signal)))
    return { ...change, files: files.map((file, i) => (file.type === '' ? file.slice(0, file.size, change.message.attachments![i]!.type) : file)) }
  } catch (error) {
    if ((error as { details?: { status?: unknown } })?.details?.status === 404) return change
    throw error
  }
}

interface ChangesBody {
  readonly results: ReadonlyArray<{ readonly seq?: unknown; readonly deleted?: boolean; readonly doc?: unknown }>
  readonly last_seq?: unknown
  readonly pending?: number
}

interface BulkResult {
  readonly id?: string
  readonly ok?: boolean
  readonly rev?: string
  readonly error?: string
  readonly reason?: string
}

/** Most rounds of read, merge, write for tickets that other writers keep changing. */
const MAX_TICKET_ROUNDS = 5

/** One push: messages and tickets in one `_bulk_docs`, tickets read and merged first; tickets that met a conflict go round again. */
async function push(
  couch: CouchConnection,
  batch: readonly SyncChange[],
  signal: AbortSignal,
  resolve: CouchDBSyncOptions['resolveConflict'],
): Promise<PushOutcome[]> {
  const outcomes: PushOutcome[] = []
  const messages: MessageDocument[] = []
  const tickets = new Map<string, Array<Extract<SyncChange, { kind: 'ticket' }>>>()
  const messageChange = new Map<string, string>() // document id → change id
  for (const change of batch) {
    if (change.kind === 'message') {
      const doc: MessageDocument = { _id: messageDocId(change.message.id), type: 'message', thread: change.thread, seq: change.seq, message: change.message }
      messages.push(doc)
      messageChange.set(doc._id, change.id)
    } else {
      const list = tickets.get(change.ticket.id) ?? []
      list.push(change)
      tickets.set(change.ticket.id, list)
    }
  }
  let pendingTickets = tickets
  let docs: Array<MessageDocument | TicketDocument> = messages
  for (let round = 0; ; round++) {
    const merged = pendingTickets.size > 0 ? await mergeTickets(couch, pendingTickets, signal, resolve) : new Map<string, MergedTicket>()
    const written = [...docs, ...[...merged.values()].map((m) => m.doc)]
    if (written.length === 0) break
    const { body } = await couch.request<BulkResult[]>('_bulk_docs', { method: 'POST', body: { docs: written }, signal })
    if (!Array.isArray(body)) throw new SyncError(`CouchDB ${couch.where}/_bulk_docs: the answer is not a list`, { reason: 'bad-response' })
    const retry = new Map<string, Array<Extract<SyncChange, { kind: 'ticket' }>>>()
    body.forEach((result, i) => {
      const doc = written[i]
      const id = result?.id ?? doc?._id
      if (id === undefined) return
      const changeId = messageChange.get(id)
      if (changeId !== undefined) {
        // `conflict` on a message: the server has that document already, and messages never change.
        if (result.ok || result.error === 'conflict') outcomes.push({ id: changeId, state: 'sent' })
        else outcomes.push({ id: changeId, state: 'failed', reason: describeRefusal(result) })
        return
      }
      const ticket = merged.get(id)
      if (!ticket) return
      if (result.ok) outcomes.push(...ticket.outcomes.map((outcome) => (typeof result.rev === 'string' ? { ...outcome, revision: result.rev } : outcome)))
      else if (result.error === 'conflict') retry.set(ticket.doc.ticket.id, pendingTickets.get(ticket.doc.ticket.id)!)
      else for (const outcome of ticket.outcomes) outcomes.push({ id: outcome.id, state: 'failed', reason: describeRefusal(result) })
    })
    if (retry.size === 0) break
    if (round + 1 >= MAX_TICKET_ROUNDS) throw new SyncError(`CouchDB ${couch.where}/_bulk_docs: tickets kept changing on the server`, { reason: 'unreachable' })
    pendingTickets = retry
    docs = []
  }
  // The server may answer in any order (PouchDB Server puts refusals first): answer in the batch's.
  const order = new Map(batch.map((change, i) => [change.id, i]))
  return outcomes.sort((a, b) => order.get(a.id)! - order.get(b.id)!)
}

interface MergedTicket {
  readonly doc: TicketDocument
  readonly outcomes: PushOutcome[]
}

/** Reads the tickets' documents and merges their changes in order; the merged documents carry the revision read. */
async function mergeTickets(
  couch: CouchConnection,
  tickets: ReadonlyMap<string, ReadonlyArray<Extract<SyncChange, { kind: 'ticket' }>>>,
  signal: AbortSignal,
  resolve: CouchDBSyncOptions['resolveConflict'],
): Promise<Map<string, MergedTicket>> {
  const ids = [...tickets.keys()].map(ticketDocId)
  const { body } = await couch.request<{ rows?: ReadonlyArray<{ key?: string; doc?: TicketDocument | null; value?: { deleted?: boolean } }> }>(
    '_all_docs?include_docs=true',
    { method: 'POST', body: { keys: ids }, signal },
  )
  if (!Array.isArray(body?.rows)) throw new SyncError(`CouchDB ${couch.where}/_all_docs: the answer has no rows`, { reason: 'bad-response' })
  const stored = new Map<string, TicketDocument>()
  for (const row of body.rows) if (row.doc && row.key && !row.value?.deleted) stored.set(row.key, row.doc)
  const out = new Map<string, MergedTicket>()
  for (const [ticketId, changes] of tickets) {
    const docId = ticketDocId(ticketId)
    const before = stored.get(docId)
    let ticket: TicketFields | undefined = before?.type === 'ticket' ? before.ticket : undefined
    const applied = [...(before?.applied ?? [])]
    const pending: Array<{ id: string; conflicts: readonly TicketConflict[] }> = []
    for (const change of changes) {
      if (applied.includes(change.id)) {
        pending.push({ id: change.id, conflicts: [] }) // merged by an earlier delivery of this change
        continue
      }
      const merged = mergeTicketChange(ticket, change, resolve)
      ticket = merged.ticket
      applied.push(change.id)
      pending.push({ id: change.id, conflicts: merged.conflicts })
    }
    const doc: TicketDocument = {
      _id: docId,
      ...(before?._rev ? { _rev: before._rev } : {}),
      type: 'ticket',
      ticket: ticket!,
      applied: applied.slice(-APPLIED_KEPT),
    }
    const outcomes: PushOutcome[] = pending.map(({ id, conflicts }) => ({ id, state: 'sent', ticket: ticket!, ...(conflicts.length > 0 ? { conflicts } : {}) }))
    out.set(docId, { doc, outcomes })
  }
  return out
}

function describeRefusal(result: BulkResult): string {
  return [result.error ?? 'refused', result.reason].filter((part) => typeof part === 'string' && part !== '').join(': ').slice(0, 200)
}

/** The id of a device's checkpoint document (under `_local/`). */
const checkpointId = (replica: string): string => `companion-chat-${replica}`

async function readCheckpoint(couch: CouchConnection, replica: string, signal: AbortSignal): Promise<{ seq: string; rev: string } | undefined> {
  const { status, body } = await couch.request<{ _rev?: string; last_seq?: unknown }>(`_local/${encodeURIComponent(checkpointId(replica))}`, { allow: [404], signal })
  if (status === 404 || typeof body._rev !== 'string') return undefined
  return { seq: seqString(body.last_seq), rev: body._rev }
}

/**
 * `since`, once the server's `_local/` checkpoint of this replica agrees with it; otherwise
 * `null`: start from the beginning (every change merges by id, so reading again is harmless).
 */
async function verified(couch: CouchConnection, known: Map<string, { seq: string; rev: string | undefined }>, request: PullRequest): Promise<string | null> {
  const { since, replica, signal } = request
  if (since === null) return null
  if (known.get(replica)?.seq === since) return since
  const stored = await readCheckpoint(couch, replica, signal)
  if (stored) known.set(replica, stored)
  return stored?.seq === since ? since : null
}

/** A sequence as a string: CouchDB 2+ answers strings, PouchDB Server and CouchDB 1 numbers. */
function seqString(seq: unknown): string {
  return typeof seq === 'string' ? seq : JSON.stringify(seq ?? 0)
}

function positive(value: number | undefined, fallback: number, path: string): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new ValidationError(`${path}: must be a positive number of milliseconds`, { path })
  return value
}
