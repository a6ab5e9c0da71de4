/**
 * The storage engine: the single writer of one chat database. It serialises all work on
 * one chain, coalesces commands that arrive while a transaction runs into the next one,
 * pushes a patch to every connection after each commit, shares its patches with engines
 * of other tabs or threads on the same database, and runs cleanup on a schedule.
 */
import type { Table } from 'dexie'
import { checkCommand } from '../src/core/check-command.js'
import { NotFoundError, ProtocolMismatchError, StorageUnavailableError, ValidationError, classifyStorageError, toSerializedError } from '../src/core/errors.js'
import { planCleanup } from '../src/core/cleanup.js'
import { forgetSeenWords } from '../src/core/topics.js'
import {
  MAIN_THREAD,
  PROTOCOL_VERSION,
  type AttachmentInfo,
  type Change,
  type ChatConfig,
  type CleanupReport,
  type Command,
  type ChatMessage,
  type CommandOutcome,
  type EngineApi,
  type Hello,
  type Notice,
  type NoticeListener,
  type Patch,
  type PatchListener,
  type RemoteBatch,
  type Result,
  type SearchHit,
  type SerializedError,
  type Snapshot,
  type StorageKind,
  type SyncState,
  type ThreadId,
} from '../src/core/protocol.js'
import { createPatchChannel, type Announcement, type PatchChannel } from './patch-channel.js'
import { splitSent } from './split-sent.js'
import { openEmpty, openStorage } from './open-storage.js'
import type { ChatDatabase, Counters, MetaRow } from './database.js'
import { readAnnounced, readEverything, readMeta, readPage, readSnapshot, threadRange } from './read-state.js'
import { ExistingRowError, StaleRowsError, sendStores, writeBatch } from './write-batch.js'
import { KnownRows } from './known-rows.js'
import { deleteKeys } from './delete-keys.js'
import { searchMessages, type SearchRequest } from './search.js'
import { applyRemote, beginSync, checkDeliveryUpdates, checkRemoteBatch, readOutbox, revisionKey, settleDelivery } from './sync-jobs.js'
import { openSession, type Session } from './sessions.js'
import type { RemoteChange } from '../src/core/sync.js'
import { DEFAULT_SEARCH_LIMIT, checkId, checkPageSize, checkSearch } from '../src/core/validate.js'
import { openAttachmentFolder, type AttachmentFolder } from './attachment-files.js'
import { NOTHING_FREED, updateAttachmentRows, type StagedBytes } from './attachment-rows.js'
import { carriesFiles, stageAttachments, withoutStoredFiles } from './stage-attachments.js'
import { withSafeMetadata } from '../src/core/attachments.js'

/** How the engine reaches IndexedDB and the clock. */
export interface EngineOptions {
  /** The IndexedDB factory; defaults to the global one, then to memory. */
  readonly indexedDB?: IDBFactory
  readonly IDBKeyRange?: typeof IDBKeyRange
  /** The clock of scheduled cleanup; defaults to `Date.now`. */
  readonly now?: () => number
  /**
   * `false` keeps attachment bytes in IndexedDB even where the browser has the Origin Private
   * File System (the default stores them there).
   */
  readonly fileSystem?: boolean
}

/** A running engine. Hosts call `connection()` once per client port. */
export interface Engine {
  /** A new connection for one client. */
  connection(): EngineApi
  /** Stops timers, closes the database and every connection. */
  close(): Promise<void>
  /** How many connections are connected now (diagnostics). */
  readonly connections: number
}

/** Commands that will commit together, and the promise of their commit. */
interface CommandGroup {
  readonly commands: Command[]
  done: Promise<void>
}

/** Most commands in one transaction; more wait for the next one. Bounds memory and latency. */
const MAX_BATCH = 20_000
/** Applied-command ids older than this are forgotten by cleanup. */
const APPLIED_RETENTION = 24 * 60 * 60 * 1000

/**
 * Creates an engine. It opens its database on the first `connect`, and creates it with the
 * first write: until then (a first visit, or after `clearAllData`) it serves an empty state.
 *
 * @example
 * const engine = createEngine({ indexedDB, IDBKeyRange })
 * Comlink.expose(engine.connection(), port)
 */
export function createEngine(options: EngineOptions = {}): Engine {
  return new ChatEngine(options)
}

