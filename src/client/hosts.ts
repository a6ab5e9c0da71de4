/**
 * Connects the client to an engine over Comlink, wherever the engine runs. Every host
 * crosses a real message channel, so structured-clone rules apply everywhere, tests included.
 */
import * as Comlink from 'comlink'
import { WorkerGoneError } from '../core/errors.js'
import type { Change, FeedMessage, PatchPart, RemoteEngineApi } from '../core/protocol.js'
import type { ChatClientOptions, HostKind, NodeWorkerLike } from './types.js'
import { startLifeline } from './watchdog.js'

/** A connected engine and how to let it go. */
export interface Host {
  readonly kind: HostKind
  /** The engine's calls (every one already returns a promise, so the remote has the same shape). */
  readonly api: RemoteEngineApi
  /** Settles (never resolves) with `WorkerGoneError` when the worker dies or fails to start. */
  readonly gone: Promise<never>
  /**
   * The error of the last call whose message could not be posted (a value the structured
   * clone refuses), and forgets it. Read right after a call: a call that could not be posted
   * sent nothing, and the connection is as good as before.
   */
  takePostFailure(): unknown
  /**
   * Hands every feed message the engine posts on this host's channel to `listener` (one at a
   * time: a later call replaces it).
   */
  onFeed(listener: (message: FeedMessage) => void): void
  /** Releases the proxy and stops the worker or in-process engine. */
  dispose(): Promise<void>
}

export async function openHost(kind: HostKind, options: ChatClientOptions): Promise<Host> {
  switch (kind) {
    case 'in-process': {
      // Loaded on demand so that apps using a worker do not ship the engine (and Dexie) on the main thread.
      const { openInProcessHost } = await import('./in-process-host.js')
      return openInProcessHost(options)
    }
    case 'shared-worker':
      return openSharedWorkerHost(options)
    case 'worker':
      return openWorkerHost(options)
  }
}

function openWorkerHost(options: ChatClientOptions): Host {
  if (!options.worker) throw new WorkerGoneError("host 'worker' needs the `worker` option (a function that makes the Worker)")
  const worker = options.worker('worker')
  if (isNodeWorker(worker)) return nodeWorkerHost(worker)
  if (typeof SharedWorker !== 'undefined' && worker instanceof SharedWorker) {
    throw new WorkerGoneError("host 'worker' got a SharedWorker; use host 'shared-worker'")
  }
  const dedicated = worker as Worker
  const { gone, fail } = goneSignal()
  dedicated.addEventListener('error', (event) => {
    fail(new WorkerGoneError(`The worker failed: ${(event as ErrorEvent).message ?? 'it could not start'}`))
  })
  return comlinkHost('worker', dedicated, gone, () => dedicated.terminate(), fail)
}

function openSharedWorkerHost(options: ChatClientOptions): Host {
  if (typeof SharedWorker === 'undefined') {
    // No SharedWorker here: a dedicated worker from the same factory does the job for this tab.
    return openWorkerHost(options)
  }
  if (!options.worker) throw new WorkerGoneError("host 'shared-worker' needs the `worker` option (a function that makes the SharedWorker)")
  const shared = options.worker('shared-worker') as SharedWorker
  const { gone, fail } = goneSignal()
  shared.addEventListener('error', () => fail(new WorkerGoneError('The shared worker failed to start')))
  shared.port.start()
  return comlinkHost('shared-worker', shared.port, gone, () => shared.port.close(), fail)
}

/**
 * A host whose engine answers over Comlink on `endpoint`. With `fail` (browser workers),
 * a lifeline settles `gone` the moment the worker ends (see `startLifeline`).
 */
