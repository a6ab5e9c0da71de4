/**
 * The sync runner: pushes the outbox to the server and pulls the server's changes into the
 * engine, on the main thread of one client per database (see docs/decisions.md).
 *
 * - Election: a Web Lock per database where the page has Web Locks (one tab of several
 *   syncs; when it closes, the next one takes over); without them, one client per database
 *   in this JavaScript realm (Node).
 * - Push: the oldest pending entries, in order, in batches; each outcome is stored by the
 *   engine in one transaction (`sent` entries leave the outbox). A batch that fails on the
 *   way is sent again whole: the adapter makes a second delivery harmless (client ids).
 * - Pull: from the stored checkpoint, one engine command per batch, the checkpoint stored in
 *   the same transaction; then live changes (long poll).
 * - When the server cannot be reached: exponential backoff with jitter, reset by success or
 *   the browser's `online` event.
 */
import { BehaviorSubject, Subject, distinctUntilChanged, type Observable } from 'rxjs'
import { ChatError, SyncError } from '../core/errors.js'
import type { DeliveryUpdate, OutboxEntry, RemoteBatch, SerializedError } from '../core/protocol.js'
import type { PullBatch, SyncAdapter, TicketConflict } from '../core/sync.js'
import { webLocks } from '../core/web-locks.js'
import { withValue } from './state-store.js'
import type { StateObservable } from './types.js'
import type { Host } from './hosts.js'
import type { Result } from '../core/protocol.js'
import { fromSerializedError } from '../core/errors.js'

/**
 * Where sync stands in this client: `off` (no sync, or stopped by `close` or
 * `clearAllData`), `standby` (another tab of this database syncs), `connecting`,
 * `online` (caught up, waiting for changes), `offline` (the server cannot be reached; tried
 * again at `retryAt`).
 */
export interface SyncStatus {
  readonly state: 'off' | 'standby' | 'connecting' | 'online' | 'offline'
  /** Why the last attempt failed (with `offline`). */
  readonly error?: ChatError
  /** When the next attempt starts (epoch ms, with `offline`). */
  readonly retryAt?: number
}

/** How the runner runs. Every key is optional. */
export interface SyncOptions {
  /** Most outbox entries pushed in one request. Default 500. */
  readonly pushBatchSize?: number
  /** Most server changes applied in one engine command. Default 500. */
  readonly pullBatchSize?: number
  /** The first wait after a failure (ms); doubles up to `maxRetryDelay`. Default 1,000. */
  readonly minRetryDelay?: number
  /** The longest wait between attempts (ms). Default 60,000. */
  readonly maxRetryDelay?: number
}

/** What the runner needs of the client. */
export interface SyncRunnerHost {
  readonly databaseName: string
  /** A key that tells databases of the same name apart in one realm (e.g. the IndexedDB factory). */
  readonly realmKey: object
  engine<T>(call: (api: Host['api']) => Promise<Result<T>>): Promise<T>
  seen(version: number): Promise<void>
  readonly outbox$: Observable<readonly OutboxEntry[]>
  now(): number
  newId(): string
  report(error: ChatError): void
}

const OFF: SyncStatus = Object.freeze({ state: 'off' })

export class SyncRunner {
  readonly #adapter: SyncAdapter
  readonly #host: SyncRunnerHost
  readonly #pushBatch: number
  readonly #pullBatch: number
  readonly #minDelay: number
  readonly #maxDelay: number
  readonly #status = new BehaviorSubject<SyncStatus>(OFF)
  readonly #conflicts = new Subject<TicketConflict>()
  readonly status$: StateObservable<SyncStatus> = withValue(this.#status.pipe(distinctUntilChanged()), () => this.#status.value)
  readonly conflicts$: Observable<TicketConflict> = this.#conflicts.asObservable()
  #stop: AbortController | undefined
  #running: Promise<void> | undefined
  #stopped = false
  /** Waits to end early: a backoff (the browser is online again) or an idle push loop, and every wait on stop. */
  readonly #waiters = new Set<() => void>()

  constructor(adapter: SyncAdapter, host: SyncRunnerHost, options: SyncOptions = {}) {
    this.#adapter = adapter
    this.#host = host
    this.#pushBatch = options.pushBatchSize ?? 500
    this.#pullBatch = options.pullBatchSize ?? 500
    this.#minDelay = options.minRetryDelay ?? 1_000
    this.#maxDelay = options.maxRetryDelay ?? 60_000
  }

  /** Starts: waits to be elected, then syncs until `stop()`. */
  start(): void {
    if (this.#running || this.#stopped) return
    const stop = new AbortController()
    this.#stop = stop
    this.#set({ state: 'standby' })
    this.#running = this.#elected(stop.signal, () => this.#run(stop.signal)).catch((error: unknown) => {
      if (!stop.signal.aborted) this.#host.report(asChatError(error))
    })
  }

