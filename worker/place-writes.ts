/**
 * The writes of a batch, placed straight on the stores of its IndexedDB transaction as native
 * requests (see `Batch.write`). Dexie's bulk writes do the same loop with a promise, its zone
 * and middleware around each table's part, which an awaited single send pays for on every
 * call; they also cancel a failing request's error event (to collect a `BulkError`) and
 * abort the transaction when Dexie gets round to it. Here a failing request aborts it at once.
 */

/** Rows to add or put in a store, or keys to delete from it. */
export type StoreWrites = readonly [store: string, method: 'add' | 'put' | 'delete', values: readonly unknown[]]

/**
 * Places `writes` in order on `trans` and settles once the last of them succeeded (requests
 * of a transaction answer in the order placed). The first that fails rejects with its error,
 * through `refusedAdd` for an `add` of a key that exists (`ConstraintError`), and aborts the
 * transaction: its error event is kept from the transaction's own listeners (Dexie's cancels it).
 *
 * With `commit` (the writes are the last the transaction makes), the last one's success
 * commits the transaction at once (`IDBTransaction.commit()`, where the browser has it), as
 * Dexie does for a single write of its own: without it, Chromium commits only after the
 * worker's task has ended, one more wait per awaited send. Every request has succeeded by
 * then; a commit that fails (the quota) still aborts the transaction.
 */
export function placeWrites(trans: IDBTransaction, writes: readonly StoreWrites[], refusedAdd: (store: string) => Error, commit = false): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let last: IDBRequest | undefined
    for (const [name, method, values] of writes) {
      if (values.length === 0) continue
      const store = trans.objectStore(name)
      const failed = (event: Event) => {
        event.stopPropagation() // not cancelled: the transaction aborts
        const error = (event.target as IDBRequest).error
        reject(method === 'add' && error?.name === 'ConstraintError' ? refusedAdd(name) : (error ?? new Error(`${method} on ${name} failed`)))
      }
      for (const value of values) {
        last = method === 'delete' ? store.delete(value as IDBValidKey) : store[method](value)
        last.onerror = failed
      }
    }
    if (!last) return resolve()
    last.onsuccess = () => {
      if (commit) {
        try {
          trans.commit?.()
        } catch {
          // Finished already: its outcome is the transaction's.
        }
      }
      resolve()
    }
  })
}
