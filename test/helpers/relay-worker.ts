/**
 * A real worker_threads Worker standing between a client and an engine that keeps its data
 * in a test's IndexedDB (fake-indexeddb lives in one thread, so the engine runs on the
 * test's thread). Every message crosses the worker thread both ways, the change feed too,
 * so whatever ends the worker — `terminate()`, `process.exit` inside, an endless loop —
 * cuts the client off the way a dying engine worker does: answers in transit are lost,
 * while what reached the engine commits. The engine ends with its worker.
 *
 * Control messages the test posts to the worker itself: `'exit'` (it calls
 * `process.exit(3)`), `'hang'` (it loops forever: a worker that stops answering),
 * `'mute'` (it stops passing the engine's answers and feed on: every answer is lost).
 */
import { MessageChannel, Worker } from 'node:worker_threads'
import { IDBKeyRange } from 'fake-indexeddb'
import { createEngine } from '../../worker/engine.js'
import { exposeConnection } from '../../worker/expose.js'

const RELAY = `
const { parentPort, workerData } = require('node:worker_threads')
const engine = workerData.port
let muted = false
parentPort.on('message', (message) => {
  if (message === 'hang') for (;;) {}
  if (message === 'exit') process.exit(3)
  if (message === 'mute') return void (muted = true)
  engine.postMessage(message)
})
engine.on('message', (message) => { if (!muted) parentPort.postMessage(message) })
`

/** What a test learns from the engine behind a relay. */
export interface RelayHooks {
  /** Called with the ids of the commands each patch of the engine settles (done or refused). */
  readonly settled?: (ids: readonly string[]) => void
}

/** Starts a relay worker in front of a new engine on `indexedDB`. */
export function relayWorker(indexedDB: IDBFactory, hooks: RelayHooks = {}): Worker {
  const engine = createEngine({ indexedDB, IDBKeyRange })
  const observed = hooks.settled
    ? {
        connection() {
          const connection = engine.connection()
          return {
            ...connection,
            connect: ((hello, listener, notices) =>
              connection.connect(
                hello,
                (patch) => {
                  hooks.settled!([...patch.done, ...patch.refused.map((outcome) => outcome.commandId)])
                  listener(patch)
                },
                notices,
              )) as typeof connection.connect,
          }
        },
        close: () => engine.close(),
        get connections() {
          return engine.connections
        },
      }
    : engine
  const { port1, port2 } = new MessageChannel()
  const stop = exposeConnection(observed, port1 as unknown as MessagePort)
  const worker = new Worker(RELAY, { eval: true, workerData: { port: port2 }, transferList: [port2] })
  // Registered before the client's own listener: the engine ends first, as it does inside a real worker.
  worker.on('exit', () => {
    stop()
    port1.close()
    void engine.close()
  })
  return worker
}
