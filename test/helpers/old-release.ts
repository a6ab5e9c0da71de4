/**
 * A database as the first release (0.1.0, schema 1) left it, held open by an "old tab":
 * a connection at the old version that, like the 0.1.0 code, does not let go when a newer
 * version asks (no `versionchange` handler that closes it).
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** The schema and rows of one store of a dumped release database (test/fixtures/db-*.json). */
export interface DumpedStore {
  readonly name: string
  readonly keyPath: string | string[] | null
  readonly autoIncrement: boolean
  readonly indexes: ReadonlyArray<{ name: string; keyPath: string | string[]; unique: boolean; multiEntry: boolean }>
  readonly rows: readonly unknown[]
}

/** The 0.1.0 database dump: its IndexedDB version, its stores, and the main chat it shows. */
export function firstRelease(): { idbVersion: number; stores: readonly DumpedStore[]; mainChat: readonly string[] } {
  const dump = JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/db-0.1.0.json', import.meta.url)), 'utf8')) as {
    idbVersion: number
    stores: DumpedStore[]
    state: { mainChat: { messages: Array<{ content: string }> } }
  }
  return { idbVersion: dump.idbVersion, stores: dump.stores, mainChat: dump.state.mainChat.messages.map((m) => m.content) }
}

/**
 * Writes the dump into a new database `name` and keeps the connection open: the old tab.
 * Runs anywhere there is an IndexedDB (Node with fake-indexeddb, or a page: it uses no import).
 */
export function openAsOldTab(indexedDB: IDBFactory, name: string, idbVersion: number, stores: readonly DumpedStore[]): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, idbVersion)
    request.onupgradeneeded = () => {
      for (const store of stores) {
        const created = request.result.createObjectStore(store.name, { keyPath: store.keyPath, autoIncrement: store.autoIncrement })
        for (const index of store.indexes) created.createIndex(index.name, index.keyPath, { unique: index.unique, multiEntry: index.multiEntry })
        for (const row of store.rows) created.put(row)
      }
    }
    request.onsuccess = () => resolve(request.result) // open, and no `onversionchange`: it never lets go by itself
    request.onerror = () => reject(request.error)
  })
}
