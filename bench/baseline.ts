/**
 * The baseline every send figure is a ratio to: raw Dexie, one `bulkPut` of the same rows.
 * Apart from `workload.ts` because it loads Dexie (see there).
 */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { Dexie } from 'dexie'
import { makeRows } from './workload.js'

/**
 * The baseline: the same rows into a table with the same indexes, one raw Dexie `bulkPut`,
 * on a fresh in-memory IndexedDB. Answers the time taken and the rows stored afterwards.
 */
export async function timeRawBulkPut(databaseName: string, texts: readonly string[]): Promise<{ ms: number; stored: number }> {
  const db = new Dexie(databaseName, { indexedDB: new IDBFactory(), IDBKeyRange })
  db.version(1).stores({ messages: 'id, [thread+seq]' })
  await db.open()
  const rows = makeRows(texts)
  const t0 = performance.now()
  await db.table('messages').bulkPut(rows)
  const ms = performance.now() - t0
  const stored = await db.table('messages').count()
  db.close()
  return { ms, stored }
}

