/**
 * Input validation, run on the calling thread before anything is written and again in
 * the engine (a command may come from an older or foreign client). Pure and dependency-free.
 */
import { ValidationError } from './errors.js'
import { FORBIDDEN_KEYS, checkPlainObject, describe, fail, readArgument, readList, readOptions } from './plain-data.js'
import type {
  AttachmentInput,
  ChatConfig,
  ChatView,
  MessageMetadata,
  MessageSender,
  MessageType,
  SearchOptions,
  SendMessageOptions,
  TicketPriority,
  TicketStatus,
  TicketType,
  UserChatContext,
} from './protocol.js'

// The plain-data reads live in plain-data.ts; the checks of every argument are imported from here.
export { MAX_DEPTH, checkPlainData, checkPlainObject, describe, jsonStringBytes, readArgument, readList } from './plain-data.js'

export const MESSAGE_SENDERS: readonly MessageSender[] = ['user', 'assistant', 'system']
export const MESSAGE_TYPES: readonly MessageType[] = ['text', 'action', 'suggestion', 'error']
export const TICKET_TYPES: readonly TicketType[] = ['support', 'product-inquiry', 'order-help', 'technical']
export const TICKET_STATUSES: readonly TicketStatus[] = ['open', 'in-progress', 'resolved', 'closed']
export const TICKET_PRIORITIES: readonly TicketPriority[] = ['low', 'medium', 'high', 'urgent']
export const CHAT_VIEWS: readonly ChatView[] = ['chat', 'tickets']

/** Longest id accepted (ids are nanoids of 21 characters unless the app gives its own). */
export const MAX_ID_LENGTH = 128
/** Most keys `inheritContextToTicket` takes at once. */
export const MAX_CONTEXT_KEYS = 64

/**
 * `path.field`, or `path` alone. The checks take the field apart from the path so that a
 * valid value costs no string: paths are joined only for the error.
 */
const join = (path: string, field: string | undefined): string => (field === undefined ? path : `${path}.${field}`)

/**
 * Runs `check` with `list` as the path and, only if that fails, again with the item's own
 * path (`messages[3]`), which throws the same error naming the item. Valid lists of
 * thousands of items so build no path per item. `check` must not act before it has checked.
 */
export function checkItem<T>(list: string, index: number, check: (path: string) => T): T {
  try {
    return check(list)
  } catch (error) {
    check(`${list}[${index}]`)
    throw error // not reached: the same input fails the same way
  }
}

/** A non-empty string of at most `max` characters. */
export function checkText(value: unknown, path: string, max: number, field?: string): string {
  if (typeof value !== 'string') return fail(join(path, field), `must be a string, got ${describe(value)}`)
  if (value.trim().length === 0) return fail(join(path, field), 'must not be empty')
  if (value.length > max) return fail(join(path, field), `must be at most ${max} characters, got ${value.length}`, { limit: max })
  return value
}

/** An id: a non-empty string without surrounding white space, at most 128 characters. */
export function checkId(value: unknown, path: string, field?: string): string {
  if (typeof value !== 'string') return fail(join(path, field), `must be a string id, got ${describe(value)}`)
  if (value.length === 0 || value.length > MAX_ID_LENGTH || value.trim() !== value) {
    return fail(join(path, field), `must be a non-empty id of at most ${MAX_ID_LENGTH} characters without surrounding spaces`)
  }
  return value
}

/** One of the allowed literal values. */
export function checkEnum<T extends string>(value: unknown, allowed: readonly T[], path: string, field?: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    return fail(join(path, field), `must be one of ${allowed.map((v) => `'${v}'`).join(', ')}, got ${describe(value)}`)
  }
  return value as T
}

export function checkBoolean(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') return fail(path, `must be a boolean, got ${describe(value)}`)
  return value
}

/** A finite number (timestamps, clock readings). */
export function checkTime(value: unknown, path: string, field?: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    return fail(join(path, field), `must be a finite, non-negative number, got ${describe(value)}`)
  }
  return value
}





/** Message metadata: plain data, copied; `ticketId` an id, `actions` well-formed when present. */
export function checkMetadata(value: unknown, path: string, config: ChatConfig): MessageMetadata {
  const metadata = checkPlainObject(value, path, config.maxContextBytes) as MessageMetadata
  if (metadata.ticketId !== undefined) checkId(metadata.ticketId, `${path}.ticketId`)
  if (metadata.actions !== undefined) {
    if (!Array.isArray(metadata.actions)) fail(`${path}.actions`, 'must be an array')
    metadata.actions.forEach((action, index) => {
      const at = `${path}.actions[${index}]`
      if (typeof action !== 'object' || action === null) fail(at, 'must be an object')
      checkText(action.id, `${at}.id`, MAX_ID_LENGTH)
      checkText(action.label, `${at}.label`, config.maxTitleLength)
      checkText(action.type, `${at}.type`, MAX_ID_LENGTH)
    })
  }
  return metadata
}

const SEND_OPTIONS = new Set(['sender', 'type', 'metadata', 'id', 'attachments'])