class ChatEngine implements Engine {
  readonly #options: EngineOptions
  readonly #now: () => number
  #hello: Hello | undefined
  #db: ChatDatabase | undefined
  /** The empty stand-in read while the database does not exist (see `#readable`). */
  #empty: ChatDatabase | undefined
  #storage: StorageKind = 'indexeddb'
  #opening: Promise<void> | undefined
  #version = 0
  /** Every connection's listener, with the ticket threads whose messages it holds (its windows). */
  readonly #listeners = new Map<PatchListener, Set<ThreadId>>()
  #group: CommandGroup | undefined
  /** Which connection's listener sent a queued command (its own messages travel short). */
  readonly #origin = new Map<Command, PatchListener>()
  /** Queued commands sent before to an engine whose answer was lost (see `EngineApi.execute`). */
  readonly #resent = new WeakSet<Command>()
  #tail: Promise<unknown> = Promise.resolve()
  #timer: ReturnType<typeof setInterval> | undefined
  #channel: PatchChannel | undefined
  /**
   * Connections whose `connect` is under way (not yet among the listeners), with their
   * notice listeners: the engine must not go idle under them, and tells them when the open
   * is blocked.
   */
  readonly #arriving = new Set<{ readonly notices: NoticeListener | undefined }>()
  /** Whether opening the database waits for another tab to let go of an older version. */
  #blocked = false
  /** This engine's hold on the database while it has it open (see sessions.ts). */
  #session: Session | undefined
  /** The topic counts, headers and drafts this engine's commits read or wrote (a send then reads only what it does not know). */
  readonly #known = new KnownRows()
  /**
   * How many times this engine has seen its database cleared: by `clearAllData` here, by
   * another tab deleting it while this engine has it open (IndexedDB tells before it
   * deletes), and by the reset another tab announces. One clear may count twice (deleted
   * while open, then announced): a connection made in between then does not sync, which is
   * safe; one not counted would let sync pull the server's copy into the emptied database.
   */
  #clears = 0
  /** The OPFS folder of the database's attachments, once looked up (undefined: the bytes go into IndexedDB). */
  #folder: Promise<AttachmentFolder | undefined> | undefined
  #closed = false

  constructor(options: EngineOptions) {
    this.#options = options
    this.#now = options.now ?? Date.now
  }

