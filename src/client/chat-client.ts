/**
 * The chat client: validates each command on the calling thread, shows it at once in the
 * mirror (optimistic), sends it to the engine, and settles it when the change feed reports
 * its outcome. This file is the connection half: the host, the outbox, the feed, reconnecting
 * after a lost worker and the failure paths; `mirror.ts` keeps the state.
 *
 * Reconnecting: when the worker dies, fails to start or stops answering, the client ends it,
 * starts a new one through the same host after a backoff (`RECONNECT_DELAYS`), connects
 * again (snapshot, the windows it held, the older pages it had read), and sends again, first
 * and marked resent, every command the lost engine did not acknowledge. Pending commands
 * stay pending (and shown) meanwhile; calls in flight run again on the new connection.
 */
import { checkCommand } from '../core/check-command.js'
import { ChatError, ClientClosedError, NotFoundError, ValidationError, WorkerGoneError, fromSerializedError } from '../core/errors.js'
import {
  CHAT_CONFIG,
  PROTOCOL_VERSION,
  type ChatConfig,
  type ChatMessage,
  type ChatSystemState,
  type FeedMessage,
  type CleanupReport,
  type Change,
  type Command,
  MAIN_THREAD,
  type Patch,
  type Result,
  type SearchHit,
  type SearchOptions,
  type SendMessageOptions,
  type Snapshot,
  type ThreadId,
} from '../core/protocol.js'
import { checkConfig, checkSendOptions, checkText } from '../core/validate.js'
import { readAttachmentInputs } from '../core/attachments.js'
import { DRAFT_WRITE_INTERVAL, DraftWrites, onPageHidden, type DraftCommand } from './draft-writes.js'
import { openHost, type Host } from './hosts.js'
import { createIdSource } from './ids.js'
import { createKeepAlive } from './keep-alive.js'
import { Mirror } from './mirror.js'
import { asChatError, delay, nextTask, unwrap } from './remote.js'
import { createStateStore, type StateStore } from './state-store.js'
import { startWatchdog } from './watchdog.js'
import { Windows } from './windows.js'
import { MAX_PAGE_SIZE } from '../core/validate.js'
import { OutboxView } from './outbox-view.js'
import { ticketsById } from './state-queries.js'
import type { ChatClient, ChatClientOptions, ChatStatus, HostKind } from './types.js'

/** Commands whose user messages and ticket changes go to the server when sync is configured. */
const SYNCED: ReadonlySet<Command['kind']> = new Set([
  'sendMessage',
  'sendMessages',
  'createTicket',
  'resolveTicket',
  'updateTicketStatus',
  'updateTicketPriority',
  'createTicketFromChatMessage',
  'inheritContextToTicket',
])

export type CommandInput = Command extends infer C ? (C extends Command ? Omit<C, 'commandId' | 'at'> : never) : never

/**
 * How long (ms) the client waits before each new worker after a lost one: the first at once,
 * then longer. A try fails when its worker dies, fails to start or does not answer before
 * the new connection made progress (committed something, or had nothing to send again).
 */
export const RECONNECT_DELAYS: readonly number[] = [0, 250, 500, 1_000, 2_000]

/** Default of `ChatClientOptions.reconnectAttempts`: new workers tried in a row before the client gives up. */
export const DEFAULT_RECONNECT_ATTEMPTS = RECONNECT_DELAYS.length

/** Default of `ChatClientOptions.connectTimeout`, in ms. */
export const DEFAULT_CONNECT_TIMEOUT = 30_000

/** Default of `ChatClientOptions.workerTimeout`, in ms. */
export const DEFAULT_WORKER_TIMEOUT = 15_000

/**
 * Ticket removals of one patch applied per task. A patch that removes more (a cleanup of
 * thousands of tickets) is applied in slices of this many, one task each, so the page never
 * blocks for the whole of it.
 */
export const REMOVAL_SLICE = 500

/**
 * Confirmed changes of one patch taken per task. A patch with more (the commit of thousands
 * of commands fired together) is taken into the confirmed state in slices of this many, one
 * task each, while the page goes on showing what those commands showed already.
 */
export const CONFIRM_SLICE = 1_000

/**
 * Commands of one patch settled per task, once its changes show: the reactions of thousands of
 * callers (an app's `Promise.all`) do not run in one task.
 */
export const SETTLE_SLICE = 2_000

/** A large patch taken in parts (see `#applyInSlices`). */
interface Slices {
  /** Takes the next slice of the patch; true while more follow. */
  next(): boolean
  /** The patch that is left to apply after the slices taken; `complete`: every slice was. */
  rest(complete: boolean): Patch
}

/** How a call in flight ends when its connection is lost: the caller runs it again on the next one. Never leaves the client. */
class ConnectionLost extends Error {
  override readonly name = 'ConnectionLost'
}
const LOST = new ConnectionLost('The connection to the engine was lost')