export function comlinkHost(
  kind: HostKind,
  endpoint: Comlink.Endpoint,
  gone: Promise<never>,
  stop: () => unknown,
  fail?: (error: WorkerGoneError) => void,
): Host {
  const watched = watchPosts(endpoint)
  // Listening from the start: a Node port that an in-process host unrefs stays unref'd.
  let feed: (message: FeedMessage) => void = () => {}
  let parts: { readonly version: number; readonly changes: Change[] } | undefined // of the patch to come
  endpoint.addEventListener('message', (event) => {
    const data = (event as MessageEvent<{ feed?: FeedMessage; part?: PatchPart } | null>).data
    if (data == null || typeof data !== 'object') return
    if (data.part !== undefined) {
      const { version, changes } = data.part
      if (parts?.version !== version) parts = { version, changes: [] }
      for (const change of changes) parts.changes.push(change)
    } else if (data.feed !== undefined) {
      let message = data.feed
      if (parts && 'version' in message && message.version === parts.version) message = { ...message, changes: [...parts.changes, ...message.changes] }
      parts = undefined
      feed(message)
    }
  })
  const remote = Comlink.wrap<RemoteEngineApi>(watched.endpoint)
  const api = remote as unknown as RemoteEngineApi
  const lifeline = fail
    ? startLifeline(
        (held, watched) => api.lifeline(held, watched),
        () => fail(new WorkerGoneError(kind === 'shared-worker' ? 'The shared worker ended' : 'The worker ended (terminated or crashed)')),
        { watchedByWorker: kind === 'shared-worker' },
      )
    : undefined
  return {
    kind,
    api,
    gone,
    takePostFailure: watched.take,
    onFeed(listener) {
      feed = listener
    },
    async dispose() {
      feed = () => {}
      lifeline?.stop() // the worker's end that follows is expected
      remote[Comlink.releaseProxy]()
      await stop()
    },
  }
}

/**
 * `endpoint`, noting the error of a `postMessage` that throws (Comlink posts synchronously
 * inside the call, then rejects its promise with that error). Comlink's own wrapping of a
 * MessagePort closes the port on release; hosts close their ports themselves.
 */
function watchPosts(endpoint: Comlink.Endpoint): { endpoint: Comlink.Endpoint; take: () => unknown } {
  let failure: unknown
  const watched: Comlink.Endpoint = {
    postMessage(message: unknown, transfer?: Transferable[]) {
      try {
        endpoint.postMessage(message, transfer)
      } catch (error) {
        failure = error ?? new Error('postMessage failed')
        throw error
      }
    },
    addEventListener: (type, listener, options) => endpoint.addEventListener(type, listener, options),
    removeEventListener: (type, listener, options) => endpoint.removeEventListener(type, listener, options),
    ...(endpoint.start ? { start: () => endpoint.start!() } : {}),
  }
  return {
    endpoint: watched,
    take: () => {
      const taken = failure
      failure = undefined
      return taken
    },
  }
}

/** A promise that rejects once `fail` is called; observed, so it never goes unhandled. */
function goneSignal(): { gone: Promise<never>; fail: (error: WorkerGoneError) => void } {
  let fail!: (error: WorkerGoneError) => void
  const gone = new Promise<never>((_, reject) => (fail = reject))
  gone.catch(() => {})
  return { gone, fail }
}

function isNodeWorker(worker: unknown): worker is NodeWorkerLike {
  const candidate = worker as { on?: unknown; addEventListener?: unknown }
  return typeof candidate.on === 'function' && typeof candidate.addEventListener !== 'function'
}

function nodeWorkerHost(worker: NodeWorkerLike): Host {
  const { gone, fail } = goneSignal()
  let disposed = false
  worker.on('error', (error) => fail(new WorkerGoneError(`The worker failed: ${(error as Error)?.message}`, undefined, { cause: error })))
  worker.on('exit', (code) => {
    if (!disposed) fail(new WorkerGoneError(`The worker exited (code ${String(code)})`))
  })
  return comlinkHost('worker', unrefdEndpoint(worker), gone, () => {
    disposed = true
    return worker.terminate()
  })
}

/**
 * A worker_threads worker as a Comlink endpoint that does not keep the process alive (the
 * client holds the process while it has work, see keep-alive.ts). Comlink's own node adapter
 * adds a 'message' listener per call, and each one refs the worker again; this one listens
 * once, then unrefs, and hands every message to the listeners Comlink adds.
 */
function unrefdEndpoint(worker: NodeWorkerLike): Comlink.Endpoint {
  const listeners = new Set<EventListenerOrEventListenerObject>()
  worker.on('message', (data) => {
    const event = { data } as MessageEvent
    for (const listener of listeners) {
      if (typeof listener === 'function') listener(event)
      else listener.handleEvent(event)
    }
  })
  worker.unref?.()
  return {
    postMessage: (message, transfer) => worker.postMessage(message, transfer),
    addEventListener: (_type, listener) => listeners.add(listener),
    removeEventListener: (_type, listener) => listeners.delete(listener),
  }
}
