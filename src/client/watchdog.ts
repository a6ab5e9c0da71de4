/**
 * Notices a worker that stopped answering. A terminated or crashed worker drops messages
 * without any event the page can rely on, so while work is outstanding the client pings
 * the engine; an unanswered ping older than `timeout` means the worker is gone.
 * Uses the real clock on purpose: an app's injected clock may stand still.
 */
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
