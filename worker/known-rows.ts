/**
 * Rows as this engine's commits read or left them, so that a batch reads only what it does
 * not know: the counts in the topic rows (a send of one message would otherwise read a row
 * per word and per leading topic), the thread headers and the drafts (a send would read its
 * thread's header and draft, each a request of its own).
 *
 * They hold while the database's sequence (`Counters.seq`, read by every batch with the
 * single rows) is where this engine's last commit left it. Every write that changes one of
 * these rows moves the sequence, whoever makes it: new messages take numbers from it, and a
 * batch that writes a header or a draft without a new row moves it by one (`writeBatch`),
 * as cleanup does when it removes threads. A database deleted and made again is opened as a
 * new `ChatDatabase`, which the rows are tied to. Anything else, and they are forgotten and
 * read again.
 */
import type { ThreadId, ThreadSummary } from '../src/core/protocol.js'
import type { ChatDatabase, DraftRow } from './database.js'

/** Most entries kept in each map; beyond it the map starts over (its rows are read again as needed). */
const MAX_ENTRIES = 10_000

/** The rows a batch read or left, to remember once it committed. `null`: known to be absent. */
export interface RowsSeen {
  readonly topics: ReadonlyMap<string, number>
  readonly threads: ReadonlyMap<ThreadId, ThreadSummary | null>
  readonly drafts: ReadonlyMap<ThreadId, DraftRow | null>
}

export class KnownRows {
  #db: ChatDatabase | undefined
  #seq = -1
  readonly #topics = new Map<string, number>()
  readonly #threads = new Map<ThreadId, ThreadSummary | null>()
  readonly #drafts = new Map<ThreadId, DraftRow | null>()

  /**
   * The rows known for a batch on `db` whose stored sequence is `seq` (empty when another
   * writer may have changed them since). Read only: a batch may roll back.
   */
  known(db: ChatDatabase, seq: number): RowsSeen {
    if (db !== this.#db || seq !== this.#seq) this.#reset(db, seq)
    return { topics: this.#topics, threads: this.#threads, drafts: this.#drafts }
  }

  /** Whether every one of `threads` and `drafts` is known on `db` (valid if the sequence is still this engine's). */
  holds(db: ChatDatabase, threads: Iterable<ThreadId>, drafts: Iterable<ThreadId>): boolean {
    if (db !== this.#db) return false
    for (const thread of threads) if (!this.#threads.has(thread)) return false
    for (const thread of drafts) if (!this.#drafts.has(thread)) return false
    return true
  }

  /** A batch committed on `db`, leaving the sequence at `seq` and these rows as they are. */
  committed(db: ChatDatabase, seq: number, rows: RowsSeen): void {
    if (db !== this.#db) this.#reset(db, seq)
    this.#seq = seq
    remember(this.#topics, rows.topics)
    remember(this.#threads, rows.threads)
    remember(this.#drafts, rows.drafts)
  }

  /** Forgets every row (the data was cleared or removed, or the database closed). */
  forget(): void {
    this.#reset(undefined, -1)
  }

  #reset(db: ChatDatabase | undefined, seq: number): void {
    this.#topics.clear()
    this.#threads.clear()
    this.#drafts.clear()
    this.#db = db
    this.#seq = seq
  }
}

function remember<K, V>(kept: Map<K, V>, rows: ReadonlyMap<K, V>): void {
  if (kept.size + rows.size > MAX_ENTRIES) kept.clear()
  for (const [key, value] of rows) kept.set(key, value)
}
