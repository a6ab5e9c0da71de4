/**
 * Runs the assistant for user messages of the main chat, one turn at a time (FIFO), and
 * writes each turn into its reply slot: the reply grows as text arrives (written at most
 * every `flushInterval` ms), suggestions become `suggestion` messages, proposed context is
 * merged into the user context, failures become an `error` slot with a retry action, and
 * an unreachable network assistant leaves a `waiting` notice that is answered once the
 * network returns — by exactly one client, because taking a slot is a guarded write.
 */
import { BehaviorSubject, distinctUntilChanged, type Observable } from 'rxjs'
import { nanoid } from 'nanoid'
import { AssistantError, ChatError, InvalidTransitionError, NotFoundError } from '../core/errors.js'
import { MAX_SUPERSEDED } from '../core/check-command.js'
import { isLiveStream } from '../core/plan.js'
import type { Assistant } from '../core/assistant.js'
import type { ChatMessage, ChatSystemState, ReplyGuard, ReplyStatus, UserChatContext } from '../core/protocol.js'
import {
  INTERRUPTED_ACTIONS,
  RETRY_ACTIONS,
  continued,
  findSlot,
  pickContext,
  replySlots,
  slotMessage,
  threadFor,
} from './reply-slots.js'

/** What the assistant is doing, on `assistant$`. */
export type AssistantActivity =
  | { readonly state: 'idle' }
  | { readonly state: 'thinking' | 'streaming'; readonly messageId: string; readonly replyTo: string }
  | { readonly state: 'error'; readonly messageId: string; readonly replyTo: string; readonly error: ChatError }

/** Whether the network is there, and news of its return. Browsers: `navigator.onLine` and `online` events. */
export interface Connectivity {
  isOnline(): boolean
  onOnline(listener: () => void): () => void
}

export const browserConnectivity: Connectivity = {
  isOnline: () => (globalThis as { navigator?: { onLine?: boolean } }).navigator?.onLine ?? true,
  onOnline(listener) {
    const target = globalThis as { addEventListener?: EventTarget['addEventListener']; removeEventListener?: EventTarget['removeEventListener'] }
    target.addEventListener?.('online', listener)
    return () => target.removeEventListener?.('online', listener)
  },
}

/** What the runner needs of the client. */
export interface RunnerDeps {
  getState(): ChatSystemState
  now(): number
  /** Writes a reply slot; `supersede` names suggestions of an earlier answer to remove with it. */
  writeSlot(message: ChatMessage, guard: ReplyGuard, owner: string, supersede?: readonly string[]): Promise<void>
  sendSuggestion(message: ChatMessage): Promise<void>
  setTyping(isTyping: boolean): Promise<void>
  updateUserContext(patch: UserChatContext): Promise<void>
  report(error: ChatError): void
  /** The bytes of a stored attachment, for assistants that ask (`AssistantRequest.readAttachment`). */
  readAttachment?(id: string): Promise<Blob>
}

export interface RunnerOptions {
  readonly assistant: Assistant
  readonly contextKeys: readonly string[]
  readonly connectivity: Connectivity
  readonly flushInterval: number
  readonly leaseDuration: number
  readonly historyLength: number
}

interface Running {
  readonly turn: Turn
  readonly controller: AbortController
  /** Why it was aborted: the status the slot ends with. */
  stopped?: ReplyStatus
}

interface Turn {
  readonly to: string
  readonly guard: ReplyGuard
  /** Continue after the slot's text instead of starting over. */
  readonly continuing?: boolean
}

export class AssistantRunner {
  readonly owner = `client-${nanoid(10)}`
  readonly #deps: RunnerDeps
  readonly #options: RunnerOptions
  readonly #activity = new BehaviorSubject<AssistantActivity>({ state: 'idle' })
  readonly activity$: Observable<AssistantActivity> = this.#activity.pipe(distinctUntilChanged())
  #queue: Turn[] = []
  /** User messages whose turns wait for something first (see `answer`), with the promise that settles when they may start. */
  readonly #held = new Map<string, Promise<void>>()
  #current: Running | undefined
  #running: Promise<void> | undefined
  #timers = new Set<ReturnType<typeof setTimeout>>()
  #offOnline: () => void
  #closed = false

