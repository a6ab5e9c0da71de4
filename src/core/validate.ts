/**
 * Input validation, run on the calling thread before anything is written and again in
 * the engine (a command may come from an older or foreign client). Pure and dependency-free.
 */
import { ValidationError } from './errors.js'
import type {
  ChatConfig,
  ChatView,
  JsonValue,
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

export const MESSAGE_SENDERS: readonly MessageSender[] = ['user', 'assistant', 'system']
export const MESSAGE_TYPES: readonly MessageType[] = ['text', 'action', 'suggestion', 'error']
export const TICKET_TYPES: readonly TicketType[] = ['support', 'product-inquiry', 'order-help', 'technical']
export const TICKET_STATUSES: readonly TicketStatus[] = ['open', 'in-progress', 'resolved', 'closed']
export const TICKET_PRIORITIES: readonly TicketPriority[] = ['low', 'medium', 'high', 'urgent']
export const CHAT_VIEWS: readonly ChatView[] = ['chat', 'tickets']

/** Keys that could pollute prototypes when data is merged or spread. Refused anywhere. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype'])

/** Longest id accepted (ids are nanoids of 21 characters unless the app gives its own). */
export const MAX_ID_LENGTH = 128
/** Deepest nesting accepted in context and metadata. */
export const MAX_DEPTH = 32
/** Most keys `inheritContextToTicket` takes at once. */
export const MAX_CONTEXT_KEYS = 64

const fail = (path: string, message: string, extra: { [key: string]: JsonValue } = {}): never => {
  throw new ValidationError(`${path}: ${message}`, { path, ...extra })
}

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

/**
 * Plain data only: objects with the plain prototype, arrays, strings, finite numbers,
 * booleans, null. Refuses functions, symbols, bigints, class instances (DOM nodes, Maps,
 * Dates), cycles, forbidden keys, too deep nesting, and anything over `maxBytes` bytes of
 * its JSON form (UTF-8), counted as the walk goes so a huge value is refused early.
 */
export function checkPlainData(value: unknown, path: string, maxBytes: number): JsonValue {
  const seen = new Set<object>()
  let bytes = 0
  const add = (n: number): void => {
    bytes += n
    if (bytes > maxBytes) fail(path, `is larger than ${maxBytes} bytes as JSON`, { limit: maxBytes })
  }
  const visit = (node: unknown, at: string, depth: number): void => {
    if (depth > MAX_DEPTH) fail(at, `is nested deeper than ${MAX_DEPTH} levels`)
    switch (typeof node) {
      case 'string':
        return add(jsonStringBytes(node))
      case 'number':
        if (!Number.isFinite(node)) fail(at, 'must be a finite number')
        return add(String(node).length)
      case 'boolean':
        return add(node ? 4 : 5)
      case 'undefined':
        return add(4) // only reached inside arrays, where JSON writes null
      case 'object':
        break
      default:
        fail(at, `cannot be stored: ${describe(node)} is not plain data`)
    }
    if (node === null) return add(4)
    const object = node as object
    if (seen.has(object)) fail(at, 'contains a cycle')
    const proto = Object.getPrototypeOf(object) as unknown
    const isArray = Array.isArray(object)
    if (!isArray && proto !== Object.prototype && proto !== null) {
      fail(at, `cannot be stored: ${describe(object)} is not a plain object or array`)
    }
    if (Object.getOwnPropertySymbols(object).length > 0) fail(at, 'has symbol keys')
    seen.add(object)
    add(2) // the brackets
    let members = 0
    for (const key of Reflect.ownKeys(object) as string[]) {
      if (isArray && key === 'length') continue
      if (FORBIDDEN_KEYS.has(key)) fail(`${at}.${key}`, 'is a forbidden key (prototype pollution)')
      const descriptor = Object.getOwnPropertyDescriptor(object, key)
      if (descriptor && (descriptor.get || descriptor.set)) fail(`${at}.${key}`, 'must be a data property, not an accessor')
      const member = (object as Record<string, unknown>)[key]
      if (!isArray && member === undefined) continue // JSON leaves the key out
      if (members++ > 0) add(1) // the comma
      if (!isArray) add(jsonStringBytes(key) + 1) // "key":
      visit(member, isArray ? `${at}[${key}]` : `${at}.${key}`, depth + 1)
    }
    seen.delete(object)
  }
  visit(value, path, 0)
  return value as JsonValue
}

/** Bytes of `JSON.stringify(text)` in UTF-8, without building it. */
export function jsonStringBytes(text: string): number {
  let bytes = 2 // the quotes
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code === 0x22 || code === 0x5c) bytes += 2 // \" and \\
    else if (code < 0x20) bytes += code === 8 || code === 9 || code === 10 || code === 12 || code === 13 ? 2 : 6
    else if (code < 0x80) bytes += 1
    else if (code < 0x800) bytes += 2
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4 // a surrogate pair: one 4-byte character
      i++
    } else if (code >= 0xd800 && code <= 0xdfff) bytes += 6 // a lone surrogate is escaped as \uXXXX
    else bytes += 3
  }
  return bytes
}

