/**
 * Reading one word's entries of the search index newest first, in chunks. Where IndexedDB
 * has `getAllRecords` with a direction (Chromium 141+, fake-indexeddb 6.2+), a chunk is one
 * request and brings the rows along; elsewhere a key cursor steps through the entries and
 * the rows are read later, only for the messages that match.
 */
import { KEY_SEPARATOR } from '../src/core/search-words.js'
import type { MessageRow } from './database.js'
import { KeyCursor, request } from './key-cursor.js'

/** An index entry: the message's time as the key holds it, its id, and its row when read along. */
export interface Entry {
  readonly stamp: string
  readonly id: string
  readonly row: MessageRow | undefined
}

/** A word's entries, newest first. */
export interface EntryReader {
  /** The next up to `count` entries; fewer only at the end. */
  next(count: number): Promise<Entry[]>
  /** Whether every entry has been read. */
  readonly done: boolean
  /** Requests made so far. */
  readonly requests: number
}

/** The part of IndexedDB 3.0's `IDBIndex.getAllRecords` used here. */
interface RecordsIndex {
  getAllRecords(options: { query: IDBKeyRange; count: number; direction: 'prev' }): IDBRequest<
    Array<{ readonly key: string; readonly primaryKey: string; readonly value: MessageRow }>
  >
}

const stampOf = (key: string): string => key.slice(key.indexOf(KEY_SEPARATOR) + 1)

/** Whether `index` can read records newest first in one request. */
export const readsRecords = (index: IDBIndex): boolean => typeof (index as Partial<RecordsIndex>).getAllRecords === 'function'

/** A reader of the keys `[lower, upper]` of `index`, newest first. */
export function readNewest(index: IDBIndex, keyRange: typeof IDBKeyRange, lower: string, upper: string): EntryReader {
  return readsRecords(index) ? new RecordReader(index as IDBIndex & RecordsIndex, keyRange, lower, upper) : new CursorReader(index, keyRange, lower, upper)
}

class RecordReader implements EntryReader {
  readonly #index: RecordsIndex
  readonly #keyRange: typeof IDBKeyRange
  readonly #lower: string
  #upper: string
  /** Entries of the key `#upper` read already (they come first again: skipped). */
  #seen = 0
  done = false
  requests = 0

  constructor(index: RecordsIndex, keyRange: typeof IDBKeyRange, lower: string, upper: string) {
    this.#index = index
    this.#keyRange = keyRange
    this.#lower = lower
    this.#upper = upper
  }

  async next(count: number): Promise<Entry[]> {
    if (this.done) return []
    this.requests++
    const query = this.#keyRange.bound(this.#lower, this.#upper)
    const records = await request(this.#index.getAllRecords({ query, count: count + this.#seen, direction: 'prev' }))
    if (records.length < count + this.#seen) this.done = true
    const fresh = records.slice(this.#seen)
    const last = fresh[fresh.length - 1]
    if (last) {
      // The next chunk starts at the last key again (more messages may share it): skip what was read.
      this.#seen = last.key === this.#upper ? this.#seen + fresh.length : fresh.filter((record) => record.key === last.key).length
      this.#upper = last.key
    }
    return fresh.map(({ key, primaryKey, value }) => ({ stamp: stampOf(key), id: primaryKey, row: value }))
  }
}

class CursorReader implements EntryReader {
  readonly #cursor: KeyCursor
  #started = false
  done = false

  constructor(index: IDBIndex, keyRange: typeof IDBKeyRange, lower: string, upper: string) {
    this.#cursor = new KeyCursor(index, keyRange, lower, upper)
  }

  get requests(): number {
    return this.#cursor.moves
  }

  async next(count: number): Promise<Entry[]> {
    const out: Entry[] = []
    while (!this.done && out.length < count) {
      const at = this.#started ? await this.#cursor.next() : await this.#cursor.first()
      this.#started = true
      if (!at) this.done = true
      else out.push({ stamp: stampOf(at.key), id: at.id, row: undefined })
    }
    return out
  }
}
