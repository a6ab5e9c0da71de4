/**
 * The shared loop of the two baseline workers: answers each request of the page with its
 * result and `ms`, the operation's own time inside the worker.
 */
import type { Answer, Operation, Request } from './protocol.js'

export type Handler = (operation: Operation) => Promise<unknown>

export function serve(handle: Handler): void {
  const post = (answer: Answer) => (self as unknown as Worker).postMessage(answer)
  self.addEventListener('message', (event: MessageEvent<Request>) => {
    const request = event.data
    const t0 = performance.now()
    handle(request).then(
      (value) => post({ id: request.id, ms: performance.now() - t0, value }),
      (error: unknown) => post({ id: request.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    )
  })
}

/** Posts a live query's result to the page: the ids of the main chat, in order. */
export function postLive(ids: readonly string[]): void {
  ;(self as unknown as Worker).postMessage({ live: ids } satisfies Answer)
}
