/**
 * How chat data looks on a CouchDB server: one document per message and one per ticket,
 * with ids derived from the client's ids, so a re-sent change lands on the same document.
 *
 * - A message: `{ _id: 'message:<message id>', type: 'message', thread, seq, message }`, where
 *   `thread` is `'main'` or the ticket's id, `message` is the `ChatMessage` as the SDK has it
 *   (without its delivery state), and `seq` the device's order of its changes (CouchDB may
 *   store the documents of one `_bulk_docs` in any order). Messages never change once written.
 * - A ticket: `{ _id: 'ticket:<ticket id>', type: 'ticket', ticket, applied }`, where
 *   `ticket` holds the ticket's fields (`TicketFields`: no messages) and `applied` the ids of
 *   the newest device changes merged into it (bounded), so a change that arrives twice
 *   applies once.
 *
 * An agent's reply written on the server is a message document of the ticket's thread;
 * a status change or resolution is a new revision of the ticket document.
 */
import type { ChatMessage, ThreadId, TicketFields } from '../core/protocol.js'
import type { RemoteChange } from '../core/sync.js'

/** A message document. */
export interface MessageDocument {
  readonly _id: string
  readonly _rev?: string
  readonly type: 'message'
  readonly thread: ThreadId
  /** The device's order of its changes (absent on documents others write): sort a thread by `message.timestamp`, then `seq`. */
  readonly seq?: number
  readonly message: ChatMessage
}

/** A ticket document. */
export interface TicketDocument {
  readonly _id: string
  readonly _rev?: string
  readonly type: 'ticket'
  readonly ticket: TicketFields
  /** The ids of the newest device changes merged into this ticket (at most 50). */
  readonly applied?: readonly string[]
}

/** How many change ids a ticket document remembers. */
export const APPLIED_KEPT = 50

export const messageDocId = (messageId: string): string => `message:${messageId}`
export const ticketDocId = (ticketId: string): string => `ticket:${ticketId}`

/** The change a document of ours stands for; `undefined` for other documents (design documents, an app's own). */
export function remoteChange(doc: unknown): RemoteChange | undefined {
  if (typeof doc !== 'object' || doc === null) return undefined
  const d = doc as { _rev?: unknown; type?: unknown; thread?: unknown; message?: ChatMessage; ticket?: TicketFields }
  if (d.type === 'message' && typeof d.thread === 'string' && isObject(d.message)) return { kind: 'message', thread: d.thread, message: d.message }
  if (d.type === 'ticket' && isObject(d.ticket)) return { kind: 'ticket', ticket: d.ticket, ...(typeof d._rev === 'string' ? { revision: d._rev } : {}) }
  return undefined
}

const isObject = <T>(value: T | undefined): value is T => typeof value === 'object' && value !== null && !Array.isArray(value)
