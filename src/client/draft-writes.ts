/**
 * Coalesced draft writes. Every keystroke's `setDraft` shows in the state at once (it is a
 * pending command of the mirror), but the engine gets at most one `setDraft` per thread
 * every `interval` ms, carrying the newest text: the first keystroke starts the thread's
 * timer, later ones replace the held command, and the timer hands the last one over.
 *
 * A held command must never be written after something that made it moot — a user message
 * sent into its thread, `clearUserData`, `clearAllData`, the removal of its ticket — so the
 * client takes it back (`drop`) at that moment, before anything later is queued.
 */
import type { Command, ThreadId } from '../core/protocol.js'

/** A `setDraft` command. */
export type DraftCommand = Extract<Command, { kind: 'setDraft' }>

/** How long (ms) a thread's draft waits before it is written: at most one write per thread per interval. */
export const DRAFT_WRITE_INTERVAL = 500

export class DraftWrites {
  readonly #interval: number
  readonly #write: (commands: DraftCommand[]) => void
  /** The newest command of each thread not yet handed over, with the timer that will hand it over. */
  readonly #held = new Map<ThreadId, { command: DraftCommand; readonly timer: ReturnType<typeof setTimeout> }>()

  /** @param write - queues commands for the engine (in the client's outbox) */
  constructor(interval: number, write: (commands: DraftCommand[]) => void) {
    this.#interval = interval
    this.#write = write
  }

  /** Holds `command` as its thread's newest draft; answers the held command it replaces, which is never written. */
  hold(command: DraftCommand): DraftCommand | undefined {
    const held = this.#held.get(command.thread)
    if (held) {
      const replaced = held.command
      held.command = command
      return replaced
    }
    const timer = setTimeout(() => this.#release(command.thread), this.#interval)
    this.#held.set(command.thread, { command, timer })
    return undefined
  }

  /** Takes a thread's held command back: it is never written. */
  drop(thread: ThreadId): DraftCommand | undefined {
    const held = this.#held.get(thread)
    if (!held) return undefined
    clearTimeout(held.timer)
    this.#held.delete(thread)
    return held.command
  }

  /** Takes every held command back. */
  dropAll(): DraftCommand[] {
    return [...this.#held.keys()].map((thread) => this.drop(thread)!)
  }

  /** Hands every held command over now (flush, close, the page going away). */
  writeAll(): void {
    const commands = this.dropAll()
    if (commands.length > 0) this.#write(commands)
  }

  #release(thread: ThreadId): void {
    const command = this.drop(thread)
    if (command) this.#write([command])
  }
}

/**
 * Calls `listener` when the page is hidden (another tab, a minimised window, a phone's home
 * screen) or left, the last moments a page can be relied on to run. Answers the function that
 * stops listening. Does nothing outside a page (Node, workers).
 */
export function onPageHidden(listener: () => void): () => void {
  const page = globalThis as { document?: Document; addEventListener?: Window['addEventListener']; removeEventListener?: Window['removeEventListener'] }
  const document = page.document
  if (!document || typeof page.addEventListener !== 'function' || typeof page.removeEventListener !== 'function') return () => {}
  const onVisibility = () => {
    if (document.visibilityState === 'hidden') listener()
  }
  page.addEventListener('pagehide', listener)
  document.addEventListener('visibilitychange', onVisibility)
  return () => {
    page.removeEventListener?.('pagehide', listener)
    document.removeEventListener('visibilitychange', onVisibility)
  }
}
