/**
 * The client's copy of the state. The confirmed state is what the change feed reported;
 * the visible state is the confirmed one with every pending command replayed on top, so
 * other tabs' changes and our own pending ones compose, and a refused command simply drops
 * out of the replay (rollback). Knows nothing of the connection: the client feeds it.
 */
import { planCommand, type PlanContext } from '../core/plan.js'
import type {
  Change,
  ChatConfig,
  ChatMessage,
  ChatSystemState,
  Command,
  MessageRecord,
  Patch,
  SentMessages,
  Snapshot,
  ThreadId,
  ThreadSummary,
} from '../core/protocol.js'
import { EMPTY_STATE, applyChanges, createSeqIndex, stateFromSnapshot } from './apply-changes.js'
import { LazyState } from './lazy-state.js'
import { addPending, type Pending } from './pending.js'
import { adoptEqualTickets, adoptShown, reconcile } from './reconcile.js'
import { draftsOf, findMessage, ticketsById } from './state-queries.js'

export class Mirror {
  readonly #config: ChatConfig
  #confirmed: ChatSystemState = EMPTY_STATE
  readonly #index = createSeqIndex()
  #version = 0
  readonly #pending = new Map<string, Pending>()
  #visible: LazyState | undefined // undefined: replay needed
  #rebuilt = false
  readonly #contexts = new WeakMap<LazyState, PlanContext>()
  /**
   * Ids this client made for messages not yet committed: no confirmed row and no other
   * client can hold them, so only this client's own pending changes can (see `#planContext`).
   */
  readonly #uncommittedIds = new Set<string>()
  /** Messages of this client's pending sends, with the command that sends each: the engine confirms them by id and place only. */
  readonly #sent = new Map<string, { readonly record: MessageRecord; readonly commandId: string }>()
  #shown: ChatSystemState = EMPTY_STATE // the last state handed out, whose objects a rebuild reuses
  /** The confirmed thread headers, for the planner (read markers). */
  readonly #threads = new Map<ThreadId, ThreadSummary>()
  /** The patch being taken in ahead (`confirmAhead`): its changes, how many are taken, and how many of its commands left the replay. */
  #ahead: { readonly patch: Patch; readonly changes: readonly Change[]; readonly complete: boolean; taken: number; committed: number } | undefined
  /** Pending commands that the patch taken in ahead committed: out of the replay, until they settle. */
  readonly #committed = new Set<Pending>()

  constructor(config: ChatConfig) {
    this.#config = config
  }

  /** The version of the last patch (or snapshot) in the confirmed state. */
  get version(): number {
    return this.#version
  }

  /** Commands sent (or about to be) and not settled yet. */
  get pending(): ReadonlyMap<string, Pending> {
    return this.#pending
  }

