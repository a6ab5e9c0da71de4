/**
 * Which ticket threads this client holds messages of, and how many. The rules:
 *
 * - The main chat is always held (at most `maxMainChatMessages`).
 * - A ticket is **loaded** while it is selected, while a UI watches it (`watchTicket`,
 *   `useTicketWindow`), and after this client wrote to it. Loading reads its newest
 *   `ticketWindow` messages; from then on the engine sends the thread's new messages.
 * - `loadOlder` adds the page before the oldest held message.
 * - When the last watcher lets go and the ticket is not selected, it keeps only its newest
 *   `ticketWindow` messages (older pages go), so a long scroll-back is not kept forever.
 *   A ticket nobody shows that this client keeps writing to is cut back the same way
 *   once its writes commit.
 * - Loaded tickets that nobody watches and that are not selected are kept up to
 *   `maxLoadedTickets`; beyond that the least recently used go back to their header
 *   (`messages` empty, `messageCount` and `lastMessage` still there) and the engine stops
 *   sending their messages. A long-lived tab therefore holds a bounded number of threads.
 */
import { MAIN_THREAD, type Change, type ChatConfig, type ThreadId, type ThreadPage } from '../core/protocol.js'

/** What the windows need of the client. */
export interface WindowDeps {
  readonly config: ChatConfig
  /** Reads a page of a thread from the engine (waits for the connection). */
  loadThread(thread: ThreadId, page: { readonly before?: number; readonly count: number }): Promise<ThreadPage>
  /** Tells the engine to stop sending these threads (one call for many). */
  unloadThreads(threads: readonly ThreadId[]): Promise<void>
  /** Applies confirmed changes that are not in the feed (pages, unloads). */
  apply(changes: readonly Change[]): void
  /** The `seq` of the oldest confirmed message held of `thread`. */
  oldestSeq(thread: ThreadId): number | undefined
  /** Whether the state says older messages exist than those held. */
  hasOlder(thread: ThreadId): boolean
  /** Whether the ticket exists in the state. */
  exists(thread: ThreadId): boolean
  /** How many confirmed messages of `thread` the client holds. */
  held(thread: ThreadId): number
}

interface Entry {
  watchers: number
  used: number
  /** Bumped when the held messages are cut back: a page read before that is dropped. */
  generation: number
  /** The newest window being read, or read: how many messages it brought. */
  window: Promise<number> | undefined
}

/** What `loadOlder` answers. */
export interface OlderPage {
  /** How many messages the page added. */
  readonly loaded: number
  /** Whether still older messages exist. */
  readonly hasOlder: boolean
}

export class Windows {
  readonly #deps: WindowDeps
  readonly #entries = new Map<ThreadId, Entry>()
  #selected: ThreadId | null = null
  #clock = 0
  #evictScheduled = false
  /** Idle threads written to since the last check, to cut back to their window. */
  readonly #grown = new Set<ThreadId>()

  constructor(deps: WindowDeps) {
    this.#deps = deps
  }