/** The options of the send calls, copied. */
export function checkSendOptions(value: unknown, config: ChatConfig): SendMessageOptions {
  if (value === undefined) return {}
  const options = readOptions(value, 'options')
  for (const key of Object.keys(options)) if (!SEND_OPTIONS.has(key)) fail(`options.${key}`, 'is not a known option')
  const { sender, type, metadata, id, attachments } = options
  // The files are read by the send (core/attachments.ts): here only the list is copied.
  if (attachments !== undefined && !Array.isArray(attachments)) fail('options.attachments', `must be an array of Blobs or Files, got ${describe(attachments)}`)
  return {
    ...(attachments !== undefined ? { attachments: readArgument('options.attachments', () => [...(attachments as readonly AttachmentInput[])]) } : {}),
    ...(sender !== undefined ? { sender: checkEnum(sender, MESSAGE_SENDERS, 'options.sender') } : {}),
    ...(type !== undefined ? { type: checkEnum(type, MESSAGE_TYPES, 'options.type') } : {}),
    ...(metadata !== undefined ? { metadata: checkMetadata(metadata, 'options.metadata', config) } : {}),
    ...(id !== undefined ? { id: checkId(id, 'options.id') } : {}),
  }
}

/** A user-context patch: a plain object of plain data, copied; the well-known keys keep their types. */
export function checkUserContext(value: unknown, path: string, config: ChatConfig): UserChatContext {
  const context = checkPlainObject(value, path, config.maxContextBytes) as UserChatContext
  const typed: Array<[keyof UserChatContext & string, string]> = [
    ['currentPage', 'string'],
    ['shoppingIntent', 'string'],
    ['sessionStart', 'number'],
  ]
  for (const [key, type] of typed) {
    const v = context[key]
    if (v !== undefined && typeof v !== type) fail(`${path}.${key}`, `must be a ${type}, got ${describe(v)}`)
  }
  for (const key of ['preferences', 'personalInfo'] as const) {
    const v = context[key]
    if (v !== undefined && (typeof v !== 'object' || v === null || Array.isArray(v))) fail(`${path}.${key}`, 'must be an object')
  }
  for (const key of ['history', 'currentProducts'] as const) {
    const v = context[key]
    if (v !== undefined && !Array.isArray(v)) fail(`${path}.${key}`, 'must be an array')
  }
  return context
}

/** The keys named for `inheritContextToTicket`, copied. */
export function checkContextKeys(value: unknown, path: string): readonly string[] {
  const keys = readList(value, path, MAX_CONTEXT_KEYS, `must name at most ${MAX_CONTEXT_KEYS} keys`)
  keys.forEach((key, index) => {
    checkText(key, `${path}[${index}]`, MAX_ID_LENGTH)
    if (FORBIDDEN_KEYS.has(key as string)) fail(`${path}[${index}]`, 'is a forbidden key (prototype pollution)')
  })
  return keys as string[]
}


/** Most messages one page of a thread (`loadOlder`, the engine's `loadThread`) reads. */
export const MAX_PAGE_SIZE = 1_000

/** The size of a page of a thread: a whole number from 1 to `MAX_PAGE_SIZE`. */
export function checkPageSize(count: unknown): number {
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_PAGE_SIZE) {
    throw new ValidationError(`count: must be a whole number from 1 to ${MAX_PAGE_SIZE}, got ${describe(count)}`, {
      path: 'count',
      limit: MAX_PAGE_SIZE,
    })
  }
  return count
}

/** Most hits one search answers. */
export const MAX_SEARCH_LIMIT = 200
/** Hits a search answers unless told otherwise. */
export const DEFAULT_SEARCH_LIMIT = 20
/** Longest search query, in characters. */
export const MAX_QUERY_LENGTH = 1_000

/** The arguments of `searchMessages`: a string query, and known options of the right types. */
export function checkSearch(query: unknown, options: unknown): SearchOptions {
  if (typeof query !== 'string') fail('query', `must be a string, got ${describe(query)}`)
  if ((query as string).length > MAX_QUERY_LENGTH) {
    fail('query', `must be at most ${MAX_QUERY_LENGTH} characters, got ${(query as string).length}`, { limit: MAX_QUERY_LENGTH })
  }
  if (options === undefined) return {}
  const checked = readOptions(options, 'options')
  for (const key of Object.keys(checked)) if (key !== 'threadId' && key !== 'limit') fail(`options.${key}`, 'is not a known option')
  const { threadId, limit } = checked
  if (threadId !== undefined) checkId(threadId, 'options.threadId')
  if (limit !== undefined && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT)) {
    fail('options.limit', `must be a whole number from 1 to ${MAX_SEARCH_LIMIT}, got ${typeof limit === 'number' ? limit : describe(limit)}`)
  }
  return {
    ...(threadId !== undefined ? { threadId: threadId as string } : {}),
    ...(limit !== undefined ? { limit: limit as number } : {}),
  }
}

/** A partial `ChatConfig`: known keys only, each a non-negative finite number. */
export function checkConfig(value: unknown, defaults: ChatConfig): ChatConfig {
  if (value === undefined) return defaults
  const patch = readOptions(value, 'config')
  const out: Record<string, number> = { ...defaults }
  for (const [key, v] of Object.entries(patch)) {
    if (!Object.hasOwn(defaults, key)) fail(`config.${key}`, 'is not a known setting')
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(`config.${key}`, `must be a non-negative number, got ${describe(v)}`)
    out[key] = v as number
  }
  if (out['maxMainChatMessages']! < 1 || !Number.isInteger(out['maxMainChatMessages'])) {
    fail('config.maxMainChatMessages', 'must be a whole number of at least 1')
  }
  return Object.freeze(out) as unknown as ChatConfig
}



