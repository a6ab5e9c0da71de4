/**
 * Small helpers for calls that cross to the engine: unwrapping its answers, naming any
 * failure as a `ChatError`, and a timer that never keeps a Node process alive.
 */
import { ChatError, ValidationError, WorkerGoneError, fromSerializedError } from '../core/errors.js'
import type { Result } from '../core/protocol.js'

/** The value of an engine answer, or its error rebuilt into its class. */
export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value
  throw fromSerializedError(result.error)
}

/**
 * Any failure as a `ChatError`. A value the structured clone refuses is a `ValidationError`
 * (that call was not sent; the connection is fine); any other non-SDK error means the engine
 * could not be reached.
 */
export function asChatError(error: unknown): ChatError {
  if (error instanceof ChatError) return error
  if ((error as { name?: unknown } | null)?.name === 'DataCloneError') {
    return new ValidationError('The call holds a value that cannot be copied to the engine', { path: 'arguments' })
  }
  return new WorkerGoneError(`The engine could not be reached: ${error instanceof Error ? error.message : String(error)}`, undefined, {
    cause: error,
  })
}

/** The Prioritized Task Scheduling API, where there is one. */
const scheduler = (globalThis as { scheduler?: { postTask?(callback: () => void): Promise<void> } }).scheduler

/**
 * Resolves in a task of its own, so that the page paints and answers input between two pieces
 * of long work: `scheduler.postTask` where there is one (a timer of 0 ms is held back to 4 ms
 * once timers nest), else a timer.
 */
export const nextTask = (): Promise<void> =>
  scheduler?.postTask ? scheduler.postTask(() => {}) : new Promise<void>((resolve) => setTimeout(resolve, 0))

/** Resolves after `ms`; an unref'd timer in Node. */
export const delay = (ms: number): Promise<void> =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms)
    ;(timer as { unref?: () => void }).unref?.()
  })
