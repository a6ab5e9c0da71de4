/**
 * Serves engines over Comlink: one connection per endpoint (a worker's global scope, a
 * SharedWorker port, a MessagePort, or a worker_threads port through Comlink's node adapter).
 */
import * as Comlink from 'comlink'
import { StorageUnavailableError, toSerializedError } from '../src/core/errors.js'
import type { EngineApi, FeedEnvelope, FeedMessage, RemoteEngineApi, Result } from '../src/core/protocol.js'
import { holdLock, webLocks, whenFree } from '../src/core/web-locks.js'
import type { Engine } from './engine.js'

/** The engine for a database; a worker that serves several databases keeps one each. */
export type EngineFor = (databaseName: string) => Engine

/**
 * Exposes a connection on `endpoint`. Its engine is chosen when the client connects, by
 * the database it names. Returns a function that stops serving it.
 */
export function exposeConnection(engines: Engine | EngineFor, endpoint: Comlink.Endpoint): () => void {
  const pick: EngineFor = typeof engines === 'function' ? engines : () => engines
  let connection: EngineApi | undefined
  /** The connect whose feed posts now (a later connect, or the end of the client, replaces it). */
  let feed: object | undefined
  /** Lets go of the worker's lifeline lock and stops watching the client's (see `lifeline`). */
  let unlink = () => {}
  const release = () => {
    feed = undefined
  }
  const connected = (): EngineApi => connection ?? NOT_CONNECTED
  /** The client is gone without a word (its page closed or crashed): stop serving it. */
  const drop = () => {
    unlink()
    release()
    void connection?.disconnect()
  }
  const carrier = feedCarrier(endpoint)
  const api: RemoteEngineApi = {
    lifeline: async (held, watched) => {
      const locks = webLocks()
      if (!locks || typeof held !== 'string' || held === '') return { ok: true, value: false }
      unlink()
      try {
        const letGo = await holdLock(locks, held)
        const stopWatching = typeof watched === 'string' && watched !== '' ? whenFree(locks, watched, drop) : () => {}
        unlink = () => {
          stopWatching()
          letGo()
          unlink = () => {}
        }
        return { ok: true, value: true }
      } catch (error) {
        return { ok: false, error: toSerializedError(error) }
      }
    },
    connections: async (databaseName) => ({ ok: true, value: pick(String(databaseName)).connections }),
    connect: (hello) => {
      connection ??= pick(String(hello?.databaseName)).connection()
      const mine = {} // a second connect on this endpoint replaces the feed
      feed = mine
      const post = (message: FeedMessage) => {
        if (feed === mine) carrier.post(message)
      }
      return connection.connect(hello, post, post)
    },
    // The writes: each answers in the task that publishes its patch, which then rides on the answer.
    execute: (commands, options) => carrier.track(connected().execute(commands, options)),
    runCleanup: (now) => carrier.track(connected().runCleanup(now)),
    clearAllData: () => carrier.track(connected().clearAllData()),
    snapshot: (threads) => connected().snapshot(threads),
    loadThread: (thread, page) => connected().loadThread(thread, page),
    unloadThreads: (threads) => connected().unloadThreads(threads),
    search: (query, options) => connected().search(query, options),
    ping: () => connected().ping(),
    readAttachment: (id) => connected().readAttachment(id),
    readOutbox: (limit) => connected().readOutbox(limit),
    settleDelivery: (updates) => carrier.track(connected().settleDelivery(updates)),
    applyRemote: (batch) => carrier.track(connected().applyRemote(batch)),
    beginSync: (replica) => connected().beginSync(replica),
    disconnect: async () => {
      const result = await connected().disconnect()
      release()
      unlink()
      return result
    },
  }
  Comlink.expose(api, carrier.endpoint)
  return drop
}

/**
 * The feed on its way out. While a call of the client is under way, a feed message waits for
 * the next answer posted on the endpoint and rides on it (an awaited send's patch and its
 * call's answer are then one message, not two: each message costs both sides a post and a
 * dispatch), or goes alone in the next macrotask when no answer came. With no call under way
 * it goes at once. Order is kept: every answer takes what waits before it, and the client
 * reads the feed of a message before its answer (see `FeedEnvelope`).
 */
function feedCarrier(endpoint: Comlink.Endpoint): {
  readonly endpoint: Comlink.Endpoint
  post(message: FeedMessage): void
  /** Counts `call` as under way until it settles. */
  track<T>(call: Promise<T>): Promise<T>
} {
  let waiting: FeedMessage[] = []
  let scheduled = false
  let calls = 0
  /** Posts what waits, each alone, but the last when `carried` is given: it goes with `carried`. */
  const send = (carried?: object): object | undefined => {
    const messages = waiting
    waiting = []
    const last = carried && messages.pop()
    for (const message of messages) endpoint.postMessage({ feed: message } satisfies FeedEnvelope)
    return last === undefined ? carried : { ...carried, feed: last }
  }
  const flush = () => {
    scheduled = false
    try {
      send()
    } catch {
      // A closed port (the client went away): nothing is listening for the feed.
    }
  }
  return {
    endpoint: {
      postMessage: (message: unknown, transfer?: Transferable[]) => {
        const carrying = waiting.length > 0 && message !== null && typeof message === 'object' && !Array.isArray(message)
        endpoint.postMessage(carrying ? send(message) : message, transfer)
      },
      addEventListener: (type, listener, options) => endpoint.addEventListener(type, listener, options),
      removeEventListener: (type, listener, options) => endpoint.removeEventListener(type, listener, options),
      ...(endpoint.start ? { start: () => endpoint.start!() } : {}),
    },
    post(message) {
      if (calls === 0) {
        if (waiting.length > 0) send()
        endpoint.postMessage({ feed: message } satisfies FeedEnvelope)
        return
      }
      waiting.push(message)
      if (!scheduled) {
        scheduled = true
        nextTask(flush)
      }
    },
    track(call) {
      calls++
      return call.finally(() => calls--)
    },
  }
}

/** Runs `task` in a macrotask of its own, soon (Node: `setImmediate`, which a 1 ms timer would trail). */
function nextTask(task: () => void): void {
  const immediate = (globalThis as { setImmediate?: (task: () => void) => { unref?: () => void } }).setImmediate
  if (immediate) immediate(task).unref?.()
  else setTimeout(task, 0)
}
/** A map of engines by database name, made on first use. */
export function createEngineRegistry(create: () => Engine): EngineFor {
  const engines = new Map<string, Engine>()
  return (databaseName) => {
    let engine = engines.get(databaseName)
    if (!engine) {
      engine = create()
      engines.set(databaseName, engine)
    }
    return engine
  }
}

const refuse = async (): Promise<Result<never>> => ({
  ok: false,
  error: toSerializedError(new StorageUnavailableError('Not connected: call connect() first')),
})

const NOT_CONNECTED: EngineApi = {
  connect: refuse,
  execute: refuse,
  runCleanup: refuse,
  clearAllData: refuse,
  snapshot: refuse,
  loadThread: refuse,
  unloadThreads: refuse,
  search: refuse,
  ping: refuse,
  readAttachment: refuse,
  readOutbox: refuse,
  settleDelivery: refuse,
  applyRemote: refuse,
  beginSync: refuse,
  disconnect: async () => ({ ok: true, value: undefined }),
}
