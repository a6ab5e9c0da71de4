/**
 * Native IndexedDB requests as promises, and a key cursor that walks an index backwards and
 * can jump: what Dexie's collections do not offer.
 *
 * Every next request must be made in the continuation of the previous one's promise (no
 * timers, no other awaits in between): IndexedDB commits a transaction that has nothing to do.
 */

/** Requests made through `request` and key cursors since the page started: the search benchmark's measure. */
export const requestCount = { value: 0 }

/** The answer of a request. */
export function request<T>(req: IDBRequest<T>): Promise<T> {
  requestCount.value++
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error)
  })
}

/** Where a key cursor stands: the index key and the primary key of its entry. */
export interface KeyPosition {
  readonly key: string
  readonly id: string
}

/**
 * Steps a cursor takes before it is opened again at its position. fake-indexeddb (the
 * memory storage, and Node) finds each next entry by scanning from the top of the cursor's
 * range, so a long walk costs its length squared; a cursor opened at its position starts
 * a new top. Real IndexedDB pays one request either way.
 */
const STEPS_PER_OPENING = 64

/**
 * A key cursor over the string keys `[lower, upper]` of an index, newest (greatest) first.
 * Jumps open a new cursor whose range ends at the target, which any IndexedDB finds in
 * logarithmic time.
 */
export class KeyCursor {
  readonly #index: IDBIndex
  readonly #keyRange: typeof IDBKeyRange
  readonly #lower: string
  readonly #upper: string
  #position: KeyPosition | null = null
  #steps = 0
  #moves = 0
  /** The request of the open cursor, and the one waiting for its next success. */
  #request: IDBRequest<IDBCursor | null> | undefined
  #waiting: { resolve: (cursor: IDBCursor | null) => void; reject: (error: unknown) => void } | undefined

  constructor(index: IDBIndex, keyRange: typeof IDBKeyRange, lower: string, upper: string) {
    this.#index = index
    this.#keyRange = keyRange
    this.#lower = lower
    this.#upper = upper
  }

  /** Requests made so far (openings and steps). */
  get moves(): number {
    return this.#moves
  }

  /** The greatest entry of the range. */
  first(): Promise<KeyPosition | null> {
    return this.#seek(this.#upper, undefined, false)
  }

  /** The entry after the current one (the next smaller). */
  async next(): Promise<KeyPosition | null> {
    const at = this.#position
    if (!at) return null
    if (this.#steps >= STEPS_PER_OPENING) return this.#seek(at.key, at.id, true)
    return this.#settle(await this.#step((cursor) => cursor.continue()))
  }

  /** The greatest entry whose key is at most `key`. */
  jump(key: string): Promise<KeyPosition | null> {
    return this.#seek(key, undefined, false)
  }

  /** The greatest entry at most (`key`, `id`), comparing keys and then ids. */
  jumpTo(key: string, id: string): Promise<KeyPosition | null> {
    return this.#seek(key, id, false)
  }

  /** Opens a cursor ending at `key` and steps past the entries of `key` above `id` (or at it, `strict`). */
  async #seek(key: string, id: string | undefined, strict: boolean): Promise<KeyPosition | null> {
    if (key < this.#lower) return this.#settle(null)
    const upper = key < this.#upper ? key : this.#upper
    this.#steps = 0
    this.#request = this.#index.openKeyCursor(this.#keyRange.bound(this.#lower, upper), 'prev')
    this.#request.onsuccess = () => {
      const waiting = this.#waiting
      this.#waiting = undefined
      waiting?.resolve(this.#request!.result)
    }
    const request = this.#request
    request.onerror = () => this.#waiting?.reject(request.error)
    let cursor = await this.#wait()
    // Entries of the same key sort by id: skip those at or after the target (a few at most).
    while (cursor && id !== undefined && cursor.key === key && (strict ? (cursor.primaryKey as string) >= id : (cursor.primaryKey as string) > id)) {
      cursor = await this.#step((open) => open.continue())
    }
    return this.#settle(cursor)
  }

  #step(move: (cursor: IDBCursor) => void): Promise<IDBCursor | null> {
    const cursor = this.#request?.result
    if (!cursor) return Promise.resolve(null)
    const moved = this.#wait()
    this.#steps++
    move(cursor)
    return moved
  }

  #wait(): Promise<IDBCursor | null> {
    this.#moves++
    requestCount.value++
    return new Promise((resolve, reject) => (this.#waiting = { resolve, reject }))
  }

  /** Reads the cursor's keys at once: the browser reuses the cursor object. */
  #settle(cursor: IDBCursor | null): KeyPosition | null {
    this.#position = cursor ? { key: cursor.key as string, id: cursor.primaryKey as string } : null
    return this.#position
  }
}
