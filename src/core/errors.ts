/**
 * Typed errors with a stable `code`. Dependency-free; shared by client and engine.
 * Errors cross the worker boundary as `SerializedError` data and are rebuilt into the
 * same class on the other side (`toSerializedError` / `fromSerializedError`).
 */
import type { ChatMessage, JsonValue, SerializedError } from './protocol.js'

/** Every code an SDK error can carry. Stable: safe to switch on. */
export type ChatErrorCode =
  | 'validation'
  | 'not-found'
  | 'invalid-transition'
  | 'storage-full'
  | 'storage-unavailable'
  | 'worker-gone'
  | 'protocol-mismatch'
  | 'closed'
  | 'assistant-failed'
  | 'reply-ended'
  | 'timeout'
  | 'aborted'
  | 'sync-failed'
  | 'attachment-limit'
  | 'internal'

/** The base class of every error the SDK throws or rejects with. */
export class ChatError extends Error {
  /** Stable machine-readable code. */
  readonly code: ChatErrorCode
  /** Plain data about what went wrong (field path, ids, limits). */
  readonly details: JsonValue | undefined

  constructor(code: ChatErrorCode, message: string, details?: JsonValue, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ChatError' // each subclass names itself literally: minifiers rename classes
    this.code = code
    this.details = details
  }
}

/** Input was refused before anything was written. `details.path` names the field. */
export class ValidationError extends ChatError {
  override readonly name: string = 'ValidationError'
  constructor(message: string, details?: JsonValue) {
    super('validation', message, details)
  }
}

/** A ticket or message id that does not exist. */
export class NotFoundError extends ChatError {
  override readonly name: string = 'NotFoundError'
  constructor(message: string, details?: JsonValue) {
    super('not-found', message, details)
  }
}

/** A ticket status change the state machine does not allow (e.g. anything after `closed`). */
export class InvalidTransitionError extends ChatError {
  override readonly name: string = 'InvalidTransitionError'
  constructor(message: string, details?: JsonValue) {
    super('invalid-transition', message, details)
  }
}

/** The browser refused to store more (quota exceeded). Nothing of the write was kept. */
export class StorageFullError extends ChatError {
  override readonly name: string = 'StorageFullError'
  constructor(message: string, details?: JsonValue, options?: { cause?: unknown }) {
    super('storage-full', message, details, options)
  }
}

/**
 * An attachment passes a limit of the config: `details.limit` names it
 * (`maxAttachmentBytes`, `maxAttachmentsPerMessage`, `maxMessageAttachmentBytes`,
 * `maxStoredAttachmentBytes`), `details.max` its value and `details.size` what was asked.
 * Thrown before anything is written.
 */
export class AttachmentLimitError extends ChatError {
  override readonly name: string = 'AttachmentLimitError'
  constructor(message: string, details?: JsonValue) {
    super('attachment-limit', message, details)
  }
}

/** IndexedDB cannot be used (private mode, blocked storage, missing) and memory was not allowed. */
export class StorageUnavailableError extends ChatError {
  override readonly name: string = 'StorageUnavailableError'
  constructor(message: string, details?: JsonValue, options?: { cause?: unknown }) {
    super('storage-unavailable', message, details, options)
  }
}

/** The worker died, could not start, or stopped answering. */
export class WorkerGoneError extends ChatError {
  override readonly name: string = 'WorkerGoneError'
  constructor(message: string, details?: JsonValue, options?: { cause?: unknown }) {
    super('worker-gone', message, details, options)
  }
}

/** Client and worker were built from different, incompatible versions. */
export class ProtocolMismatchError extends ChatError {
  override readonly name: string = 'ProtocolMismatchError'
  constructor(message: string, details?: JsonValue) {
    super('protocol-mismatch', message, details)
  }
}

/** The client was closed; no more commands are accepted. */
export class ClientClosedError extends ChatError {
  override readonly name: string = 'ClientClosedError'
  constructor(message = 'The chat client is closed') {
    super('closed', message)
  }
}

