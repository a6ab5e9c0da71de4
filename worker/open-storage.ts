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
  /** Called when the open waits for another connection to let go of an older version (see `ChatDatabase`). */
  readonly onBlocked?: () => void
  /** Called when another connection deletes the database while it is open (see `ChatDatabase`). */
  readonly onDeleted?: () => void
}

/**
 * Opens the database `name`, creating it when it does not exist. With `create: false` a
 * database that does not exist is not created, and the answer is `undefined`: opening an
 * IndexedDB database creates it, so a visit that only reads (a first visit, or one after
 * `clearAllData`) would leave an empty database behind. Whether it exists comes from
 * `indexedDB.databases()`; where that is missing or fails, it is opened as with `create`.
 * With `probe` as well, a database that does not exist is answered `undefined` only once
 * IndexedDB showed that it could open it (see `canOpen`): where it cannot, the memory
 * fallback (or `StorageUnavailableError`) comes now, not at the first write.
 *
 * IndexedDB cannot be used when reading the global `indexedDB` throws (Firefox with storage
 * blocked), when there is none, when `open()` throws, or when the open fails.
 */
export async function openStorage(name: string, options: StorageOptions, requirePersistence: boolean): Promise<OpenedStorage>
export async function openStorage(
  name: string,
  options: StorageOptions,
  requirePersistence: boolean,
  mode: { readonly create: boolean; readonly probe?: boolean },
): Promise<OpenedStorage | undefined>
export async function openStorage(
  name: string,
  options: StorageOptions,
  requirePersistence: boolean,
  { create, probe = false }: { readonly create: boolean; readonly probe?: boolean } = { create: true },
): Promise<OpenedStorage | undefined> {
  let failure: unknown = new Error('no IndexedDB in this environment')
  try {
    const factory = options.indexedDB ?? globalIndexedDB()
    const keyRange = options.IDBKeyRange ?? (globalThis as { IDBKeyRange?: typeof IDBKeyRange }).IDBKeyRange
    if (factory && keyRange) {
      if (!create && (await exists(factory, name)) === false) {
        if (probe) await canOpen(factory, name)
        return undefined
      }
      const db = new ChatDatabase(name, { indexedDB: factory, IDBKeyRange: keyRange }, options)
      // It existed a moment ago, but another tab may delete it (`clearAllData`) before this
      // open: the open would make it again, empty. Failing the creation's upgrade instead
      // leaves no database behind (IndexedDB deletes a new database whose upgrade aborts).
      let made = false
      if (!create) {
        db.on('populate', () => {
          made = true
          throw new Error('deleted before it was opened')
        })
      }
      try {
        await openDatabase(db)
        return { db, storage: 'indexeddb' }
      } catch (error) {
        db.close()
        if (made) return undefined
        throw error
      }
    }
  } catch (error) {
    failure = error // private modes and blocked storage fail here
  }
  if (requirePersistence) {
    throw new StorageUnavailableError(
      `IndexedDB cannot be used: ${failure instanceof Error ? failure.message : String(failure)}`,
      undefined,
      { cause: failure },
    )
  }
  const db = openEmpty(name)
  await openDatabase(db)
  return { db, storage: 'memory' }
}

/** A new, empty database in memory: the fallback storage, and the stand-in read while a database does not exist. */
export function openEmpty(name: string): ChatDatabase {
  return new ChatDatabase(name, {
    indexedDB: new MemoryIDBFactory(),
    IDBKeyRange: MemoryIDBKeyRange as unknown as typeof IDBKeyRange,
  })
}

/**
 * Opens a Dexie database. Dexie's open compares its factory with the global `indexedDB`
 * (a Safari 14 workaround, wherever `navigator` exists), so where reading that global
 * throws, every open would throw, the in-memory one included. For the moment of the call
 * (the comparison is synchronous, before the first await) the global reads as `undefined`:
 * it cannot be used anyway, and is put back as it was right after.
 */
export function openDatabase(db: ChatDatabase): Promise<unknown> {
  const restore = hideThrowingGlobal()
  try {
    return db.open()
  } finally {
    restore()
  }
}

/** The global `indexedDB`; throws where reading it throws. */
function globalIndexedDB(): IDBFactory | undefined {
  return (globalThis as { indexedDB?: IDBFactory }).indexedDB
}

/** Where reading the global `indexedDB` throws, shadows it with `undefined`; returns what puts it back. */
function hideThrowingGlobal(): () => void {
  try {
    globalIndexedDB()
    return () => {}
  } catch {
    // Shadowed below.
  }
  const own = Object.getOwnPropertyDescriptor(globalThis, 'indexedDB')
  try {
    Object.defineProperty(globalThis, 'indexedDB', { configurable: true, writable: true, value: undefined })
  } catch {
    return () => {} // not configurable: Dexie fails, and the error says why
  }
  return () => {
    if (own) Object.defineProperty(globalThis, 'indexedDB', own)
    else Reflect.deleteProperty(globalThis, 'indexedDB') // the throwing getter of the prototype shows again
  }
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

/**
 * Resolves when IndexedDB can open the database `name`, without creating it: the upgrade
 * that would create it is aborted, and IndexedDB forgets a database whose creation aborted.
 * Rejects with the failure (an `open()` that throws, or fails with an error event).
 */
function canOpen(factory: IDBFactory, name: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const request = factory.open(name)
    let aborted = false
    request.onupgradeneeded = () => {
      aborted = true
      request.transaction?.abort()
    }
    request.onsuccess = () => {
      request.result.close() // created meanwhile, by another tab
      resolve()
    }
    request.onerror = (event) => {
      event.preventDefault()
      if (aborted) resolve()
      else reject(request.error ?? new Error(`IndexedDB could not open '${name}'`))
    }
  })
}
