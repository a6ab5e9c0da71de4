/**
 * The observables of the client, derived from one state getter. Emissions are batched per
 * microtask (many commands in one tick → one emission); every observable replays its
 * latest value, emits only when its value changed (`===`), and has a synchronous `value`.
 */
import { BehaviorSubject, Subject, distinctUntilChanged, map, type Observable } from 'rxjs'
import type { ChatError } from '../core/errors.js'
import type { ChatSystemState, ChatTicket } from '../core/protocol.js'
import { createDraftsSelector } from './state-queries.js'
import type { ChatClient, ChatStatus, StateObservable } from './types.js'

export interface StateStore
  extends Pick<
    ChatClient,
    | 'state$'
    | 'messages$'
    | 'tickets$'
    | 'activeTicket$'
    | 'analytics$'
    | 'typing$'
    | 'view$'
    | 'userContext$'
    | 'drafts$'
    | 'status$'
    | 'errors$'
  > {
  /** The state may have changed: tell `onStateChange` listeners now, emit on the next microtask. */
  changed(): void
  /** Calls `listener` synchronously after every change; returns the unsubscribe function. */
  onStateChange(listener: () => void): () => void
  /** Changes the status; a key given as `undefined` is removed (the `error` of a connection that is back). */
  setStatus(patch: { readonly [K in keyof ChatStatus]?: ChatStatus[K] | undefined }): void
  reportError(error: ChatError): void
  complete(): void
}

/** The selected ticket of a state. */
export const selectActiveTicket = (state: ChatSystemState): ChatTicket | null =>
  state.activeTicketId === null ? null : (state.tickets.find((ticket) => ticket.id === state.activeTicketId) ?? null)

/**
 * @param getPendingWrites - read once per emission, so a burst of commands updates
 *   `status$.pendingWrites` once per tick, not once per command
 */
export function createStateStore(getState: () => ChatSystemState, initialStatus: ChatStatus, getPendingWrites: () => number): StateStore {
  const state = new BehaviorSubject(getState())
  const status = new BehaviorSubject(initialStatus)
  const errors = new Subject<ChatError>()
  const listeners = new Set<() => void>()
  let scheduled = false

  const derive = <T>(select: (s: ChatSystemState) => T): StateObservable<T> =>
    withValue(state.pipe(map(select), distinctUntilChanged()), () => select(getState()))

  const store: StateStore = {
    state$: withValue(state.pipe(distinctUntilChanged()), getState),
    messages$: derive((s) => s.mainChat.messages),
    tickets$: derive((s) => s.tickets),
    activeTicket$: derive(selectActiveTicket),
    analytics$: derive((s) => s.analytics),
    typing$: derive((s) => s.mainChat.isTyping),
    view$: derive((s) => s.ticketView),
    userContext$: derive((s) => s.userContext),
    drafts$: derive(createDraftsSelector()),
    status$: withValue(status.pipe(distinctUntilChanged()), () => status.value),
    errors$: errors.asObservable(),
    onStateChange(listener) {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
    changed() {
      for (const listener of listeners) listener()
      if (scheduled || state.closed) return
      scheduled = true
      queueMicrotask(() => {
        scheduled = false
        if (state.closed) return
        state.next(getState())
        store.setStatus({ pendingWrites: getPendingWrites() })
      })
    },
    setStatus(patch) {
      const current = status.value
      const keys = Object.keys(patch) as Array<keyof ChatStatus>
      if (status.closed || !keys.some((key) => patch[key] !== current[key])) return
      const next: Record<string, unknown> = { ...current }
      for (const key of keys) {
        if (patch[key] === undefined) delete next[key]
        else next[key] = patch[key]
      }
      status.next(next as unknown as ChatStatus)
    },
    reportError(error) {
      errors.next(error)
    },
    complete() {
      listeners.clear()
      state.next(getState())
      state.complete()
      status.complete()
      errors.complete()
    },
  }
  return store
}

/** Gives an observable a synchronous `value` getter. */
export function withValue<T>(observable: Observable<T>, get: () => T): StateObservable<T> {
  return Object.defineProperty(observable, 'value', { get, enumerable: true }) as StateObservable<T>
}