  /** The loaded ticket threads (a client that connects again asks for their windows). */
  threads(): ThreadId[] {
    return [...this.#entries.keys()]
  }

  /**
   * This client writes to `thread`. `created`: the client made it with all its messages,
   * so there is nothing to read.
   */
  wrote(thread: ThreadId, created = false): void {
    if (thread === MAIN_THREAD) return
    const entry = this.#entry(thread)
    if (created) entry.window ??= Promise.resolve(0)
    else if (!entry.window) void this.#ensure(thread, entry).catch(() => {}) // once, not a promise per send of a burst
    this.#grown.add(thread)
    this.#evict()
  }

  /** New commits arrived: idle threads this client wrote to keep only their newest window. */
  committed(): void {
    if (this.#grown.size === 0) return
    const window = this.#deps.config.ticketWindow
    const changes: Change[] = []
    for (const thread of this.#grown) {
      const entry = this.#entries.get(thread)
      if (!entry || entry.watchers > 0 || thread === this.#selected) {
        this.#grown.delete(thread)
        continue
      }
      if (this.#deps.held(thread) > window) {
        entry.generation++
        changes.push({ type: 'unload', thread, keep: window })
        this.#grown.delete(thread)
      }
    }
    if (changes.length > 0) this.#deps.apply(changes)
  }

  /** The selected ticket changed (from this tab or another). */
  selected(thread: ThreadId | null): void {
    if (thread === this.#selected) return
    const before = this.#selected
    this.#selected = thread
    if (thread !== null && this.#deps.exists(thread)) void this.#ensure(thread, this.#entry(thread)).catch(() => {})
    if (before !== null) this.#letGo(before)
    this.#evict()
  }

  /** A UI shows `thread`: it is loaded until the returned function is called. */
  watch(thread: ThreadId): { readonly ready: Promise<number>; readonly release: () => void } {
    const entry = this.#entry(thread)
    entry.watchers++
    const ready = this.#ensure(thread, entry)
    ready.catch(() => {})
    let released = false
    return {
      ready,
      release: () => {
        if (released) return
        released = true
        entry.watchers--
        this.#letGo(thread)
        this.#evict()
      },
    }
  }

  /** Reads the page before the oldest held message of `thread` (its newest window first, if it is not loaded). */
  async loadOlder(thread: ThreadId, count: number): Promise<OlderPage> {
    const entry = this.#entry(thread)
    if (!entry.window) {
      const loaded = await this.#ensure(thread, entry)
      return { loaded, hasOlder: this.#deps.hasOlder(thread) }
    }
    await entry.window
    if (!this.#deps.hasOlder(thread)) return { loaded: 0, hasOlder: false }
    const generation = entry.generation
    const page = await this.#deps.loadThread(thread, { before: this.#deps.oldestSeq(thread) ?? Number.MAX_SAFE_INTEGER, count })
    if (entry.generation !== generation || this.#entries.get(thread) !== entry) return { loaded: 0, hasOlder: this.#deps.hasOlder(thread) }
    this.#deps.apply([{ type: 'page', thread, records: page.records, hasOlder: page.hasOlder }])
    return { loaded: page.records.length, hasOlder: page.hasOlder }
  }

  /** Everything is gone (`clearAllData`) or the ticket was removed. */
  forget(thread?: ThreadId): void {
    if (thread === undefined) this.#entries.clear()
    else this.#entries.delete(thread)
  }

  #entry(thread: ThreadId): Entry {
    let entry = this.#entries.get(thread)
    if (!entry) {
      entry = { watchers: 0, used: 0, generation: 0, window: undefined }
      this.#entries.set(thread, entry)
    }
    entry.used = ++this.#clock
    return entry
  }

  #ensure(thread: ThreadId, entry: Entry): Promise<number> {
    entry.window ??= (async () => {
      const generation = entry.generation
      const page = await this.#deps.loadThread(thread, { count: this.#deps.config.ticketWindow })
      if (entry.generation !== generation || this.#entries.get(thread) !== entry) return 0
      this.#deps.apply([{ type: 'page', thread, records: page.records, hasOlder: page.hasOlder }])
      return page.records.length
    })().catch((error: unknown) => {
      if (this.#entries.get(thread) === entry) entry.window = undefined // a later use tries again
      throw error
    })
    return entry.window
  }

  /** Nobody shows `thread` any more: it keeps only its newest window. */
  #letGo(thread: ThreadId): void {
    const entry = this.#entries.get(thread)
    if (!entry || entry.watchers > 0 || thread === this.#selected) return
    entry.generation++
    this.#deps.apply([{ type: 'unload', thread, keep: this.#deps.config.ticketWindow }])
  }

  /**
   * Beyond `maxLoadedTickets` idle loaded tickets, the least recently used go back to their
   * header. Once per tick: a burst of commands evicts in one change, not one per command.
   */
  #evict(): void {
    if (this.#evictScheduled || this.#entries.size <= this.#deps.config.maxLoadedTickets) return
    this.#evictScheduled = true
    queueMicrotask(() => {
      this.#evictScheduled = false
      const idle = [...this.#entries].filter(([thread, entry]) => entry.watchers === 0 && thread !== this.#selected)
      const excess = idle.length - this.#deps.config.maxLoadedTickets
      if (excess <= 0) return
      idle.sort(([, a], [, b]) => a.used - b.used)
      const evicted = idle.slice(0, excess).map(([thread]) => thread)
      for (const thread of evicted) this.#entries.delete(thread)
      void this.#deps.unloadThreads(evicted).catch(() => {})
      this.#deps.apply(evicted.map((thread): Change => ({ type: 'unload', thread, keep: 0 })))
    })
  }
}
