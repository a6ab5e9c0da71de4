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
  /** Sees each message the engine's side posts to the client (answers and the feed), as it arrives. */
  readonly received?: (message: unknown) => void
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
  if (hooks.received) port2.on('message', hooks.received)
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

/** A worker-like engine (see `killableWorker`) that a test can end the way a worker dies. */
export interface KillableWorker extends NodeWorkerLike {
  /**
   * Ends the worker: its client hears nothing more from it, then gets its `exit` event.
   * `answersLost`: the engine first commits everything it has received, and none of its
   * answers reach the client (the worst case for sending commands again); otherwise it
   * ends at once, in the middle of whatever it does.
   */
  kill(options?: { readonly answersLost?: boolean }): Promise<void>
}

/**
 * An engine on `indexedDB` behind an object shaped like a worker_threads Worker, on a real
 * MessageChannel, that `kill()` ends as a dying worker would: answers and patches stop, the
 * engine closes, and the client gets `exit`. The database outlives it, as a browser's does.
 */
export function killableWorker(indexedDB: IDBFactory): KillableWorker {
  const real = createEngine({ indexedDB, IDBKeyRange })
  let dead = false
  const engine: Engine = {
    connection() {
      const connection = real.connection()
      return {
        ...connection,
        connect: (hello, listener, notices) =>
          connection.connect(
            hello,
            (patch) => {
              if (!dead) listener(patch)
            },
            notices,
          ),
      }
    },
    close: () => real.close(),
    get connections() {
      return real.connections
    },
  }
  const { port1, port2: port } = new MessageChannel()
  const stop = exposeConnection(engine, port1)
  const port2 = port as unknown as NodeMessagePort
  const exits = new Set<(...args: unknown[]) => void>()
  const messages = new Map<(...args: unknown[]) => void, (...args: unknown[]) => void>()
  const end = async () => {
    stop()
    await real.close()
    port1.close()
    port2.close()
  }
  return {
    postMessage(message, transfer) {
      if (!dead) port2.postMessage(message, transfer as NodeMessagePort[])
    },
    on(event, listener) {
      if (event === 'exit') exits.add(listener)
      else if (event === 'message') {
        const guarded = (...args: unknown[]) => {
          if (!dead) listener(...args)
        }
        messages.set(listener, guarded)
        port2.on('message', guarded)
      }
      return this
    },
    off(event, listener) {
      if (event === 'exit') exits.delete(listener)
      else if (event === 'message') port2.off('message', messages.get(listener) ?? listener)
      return this
    },
    terminate: end,
    async kill({ answersLost = false } = {}) {
      dead = true
      if (answersLost) await real.close() // what it received commits; nobody hears of it
      await end()
      for (const listener of exits) listener(1)
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

/** What `run` throws, or what the promise it returns rejects with; `undefined` when it succeeds. */
export async function thrownBy(run: () => unknown): Promise<unknown> {
  try {
    const result = run()
    if (result instanceof Promise) await result
  } catch (error) {
    return error
  }
  return undefined
}
