/**
 * Requests to one CouchDB database over `fetch`, with the adapter's headers. Failures become
 * `SyncError`s that name the database's origin and path only: never a header, the URL's user
 * or password, or a query string.
 */
import { SyncError, ValidationError, type SyncFailure } from '../core/errors.js'

/** Headers, or a function that makes them for each request (e.g. to refresh a token). */
export type HeadersSource = HeadersInit | (() => HeadersInit | Promise<HeadersInit>)

/** The way the adapter reaches its database. */
export interface CouchConnection {
  /** The database's URL without a trailing slash, as given. */
  readonly url: string
  /** The database's origin and path, for messages (the URL carries no credentials: checked). */
  readonly where: string
  /** Sends a request to `path` (relative to the database) and answers the parsed JSON body. */
  request<T>(path: string, init: RequestInit_): Promise<{ status: number; body: T }>
  /** Reads `path` (an attachment) as a Blob, as the server sent it. */
  download(path: string, signal: AbortSignal | undefined): Promise<Blob>
}

/**
 * A request: `body` is sent as JSON; `blob` as it is, with its own type or `contentType`
 * (fetch streams a Blob that the storage backs, without reading it into memory first).
 */
interface RequestInit_ {
  readonly method?: string
  readonly body?: unknown
  readonly blob?: Blob
  readonly contentType?: string
  readonly signal?: AbortSignal | undefined
  readonly allow?: readonly number[]
}

/** Checks the URL and binds `fetch` and the headers. */
export function connectTo(url: unknown, fetchImpl: typeof fetch | undefined, headers: HeadersSource | undefined): CouchConnection {
  const parsed = parseUrl(url)
  const base = parsed.href.replace(/\/+$/, '')
  const where = `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`
  const send = fetchImpl ?? globalThis.fetch.bind(globalThis)
  /** Sends one request; a failure to reach the server is a `SyncError` (unreachable). */
  const fetchFrom = async (path: string, init: RequestInit_, accept: string): Promise<Response> => {
    const given = typeof headers === 'function' ? await headers() : headers
    const all = new Headers(given)
    all.set('Accept', accept)
    if (init.body !== undefined) all.set('Content-Type', 'application/json')
    else if (init.blob !== undefined) all.set('Content-Type', init.contentType || init.blob.type || 'application/octet-stream')
    try {
      return await send(`${base}/${path}`, {
        method: init.method ?? 'GET',
        headers: all,
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : init.blob !== undefined ? { body: init.blob } : {}),
        ...(init.signal ? { signal: init.signal } : {}),
      })
    } catch (error) {
      if (init.signal?.aborted) throw init.signal.reason ?? error
      throw failure(where, path, 'unreachable', undefined, 'no answer', error)
    }
  }
  return {
    url: base,
    where,
    async download(path, signal) {
      const response = await fetchFrom(path, { signal }, '*/*')
      if (!response.ok) throw failure(where, path, reasonOf(response.status), response.status, couchReason(await response.text().catch(() => '')))
      try {
        return await response.blob()
      } catch (error) {
        if (signal?.aborted) throw signal.reason ?? error
        throw failure(where, path, 'unreachable', response.status, 'the answer broke off', error)
      }
    },
    async request<T>(path: string, init: RequestInit_) {
      const response = await fetchFrom(path, init, 'application/json')
      const text = await response.text().catch((error: unknown) => {
        if (init.signal?.aborted) throw init.signal.reason ?? error
        throw failure(where, path, 'unreachable', response.status, 'the answer broke off', error)
      })
      if (!response.ok && !init.allow?.includes(response.status)) {
        throw failure(where, path, reasonOf(response.status), response.status, couchReason(text))
      }
      try {
        return { status: response.status, body: JSON.parse(text) as T }
      } catch {
        throw failure(where, path, 'bad-response', response.status, 'the answer is not JSON')
      }
    },
  }
}

/** The URL, checked: http or https, and no user or password in it (they go in `headers`). */
function parseUrl(url: unknown): URL {
  let parsed: URL
  try {
    parsed = new URL(String(url))
  } catch {
    throw new ValidationError('url: must be the absolute URL of a CouchDB database', { path: 'url' })
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ValidationError('url: must be an http or https URL', { path: 'url' })
  }
  if (parsed.username !== '' || parsed.password !== '') {
    // Not echoed: the URL holds the password.
    throw new ValidationError('url: must not hold a user or password; pass credentials in `headers` (e.g. Authorization) or through `fetch`', { path: 'url' })
  }
  if (parsed.search !== '' || parsed.hash !== '') throw new ValidationError('url: must not have a query or fragment', { path: 'url' })
  return parsed
}

function reasonOf(status: number): SyncFailure {
  if (status === 401) return 'unauthorized'
  if (status === 403) return 'forbidden'
  if (status === 408 || status === 429 || status >= 500) return 'unreachable'
  return 'rejected'
}

/** CouchDB's `error` and `reason` of an error body, cut short (they never hold credentials, but may be long). */
function couchReason(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: unknown; reason?: unknown }
    return [body.error, body.reason].filter((part) => typeof part === 'string').join(': ').slice(0, 200)
  } catch {
    return 'no JSON body'
  }
}

function failure(where: string, path: string, reason: SyncFailure, status: number | undefined, what: string, cause?: unknown): SyncError {
  const endpoint = path.split('?')[0]
  const message = `CouchDB ${where}/${endpoint}: ${status !== undefined ? `${status} ` : ''}${what}`
  return new SyncError(message, { reason, ...(status !== undefined ? { status } : {}) }, cause !== undefined ? { cause } : undefined)
}