  constructor(deps: RunnerDeps, options: RunnerOptions) {
    this.#deps = deps
    this.#options = options
    this.#offOnline = options.connectivity.onOnline(() => this.resumeWaiting())
  }

  get activity(): AssistantActivity {
    return this.#activity.value
  }

  /** After the first snapshot: mark abandoned streams interrupted and answer what is owed. */
  start(): void {
    this.recoverInterrupted()
    this.#resume(this.#options.connectivity.isOnline() ? ['queued', 'waiting'] : ['queued'])
  }

  /**
   * Owes `user` an answer: writes its `queued` reply slot in the same transaction as the
   * message (so a reload cannot lose the turn), then answers it in turn. With `before` (a
   * voice message's transcript being added), no turn for it starts until that settles.
   */
  answer(user: ChatMessage, committed: Promise<void>, before?: Promise<void>): void {
    if (before) {
      const release = () => void this.#held.delete(user.id)
      this.#held.set(user.id, before.then(release, release))
    }
    const queued = this.#write(slotMessage({ to: user.id, status: 'queued', content: '', timestamp: user.timestamp }), 'new')
    Promise.all([committed, queued]).then(
      () => this.#enqueue({ to: user.id, guard: 'resume' }),
      () => {}, // the message failed, or another client answers it
    )
  }

