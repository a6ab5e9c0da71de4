/**
 * How the client notices that its worker is gone. Where it can, at once: the host's `gone`
 * settles on the worker's `error` event, on a worker_threads `exit`, and, for browser
 * workers, through the lifeline below (a Web Lock the worker holds while it lives). As a
 * last resort, for a worker that is alive but hung or where Web Locks are missing, the
 * watchdog pings while work is outstanding: a terminated or crashed worker drops messages
 * without any event the page can rely on, so an unanswered ping older than `timeout`
 * means the worker is gone. Uses the real clock on purpose: an app's injected clock may
 * stand still.
 */
import { nanoid } from 'nanoid'
import type { Result } from '../core/protocol.js'
import { holdLock, webLocks, whenFree } from '../core/web-locks.js'

/** What the watchdog pings, when, and whom it tells. */
export interface WatchdogOptions {
  readonly ping: () => Promise<unknown>
  /** Whether anything is waiting for the worker (only then is silence a problem). */
  readonly busy: () => boolean
  readonly timeout: number
  readonly onGone: () => void
}

/** Starts watching; returns the function that stops it. */
export function startWatchdog({ ping, busy, timeout, onGone }: WatchdogOptions): () => void {
  let sentAt: number | undefined
  const timer = setInterval(
    () => {
      if (sentAt !== undefined) {
        if (Date.now() - sentAt > timeout) {
          stop()
          onGone()
        }
        return
      }
      if (!busy()) return
      const sent = Date.now()
      sentAt = sent
      ping().then(
        () => {
          if (sentAt === sent) sentAt = undefined
        },
        () => {}, // a failed ping is a dead worker too: the timeout decides
      )
    },
    Math.max(20, Math.min(1_000, timeout / 4)),
  )
  ;(timer as { unref?: () => void }).unref?.() // never keep a Node process alive
  const stop = () => clearInterval(timer)
  return stop
}

/** A running lifeline; `stop()` ends it (before the client itself disconnects or ends the worker). */
export interface Lifeline {
  stop(): void
}

/**
 * Ties the client's and the worker's lives together through Web Locks (see
 * `RemoteEngineApi.lifeline`): with `watchedByWorker` (a SharedWorker) the client holds a
 * lock of its own while it lives, so that the worker drops it when its page closes or
 * crashes; it asks the worker to hold another,
 * and asks for that one itself: it is granted the moment the worker's scope ends
 * (terminated, crashed, or closed), and then `onGone` is called. Does nothing where Web
 * Locks are missing (insecure origins, Node) or the worker cannot take part.
 */
export function startLifeline(
  link: (held: string, watched: string) => Promise<Result<boolean>>,
  onGone: () => void,
  { watchedByWorker }: { readonly watchedByWorker: boolean },
): Lifeline {
  const locks = webLocks()
  let stopped = false
  let stopAll = () => {}
  if (locks) {
    const id = nanoid()
    const held = `companion-chat:worker:${id}`
    // Only a SharedWorker outlives its clients and needs to watch them; a page that holds no
    // lock of its own stays eligible for the back/forward cache.
    const watched = watchedByWorker ? `companion-chat:client:${id}` : ''
    void (async () => {
      const letGo = watched ? await holdLock(locks, watched) : () => {}
      let linked = false
      try {
        const answer = await link(held, watched)
        linked = answer.ok && answer.value
      } catch {
        // A worker that cannot take part (or is gone already: `gone` and the watchdog tell).
      }
      if (stopped || !linked) return letGo()
      const stopWaiting = whenFree(locks, held, onGone)
      stopAll = () => {
        stopWaiting()
        letGo()
      }
    })().catch(() => {}) // no lifeline: the other signals remain
  }
  return {
    stop() {
      stopped = true
      stopAll()
    },
  }
}
