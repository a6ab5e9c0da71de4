/**
 * Reading what callers pass: plain data checked and copied in one walk, and the shallow
 * reads of options and lists, where anything a value throws while it is read (a revoked
 * Proxy, a trap or getter that throws) becomes a `ValidationError`. Pure and dependency-free.
 */
import { ValidationError } from './errors.js'
import type { JsonValue } from './protocol.js'

/** Keys that could pollute prototypes when data is merged or spread. Refused anywhere. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype'])
/** Deepest nesting accepted in context and metadata. */
export const MAX_DEPTH = 32

/** Throws a `ValidationError` naming `path`. */
export const fail = (path: string, message: string, extra: { [key: string]: JsonValue } = {}): never => {
  throw new ValidationError(`${path}: ${message}`, { path, ...extra })
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

/**
 * An options object, read once into a fresh record of its own data properties (their
 * values are not copied: the caller checks each). Refuses what is not a plain object,
 * symbol and forbidden keys, accessors, and whatever throws while it is read.
 */
export function readOptions(value: unknown, path: string): Record<string, unknown> {
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

/** A plain object (not an array, not null), copied (see `checkPlainData`). */
export function checkPlainObject(value: unknown, path: string, maxBytes: number): { readonly [key: string]: JsonValue | undefined } {
  return readGuarded(path, (where) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return fail(path, `must be a plain object, got ${describe(value)}`)
    }
    return copyPlain(value, path, maxBytes, where) as { readonly [key: string]: JsonValue | undefined }
  })
}
