/**
 * Keeps the attachment rows in step with the messages, inside the transaction that writes or
 * deletes them: a message written with attachments adds itself to their rows (a new
 * attachment's row is made from the bytes staged for it), a message deleted takes itself out,
 * and a row that no message carries any more is deleted. Its file (OPFS) is removed by the
 * caller once the transaction has committed.
 */
import type { ChatDatabase, AttachmentRow } from './database.js'

/** The bytes of a new attachment, stored before the transaction (see stage-attachments.ts). */
export interface StagedBytes {
  readonly size: number
  readonly type: string
  readonly store: AttachmentRow['store']
  /** With store `indexeddb`: the bytes, written with the row. */
  readonly blob?: Blob
}

/** What a write did to the attachment rows. */
export interface AttachmentOutcome {
  /** Bytes added minus bytes freed (for `Counters.attachmentBytes`). */
  readonly bytes: number
  /** Attachments whose rows were deleted and whose files (OPFS) are to be removed after the commit. */
  readonly freed: readonly string[]
}

export const NOTHING_FREED: AttachmentOutcome = Object.freeze({ bytes: 0, freed: Object.freeze([]) as readonly string[] })

/**
 * Applies `carried` (message id → the attachment ids the message carries as written) and
 * `deleted` (message ids gone) to the rows. `staged` gives the bytes of attachments that have
 * no row yet. Must run inside a read-write transaction on `db.attachments`. Throws (and rolls
 * the transaction back) when a message would carry an attachment that has neither a row nor
 * staged bytes: a message never points at missing bytes.
 */
export async function updateAttachmentRows(
  db: ChatDatabase,
  carried: ReadonlyMap<string, readonly string[]>,
  deleted: readonly string[],
  staged: ReadonlyMap<string, StagedBytes>,
): Promise<AttachmentOutcome> {
  if (carried.size === 0 && deleted.length === 0) return NOTHING_FREED
  const ids = new Set<string>()
  for (const list of carried.values()) for (const id of list) ids.add(id)
  const [byId, byRef] = await Promise.all([
    ids.size > 0 ? db.attachments.bulkGet([...ids]) : [],
    deleted.length > 0 ? db.attachments.where('refs').anyOf(deleted).toArray() : [],
  ])
  const rows = new Map<string, AttachmentRow | undefined>()
  for (const row of byRef) rows.set(row.id, row)
  ;[...ids].forEach((id, i) => rows.set(id, byId[i]))
  const refs = new Map([...rows].map(([id, row]) => [id, new Set(row?.refs ?? [])]))
  const gone = new Set(deleted)
  for (const set of refs.values()) for (const ref of set) if (gone.has(ref)) set.delete(ref)
  for (const [message, list] of carried) for (const id of list) refs.get(id)!.add(message)
  const puts: AttachmentRow[] = []
  const deletes: string[] = []
  const freed: string[] = []
  let bytes = 0
  for (const [id, set] of refs) {
    const row = rows.get(id)
    if (set.size === 0) {
      if (!row) continue // staged for a message that was never written (trimmed at once): its file goes after the commit
      deletes.push(id)
      bytes -= row.size
      if (row.store === 'opfs') freed.push(id)
      continue
    }
    if (row) {
      if (set.size !== row.refs.length || row.refs.some((ref) => !set.has(ref))) puts.push({ ...row, refs: [...set] })
      continue
    }
    const bytesOf = staged.get(id)
    if (!bytesOf) throw new Error(`Attachment ${id} has no stored bytes`)
    bytes += bytesOf.size
    puts.push({ id, refs: [...set], size: bytesOf.size, type: bytesOf.type, store: bytesOf.store, ...(bytesOf.blob ? { blob: bytesOf.blob } : {}) })
  }
  await Promise.all([puts.length > 0 && db.attachments.bulkPut(puts), deletes.length > 0 && db.attachments.bulkDelete(deletes)])
  return { bytes, freed }
}