/** Items of the outbox: commands, and the clear of `clearAllData` (by its pending entry's id). */
type OutboxItem = Command | { readonly clear: string }
const itemId = (item: OutboxItem): string => ('kind' in item ? item.commandId : item.clear)

/** How many changes at the start of `patch` remove tickets. */
function leadingRemovals(patch: Patch): number {
  let n = 0
  while (n < patch.changes.length && patch.changes[n]!.type === 'ticketDeleted') n++
  return n
}

/** A promise with its settle functions; rejections are observed. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok
    reject = fail
  })
  promise.catch(() => {})
  return { promise, resolve, reject }
}

export class Client {
  readonly ready: Promise<void>
  readonly store: StateStore
  /** Makes the ids of this client's messages, tickets and commands. */
  readonly newId = createIdSource()
  readonly #options: ChatClientOptions
  readonly #config: ChatConfig
  readonly #now: () => number
  readonly #hostKind: HostKind
  #host: Host | undefined
  /** Whether the current connection is up (welcome in, not lost since). */
  #connected = false
  /** Whether a snapshot was ever loaded: the mirror can judge commands from then on. */
  #loaded = false
  #closed = false
  /** The connection is gone for good (the client gave up, or the engine refused it). */
  #failure: ChatError | undefined
  /** Bumped when a connection is lost: signals of an older connection are ignored. */
  #generation = 0
  /** Tries in a row that failed since the last connection that made progress. */
  #attempts = 0
  readonly #maxAttempts: number
  #retryTimer: ReturnType<typeof setTimeout> | undefined
  /** Resolves with the host once connected; replaced when that connection is lost. */
  #whenConnected = deferred<Host>()
  /** The first `close()`: every later call answers the same promise. */
  #closing: Promise<void> | undefined
  /** Node: whether `close()` is still running (the process waits for it). */
  #closeRunning = false

  readonly #mirror: Mirror
  /** The durable outbox as the feed reports it (sync). */
  readonly deliveries = new OutboxView()
  /** Called when the database is cleared (`clearAllData` in this tab or another): see `onReset`. */
  readonly #resetListeners = new Set<() => void>()
  /** Whether sync is configured: user messages and ticket changes are stored with a delivery state. */
  readonly #syncing: boolean
  /** Which ticket threads this client holds messages of (see windows.ts). */
  readonly windows: Windows
  #outbox: OutboxItem[] = []
  /** What was handed to the engine and not settled, in the order sent: sent again after a lost worker. */
  readonly #unacked = new Map<string, OutboxItem>()
  /** Commands being sent again after a lost worker: the engine is told, so that one applied then is not applied twice. */
  readonly #resent = new WeakSet<Command>()
  #sendScheduled = false
  /** Draft commands shown but not yet in the outbox: one write per thread per interval (see draft-writes.ts). */
  readonly #drafts = new DraftWrites(DRAFT_WRITE_INTERVAL, (commands) => {
    this.#outbox.push(...commands)
    this.#scheduleSend()
  })
  /** A page about to be hidden or left writes its drafts now: it may not run again. */
  readonly #stopPageWatch = onPageHidden(() => {
    this.#drafts.writeAll()
    this.#sendNow()
  })
  #patchesBeforeWelcome: Patch[] = [] // patches that arrived before the welcome
  #loads = 0 // snapshots taken in so far
  #slicing = false // a patch is being taken in slices (`#applyInSlices`)
  readonly #patchesBehindSlices: Patch[] = [] // patches that arrived meanwhile, in order
  readonly #versionWaiters: Array<{ version: number; resolve: () => void }> = []
  #resyncing: Promise<void> | undefined
  #stopWatchdog: () => void = () => {}
  #calls = 0 // remote calls awaiting an answer
  readonly #keepAlive = createKeepAlive()
  /**
   * How each remote call in flight fails when the connection fails for good, whichever way
   * that is noticed. A call leaves the set when it settles: racing every call against one
   * promise that never settles would keep every answer (search hits, pages of messages)
   * reachable from it for the life of the client, after `clearAllData` too.
   */
  readonly #inFlight = new Set<(error: ChatError | ConnectionLost) => void>()

  constructor(options: ChatClientOptions) {
    this.#options = options
    this.#config = checkConfig(options.config, CHAT_CONFIG)
    this.#now = options.now ?? Date.now
    this.#hostKind = options.host ?? (options.worker ? 'worker' : 'in-process')
    this.#maxAttempts = options.reconnectAttempts ?? DEFAULT_RECONNECT_ATTEMPTS
    this.#syncing = options.sync !== undefined
    this.#mirror = new Mirror(this.#config)
    this.store = createStateStore(
      () => this.getState(),
      { connection: 'connecting', storage: 'unknown', host: this.#hostKind, pendingWrites: 0 },
      () => this.#mirror.pending.size,
    )
    this.windows = new Windows({
      config: this.#config,
      loadThread: async (thread, page) => unwrap(await this.#request((host) => host.api.loadThread(thread, page))),
      unloadThreads: async (threads) => {
        unwrap(await this.#request((host) => host.api.unloadThreads(threads)))
      },
      apply: (changes) => {
        this.#mirror.applyLocal(changes)
        this.#changed()
      },
      oldestSeq: (thread) => this.#mirror.oldestSeq(thread),
      hasOlder: (thread) => ticketsById(this.getState()).get(thread)?.hasOlder ?? false,
      exists: (thread) => ticketsById(this.getState()).has(thread),
      held: (thread) => this.#mirror.held(thread),
    })
    // The selected ticket is loaded, whichever tab selected it.
    this.store.state$.subscribe((state) => this.windows.selected(state.activeTicketId))
    this.ready = this.#whenConnected.promise.then(() => {})
    this.ready.catch(() => {}) // reported on status$ and by every call; awaiting is optional
    void this.#open()
  }

  // ── Reads ──────────────────────────────────────────────────────────────────

  getState(): ChatSystemState {
    return this.#mirror.getState()
  }

  get config(): ChatConfig {
    return this.#config
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed || this.#closing !== undefined
  }

  // ── Commands ───────────────────────────────────────────────────────────────

  /** Messages built by `message()`: their metadata is a checked copy already (`checkCommand` skips it). */
  readonly #built = new WeakSet<ChatMessage>()
  readonly #isBuilt = (message: ChatMessage): boolean => this.#built.has(message)

  /** The files of messages built with attachments, for the send that carries them (`filesOf`). */
  readonly #files = new WeakMap<ChatMessage, readonly Blob[]>()

  /** A message as the send calls make it: client id and clock, so the committed row equals this one. */
  message(content: string, options: SendMessageOptions | undefined, path = 'content'): ChatMessage {
    const checked = checkSendOptions(options, this.#config)
    const given = checked.attachments && readAttachmentInputs(checked.attachments, 'options.attachments', this.#config, this.newId)
    // With files, the text may be empty (a photo, a voice message without transcript).
    if (!given) checkText(content, path, this.#config.maxContentLength)
    else if (typeof content !== 'string' || content.length > this.#config.maxContentLength) {
      throw new ValidationError(`${path}: must be a string of at most ${this.#config.maxContentLength} characters`, { path, limit: this.#config.maxContentLength })
    }
    let id = checked.id
    if (id === undefined) {
      id = this.newId()
      this.#mirror.markNewId(id)
    }
    const message: ChatMessage = {
      id,
      content,
      sender: checked.sender ?? 'user',
      timestamp: this.#now(),
      type: checked.type ?? 'text',
      ...(checked.metadata ? { metadata: checked.metadata } : {}),
      ...(this.#syncing && (checked.sender ?? 'user') === 'user' ? { delivery: 'pending' as const } : {}),
      ...(given ? { attachments: given.attachments } : {}),
    }
    if (checked.metadata) this.#built.add(message)
    if (given) this.#files.set(message, given.files)
    return message
  }

  /** Calls `listener` each time the database is cleared, here or in another tab. */
  onReset(listener: () => void): void {
    this.#resetListeners.add(listener)
  }

  /** The files of a message built by `message()`, as a send command carries them. */
  filesOf(message: ChatMessage): { files?: readonly Blob[] } {
    const files = this.#files.get(message)
    return files ? { files } : {}
  }

  /**
   * The bytes of a stored attachment, after every command issued before (a message just sent
   * has its files stored by then). A Blob backed by the worker's storage: reading it does not
   * copy the bytes across.
   */
  async readAttachment(id: string): Promise<Blob> {
    this.#sendNow()
    return unwrap(await this.#request((host) => host.api.readAttachment(id)))
  }

  /**
   * Validates, applies optimistically and queues a command. Throws at once for bad input
   * (and, once the first snapshot is in, for unknown tickets or illegal transitions).
   * The promise resolves after the commit; it is also observed, so an unawaited failure
   * reaches `errors$` instead of becoming an unhandled rejection.
   */
  run(input: CommandInput, options: { quiet?: boolean } = {}): Promise<void> {
    // Spread last: V8 builds `{ ...a, b }` on a slow path, several µs per command in a burst.
    const given = (
      this.#syncing && SYNCED.has(input.kind) ? { commandId: this.newId(), at: this.#now(), sync: true, ...input } : { commandId: this.newId(), at: this.#now(), ...input }
    ) as Command
    let command: Command
    try {
      if (this.#closed) throw new ClientClosedError()
      // The checked copy from here on: what the caller passed can change or die without reaching it.
      command = checkCommand(given, this.#config, this.#isBuilt)
      if (this.#failure) throw this.#failure
    } catch (error) {
      this.#mirror.discard(given)
      throw error
    }
    const entry = this.#mirror.add(command, options.quiet ?? false, this.#loaded || this.#failure !== undefined)
    this.#dropMootDrafts(command)
    if (command.kind === 'createTicket' || command.kind === 'createTicketFromChatMessage') this.windows.wrote(command.ticketId, true)
    else if (command.kind === 'sendMessage' || command.kind === 'sendMessages') this.windows.wrote(command.thread)
    this.#outbox.push(command)
    this.#scheduleSend()
    this.#changed()
    return entry.promise
  }

  /**
   * Shows a thread's draft at once and holds its write back: the engine gets the newest
   * text at most once per `DRAFT_WRITE_INTERVAL` per thread, and at once on `flush()`.
   */
  setDraft(thread: ThreadId, text: string): void {
    const command: DraftCommand = { kind: 'setDraft', commandId: this.newId(), at: this.#now(), thread, text }
    if (this.closed) throw new ClientClosedError() // close() has begun: its flush would not see this write
    checkCommand(command, this.#config)
    if (this.#failure) throw this.#failure
    this.#mirror.add(command, false, this.#loaded)
    const replaced = this.#drafts.hold(command)
    if (replaced) this.#mirror.settle(replaced.commandId)?.resolve() // never written: the newer text replaces it
    this.#changed()
  }

  /**
   * Held draft writes that `command` makes moot are taken back, so they can never be written
   * after it: a user message sent into the thread (its draft goes with the send), or
   * `clearUserData` (every draft goes).
   */
  #dropMootDrafts(command: Command): void {
    if (command.kind === 'clearUserData') this.#forgetDrafts()
    else if (
      (command.kind === 'sendMessage' && command.message.sender === 'user') ||
      (command.kind === 'sendMessages' && command.messages.some((message) => message.sender === 'user'))
    ) {
      this.#forgetDrafts(command.thread)
    }
  }

  /** Takes back the held draft write of `thread` (or every one): it leaves the pending state unwritten. */
  #forgetDrafts(thread?: ThreadId): void {
    const dropped = thread === undefined ? this.#drafts.dropAll() : [this.#drafts.drop(thread)]
    for (const command of dropped) if (command) this.#mirror.settle(command.commandId)?.resolve()
  }

  /** Calls the engine once connected (the sync runner, `retryDelivery`); runs again on a new worker when its worker is lost, rejects when the client gave up or closed. */
  async engine<T>(call: (api: Host['api']) => Promise<Result<T>>): Promise<T> {
    // The sync calls are idempotent: one that committed before its answer was lost does nothing the second time.
    return unwrap(await this.#request((host) => call(host.api)))
  }

  /** Resolves once the feed has delivered `version`. */
  seen(version: number): Promise<void> {
    return this.#seen(version)
  }

  async runCleanup(): Promise<CleanupReport> {
    this.#sendNow() // what was issued before runs before the cleanup
    return this.#request(async (host) => {
      const { report, version } = unwrap(await host.api.runCleanup(this.#now()))
      await this.#seen(version)
      return report
    })
  }

  clearAllData(): Promise<void> {
    if (this.#closed) throw new ClientClosedError()
    if (this.#failure) throw this.#failure
    this.#forgetDrafts() // a draft held back must not be written into the new, empty database
    // Shown at once: a local reset entry hides everything issued before it until the engine confirms.
    const { id, promise } = this.#mirror.addLocal(this.newId(), [{ type: 'reset' }])
    // Queued in the outbox like a command, so it reaches the engine after everything issued
    // before it and before everything issued after it.
    this.#outbox.push({ clear: id })
    this.#scheduleSend()
    this.#changed()
    return promise
  }

  async flush(): Promise<void> {
    this.#drafts.writeAll()
    this.#sendNow()
    await Promise.allSettled([...this.#mirror.pending.values()].map((entry) => entry.promise))
  }

  async close(): Promise<void> {
    this.#closing ??= this.#close()
    return this.#closing
  }

  async #close(): Promise<void> {
    this.#closeRunning = true
    this.#keepAlive.update(true) // Node: the process waits for the close, even while nothing else runs
    // While reconnecting too: pending writes commit on the next worker (or reject when the client gives up).
    await this.ready.catch(() => {})
    await this.flush()
    this.#closed = true
    this.#stopWatchdog()
    this.#stopPageWatch()
    clearTimeout(this.#retryTimer)
    const host = this.#host
    if (host && !this.#failure) {
      await Promise.race([host.api.disconnect(), host.gone, delay(2_000)]).catch(() => {})
    }
    await host?.dispose().catch(() => {})
    this.#closeRunning = false
    this.#keepAlive.update(false)
    this.store.setStatus({ connection: 'closed', pendingWrites: 0 })
    this.store.complete()
    this.deliveries.complete()
  }

  // ── Connection ─────────────────────────────────────────────────────────────

  /** One try: opens the host, connects the engine, loads its snapshot, and sends what waits. */
  async #open(): Promise<void> {
    const generation = this.#generation
    const current = () => generation === this.#generation && this.#failure === undefined && !this.#closed
    let host: Host
    try {
      host = await openHost(this.#hostKind, this.#options)
    } catch (error) {
      // The host could not even be made (a missing option, a factory that throws): trying again would not help.
      return this.#fail(asChatError(error))
    }
    if (!current()) {
      void host.dispose().catch(() => {})
      return
    }
    this.#host = host
    const lost = (error: ChatError) => this.#lost(error, generation)
    host.gone.catch((error: unknown) => lost(asChatError(error)))
    try {
      const timeout = this.#options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT
      let blocked = false
      host.onFeed((message: FeedMessage) => {
        if (!current()) return
        if (!('notice' in message)) return this.#onPatch(message)
        // The worker answered: it waits for another tab, and no timeout applies while it does.
        blocked = true
        if (!this.#connected) this.store.setStatus({ connection: 'blocked' })
      })
      const hello = {
        protocolVersion: PROTOCOL_VERSION,
        databaseName: this.#options.databaseName ?? 'companion-chat',
        config: this.#config,
        requirePersistence: this.#options.requirePersistence ?? false,
        threads: this.windows.threads(),
      }
      const welcome = unwrap(
        await Promise.race([
          this.#call(host.api.connect(hello)),
          delay(timeout).then(async () => {
            if (blocked) return new Promise<never>(() => {}) // until the other tab lets go (a dead worker still fails through `gone`)
            throw new WorkerGoneError(`The worker did not answer within ${timeout} ms`)
          }),
        ]),
      )
      if (welcome.protocolVersion !== PROTOCOL_VERSION) {
        throw new ChatError('protocol-mismatch', `The worker speaks protocol ${welcome.protocolVersion}, the client ${PROTOCOL_VERSION}`)
      }
      // A client that held older pages of a ticket reads them again before it shows the new snapshot.
      const pages = this.#loaded ? await this.#olderPages(host, welcome.snapshot) : []
      if (!current()) return
      this.#load(welcome.snapshot)
      if (pages.length > 0) this.#mirror.applyLocal(pages)
      this.#loaded = true
      this.#connected = true
      for (const patch of this.#patchesBeforeWelcome.splice(0)) this.#onPatch(patch)
      // Nothing to send again: no command of the lost worker can bring this one down.
      if (this.#outbox.length === 0) this.#attempts = 0
      this.store.setStatus({ connection: 'ready', storage: welcome.storage, host: host.kind, error: undefined })
      if (host.kind !== 'in-process') {
        const timeout = this.#options.workerTimeout ?? DEFAULT_WORKER_TIMEOUT
        this.#stopWatchdog = startWatchdog({
          ping: () => host.api.ping(),
          busy: () => this.#mirror.pending.size > 0 || this.#calls > 0,
          timeout,
          onGone: () => lost(new WorkerGoneError(`The worker did not answer for ${timeout} ms`)),
        })
      }
      this.#whenConnected.resolve(host)
      this.#sendNow()
      this.#changed()
    } catch (error) {
      if (error instanceof ConnectionLost || !current()) return // `#lost` took over
      const failure = asChatError(error)
      if (failure instanceof WorkerGoneError) lost(failure)
      else this.#fail(failure) // refused (another protocol, storage required but unavailable): the same again
    }
  }

  /**
   * The older pages of ticket threads this client had read (`loadOlder`) beyond what the
   * snapshot of a new connection carries, read again from `host`.
   */
  async #olderPages(host: Host, snapshot: Snapshot): Promise<Change[]> {
    const oldest = new Map<ThreadId, number>()
    const count = new Map<ThreadId, number>()
    for (const record of snapshot.messages) {
      if (record.thread === MAIN_THREAD) continue
      count.set(record.thread, (count.get(record.thread) ?? 0) + 1)
      const seq = oldest.get(record.thread)
      if (record.seq !== undefined && (seq === undefined || record.seq < seq)) oldest.set(record.thread, record.seq)
    }
    const reads = snapshot.windows.flatMap(({ thread, hasOlder }) => {
      const missing = Math.min(MAX_PAGE_SIZE, this.#mirror.held(thread) - (count.get(thread) ?? 0))
      const before = oldest.get(thread)
      if (!hasOlder || missing <= 0 || before === undefined) return []
      return [
        this.#call(host.api.loadThread(thread, { before, count: missing })).then(
          (result): Change => {
            const page = unwrap(result)
            return { type: 'page', thread, records: page.records, hasOlder: page.hasOlder }
          },
        ),
      ]
    })
    return Promise.all(reads)
  }

  #load(snapshot: Snapshot): void {
    this.#loads++
    this.deliveries.load(snapshot.outbox)
    this.#mirror.load(snapshot)
    this.#changed()
  }

  /**
   * The worker of connection `generation` died, failed to start or stopped answering. Unless
   * the client is closed or has given up: the worker is ended, and a new one started after
   * the backoff; everything the lost engine did not acknowledge is sent again, first. A
   * `close()` under way waits for that (it waits for pending writes).
   */
  #lost(error: ChatError, generation: number): void {
    if (generation !== this.#generation || this.#failure || this.#closed) return
    this.#generation++
    this.#connected = false
    this.#stopWatchdog()
    this.#stopWatchdog = () => {}
    for (const reject of this.#inFlight) reject(LOST) // they run again on the next connection
    this.#inFlight.clear()
    this.#versionWaiters.length = 0 // versions of the lost engine's feed: their calls run again
    this.#patchesBeforeWelcome = []
    const again = [...this.#unacked.values()]
    this.#unacked.clear()
    for (const item of again) if ('kind' in item) this.#resent.add(item)
    this.#outbox = [...again, ...this.#outbox]
    const host = this.#host
    this.#host = undefined
    void host?.dispose().catch(() => {}) // ends the worker if it still runs (a hung one)
    const replaced = this.#whenConnected
    this.#whenConnected = deferred<Host>()
    // Waiters of the first connection (`ready`) keep waiting for the next one.
    this.#whenConnected.promise.then(replaced.resolve, replaced.reject)
    this.#attempts++
    if (this.#attempts > this.#maxAttempts) {
      const tries = this.#attempts - 1 // new workers tried
      const detail = this.#maxAttempts === 0 ? 'reconnecting is off' : `${tries} new workers in a row failed`
      return this.#fail(new WorkerGoneError(`The worker is gone and the client gave up (${detail}): ${error.message}`, { attempts: tries }, { cause: error }))
    }
    this.store.setStatus({ connection: 'reconnecting', error })
    this.#changed()
    const wait = RECONNECT_DELAYS[Math.min(this.#attempts - 1, RECONNECT_DELAYS.length - 1)]!
    this.#retryTimer = setTimeout(() => void this.#open(), wait)
    ;(this.#retryTimer as { unref?: () => void }).unref?.() // the keep-alive holds a Node process while reconnecting
  }

  /** The connection is gone for good: every pending command and call in flight rejects, later calls throw. */
  #fail(error: ChatError): void {
    if (this.#failure || this.#closed) return
    this.#failure = error
    this.#connected = false
    clearTimeout(this.#retryTimer)
    this.#stopWatchdog()
    for (const reject of this.#inFlight) reject(error)
    this.#inFlight.clear()
    this.#whenConnected.reject(error)
    this.#drafts.dropAll() // their pending entries fail with the others below
    this.#outbox = []
    this.#unacked.clear()
    for (const id of [...this.#mirror.pending.keys()]) this.#settle(id, error)
    this.store.setStatus({ connection: 'failed', error })
    this.#changed()
  }

  /** The host once connected (waits while reconnecting); throws once the client is closed or gave up. */
  async #usable(): Promise<Host> {
    for (;;) {
      if (this.#closed) throw new ClientClosedError()
      if (this.#failure) throw this.#failure
      const host = await this.#whenConnected.promise
      if (this.#connected && this.#host === host) return host
    }
  }

  /** A call that runs again on the next connection when its worker is lost before it answers. */
  async #request<T>(run: (host: Host) => Promise<T>): Promise<T> {
    for (;;) {
      const host = await this.#usable()
      try {
        return await this.#call(run(host))
      } catch (error) {
        if (!(error instanceof ConnectionLost)) throw error
      }
    }
  }

  /**
   * A remote call that rejects instead of hanging when the worker dies: with `LOST` when a
   * new worker takes over (the caller runs it again, or the outbox sends it again), with the
   * client's failure when it gave up. A call that fails to reach the worker means it is lost.
   */
  #call<T>(call: Promise<T>): Promise<T> {
    if (this.#calls++ === 0) this.#keepAlive.update(true)
    const generation = this.#generation
    return new Promise<T>((resolve, reject) => {
      if (this.#failure) return reject(this.#failure)
      this.#inFlight.add(reject)
      call
        .then(resolve, (error: unknown) => {
          const failure = asChatError(error)
          if (!(failure instanceof WorkerGoneError)) return reject(failure)
          this.#lost(failure, generation)
          reject(this.#failure ?? LOST)
        })
        .finally(() => this.#inFlight.delete(reject))
    }).finally(() => {
      if (--this.#calls === 0) this.#keepAlive.update(this.#busy())
    })
  }

  /** Whether anything is outstanding: the connection being made, a command, a call. */
  #busy(): boolean {
    if (this.#closeRunning) return true
    if (this.#closed) return false
    if (!this.#connected) return this.#failure === undefined
    return this.#calls > 0 || this.#mirror.pending.size > 0 || this.#outbox.length > 0
  }

  // ── Sending ────────────────────────────────────────────────────────────────

  #scheduleSend(): void {
    if (this.#sendScheduled || !this.#connected) return
    this.#sendScheduled = true
    queueMicrotask(() => this.#sendNow()) // everything issued in this tick goes in one message
  }

  #sendNow(): void {
    this.#sendScheduled = false
    if (!this.#connected || this.#failure || this.#outbox.length === 0) return
    const outbox = this.#outbox
    this.#outbox = []
    // Comlink posts calls in order on one port and the engine serialises them: order is kept.
    // Commands sent again after a lost worker go in calls of their own, marked resent.
    let commands: Command[] = []
    let resent = false
    for (const item of outbox) {
      this.#unacked.set(itemId(item), item)
      if ('kind' in item) {
        const again = this.#resent.has(item)
        if (again !== resent) {
          this.#execute(commands, resent)
          commands = []
          resent = again
        }
        commands.push(item)
        continue
      }
      this.#execute(commands, resent)
      commands = []
      this.#clear(item.clear)
    }
    this.#execute(commands, resent)
  }

  #execute(commands: readonly Command[], resent: boolean): void {
    if (commands.length === 0) return
    const host = this.#host!
    const call = resent ? host.api.execute(commands, { resent: true }) : host.api.execute(commands)
    const postFailure = host.takePostFailure()
    if (postFailure !== undefined) {
      // Nothing was sent and the connection is fine (checked commands are plain copies, so this
      // should never happen). Sent one by one, in order, so that only a command that cannot be
      // copied fails.
      call.catch(() => {})
      if (commands.length > 1) for (const command of commands) this.#execute([command], resent)
      else this.#settle(commands[0]!.commandId, asChatError(postFailure))
      return
    }
    this.#call(call)
      .then((result) => {
        if (!result.ok) throw fromSerializedError(result.error)
      })
      .catch((error: unknown) => {
        // Lost: sent again to the next worker. Given up or closed: every pending entry has settled.
        if (error instanceof ConnectionLost || this.#failure) return
        const failure = asChatError(error)
        for (const command of commands) this.#settle(command.commandId, failure)
      })
  }

  #clear(id: string): void {
    this.#call(this.#host!.api.clearAllData())
      .then(async (result) => {
        await this.#seen(unwrap(result))
        this.#settle(id)
      })
      .catch((error: unknown) => {
        if (error instanceof ConnectionLost || this.#failure) return
        this.#settle(id, asChatError(error))
      })
  }

  // ── Change feed ────────────────────────────────────────────────────────────

  #onPatch(patch: Patch): void {
    if (this.#slicing) {
      this.#patchesBehindSlices.push(patch)
      return
    }
    if (this.#connected && patch.version === this.#mirror.version + 1) {
      if (leadingRemovals(patch) > REMOVAL_SLICE) return void this.#applyInSlices(patch, this.#removalSlices(patch))
      if (patch.changes.length + (patch.sent?.ids.length ?? 0) > CONFIRM_SLICE) return void this.#applyInSlices(patch, this.#confirmSlices(patch))
    }
    this.#applyPatch(patch)
  }

  /**
   * Takes a large patch in slices, one task each (the first too: reading the patch's message
   * took one): `slices.next()` takes the next slice and says whether more follow, then the
   * patch `slices.rest()` leaves is applied in one more task, which moves the version and
   * settles the patch's commands; those it leaves out settle after it, `SETTLE_SLICE` per task.
   * Later patches wait for it all. A snapshot that comes meanwhile (a new connection) ends the
   * slicing, and the patch is then taken as any patch is (its changes again, or skipped by its
   * version).
   */
  async #applyInSlices(patch: Patch, slices: Slices): Promise<void> {
    this.#slicing = true
    const loads = this.#loads
    let more = true
    try {
      while (more) {
        await nextTask()
        if (this.#closed || !this.#connected || this.#loads !== loads) break
        more = slices.next()
      }
      if (!more) await nextTask() // and the rest in one more
    } finally {
      const rest = this.#loads === loads ? slices.rest(!more) : patch
      this.#applyPatch(rest)
      const after = rest.done === patch.done ? [] : patch.done // the commands `rest` leaves out settle after it
      for (let at = 0; at < after.length; at += SETTLE_SLICE) {
        await nextTask()
        for (const id of after.slice(at, at + SETTLE_SLICE)) this.#settle(id, undefined, false)
        this.#changed()
      }
      this.#slicing = false
      while (!this.#slicing && this.#patchesBehindSlices.length > 0) this.#onPatch(this.#patchesBehindSlices.shift()!)
    }
  }

  /**
   * The slices of a patch that commits many commands fired together: its changes go into the
   * confirmed state slice by slice while the page shows what the commands showed already, then
   * its committed commands leave the replay (see `Mirror.confirmAhead`); the rest of the patch
   * moves the version and shows the confirmed state, and the commands settle after it.
   */
  #confirmSlices(patch: Patch): Slices {
    return {
      next: () => this.#mirror.confirmAhead(patch, CONFIRM_SLICE),
      rest: (complete) => (complete ? { ...patch, done: [] } : patch),
    }
  }

  /**
   * The slices of a patch that removes many tickets: every slice removes some of them (with
   * their messages and drafts) and shows the result, as another tab's cleanup would, and the
   * rest of the patch is applied last, so a call waiting for the patch (`runCleanup`) ends only
   * once every removal shows. The ticket the view has selected goes last, with the patch's
   * change of the view.
   */
  #removalSlices(patch: Patch): Slices {
    const removals = leadingRemovals(patch)
    const active = this.getState().activeTicketId
    const kept: Change[] = [] // removals left for the rest
    let at = 0
    return {
      next: () => {
        const slice: Change[] = []
        for (const change of patch.changes.slice(at, at + REMOVAL_SLICE)) {
          if (change.type === 'ticketDeleted' && change.id !== active) slice.push(change)
          else kept.push(change)
        }
        at += REMOVAL_SLICE
        this.#mirror.applyLocal(slice)
        this.#forgetTickets(slice)
        this.#changed()
        return removals - at > REMOVAL_SLICE
      },
      rest: () => ({ ...patch, changes: [...kept, ...patch.changes.slice(at)] }),
    }
  }

  /** What the client keeps beside the state of tickets that a change removed: their windows and held drafts. */
  #forgetTickets(changes: readonly Change[]): void {
    for (const change of changes) {
      if (change.type === 'ticketDeleted') {
        this.windows.forget(change.id)
        this.#forgetDrafts(change.id) // the engine would refuse it: its ticket is gone
      } else if (change.type === 'reset') {
        // Held drafts stay: they were typed after this client's own clearAllData (which dropped the
        // ones before it), or while another tab cleared, and then they are newer than the clear.
        this.windows.forget()
        for (const listener of this.#resetListeners) listener()
      }
    }
  }

  #applyPatch(patch: Patch): void {
    if (!this.#connected) {
      this.#patchesBeforeWelcome.push(patch)
      return
    }
    this.#attempts = 0 // the connection works: a later loss starts counting tries anew
    if (patch.version <= this.#mirror.version) {
      // Its changes are in the state already (a snapshot overtook the feed), its outcomes are not.
      // A snapshot still on its way carries the changes of a patch skipped over: settle after it.
      const settle = () => {
        this.#settleOutcomes(patch)
        this.#changed()
      }
      if (this.#resyncing) void this.#resyncing.then(settle)
      else settle()
      return
    }
    // A patch went missing, or one named a message this client does not hold: start again from a snapshot.
    if (patch.version > this.#mirror.version + 1) void this.#resync()
    if (!this.#mirror.apply(patch)) void this.#resync()
    this.#forgetTickets(patch.changes)
    if (patch.sent || patch.changes.length > 0) this.windows.committed()
    this.deliveries.apply(patch.changes)
    this.#settleOutcomes(patch)
    this.#changed()
    this.#releaseWaiters()
  }

  /** Resolves the waits (`#seen`) for versions the mirror has reached, by a patch or a snapshot. */
  #releaseWaiters(): void {
    for (let i = this.#versionWaiters.length - 1; i >= 0; i--) {
      const waiter = this.#versionWaiters[i]!
      if (waiter.version <= this.#mirror.version) {
        this.#versionWaiters.splice(i, 1)
        waiter.resolve()
      }
    }
  }

  /** Resolves the commands a patch committed and rejects those it refused. */
  #settleOutcomes(patch: Patch): void {
    for (const id of patch.done) this.#settle(id, undefined, false)
    for (const { commandId, error } of patch.refused) this.#settle(commandId, fromSerializedError(error), false)
  }

  #resync(): Promise<void> {
    this.#resyncing ??= (async () => {
      try {
        const snapshot = unwrap(await this.#call(this.#host!.api.snapshot(this.windows.threads())))
        if (snapshot.version >= this.#mirror.version) this.#load(snapshot)
        this.#releaseWaiters() // the snapshot carries what the skipped patches did: their waits are over
      } catch (error) {
        // A lost worker: the next connection starts from its own snapshot.
        if (!(error instanceof ConnectionLost) && !this.#failure) this.store.reportError(asChatError(error))
      } finally {
        this.#resyncing = undefined
      }
    })()
    return this.#resyncing
  }

  /** Resolves once the feed has delivered `version` (so the state shows what that call did). */
  #seen(version: number): Promise<void> {
    if (version <= this.#mirror.version) return Promise.resolve()
    return new Promise((resolve) => this.#versionWaiters.push({ version, resolve }))
  }

  /** Resolves or rejects a pending entry; `notify: false` when the caller announces one change for many. */
  #settle(id: string, error?: ChatError, notify = true): void {
    this.#unacked.delete(id)
    const entry = this.#mirror.settle(id)
    if (!entry) return // another client's command, or settled already
    if (error instanceof NotFoundError && entry.command?.kind === 'setDraft') {
      // Its ticket went (another tab's cleanup or clearUserData) before the held write reached
      // the engine: the draft goes with the ticket, as it would have had the write come first.
      entry.resolve()
    } else if (error) {
      entry.reject(error)
      if (!entry.quiet) this.store.reportError(error)
    } else {
      entry.resolve()
    }
    if (notify) this.#changed()
  }

  #changed(): void {
    this.#keepAlive.update(this.#busy())
    this.store.changed()
  }

  /** Searches the engine's messages; commands issued before it are sent first, so it finds them. */
  async search(query: string, options: SearchOptions): Promise<SearchHit[]> {
    this.#sendNow()
    return unwrap(await this.#request((host) => host.api.search(query, options)))
  }
}

export type { ChatClient, ChatStatus }
