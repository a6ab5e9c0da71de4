import Dexie from 'dexie'
import { describe, expect, test } from 'vitest'
import {
  AssistantError,
  ChatError,
  ClientClosedError,
  InvalidTransitionError,
  NotFoundError,
  ProtocolMismatchError,
  StorageFullError,
  StorageUnavailableError,
  ValidationError,
  WorkerGoneError,
  classifyStorageError,
  fromSerializedError,
  toSerializedError,
} from 'companion-chat'

const quota = () => new DOMException('The quota has been exceeded.', 'QuotaExceededError')

/** What a serialized error looks like after crossing a worker boundary. */
const roundTrip = (error: unknown) => fromSerializedError(structuredClone(toSerializedError(error)))

const CLASSES = [
  [ValidationError, 'validation'],
  [NotFoundError, 'not-found'],
  [InvalidTransitionError, 'invalid-transition'],
  [StorageFullError, 'storage-full'],
  [StorageUnavailableError, 'storage-unavailable'],
  [WorkerGoneError, 'worker-gone'],
  [ProtocolMismatchError, 'protocol-mismatch'],
] as const

describe('error classes', () => {
  test.each(CLASSES)('%o has the stable code %s and its own name', (Class, code) => {
    const error = new Class('went wrong', { path: 'x' })
    expect(error).toBeInstanceOf(ChatError)
    expect(error).toBeInstanceOf(Error)
    expect(error.code).toBe(code)
    expect(error.name).toBe(Class.name)
    expect(error.message).toBe('went wrong')
    expect(error.details).toEqual({ path: 'x' })
  })

  test('ClientClosedError has the code closed and a default message', () => {
    const error = new ClientClosedError()
    expect(error.code).toBe('closed')
    expect(error.message).toBe('The chat client is closed')
  })

  test('AssistantError keeps its reason, status and retry delay in fields and details', () => {
    const cause = new Error('429')
    const error = new AssistantError('rate-limited', 'Slow down', { status: 429, retryAfterMs: 2_000, cause })
    expect(error.code).toBe('assistant-failed')
    expect([error.reason, error.status, error.retryAfterMs]).toEqual(['rate-limited', 429, 2_000])
    expect(error.details).toEqual({ reason: 'rate-limited', status: 429, retryAfterMs: 2_000 })
    expect(error.cause).toBe(cause)
  })
})

describe('toSerializedError and fromSerializedError', () => {
  test.each(CLASSES)('a %o keeps its class, code, message and details across the boundary', (Class, code) => {
    const back = roundTrip(new Class('went wrong', { path: 'content', limit: 10 }))
    expect(back).toBeInstanceOf(Class)
    expect(back.code).toBe(code)
    expect(back.name).toBe(Class.name)
    expect(back.message).toBe('went wrong')
    expect(back.details).toEqual({ path: 'content', limit: 10 })
  })

  test('a ClientClosedError keeps its class', () => {
    const back = roundTrip(new ClientClosedError('closed by the app'))
    expect(back).toBeInstanceOf(ClientClosedError)
    expect(back.message).toBe('closed by the app')
  })

  test('an AssistantError keeps its class, reason, status and retry delay', () => {
    const back = roundTrip(new AssistantError('server', 'Upstream failed', { status: 503, retryAfterMs: 500 }))
    expect(back).toBeInstanceOf(AssistantError)
    expect(back).toMatchObject({ code: 'assistant-failed', reason: 'server', status: 503, retryAfterMs: 500, message: 'Upstream failed' })
  })

  test('an error without details serializes to plain data without a details key', () => {
    const data = toSerializedError(new NotFoundError('No ticket'))
    expect(data).toEqual({ name: 'NotFoundError', code: 'not-found', message: 'No ticket' })
    expect(data).not.toHaveProperty('details')
  })

  test('a quota failure from IndexedDB crosses as StorageFullError', () => {
    const data = toSerializedError(new Dexie.AbortError('Transaction aborted', quota()))
    expect(data.code).toBe('storage-full')
    expect(fromSerializedError(data)).toBeInstanceOf(StorageFullError)
  })

  test('any other thrown value still becomes a ChatError with its message', () => {
    const back = roundTrip(new TypeError('x is undefined'))
    expect(back).toBeInstanceOf(ChatError)
    expect(back.message).toContain('x is undefined')
    expect(roundTrip('plain string').message).toContain('plain string')
  })

  test('an unknown code from a newer engine still gives a ChatError', () => {
    const back = fromSerializedError({ name: 'FutureError', code: 'from-the-future', message: 'new' })
    expect(back).toBeInstanceOf(ChatError)
    expect(back.message).toBe('new')
  })
})

describe('classifyStorageError', () => {
  test('maps a QuotaExceededError to StorageFullError and keeps the cause', () => {
    const cause = quota()
    const error = classifyStorageError(cause)
    expect(error).toBeInstanceOf(StorageFullError)
    expect(error?.code).toBe('storage-full')
    expect(error?.cause).toBe(cause)
  })

  test("maps a QuotaExceededError wrapped as Dexie's inner error", () => {
    expect(classifyStorageError(new Dexie.AbortError('Transaction aborted', quota()))).toBeInstanceOf(StorageFullError)
    expect(classifyStorageError(new Dexie.QuotaExceededError('Quota'))).toBeInstanceOf(StorageFullError)
    expect(classifyStorageError({ name: 'AbortError', inner: { name: 'AbortError', inner: quota() } })).toBeInstanceOf(StorageFullError)
  })

  test.each(['InvalidStateError', 'SecurityError', 'UnknownError', 'VersionError'])('maps a %s DOMException to StorageUnavailableError', (name) => {
    expect(classifyStorageError(new DOMException('no', name))).toBeInstanceOf(StorageUnavailableError)
  })

  test('maps Dexie open failures to StorageUnavailableError', () => {
    expect(classifyStorageError(new Dexie.MissingAPIError('IndexedDB API missing'))).toBeInstanceOf(StorageUnavailableError)
    expect(classifyStorageError(new Dexie.OpenFailedError(new DOMException('denied', 'SecurityError')))).toBeInstanceOf(StorageUnavailableError)
    expect(classifyStorageError(new Dexie.DatabaseClosedError('closed'))).toBeInstanceOf(StorageUnavailableError)
  })

  test('returns an SDK error unchanged', () => {
    const error = new ValidationError('bad')
    expect(classifyStorageError(error)).toBe(error)
  })

  test.each([new TypeError('bug'), new DOMException('x', 'DataCloneError'), 'text', null, undefined, 42])('leaves %o unclassified', (value) => {
    expect(classifyStorageError(value)).toBeUndefined()
  })
})
