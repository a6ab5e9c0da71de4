/**
 * The thread headers one write batch changes: read with the batch's other rows, updated as
 * its messages are added, rewritten and deleted, and written back with them.
 */
import type { ChatMessage, ThreadId, ThreadSummary } from '../src/core/protocol.js'
import { addToThread, emptyThread, removeFromThread, updateInThread } from '../src/core/thread-summary.js'
import type { MessageRow } from './database.js'

type Placed = { readonly thread: ThreadId; readonly seq: number; readonly message: ChatMessage }

export class ThreadTally {
  readonly #rows = new Map<ThreadId, ThreadSummary>()
  readonly #changed = new Set<ThreadId>()

  /** `rows`: the stored headers of the threads the batch may touch (absent ones are null or undefined). */
  constructor(rows: Iterable<ThreadSummary | null | undefined>) {
    for (const row of rows) if (row) this.#rows.set(row.id, row)
  }

  get(id: ThreadId): ThreadSummary | undefined {
    return this.#rows.get(id)
  }

  /** A new message. */
  added(row: Placed): void {
    this.#put(addToThread(this.#rows.get(row.thread) ?? emptyThread(row.thread), row.seq, row.message))
  }

  /** A stored message written again. */
  updated(row: Placed): void {
    const summary = this.#rows.get(row.thread)
    if (summary) this.#put(updateInThread(summary, row.seq, row.message))
  }

  /** A message deleted (or a new one trimmed before it was written). */
  removed(row: Placed): void {
    const summary = this.#rows.get(row.thread)
    if (summary) this.#put(removeFromThread(summary, row.seq, row.message))
  }

  /** A header as a command planned it (a read marker). */
  set(summary: ThreadSummary): void {
    this.#put(summary)
  }

  /** Changed threads whose newest message was deleted: the caller reads their newest stored row. */
  orphaned(): ThreadId[] {
    return [...this.#changed].filter((id) => {
      const summary = this.#rows.get(id)!
      return summary.last === undefined && summary.count > 0
    })
  }

  /**
   * The changed headers, final. An orphaned thread's newest message is the later of its
   * newest stored row (`newestStored[i]` for `orphaned[i]`, read after the batch's deletions
   * and before its writes) and the newest row the batch writes.
   */
  final(
    orphaned: readonly ThreadId[],
    newestStored: ReadonlyArray<Placed | undefined>,
    written: ReadonlyMap<string, MessageRow>,
    ...notWritten: ReadonlySet<string>[]
  ): ThreadSummary[] {
    const newest = new Map<ThreadId, Placed | undefined>(orphaned.map((id, i) => [id, newestStored[i]]))
    if (newest.size > 0) {
      for (const row of written.values()) {
        if (!newest.has(row.thread) || notWritten.some((set) => set.has(row.id))) continue
        const best = newest.get(row.thread)
        if (!best || row.seq > best.seq) newest.set(row.thread, row)
      }
    }
    return [...this.#changed].map((id) => {
      const summary = this.#rows.get(id)!
      const last = newest.get(id)
      return last ? { ...summary, last: last.message, lastSeq: last.seq } : summary
    })
  }

  #put(summary: ThreadSummary): void {
    this.#rows.set(summary.id, summary)
    this.#changed.add(summary.id)
  }
}