/** Why an assistant turn failed. */
export type AssistantFailure =
  | 'unauthorized'
  | 'rate-limited'
  | 'server'
  | 'bad-request'
  | 'malformed'
  | 'network'
  | 'unknown'

/** An assistant could not answer. `details.reason` says why; `retryAfterMs` when the server said. */
export class AssistantError extends ChatError {
  override readonly name: string = 'AssistantError'
  readonly reason: AssistantFailure
  readonly status: number | undefined
  readonly retryAfterMs: number | undefined

  constructor(
    reason: AssistantFailure,
    message: string,
    extra: { status?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    const details: { [key: string]: JsonValue } = { reason }
    if (extra.status !== undefined) details['status'] = extra.status
    if (extra.retryAfterMs !== undefined) details['retryAfterMs'] = extra.retryAfterMs
    super('assistant-failed', message, details, { cause: extra.cause })
    this.reason = reason
    this.status = extra.status
    this.retryAfterMs = extra.retryAfterMs
  }
}

/** How a reply can end without an answer. */
export type EndedReplyStatus = 'error' | 'stopped' | 'interrupted'

/**
 * The reply that was awaited (`waitForReply`) ended without a full answer: the assistant
 * failed (`status: 'error'`), it was stopped, or it was interrupted (e.g. another tab that
 * streamed it closed). `reply` is the reply message as it ended, with the text it has.
 */
export class ReplyEndedError extends ChatError {
  override readonly name: string = 'ReplyEndedError'
  /** How the reply ended. */
  readonly status: EndedReplyStatus
  /** The reply message as it ended (its `metadata.actions` offer retry, continue or regenerate). */
  readonly reply: ChatMessage

