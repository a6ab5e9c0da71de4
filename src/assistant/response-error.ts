/**
 * Turns a refused HTTP response of a chat-completions server into an `AssistantError`
 * whose `reason` says what the app can do about it (sign in again, wait, retry later).
 */
import { AssistantError, type AssistantFailure } from '../core/errors.js'
import { isRecord } from './is-record.js'

/** How much of an error body is read for its message; the rest is never downloaded. */
const MAX_ERROR_BODY = 4_096

/**
 * The error for a response that is not 2xx: 401/403 `unauthorized`, 429 `rate-limited`
 * (with `retryAfterMs` when the server sent `Retry-After`), 5xx `server`, other 4xx
 * `bad-request`, anything else `unknown`. The server's own message is quoted when the
 * body has one. Reading the body never throws; the body is always released.
 */
export async function responseError(response: Response, now = Date.now()): Promise<AssistantError> {
  const status = response.status
  const reason: AssistantFailure =
    status === 401 || status === 403
      ? 'unauthorized'
      : status === 429
        ? 'rate-limited'
        : status >= 500
          ? 'server'
          : status >= 400
            ? 'bad-request'
            : 'unknown'
  const retryAfterMs = status === 429 ? parseRetryAfter(response.headers.get('retry-after'), now) : undefined
  const detail = await errorDetail(response)
  const message = `The assistant server answered ${status}${response.statusText ? ` ${response.statusText}` : ''}${detail ? `: ${detail}` : ''}`
  return new AssistantError(reason, message, { status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) })
}

/**
 * Reads `Retry-After` in milliseconds: either delay-seconds ("2" → 2000) or an HTTP date
 * (the time left until then, never negative). `undefined` when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined
  const text = value.trim()
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000)
  const at = Date.parse(text)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

/** The `error.message` (OpenAI style) or `message` of a JSON body, else its first line of text. */
async function errorDetail(response: Response): Promise<string | undefined> {
  const text = await readPrefix(response)
  if (!text) return undefined
  try {
    const body: unknown = JSON.parse(text)
    if (isRecord(body)) {
      const error = body['error']
      if (isRecord(error) && typeof error['message'] === 'string') return error['message']
      if (typeof error === 'string') return error
      if (typeof body['message'] === 'string') return body['message']
    }
  } catch {
    // Not JSON (or cut off): fall through to the plain text.
  }
  return text.split('\n')[0]?.trim().slice(0, 200) || undefined
}

/** The first `MAX_ERROR_BODY` bytes of the body as text; '' when there is none or reading fails. */
async function readPrefix(response: Response): Promise<string> {
  if (!response.body) return ''
  const reader = response.body.getReader()
  const decoder = new TextDecoder()
  let text = ''
  try {
    let length = 0
    while (length < MAX_ERROR_BODY) {
      const { done, value } = await reader.read()
      if (done) break
      length += value.byteLength
      text += decoder.decode(value, { stream: true })
    }
  } catch {
    // A body that breaks off still leaves the status to report.
  } finally {
    reader.cancel().catch(() => {})
  }
  return text.slice(0, MAX_ERROR_BODY)
}