  /** Stops the running reply; what arrived stays, marked `stopped`. */
  stop(): void {
    if (!this.#current) return
    this.#current.stopped = 'stopped'
    this.#current.controller.abort()
  }

  /** Answers the user message of `messageId` (a reply slot or the user message) again, replacing its reply. */
  regenerate(messageId?: string): void {
    const slot = messageId === undefined ? replySlots(this.#deps.getState()).at(-1) : findSlot(this.#deps.getState(), messageId)
    const to = slot?.info.to ?? messageId
    if (to === undefined) throw new NotFoundError('There is no assistant reply to regenerate')
    this.#takeOver({ to, guard: 'claim' })
  }

  /** Runs a failed, waiting or interrupted turn again. */
  retry(messageId: string): void {
    const slot = findSlot(this.#deps.getState(), messageId)
    this.#takeOver({ to: slot?.info.to ?? messageId, guard: slot ? 'claim' : 'new' })
  }

  /** Continues an interrupted or stopped reply after the text it has. */
  continueReply(messageId: string): void {
    const slot = findSlot(this.#deps.getState(), messageId)
    if (!slot) throw new NotFoundError(`No assistant reply ${messageId}`, { messageId })
    this.#takeOver({ to: slot.info.to, guard: 'claim', continuing: true })
  }

  /**
   * Whether a turn for the user message `to` waits in the queue: its slot will be written
   * again (a regenerate or retry asked for while another turn runs), so its status now is not its last.
   */
  owes(to: string): boolean {
    return this.#queue.some((queued) => queued.to === to)
  }

  /** Answers every turn that waited for the network; the guarded write lets exactly one client answer each. */
  resumeWaiting(): void {
    this.#resume(['queued', 'waiting'])
  }

  #resume(statuses: readonly ReplyStatus[]): void {
    for (const { info } of replySlots(this.#deps.getState())) {
      if (statuses.includes(info.status)) this.#enqueue({ to: info.to, guard: 'resume' })
    }
  }

  /** Marks replies whose stream was abandoned (its owner's lease ran out) as interrupted. */
  recoverInterrupted(): void {
    const now = this.#deps.now()
    for (const { message, info } of replySlots(this.#deps.getState())) {
      if (info.status !== 'streaming' || info.owner === this.owner) continue
      if (isLiveStream(info, now)) {
        this.#later((info.leaseUntil ?? now) - now + 1, () => this.recoverInterrupted())
        continue
      }
      void this.#write(slotMessage({ ...base(message, info), status: 'interrupted', actions: INTERRUPTED_ACTIONS }), 'claim').catch(() => {})
    }
  }

  /** Stops everything; a running reply is kept and marked `interrupted`. */
  async close(): Promise<void> {
    this.#closed = true
    this.#queue = []
    this.#offOnline()
    for (const timer of this.#timers) clearTimeout(timer)
    if (this.#current) {
      this.#current.stopped = 'interrupted'
      this.#current.controller.abort()
    }
    await this.#running
    this.#activity.complete()
  }

  // ── Turns ──────────────────────────────────────────────────────────────────

  #takeOver(turn: Turn): void {
    if (this.#current?.turn.to === turn.to) {
      this.#current.stopped = 'stopped'
      this.#current.controller.abort()
    }
    this.#queue = this.#queue.filter((queued) => queued.to !== turn.to)
    this.#enqueue(turn)
  }

  #enqueue(turn: Turn): void {
    const held = this.#held.get(turn.to)
    if (held) {
      void held.then(() => this.#enqueue(turn))
      return
    }
    if (this.#closed || this.#queue.some((queued) => queued.to === turn.to)) return
    if (turn.guard === 'resume' && this.#current?.turn.to === turn.to) return // being answered
    this.#queue.push(turn)
    this.#running ??= this.#drain()
  }

  async #drain(): Promise<void> {
    try {
      for (let turn = this.#queue.shift(); turn && !this.#closed; turn = this.#queue.shift()) await this.#run(turn)
    } finally {
      this.#running = undefined
      this.#activity.next({ state: 'idle' })
      if (!this.#closed) await this.#deps.setTyping(false).catch(() => {})
    }
  }

  async #run(turn: Turn): Promise<void> {
    const { to } = turn
    const state = this.#deps.getState()
    const user = state.mainChat.messages.find((m) => m.id === to)
    const slot = findSlot(state, to)
    if (turn.guard === 'resume' && !slot) return // trimmed away with its question (a burst over the main-chat limit)
    const partial = turn.continuing ? (slot?.message.content ?? '') : ''
    const controller = new AbortController()
    const current: Running = { turn, controller }
    this.#current = current
    const messageId = slotMessage({ to, status: 'streaming', content: '', timestamp: 0 }).id
    const timestamp = slot?.message.timestamp ?? this.#deps.now()
    const stream = (content: string, status: ReplyStatus, extra: Partial<Parameters<typeof slotMessage>[0]> = {}) =>
      slotMessage({ to, status, content, timestamp, ...extra })
    // A reply cut short offers to continue or regenerate it.
    const ended = (content: string, status: ReplyStatus) =>
      stream(content, status, status === 'done' ? {} : { actions: INTERRUPTED_ACTIONS })
    const lease = () => ({ owner: this.owner, leaseUntil: this.#deps.now() + this.#options.leaseDuration })

    // The suggestions of an earlier answer go with it: this answer brings its own.
    const earlier = state.mainChat.messages
      .filter((m) => m.type === 'suggestion' && m.id.startsWith(`${messageId}:s`))
      .map((m) => m.id)
      .slice(0, MAX_SUPERSEDED)
    try {
      // Take the slot first: only the client whose write commits answers.
      await this.#deps.writeSlot(stream(partial, 'streaming', lease()), turn.guard, this.owner, earlier)
    } catch (error) {
      if (!(error instanceof InvalidTransitionError || error instanceof NotFoundError)) this.#deps.report(asError(error))
      this.#current = undefined
      return // another client answers it, or it is gone
    }
    this.#activity.next({ state: 'thinking', messageId, replyTo: to })
    void this.#deps.setTyping(true).catch(() => {})

    let generated = ''
    let flushed = partial
    let lost = false
    let flushTimer: ReturnType<typeof setTimeout> | undefined
    const text = () => continued(partial, generated)
    const flush = async () => {
      flushTimer = undefined
      if (lost || text() === flushed) return
      flushed = text()
      await this.#write(stream(flushed, 'streaming', lease()), 'own').catch((error: unknown) => {
        if (error instanceof InvalidTransitionError || error instanceof NotFoundError) {
          lost = true // another client took the slot over, or it was trimmed away: stop quietly
          controller.abort()
        }
      })
    }
    const heartbeat = setInterval(() => void this.#write(stream(text(), 'streaming', lease()), 'own').catch(() => {}), this.#options.leaseDuration / 3)
    let suggestions = 0

    try {
      if (this.#options.assistant.requiresNetwork && !this.#options.connectivity.isOnline()) {
        throw new AssistantError('network', 'The network is not reachable')
      }
      const request = {
        message: user ?? { id: to, content: '', sender: 'user' as const, timestamp, type: 'text' as const },
        thread: threadFor(state, to, this.#options.historyLength),
        userContext: pickContext(state.userContext, this.#options.contextKeys),
        signal: controller.signal,
        ...(turn.continuing ? { partial } : {}),
        ...(this.#deps.readAttachment ? { readAttachment: this.#deps.readAttachment } : {}),
      }
      for await (const part of this.#options.assistant.respond(request)) {
        if (controller.signal.aborted) break
        if (part.type === 'text') {
          generated += part.delta
          this.#activity.next({ state: 'streaming', messageId, replyTo: to })
          flushTimer ??= setTimeout(() => void flush(), this.#options.flushInterval)
        } else if (part.type === 'suggestion') {
          const id = `${messageId}:s${suggestions++}`
          const suggestion: ChatMessage = {
            id,
            content: part.content,
            sender: 'assistant',
            timestamp: this.#deps.now(),
            type: 'suggestion',
            metadata: { actions: part.actions, replyTo: to },
          }
          await this.#deps.sendSuggestion(suggestion).catch(() => {}) // an id an earlier answer still holds: this one is left out
        } else if (part.type === 'context') {
          await this.#deps.updateUserContext(part.patch).catch((error: unknown) => this.#deps.report(asError(error)))
        }
      }
      if (flushTimer) clearTimeout(flushTimer)
      if (!lost) await this.#write(ended(text(), current.stopped ?? (controller.signal.aborted ? 'stopped' : 'done')), 'own')
    } catch (error) {
      if (flushTimer) clearTimeout(flushTimer)
      // The slot itself went away (trimmed out of the main chat, or taken over): nothing to record.
      if (lost || error instanceof InvalidTransitionError || error instanceof NotFoundError) return
      if (controller.signal.aborted) {
        await this.#write(ended(text(), current.stopped ?? 'stopped'), 'own').catch(() => {})
        return
      }
      const failure = asError(error)
      const offline = failure instanceof AssistantError && failure.reason === 'network'
      const slotAfter = offline
        ? stream("You're offline. The assistant will answer as soon as the connection is back.", 'waiting', { sender: 'system' })
        : stream(`The assistant could not answer: ${failure.message}`, 'error', { type: 'error', actions: RETRY_ACTIONS })
      await this.#write(slotAfter, 'own').catch(() => {})
      this.#activity.next({ state: 'error', messageId, replyTo: to, error: failure })
      if (!offline) this.#deps.report(failure)
    } finally {
      clearInterval(heartbeat)
      this.#current = undefined
    }
  }

  #write(message: ChatMessage, guard: ReplyGuard): Promise<void> {
    return this.#deps.writeSlot(message, guard, this.owner)
  }

  #later(ms: number, run: () => void): void {
    if (this.#closed) return
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      run()
    }, ms)
    ;(timer as { unref?: () => void }).unref?.()
    this.#timers.add(timer)
  }
}

const base = (message: ChatMessage, info: { readonly to: string }) => ({
  to: info.to,
  content: message.content,
  timestamp: message.timestamp,
})

function asError(error: unknown): ChatError {
  if (error instanceof ChatError) return error
  return new AssistantError('unknown', error instanceof Error ? error.message : String(error), { cause: error })
}
