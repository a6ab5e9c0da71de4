/**
 * Deleting many rows by key. IndexedDB deletes one key per request, and each request costs
 * (≈ 0.3 ms in Chromium); a key range goes in one. When most of a table goes (cleanup of
 * thousands of old tickets, their messages, headers and command ids), the keys to delete lie
 * in a few runs between the keys that stay: reading every key of the table (one request)
 * and deleting those runs as ranges is then far cheaper than a request per key.
 *
 * Must run inside a read-write transaction on `table`; awaits only Dexie.
 */
import type { Table } from 'dexie'

/** Fewer keys than this are deleted one by one: reading the whole table's keys would not pay. */
const FEW = 500

/** Deletes the rows of `keys` (each present or not) from `table`. */
export async function deleteKeys<K extends string>(table: Table<unknown, K>, keys: readonly K[]): Promise<void> {
  if (keys.length < FEW) {
    await table.bulkDelete(keys as K[])
    return
  }
  const runs = keyRuns(await table.toCollection().primaryKeys(), new Set(keys))
  // A range per run, unless the runs are nearly as many as the keys (every other key stays).
  if (runs.length * 2 > keys.length) await table.bulkDelete(keys as K[])
  else await Promise.all(runs.map(([first, last]) => table.where(':id').between(first, last, true, true).delete()))
}

/** The runs of consecutive keys of `all` (sorted, as IndexedDB answers them) that are in `gone`, as [first, last]. */
export function keyRuns<K>(all: readonly K[], gone: ReadonlySet<K>): Array<[K, K]> {
  const runs: Array<[K, K]> = []
  let start = -1
  for (let i = 0; i <= all.length; i++) {
    const inside = i < all.length && gone.has(all[i]!)
    if (inside && start < 0) start = i
    else if (!inside && start >= 0) {
      runs.push([all[start]!, all[i - 1]!])
      start = -1
    }
  }
  return runs
}
