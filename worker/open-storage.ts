/**
 * Opens the chat database: IndexedDB where it works, otherwise an in-memory IndexedDB
 * (fake-indexeddb, the same engine code on the same API) unless persistence is required.
 */
import { IDBFactory as MemoryIDBFactory, IDBKeyRange as MemoryIDBKeyRange } from 'fake-indexeddb'
import { StorageUnavailableError } from '../src/core/errors.js'
import type { StorageKind } from '../src/core/protocol.js'
import { ChatDatabase } from './database.js'

export interface OpenedStorage {
  readonly db: ChatDatabase
  readonly storage: StorageKind
}

export async function openStorage(
  name: string,
  options: { readonly indexedDB?: IDBFactory; readonly IDBKeyRange?: typeof IDBKeyRange },
  requirePersistence: boolean,
): Promise<OpenedStorage> {
  const factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB
  const keyRange = options.IDBKeyRange ?? (globalThis as { IDBKeyRange?: typeof IDBKeyRange }).IDBKeyRange
  let failure: unknown = new Error('no IndexedDB in this environment')
  if (factory && keyRange) {
    const db = new ChatDatabase(name, { indexedDB: factory, IDBKeyRange: keyRange })
    try {
      await db.open()
      return { db, storage: 'indexeddb' }
    } catch (error) {
      failure = error // private modes and blocked storage fail here
      db.close()
    }
  }
  if (requirePersistence) {
    throw new StorageUnavailableError(
      `IndexedDB cannot be used: ${failure instanceof Error ? failure.message : String(failure)}`,
      undefined,
      { cause: failure },
    )
  }
  const db = new ChatDatabase(name, {
    indexedDB: new MemoryIDBFactory(),
    IDBKeyRange: MemoryIDBKeyRange as unknown as typeof IDBKeyRange,
  })
  await db.open()
  return { db, storage: 'memory' }
}