/** A plain object (not an array, not null). */
export function checkPlainObject(value: unknown, path: string, maxBytes: number): { readonly [key: string]: JsonValue | undefined } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(path, `must be a plain object, got ${describe(value)}`)
  }
  return checkPlainData(value, path, maxBytes) as { readonly [key: string]: JsonValue | undefined }
}

/** Message metadata: plain data; `ticketId` an id, `actions` well-formed when present. */
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

/** The options of the send calls. */
export function checkSendOptions(value: unknown, config: ChatConfig): SendMessageOptions {
  if (value === undefined) return {}
  const options = checkPlainObjectShallow(value, 'options')
  const known = new Set(['sender', 'type', 'metadata', 'id'])
  for (const key of Object.keys(options)) if (!known.has(key)) fail(`options.${key}`, 'is not a known option')
  if (options['sender'] !== undefined) checkEnum(options['sender'], MESSAGE_SENDERS, 'options.sender')
  if (options['type'] !== undefined) checkEnum(options['type'], MESSAGE_TYPES, 'options.type')
  if (options['metadata'] !== undefined) checkMetadata(options['metadata'], 'options.metadata', config)
  if (options['id'] !== undefined) checkId(options['id'], 'options.id')
  return options as SendMessageOptions
}

/** A user-context patch: a plain object of plain data; the well-known keys keep their types. */
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

/** The keys named for `inheritContextToTicket`. */
export function checkContextKeys(value: unknown, path: string): readonly string[] {
  if (!Array.isArray(value)) return fail(path, `must be an array of keys, got ${describe(value)}`)
  if (value.length > MAX_CONTEXT_KEYS) fail(path, `must name at most ${MAX_CONTEXT_KEYS} keys`)
  value.forEach((key, index) => {
    checkText(key, `${path}[${index}]`, MAX_ID_LENGTH)
    if (FORBIDDEN_KEYS.has(key as string)) fail(`${path}[${index}]`, 'is a forbidden key (prototype pollution)')
  })
  return value as string[]
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
  const checked = checkPlainObjectShallow(options, 'options')
  for (const key of Object.keys(checked)) if (key !== 'threadId' && key !== 'limit') fail(`options.${key}`, 'is not a known option')
  const { threadId, limit } = checked
  if (threadId !== undefined) checkId(threadId, 'options.threadId')
  if (limit !== undefined && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT)) {
    fail('options.limit', `must be a whole number from 1 to ${MAX_SEARCH_LIMIT}, got ${typeof limit === 'number' ? limit : describe(limit)}`)
  }
  return checked as SearchOptions
}

/** A partial `ChatConfig`: known keys only, each a non-negative finite number. */
export function checkConfig(value: unknown, defaults: ChatConfig): ChatConfig {
  if (value === undefined) return defaults
  const patch = checkPlainObjectShallow(value, 'config')
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

function checkPlainObjectShallow(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(path, `must be an object, got ${describe(value)}`)
  }
  const proto = Object.getPrototypeOf(value) as unknown
  if (proto !== Object.prototype && proto !== null) fail(path, 'must be a plain object')
  for (const key of Reflect.ownKeys(value)) {
    if (typeof key !== 'string') fail(path, 'has symbol keys')
    if (FORBIDDEN_KEYS.has(key as string)) fail(`${path}.${String(key)}`, 'is a forbidden key (prototype pollution)')
  }
  return value as Record<string, unknown>
}

/** A short description of a value for error messages, never the value itself (it may be private). */
export function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  const type = typeof value
  if (type !== 'object') return type
  const name = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name
  return name && name !== 'Object' ? `an instance of ${name}` : 'an object'
}
