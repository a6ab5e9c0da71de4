/**
 * Full-text search of the stored messages through the `words` index (schema 2). Its keys are
 * `searchWords`'s: a normalized word, `KEY_SEPARATOR`, the message's time; so the entries of
 * one word lie oldest to newest, and reading a word backwards meets its newest messages first.
 *
 * How a query is answered, every step bounded:
 * 1. With a thread of at most `SMALL_THREAD` messages: the thread's rows are read and matched.
 * 2. A single word being typed: its newest whole-word matches, one request; often enough.
 * 3. The ids of each lookup are read, at most `PROBE` each. When a lookup has no more, its
 *    rows are read (one request) and checked against every other lookup: exact.
 * 4. Newest first, for whole-word lookups (a scan): the newest entries of each lookup are
 *    read (one request each where IndexedDB has `getAllRecords`, rows included), and those
 *    of the lookup that reaches back furthest, the rarest word lately, are checked against
 *    the others on their rows. Then, where the others are much more frequent (or most of
 *    the rarest word's rows hold them), the rarest word's rows are read on, newest first
 *    (in chunks as large as the rate of matches says), and checked the same way. Otherwise
 *    windows of time further back: the ids of every
 *    windowed lookup in the window (`getAllKeys` on the keys of that time), intersected, and
 *    the rows of those left, newest first. The windowed lookups are chosen by cost: the
 *    rarest, then each next rarest while its ids cost less than the rows read alone that it
 *    spares (the rest are checked on those rows); a window reads about `WINDOW_IDS` ids at
 *    most. Each window is complete, so matches come newest first and the scan stops at
 *    `limit`. The word being typed is taken as a whole word first (those rank
 *    first, and only those count towards `limit` in that pass); then the other lookups
 *    scan, and their messages are checked for it as a prefix: only messages under its
 *    longer words can be new (none when it begins no longer word). A scan that went through
 *    every message holding some of its words leaves nothing for a later one with them.
 *    A prefix alone: the newest messages of all are read, a few first and the rest of
 *    `RECENT` only when some of those hold it (a prefix of many words is in many), then its
 *    words are walked on one cursor from the end of its range, leaving each word once it is
 *    older than the `limit`-th newest found.
 * Every search stops at `MAX_WORK`: a query of only common words that rarely meet, or a
 * prefix that begins thousands of words, may then miss older matches.
 *
 * The ranking itself (`matchTerms`) reads the text: every term present, whole-word matches
 * first, then newer first (the message's timestamp, then its place in the database).
 *
 * Uses the native IndexedDB of Dexie's database (`backendDB()`) in one read-only
 * transaction: Dexie's collections neither read an index backwards in one request nor jump
 * a cursor to a key.
 */
import type { SearchHit, ThreadId } from '../src/core/protocol.js'
import { EVERY_MESSAGE, KEY_SEPARATOR, lookupsOf, matchTerms, parseQuery, timeStamp, type IndexLookup, type SearchTerm } from '../src/core/search-words.js'
import type { ChatDatabase, MessageRow } from './database.js'
import { request, requestCount } from './key-cursor.js'
import type { Entry, EntryReader } from './newest-entries.js'
import { walkPrefix, type Walked } from './walk-prefix.js'
import { WordIndex, bounds, longerBounds, time } from './word-index.js'

/** A thread filter on a thread this small reads the thread instead of the index. */
const SMALL_THREAD = 500
/** A lookup with at most this many entries drives the search: its rows are read. */
const PROBE = 300
/**
 * The work after which a search answers what it has found, in units of about one id read
 * in bulk (some 5 µs in Chromium): an entry read with its row counts `RECORD`, a row read
 * alone or a cursor move `REQUEST`.
 */
const MAX_WORK = 40_000
const RECORD = 5
const REQUEST = 20
/** The newest messages read first for a prefix alone. */
const RECENT = 200
/**
 * A prefix alone reads the newest `RECENT / SAMPLE` messages first; the rest of the `RECENT`
 * only when at least `SAMPLE_MATCHES` of those hold it (one in 20 or more: a prefix of many
 * words); otherwise its words are walked at once.
 */
const SAMPLE = 5
const SAMPLE_MATCHES = 2
/**
 * A scan's windows read the ids of words at most this many times as frequent as the rarest
 * (a quarter of it when a prefix's ids narrow them); more frequent ones are checked on rows.
 */
