/**
 * Makes the engines opened while it is installed hear late of another tab's clear: on the
 * `BroadcastChannel`s they open meanwhile, an announced reset (another engine's
 * `clearAllData`), and every announcement after it, is held until `release()`, as when the
 * worker is busy or the message is slow to cross between tabs. Channels opened before
 * `install()` or after `uninstall()` deliver as usual, and so do all of them once released.
 */
export function heldAnnouncements() {
  const Real = globalThis.BroadcastChannel
  let holding = false
  let released = false
  const queued: Array<() => void> = []
  /** A real channel whose `onmessage` handler gets its messages through the hold. */
  class HeldChannel extends Real {
    constructor(name: string) {
      super(name)
      let handler: ((event: MessageEvent) => unknown) | null = null
      this.addEventListener('message', (event: MessageEvent) => {
        const deliver = () => handler?.call(this, event)
        if (!released && (event.data as { reset?: unknown } | null)?.reset === true) holding = true
        if (holding) queued.push(deliver)
        else deliver()
      })
      Object.defineProperty(this, 'onmessage', {
        configurable: true,
        get: () => handler,
        set: (next: ((event: MessageEvent) => unknown) | null) => (handler = next),
      })
    }
  }
  return {
    /** From now on, engines that open their database open held channels. */
    install(): void {
      globalThis.BroadcastChannel = HeldChannel
    },
    /** Engines opened from now on open real channels (the held ones stay held). */
    uninstall(): void {
      globalThis.BroadcastChannel = Real
    },
    /** Delivers what was held, and from now on everything at once. */
    release(): void {
      released = true
      holding = false
      for (const deliver of queued.splice(0)) deliver()
    },
  }
}
