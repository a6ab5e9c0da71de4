/**
 * The baseline every send figure is a ratio to: raw Dexie, one `bulkPut` of the same rows.
 * Apart from `workload.ts` because it loads Dexie (see there).
 */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { Dexie } from 'dexie'
import { searchWords } from '../src/core/search-words.js'
import { makeRows } from './workload.js'

/**
 * The baseline: the same rows into a table with the same indexes (schema 2: the search
 * words too, computed inside the timed part as the engine does), one raw Dexie `bulkPut`,
 * on a fresh in-memory IndexedDB. Answers the time taken and the rows stored afterwards.
 */
export async function timeRawBulkPut(databaseName: string, texts: readonly string[]): Promise<{ ms: number; stored: number }> {
  const db = new Dexie(databaseName, { indexedDB: new IDBFactory(), IDBKeyRange })
  db.version(1).stores({ messages: 'id, [thread+seq], *words' })
  await db.open()
  const rows = makeRows(texts)
  const t0 = performance.now()
  // The same work as the engine's rows: each message with its search words, in the same multi-entry index.
  await db.table('messages').bulkPut(rows.map((row) => ({ ...row, words: searchWords(row.message) })))
  const ms = performance.now() - t0
  const stored = await db.table('messages').count()
  db.close()
  return { ms, stored }
}