const DENSER = 4
/**
 * What a plan weighs, in ids read in bulk (some 6.5 µs each in Chromium): an entry read with
 * its row, and a row read alone among others (measured over the benchmark's queries).
 */
const ROW_COST = 6
const GET_COST = 12
/** Candidates this few are checked on their rows at once. */
const SMALL_SET = 150
/** The ids a scan's window reads, about, at most (each a few µs; a window's requests some 150 ids' worth). */
const WINDOW_IDS = 800
/** A scan's next window is at most this many times as long as the last. */
const GROWTH = 4
/** Matches of a window that tell their rate well enough to size the next window by. */
const RATE_KNOWN = 4
/** Candidates of a window checked beyond those still wanted (some may not match, or tie with the last). */
const CHECK_SLACK = 4
/** The ids of a prefix read whole to narrow a scan's windows, at most. */
const SET_SIZE = 5_000
/** The largest first chunk of a scan (a `limit` of 200 reads 201). */
const MAX_CHUNK = 256

/** What to search for. */
export interface SearchRequest {
  readonly query: string
  /** Only messages of this thread. */
  readonly threadId?: ThreadId | undefined
  readonly limit: number
}

/** What one search read: ids in bulk, entries read with their rows, rows read alone, cursor moves, and requests in all. */
export interface SearchWork {
  ids: number
  records: number
  gets: number
  moves: number
  requests: number
}

/** What the last search read (the search benchmark prints it for the slowest queries). */
export const lastSearchWork: SearchWork = { ids: 0, records: 0, gets: 0, moves: 0, requests: 0 }

/**
 * The best `limit` messages for `query`, best first. Must run outside any Dexie transaction
 * (it opens its own, read-only, on the messages).
 */
export async function searchMessages(db: ChatDatabase, { query, threadId, limit }: SearchRequest): Promise<SearchHit[]> {
  const terms = parseQuery(query)
  if (terms.length === 0) return []
  const store = db.backendDB().transaction('messages', 'readonly').objectStore('messages')
  const keyRange = db._options.IDBKeyRange as unknown as typeof IDBKeyRange
  const requests = requestCount.value
  const search = new Search(store, keyRange, terms, threadId)
  const rows = await search.find(limit)
  Object.assign(lastSearchWork, search.read, { requests: requestCount.value - requests })
  return rank(rows, terms, limit)
}

/**
 * Step 4's read of whole-word lookups, newest first, resumable (the typed word's pass
 * first runs alone): the first chunk of the rarest lookup, then windows of time further back.
 */
interface Scan {
  readonly lookups: readonly IndexLookup[]
  /** Matches taken so far. */
  added: number
  /** Set once started: the time (ms) the next window ends at (inclusive), and how far back it reaches. */
  before: number | undefined
  span: number
  /** How far back (ms) each lookup's first entries reached: the rarest lately reaches furthest. */
  reach: ReadonlyMap<IndexLookup, number>
  /** The lookups whose ids the windows read: the rarest, and those not much more frequent lately. */
  windowed: readonly IndexLookup[]
  /** The ids under every prefix lookup of the query, when they are few enough to read whole. */
  among: ReadonlySet<string> | undefined
  /** With `among`: the keys of the prefix lookup with the fewest entries (of the typed word: its longer words), and how many. */
  narrowest: { readonly keys: readonly [string, string]; readonly entries: number } | undefined
  /** The time before which nothing matches: no window reaches further. */
  oldest: number | undefined
  /** Matches the windows found, and the time they covered: the next window's estimate. */
  matched: number
  covered: number
  /** Whether every match has been taken. */
  done: boolean
  /** The rarest lookup's entries newest first, and its first ones (rows included where `getAllRecords` exists). */
  driver: EntryReader | undefined
  first: readonly Entry[]
  /** The time (as the index keys hold it) of the last of the rarest lookup's entries read. */
  stamp: string | undefined
  /** The rarest lookup. */
  driverLookup: IndexLookup | undefined
  /** Once done: lookups every message of which (holding all of them) has been checked. */
  complete: readonly IndexLookup[] | undefined
  /** Set when the windows would cost more than reading on through the rarest lookup's rows: those are read instead. */
  rows: boolean
  /** Candidates of the last window not checked yet (the rest were enough), oldest first. */
  pending: string[]
}

/** One pass of step 4: a scan, or a walk of a prefix (`skip`: a word left out). */
type Pass = { readonly scan: Scan } | { readonly walk: IndexLookup; readonly skip: string | undefined; added: number }

