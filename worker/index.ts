/**
 * The worker entry (`companion-chat/worker`). Loaded as a dedicated Worker it serves the
 * page that started it; loaded as a SharedWorker it serves every tab that connects, with
 * one engine per database for all of them.
 *
 * @example
 * const chat = createChatClient({
 *   worker: () => new Worker(new URL('companion-chat/worker', import.meta.url), { type: 'module' }),
 * })
 *
 * @module companion-chat/worker
 */
import { createEngine } from './engine.js'
import { createEngineRegistry, exposeConnection } from './expose.js'

export { createEngine } from './engine.js'
export type { Engine, EngineOptions } from './engine.js'
export { createEngineRegistry, exposeConnection, type EngineFor } from './expose.js'

declare const WorkerGlobalScope: { prototype: object } | undefined
declare const SharedWorkerGlobalScope: { prototype: object } | undefined

const isScope = (scope: { prototype: object } | undefined): boolean =>
  scope !== undefined && Object.prototype.isPrototypeOf.call(scope.prototype, globalThis)

if (typeof SharedWorkerGlobalScope !== 'undefined' && isScope(SharedWorkerGlobalScope)) {
  // Every tab of this origin that connects shares one engine per database.
  const engines = createEngineRegistry(() => createEngine())
  globalThis.addEventListener('connect', (event) => {
    const port = (event as MessageEvent).ports[0]
    if (port) exposeConnection(engines, port)
  })
} else if (typeof WorkerGlobalScope !== 'undefined' && isScope(WorkerGlobalScope)) {
  exposeConnection(createEngine(), globalThis as unknown as Worker)
}
