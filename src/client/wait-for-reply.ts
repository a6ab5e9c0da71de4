/**
 * `waitForReply`: a promise for the assistant's answer to one main-chat message. It watches
 * the message's reply slot (`reply:<id>`, see `reply-slots.ts`) until the turn reaches a
 * final status: `done` resolves with the reply, `error`, `stopped` and `interrupted` reject.
 */
import {
  AbortedError,
  ChatError,
  ClientClosedError,
  NotFoundError,
  ReplyEndedError,
  TimeoutError,
  ValidationError,
  WorkerGoneError,
} from '../core/errors.js'
import { checkId, describe } from '../core/validate.js'
import type { ChatMessage, ChatSystemState } from '../core/protocol.js'
import { findSlot } from './reply-slots.js'
import type { ChatStatus, StateObservable, WaitForReplyOptions } from './types.js'

/** What the wait needs of the client. */
export interface ReplyWatchDeps {
  readonly ready: Promise<void>
  getState(): ChatSystemState
  /** Synchronous change listener (`ChatClient.onStateChange`). */
  onStateChange(listener: () => void): () => void
  readonly status$: StateObservable<ChatStatus>
  /** Aborted when `close()` begins. */
  readonly closing: AbortSignal
  /** Whether this client's assistant will write the slot of `to` again; `undefined` without an assistant. */
  readonly owes: ((to: string) => boolean) | undefined
}

/** The longest delay `setTimeout` keeps; a longer one fires at once. */
const MAX_TIMEOUT = 2_147_483_647

export function waitForReply(deps: ReplyWatchDeps, messageId: string, options: WaitForReplyOptions = {}): Promise<ChatMessage> {
  return new Promise<ChatMessage>((resolve, reject) => {
    const cleanups: Array<() => void> = []
    let settled = false
    // Every outcome goes through here: the first one wins and removes every listener.
    const finish = (outcome: () => void) => {
      if (settled) return
      settled = true
      for (const cleanup of cleanups.splice(0)) cleanup()
      outcome()
    }
    const fail = (error: ChatError) => finish(() => reject(error))

    try {
      checkId(messageId, 'messageId')
      checkOptions(options)
    } catch (error) {
      return reject(error)
    }
    const owes = deps.owes
    if (!owes) return reject(new ValidationError('No assistant is configured: pass `assistant` to createChatClient', { path: 'assistant' }))

    // The ways to stop waiting that do not depend on the reply.
    if (deps.closing.aborted) return reject(new ClientClosedError())
    const onClosing = () => fail(new ClientClosedError())
    deps.closing.addEventListener('abort', onClosing)
    cleanups.push(() => deps.closing.removeEventListener('abort', onClosing))

    const { signal, timeout } = options
    if (signal?.aborted) return finish(() => reject(aborted(signal)))
    if (signal) {
      const onAbort = () => fail(aborted(signal))
      signal.addEventListener('abort', onAbort)
      cleanups.push(() => signal.removeEventListener('abort', onAbort))
    }
    if (timeout !== undefined) {
      const timer = setTimeout(() => fail(new TimeoutError(`No reply to message ${messageId} within ${timeout} ms`, { messageId, timeout })), timeout)
      cleanups.push(() => clearTimeout(timer))
    }
    const status = deps.status$.subscribe((current) => {
      if (current.connection === 'failed') fail(current.error ?? new WorkerGoneError('The chat client lost its engine'))
      if (current.connection === 'closed') fail(new ClientClosedError())
    })
    cleanups.push(() => status.unsubscribe())
    if (settled) return

    // The reply: judged now, then after every change of the state.
    let to: string | undefined // the user message the reply answers, once known
    const check = () => {
      if (settled) return
      const state = deps.getState()
      const slot = findSlot(state, to ?? messageId)
      if (!slot) {
        if (to !== undefined && owes(to)) return // to be written again by a queued turn
        if (to !== undefined) return fail(new NotFoundError(`The reply to message ${to} was removed`, { messageId: to }))
        const known = state.mainChat.messages.some((m) => m.id === messageId)
        if (known && owes(messageId)) {
          to = messageId
          return
        }
        return fail(
          new NotFoundError(known ? `Message ${messageId} has no assistant reply` : `No main-chat message with id ${messageId}`, { messageId }),
        )
      }
      to = slot.info.to
      const { status: reply } = slot.info
      if (reply === 'queued' || reply === 'streaming' || reply === 'waiting') return // still going; `waiting` resumes online
      if (owes(to)) return // a regenerate or retry will write it again
      if (reply === 'done') return finish(() => resolve(slot.message))
      fail(new ReplyEndedError(reply, slot.message, `The assistant's reply to message ${to} ended with status ${reply}`))
    }
    const start = () => {
      if (settled) return
      cleanups.push(deps.onStateChange(check))
      check()
    }
    // Before the first snapshot the stored history is not in the state yet (also while a first
    // worker that failed to start is replaced: `reconnecting` before `ready`).
    const { connection } = deps.status$.value
    if (connection === 'connecting' || connection === 'blocked' || connection === 'reconnecting') deps.ready.then(start, () => {}) // a failure arrives on status$
    else start()
  })
}

function checkOptions(options: WaitForReplyOptions): void {
  if (typeof options !== 'object' || options === null) throw new ValidationError(`options must be an object, got ${describe(options)}`, { path: 'options' })
  const { signal, timeout } = options
  if (signal !== undefined && (typeof signal !== 'object' || signal === null || typeof signal.addEventListener !== 'function')) {
    throw new ValidationError(`options.signal must be an AbortSignal, got ${describe(signal)}`, { path: 'options.signal' })
  }
  if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout > 0) || timeout > MAX_TIMEOUT)) {
    throw new ValidationError(`options.timeout must be a number of milliseconds from 1 to ${MAX_TIMEOUT}, got ${describe(timeout)}`, {
      path: 'options.timeout',
    })
  }
}

const aborted = (signal: AbortSignal) => new AbortedError('Stopped waiting for the reply: the signal was aborted', undefined, { cause: signal.reason })
