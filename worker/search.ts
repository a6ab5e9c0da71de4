/**
 * Full-text search of the stored messages through the `words` index (schema 2). Its keys are
 * `searchWords`'s: a normalized word, `KEY_SEPARATOR`, the message's time; so the entries of
 * one word lie oldest to newest, and a cursor walking backwards meets the newest first.
 *
 * How a query is answered, every step bounded:
 * 1. With a thread of at most `SMALL_THREAD` messages: the thread's rows are read and matched.
 * 2. A query of several lookups (or in a larger thread): the ids of each lookup are read,
 *    at most `PROBE`; when a lookup has no more, its messages (also under every other
 *    lookup read whole) are read, checked and ranked. Exact.
 * 3. Newest first: the whole-word lookups are joined by cursors that leapfrog one another
 *    over their (time, id) positions, so a join costs what its rarest word costs and stops
 *    at `limit` matches. The word being typed is joined as a whole word first (those rank
 *    first); then the other lookups run, and their messages are checked for it as a prefix.
 *    A prefix alone is walked word by word from the end of its range, leaving each word
 *    once it is older than the `limit`-th newest found. A query of several lookups gets
 *    `QUICK_MOVES` cursor moves here, then:
 * 4. Words common apart but rarer together: the ids of every lookup are read, at most
 *    `SET_SIZE` each, and intersected in memory. At most `PROBE` left: read and ranked,
 *    exact. More: the rarest whole word is read newest first, keeping the messages in the
 *    intersection (those with the typed word whole first). Exact, within the budget.
 * 5. Otherwise step 3 goes on. Every search stops at `MAX_MOVES` cursor moves or `MAX_ROWS`
 *    rows read: a query of only very common words that rarely meet, or a prefix that begins
 *    thousands of words, may then miss older matches.
 *
 * The ranking itself (`matchTerms`) reads the text: every term present, whole-word matches
 * first, then newer first (the message's timestamp, then its place in the database).
 *
 * Uses the native cursors of Dexie's database (`backendDB()`) in one read-only transaction:
 * Dexie's collections cannot jump a cursor to a key.
 */
import type { SearchHit, ThreadId } from '../src/core/protocol.js'
import {
  KEY_SEPARATOR,
  keyWord,
  lookupsOf,
  matchTerms,
  parseQuery,
  type IndexLookup,
  type SearchTerm,
} from '../src/core/search-words.js'
import type { ChatDatabase, MessageRow } from './database.js'
import { KeyCursor, request, type KeyPosition } from './key-cursor.js'

/** A thread filter on a thread this small reads the thread instead of the index. */
const SMALL_THREAD = 500
/** Candidates this few are read and ranked outright. */
const PROBE = 300
/** Cursor moves of step 3 before a query of several lookups tries step 4. */
const QUICK_MOVES = 200
/** Ids read per lookup for step 4. */
const SET_SIZE = 5_000
/** Cursor moves and rows read after which a search answers what it has found. */
const MAX_MOVES = 5_000
const MAX_ROWS = 2_000
/** Most rows read at once while collecting. */
const MAX_BATCH = 64

/** What to search for. */
export interface SearchRequest {
  readonly query: string
  /** Only messages of this thread. */
  readonly threadId?: ThreadId | undefined
  readonly limit: number
}

/**
 * The best `limit` messages for `query`, best first. Must run outside any Dexie transaction
 * (it opens its own, read-only, on the messages).
 */
export async function searchMessages(db: ChatDatabase, { query, threadId, limit }: SearchRequest): Promise<SearchHit[]> {
  const terms = parseQuery(query)
  if (terms.length === 0) return []
  const store = db.backendDB().transaction('messages', 'readonly').objectStore('messages')
  const keyRange = db._options.IDBKeyRange as unknown as typeof IDBKeyRange
  const search = new Search(store, keyRange, terms, threadId)
  const rows = await search.find(limit)
  ;(globalThis as { __searchStats?: unknown }).__searchStats = search.stats() // DEBUG
  return rank(rows, terms, limit)
}

/** An index entry: the message's time as the key holds it, and the message's id. */
interface Candidate {
  readonly stamp: string
  readonly id: string
}

const candidate = ({ key, id }: KeyPosition): Candidate => ({ stamp: key.slice(key.indexOf(KEY_SEPARATOR) + 1), id })

/** Index order within one word: by time, then by id. */
const compare = (a: Candidate, b: Candidate): number =>
  a.stamp < b.stamp ? -1 : a.stamp > b.stamp ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0

