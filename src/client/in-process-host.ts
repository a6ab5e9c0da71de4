/**
 * The engine on the calling thread (Node, SSR, tests, or browsers without workers), still
 * behind a real `MessageChannel` so that every value crosses a structured clone.
 */
import { unrefPort } from './keep-alive.js'
import { createEngine } from '../../worker/engine.js'
import { exposeConnection } from '../../worker/expose.js'
import { comlinkHost, type Host } from './hosts.js'
import type { ChatClientOptions } from './types.js'

export function openInProcessHost(options: ChatClientOptions): Host {
  const engineOptions: Parameters<typeof createEngine>[0] = {
    ...(options.indexedDB ? { indexedDB: options.indexedDB } : {}),
    ...(options.IDBKeyRange ? { IDBKeyRange: options.IDBKeyRange } : {}),
    ...(options.now ? { now: options.now } : {}),
  }
  const engine = createEngine(engineOptions)
  const { port1, port2 } = new MessageChannel()
  const stop = exposeConnection(engine, port1)
  // The engine lives as long as this thread: `gone` never settles.
  const host = comlinkHost('in-process', port2, new Promise<never>(() => {}), async () => {
    stop()
    await engine.close()
    port1.close()
    port2.close()
  })
  // Node: an idle channel must not keep the process alive; the client holds it while it has work.
  // After both ends have their listeners: adding a listener refs a Node port again.
  unrefPort(port1)
  unrefPort(port2)
  return host
}
