/**
 * Sync with a server: the adapter interface the client's sync runner drives, the changes
 * that travel each way, and the conflict rule for a ticket's fields. Dependency-free, so an
 * adapter (ours for CouchDB, or an app's own) needs nothing else of the SDK.
 */
import type { ChatMessage, JsonValue, ThreadId, TicketFields } from './protocol.js'

/**
 * The parts of a ticket that sync field by field. `status` goes with `resolvedAt` and
 * `summary` (a resolution sets all three); the others are single fields.
 */
export type TicketFieldGroup = 'title' | 'status' | 'priority' | 'context'

/** The values of one or more field groups of a ticket. */
export interface TicketGroupValues {
  readonly title?: string
  readonly status?: Pick<TicketFields, 'status' | 'resolvedAt' | 'summary'>
  readonly priority?: TicketFields['priority']
  readonly context?: TicketFields['context']
}

/**
 * A change the device sends to the server, in the order it was made. `id` is unique and
 * stable across re-sends: an adapter must make a second delivery of the same `id` harmless.
 * `seq` grows with every change of the device: the order in which the user made them (a
 * server may store changes of one batch in any order; sort by `seq` to get it back).
 */
export type SyncChange =
  /** A new message. Messages never change: one id, one message, whatever arrives twice. */
  | { readonly kind: 'message'; readonly id: string; readonly seq: number; readonly thread: ThreadId; readonly message: ChatMessage }
  /**
   * A ticket was created (`base: null`) or some of its field groups changed. `ticket` is the
   * ticket as the device has it after the change; `changed` names the groups this change set,
   * and `base` holds their values before it (what the device believed the server had).
   */
  | {
      readonly kind: 'ticket'
      readonly id: string
      readonly seq: number
      readonly ticket: TicketFields
      readonly changed: readonly TicketFieldGroup[]
      readonly base: TicketGroupValues | null
    }

/**
 * A local change to a ticket field that the server overruled: the server's value had moved
 * on since the device's change was made (an agent changed the same field), so the
 * server's value is kept. Reported on the client's `conflicts$`.
 */
export interface TicketConflict {
  readonly ticketId: string
  readonly field: TicketFieldGroup
  /** What the device wanted. */
  readonly local: TicketGroupValues
  /** What the server had, and kept. */
  readonly server: TicketGroupValues
  /** The id of the change (the {@link SyncChange} `id`) that was overruled. */
  readonly changeId: string
}

/** How the server took one pushed change. */
export type PushOutcome =
  | {
      readonly id: string
      readonly state: 'sent'
      /** For ticket changes: the ticket as the server has it now (the device takes it). */
      readonly ticket?: TicketFields
      /** The server's revision of `ticket`, in the form of {@link RemoteChange}'s `revision`. */
      readonly revision?: string
      /** Local field changes the server overruled (see {@link TicketConflict}). */
      readonly conflicts?: readonly TicketConflict[]
    }
  /** The server refused this change for good (e.g. a validation function): it is not tried again on its own. */
  | { readonly id: string; readonly state: 'failed'; readonly reason: string }

/**
 * A change that came from the server. A message with attachments brings their bytes in
 * `files` (`files[i]` for `message.attachments[i]`); one without `files` is applied only if
 * the device has it already (its own message coming back), and refused otherwise.
 */
export type RemoteChange =
  | { readonly kind: 'message'; readonly thread: ThreadId; readonly message: ChatMessage; readonly files?: readonly Blob[] }
  | {
      readonly kind: 'ticket'
      readonly ticket: TicketFields
      /**
       * The server's revision of this version of the ticket, as CouchDB's `_rev`:
       * `<generation>-<anything>`, where the generation grows with every write of the
       * ticket on the server. The device keeps the revision of the version it holds and
       * does not apply an older one (a lower generation; at the same generation, a lower
       * rest, as CouchDB picks its winning revision): a version pulled while a push was
       * writing a newer one would otherwise replace it until the next pull. Without it,
       * every version pulled is applied.
       */
      readonly revision?: string
    }

/** What `push` is given besides the changes. */
export interface PushOptions {
  readonly signal: AbortSignal
  /**
   * The bytes of an attachment of a message being pushed (`message.attachments[i].id`): a
   * Blob backed by the device's storage, to upload as it is. Given by the client's sync runner.
   */
  readonly readAttachment?: (id: string) => Promise<Blob>
}

/** One batch of the server's changes, in the server's order, and where the next one starts. */
export interface PullBatch {
  readonly changes: readonly RemoteChange[]
  /** Opaque to the SDK: the position after this batch, given back as `since` next time. */
  readonly checkpoint: string
  /** Whether the server has more changes after this batch right now. */
  readonly more: boolean
}

/** What `pull` and `live` are given. */
export interface PullRequest {
  /** Where the previous batch ended; `null` from the beginning. */
  readonly since: string | null
  /** Most changes in one batch. */
  readonly limit: number
  /** This device's replication id (stable per local database), e.g. for checkpoint documents. */
  readonly replica: string
  /**
   * Aborted when sync stops: the request should end with an `AbortError`. (The runner does not
   * wait for it: a call still running when sync stops is given up, its outcome ignored.)
   */
  readonly signal: AbortSignal
}

