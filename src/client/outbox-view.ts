/**
 * The outbox as the client shows it (`outbox$`): the entries of the welcome snapshot, kept
 * current by the feed's `outbox` and `outboxDeleted` changes (this tab's and other tabs').
 */
import { BehaviorSubject, distinctUntilChanged } from 'rxjs'
import type { Change, OutboxEntry } from '../core/protocol.js'
import { withValue } from './state-store.js'
import type { StateObservable } from './types.js'

const EMPTY: readonly OutboxEntry[] = Object.freeze([])

export class OutboxView {
  readonly #entries = new Map<string, OutboxEntry>()
  readonly #subject = new BehaviorSubject<readonly OutboxEntry[]>(EMPTY)
  readonly outbox$: StateObservable<readonly OutboxEntry[]> = withValue(this.#subject.pipe(distinctUntilChanged()), () => this.#subject.value)
  readonly #resetListeners: Array<() => void> = []

  /** Calls `listener` when the feed says everything is gone (`clearAllData` here or in another tab). */
  onReset(listener: () => void): void {
    this.#resetListeners.push(listener)
  }

  /** Starts again from a snapshot's outbox. */
  load(entries: readonly OutboxEntry[] | undefined): void {
    this.#entries.clear()
    for (const entry of entries ?? []) this.#entries.set(entry.id, entry)
    this.#emit()
  }

  /** Takes the outbox changes of a patch. */
  apply(changes: readonly Change[]): void {
    let changed = false
    for (const change of changes) {
      if (change.type === 'outbox') this.#entries.set(change.entry.id, change.entry)
      else if (change.type === 'outboxDeleted') this.#entries.delete(change.id)
      else if (change.type === 'reset') {
        this.#entries.clear()
        for (const listener of this.#resetListeners) listener()
      } else continue
      changed = true
    }
    if (changed) this.#emit()
  }

  /** The entry `id`, if it is in the outbox. */
  get(id: string): OutboxEntry | undefined {
    return this.#entries.get(id)
  }

  complete(): void {
    this.#subject.complete()
  }

  #emit(): void {
    const next = this.#entries.size === 0 ? EMPTY : Object.freeze([...this.#entries.values()].sort((a, b) => a.seq - b.seq))
    if (next !== this.#subject.value) this.#subject.next(next)
  }
}
