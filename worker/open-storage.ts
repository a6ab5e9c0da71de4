/**
 * Opens the chat database: IndexedDB where it works, otherwise an in-memory IndexedDB
 * (fake-indexeddb, the same engine code on the same API) unless persistence is required.
 * Reads need not create it: `openStorage(…, { create: false })` leaves a database that does
 * not exist alone, and `openEmpty` gives the empty stand-in to read instead.
 */
import { IDBFactory as MemoryIDBFactory, IDBKeyRange as MemoryIDBKeyRange } from 'fake-indexeddb'
import { StorageUnavailableError } from '../src/core/errors.js'
import type { StorageKind } from '../src/core/protocol.js'
import { ChatDatabase } from './database.js'

export interface OpenedStorage {
  readonly db: ChatDatabase
  readonly storage: StorageKind
}

interface StorageOptions {
  readonly indexedDB?: IDBFactory
  readonly IDBKeyRange?: typeof IDBKeyRange
}

/**
 * Opens the database `name`, creating it when it does not exist. With `create: false` a
 * database that does not exist is not created, and the answer is `undefined`: opening an
 * IndexedDB database creates it, so a visit that only reads (a first visit, or one after
 * `clearAllData`) would leave an empty database behind. Whether it exists comes from
 * `indexedDB.databases()`; where that is missing or fails, it is opened as with `create`.
 */
export async function openStorage(name: string, options: StorageOptions, requirePersistence: boolean): Promise<OpenedStorage>
export async function openStorage(
  name: string,
  options: StorageOptions,
  requirePersistence: boolean,
  mode: { readonly create: boolean },
): Promise<OpenedStorage | undefined>
export async function openStorage(
  name: string,
  options: StorageOptions,
  requirePersistence: boolean,
  { create }: { readonly create: boolean } = { create: true },
): Promise<OpenedStorage | undefined> {
  const factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB
  const keyRange = options.IDBKeyRange ?? (globalThis as { IDBKeyRange?: typeof IDBKeyRange }).IDBKeyRange
  let failure: unknown = new Error('no IndexedDB in this environment')
  if (factory && keyRange) {
    if (!create && (await exists(factory, name)) === false) return undefined
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
  const db = openEmpty(name)
  await db.open()
  return { db, storage: 'memory' }
}

/** A new, empty database in memory: the fallback storage, and the stand-in read while a database does not exist. */
export function openEmpty(name: string): ChatDatabase {
  return new ChatDatabase(name, {
    indexedDB: new MemoryIDBFactory(),
    IDBKeyRange: MemoryIDBKeyRange as unknown as typeof IDBKeyRange,
  })
}

/** Whether the database exists; `undefined` when the factory cannot tell. */
async function exists(factory: IDBFactory, name: string): Promise<boolean | undefined> {
  if (typeof factory.databases !== 'function') return undefined
  try {
    return (await factory.databases()).some((info) => info.name === name)
  } catch {
    return undefined
  }
}
