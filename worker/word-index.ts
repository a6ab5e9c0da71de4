/**
 * The `words` index of the messages as a search reads it: the key ranges of a lookup, ids
 * in bulk, ids of a window of time, and the newest or oldest entries of a word. Keys are
 * `searchWords`'s: a word, `KEY_SEPARATOR`, the message's time (nine base-36 digits).
 */
import { KEY_SEPARATOR, timeStamp, type IndexLookup } from '../src/core/search-words.js'
import { KeyCursor, request } from './key-cursor.js'
import { readNewest, type EntryReader } from './newest-entries.js'

/** A time of the index (base 36) as milliseconds; 0 for none. */
export const time = (stamp: string | undefined): number => (stamp ? parseInt(stamp, 36) : 0)

/** The time part of an index key. */
export const keyStamp = (key: string): string => key.slice(key.indexOf(KEY_SEPARATOR) + 1)

/** The first and last possible key of a lookup: of one word, or of every word that begins with the text. */
export function bounds({ text, prefix }: IndexLookup): [string, string] {
  const start = prefix ? text : text + KEY_SEPARATOR
  return [start, start + '\uffff']
}

/**
 * The keys of the words that begin with `text` and are longer: a lookup of `text` as a
 * prefix, less the word `text` itself (its keys hold `KEY_SEPARATOR` next, below every
 * character of a word).
 */
export function longerBounds(text: string): [string, string] {
  return [text + String.fromCharCode(KEY_SEPARATOR.charCodeAt(0) + 1), text + '\uffff']
}

/** The `words` index of one read-only transaction. */
export class WordIndex {
  readonly #index: IDBIndex
  readonly #keyRange: typeof IDBKeyRange

  constructor(index: IDBIndex, keyRange: typeof IDBKeyRange) {
    this.#index = index
    this.#keyRange = keyRange
  }

  /** The key range of a lookup. */
  range(lookup: IndexLookup): IDBKeyRange {
    const [lower, upper] = bounds(lookup)
    return this.#keyRange.bound(lower, upper)
  }

  /** The ids under a lookup, at most `size + 1` (more than `size`: there are more). */
  ids(lookup: IndexLookup, size: number): Promise<string[]> {
    return this.idsIn(bounds(lookup), size)
  }

  /** The ids of the keys `[lower, upper]`, at most `size + 1` (more than `size`: there are more). */
  async idsIn([lower, upper]: readonly [string, string], size: number): Promise<string[]> {
    return (await request(this.#index.getAllKeys(this.#keyRange.bound(lower, upper), size + 1))) as string[]
  }

  /** The rows of the keys `[lower, upper]`, in one request. */
  async rowsIn<T>([lower, upper]: readonly [string, string]): Promise<T[]> {
    return (await request(this.#index.getAll(this.#keyRange.bound(lower, upper)))) as T[]
  }

  /** The ids under the word `text` from time `from` to `to` (milliseconds, both included). */
  async idsBetween(text: string, from: number, to: number): Promise<string[]> {
    const range = this.#keyRange.bound(text + KEY_SEPARATOR + timeStamp(from), text + KEY_SEPARATOR + timeStamp(to))
    return (await request(this.#index.getAllKeys(range))) as string[]
  }

  /** The rows under a lookup, in one request. */
  rows<T>(lookup: IndexLookup): Promise<T[]> {
    return this.rowsIn<T>(bounds(lookup))
  }

  /** The time of the oldest entry under a lookup; `undefined` when there is none. */
  async oldest(lookup: IndexLookup): Promise<number | undefined> {
    const cursor = await request(this.#index.openKeyCursor(this.range(lookup), 'next'))
    return cursor ? time(keyStamp(cursor.key as string)) : undefined
  }

  /** A lookup's entries, newest first (by word, for a prefix). */
  newest(lookup: IndexLookup): EntryReader {
    const [lower, upper] = bounds(lookup)
    return readNewest(this.#index, this.#keyRange, lower, upper)
  }

  /** A key cursor over `[lower, upper]`, newest first. */
  cursor(lower: string, upper: string): KeyCursor {
    return new KeyCursor(this.#index, this.#keyRange, lower, upper)
  }
}
