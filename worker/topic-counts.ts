/**
 * The counts in the topic rows as this engine's commits read or left them, so that a batch
 * of user messages reads only the rows of words it has not seen (a send of one message
 * would otherwise read a row per word and per leading topic).
 *
 * They hold while the database's sequence (`Counters.seq`) is where this engine's last
 * commit left it: counts grow only with new user messages, and every new message moves the
 * sequence, whoever writes it (another tab's engine, an older release). A database deleted
 * and made again is opened as a new `ChatDatabase`, which the counts are tied to. Anything
 * else, and they are forgotten and read again.
 */
import type { ChatDatabase } from './database.js'

/** Most words kept; beyond it the counts start over (they are read again as needed). */
const MAX_WORDS = 10_000

export class TopicCounts {
  #db: ChatDatabase | undefined
  #seq = -1
  readonly #counts = new Map<string, number>()

  /**
   * The counts known for a batch on `db` whose stored sequence is `seq` (empty when
   * another writer may have changed them since). Read only: a batch may roll back.
   */
  known(db: ChatDatabase, seq: number): ReadonlyMap<string, number> {
    if (db !== this.#db || seq !== this.#seq) this.#reset(db, seq)
    return this.#counts
  }

  /** A batch committed on `db`, leaving the sequence at `seq` and these words' rows at these counts. */
  committed(db: ChatDatabase, seq: number, counts: ReadonlyMap<string, number>): void {
    if (db !== this.#db) this.#reset(db, seq)
    this.#seq = seq
    if (this.#counts.size + counts.size > MAX_WORDS) this.#counts.clear()
    for (const [word, count] of counts) this.#counts.set(word, count)
  }

  /** Forgets every word (the data was cleared, or the database closed). */
  forget(): void {
    this.#reset(undefined, -1)
  }

  #reset(db: ChatDatabase | undefined, seq: number): void {
    this.#counts.clear()
    this.#db = db
    this.#seq = seq
  }
}
