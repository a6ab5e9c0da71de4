/**
 * Blocks IndexedDB on a worker thread the way `workerData.variant` says, as a browser does
 * before any script runs. Imported first by `blocked-storage-node-worker.ts`.
 */
import { workerData } from 'node:worker_threads'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { blockIndexedDB, type BlockedVariant } from './block-indexeddb.js'

// As in a browser's worker: a `navigator` (Dexie looks at the global `indexedDB` only then) and an IDBKeyRange.
Object.assign(globalThis, { navigator: (globalThis as { navigator?: unknown }).navigator ?? {}, IDBKeyRange })
blockIndexedDB((workerData as { variant: BlockedVariant }).variant, globalThis, new IDBFactory())