  /**
   * Stops for good (close, clearAllData, or another tab's clearAllData): requests in flight
   * are aborted, and the election is left. Resolves once the loops have ended.
   */
  async stop(): Promise<void> {
    this.#stopped = true
    this.#stop?.abort()
    this.#wakeAll()
    await this.#running
    this.#set(OFF)
    this.#status.complete()
    this.#conflicts.complete()
  }

  /** Runs `job` once this client is the one that syncs its database. */
  async #elected(signal: AbortSignal, job: () => Promise<void>): Promise<void> {
    const name = `companion-chat-sync:${this.#host.databaseName}`
    const locks = webLocks()
    if (locks) {
      await locks.request(name, { signal }, () => job()).catch((error: unknown) => {
        if (!signal.aborted) throw error
      })
      return
    }
    const release = await realmLock(this.#host.realmKey, name, signal)
    if (!release) return
    try {
      await job()
    } finally {
      release()
    }
  }

  async #run(signal: AbortSignal): Promise<void> {
    this.#set({ state: 'connecting' })
    const state = await this.#host.engine((api) => api.beginSync(this.#host.newId()))
    if (!state) return void this.stop() // cleared since this client connected: as on the reset it has not seen yet
    await Promise.all([this.#pushLoop(signal), this.#pullLoop(signal, state.replica, state.checkpoint)])
  }

  // ── Push ───────────────────────────────────────────────────────────────────

  async #pushLoop(signal: AbortSignal): Promise<void> {
    let waiting = false
    let poke: () => void = () => {}
    const subscription = this.#host.outbox$.subscribe((entries) => {
      if (waiting && entries.some((entry) => entry.state === 'pending')) poke()
    })
    try {
      await this.#retrying(signal, async () => {
        for (;;) {
          if (signal.aborted) return
          const entries = await this.#host.engine((api) => api.readOutbox(this.#pushBatch))
          if (signal.aborted) return
          if (entries.length === 0) {
            // Nothing to send: wait for the feed to bring a pending entry (or a stop).
            waiting = true
            await this.#wait(signal, Number.POSITIVE_INFINITY, (done) => (poke = done))
            waiting = false
            continue
          }
          await this.#push(entries, signal)
        }
      })
    } finally {
      subscription.unsubscribe()
    }
  }

  async #push(entries: readonly OutboxEntry[], signal: AbortSignal): Promise<void> {
    const outcomes = await untilStopped(
      this.#adapter.push(
        entries.map((entry) => entry.change),
        { signal, readAttachment: (id) => this.#host.engine((api) => api.readAttachment(id)) },
      ),
      signal,
    )
    if (signal.aborted) return
    const byId = new Map(outcomes.map((outcome) => [outcome.id, outcome]))
    const updates: DeliveryUpdate[] = []
    const conflicts: TicketConflict[] = []
    for (const entry of entries) {
      const outcome = byId.get(entry.change.id)
      if (!outcome) continue // not answered: still pending, sent again with the next batch
      if (outcome.state === 'failed') {
        updates.push({ id: entry.id, state: 'failed', reason: String(outcome.reason) })
        continue
      }
      updates.push({ id: entry.id, state: 'sent', ...(outcome.ticket ? { ticket: outcome.ticket } : {}), ...(outcome.revision !== undefined ? { revision: outcome.revision } : {}) })
      conflicts.push(...(outcome.conflicts ?? []))
    }
    if (updates.length === 0) throw new SyncError(`${this.#adapter.name}: the server answered none of ${entries.length} changes`, { reason: 'bad-response' })
    const version = await this.#host.engine((api) => api.settleDelivery(updates))
    await this.#seen(version, signal)
    for (const conflict of conflicts) this.#conflicts.next(conflict)
  }

  // ── Pull ───────────────────────────────────────────────────────────────────

  async #pullLoop(signal: AbortSignal, replica: string, stored: string | null): Promise<void> {
    let since = stored
    let caughtUp = false
    await this.#retrying(signal, async () => {
      for (;;) {
        if (signal.aborted) return
        const request = { since, limit: this.#pullBatch, replica, signal }
        const batch = await untilStopped(caughtUp ? this.#adapter.live(request) : this.#adapter.pull(request), signal)
        if (signal.aborted) return
        if (batch.checkpoint !== since || batch.changes.length > 0) await this.#apply(batch, replica, signal)
        if (signal.aborted) return
        since = batch.checkpoint
        if (!batch.more && !caughtUp) {
          caughtUp = true
          this.#set({ state: 'online' })
        }
      }
    })
  }

  async #apply(batch: PullBatch, replica: string, signal: AbortSignal): Promise<void> {
    const remote: RemoteBatch = { changes: batch.changes, checkpoint: batch.checkpoint, replica, at: this.#host.now() }
    const { refused, version, cleared } = await this.#host.engine((api) => api.applyRemote(remote))
    if (cleared) {
      // Cleared since sync began (`clearAllData` in another tab, whose reset this client has
      // not seen yet): sync ends for good, as on that reset.
      void this.stop()
      return
    }
    await this.#seen(version, signal)
    for (const { index, error } of refused) this.#host.report(refusedChange(this.#adapter.name, index, error))
    if (signal.aborted) return
    if (this.#adapter.saveCheckpoint) await untilStopped(this.#adapter.saveCheckpoint(replica, batch.checkpoint, { signal }), signal)
  }

  /** Until the client shows `version` (so `outbox$` and the messages say what was stored), or sync stops. */
  #seen(version: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve()
    return untilStopped(this.#host.seen(version), signal).catch(() => {})
  }

  // ── Failures ───────────────────────────────────────────────────────────────

  /**
   * Runs `loop` again after each failure, waiting longer each time (up to the maximum, with
   * jitter). A server that cannot be reached shows `offline`; other failures (credentials,
   * a broken answer) are reported on `errors$` too and wait the longest.
   */
  async #retrying(signal: AbortSignal, loop: () => Promise<void>): Promise<void> {
    let failures = 0
    for (;;) {
      try {
        await loop()
        return
      } catch (caught) {
        if (signal.aborted) return
        const error = asChatError(caught)
        const transient = error instanceof SyncError ? error.transient : false
        if (!transient) this.#host.report(error)
        failures++
        const ceiling = transient ? Math.min(this.#maxDelay, this.#minDelay * 2 ** (failures - 1)) : this.#maxDelay
        const wait = ceiling / 2 + Math.random() * (ceiling / 2)
        this.#set({ state: 'offline', error, retryAt: this.#host.now() + wait })
        await this.#wait(signal, wait)
        if (!signal.aborted) this.#set({ state: 'connecting' })
      }
    }
  }

  /**
   * Resolves after `ms`, on stop, on a wake-up (`online()`), or when `register`'s function is
   * called; leaves no timer or listener behind.
   */
  #wait(signal: AbortSignal, ms: number, register?: (done: () => void) => void): Promise<void> {
    return new Promise((resolve) => {
      const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined
      ;(timer as { unref?: () => void } | undefined)?.unref?.()
      const waiters = this.#waiters
      function done() {
        clearTimeout(timer)
        signal.removeEventListener('abort', done)
        waiters.delete(done)
        resolve()
      }
      if (signal.aborted) return done()
      signal.addEventListener('abort', done)
      waiters.add(done)
      register?.(done)
    })
  }

  #wakeAll(): void {
    for (const done of [...this.#waiters]) done()
  }

  /** The browser says it is online again: try now instead of at the end of the backoff. */
  online(): void {
    this.#wakeAll()
  }

  #set(status: SyncStatus): void {
    if (!this.#status.closed) this.#status.next(status)
  }
}

