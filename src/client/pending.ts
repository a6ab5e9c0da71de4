/**
 * Commands sent (or about to be) and not yet settled, each with the promise its caller holds.
 */
import type { ChatError } from '../core/errors.js'
import type { Change, Command } from '../core/protocol.js'

/** A command sent (or about to be) and not yet settled. */
export interface Pending {
  readonly id: string
  /** `null` for local-only entries such as the reset of `clearAllData`. */
  readonly command: Command | null
  readonly changes: readonly Change[]
  /** Resolves after the commit, rejects when refused. Always observed (never unhandled). */
  readonly promise: Promise<void>
  /** Refusals the caller expects (the assistant's guarded writes) do not go to `errors$`. */
  readonly quiet: boolean
  readonly resolve: () => void
  readonly reject: (error: ChatError) => void
}

/** Adds a pending entry to `pending` and returns it. */
export function addPending(pending: Map<string, Pending>, id: string, command: Command | null, changes: readonly Change[], quiet: boolean): Pending {
  let resolve!: () => void
  let reject!: (error: ChatError) => void
  const promise = new Promise<void>((ok, fail) => {
    resolve = ok
    reject = fail
  })
  promise.catch(() => {})
  const entry: Pending = { id, command, changes, promise, quiet, resolve, reject }
  pending.set(id, entry)
  return entry
}

