/**
 * A state with optimistic changes waiting to be applied. Commands push their changes; the
 * first read applies everything pushed since, in one `applyChanges` call — so a burst of
 * commands in one tick costs one copy of each touched thread, not one per command.
 */
import type { Change, ChatSystemState, ChatTicket, TicketRecord } from '../core/protocol.js'
import { applyChanges } from './apply-changes.js'
import { ticketsById } from './state-queries.js'

export class LazyState {
  #state: ChatSystemState
  #unapplied: Change[] = []
  /** The ticket records of the unapplied changes (null: deleted), so a lookup applies nothing. */
  readonly #tickets = new Map<string, TicketRecord | null>()
  #reset = false
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
      this.#tickets.clear()
      this.#reset = false
    }
    return this.#state
  }

  /**
   * A ticket as the pushed changes leave it, without applying them: a burst of commands
   * into one ticket reads its ticket once per command, and must not copy its thread each time.
   */
  ticket(id: string): TicketRecord | ChatTicket | undefined {
    const pending = this.#tickets.get(id)
    if (pending !== undefined) return pending ?? undefined
    if (this.#reset) return undefined
    return ticketsById(this.#state).get(id)
  }

  /** Replaces the state (after reconciling identities); only when nothing is pushed. */
  set(state: ChatSystemState): void {
    this.get()
    this.#state = state
  }

  push(changes: readonly Change[]): void {
    for (const change of changes) {
      this.#unapplied.push(change)
      if (change.type === 'ticket') this.#tickets.set(change.record.id, change.record)
      else if (change.type === 'ticketDeleted') this.#tickets.set(change.id, null)
      else if (change.type === 'reset') {
        this.#tickets.clear()
        this.#reset = true
      }
    }
  }
}
