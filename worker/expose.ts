/**
 * Serves an engine over Comlink: one connection per endpoint (a worker's global scope, a
 * SharedWorker port, a MessagePort, or a worker_threads port through Comlink's node adapter).
 */
import * as Comlink from 'comlink'
import type { EngineApi, PatchListener } from '../src/core/protocol.js'
import type { Engine } from './engine.js'

/** Exposes a new connection of `engine` on `endpoint`. Returns a function that stops serving it. */
export function exposeConnection(engine: Engine, endpoint: Comlink.Endpoint): () => void {
  const connection = engine.connection()
  let listener: PatchListener | undefined
  const release = () => {
    // The listener is a Comlink proxy of the client's function: releasing it closes its port.
    ;(listener as Partial<Comlink.ProxyMethods> | undefined)?.[Comlink.releaseProxy]?.()
    listener = undefined
  }
  const api: EngineApi = {
    connect: (hello, onPatch) => {
      listener = onPatch
      return connection.connect(hello, onPatch)
    },
    execute: (commands) => connection.execute(commands),
    runCleanup: (now) => connection.runCleanup(now),
    clearAllData: () => connection.clearAllData(),
    snapshot: () => connection.snapshot(),
    ping: () => connection.ping(),
    disconnect: async () => {
      const result = await connection.disconnect()
      release()
      return result
    },
  }
  Comlink.expose(api, endpoint)
  return () => {
    release()
    void connection.disconnect()
  }
}