/**
 * What the client's sync runner needs from a server. An adapter is a plain object; its
 * methods may use `fetch`, credentials and functions of the app (the runner calls it on the
 * main thread). Every method rejects with an `Error` when the server cannot be used; a
 * `SyncError` (code `sync-failed`) with `reason: 'unreachable'` makes the runner back
 * off and try again, any other error reason stops sync until the app starts it again.
 *
 * @example
 * import type { SyncAdapter } from 'companion-chat'
 *
 * const memoryServer: SyncAdapter = {
 *   name: 'memory',
 *   async push(changes) {
 *     return changes.map((change) => ({ id: change.id, state: 'sent' as const }))
 *   },
 *   async pull({ since }) {
 *     return { changes: [], checkpoint: since ?? '0', more: false }
 *   },
 *   async live({ since, signal }) {
 *     await new Promise((resolve) => signal.addEventListener('abort', resolve))
 *     return { changes: [], checkpoint: since ?? '0', more: false }
 *   },
 * }
 */
export interface SyncAdapter {
  /** Names the server and database, for diagnostics (never credentials). */
  readonly name: string
  /**
   * Sends changes, oldest first, and answers one outcome per change (in any order, by `id`).
   * A change the server has already (same `id`) answers `sent`. Rejects when the server
   * could not be reached: then none of the batch counts as sent, and it is sent again.
   */
  push(changes: readonly SyncChange[], options: PushOptions): Promise<readonly PushOutcome[]>
  /** The server's changes since `since`, at once (an empty batch when there are none). */
  pull(request: PullRequest): Promise<PullBatch>
  /**
   * Live changes: waits until the server has changes since `since` (a long poll) and answers
   * them, or answers an empty batch after a while; the runner calls it again at once.
   */
  live(request: PullRequest): Promise<PullBatch>
  /**
   * Optional: keeps `checkpoint` on the server as well, once the device has stored the
   * batch it ends (the CouchDB adapter writes a `_local/` document, as CouchDB's replicator does).
   */
  saveCheckpoint?(replica: string, checkpoint: string, options: { readonly signal: AbortSignal }): Promise<void>
  /**
   * The conflict hook: decides a ticket field that both sides changed. Answers which side's
   * value is kept; without it the server's is ({@link mergeTicketChange}). Either way the
   * change appears on `conflicts$` when the local value loses.
   */
  resolveConflict?(conflict: Omit<TicketConflict, 'changeId'>): 'server' | 'local'
}

/** Every field group, in a fixed order. */
export const TICKET_FIELD_GROUPS: readonly TicketFieldGroup[] = Object.freeze(['title', 'status', 'priority', 'context'])

/** The values of `groups` in `ticket`. */
export function groupValues(ticket: TicketFields, groups: readonly TicketFieldGroup[] = TICKET_FIELD_GROUPS): TicketGroupValues {
  const out: { -readonly [K in keyof TicketGroupValues]: TicketGroupValues[K] } = {}
  for (const group of groups) {
    if (group === 'title') out.title = ticket.title
    else if (group === 'priority') out.priority = ticket.priority
    else if (group === 'context') out.context = ticket.context
    else
      out.status = {
        status: ticket.status,
        ...(ticket.resolvedAt !== undefined ? { resolvedAt: ticket.resolvedAt } : {}),
        ...(ticket.summary !== undefined ? { summary: ticket.summary } : {}),
      }
  }
  return out
}

/** `ticket` with the values of `values` in place of its own. */
export function withGroupValues(ticket: TicketFields, values: TicketGroupValues): TicketFields {
  let out: TicketFields = ticket
  if (values.title !== undefined) out = { ...out, title: values.title }
  if (values.priority !== undefined) out = { ...out, priority: values.priority }
  if (values.context !== undefined) out = { ...out, context: values.context }
  if (values.status !== undefined) {
    const { resolvedAt: _r, summary: _s, ...rest } = out
    out = { ...rest, ...values.status }
  }
  return out
}

/** Whether two values of a field group are the same (plain JSON data). */
export function sameValue(a: unknown, b: unknown): boolean {
  return stableJson(a) === stableJson(b)
}

/**
 * The conflict rule for a ticket, applied by an adapter on the server's current version:
 * each field group the change set is taken, unless the server's value moved on since the
 * change was made (it is neither the change's `base` nor the change's own value): then
 * the side `resolve` names wins (the server by default), and a losing local value is
 * reported. `updatedAt` is the later of both. A ticket the server does not have is created
 * as the device has it.
 *
 * @param server - the server's version, or `undefined` when it has none
 */
export function mergeTicketChange(
  server: TicketFields | undefined,
  change: Extract<SyncChange, { kind: 'ticket' }>,
  resolve: (conflict: Omit<TicketConflict, 'changeId'>) => 'server' | 'local' = () => 'server',
): { readonly ticket: TicketFields; readonly conflicts: readonly TicketConflict[] } {
  if (server === undefined) return { ticket: change.ticket, conflicts: [] }
  if (change.base === null) return { ticket: server, conflicts: [] } // created already: this is a re-send
  const wanted = groupValues(change.ticket, change.changed)
  const now = groupValues(server, change.changed)
  let ticket = server
  const conflicts: TicketConflict[] = []
  for (const field of change.changed) {
    const local = wanted[field]
    const remote = now[field]
    if (sameValue(local, remote)) continue
    const moved = !sameValue(remote, change.base[field])
    const pick = { [field]: local } as TicketGroupValues
    if (!moved) {
      ticket = withGroupValues(ticket, pick)
      continue
    }
    const conflict = { ticketId: server.id, field, local: pick, server: { [field]: remote } as TicketGroupValues }
    if (resolve(conflict) === 'local') ticket = withGroupValues(ticket, pick)
    else conflicts.push({ ...conflict, changeId: change.id })
  }
  if (ticket !== server) ticket = { ...ticket, updatedAt: Math.max(server.updatedAt, change.ticket.updatedAt) }
  return { ticket, conflicts }
}

/** JSON with object keys sorted, so that equal data compares equal. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_, v: JsonValue | undefined) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  )
}