  constructor(status: EndedReplyStatus, reply: ChatMessage, message = `The assistant's reply ended with status ${status}`) {
    super('reply-ended', message, { status, messageId: reply.id })
    this.status = status
    this.reply = reply
  }
}

/** A wait took longer than the caller allowed (e.g. `waitForReply`'s `timeout`). */
export class TimeoutError extends ChatError {
  override readonly name: string = 'TimeoutError'
  constructor(message: string, details?: JsonValue) {
    super('timeout', message, details)
  }
}

/** The caller gave up: its `AbortSignal` was aborted. `cause` is the signal's reason. */
export class AbortedError extends ChatError {
  override readonly name: string = 'AbortedError'
  constructor(message = 'The operation was aborted', details?: JsonValue, options?: { cause?: unknown }) {
    super('aborted', message, details, options)
  }
}

/**
 * Why talking to a sync server failed: `unreachable` (no answer, a network error, a 5xx or
 * 429: tried again later), `unauthorized` (401) and `forbidden` (403): the credentials,
 * `rejected` (the server refused the document: a validation function, a 400),
 * `bad-response` (the answer was not what the protocol says).
 */
export type SyncFailure = 'unreachable' | 'unauthorized' | 'forbidden' | 'rejected' | 'bad-response'

/**
 * A sync adapter could not reach or use its server. Its message names the server's origin
 * and path, never credentials (headers, the URL's user and password, its query).
 */
export class SyncError extends ChatError {
  override readonly name: string = 'SyncError'
  readonly reason: SyncFailure
  /** The HTTP status, when the server answered. */
  readonly status: number | undefined
  constructor(message: string, details?: JsonValue, options?: { cause?: unknown }) {
    super('sync-failed', message, details, options)
    const { reason, status } = (details ?? {}) as { reason?: unknown; status?: unknown }
    this.reason = SYNC_FAILURES.includes(reason as SyncFailure) ? (reason as SyncFailure) : 'unreachable'
    this.status = typeof status === 'number' ? status : undefined
  }
  /** Whether trying the same request later may succeed (the server was unreachable or busy). */
  get transient(): boolean {
    return this.reason === 'unreachable'
  }
}

const SYNC_FAILURES: readonly SyncFailure[] = ['unreachable', 'unauthorized', 'forbidden', 'rejected', 'bad-response']

type ErrorClass = new (message: string, details?: JsonValue) => ChatError

const CLASSES: Record<Exclude<ChatErrorCode, 'assistant-failed' | 'closed' | 'reply-ended' | 'internal'>, ErrorClass> = {
  validation: ValidationError,
  'not-found': NotFoundError,
  'invalid-transition': InvalidTransitionError,
  'storage-full': StorageFullError,
  'storage-unavailable': StorageUnavailableError,
  'worker-gone': WorkerGoneError,
  'protocol-mismatch': ProtocolMismatchError,
  timeout: TimeoutError,
  aborted: AbortedError,
  'sync-failed': SyncError,
  'attachment-limit': AttachmentLimitError,
}

/** Turns any thrown value into plain data that keeps the class and code. */
export function toSerializedError(error: unknown): SerializedError {
  if (error instanceof ChatError) {
    const out: { name: string; code: string; message: string; details?: JsonValue } = {
      name: error.name,
      code: error.code,
      message: error.message,
    }
    if (error.details !== undefined) out.details = error.details
    return out
  }
  const storage = classifyStorageError(error)
  if (storage) return toSerializedError(storage)
  const message = error instanceof Error ? error.message : String(error)
  return { name: 'ChatError', code: 'internal', message: `Unexpected engine failure: ${message}` }
}

/** Rebuilds the error class from its serialized form. */
export function fromSerializedError(data: SerializedError): ChatError {
  const code = data.code as ChatErrorCode
  if (code === 'closed') return new ClientClosedError(data.message)
  if (code === 'assistant-failed') {
    const d = (data.details ?? {}) as { reason?: AssistantFailure; status?: number; retryAfterMs?: number }
    const extra: { status?: number; retryAfterMs?: number } = {}
    if (d.status !== undefined) extra.status = d.status
    if (d.retryAfterMs !== undefined) extra.retryAfterMs = d.retryAfterMs
    return new AssistantError(d.reason ?? 'unknown', data.message, extra)
  }
  const Class = CLASSES[code as keyof typeof CLASSES]
  if (Class) return new Class(data.message, data.details)
  // Its reply message does not travel: the code and details do.
  if (code === 'reply-ended') return new ChatError('reply-ended', data.message, data.details)
  return new ChatError('internal', data.message, data.details)
}

/**
 * Maps IndexedDB/Dexie failures onto the SDK's storage errors; `undefined` for anything else.
 * Dexie wraps DOMExceptions, so both the name and the `inner` error are looked at.
 */
export function classifyStorageError(error: unknown): ChatError | undefined {
  if (error instanceof ChatError) return error
  const names = errorNames(error)
  const message = error instanceof Error ? error.message : String(error)
  if (names.includes('QuotaExceededError')) {
    return new StorageFullError(`Storage is full: ${message}`, undefined, { cause: error })
  }
  const unavailable = ['InvalidStateError', 'SecurityError', 'UnknownError', 'MissingAPIError', 'OpenFailedError', 'DatabaseClosedError', 'VersionError']
  if (names.some((name) => unavailable.includes(name))) {
    return new StorageUnavailableError(`Storage is unavailable: ${message}`, undefined, { cause: error })
  }
  return undefined
}

/** The names of an error and of the errors inside it (Dexie's `inner`, a BulkError's `failures`). */
function errorNames(error: unknown, depth = 0): string[] {
  if (depth > 4 || !error || typeof error !== 'object') return []
  const { name, inner, failures } = error as { name?: unknown; inner?: unknown; failures?: unknown }
  const names = typeof name === 'string' ? [name] : []
  names.push(...errorNames(inner, depth + 1))
  const nested = Array.isArray(failures) ? failures : failures && typeof failures === 'object' ? Object.values(failures) : []
  for (const failure of nested.slice(0, 8)) names.push(...errorNames(failure, depth + 1))
  return names
}
