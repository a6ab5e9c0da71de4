/**
 * The Node worker_threads entry (`companion-chat/node-worker`): serves one engine on the
 * thread's `parentPort` through Comlink's node adapter. Without an IndexedDB in the thread
 * the engine keeps its data in memory (and says so on the client's `status$`).
 *
 * @example
 * import { Worker } from 'node:worker_threads'
 * const chat = createChatClient({
 *   worker: () => new Worker(new URL(import.meta.resolve('companion-chat/node-worker'))),
 * })
 *
 * @module companion-chat/node-worker
 */
import { parentPort } from 'node:worker_threads'
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs'
import { createEngine } from './engine.js'
import { exposeConnection } from './expose.js'

if (parentPort) exposeConnection(createEngine(), nodeEndpoint(parentPort))