class Search {
  readonly #store: IDBObjectStore
  readonly #words: WordIndex
  readonly #keyRange: typeof IDBKeyRange
  readonly #terms: readonly SearchTerm[]
  readonly #lookups: readonly IndexLookup[]
  readonly #threadId: ThreadId | undefined
  /** The ids of a large filtered thread, to skip other threads' entries before reading rows. */
  #inThread: ReadonlySet<string> | undefined
  /** Rows read that match every lookup, by id. */
  readonly #found = new Map<string, MessageRow>()
  /** Ids whose rows were checked (matching or not). */
  readonly #checked = new Set<string>()
  /** Lookups of finished scans: every message that holds all of one such list has been checked. */
  readonly #complete: Array<readonly IndexLookup[]> = []
  /** How far back each lookup reaches, once read (a later pass asks again), by kind and text. */
  readonly #oldestOf = new Map<string, Promise<number | undefined>>()
  /** Index entries and rows read (the budget's measure). */
  #work = 0
  /** The same, by kind. */
  readonly read: SearchWork = { ids: 0, records: 0, gets: 0, moves: 0, requests: 0 }
  #passes: Pass[] | undefined

  constructor(store: IDBObjectStore, keyRange: typeof IDBKeyRange, terms: readonly SearchTerm[], threadId: ThreadId | undefined) {
    this.#store = store
    this.#words = new WordIndex(store.index('words'), keyRange)
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
    const single = this.#lookups.length === 1 && !this.#inThread
    // One word being typed: its newest whole-word matches first, one request where they suffice.
    if (single && this.#terms[0]?.prefix && (await this.#newest(want, MAX_WORK, 1))) {
      if (this.#found.size >= want) return found()
    }
    const probed = await this.#readIds(PROBE)
    if (probed) {
      await this.#readDriver(probed.driver, probed.keep)
      return found()
    }
    await this.#newest(want, MAX_WORK)
    return found()
  }

  // ── Step 3 ───────────────────────────────────────────────────────────────────

  /**
   * Reads the ids of every lookup, up to `size` each. When a lookup has no more: it as the
   * driver, and the ids under every lookup read whole (and in the thread). `undefined` when
   * every lookup has more.
   */
  async #readIds(size: number): Promise<{ driver: IndexLookup; keep: string[] } | undefined> {
    const lists = await Promise.all(this.#lookups.map((lookup) => this.#words.ids(lookup, size)))
    const whole = lists.map((ids, i) => ({ lookup: this.#lookups[i]!, ids: new Set(ids), size: ids.length })).filter((list) => list.size <= size)
    for (const list of lists) this.#addIds(list.length)
    whole.sort((a, b) => a.ids.size - b.ids.size)
    const [smallest, ...others] = whole
    if (!smallest) return undefined
    const keep = [...smallest.ids].filter((id) => others.every(({ ids }) => ids.has(id)) && this.#wanted(id))
    return { driver: smallest.lookup, keep }
  }

  /** Step 2: reads the rows of a small lookup in one request and keeps those in `keep` that match. */
  async #readDriver(driver: IndexLookup, keep: readonly string[]): Promise<void> {
    const wanted = new Set(keep)
    const rows = await this.#words.rows<MessageRow>(driver)
    this.#addRecords(rows.length)
    for (const row of rows) {
      if (!wanted.has(row.id) || this.#checked.has(row.id)) continue
      this.#checked.add(row.id)
      if (this.#matches(row)) this.#found.set(row.id, row)
    }
  }

  // ── Steps 2 and 4 ────────────────────────────────────────────────────────────

  /**
   * Step 4 (its first `passes`), until `want` rows match or `work` is spent; resumes where
   * it stopped. Answers whether it finished within the budget.
   */
  async #newest(want: number, work: number, passes = 2): Promise<boolean> {
    this.#passes ??= this.#plan()
    let need = want
    const added = (pass: Pass) => ('scan' in pass ? pass.scan.added : pass.added)
    for (const pass of this.#passes.slice(0, passes)) {
      if (need <= 0) break
      if (added(pass) < need) {
        if ('scan' in pass) {
          await this.#runScan(pass.scan, need - added(pass), work)
          if (pass.scan.complete) this.#complete.push(pass.scan.complete)
        } else pass.added += await this.#walkAndCheck(pass.walk, need - added(pass), pass.skip, work)
      }
      need -= added(pass)
    }
    return this.#work < work
  }

  /**
   * The passes of step 4. The word being typed, found whole, ranks above every match of it
   * as a prefix: those first.
   */
  #plan(): Pass[] {
    const typed = this.#terms.find((term) => term.prefix)?.text
    const whole = this.#lookups.filter((lookup) => !lookup.prefix)
    const first = typed === undefined ? whole : [...whole, { text: typed, prefix: false }]
    const scan = (lookups: readonly IndexLookup[]): Scan => ({ lookups, added: 0, before: undefined, span: 0, reach: new Map(), windowed: lookups, among: undefined, narrowest: undefined, oldest: undefined, matched: 0, covered: 0, done: false, driver: undefined, first: [], stamp: undefined, driverLookup: undefined, complete: undefined, rows: false, pending: [] })
    const passes: Pass[] = [first.length > 0 ? { scan: scan(first) } : { walk: this.#lookups[0]!, skip: undefined, added: 0 }]
    if (typed !== undefined) passes.push(whole.length > 0 ? { scan: scan(whole) } : { walk: { text: typed, prefix: true }, skip: typed, added: 0 })
    return passes
  }

  /**
   * Takes a scan's matches newest first, until `need` more matched (and those as new as the
   * last of them), every match is taken, or `work` is spent.
   *
   * It starts with the newest entries of every lookup (one request each where IndexedDB has
   * `getAllRecords`, rows included) and checks those of the lookup that reach back furthest
   * (the rarest word lately). Where reading on through that lookup's rows costs less (the
   * others are much more frequent, or most of its messages hold them too), it does so.
   * Otherwise it reads windows of time further back: the ids of every
   * lookup in the window, intersected, and the rows of what is left. The first window is
   * sized by how far back the rarest word's first entries reached and how many of them
   * matched, each next one by the rate of the matches found so far (at most 4 times as
   * long); one that holds too many messages to read is halved. Only a window's newest
   * candidates are read, as many as are still wanted: the rest wait (`pending`). When the
   * query's typed word narrows the candidates to a few hundred messages and the windows
   * would read the ids of much more frequent words, that word's rows are read instead.
   */
  async #runScan(scan: Scan, need: number, work: number): Promise<void> {
    const goal = scan.added + need
    // An earlier scan checked every message that holds all of some of these words: nothing is left.
    const has = (lookup: IndexLookup) => scan.lookups.some(({ text, prefix }) => text === lookup.text && prefix === lookup.prefix)
    if (this.#complete.some((lookups) => lookups.every(has))) {
      scan.done = true
      return
    }
    if (scan.before === undefined) await this.#startScan(scan, Math.min(need + 1, MAX_CHUNK))
    if (scan.pending.length > 0) {
      scan.added += await this.#checkPending(scan, need)
      if (scan.pending.length === 0 && scan.before !== undefined && scan.oldest !== undefined && scan.before < scan.oldest) {
        scan.done = true
        scan.complete = scan.windowed
      }
      if (scan.added >= goal) return
    }
    while (!scan.done && this.#work < work) {
      const wanted = goal - scan.added
      const to = scan.before!
      // With every match wanted taken, only messages of the last one's time are left to read:
      // how far back the lookups reach is not needed (nor is reading it, often from a part of
      // the index no search read before).
      if (scan.oldest === undefined && wanted > 0) {
        scan.oldest = await this.#oldest(scan.lookups)
        // The prefix's ids narrow the windows down, but reading more of them than the rows of
        // the rarest lookup (as many as its first entries' reach says) buys nothing.
        const reach = Math.max(1, ...scan.reach.values())
        const estimate = Number.isFinite(reach) ? (scan.first.length * Math.max(1, time(scan.first[0]?.stamp) - scan.oldest)) / reach : 0
        scan.among = await this.#among(scan, Math.min(SET_SIZE, Math.max(SMALL_SET, Math.ceil(RECORD * estimate))))
        const left = scan.among && [...scan.among].filter((id) => this.#wanted(id))
        if (left && left.length <= SMALL_SET) {
          // Few messages have the prefix (and not the typed word whole): their rows tell all.
          scan.added += await this.#check(left.map((id) => ({ stamp: '', id, row: undefined })), inScan(scan))
          scan.done = true
          return
        }
        if (left && scan.narrowest && RECORD * scan.narrowest.entries <= estimate / 2) {
          // Reading the windows' ids could cost more than every row of the prefix (one request,
          // its entries as the ids said): those tell all.
          const rows = await this.#words.rowsIn<MessageRow>(scan.narrowest.keys)
          this.#addRecords(rows.length)
          const candidates = rows.filter(({ id }) => scan.among!.has(id) && this.#wanted(id))
          scan.added += await this.#check(candidates.map((row) => ({ stamp: '', id: row.id, row })), inScan(scan))
          scan.done = true
          return
        }
        // Much more frequent words are checked on the rows instead: reading their ids costs
        // more, the more so when the prefix's ids narrow the windows down already.
        const rarest = reach
        const denser = scan.among ? DENSER / 4 : DENSER
        scan.windowed = (!scan.among && this.#windowedByCost(scan, rarest)) || scan.lookups.filter((lookup) => (scan.reach.get(lookup) ?? 0) * denser >= rarest)
        scan.rows = !scan.among && this.#rowsCostLess(scan, rarest)
      }
      if (scan.rows) {
        await this.#readOn(scan, goal, work)
        return
      }
      const from = wanted > 0 ? Math.max(scan.oldest!, to - Math.min(scan.span, this.#longestWindow(scan))) : to
      const ids = await this.#window(scan, from, to)
      if (wanted > 0 && ids.length > Math.max(4 * wanted, 64) && to > from) {
        scan.span = Math.max(1, Math.floor((to - from) / 2)) // too many rows to read: the newer half first
        continue
      }
      scan.pending = ids
      const matched = await this.#checkPending(scan, wanted)
      scan.added += matched
      scan.before = from - 1
      if (scan.oldest !== undefined && from <= scan.oldest && scan.pending.length === 0) {
        scan.done = true
        scan.complete = scan.windowed
      }
      // Enough, with every message as new as the last of them (`from` was that time): stop.
      if (wanted <= 0 || scan.added >= goal) return
      // The next window: as far back as the matches so far say the rest lies, up to 8× as far.
      // Once a few matches tell their rate, a window expected to hold the rest with a margin
      // (one window usually suffices, and one much longer reads ids for nothing); before
      // that, 2× at least (unless this one had to be halved: then as far).
      scan.matched += matched
      scan.covered += to - from + 1
      const left = goal - scan.added
      const least = to - from + 1 < scan.span ? scan.span : 2 * scan.span
      const guess =
        scan.matched >= RATE_KNOWN
          ? ((left + Math.sqrt(left) + 1) * scan.covered) / scan.matched
          : Math.max(least, scan.matched > 0 ? (1.25 * left * scan.covered) / scan.matched : least)
      scan.span = Math.min(GROWTH * scan.span, Math.max(1, Math.ceil(guess)))
    }
  }

  /**
   * Checks a scan's pending candidates (a window's, oldest first as the index orders them:
   * by time, then id) newest first, until `wanted` of them counted and the rest are older
   * than the `wanted`-th; those stay pending. Answers how many counted. With a dense term
   * every candidate is checked: its matches differ in quality (on word boundaries or not),
   * so an older one may rank first.
   */
  async #checkPending(scan: Scan, wanted: number): Promise<number> {
    const stamps: string[] = [] // of the counted matches, newest first
    const every = this.#terms.some((term) => term.dense)
    let matched = 0
    while (scan.pending.length > 0) {
      const size = every ? scan.pending.length : wanted > matched ? wanted - matched + CHECK_SLACK : CHECK_SLACK
      const chunk = scan.pending.slice(-size).reverse()
      scan.pending = scan.pending.slice(0, -size)
      let oldest = ''
      matched += await this.#check(
        chunk.map((id) => ({ stamp: '', id, row: undefined })),
        inScan(scan),
        (row, counted) => {
          const stamp = timeStamp(row.message.timestamp)
          if (counted) stamps.push(stamp)
          oldest = stamp
        },
      )
      // Unchecked candidates are no newer than the last one checked: enough once that one is older than the `wanted`-th match.
      if (wanted > 0 && matched >= wanted && oldest !== '' && oldest < stamps[wanted - 1]!) break
    }
    return matched
  }

  /** Checks the newest entries of the rarest of a scan's lookups, and sizes its first window. */
  async #startScan(scan: Scan, count: number): Promise<void> {
    const starts = await Promise.all(
      scan.lookups.map(async (lookup) => {
        const reader = this.#words.newest(lookup)
        return { lookup, reader, entries: await reader.next(count) }
      }),
    )
    for (const { entries } of starts) this.#addRecords(entries.length)
    // How far back the first entries reach: the rarest word lately reaches furthest.
    const reach = (start: (typeof starts)[number]) => {
      const newest = time(start.entries[0]?.stamp)
      return start.reader.done ? Number.POSITIVE_INFINITY : newest - time(start.entries[start.entries.length - 1]?.stamp)
    }
    const driver = starts.reduce((a, b) => (reach(b) > reach(a) ? b : a))
    scan.reach = new Map(starts.map((start) => [start.lookup, reach(start)]))
    const { reader, entries } = driver
    scan.driver = reader
    scan.driverLookup = driver.lookup
    scan.first = entries
    scan.stamp = entries[entries.length - 1]?.stamp
    const matched = await this.#check(entries.filter(({ id }) => this.#wanted(id)), inScan(scan))
    scan.added += matched
    const newest = time(entries[0]?.stamp)
    const last = time(entries[entries.length - 1]?.stamp)
    scan.done = reader.done // the rarest lookup read whole: every match is checked
    if (scan.done) scan.complete = [driver.lookup]
    scan.before = last // again: messages of that same time may be left
    const perEntry = Math.max(1, (newest - last) / Math.max(1, entries.length))
    const rate = (matched + 0.5) / Math.max(1, entries.length)
    // As far back as the first entries' rate of matches says, but no more than eight times their reach.
    scan.span = Math.ceil(perEntry * Math.min(8 * count, Math.max(32, (1.5 * (count - matched)) / rate)))
  }

  /**
   * Whether reading on through the rows of the rarest lookup costs less than windows of ids:
   * per entry of it, a row (`RECORD`), against the ids of every windowed lookup (each as many
   * as its first entries' reach says) and a row read alone (`REQUEST`) for each message in
   * all of them (as many as its first rows say). Without rows (no `getAllRecords`) the
   * windows narrow what must be read one by one: they are kept while they read another word.
   */
  #rowsCostLess(scan: Scan, rarest: number): boolean {
    const withRows = scan.first.filter((entry) => entry.row)
    if (withRows.length === 0) return false
    if (scan.windowed.length === 1) return true
    const ids = scan.windowed.reduce((sum, lookup) => sum + rarest / Math.max(1, scan.reach.get(lookup) ?? rarest), 0)
    // A few first rows say little about how many hold every word: the lower bound of the guess.
    const inAll = withRows.filter(({ row }) => scan.windowed.every((lookup) => hasLookup(row!, lookup))).length
    return ROW_COST <= ids + (GET_COST * Math.max(0, inAll - Math.sqrt(inAll))) / withRows.length
  }

  /**
   * The lookups whose ids a scan's windows read, chosen by what they cost and save: the
   * rarest, then each next rarest while its ids (per entry of the rarest, as the first
   * entries' reach says) cost less than the rows read alone (`GET_COST`) that it spares:
   * the candidates left so far that lack it, as the rarest's first rows say. `undefined`
   * without those rows.
   */
  #windowedByCost(scan: Scan, rarest: number): IndexLookup[] | undefined {
    const rows = scan.first.flatMap(({ row }) => (row ? [row] : []))
    const driver = scan.driverLookup
    if (rows.length === 0 || !driver) return undefined
    const reach = (lookup: IndexLookup) => scan.reach.get(lookup) ?? 0
    const others = scan.lookups.filter((lookup) => lookup !== driver).sort((a, b) => reach(b) - reach(a))
    const windowed = [driver]
    let candidates = 1 // per entry of the rarest
    for (const lookup of others) {
      const ids = rarest / Math.max(1, reach(lookup))
      const share = (rows.filter((row) => hasLookup(row, lookup)).length + 0.5) / (rows.length + 1)
      if (ids >= candidates * (1 - share) * GET_COST) continue
      windowed.push(lookup)
      candidates *= share
    }
    return windowed
  }

  /**
   * Takes a scan's matches from the rows of its rarest lookup, newest first, until `goal`
   * (and those as new as the last of them), every match is taken, or `work` is spent.
   */
  async #readOn(scan: Scan, goal: number, work: number): Promise<void> {
    const reader = scan.driver!
    let read = 0
    let taken = 0
    let last = 0
    while (!scan.done && this.#work < work) {
      const enough = scan.added >= goal
      // As many as the rate of matches so far says are left to read (each request costs some
      // 40 rows); twice the last chunk while nothing matched.
      const left = goal - scan.added
      const size = taken > 0 ? Math.ceil((1.25 * left * read) / taken) : Math.max(2 * left, 2 * last)
      const entries: readonly Entry[] = await reader.next(enough ? 8 : Math.min(4 * MAX_CHUNK, Math.max(64, size)))
      this.#addRecords(entries.length)
      if (!enough) {
        read += entries.length
        last = entries.length
      }
      scan.done = reader.done
      if (scan.done) scan.complete = [scan.driverLookup!]
      // Past the goal, only messages of the same time as the last one taken may still rank above it.
      const take = enough ? entries.filter(({ stamp }) => stamp === scan.stamp) : entries
      const matched = await this.#check(take.filter(({ id }) => this.#wanted(id)), inScan(scan))
      scan.added += matched
      if (!enough) taken += matched
      if (enough && take.length < entries.length) return
      scan.stamp = entries[entries.length - 1]?.stamp ?? scan.stamp
    }
  }

  /**
   * The longest window (ms) whose ids are about `WINDOW_IDS`, as the first entries' reach
   * says of each windowed lookup: a longer one would read more ids than the further
   * requests of shorter ones cost, when its matches come early.
   */
  #longestWindow(scan: Scan): number {
    const perMs = scan.windowed.reduce((sum, lookup) => sum + scan.first.length / (scan.reach.get(lookup) ?? Number.POSITIVE_INFINITY), 0)
    return perMs > 0 ? Math.max(1, Math.floor(WINDOW_IDS / perMs)) : Number.POSITIVE_INFINITY
  }

  /** The ids of a scan's windowed lookups from time `from` to `to`: in all of them, among the prefixes' ids, to check. */
  async #window(scan: Scan, from: number, to: number): Promise<string[]> {
    const lists = await Promise.all(scan.windowed.map(({ text }) => this.#words.idsBetween(text, from, to)))
    for (const ids of lists) this.#addIds(ids.length)
    lists.sort((a, b) => a.length - b.length)
    const [smallest = [], ...others] = lists
    const sets = others.map((ids) => new Set(ids))
    return smallest.filter((id) => sets.every((ids) => ids.has(id)) && (!scan.among || scan.among.has(id)) && this.#wanted(id))
  }

  /**
   * The ids that can still match under the prefix lookups of the query that the scan does
   * not cover with a whole word (the typed word, while the other words scan): under every
   * such prefix, less those with the typed word whole (found before). The typed word's ids
   * are read from its longer words only (those with it whole hold nothing new), and those
   * with it whole are read only when some are left. `undefined` when a prefix has more
   * than `size` messages.
   */
  async #among(scan: Scan, size: number): Promise<ReadonlySet<string> | undefined> {
    const covered = new Set(scan.lookups.map(({ text }) => text))
    const prefixes = this.#lookups.filter(({ text, prefix }) => prefix && !covered.has(text))
    if (prefixes.length === 0) return undefined
    const typed = this.#terms.find((term) => term.prefix)?.text
    const keys = prefixes.map((lookup) => (lookup.text === typed ? longerBounds(lookup.text) : bounds(lookup)))
    const lists = await Promise.all(keys.map((range) => this.#words.idsIn(range, size)))
    for (const ids of lists) this.#addIds(ids.length)
    if (lists.some((ids) => ids.length > size)) return undefined
    const fewest = lists.reduce((a, b) => (b.length < a.length ? b : a))
    scan.narrowest = { keys: keys[lists.indexOf(fewest)]!, entries: fewest.length }
    const sets = lists.map((ids) => new Set(ids))
    const left = [...sets[0]!].filter((id) => sets.every((ids) => ids.has(id)))
    const without = typed !== undefined && left.length > 0 && prefixes.some(({ text }) => text === typed) ? await this.#words.ids({ text: typed, prefix: false }, size) : []
    this.#addIds(without.length)
    const found = new Set(without)
    return new Set(left.filter((id) => !found.has(id)))
  }

  /** The time before which no message is under every one of `lookups`: the latest of their oldest times. */
  async #oldest(lookups: readonly IndexLookup[]): Promise<number> {
    const times = await Promise.all(
      lookups.map((lookup) => {
        const key = `${lookup.prefix ? 'p' : 'w'}:${lookup.text}`
        let oldest = this.#oldestOf.get(key)
        if (!oldest) this.#oldestOf.set(key, (oldest = this.#words.oldest(lookup)))
        return oldest
      }),
    )
    return Math.max(...times.map((t) => t ?? 0))
  }

  /**
   * Finds a prefix's newest matches. The newest messages of all are read first (one request
   * where IndexedDB has `getAllRecords`): a prefix that begins many words is in many of
   * them. When they hold too few, the prefix's words are walked for the rest. Answers how
   * many matched.
   */
  async #walkAndCheck(lookup: IndexLookup, want: number, skip: string | undefined, work: number): Promise<number> {
    if (want <= 0) return 0
    // The newest few first: a prefix in few of them begins few words, and its walk costs less
    // than the rest of the newest messages (rows, some 40 µs each in Chromium).
    const newest = this.#words.newest({ text: EVERY_MESSAGE, prefix: false })
    const recent = Math.max(RECENT, 4 * want)
    const first = await newest.next(Math.ceil(recent / SAMPLE))
    this.#addRecords(first.length)
    let matched = await this.#check(first.filter(({ id }) => this.#wanted(id)))
    if (matched >= want) return matched
    if (matched >= SAMPLE_MATCHES && !newest.done) {
      const rest = await newest.next(recent - first.length)
      this.#addRecords(rest.length)
      matched += await this.#check(rest.filter(({ id }) => this.#wanted(id)))
      if (matched >= want) return matched
    }
    // Other lookups are checked on the rows afterwards, and some fail: walk for more.
    const more = this.#lookups.length > 1 ? 4 : 1
    const walked = await this.#walk(lookup, more * (want - matched), skip, this.#movesLeft(work))
    const found = await this.#check(walked.top)
    // A walk cut short by the budget found matches, but maybe not the newest: they do not
    // count, and the walk runs again with more (the newest not checked yet).
    return walked.whole ? matched + found : 0
  }

  /** The cursor moves `work` leaves, at least one. */
  #movesLeft(work: number): number {
    return Math.max(1, Math.floor((work - this.#work) / REQUEST))
  }

  /** Walks a prefix's words for its newest `want` entries not checked yet, in at most `moves` moves. */
  async #walk(lookup: IndexLookup, want: number, skip: string | undefined, moves: number): Promise<Walked> {
    const walked = await walkPrefix(this.#words, lookup, want, skip, (id) => this.#wanted(id), moves)
    this.#work += REQUEST * walked.moves
    this.read.moves += walked.moves
    return walked
  }

  // ── Rows ─────────────────────────────────────────────────────────────────────

  #addIds(count: number): void {
    this.#work += count
    this.read.ids += count
  }

  #addRecords(count: number): void {
    this.#work += RECORD * count
    this.read.records += count
  }

  /** Whether a candidate is still to be checked: not checked yet, and in the thread when one is asked for. */
  #wanted(id: string): boolean {
    return !this.#checked.has(id) && (!this.#inThread || this.#inThread.has(id))
  }

  /**
   * Checks entries not checked yet (reading the rows not read along) and keeps those that
   * match. Answers how many matched and `counts` (a scan counts the matches of its own words).
   */
  async #check(entries: readonly Entry[], counts: (row: MessageRow) => boolean = () => true, checked?: (row: MessageRow, counted: boolean) => void): Promise<number> {
    const fresh = entries.filter(({ id }) => {
      if (this.#checked.has(id)) return false
      this.#checked.add(id)
      return true
    })
    const missing = fresh.filter(({ row }) => !row)
    this.#work += REQUEST * missing.length
    this.read.gets += missing.length
    const read = await Promise.all(missing.map(({ id }) => request(this.#store.get(id)) as Promise<MessageRow | undefined>))
    const rows = new Map(read.flatMap((row) => (row ? [[row.id, row] as const] : [])))
    let matched = 0
    for (const { id, row = rows.get(id) } of fresh) {
      if (!row) continue
      if (!this.#matches(row)) {
        checked?.(row, false)
        continue
      }
      this.#found.set(row.id, row)
      const counted = counts(row)
      if (counted) matched++
      checked?.(row, counted)
    }
    return matched
  }

  /** Whether a row is in the thread asked for and its words satisfy every lookup. */
  #matches(row: MessageRow): boolean {
    if (this.#threadId !== undefined && row.thread !== this.#threadId) return false
    return this.#lookups.every((lookup) => hasLookup(row, lookup))
  }
}

/** Whether a row holds every word of a scan (a match of the query may hold the typed word only as a prefix). */
const inScan =
  (scan: Scan) =>
  (row: MessageRow): boolean =>
    scan.lookups.every((lookup) => hasLookup(row, lookup))

/** Whether a row's words hold a lookup: the word, or a word it begins. */
function hasLookup(row: MessageRow, { text, prefix }: IndexLookup): boolean {
  const start = prefix ? text : text + KEY_SEPARATOR
  return (row.words ?? []).some((key) => key.startsWith(start))
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
