/**
 * Serves engines over Comlink: one connection per endpoint (a worker's global scope, a
 * SharedWorker port, a MessagePort, or a worker_threads port through Comlink's node adapter).
 */
import * as Comlink from 'comlink'
import { StorageUnavailableError, toSerializedError } from '../src/core/errors.js'
import { PATCH_PART, type EngineApi, type FeedEnvelope, type FeedMessage, type RemoteEngineApi, type Result } from '../src/core/protocol.js'
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
        if (feed !== mine) return
        if ('version' in message && message.changes.length > PATCH_PART) {
          // In parts: no message of the feed takes long to read (see FeedEnvelope).
          const { version, changes } = message
          const last = Math.floor((changes.length - 1) / PATCH_PART) * PATCH_PART
          for (let at = 0; at < last; at += PATCH_PART) {
            endpoint.postMessage({ part: { version, changes: changes.slice(at, at + PATCH_PART) } } satisfies FeedEnvelope)
          }
          message = { ...message, changes: changes.slice(last) }
        }
        endpoint.postMessage({ feed: message } satisfies FeedEnvelope)
      }
      return connection.connect(hello, post, post)
    },
    execute: (commands, options) => connected().execute(commands, options),
    runCleanup: (now) => connected().runCleanup(now),
    clearAllData: () => connected().clearAllData(),
    snapshot: (threads) => connected().snapshot(threads),
    loadThread: (thread, page) => connected().loadThread(thread, page),
    unloadThreads: (threads) => connected().unloadThreads(threads),
    search: (query, options) => connected().search(query, options),
    ping: () => connected().ping(),
    readAttachment: (id) => connected().readAttachment(id),
    readOutbox: (limit) => connected().readOutbox(limit),
    settleDelivery: (updates) => connected().settleDelivery(updates),
    applyRemote: (batch) => connected().applyRemote(batch),
    beginSync: (replica) => connected().beginSync(replica),
    disconnect: async () => {
      const result = await connected().disconnect()
      release()
      unlink()
      return result
    },
  }
  Comlink.expose(api, endpoint)
  return drop
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
