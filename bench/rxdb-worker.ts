/**
 * RxDB samples for `sends.bench.ts`, in a worker thread of the benchmark's process.
 *
 * Why a worker: RxDB 17.6 depends on Dexie 4.4.2 and this package on 4.4.7, and Dexie's ES
 * module entry refuses a second version in the same JavaScript realm ("Two different
 * versions of Dexie loaded in the same app"). A worker thread is its own realm, so each
 * library runs on its own, unmodified Dexie.
 *
 * RxDB is installed in the benchmark's own package (bench/package.json), so installing
 * the SDK for development never pulls it.
 *
 * Protocol (rxdb-protocol.ts): the parent posts `{ texts }` once, then `{ run: true }` per sample; the worker
 * answers `{ ms }` (the `bulkInsert` alone) or `{ error }`.
 */
import { parentPort } from 'node:worker_threads'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { createRxDatabase } from 'rxdb'
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie'
import type { RxdbAnswer, RxdbRequest } from './rxdb-protocol.js'
import { loadGc, makeRows } from './workload.js'

// The row shape of the engine, with the same compound index.
const schema = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 32 },
    thread: { type: 'string', maxLength: 32 },
    seq: { type: 'number', minimum: 0, maximum: 1e12, multipleOf: 1 },
    message: { type: 'object' },
  },
  required: ['id', 'thread', 'seq', 'message'],
  indexes: [['thread', 'seq']],
} as const

const port = parentPort
if (!port) throw new Error('rxdb-worker.ts runs as a worker thread of sends.bench.ts')
const gc = await loadGc()
let texts: readonly string[] = []
let samples = 0

port.on('message', (request: RxdbRequest) => {
  if ('texts' in request) {
    texts = request.texts
    return
  }
  sample().then(
    (ms) => port.postMessage({ ms } satisfies RxdbAnswer),
    (error: unknown) => port.postMessage({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies RxdbAnswer),
  )
})

async function sample(): Promise<number> {
  gc()
  const database = await quietly(() =>
    createRxDatabase({
      name: `bench-rxdb-${process.pid}-${++samples}`,
      storage: getRxStorageDexie({ indexedDB: new IDBFactory(), IDBKeyRange }),
      multiInstance: false,
    }),
  )
  try {
    const { messages } = await database.addCollections({ messages: { schema } })
    const rows = makeRows(texts)
    const t0 = performance.now()
    const result = await quietly(() => messages!.bulkInsert(rows))
    const ms = performance.now() - t0
    if (result.error.length > 0) throw new Error(`RxDB refused ${result.error.length} documents`)
    const stored = await messages!.count().exec()
    if (stored !== texts.length) throw new Error(`RxDB stored ${stored} documents, expected ${texts.length}`)
    return ms
  } finally {
    await database.remove()
  }
}

/** Runs `fn` without RxDB's one-time "Open Core RxStorage" console banner; other warnings pass. */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const warn = console.warn
  console.warn = (...data: unknown[]) => {
    if (typeof data[0] === 'string' && data[0].includes('RxDB Open Core')) return
    warn(...data)
  }
  try {
    return await fn()
  } finally {
    console.warn = warn
  }
}
