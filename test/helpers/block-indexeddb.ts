/**
 * Makes IndexedDB unusable in the current global scope, the ways browsers do it. Used by
 * the Node tests on `globalThis` and, in the browser suite, by a worker that runs it
 * before the SDK's worker code (see `test/browser/fixture/blocked-storage-worker.ts`).
 *
 * - `getter`: reading `indexedDB` throws (Firefox with storage blocked: "The operation is insecure");
 * - `undefined`: there is no `indexedDB`;
 * - `open-throws`: `indexedDB.open()` throws;
 * - `open-error`: `indexedDB.open()` returns a request that fails with an error event
 *   (Firefox's private mode before version 115: `InvalidStateError`).
 */
export const BLOCKED_VARIANTS = ['getter', 'undefined', 'open-throws', 'open-error'] as const
export type BlockedVariant = (typeof BLOCKED_VARIANTS)[number]

/**
 * Applies `variant` to `scope`. The variants that need a factory take the scope's own
 * (or `factory` where the scope has none, as in Node). Returns a function that undoes it.
 */
export function blockIndexedDB(variant: BlockedVariant, scope: object = globalThis, factory?: IDBFactory): () => void {
  const before = Object.getOwnPropertyDescriptor(scope, 'indexedDB')
  const restore = () => {
    if (before) Object.defineProperty(scope, 'indexedDB', before)
    else Reflect.deleteProperty(scope, 'indexedDB')
  }
  switch (variant) {
    case 'getter':
      Object.defineProperty(scope, 'indexedDB', {
        configurable: true,
        get() {
          throw new DOMException('The operation is insecure.', 'SecurityError')
        },
      })
      return restore
    case 'undefined':
      Object.defineProperty(scope, 'indexedDB', { configurable: true, writable: true, value: undefined })
      return restore
    case 'open-throws':
    case 'open-error': {
      const real = factory ?? (scope as { indexedDB?: IDBFactory }).indexedDB
      if (!real) throw new Error('blockIndexedDB: no IndexedDB factory to break')
      Object.defineProperty(scope, 'indexedDB', { configurable: true, writable: true, value: brokenFactory(real, variant) })
      return restore
    }
  }
}

/** A factory like `real` whose `open` throws, or fails with an error event. */
export function brokenFactory(real: IDBFactory, variant: 'open-throws' | 'open-error'): IDBFactory {
  const open = (): IDBOpenDBRequest => {
    if (variant === 'open-throws') throw new DOMException('The operation is insecure.', 'SecurityError')
    return failingRequest(new DOMException('A mutation operation was attempted on a database that did not allow mutations.', 'InvalidStateError'))
  }
  return new Proxy(real, {
    get(target, key) {
      if (key === 'open') return open
      const value = Reflect.get(target, key, target) as unknown
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
    },
  })
}

/** An open request that fails with `error`, through `onerror` and `error` listeners, as IndexedDB fails one. */
function failingRequest(error: DOMException): IDBOpenDBRequest {
  const request = new EventTarget() as EventTarget & Record<string, unknown>
  Object.assign(request, { error, result: undefined, readyState: 'pending', source: null, transaction: null })
  for (const name of ['onerror', 'onsuccess', 'onupgradeneeded', 'onblocked']) request[name] = null
  setTimeout(() => {
    request['readyState'] = 'done'
    const event = new Event('error', { cancelable: true, bubbles: true })
    Object.defineProperty(event, 'target', { value: request })
    const handler = request['onerror']
    if (typeof handler === 'function') handler.call(request, event)
    request.dispatchEvent(event)
  })
  return request as unknown as IDBOpenDBRequest
}