/**
 * An adapter call, given up when sync stops even if the call itself does not end: an adapter
 * may ignore the signal, and Node's `fetch` can hang reading the body of an aborted answer
 * (nodejs/undici#4089). `stop()` must not wait on the network.
 */
function untilStopped<T>(call: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    call.catch(() => {}) // its own outcome no longer matters
    return Promise.reject(signal.reason)
  }
  return new Promise<T>((resolve, reject) => {
    const stopped = () => reject(signal.reason)
    signal.addEventListener('abort', stopped, { once: true })
    call.then(resolve, reject).finally(() => signal.removeEventListener('abort', stopped))
  })
}

/** A server change the engine could not apply (malformed, or for a ticket this device does not have). */
function refusedChange(name: string, index: number, error: SerializedError): ChatError {
  const cause = fromSerializedError(error)
  return new SyncError(`${name}: a server change (#${index} of its batch) was not applied: ${cause.message}`, { reason: 'rejected' }, { cause })
}

function asChatError(error: unknown): ChatError {
  if (error instanceof ChatError) return error
  return new SyncError(error instanceof Error ? error.message : String(error), { reason: 'unreachable' }, { cause: error })
}

/** One holder per key and name in this realm, in order of request: the fallback where there are no Web Locks. */
const realmLocks = new WeakMap<object, Map<string, Array<() => void>>>()

function realmLock(realm: object, name: string, signal: AbortSignal): Promise<(() => void) | undefined> {
  let names = realmLocks.get(realm)
  if (!names) realmLocks.set(realm, (names = new Map()))
  const queue = names.get(name) ?? []
  names.set(name, queue)
  return new Promise((resolve) => {
    const release = () => {
      const at = queue.indexOf(grant)
      if (at >= 0) queue.splice(at, 1)
      if (at === 0) queue[0]?.()
    }
    const grant = () => resolve(release)
    queue.push(grant)
    if (queue.length === 1) grant()
    signal.addEventListener(
      'abort',
      () => {
        if (queue[0] !== grant) {
          const at = queue.indexOf(grant)
          if (at >= 0) queue.splice(at, 1)
          resolve(undefined)
        }
      },
      { once: true },
    )
  })
}
