/**
 * A state with optimistic changes waiting to be applied. Commands push their changes; the
 * first read applies everything pushed since, in one `applyChanges` call — so a burst of
 * commands in one tick costs one copy of each touched thread, not one per command.
 */
import { MAIN_THREAD, type Change, type ChatSystemState, type ChatTicket, type ThreadId, type TicketRecord } from '../core/protocol.js'
import { applyChanges } from './apply-changes.js'
import { ticketsById } from './state-queries.js'

export class LazyState {
  #state: ChatSystemState
  #unapplied: Change[] = []
  /** The ticket records of the unapplied changes (null: deleted), so a lookup applies nothing. */
  readonly #tickets = new Map<string, TicketRecord | null>()
  /** The drafts the unapplied changes set, so that a send reads its thread's draft without applying them. */
  readonly #drafts = new Map<ThreadId, string>()
  #reset = false
  /** Ids of every message pushed since this state was made (or last reset), applied or not. */
  readonly #pushedMessages = new Set<string>()
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
      this.#drafts.clear()
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

  /** A thread's draft as the pushed changes leave it, without applying them (see `ticket`). */
  draft(thread: ThreadId): string {
    const pending = this.#drafts.get(thread)
    if (pending !== undefined) return pending
    if (this.#reset) return ''
    if (thread === MAIN_THREAD) return this.#state.mainChat.draft
    return this.#tickets.get(thread) === null ? '' : (ticketsById(this.#state).get(thread)?.draft ?? '')
  }

  /** Whether a change pushed onto this state wrote the message `id` (cheap: applies nothing). */
  pushedMessage(id: string): boolean {
    return this.#pushedMessages.has(id)
  }

  /** Replaces the state (after reconciling identities); only when nothing is pushed. */
  set(state: ChatSystemState): void {
    this.get()
    this.#state = state
  }

  push(changes: readonly Change[]): void {
    for (const change of changes) {
      this.#unapplied.push(change)
      if (change.type === 'message') this.#pushedMessages.add(change.record.message.id)
      else if (change.type === 'ticket') this.#tickets.set(change.record.id, change.record)
      else if (change.type === 'ticketDeleted') {
        this.#tickets.set(change.id, null)
        this.#drafts.delete(change.id)
      } else if (change.type === 'draft') this.#drafts.set(change.record.thread, change.record.text)
      else if (change.type === 'reset') {
        this.#tickets.clear()
        this.#drafts.clear()
        this.#pushedMessages.clear()
        this.#reset = true
      }
    }
  }
}
