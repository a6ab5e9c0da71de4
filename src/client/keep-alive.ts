/**
 * Node only: an idle client must not keep the process alive, and a busy one must.
 *
 * The ports to the engine (and a worker_threads worker) are unref'd, so a script that is
 * done exits even without `close()`. While anything is outstanding — the connection being
 * made, a command not yet committed, a call not yet answered — the client holds one ref'd
 * timer, so the process does not exit in the middle of a write. Browsers have no event
 * loop to hold: there both functions do nothing.
 */

interface NodeHandle {
  ref?(): unknown
  unref?(): unknown
}

/** Lets a Node `MessagePort` (or worker) stop keeping the process alive; a no-op elsewhere. */
export function unrefPort(port: unknown): void {
  ;(port as NodeHandle).unref?.()
}

/** Holds the process while `busy` says so; call `update()` whenever the answer may have changed. */
export interface KeepAlive {
  update(busy: boolean): void
}

const HOLD_MS = 2 ** 30 // never fires; it exists to be ref'd

export function createKeepAlive(): KeepAlive {
  const node = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string'
  if (!node) return { update() {} }
  let timer: ReturnType<typeof setInterval> | undefined
  return {
    update(busy) {
      if (busy && timer === undefined) timer = setInterval(() => {}, HOLD_MS)
      else if (!busy && timer !== undefined) {
        clearInterval(timer)
        timer = undefined
      }
    },
  }
}
