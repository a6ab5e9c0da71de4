/**
 * Rows as this engine's commits read or left them, so that a batch reads only what it does
 * not know: the single rows (user context, view, counters), the counts in the topic rows (a
 * send of one message would otherwise read a row per word and per leading topic), the
 * thread headers and the drafts.
 *
 * They hold while the database's sequence (`Counters.seq`) is where this engine's last
 * commit left it. Every write moves the sequence, whoever makes it: new rows take numbers
 * from it, and a batch, cleanup or typing reset that writes without a new row moves it by
 * one. A batch that finds everything it needs here plans and writes at once and checks the
 * stored sequence in the same transaction, with a read placed before its writes (a
 * transaction that writes excludes every other writer of the database); one that does not
 * reads the single rows first, and its remembered rows only where the sequence holds. A
 * database deleted and made again is opened as a new `ChatDatabase`, which the rows are
 * tied to. Anything else, and they are forgotten and read again.
 */
import type { ThreadId, ThreadSummary } from '../src/core/protocol.js'
import type { ChatDatabase, CompleteCounters, DraftRow } from './database.js'
import type { Meta } from './read-state.js'

/** Most entries kept in each map; beyond it the map starts over (its rows are read again as needed). */
const MAX_ENTRIES = 10_000

/** The rows a batch read or left, to remember once it committed. `null`: known to be absent. */
export interface RowsSeen {
  readonly topics: ReadonlyMap<string, number>
  readonly threads: ReadonlyMap<ThreadId, ThreadSummary | null>
  readonly drafts: ReadonlyMap<ThreadId, DraftRow | null>
  /** The single rows, with the sequence the batch leaves in the counters. */
  readonly meta: Meta & { readonly counters: CompleteCounters }
}

export class KnownRows {
  #db: ChatDatabase | undefined
  #seq = -1
  readonly #topics = new Map<string, number>()
  readonly #threads = new Map<ThreadId, ThreadSummary | null>()
  readonly #drafts = new Map<ThreadId, DraftRow | null>()
  #meta: RowsSeen['meta'] | undefined

  /**
   * The rows known for a batch on `db` whose stored sequence is `seq` (empty when another
   * writer may have changed them since). Read only: a batch may roll back.
   */
  known(db: ChatDatabase, seq: number): Omit<RowsSeen, 'meta'> {
    if (db !== this.#db || seq !== this.#seq) this.#reset(db, seq)
    return { topics: this.#topics, threads: this.#threads, drafts: this.#drafts }
  }

  /**
   * Everything remembered of `db`, single rows included, as this engine's last commit left
   * it; undefined when nothing is. Not checked against the stored sequence: a batch that
   * plans from it checks the sequence in its own transaction (its `meta.counters.seq`).
   */
  remembered(db: ChatDatabase): RowsSeen | undefined {
    if (db !== this.#db || !this.#meta || this.#meta.counters.seq !== this.#seq) return undefined
    return { topics: this.#topics, threads: this.#threads, drafts: this.#drafts, meta: this.#meta }
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
    this.#meta = rows.meta
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
    this.#meta = undefined
    this.#db = db
    this.#seq = seq
  }
}

function remember<K, V>(kept: Map<K, V>, rows: ReadonlyMap<K, V>): void {
  if (kept.size + rows.size > MAX_ENTRIES) kept.clear()
  for (const [key, value] of rows) kept.set(key, value)
}