class Search {
  readonly #store: IDBObjectStore
  readonly #words: IDBIndex
  readonly #keyRange: typeof IDBKeyRange
  readonly #terms: readonly SearchTerm[]
  readonly #lookups: readonly IndexLookup[]
  readonly #threadId: ThreadId | undefined
  /** The ids of a large filtered thread, to skip other threads' entries before reading rows. */
  #inThread: ReadonlySet<string> | undefined
  /** While step 4 reads newest first: the ids of the intersection still wanted. */
  #keep: ReadonlySet<string> | undefined
  readonly #cursors: KeyCursor[] = []
  /** Rows read that match every lookup, by id. */
  readonly #found = new Map<string, MessageRow>()
  /** Ids whose rows were read (matching or not). */
  readonly #checked = new Set<string>()

  constructor(store: IDBObjectStore, keyRange: typeof IDBKeyRange, terms: readonly SearchTerm[], threadId: ThreadId | undefined) {
    this.#store = store
    this.#words = store.index('words')
    this.#keyRange = keyRange
    this.#terms = terms
    this.#lookups = lookupsOf(terms)
    this.#threadId = threadId
  }

  /** The rows that match every lookup: at least the best `limit`, when the budget allows. */
  async find(limit: number): Promise<MessageRow[]> {
    const found = () => [...this.#found.values()]
    if (this.#threadId !== undefined) {
      const thread = this.#store.index('[thread+seq]')
      const range = this.#keyRange.bound([this.#threadId, -Infinity], [this.#threadId, Infinity])
      if ((await request(thread.count(range))) <= SMALL_THREAD) {
        const rows = (await request(thread.getAll(range))) as MessageRow[]
        return rows.filter((row) => this.#matches(row))
      }
      this.#inThread = new Set((await request(thread.getAllKeys(range))) as string[])
    }
    // Matches inside dense runs are confirmed on the text, and some fail: collect more.
    const want = this.#terms.some((term) => term.dense) ? 2 * limit : limit
    if (this.#lookups.length === 1 && !this.#inThread) {
      await this.#newest(want, MAX_MOVES)
      return found()
    }
    const probed = await this.#readWhole(PROBE)
    if (probed && probed.ids.length <= PROBE) {
      await this.#check(probed.ids)
      return found()
    }
    if (await this.#newest(want, QUICK_MOVES)) return found()
    const sets = await this.#readWhole(SET_SIZE)
    if (sets && sets.ids.length <= PROBE) {
      await this.#check(sets.ids)
      return found()
    }
    if (!sets || !(await this.#scanWithin(sets, want))) await this.#newest(want, MAX_MOVES)
    return found()
  }

  // ── Steps 2 and 4 ────────────────────────────────────────────────────────────

  /**
   * The ids under every lookup (and in the thread), when at least one lookup has at most
   * `size` entries: those read whole are intersected, the others are checked on the rows.
   * With the size of each lookup read whole. `undefined` when every lookup is larger.
   */
  async #readWhole(size: number): Promise<{ ids: string[]; sizes: Map<IndexLookup, number> } | undefined> {
    const lists = await Promise.all(this.#lookups.map((lookup) => this.#ids(lookup, size)))
    const sizes = new Map<IndexLookup, number>()
    const whole: Array<Set<string>> = []
    lists.forEach((ids, i) => {
      if (ids.length > size) return
      sizes.set(this.#lookups[i]!, ids.length)
      whole.push(new Set(ids))
    })
    whole.sort((a, b) => a.size - b.size)
    const [smallest, ...others] = whole
    if (!smallest) return undefined
    return { ids: [...smallest].filter((id) => others.every((ids) => ids.has(id)) && this.#wanted(id)), sizes }
  }

  /** The ids under a lookup, at most `size + 1` (more than `size`: there are more). */
  async #ids(lookup: IndexLookup, size: number): Promise<string[]> {
    return (await request(this.#words.getAllKeys(this.#range(lookup), size + 1))) as string[]
  }

  /**
   * Step 4 with many ids in the intersection: reads the rarest whole word read whole newest
   * first, keeping the intersection's messages, those with the typed word whole first.
   * `false` when no whole word was read whole.
   */
  async #scanWithin(sets: { ids: string[]; sizes: Map<IndexLookup, number> }, want: number): Promise<boolean> {
    const driver = [...sets.sizes].filter(([lookup]) => !lookup.prefix).sort((a, b) => a[1] - b[1])[0]?.[0]
    if (!driver) return false
    let keep = new Set(sets.ids)
    const typed = this.#typed()
    const typedWhole = typed === undefined ? [] : await this.#ids({ text: typed, prefix: false }, SET_SIZE)
    if (typed !== undefined && typedWhole.length <= SET_SIZE) {
      const first = new Set(typedWhole.filter((id) => keep.has(id)))
      for (const id of first) keep.delete(id)
      this.#keep = first
      want -= await this.#collect(this.#join([driver], MAX_MOVES), want)
    }
    this.#keep = keep
    if (want > 0) await this.#collect(this.#join([driver], MAX_MOVES), want)
    this.#keep = undefined
    return true
  }

  // ── Step 3 ───────────────────────────────────────────────────────────────────

  /** The last word of the query when it is matched as a prefix too. */
  #typed(): string | undefined {
    return this.#terms.find((term) => term.prefix)?.text
  }

  /**
   * Step 3, until `want` rows match or `moves` cursor moves are spent. Answers whether it
   * finished within them (then it found every match it could rank first).
   */
  async #newest(want: number, moves: number): Promise<boolean> {
    const typed = this.#typed()
    const whole = this.#lookups.filter((lookup) => !lookup.prefix)
    // The word being typed, found whole, ranks above every match of it as a prefix: those first.
    const first = typed === undefined ? whole : [...whole, { text: typed, prefix: false }]
    if (first.length > 0) want -= await this.#collect(this.#join(first, moves), want)
    else want -= await this.#walkAndCheck(this.#lookups[0]!, want, undefined, moves)
    if (typed !== undefined && want > 0) {
      if (whole.length > 0) await this.#collect(this.#join(whole, moves), want)
      else await this.#walkAndCheck({ text: typed, prefix: true }, want, typed, moves)
    }
    return this.#moves() < moves && this.#checked.size < MAX_ROWS
  }

  /**
   * The entries found under every one of `lookups` (whole words), newest first. Each cursor
   * jumps to the oldest position among them, so the join skips what cannot match.
   */
  async *#join(lookups: readonly IndexLookup[], moves: number): AsyncGenerator<Candidate> {
    const cursors = lookups.map((lookup) => this.#open(lookup))
    let at = await Promise.all(cursors.map((cursor) => cursor.first()))
    while (this.#moves() < moves) {
      if (at.includes(null)) return
      const positions = at.map((position) => candidate(position!))
      const oldest = positions.reduce((a, b) => (compare(a, b) <= 0 ? a : b))
      if (positions.every((position) => compare(position, oldest) === 0)) {
        yield oldest
        at = await Promise.all(cursors.map((cursor) => cursor.next()))
        continue
      }
      at = await Promise.all(
        cursors.map((cursor, i) =>
          compare(positions[i]!, oldest) > 0 ? cursor.jumpTo(lookups[i]!.text + KEY_SEPARATOR + oldest.stamp, oldest.id) : at[i]!,
        ),
      )
    }
  }

  /**
   * Reads the rows of `candidates` (newest first) in batches and keeps those that match,
   * until `want` more match and no unread candidate is as new as the last one read, the
   * candidates end, or the budget is spent. Answers how many it added.
   */
  async #collect(candidates: AsyncGenerator<Candidate>, want: number): Promise<number> {
    let added = 0
    let batch: Candidate[] = []
    let floor: string | undefined // once `want` matched: older candidates cannot rank higher
    for (;;) {
      const next = await candidates.next()
      const end = next.done === true || (floor !== undefined && next.value.stamp < floor)
      if (!end && this.#wanted(next.value.id)) batch.push(next.value)
      if (batch.length > 0 && (end || batch.length >= Math.min(MAX_BATCH, Math.max(8, want - added)))) {
        added += await this.#check(batch.map(({ id }) => id))
        if (added >= want) floor = batch[batch.length - 1]!.stamp
        batch = []
      }
      if (end || this.#checked.size >= MAX_ROWS) {
        await candidates.return(undefined)
        return added
      }
    }
  }

  /** Walks a prefix for its newest candidates, then reads and checks them. Answers how many matched. */
  async #walkAndCheck(lookup: IndexLookup, want: number, skip: string | undefined, moves: number): Promise<number> {
    // Other lookups are checked on the rows afterwards, and some fail: walk for more.
    const more = this.#lookups.length > 1 ? 4 : 1
    const top = await this.#walk(lookup, more * want, skip, moves)
    return this.#check(top.map(({ id }) => id).slice(0, MAX_ROWS - this.#checked.size))
  }

  /**
   * The newest `want` entries under a prefix (leaving out the word `skip`), and the ones as
   * new as the last of them: word by word from the end of the range, leaving a word (a jump
   * to the word before) as soon as its entries are older than the `want`-th newest found.
   */
  async #walk(lookup: IndexLookup, want: number, skip: string | undefined, moves: number): Promise<Candidate[]> {
    const cursor = this.#open(lookup)
    const top: Candidate[] = [] // newest first
    const ids = new Set<string>()
    const floor = () => (top.length >= want ? top[want - 1]!.stamp : undefined)
    let at = await cursor.first()
    while (at && this.#moves() < moves) {
      const word = keyWord(at.key)
      const here = candidate(at)
      const oldest = floor()
      if (word === skip || (oldest !== undefined && here.stamp < oldest)) {
        at = await cursor.jump(word) // keys of `word` all sort after `word` itself
        continue
      }
      if (!ids.has(here.id) && this.#wanted(here.id)) {
        ids.add(here.id)
        let i = top.length
        while (i > 0 && compare(top[i - 1]!, here) < 0) i--
        top.splice(i, 0, here)
      }
      at = await cursor.next()
    }
    const oldest = floor()
    return oldest === undefined ? top : top.filter(({ stamp }) => stamp >= oldest)
  }

  // ── Rows ─────────────────────────────────────────────────────────────────────

  /**
   * Whether a candidate is still to be read: not read yet, in the thread when one is asked
   * for, and among the ids `#keep` allows (step 4).
   */
  #wanted(id: string): boolean {
    return !this.#checked.has(id) && (!this.#inThread || this.#inThread.has(id)) && (!this.#keep || this.#keep.has(id))
  }

  /** Reads the rows of `ids` not read yet and keeps those that match. Answers how many matched. */
  async #check(ids: readonly string[]): Promise<number> {
    const fresh = [...new Set(ids)].filter((id) => !this.#checked.has(id))
    for (const id of fresh) this.#checked.add(id)
    const rows = await Promise.all(fresh.map((id) => request(this.#store.get(id)) as Promise<MessageRow | undefined>))
    let matched = 0
    for (const row of rows) {
      if (!row || !this.#matches(row)) continue
      this.#found.set(row.id, row)
      matched++
    }
    return matched
  }

  /** Whether a row is in the thread asked for and its words satisfy every lookup. */
  #matches(row: MessageRow): boolean {
    if (this.#threadId !== undefined && row.thread !== this.#threadId) return false
    const words = row.words ?? []
    return this.#lookups.every(({ text, prefix }) => {
      const start = prefix ? text : text + KEY_SEPARATOR
      return words.some((key) => key.startsWith(start))
    })
  }

  // ── Cursors ──────────────────────────────────────────────────────────────────

  /** The index range of a lookup: the keys of one word, or of every word that begins with the text. */
  #range(lookup: IndexLookup): IDBKeyRange {
    const [lower, upper] = bounds(lookup)
    return this.#keyRange.bound(lower, upper)
  }

  /** A cursor over a lookup's range, newest first within each word. */
  #open(lookup: IndexLookup): KeyCursor {
    const [lower, upper] = bounds(lookup)
    const cursor = new KeyCursor(this.#words, this.#keyRange, lower, upper)
    this.#cursors.push(cursor)
    return cursor
  }

  stats() { return { moves: this.#moves(), rows: this.#checked.size, found: this.#found.size, cursors: this.#cursors.length } } // DEBUG

  #moves(): number {
    let moves = 0
    for (const cursor of this.#cursors) moves += cursor.moves
    return moves
  }
}

/** The first and last possible key of a lookup: of one word, or of every word that begins with the text. */
function bounds({ text, prefix }: IndexLookup): [string, string] {
  const start = prefix ? text : text + KEY_SEPARATOR
  return [start, start + '\uffff']
}

/** Hits for the rows that hold every term: best score first, then newest (timestamp, then database order). */
function rank(rows: readonly MessageRow[], terms: readonly SearchTerm[], limit: number): SearchHit[] {
  const hits: Array<{ readonly hit: SearchHit; readonly seq: number }> = []
  for (const row of rows) {
    const match = matchTerms(row.message.content, terms)
    if (match) hits.push({ hit: { threadId: row.thread, message: row.message, ranges: match.ranges, score: match.score }, seq: row.seq })
  }
  hits.sort((a, b) => b.hit.score - a.hit.score || b.hit.message.timestamp - a.hit.message.timestamp || b.seq - a.seq)
  return hits.slice(0, limit).map(({ hit }) => hit)
}
