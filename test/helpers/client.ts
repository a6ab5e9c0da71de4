import type { MessagePort as NodeMessagePort } from 'node:worker_threads'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { afterEach } from 'vitest'
import { createChatClient, type ChatClient, type ChatClientOptions, type NodeWorkerLike, type Patch } from 'companion-chat'
import { createEngine, type Engine } from '../../worker/engine.js'
import { exposeConnection } from '../../worker/expose.js'

let counter = 0
const open: ChatClient[] = []

/** A unique database name, so tests never share data. */
export const uniqueName = (prefix = 'test') => `${prefix}-${process.pid}-${Date.now()}-${++counter}`

/** An in-memory IndexedDB shared by the clients of one test (a "device"). */
export function createDevice() {
  const indexedDB = new IDBFactory()
  const databaseName = uniqueName()
  return {
    indexedDB,
    databaseName,
    /**
     * Opens a client whose engine runs behind `engineWorker(hooks)`: a worker-like object on
     * a real MessageChannel, so tests can stand between the client and the engine.
     */
    openBehind(hooks: WorkerHooks, options: ChatClientOptions = {}): ChatClient {
      const client = createChatClient({ databaseName, worker: () => engineWorker(indexedDB, hooks), ...options })
      open.push(client)
      return client
    },
    /** Opens a client on this device's database; closed after the test. */
    open(options: ChatClientOptions = {}): ChatClient {
      const client = createChatClient({ indexedDB, IDBKeyRange, databaseName, host: 'in-process', ...options })
      open.push(client)
      return client
    },
  }
}

/** What a test does between a client and its engine (see `engineWorker`). */
export interface WorkerHooks {
  /** Runs on each message the client posts, before it is sent; may throw as `postMessage` does. */
  readonly post?: (message: unknown) => void
  /** Gets each patch of the change feed with the function that delivers it to the client (default: at once). */
  readonly feed?: (patch: Patch, deliver: () => void) => void
}

/**
 * An engine on `indexedDB` behind an object shaped like a worker_threads Worker, served over
 * a real MessageChannel (structured-clone rules apply), with `hooks` on the way.
 */
export function engineWorker(indexedDB: IDBFactory, hooks: WorkerHooks = {}): NodeWorkerLike {
  const real = createEngine({ indexedDB, IDBKeyRange })
  const feed = hooks.feed
  const engine: Engine = feed
    ? {
        connection() {
          const connection = real.connection()
          return { ...connection, connect: (hello, listener, notices) => connection.connect(hello, (patch) => feed(patch, () => listener(patch)), notices) }
        },
        close: () => real.close(),
        get connections() {
          return real.connections
        },
      }
    : real
  const { port1, port2: port } = new MessageChannel()
  const stop = exposeConnection(engine, port1)
  const port2 = port as unknown as NodeMessagePort
  return {
    postMessage(message, transfer) {
      hooks.post?.(message)
      port2.postMessage(message, transfer as NodeMessagePort[])
    },
    on: (event, listener) => port2.on(event as 'message', listener),
    off: (event, listener) => port2.off(event as 'message', listener),
    terminate: async () => {
      stop()
      await real.close()
      port1.close()
      port2.close()
    },
  }
}

/**
 * Reads every ticket's whole thread into the client's state (its newest window, then every
 * older page): what a test compares against a state that held everything.
 */
export async function loadEveryTicket(client: ChatClient): Promise<void> {
  await client.ready
  await Promise.all(
    client.getState().tickets.map(async (ticket) => {
      while ((await client.loadOlder(ticket.id)).hasOlder);
    }),
  )
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((client) => client.close().catch(() => {})))
})