  connection(): EngineApi {
    let listener: PatchListener | undefined
    /** The clears this engine had seen when this connection's snapshot was read (see `beginSync`). */
    let clearsSeen = 0
    return {
      connect: (hello, onPatch, notices) =>
        settle(async () => {
          if (hello?.protocolVersion !== PROTOCOL_VERSION) {
            throw new ProtocolMismatchError(
              `The worker speaks protocol ${PROTOCOL_VERSION}, the client ${String(hello?.protocolVersion)}: load the worker from the same companion-chat version as the client`,
              { worker: PROTOCOL_VERSION, client: hello?.protocolVersion ?? null },
            )
          }
          // Counted from here: a disconnect of the last other connection, queued before this
          // snapshot, must not let the database and settings go while this one arrives.
          const arrival = { notices }
          this.#arriving.add(arrival)
          if (this.#blocked) tell(notices, BLOCKED)
          try {
            await this.#open(hello)
            const threads = checkThreads(hello.threads ?? [])
            const snapshot = await this.#serial(() => ((clearsSeen = this.#clears), this.#readSnapshot(threads)))
            listener = onPatch
            this.#listeners.set(onPatch, heldThreads(snapshot))
            return { protocolVersion: PROTOCOL_VERSION, storage: this.#storage, snapshot }
          } finally {
            this.#arriving.delete(arrival)
          }
        }),
      execute: (commands, options) => settle(() => this.#submit(commands, listener, options?.resent === true)),
      loadThread: (thread, page) =>
        settle(async () => {
          const { before, count } = checkPage(thread, page)
          // After everything queued before it, without closing the open group: paging while
          // messages stream in does not split their write batches.
          return this.#chain(async () => {
            const db = await this.#readable()
            const read = await readPage(db, thread, before, count) // one range read: its own transaction
            // From the newest window on, the feed carries the thread's changes to this connection.
            if (before === undefined && thread !== MAIN_THREAD && listener) this.#listeners.get(listener)?.add(thread)
            return read
          })
        }),
      unloadThreads: (threads) =>
        settle(async () => {
          const windows = listener && this.#listeners.get(listener)
          for (const thread of checkThreads(threads)) windows?.delete(thread)
        }),
      runCleanup: (now) =>
        settle(async () => {
          const report = await this.#serial(() => this.#cleanup(now))
          return { report, version: this.#version }
        }),
      clearAllData: () =>
        settle(async () => {
          await this.#serial(() => this.#clearAll())
          return this.#version
        }),
      snapshot: (threads) =>
        settle(async () => {
          const wanted = checkThreads(threads ?? [...((listener && this.#listeners.get(listener)) ?? [])])
          const snapshot = await this.#serial(() => this.#readSnapshot(wanted))
          if (listener && this.#listeners.has(listener)) this.#listeners.set(listener, heldThreads(snapshot))
          return snapshot
        }),
      search: (query, options) =>
        settle(async () => {
          const { threadId, limit = DEFAULT_SEARCH_LIMIT } = checkSearch(query, options) // also from clients of other builds
          return this.#search({ query, threadId, limit })
        }),
      ping: () => settle(async () => PROTOCOL_VERSION),
      readAttachment: (id) =>
        settle(async () => {
          checkId(id, 'id')
          return this.#chain(() => this.#readAttachment(id))
        }),
      readOutbox: (limit) =>
        settle(async () => {
          checkPageSize(limit)
          return this.#chain(async () => readOutbox(await this.#readable(), limit))
        }),
      settleDelivery: (updates) =>
        settle(async () => {
          const checked = checkDeliveryUpdates(updates)
          // A database that does not exist (cleared) has no outbox left to settle: not made again for nothing.
          await this.#serial(() => this.#sync(async (db) => ({ changes: await settleDelivery(db, checked, this.#config) }), false))
          return this.#version
        }),
      applyRemote: (batch) =>
        settle(async () => {
          const checked = checkRemoteBatch(batch)
          let refused: Array<{ index: number; error: SerializedError }> = []
          let cleared = true // a database that does not exist was cleared since sync began: not made again
          await this.#serial(async () => {
            // The files of the server's messages first, outside the transaction (see stage-attachments.ts).
            const staged = await this.#stageRemote(checked)
            try {
              await this.#sync(async (db) => {
                const applied = await applyRemote(db, staged.batch, this.#config, staged.bytes, new Set(staged.refused.map((r) => r.index)))
                refused = [...staged.refused, ...applied.refused].sort((a, b) => a.index - b.index)
                cleared = applied.cleared
                return applied
              }, false)
            } finally {
              // The staged files no row holds: those of a batch that was not applied (cleared meanwhile).
              if (staged.bytes.size > 0) await this.#removeFiles([...staged.bytes.keys()]).catch(() => {})
            }
          })
          return { refused, version: this.#version, cleared }
        }),
      beginSync: (replica) =>
        settle(async () => {
          checkId(replica, 'replica')
          let state: SyncState | null = null
          await this.#serial(async () => {
            // The database was cleared since this client connected (it may not have heard yet): no sync, for its life.
            if (this.#clears !== clearsSeen) return
            await this.#sync(async (db) => {
              state = await beginSync(db, replica)
              return { changes: [] }
            })
          })
          return state
        }),
      disconnect: () =>
        settle(async () => {
          if (listener) this.#listeners.delete(listener)
          listener = undefined
          if (this.#listeners.size === 0) await this.#serial(async () => this.#idle())
        }),
    }
  }

  get connections(): number {
    return this.#listeners.size
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#listeners.clear()
    await this.#tail // let committed work finish and publish
    this.#idle()
  }

  /**
   * No connection is left: let the database, timer and channel go. A later `connect`
   * (a SharedWorker that outlives a reloading tab) opens them again.
   */
  #idle(): void {
    if (this.#listeners.size > 0 || this.#arriving.size > 0) return // someone connected (or is connecting) while this waited its turn
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
    this.#channel?.close()
    this.#channel = undefined
    this.#session?.release()
    this.#session = undefined
    this.#db?.close()
    this.#db = undefined
    this.#known.forget()
    this.#empty?.close()
    this.#empty = undefined
    this.#opening = undefined
    this.#folder = undefined
    this.#hello = undefined
  }

  // ── Opening ────────────────────────────────────────────────────────────────

  #open(hello: Hello): Promise<void> {
    if (this.#closed) return Promise.reject(new StorageUnavailableError('The engine is closed'))
    if (this.#hello && this.#hello.databaseName !== hello.databaseName) {
      return Promise.reject(
        new StorageUnavailableError(`This worker serves database '${this.#hello.databaseName}', not '${hello.databaseName}'`),
      )
    }
    this.#opening ??= (async () => {
      this.#hello = hello
      await this.#readable(true) // IndexedDB that cannot be used shows now: memory, or StorageUnavailableError
      this.#channel = createPatchChannel(hello.databaseName, (announced) => this.#onAnnouncement(announced))
      const session = await openSession(hello.databaseName, this.#options.indexedDB) // not the global: reading it may throw (blocked storage)
      if (this.#hello !== hello) return session.release() // let go while this waited
      this.#session = session
      // The first engine on the database starts with nobody typing: an indicator left on by a
      // tab that ended must not stick. One that opens beside others leaves theirs alone.
      if (session.alone) await this.#serial(() => this.#resetTyping())
      // Files of sends whose transaction never committed (a worker that died in between). Only
      // with no other engine on the database: another one may be between a file and its commit.
      if (session.alone) void this.#serial(() => this.#sweepFiles()).catch(() => {}) // tried again at the next open
      this.#startSchedule(hello.config)
    })()
    return this.#opening
  }

  /**
   * The database to write to: the open one, else opened now, and created when this is the
   * first write. One that another tab deleted was closed (Dexie closes on `versionchange`).
   */
  async #database(): Promise<ChatDatabase> {
    if (this.#db?.isOpen()) return this.#db
    const hello = this.#hello!
    const opened = await this.#unblocking(openStorage(hello.databaseName, this.#storageOptions, hello.requirePersistence))
    this.#db = opened.db
    this.#storage = opened.storage
    return opened.db
  }

  /**
   * The database to read from; reading never creates it. While it does not exist (a first
   * visit, or after `clearAllData` here or in another tab) reads get an empty stand-in, and
   * every read looks again, since another tab's engine may create it with a write.
   */
  async #readable(probe = false): Promise<ChatDatabase> {
    if (this.#db?.isOpen()) return this.#db
    const hello = this.#hello!
    const opened = await this.#unblocking(openStorage(hello.databaseName, this.#storageOptions, hello.requirePersistence, { create: false, probe }))
    if (opened) {
      this.#db = opened.db
      this.#storage = opened.storage
      return opened.db
    }
    this.#db = undefined
    this.#storage = 'indexeddb' // IndexedDB answered that it is missing, so it is there to create it in
    return (this.#empty ??= openEmpty(hello.databaseName)) // IndexedDB works here: Dexie opens it on first use
  }

  /** How the database is opened: the engine's options, and a blocked open reported to the arriving connections. */
  get #storageOptions(): Parameters<typeof openStorage>[1] {
    return {
      ...this.#options,
      onBlocked: () => {
        this.#blocked = true
        for (const { notices } of this.#arriving) tell(notices, BLOCKED)
      },
      // Counted at once: the announcement of the clear comes later, and a tab that finds the
      // database gone before it arrives (its pulled batch is dropped) hands sync over to this
      // one's connections, which must not begin (see `beginSync`).
      onDeleted: () => void this.#clears++,
    }
  }

  /** `opening`, after which the database is no longer blocked (it opened, or failed). */
  async #unblocking<T>(opening: Promise<T>): Promise<T> {
    try {
      return await opening
    } finally {
      this.#blocked = false
    }
  }

  get #config(): ChatConfig {
    return this.#hello!.config
  }

  #startSchedule(config: ChatConfig): void {
    if (config.autoCleanupInterval <= 0) return
    const run = () => void this.#serial(() => this.#cleanup(this.#now())).catch(() => {}) // failures surface on the next call
    run()
    this.#timer = setInterval(run, config.autoCleanupInterval)
    ;(this.#timer as { unref?: () => void }).unref?.() // never keep a Node process alive
  }

  // ── The serial chain ───────────────────────────────────────────────────────

  /**
   * Runs `job` after everything queued before it. Commands submitted later go after the
   * job, never into a batch queued before it: order across calls is kept.
   */
  #serial<T>(job: () => Promise<T>): Promise<T> {
    this.#group = undefined
    return this.#chain(job)
  }

  #chain<T>(job: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(job)
    this.#tail = result.catch(() => undefined)
    return result
  }

