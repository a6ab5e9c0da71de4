/**
 * Web Locks as a lifeline between a page and a worker: a lock held by one side is granted
 * to the other side's request the moment the holder's scope ends (closed, terminated or
 * crashed), without any message from it. Dependency-free; used by the client and the worker.
 */

/** The Web Locks API where this scope has it (browsers and their workers, in secure contexts). */
export function webLocks(): LockManager | undefined {
  try {
    return (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks ?? undefined
  } catch {
    return undefined
  }
}

/** Takes the lock `name` and holds it until the returned function is called (or this scope ends). Resolves once held. */
export function holdLock(locks: LockManager, name: string): Promise<() => void> {
  let release!: () => void
  const released = new Promise<void>((resolve) => (release = resolve))
  return new Promise((held, failed) => {
    locks
      .request(name, () => {
        held(release)
        return released
      })
      .catch(failed)
  })
}

/**
 * Calls `onFree` once the lock `name`, which someone else holds, is let go. Returns the
 * function that stops waiting (then `onFree` is not called).
 */
export function whenFree(locks: LockManager, name: string, onFree: () => void): () => void {
  const stop = new AbortController()
  locks
    .request(name, { signal: stop.signal }, () => {
      if (!stop.signal.aborted) onFree()
    })
    .catch(() => {}) // aborted
  return () => stop.abort()
}
