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
 * Plain data only, copied: objects with the plain prototype (or none), arrays, strings,
 * finite numbers, booleans, null. Refuses functions, symbols, bigints, class instances (DOM
 * nodes, Maps, Dates), cycles, forbidden keys, accessors, too deep nesting, and anything
 * over `maxBytes` bytes of its JSON form (UTF-8), counted as the walk goes so a huge value
 * is refused early.
 *
 * Returns a fresh copy made in the same walk: later changes to `value` cannot reach what is
 * shown or stored, a Proxy of plain data (Vue's `reactive()`) comes out as plain data, and
 * the copy always survives `postMessage`. A value that throws while it is read (a revoked
 * Proxy, a trap that throws) is a `ValidationError` naming where. Like the structured clone,
 * the copy leaves out properties that are not enumerable; a key whose value is `undefined`
 * stays (a user-context patch removes such keys), and an array's holes become `undefined`.
 */
export function checkPlainData(value: unknown, path: string, maxBytes: number): JsonValue {
  return readGuarded(path, (where) => copyPlain(value, path, maxBytes, where)) as JsonValue
}

function copyPlain(value: unknown, path: string, maxBytes: number, where: { at: string }): unknown {
  const seen = new Set<object>()
  let bytes = 0
  const add = (n: number): void => {
    bytes += n
    if (bytes > maxBytes) fail(path, `is larger than ${maxBytes} bytes as JSON`, { limit: maxBytes })
  }
  const copy = (node: unknown, at: string, depth: number): unknown => {
    where.at = at
    if (depth > MAX_DEPTH) fail(at, `is nested deeper than ${MAX_DEPTH} levels`)
    switch (typeof node) {
      case 'string':
        add(jsonStringBytes(node))
        return node
      case 'number':
        if (!Number.isFinite(node)) fail(at, 'must be a finite number')
        add(String(node).length)
        return node
      case 'boolean':
        add(node ? 4 : 5)
        return node
      case 'undefined':
        add(4) // only counted inside arrays, where JSON writes null
        return undefined
      case 'object':
        break
      default:
        fail(at, `cannot be stored: ${describe(node)} is not plain data`)
    }
    if (node === null) {
      add(4)
      return null
    }
    const object = node as object
    if (seen.has(object)) fail(at, 'contains a cycle')
    const isArray = Array.isArray(object)
    const proto = Object.getPrototypeOf(object) as unknown
    if (!isArray && proto !== Object.prototype && proto !== null) {
      fail(at, `cannot be stored: ${describe(object)} is not a plain object or array`)
    }
    const keys = Reflect.ownKeys(object)
    for (const key of keys) if (typeof key === 'symbol') fail(at, 'has symbol keys')
    seen.add(object)
    add(2) // the brackets
    let out: unknown
    if (isArray) {
      const length = (object as unknown[]).length
      if (!Number.isSafeInteger(length) || length < 0) fail(at, 'is an array with an impossible length')
      for (const key of keys as string[]) {
        if (key === 'length') continue
        if (FORBIDDEN_KEYS.has(key)) fail(`${at}.${key}`, 'is a forbidden key (prototype pollution)')
        const index = Number(key)
        if (!(Number.isInteger(index) && index >= 0 && index < length && String(index) === key)) {
          fail(`${at}.${key}`, 'is not an element: arrays may hold only their elements')
        }
      }
      if (length > 0) add(length - 1) // the commas, counted before the walk: a huge sparse array fails at once
      const list: unknown[] = new Array(length)
      for (let i = 0; i < length; i++) {
        const descriptor = Object.getOwnPropertyDescriptor(object, i)
        if (descriptor && (descriptor.get || descriptor.set)) fail(`${at}[${i}]`, 'must be a data property, not an accessor')
        list[i] = copy(descriptor?.value, `${at}[${i}]`, depth + 1) // a hole is undefined, null in JSON
      }
      out = list
    } else {
      const record: Record<string, unknown> = {}
      let members = 0
      for (const key of keys as string[]) {
        if (FORBIDDEN_KEYS.has(key)) fail(`${at}.${key}`, 'is a forbidden key (prototype pollution)')
        const descriptor = Object.getOwnPropertyDescriptor(object, key)
        if (!descriptor) continue // listed by a Proxy but not there
        if (descriptor.get || descriptor.set) fail(`${at}.${key}`, 'must be a data property, not an accessor')
        if (!descriptor.enumerable) continue // not data: neither JSON nor the structured clone copies it
        const member = descriptor.value as unknown
        if (member === undefined) {
          record[key] = undefined // JSON leaves the key out; a patch removes it
          continue
        }
        if (members++ > 0) add(1) // the comma
        add(jsonStringBytes(key) + 1) // "key":
        record[key] = copy(member, `${at}.${key}`, depth + 1)
      }
      out = record
    }
    seen.delete(object)
    where.at = at
    return out
  }
  return copy(value, path, 0)
}

/**
 * Runs `read`, which reads a caller's value; anything the value throws while it is read (a
 * revoked Proxy, a trap or getter that throws) becomes a `ValidationError` at `where.at`.
 */
function readGuarded<T>(path: string, read: (where: { at: string }) => T): T {
  const where = { at: path }
  try {
    return read(where)
  } catch (error) {
    if (error instanceof ValidationError) throw error
    return fail(where.at, `could not be read (${errorName(error)})`)
  }
}

/**
 * Reads a caller's value for the SDK, turning anything it throws while read (a revoked
 * Proxy, a getter that throws) into a `ValidationError` naming `path`.
 */
export function readArgument<T>(path: string, read: () => T): T {
  return readGuarded(path, read)
}

const errorName = (error: unknown): string => {
  try {
    return error instanceof Error ? error.name : typeof error
  } catch {
    return 'unknown error'
  }
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

/** A plain object (not an array, not null), copied (see `checkPlainData`). */
export function checkPlainObject(value: unknown, path: string, maxBytes: number): { readonly [key: string]: JsonValue | undefined } {
  return readGuarded(path, (where) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return fail(path, `must be a plain object, got ${describe(value)}`)
    }
    return copyPlain(value, path, maxBytes, where) as { readonly [key: string]: JsonValue | undefined }
  })
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

const SEND_OPTIONS = new Set(['sender', 'type', 'metadata', 'id'])

/** The options of the send calls, copied. */
export function checkSendOptions(value: unknown, config: ChatConfig): SendMessageOptions {
  if (value === undefined) return {}
  const options = readOptions(value, 'options')
  for (const key of Object.keys(options)) if (!SEND_OPTIONS.has(key)) fail(`options.${key}`, 'is not a known option')
  const { sender, type, metadata, id } = options
  return {
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

/**
 * The items of a caller's array, copied into a new dense array (a hole reads as
 * `undefined`); refuses a value that is not an array, or more than `max` items, before
 * reading any.
 */
export function readList(value: unknown, path: string, max: number, tooMany: string): unknown[] {
  return readGuarded(path, (where) => {
    if (!Array.isArray(value)) return fail(path, `must be an array, got ${describe(value)}`)
    const length = (value as unknown[]).length
    if (length > max) fail(path, tooMany, { limit: max })
    const items: unknown[] = new Array(length)
    for (let i = 0; i < length; i++) {
      where.at = `${path}[${i}]`
      items[i] = (value as unknown[])[i]
    }
    return items
  })
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

/**
 * An options object, read once into a fresh record of its own data properties (their
 * values are not copied: the caller checks each). Refuses what is not a plain object,
 * symbol and forbidden keys, accessors, and whatever throws while it is read.
 */
function readOptions(value: unknown, path: string): Record<string, unknown> {
  return readGuarded(path, (where) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return fail(path, `must be an object, got ${describe(value)}`)
    }
    const proto = Object.getPrototypeOf(value) as unknown
    if (proto !== Object.prototype && proto !== null) fail(path, 'must be a plain object')
    const out: Record<string, unknown> = {}
    for (const key of Reflect.ownKeys(value)) {
      if (typeof key !== 'string') return fail(path, 'has symbol keys')
      where.at = `${path}.${key}`
      if (FORBIDDEN_KEYS.has(key)) fail(where.at, 'is a forbidden key (prototype pollution)')
      const descriptor = Object.getOwnPropertyDescriptor(value, key)
      if (!descriptor || !descriptor.enumerable) continue
      if (descriptor.get || descriptor.set) fail(where.at, 'must be a data property, not an accessor')
      out[key] = descriptor.value
    }
    return out
  })
}

/** A short description of a value for error messages, never the value itself (it may be private). */
export function describe(value: unknown): string {
  if (value === null) return 'null'
  const type = typeof value
  if (type !== 'object' && type !== 'function') return type
  try {
    if (Array.isArray(value)) return 'an array'
    if (type === 'function') return type
    const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name
    return typeof name === 'string' && name !== 'Object' ? `an instance of ${name}` : 'an object'
  } catch {
    return 'an unreadable object' // a revoked Proxy, or a prototype getter that throws
  }
}