  /**
   * Queues commands. They join the newest group that has not started yet; a group is one
   * transaction (split at MAX_BATCH), so commands that arrive while a transaction runs
   * share the next one.
   */
  #submit(commands: readonly Command[], from: PatchListener | undefined, resent = false): Promise<void> {
    if (this.#closed) return Promise.reject(new StorageUnavailableError('The engine is closed'))
    if (!Array.isArray(commands)) return Promise.reject(new TypeError('execute() takes an array of commands'))
    let group = this.#group
    if (!group) {
      const created: CommandGroup = { commands: [], done: Promise.resolve() }
      created.done = this.#chain(async () => {
        if (this.#group === created) this.#group = undefined // closed: later commands form the next group
        for (let i = 0; i < created.commands.length; i += MAX_BATCH) await this.#commit(created.commands.slice(i, i + MAX_BATCH))
      })
      this.#group = group = created
    }
    const windows = from && this.#listeners.get(from)
    for (const command of commands) {
      group.commands.push(command)
      if (resent && command !== null && typeof command === 'object') this.#resent.add(command)
      if (!from) continue
      this.#origin.set(command, from)
      // A client holds the messages of a ticket it writes to: the feed carries that thread to it from now on.
      const thread = writtenThread(command)
      if (thread !== undefined && thread !== MAIN_THREAD) windows?.add(thread)
    }
    return group.done
  }

  async #commit(batch: readonly Command[]): Promise<void> {
    let valid: Command[] = []
    const refused: CommandOutcome[] = []
    const sentBy = new Map<ChatMessage, PatchListener>()
    let resent = false
    for (const command of batch) {
      if (!resent && command !== null && typeof command === 'object' && this.#resent.has(command)) resent = true
      const from = this.#origin.get(command)
      this.#origin.delete(command)
      let checked: Command
      try {
        checked = checkCommand(command, this.#config) // the checked copy is what is written
      } catch (error) {
        const commandId = typeof command?.commandId === 'string' ? command.commandId : ''
        refused.push({ commandId, error: toSerializedError(error) })
        continue
      }
      valid.push(checked)
      if (!from) continue
      if (checked.kind === 'sendMessage') sentBy.set(checked.message, from)
      else if (checked.kind === 'sendMessages') for (const message of checked.messages) sentBy.set(message, from)
    }
    if (valid.length === 0) return this.#publish({ changes: [], done: [], refused })
    let staged: ReadonlyMap<string, StagedBytes> = new Map()
    try {
      const db = await this.#database()
      if (resent && valid.some(carriesFiles)) valid = await db.transaction('r', db.messages, db.applied, () => withoutStoredFiles(db, valid))
      if (valid.some(carriesFiles)) {
        const stage = await stageAttachments(valid, this.#config, () => this.#storedBytes(db), this.#attachmentFolder())
        valid = stage.commands
        refused.push(...stage.refused)
        staged = stage.bytes
        if (valid.length === 0) return this.#publish({ changes: [], done: [], refused })
      }
      const stores = sendStores(db, valid)
      const writeOn = (tables: Table[], assumeIdsNew: boolean) =>
        db.transaction('rw', tables, () => writeBatch(db, valid, this.#config, { assumeIdsNew, resent, known: this.#known, staged, commit: true }))
      // Sends run on the stores they touch; one that needs another (see sendStores) runs again on every store.
      const write = (assumeIdsNew: boolean) =>
        stores
          ? writeOn(stores, assumeIdsNew).catch((error: unknown) => {
              if ((error as { name?: unknown } | null)?.name === 'NotFoundError') return writeOn(db.all, assumeIdsNew)
              throw error
            })
          : writeOn(db.all, assumeIdsNew)
      // Ids the client made are taken for new; the rare batch where one exists (a retry) runs again, checked.
      // A resent batch is checked from the start: its sends may have been applied already.
      const writeNew = (assumeIdsNew: boolean) =>
        write(assumeIdsNew).catch((error: unknown) => {
          if (error instanceof ExistingRowError) return write(false)
          throw error
        })
      const result = await writeNew(!resent).catch((error: unknown) => {
        if (!(error instanceof StaleRowsError)) throw error
        // Another engine wrote since this one's last commit: read the rows.
        this.#known.forget()
        return writeNew(true)
      })
      this.#known.committed(db, result.seq, result.rows)
      // The files of removed messages go before the removal is announced: whoever hears of it
      // (a send's promise, `flush()`) finds them gone.
      if (result.freed.length > 0) await this.#removeFiles(result.freed).catch(() => {}) // or at the next open
      this.#publish({ changes: result.changes, done: result.done, refused: [...refused, ...result.refused] }, true, sentBy)
    } catch (error) {
      // The transaction rolled back: nothing of this batch was kept, so every command fails.
      const serialized = toSerializedError(classifyStorageError(error) ?? error)
      this.#publish({ changes: [], done: [], refused: [...refused, ...valid.map((c) => ({ commandId: c.commandId, error: serialized }))] })
    } finally {
      // After the commit (or the rollback): the staged files no row holds, those of a send that
      // was not written or whose message was trimmed at once.
      if (staged.size > 0) await this.#removeFiles([...staged.keys()]).catch(() => {}) // or at the next open
    }
  }

  /**
   * Sends a patch to every connection (and, with `share`, its changes to the engines of other
   * tabs). A connection whose own sent messages are in it gets them as ids and places only.
   */
  #publish(
    content: Omit<Patch, 'version'>,
    share = false,
    sentBy: ReadonlyMap<ChatMessage, PatchListener> = new Map(),
  ): void {
    const { changes, done, refused } = content
    if (changes.length === 0 && done.length === 0 && refused.length === 0) return
    const patch: Patch = { version: ++this.#version, changes, done, refused }
    const own = sentBy.size > 0 ? splitSent(changes, sentBy) : undefined
    const windowed = changes.some(isTicketMessageChange)
    for (const [listener, windows] of this.#listeners) {
      const mine = own?.get(listener)
      let sent: Patch = mine ? { ...patch, changes: mine.changes, sent: mine.sent } : patch
      // Message changes of ticket threads go only to the connections that hold the thread's window.
      if (windowed) sent = { ...sent, changes: sent.changes.filter((change) => !isTicketMessageChange(change) || windows.has(messageThread(change)!)) }
      try {
        listener(sent)
      } catch {
        // A listener that throws (or a port that closed) must not stop the others.
      }
    }
    if (share && changes.length > 0) this.#channel?.post(changes)
  }

  // ── Jobs ───────────────────────────────────────────────────────────────────

  /**
   * Another engine committed: pass on what it changed, read again in turn with this engine's
   * own work (so the connections see every row only move forward).
   */
  #onAnnouncement(announced: Announcement): void {
    this.#known.forget() // another engine wrote: what this one remembers is stale (the next batch reads)
    void this.#serial(async () => {
      if (announced.reset) return this.#onReset()
      const db = await this.#readable()
      const changes = await db.transaction('r', db.all, () => readAnnounced(db, announced))
      this.#publish({ changes, done: [], refused: [] })
    }).catch(() => {
      // Not read, so not passed on: skip a version, and every connection takes a fresh
      // snapshot when the next patch shows the gap.
      this.#version++
    })
  }

  /**
   * Another tab cleared the database. The notice can arrive after writes that committed
   * after the clear (this engine's own, or announced by others) and made the database
   * again: those are kept on disk, so the connections get the reset followed by what the
   * database holds now, and every tab ends with what the disk holds. Ticket messages are
   * loaded again by the windows that want them.
   */
  async #onReset(): Promise<void> {
    this.#clears++
    for (const windows of this.#listeners.values()) windows.clear()
    forgetSeenWords() // the cleared messages' words, as in the tab that cleared
    this.#known.forget()
    const db = await this.#readable()
    const after = db === this.#empty ? [] : await db.transaction('r', db.all, () => readEverything(db))
    this.#publish({ changes: [{ type: 'reset' }, ...after], done: [], refused: [] })
  }

  /**
   * A search runs on the chain, after everything queued before it, so it finds every command
   * its client sent before it. Unlike the other jobs it leaves the open group open (`#chain`,
   * not `#serial`): a read cannot change what later commands do, and searching while a reply
   * streams in then does not split its writes into more transactions. It reads in a
   * read-only transaction of its own (see search.ts).
   */
  #search(search: SearchRequest): Promise<SearchHit[]> {
    if (this.#closed || !this.#hello) return Promise.reject(new StorageUnavailableError('Not connected: call connect() first'))
    return this.#chain(async () => searchMessages(await this.#readable(), search))
  }

  /**
   * A sync job: one read-write transaction over every table, and its changes published (and
   * shared with other tabs). With `create: false` a database that does not exist is left
   * alone and the job does not run.
   */
  async #sync(job: (db: ChatDatabase) => Promise<{ changes: Change[]; freed?: readonly string[] }>, create = true): Promise<void> {
    if (this.#closed || !this.#hello) throw new StorageUnavailableError('Not connected: call connect() first')
    const db = create ? await this.#database() : await this.#readable()
    if (db === this.#empty) return
    this.#known.forget() // the job writes without telling it (the next batch reads)
    const { changes, freed = [] } = await db.transaction('rw', db.all, () => job(db))
    if (freed.length > 0) await this.#removeFiles(freed).catch(() => {}) // before the removal is announced, or at the next open
    this.#publish({ changes, done: [], refused: [] }, true)
  }

  async #readSnapshot(threads: readonly ThreadId[]): Promise<Snapshot> {
    const db = await this.#readable()
    return db.transaction('r', db.all, () => readSnapshot(db, this.#version, threads, this.#config.ticketWindow))
  }

  /** The OPFS folder of the attachments, unless the bytes go into IndexedDB (no OPFS, memory storage, or `fileSystem: false`). */
  #attachmentFolder(): Promise<AttachmentFolder | undefined> {
    if (this.#storage === 'memory' || this.#options.fileSystem === false) return Promise.resolve(undefined)
    this.#folder ??= openAttachmentFolder(this.#hello!.databaseName)
    return this.#folder
  }

  /** The bytes of attachments stored now (`Counters.attachmentBytes`). */
  async #storedBytes(db: ChatDatabase): Promise<number> {
    const { counters } = await db.transaction('r', db.meta, () => readMeta(db))
    return counters.attachmentBytes ?? 0
  }

  /** Removes the files among `ids` that no attachment row holds (any more, or ever). */
  async #removeFiles(ids: readonly string[]): Promise<void> {
    const folder = await this.#attachmentFolder()
    if (!folder) return
    const db = await this.#readable()
    const rows = db === this.#empty ? [] : await db.attachments.bulkGet([...ids])
    await folder.remove(ids.filter((_, i) => rows[i] === undefined))
  }

  /** Removes every file of the folder that no attachment row holds. */
  async #sweepFiles(): Promise<void> {
    const folder = await this.#attachmentFolder()
    if (!folder) return
    const names = await folder.list()
    if (names.length > 0) await this.#removeFiles(names)
  }

  /**
   * Stores the files of the server's messages in `batch` (as a send's, see
   * stage-attachments.ts): answers the batch with those messages' attachments completed,
   * the bytes for the transaction, and the changes refused (a file over the stored total or
   * the quota).
   */
  async #stageRemote(batch: RemoteBatch): Promise<{ batch: RemoteBatch; bytes: ReadonlyMap<string, StagedBytes>; refused: Array<{ index: number; error: SerializedError }> }> {
    const sends: Command[] = []
    const at = new Map<string, number>()
    const refused: Array<{ index: number; error: SerializedError }> = []
    batch.changes.forEach((change, index) => {
      if (change?.kind !== 'message' || change.files === undefined) return
      try {
        const { delivery: _, ...given } = change.message
        const message = given.attachments !== undefined ? { ...given, attachments: withSafeMetadata(given.attachments) as AttachmentInfo[] } : given
        const send = checkCommand({ kind: 'sendMessage', commandId: `remote-${index}`, at: batch.at, thread: change.thread, message, files: change.files }, this.#config)
        sends.push(send)
        at.set(send.commandId, index)
      } catch (error) {
        refused.push({ index, error: toSerializedError(error) })
      }
    })
    if (sends.length === 0) return { batch, bytes: new Map(), refused }
    const db = await this.#database()
    const stage = await stageAttachments(sends, this.#config, () => this.#storedBytes(db), this.#attachmentFolder())
    for (const outcome of stage.refused) refused.push({ index: at.get(outcome.commandId)!, error: outcome.error })
    const changes = [...batch.changes]
    for (const send of stage.commands) {
      if (send.kind !== 'sendMessage') continue
      const index = at.get(send.commandId)!
      const change = changes[index] as Extract<RemoteChange, { kind: 'message' }>
      changes[index] = { ...change, message: { ...change.message, attachments: send.message.attachments! } }
    }
    return { batch: { ...batch, changes }, bytes: stage.bytes, refused }
  }

  /** The bytes of attachment `id`. */
  async #readAttachment(id: string): Promise<Blob> {
    const db = await this.#readable()
    const row = db === this.#empty ? undefined : await db.attachments.get(id)
    if (!row) throw new NotFoundError(`No stored attachment with id ${id}`, { id })
    if (row.store === 'indexeddb' && row.blob) return row.blob
    const folder = await openAttachmentFolder(this.#hello!.databaseName)
    if (!folder) throw new StorageUnavailableError('The attachment is in the origin private file system, which this context cannot open', { id })
    try {
      const file = await folder.read(id)
      return file.slice(0, file.size, row.type) // the same bytes, with the attachment's type (no copy)
    } catch (error) {
      if ((error as { name?: unknown })?.name === 'NotFoundError') throw new NotFoundError(`The file of attachment ${id} is missing from the origin private file system`, { id })
      throw classifyStorageError(error) ?? error
    }
  }

  async #resetTyping(): Promise<void> {
    const db = await this.#readable() // an indicator left on needs a database that exists
    this.#known.forget()
    const changed = await db.transaction('rw', db.meta, async () => {
      const { view, counters } = await readMeta(db)
      if (!view.isTyping) return undefined
      const next = { ...view, isTyping: false }
      await db.meta.bulkPut([{ key: 'view', value: next }, movedSequence(counters)])
      return next
    })
    if (changed) this.#publish({ changes: [{ type: 'view', view: changed }], done: [], refused: [] }, true)
  }

  async #cleanup(now: number): Promise<CleanupReport> {
    const db = await this.#readable() // nothing to remove from a database that does not exist
    this.#known.forget() // cleanup writes without telling it (the next batch reads)
    const config = this.#config
    const freed: string[] = []
    const { report, changes } = await db.transaction('rw', db.all, async () => {
      const ended = await db.tickets.where('status').anyOf('resolved', 'closed').toArray()
      const ids = planCleanup(ended, now, config)
      // In bulk: the keys of every removed thread's messages and of the old command ids read
      // together, then deleted table by table (in ranges when most of a table goes, see
      // delete-keys.ts; drafts are few: only the removed threads' that exist).
      const [messageKeys, draftKeys, appliedKeys] = await Promise.all([
        Promise.all(ids.map((id) => threadRange(db, id).primaryKeys())),
        ids.length > 0 ? db.drafts.toCollection().primaryKeys() : [],
        db.applied.where('at').below(now - APPLIED_RETENTION).primaryKeys(),
      ])
      const removed = new Set(ids)
      const messages = messageKeys.flat()
      const drafts = draftKeys.filter((thread) => removed.has(thread))
      const [{ view, counters }] = await Promise.all([
        readMeta(db),
        messages.length > 0 && deleteKeys(db.messages, messages),
        ids.length > 0 && deleteKeys(db.tickets, ids),
        ids.length > 0 && deleteKeys(db.threads, ids),
        ids.length > 0 && db.sync.bulkDelete(ids.map(revisionKey)), // their server revisions (sync)
        drafts.length > 0 && db.drafts.bulkDelete(drafts),
        appliedKeys.length > 0 && deleteKeys(db.applied, appliedKeys),
      ])
      for (const windows of this.#listeners.values()) for (const id of ids) windows.delete(id)
      const removedMessages = messages.length
      // The attachments of the removed messages (a chat message's attachments stay while it does).
      const attachments = messages.length > 0 && (await db.attachments.count()) > 0 ? await updateAttachmentRows(db, new Map(), messages, new Map()) : NOTHING_FREED
      if (attachments.bytes !== 0) {
        const { counters } = await readMeta(db)
        await db.meta.put({ key: 'counters', value: { ...counters, attachmentBytes: (counters.attachmentBytes ?? 0) + attachments.bytes } })
      }
      freed.push(...attachments.freed)
      const out: Change[] = ids.map((id) => ({ type: 'ticketDeleted', id }))
      const metaPuts: MetaRow[] = []
      if (ids.length > 0) metaPuts.push(movedSequence(counters))
      if (view.activeTicketId !== null && ids.includes(view.activeTicketId)) {
        const next = { ...view, activeTicketId: null }
        metaPuts.push({ key: 'view', value: next })
        out.push({ type: 'view', view: next })
      }
      if (metaPuts.length > 0) await db.meta.bulkPut(metaPuts)
      return { report: { removedTicketIds: ids, removedMessages }, changes: out }
    })
    if (freed.length > 0) await this.#removeFiles(freed).catch(() => {}) // before the removal is announced, or at the next open
    this.#publish({ changes, done: [], refused: [] }, true)
    return report
  }

  async #clearAll(): Promise<void> {
    this.#clears++
    const db = await this.#readable()
    this.#db = undefined // created again by the next write
    if (db !== this.#empty) await db.delete()
    // Then the files. (A tab whose send wrote its file before this and commits its message into
    // a database it makes again afterwards keeps a message without its file: readAttachment
    // then answers NotFoundError.)
    await (await this.#attachmentFolder())?.clear()
    forgetSeenWords() // no copy of the user's words stays behind in memory
    this.#known.forget()
    this.#publish({ changes: [{ type: 'reset' }], done: [], refused: [] }, true)
  }
}

