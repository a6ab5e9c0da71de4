/**
 * A state with optimistic changes waiting to be applied. Commands push their changes; the
 * first read applies everything pushed since, in one `applyChanges` call — so a burst of
 * commands in one tick costs one copy of each touched thread, not one per command.
 */
import type { Change, ChatSystemState } from '../core/protocol.js'
import { applyChanges } from './apply-changes.js'

export class LazyState {
  #state: ChatSystemState
  #unapplied: Change[] = []
  readonly #maxMainChatMessages: number

  constructor(state: ChatSystemState, maxMainChatMessages: number) {
    this.#state = state
    this.#maxMainChatMessages = maxMainChatMessages
  }

  /** The state with every pushed change applied. */
  get(): ChatSystemState {
    if (this.#unapplied.length > 0) {
      this.#state = applyChanges(this.#state, this.#unapplied, this.#maxMainChatMessages)
      this.#unapplied = []
    }
    return this.#state
  }

  /** Replaces the state (after reconciling identities); only when nothing is pushed. */
  set(state: ChatSystemState): void {
    this.get()
    this.#state = state
  }

  push(changes: readonly Change[]): void {
    for (const change of changes) this.#unapplied.push(change)
  }
}
