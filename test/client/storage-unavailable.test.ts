/**
 * IndexedDB that cannot be used, the ways browsers refuse it: the client keeps its data in
 * memory (and says so) unless persistence is required, and then fails at once with
 * `StorageUnavailableError`. In-process here, on a worker thread below, in Chromium's
 * workers in test/browser/reliability.test.ts.
 */
import { Worker } from 'node:worker_threads'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { StorageUnavailableError, createChatClient, type ChatClient, type ChatClientOptions } from 'companion-chat'
import { BLOCKED_VARIANTS, blockIndexedDB, type BlockedVariant } from '../helpers/block-indexeddb.js'
import { uniqueName } from '../helpers/client.js'

const clients: ChatClient[] = []
const undo: Array<() => void> = []
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close().catch(() => {})))
  for (const restore of undo.splice(0).reverse()) restore()
})

/**
 * Blocks IndexedDB on this thread's global, as a browser's main thread would have it: with
 * a `navigator` (Node 21 and later have one; Dexie looks at the global `indexedDB` only then).
 */
function blockHere(variant: BlockedVariant): void {
  if (typeof (globalThis as { navigator?: unknown }).navigator === 'undefined') {
    Object.defineProperty(globalThis, 'navigator', { configurable: true, writable: true, value: {} })
    undo.push(() => Reflect.deleteProperty(globalThis, 'navigator'))
  }
  undo.push(blockIndexedDB(variant, globalThis, new IDBFactory()))
  undo.push(setGlobal('IDBKeyRange', IDBKeyRange))
}

function setGlobal(name: string, value: unknown): () => void {
  const before = Object.getOwnPropertyDescriptor(globalThis, name)
  Object.defineProperty(globalThis, name, { configurable: true, writable: true, value })
  return () => (before ? Object.defineProperty(globalThis, name, before) : Reflect.deleteProperty(globalThis, name))
}

const open = (options: ChatClientOptions) => {
  const chat = createChatClient({ databaseName: uniqueName('blocked'), ...options })
  clients.push(chat)
  return chat
}

/** What a user sees: the client works on memory, says so, and keeps what is sent while it runs. */
async function expectMemory(chat: ChatClient, host: 'in-process' | 'worker'): Promise<void> {
  await chat.ready
  expect(chat.status$.value).toMatchObject({ connection: 'ready', storage: 'memory', host })
  await chat.sendMainChatMessage('kept in memory')
  expect(chat.getState().mainChat.messages.map((m) => m.content)).toEqual(['kept in memory'])
}

/** With persistence required: a typed failure, promptly, on `ready`, `status$` and every later call. */
async function expectRefused(chat: ChatClient): Promise<void> {
  await expect(chat.ready).rejects.toBeInstanceOf(StorageUnavailableError)
  expect(chat.status$.value).toMatchObject({ connection: 'failed', error: expect.any(StorageUnavailableError) })
  expect(chat.status$.value.error?.code).toBe('storage-unavailable')
  expect(() => chat.sendMainChatMessage('x')).toThrow(StorageUnavailableError)
}

describe.each(BLOCKED_VARIANTS)('in-process, IndexedDB blocked (%s)', (variant) => {
  test('keeps the data in memory and says so on status$', async () => {
    blockHere(variant)
    await expectMemory(open({ host: 'in-process' }), 'in-process')
  })

  test('fails with StorageUnavailableError when persistence is required', async () => {
    blockHere(variant)
    await expectRefused(open({ host: 'in-process', requirePersistence: true, connectTimeout: 60_000 }))
  })
})

describe.each(['open-throws', 'open-error'] as const)('in-process, an `indexedDB` option whose open fails (%s)', (variant) => {
  test('keeps the data in memory, or fails with StorageUnavailableError when persistence is required', async () => {
    const { brokenFactory } = await import('../helpers/block-indexeddb.js')
    await expectMemory(open({ host: 'in-process', indexedDB: brokenFactory(new IDBFactory(), variant), IDBKeyRange }), 'in-process')
    const refused = open({ host: 'in-process', indexedDB: brokenFactory(new IDBFactory(), variant), IDBKeyRange, requirePersistence: true })
    await expectRefused(refused)
  })
})

describe('worker_threads host, reading `indexedDB` throws in the worker', () => {
  let dir: string
  let workerFile: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'companion-chat-blocked-'))
    workerFile = join(dir, 'blocked-worker.mjs')
    const entry = fileURLToPath(new URL('../helpers/blocked-storage-node-worker.ts', import.meta.url))
    // ignoreAnnotations: package.json's `sideEffects` would let esbuild drop the bare imports of the entry.
    await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'node', outfile: workerFile, logLevel: 'error', ignoreAnnotations: true })
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  test.each(BLOCKED_VARIANTS)('keeps the data in memory (%s)', async (variant) => {
    await expectMemory(open({ worker: () => new Worker(workerFile, { workerData: { variant } }) }), 'worker')
  })

  test.each(BLOCKED_VARIANTS)('fails with StorageUnavailableError when persistence is required (%s)', async (variant) => {
    await expectRefused(open({ worker: () => new Worker(workerFile, { workerData: { variant } }), requirePersistence: true, connectTimeout: 60_000 }))
  })
})