/**
 * The counters row with the database sequence moved on, for a write outside `writeBatch`:
 * every write moves it, so that no engine takes the rows it remembers (see KnownRows).
 */
function movedSequence(counters: Counters): MetaRow {
  return { key: 'counters', value: { ...counters, seq: counters.seq + 1 } }
}

const BLOCKED: Notice = Object.freeze({ notice: 'blocked' })

/** Gives `notice` to `listener`; a listener that throws (or a closed port) must not stop the engine. */
function tell(listener: NoticeListener | undefined, notice: Notice): void {
  try {
    listener?.(notice)
  } catch {
    // Nothing to do: the connection hears about its outcome when `connect` answers.
  }
}

/** Runs `fn` and turns its outcome into a `Result`, so errors keep their class across the boundary. */
async function settle<T>(fn: () => Promise<T>): Promise<Result<T>> {
  try {
    return { ok: true, value: await fn() }
  } catch (error) {
    return { ok: false, error: toSerializedError(error) }
  }
}


/** The ticket threads whose windows a snapshot carries: what its connection holds from then on. */
const heldThreads = (snapshot: Snapshot): Set<ThreadId> => new Set(snapshot.windows.map((window) => window.thread))

/** The thread of a message change; undefined for other changes. */
const messageThread = (change: Change): ThreadId | undefined =>
  change.type === 'message' ? change.record.thread : change.type === 'messageDeleted' ? change.thread : undefined