  /** The visible state; objects that did not change keep their identity. */
  getState(): ChatSystemState {
    const visible = this.#lazyVisible()
    let state = visible.get()
    if (this.#rebuilt) {
      // Rebuilt from the confirmed state: hand back the objects already shown where equal.
      const built = state
      state = reconcile(this.#shown, built)
      visible.set(state)
      this.#rebuilt = false
      // The confirmed state takes the shown objects it holds, so the next rebuild finds them
      // identical (`===`) and compares only what changed since.
      if (state !== built) this.#confirmed = adoptShown(this.#confirmed, built, state)
    }
    this.#shown = state
    return state
  }

  /** An id this client just made for a message: nothing can hold it yet. */
  markNewId(id: string): void {
    this.#uncommittedIds.add(id)
  }

  /**
   * Plans `command` on the visible state and shows its changes at once. Throws what the
   * planner throws, unless `refuseInvalid` is false (before the first snapshot the mirror is empty
   * and cannot judge; the engine will).
   */
  add(command: Command, quiet: boolean, refuseInvalid: boolean): Pending {
    const visible = this.#lazyVisible()
    let changes: Change[] = []
    try {
      changes = planCommand(command, this.#planContext(visible))
    } catch (error) {
      if (refuseInvalid) {
        this.#forget(command)
        throw error
      }
    }
    if (command.kind === 'sendMessage') this.#remember(command.message, command)
    else if (command.kind === 'sendMessages') for (const message of command.messages) this.#remember(message, command)
    const entry = addPending(this.#pending, command.commandId, command, changes, quiet)
    visible.push(changes)
    return entry
  }

  /** Shows local-only changes (the reset of `clearAllData`) until `settle(id)`. */
  addLocal(id: string, changes: readonly Change[]): Pending {
    const entry = addPending(this.#pending, id, null, changes, false)
    this.#lazyVisible().push(changes)
    return entry
  }

  /** A command that never reached the mirror (refused before it was added). */
  discard(command: Command): void {
    this.#forget(command)
  }

  /** Starts again from a snapshot. */
  load(snapshot: Snapshot): void {
    this.#ahead = undefined
    this.#committed.clear() // replayed again, until the patch that committed them settles them
    // A snapshot that overtook the feed may hold messages whose sends are not settled yet.
    if (this.#uncommittedIds.size > 0) for (const record of snapshot.messages) this.#uncommittedIds.delete(record.message.id)
    this.#threads.clear()
    for (const summary of snapshot.threads) this.#threads.set(summary.id, summary)
    this.#confirmed = stateFromSnapshot(snapshot, this.#config.maxMainChatMessages, this.#index)
    this.#version = snapshot.version
    this.#visible = undefined
  }

  /**
   * Takes a patch into the confirmed state (its outcomes are the caller's to settle).
   * False when the patch names a sent message this mirror does not hold: a fresh snapshot
   * repairs that.
   */
  apply(patch: Patch): boolean {
    const ahead = this.#ahead?.patch.version === patch.version ? this.#ahead : undefined
    this.#ahead = undefined
    const { changes, complete } = ahead ?? this.#changesOf(patch)
    this.#confirm(ahead ? changes.slice(ahead.taken) : changes)
    if (ahead) this.#visible = undefined // shown again from the confirmed state, whose equal objects are the shown ones
    this.#version = patch.version
    return complete
  }

  /**
   * Takes `patch` (the next patch, a large one) in ahead of `apply(patch)`, up to `count` steps
   * a call, and leaves the visible state as it is shown meanwhile, since the patch confirms what
   * its commands showed already: first its changes go into the confirmed state (a confirmed
   * ticket equal to the shown one becomes the shown object, so the rebuild after `apply` finds
   * them identical and compares nothing again); then the commands it committed leave the
   * replay, still pending until `settle`. True while steps remain.
   */
  confirmAhead(patch: Patch, count: number): boolean {
    let ahead = this.#ahead
    if (ahead?.patch !== patch) ahead = this.#ahead = { patch, ...this.#changesOf(patch), taken: 0, committed: 0 }
    if (ahead.taken < ahead.changes.length) {
      const changes = ahead.changes.slice(ahead.taken, ahead.taken + count)
      ahead.taken += changes.length
      this.#confirm(changes, true)
    } else {
      for (const id of patch.done.slice(ahead.committed, ahead.committed + count)) {
        const entry = this.#pending.get(id)
        if (entry) this.#committed.add(entry)
      }
      ahead.committed += count
    }
    return ahead.taken < ahead.changes.length || ahead.committed < patch.done.length
  }

  /** A patch's changes to the confirmed state, with this client's own messages; `complete` is false when it names one this mirror does not hold. */
  #changesOf(patch: Patch): { readonly changes: readonly Change[]; readonly complete: boolean } {
    if (!patch.sent) return { changes: patch.changes, complete: true }
    const own = this.#ownMessages(patch.sent)
    return { changes: [...patch.changes, ...own], complete: own.length === patch.sent.ids.length }
  }

  /**
   * Takes confirmed changes that are not in the feed into the confirmed state: pages the
   * engine read on request, and windows let go.
   */
  applyLocal(changes: readonly Change[]): void {
    this.#confirm(changes)
  }

  /** How many confirmed messages of ticket `thread` the state holds. */
  held(thread: ThreadId): number {
    return ticketsById(this.#confirmed).get(thread)?.messages.length ?? 0
  }

  /** The `seq` of the oldest confirmed message held of ticket `thread`. */
  oldestSeq(thread: ThreadId): number | undefined {
    const first = ticketsById(this.#confirmed).get(thread)?.messages[0]
    return first && this.#index.messages.get(first.id)
  }

  /** Takes `changes` into the confirmed state; `ahead`: leaves the visible state as shown (see `confirmAhead`). */
  #confirm(changes: readonly Change[], ahead = false): void {
    const uncommitted = this.#uncommittedIds.size > 0
    const tickets = ahead ? new Set<string>() : undefined // the tickets these changes touch
    for (const change of changes) {
      if (change.type === 'message') {
        if (uncommitted) this.#uncommittedIds.delete(change.record.message.id) // committed now
        tickets?.add(change.record.thread)
      } else if (change.type === 'thread') {
        this.#threads.set(change.summary.id, change.summary)
        tickets?.add(change.summary.id)
      } else if (change.type === 'ticketDeleted') this.#threads.delete(change.id)
      else if (change.type === 'reset') this.#threads.clear()
      else if (change.type === 'ticket') tickets?.add(change.record.id)
      else if (change.type === 'draft') tickets?.add(change.record.thread)
    }
    const confirmed = applyChanges(this.#confirmed, changes, this.#config.maxMainChatMessages, this.#index)
    if (tickets) {
      this.#confirmed = adoptEqualTickets(confirmed, this.#shown, tickets)
      return
    }
    // Windows let go that held nothing: nothing changed, so the pending commands need no replay.
    if (confirmed === this.#confirmed && changes.every((change) => change.type === 'unload')) return
    this.#confirmed = confirmed
    this.#visible = undefined
  }

  /** Removes a pending entry (it no longer replays) and returns it, or nothing if it is not pending. */
  settle(id: string): Pending | undefined {
    const entry = this.#pending.get(id)
    if (!entry) return undefined // another client's command, or settled already
    this.#pending.delete(id)
    if (!this.#committed.delete(entry)) this.#visible = undefined // it replayed until now
    if (entry.command) this.#forget(entry.command)
    return entry
  }

  /** The rows of messages this client sent, committed at the places the engine gives. */
  #ownMessages({ ids, seqs }: SentMessages): Change[] {
    const changes: Change[] = []
    for (let i = 0; i < ids.length; i++) {
      const record = this.#sent.get(ids[i]!)?.record // there while its command is pending
      if (record) changes.push({ type: 'message', record: { thread: record.thread, message: record.message, seq: seqs[i]! } })
    }
    return changes
  }

  /** The visible state: confirmed, with every pending command replayed on top. */
  #lazyVisible(): LazyState {
    if (!this.#visible) {
      const visible = new LazyState(this.#confirmed, this.#config.maxMainChatMessages)
      for (const entry of this.#pending.values()) if (!this.#committed.has(entry)) visible.push(this.#replay(entry, visible))
      this.#visible = visible
      this.#rebuilt = true
    }
    return this.#visible
  }

  #replay(entry: Pending, visible: LazyState): readonly Change[] {
    if (!entry.command) return entry.changes
    try {
      return planCommand(entry.command, this.#planContext(visible))
    } catch {
      return [] // no longer applies on the new confirmed state; the engine's outcome will say why
    }
  }

  /**
   * Keeps a sent message until its command settles. An id another pending send holds stays
   * with that one: the engine commits the first and refuses the other (or takes it for a retry).
   */
  #remember(message: ChatMessage, command: Extract<Command, { thread: ThreadId }>): void {
    if (!this.#sent.has(message.id)) this.#sent.set(message.id, { record: { thread: command.thread, message }, commandId: command.commandId })
  }

  /** Its message ids are no longer fresh or pending: committed, refused, or never sent. */
  #forget(command: Command): void {
    if (command.kind === 'sendMessage') this.#forgetMessage(command.message?.id, command.commandId)
    else if (command.kind === 'sendMessages' && Array.isArray(command.messages)) for (const m of command.messages) this.#forgetMessage(m?.id, command.commandId)
  }

  #forgetMessage(id: string, commandId: string): void {
    this.#uncommittedIds.delete(id)
    // Only this command's entry: another pending send may use the same id (a retry, or a mistake).
    if (this.#sent.get(id)?.commandId === commandId) this.#sent.delete(id)
  }

  /**
   * The rows a command reads, from the visible state; reading applies what is pending, so
   * only reads that need it pay. One context per visible state, made on first use.
   */
  #planContext(visible: LazyState): PlanContext {
    let context = this.#contexts.get(visible)
    if (!context) {
      context = this.#makePlanContext(visible)
      this.#contexts.set(visible, context)
    }
    return context
  }

  #makePlanContext(visible: LazyState): PlanContext {
    return {
      config: this.#config,
      get userContext() {
        return visible.get().userContext
      },
      get view() {
        const state = visible.get()
        return {
          ticketView: state.ticketView,
          activeTicketId: state.activeTicketId,
          isTyping: state.mainChat.isTyping,
          lastActivity: state.mainChat.lastActivity,
        }
      },
      ticket: (id) => visible.ticket(id),
      thread: (id) => this.#threads.get(id),
      // An id made here and not committed is only where this client's own pending changes put
      // it: a send being planned need not apply the pending changes to learn that it is new.
      message: (id, thread) =>
        this.#uncommittedIds.has(id) && !visible.pushedMessage(id) ? undefined : findMessage(visible.get(), id, thread),
      draft: (thread) => visible.draft(thread),
      draftThreads: () => Object.keys(draftsOf(visible.get())),
    }
  }
}