/** Whether a change is a message change of a ticket thread (the feed sends those only to the thread's holders). */
const isTicketMessageChange = (change: Change): boolean => {
  const thread = messageThread(change)
  return thread !== undefined && thread !== MAIN_THREAD
}

/** The ticket thread a command writes messages into, if any. */
function writtenThread(command: Command): ThreadId | undefined {
  switch (command?.kind) {
    case 'sendMessage':
    case 'sendMessages':
      return typeof command.thread === 'string' ? command.thread : undefined
    case 'createTicket':
    case 'createTicketFromChatMessage':
      return typeof command.ticketId === 'string' ? command.ticketId : undefined
    default:
      return undefined
  }
}

function checkThreads(threads: unknown): ThreadId[] {
  if (!Array.isArray(threads) || !threads.every((thread) => typeof thread === 'string' && thread.length > 0)) {
    throw new ValidationError('threads: must be an array of thread ids', { path: 'threads' })
  }
  return threads as ThreadId[]
}

function checkPage(thread: unknown, page: unknown): { before: number | undefined; count: number } {
  checkThreads([thread])
  const { before, count } = (page ?? {}) as { before?: unknown; count?: unknown }
  checkPageSize(count)
  if (before !== undefined && (typeof before !== 'number' || !Number.isInteger(before) || before < 0)) {
    throw new ValidationError('before: must be a message sequence number', { path: 'before' })
  }
  return { before, count: count as number }
}
