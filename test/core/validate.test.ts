import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { ValidationError } from '../../src/core/errors.js'
import { CHAT_CONFIG, type JsonValue } from '../../src/core/protocol.js'
import {
  MAX_CONTEXT_KEYS,
  MAX_DEPTH,
  MAX_ID_LENGTH,
  checkConfig,
  checkContextKeys,
  checkEnum,
  checkId,
  checkMetadata,
  checkPlainData,
  jsonStringBytes,
  checkPlainObject,
  checkSendOptions,
  checkText,
  checkUserContext,
} from '../../src/core/validate.js'
import { expectRefused } from './builders.js'

const LIMIT = CHAT_CONFIG.maxContextBytes
const FORBIDDEN = ['__proto__', 'constructor', 'prototype'] as const

/** `{ a: { a: ... { a: leaf } } }` with `levels` objects around `leaf`. */
function nested(levels: number, leaf: unknown = 1): unknown {
  let value = leaf
  for (let i = 0; i < levels; i++) value = { a: value }
  return value
}

/** An object with an own, enumerable data property named `key` (even `__proto__`). */
function withOwnKey(base: object, key: string, value: unknown): object {
  return Object.defineProperty(base, key, { value, enumerable: true, writable: true, configurable: true })
}

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8')

describe('checkText', () => {
  test('returns a non-empty string within the limit', () => {
    expect(checkText('Hello', 'content', 10)).toBe('Hello')
    expect(checkText('x'.repeat(CHAT_CONFIG.maxContentLength), 'content', CHAT_CONFIG.maxContentLength)).toHaveLength(10_000)
  })

  test.each([42, undefined, null, {}, ['a'], true])('refuses %j, which is not a string', (value) => {
    expectRefused(() => checkText(value, 'content', 100), 'content')
  })

  test.each(['', ' ', '\n\t  \r'])('refuses empty or white-space content %j', (value) => {
    const error = expectRefused(() => checkText(value, 'content', 100), 'content')
    expect(error.message).toMatch(/empty/)
  })

  test('refuses content over maxContentLength and names the limit', () => {
    const error = expectRefused(
      () => checkText('x'.repeat(CHAT_CONFIG.maxContentLength + 1), 'content', CHAT_CONFIG.maxContentLength),
      'content',
    )
    expect(error.details).toEqual({ path: 'content', limit: 10_000 })
  })

  test('refuses a title over maxTitleLength and accepts one exactly at it', () => {
    expect(checkText('t'.repeat(200), 'title', CHAT_CONFIG.maxTitleLength)).toHaveLength(200)
    expectRefused(() => checkText('t'.repeat(201), 'title', CHAT_CONFIG.maxTitleLength), 'title')
  })
})

describe('checkId', () => {
  test('accepts an id of up to MAX_ID_LENGTH characters', () => {
    expect(checkId('V1StGXR8_Z5jdHi6B-myT', 'ticketId')).toBe('V1StGXR8_Z5jdHi6B-myT')
    expect(checkId('i'.repeat(MAX_ID_LENGTH), 'ticketId')).toHaveLength(128)
  })

  test.each([
    ['a number', 7],
    ['undefined', undefined],
    ['null', null],
    ['an empty string', ''],
    ['a string over 128 characters', 'i'.repeat(MAX_ID_LENGTH + 1)],
    ['a leading space', ' abc'],
    ['a trailing newline', 'abc\n'],
    ['only spaces', '   '],
  ])('refuses %s', (_, value) => {
    expectRefused(() => checkId(value, 'ticketId'), 'ticketId')
  })
})

describe('checkEnum', () => {
  const statuses = ['open', 'in-progress', 'resolved', 'closed'] as const

  test('returns an allowed value', () => {
    expect(checkEnum('resolved', statuses, 'status')).toBe('resolved')
  })

  test.each(['done', 'Open', 'open ', '', 1, null, undefined])('refuses %j', (value) => {
    const error = expectRefused(() => checkEnum(value, statuses, 'status'), 'status')
    expect(error.message).toContain("'in-progress'")
  })
})

describe('checkPlainData', () => {
  test('accepts plain nested data within the limits and returns an equal copy', () => {
    const value = {
      productIds: ['laptop1', 'laptop2'],
      budget: { min: 800, max: 1500.5 },
      flags: [true, false, null],
      nested: { deeper: { list: [{ a: 1 }, [2, [3]]] } },
      empty: {},
      unicode: 'Kopfhörer 🎧',
      missing: undefined,
    }
    const copy = checkPlainData(value, 'context', LIMIT)
    expect(copy).toStrictEqual(value)
    expect(copy).not.toBe(value)
    expect((copy as typeof value).nested.deeper.list[0]).not.toBe(value.nested.deeper.list[0])
  })

  test('accepts an object without a prototype', () => {
    const value = Object.assign(Object.create(null) as object, { a: 1 })
    expect(checkPlainData(value, 'context', LIMIT)).toEqual({ a: 1 })
  })

  test('accepts the same object reached twice, which is not a cycle', () => {
    const shared = { sku: 'x' }
    expect(() => checkPlainData({ a: shared, b: [shared, shared] }, 'context', LIMIT)).not.toThrow()
  })

  test('copies a transparent Proxy of plain data into plain data', () => {
    const proxy = new Proxy({ cart: new Proxy({ items: [1, 2] }, {}) }, {})
    const copy = checkPlainData({ proxy }, 'context', LIMIT) as { proxy: object }
    expect(copy).toEqual({ proxy: { cart: { items: [1, 2] } } })
    expect(structuredClone(copy)).toEqual(copy) // a Proxy cannot be cloned; the copy can
  })

  test('refuses a value that throws while it is read, naming where', () => {
    const { proxy, revoke } = Proxy.revocable({}, {})
    revoke()
    expectRefused(() => checkPlainData({ a: { b: proxy } }, 'context', LIMIT), 'context.a.b')
    const throwing = new Proxy({ x: 1 }, {
      ownKeys() {
        throw new Error('trap')
      },
    })
    expectRefused(() => checkPlainData({ list: [throwing] }, 'context', LIMIT), 'context.list[0]')
    expectRefused(() => checkPlainObject(proxy, 'context', LIMIT), 'context')
  })

  test('copies a sparse array densely, its holes counted as JSON counts them', () => {
    const sparse = [1, , 3]
    const copy = checkPlainData({ sparse }, 'context', LIMIT) as { sparse: unknown[] }
    expect(copy.sparse).toEqual([1, undefined, 3])
    expect(1 in copy.sparse).toBe(true)
    const huge: unknown[] = []
    huge[10_000_000] = 1
    expectRefused(() => checkPlainData({ huge }, 'context', LIMIT), 'context')
  })

  test('refuses named properties on an array, which JSON would drop', () => {
    const list = Object.assign([1], { note: 'x' })
    expectRefused(() => checkPlainData({ list }, 'context', LIMIT), 'context.list.note')
  })

  class Product {
    constructor(readonly sku: string) {}
  }
  const fakeNode = Object.create({ nodeType: 1, appendChild() {} }, { tagName: { value: 'DIV', enumerable: true } }) as object

  test.each([
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
    ['a bigint', 10n],
    ['a Map', new Map([['a', 1]])],
    ['a Set', new Set([1])],
    ['a Date', new Date(0)],
    ['a RegExp', /x/],
    ['a class instance', new Product('x')],
    ['a DOM-like node with its own prototype', fakeNode],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
  ])('refuses %s inside context and names the field', (_, bad) => {
    expectRefused(() => checkPlainData({ product: { ref: bad } }, 'context', LIMIT), 'context.product.ref')
  })

  test('refuses a value that is not plain data inside an array with its index in the path', () => {
    expectRefused(() => checkPlainData({ items: [1, new Date(0)] }, 'context', LIMIT), 'context.items[1]')
  })

  test('refuses symbol keys', () => {
    expectRefused(() => checkPlainData({ inner: { [Symbol('k')]: 1 } }, 'context', LIMIT), 'context.inner')
  })

  test('refuses a cycle', () => {
    const a: { name: string; self?: unknown } = { name: 'a' }
    a.self = { back: a }
    expectRefused(() => checkPlainData({ a }, 'context', LIMIT), 'context.a.self.back')
  })

  test('refuses an array that contains itself', () => {
    const list: unknown[] = [1]
    list.push(list)
    expectRefused(() => checkPlainData({ list }, 'context', LIMIT), 'context.list[1]')
  })

  test.each(FORBIDDEN)('refuses the key %s at the top level, as JSON.parse makes it', (key) => {
    const value = JSON.parse(`{"${key}": {"polluted": true}}`) as unknown
    expectRefused(() => checkPlainData(value, 'context', LIMIT), `context.${key}`)
  })

  test.each(FORBIDDEN)('refuses the key %s deep inside objects and arrays', (key) => {
    const value = JSON.parse(`{"a": {"b": [1, {"c": {"${key}": {"isAdmin": true}}}]}}`) as unknown
    expectRefused(() => checkPlainData(value, 'context', LIMIT), `context.a.b[1].c.${key}`)
  })

  test.each(FORBIDDEN)('refuses the key %s defined with Object.defineProperty, even not enumerable', (key) => {
    const enumerable = withOwnKey({ ok: 1 }, key, { x: 1 })
    expectRefused(() => checkPlainData({ deep: enumerable }, 'context', LIMIT), `context.deep.${key}`)
    const hidden = Object.defineProperty({}, key, { value: 1, enumerable: false })
    expectRefused(() => checkPlainData({ deep: hidden }, 'context', LIMIT), `context.deep.${key}`)
  })

  test('refuses getters and setters', () => {
    const getter = Object.defineProperty({}, 'price', { get: () => 10, enumerable: true })
    expectRefused(() => checkPlainData({ item: getter }, 'context', LIMIT), 'context.item.price')
    const setter = Object.defineProperty({}, 'price', { set: () => {}, enumerable: true })
    expectRefused(() => checkPlainData({ item: setter }, 'context', LIMIT), 'context.item.price')
  })

  test(`accepts nesting ${MAX_DEPTH} levels deep and refuses one level more`, () => {
    expect(() => checkPlainData(nested(MAX_DEPTH), 'context', LIMIT)).not.toThrow()
    const error = expectRefused(() => checkPlainData(nested(MAX_DEPTH + 1), 'context', LIMIT), `context${'.a'.repeat(MAX_DEPTH + 1)}`)
    expect(error.message).toMatch(/deeper/)
  })

  test('refuses deep nesting of arrays too', () => {
    let deep: unknown = 'leaf'
    for (let i = 0; i <= MAX_DEPTH; i++) deep = [deep]
    expect(() => checkPlainData(deep, 'context', LIMIT)).toThrow(/deeper/)
  })

  test('refuses context over maxContextBytes and names the limit', () => {
    const value = { notes: 'x'.repeat(LIMIT) }
    const error = expectRefused(() => checkPlainData(value, 'context', LIMIT), 'context')
    expect(error.details).toEqual({ path: 'context', limit: LIMIT })
  })

  test('accepts context just under maxContextBytes', () => {
    const value = { notes: 'x'.repeat(LIMIT - 100) }
    expect(jsonBytes(value)).toBeLessThan(LIMIT)
    expect(() => checkPlainData(value, 'context', LIMIT)).not.toThrow()
  })

  test('refuses context whose JSON form passes maxContextBytes because of multi-byte characters', () => {
    // 30,000 × '€' is 90,000 bytes as UTF-8 JSON: over the 64 KiB limit "in bytes of its JSON form".
    const value = { notes: '€'.repeat(30_000) }
    expect(jsonBytes(value)).toBeGreaterThan(LIMIT)
    expectRefused(() => checkPlainData(value, 'context', LIMIT), 'context')
  })

  test('accepts context whose JSON form is under maxContextBytes, whatever its shape', () => {
    // 10,000 small numbers are about 49 KB of JSON: under the 64 KiB limit.
    const value = { ids: Array.from({ length: 10_000 }, (_, i) => i) }
    expect(jsonBytes(value)).toBeLessThan(LIMIT)
    expect(() => checkPlainData(value, 'context', LIMIT)).not.toThrow()
  })

  const hasForbiddenKey = (value: unknown): boolean =>
    typeof value === 'object' &&
    value !== null &&
    Object.keys(value).some((key) => (FORBIDDEN as readonly string[]).includes(key) || hasForbiddenKey((value as Record<string, unknown>)[key]))

  test('accepts any JSON value inside an object when it is under the size limit', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        fc.pre(!hasForbiddenKey(value) && jsonBytes({ value }) < LIMIT)
        const root = { value }
        expect(checkPlainData(root, 'context', LIMIT)).toEqual(root)
      }),
    )
  })

  test('refuses any JSON value once a forbidden key is added anywhere in it', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 6 }),
        fc.constantFrom(...FORBIDDEN),
        fc.nat(),
        fc.jsonValue({ maxDepth: 2 }),
        (value, key, pick, payload) => {
          fc.pre(!hasForbiddenKey(value) && !hasForbiddenKey(payload))
          const root = { value: structuredClone(value) as JsonValue }
          // Every object and array of the tree, with its path; one of them gets the key.
          const containers: Array<[object, string]> = []
          const collect = (node: unknown, path: string) => {
            if (typeof node !== 'object' || node === null) return
            containers.push([node, path])
            for (const [k, child] of Object.entries(node)) collect(child, Array.isArray(node) ? `${path}[${k}]` : `${path}.${k}`)
          }
          collect(root, 'context')
          const [target, path] = containers[pick % containers.length]!
          if (Array.isArray(target)) {
            target.push(JSON.parse(`{"${key}": ${JSON.stringify(payload)}}`))
            expectRefused(() => checkPlainData(root, 'context', LIMIT), `${path}[${target.length - 1}].${key}`)
          } else {
            withOwnKey(target, key, payload)
            expectRefused(() => checkPlainData(root, 'context', LIMIT), `${path}.${key}`)
          }
        },
      ),
    )
  })
})

describe('checkPlainObject', () => {
  test.each([
    ['an array', []],
    ['null', null],
    ['a string', 'ctx'],
    ['a number', 3],
  ])('refuses %s', (_, value) => {
    expectRefused(() => checkPlainObject(value, 'context', LIMIT), 'context')
  })

  test('checks the data inside the object', () => {
    expectRefused(() => checkPlainObject({ when: new Date(0) }, 'context', LIMIT), 'context.when')
  })
})

describe('checkMetadata', () => {
  const at = 'options.metadata'

  test('accepts a ticket id, actions with payloads and free-form data', () => {
    const metadata = {
      ticketId: 't-1',
      context: { productId: 'p1' },
      actions: [{ id: 'open-ticket', label: 'Open a ticket', type: 'ticket', payload: { ticketType: 'order-help' } }],
      mood: 'curious',
    }
    expect(checkMetadata(metadata, at, CHAT_CONFIG)).toEqual(metadata)
  })

  test('refuses metadata that is not an object', () => {
    expectRefused(() => checkMetadata('meta', at, CHAT_CONFIG), at)
  })

  test('refuses a malformed ticket id', () => {
    expectRefused(() => checkMetadata({ ticketId: 12 }, at, CHAT_CONFIG), `${at}.ticketId`)
    expectRefused(() => checkMetadata({ ticketId: '' }, at, CHAT_CONFIG), `${at}.ticketId`)
  })

  test('refuses actions that are not an array of well-formed actions', () => {
    expectRefused(() => checkMetadata({ actions: { id: 'a' } }, at, CHAT_CONFIG), `${at}.actions`)
    expectRefused(() => checkMetadata({ actions: [null] }, at, CHAT_CONFIG), `${at}.actions[0]`)
    expectRefused(() => checkMetadata({ actions: ['open'] }, at, CHAT_CONFIG), `${at}.actions[0]`)
    const good = { id: 'a', label: 'A', type: 'x' }
    expectRefused(() => checkMetadata({ actions: [good, { ...good, label: '' }] }, at, CHAT_CONFIG), `${at}.actions[1].label`)
    expectRefused(() => checkMetadata({ actions: [{ ...good, id: 5 }] }, at, CHAT_CONFIG), `${at}.actions[0].id`)
    expectRefused(() => checkMetadata({ actions: [{ label: 'A', id: 'a' }] }, at, CHAT_CONFIG), `${at}.actions[0].type`)
    const longLabel = { ...good, label: 'l'.repeat(CHAT_CONFIG.maxTitleLength + 1) }
    expectRefused(() => checkMetadata({ actions: [longLabel] }, at, CHAT_CONFIG), `${at}.actions[0].label`)
  })

  test('refuses functions and forbidden keys inside metadata', () => {
    expectRefused(() => checkMetadata({ context: { onClick: () => {} } }, at, CHAT_CONFIG), `${at}.context.onClick`)
    const polluted = JSON.parse('{"context": {"__proto__": {"admin": true}}}') as unknown
    expectRefused(() => checkMetadata(polluted, at, CHAT_CONFIG), `${at}.context.__proto__`)
  })

  test('refuses metadata over maxContextBytes', () => {
    expectRefused(() => checkMetadata({ blob: 'x'.repeat(LIMIT) }, at, CHAT_CONFIG), at)
  })
})

describe('checkSendOptions', () => {
  test('accepts no options and every known option', () => {
    expect(checkSendOptions(undefined, CHAT_CONFIG)).toEqual({})
    const options = { sender: 'assistant', type: 'suggestion', id: 'reply-1', metadata: { ticketId: 't-1' } }
    expect(checkSendOptions(options, CHAT_CONFIG)).toEqual(options)
  })

  test.each([
    ['a string', 'user', 'options'],
    ['an array', [], 'options'],
    ['a Map', new Map(), 'options'],
    ['an unknown option', { sendr: 'user' }, 'options.sendr'],
    ['an unknown sender', { sender: 'bot' }, 'options.sender'],
    ['an unknown type', { type: 'html' }, 'options.type'],
    ['a malformed id', { id: ' x' }, 'options.id'],
    ['metadata that is not plain data', { metadata: { at: new Date(0) } }, 'options.metadata.at'],
  ])('refuses %s', (_, value, path) => {
    expectRefused(() => checkSendOptions(value, CHAT_CONFIG), path)
  })

  test('refuses a __proto__ option', () => {
    expectRefused(() => checkSendOptions(JSON.parse('{"__proto__": {"sender": "system"}}'), CHAT_CONFIG), 'options.__proto__')
  })
})

describe('checkUserContext', () => {
  test("accepts the specification's example", () => {
    const patch = {
      preferences: { budget: { min: 800, max: 1500 }, categories: ['electronics', 'gaming'] },
      currentPage: '/products/laptops',
      shoppingIntent: 'comparison',
      sessionStart: 1_700_000_000_000,
      currentProducts: ['laptop1'],
      history: ['viewed laptop1', { query: 'gaming' }],
      personalInfo: { name: 'Ada' },
      custom: { anything: [1, 'two'] },
    }
    expect(checkUserContext(patch, 'context', CHAT_CONFIG)).toEqual(patch)
  })

  test.each([
    ['currentPage', 42],
    ['shoppingIntent', ['comparison']],
    ['sessionStart', '2024-01-01'],
    ['preferences', ['gaming']],
    ['preferences', 'gaming'],
    ['personalInfo', null],
    ['history', { last: 'x' }],
    ['currentProducts', 'laptop1'],
  ])('refuses %s of the wrong type (%j)', (key, value) => {
    expectRefused(() => checkUserContext({ [key]: value }, 'context', CHAT_CONFIG), `context.${key}`)
  })

  test('refuses context that is not a plain object', () => {
    expectRefused(() => checkUserContext(null, 'context', CHAT_CONFIG), 'context')
    expectRefused(() => checkUserContext([], 'context', CHAT_CONFIG), 'context')
  })

  test('refuses forbidden keys and non-plain data anywhere inside', () => {
    const polluted = JSON.parse('{"preferences": {"budget": {"constructor": {"prototype": {}}}}}') as unknown
    expectRefused(() => checkUserContext(polluted, 'context', CHAT_CONFIG), 'context.preferences.budget.constructor')
    expectRefused(() => checkUserContext({ preferences: { seen: new Set() } }, 'context', CHAT_CONFIG), 'context.preferences.seen')
  })

  test('refuses a user context over maxContextBytes', () => {
    expectRefused(() => checkUserContext({ history: ['x'.repeat(LIMIT)] }, 'context', CHAT_CONFIG), 'context')
  })
})

describe('checkContextKeys', () => {
  test('accepts a list of keys', () => {
    expect(checkContextKeys(['preferences', 'currentProducts'], 'contextKeys')).toEqual(['preferences', 'currentProducts'])
    expect(checkContextKeys([], 'contextKeys')).toEqual([])
  })

  test('refuses a value that is not an array', () => {
    expectRefused(() => checkContextKeys('preferences', 'contextKeys'), 'contextKeys')
  })

  test(`refuses more than ${MAX_CONTEXT_KEYS} keys`, () => {
    const keys = Array.from({ length: MAX_CONTEXT_KEYS + 1 }, (_, i) => `k${i}`)
    expect(() => checkContextKeys(keys.slice(1), 'contextKeys')).not.toThrow()
    expectRefused(() => checkContextKeys(keys, 'contextKeys'), 'contextKeys')
  })

  test.each([
    [['a', 3], 'contextKeys[1]'],
    [[''], 'contextKeys[0]'],
    [['ok', '  '], 'contextKeys[1]'],
    [['__proto__'], 'contextKeys[0]'],
    [['a', 'constructor'], 'contextKeys[1]'],
    [['prototype'], 'contextKeys[0]'],
  ])('refuses %j', (keys, path) => {
    expectRefused(() => checkContextKeys(keys, 'contextKeys'), path)
  })
})

describe('checkConfig', () => {
  test('returns the defaults when nothing is given', () => {
    expect(checkConfig(undefined, CHAT_CONFIG)).toBe(CHAT_CONFIG)
  })

  test('merges known settings over the defaults into a frozen config', () => {
    const config = checkConfig({ maxMainChatMessages: 20, autoCleanupInterval: 0 }, CHAT_CONFIG)
    expect(config).toEqual({ ...CHAT_CONFIG, maxMainChatMessages: 20, autoCleanupInterval: 0 })
    expect(Object.isFrozen(config)).toBe(true)
  })

  test.each([
    ['a string', 'fast', 'config'],
    ['null', null, 'config'],
    ['an unknown setting', { maxMessages: 10 }, 'config.maxMessages'],
    ['a negative number', { maxResolvedTicketAge: -1 }, 'config.maxResolvedTicketAge'],
    ['NaN', { maxContentLength: Number.NaN }, 'config.maxContentLength'],
    ['Infinity', { maxContextBytes: Number.POSITIVE_INFINITY }, 'config.maxContextBytes'],
    ['a numeric string', { maxTitleLength: '200' }, 'config.maxTitleLength'],
    ['maxMainChatMessages of 0', { maxMainChatMessages: 0 }, 'config.maxMainChatMessages'],
    ['a fractional maxMainChatMessages', { maxMainChatMessages: 1.5 }, 'config.maxMainChatMessages'],
  ])('refuses %s', (_, value, path) => {
    expectRefused(() => checkConfig(value, CHAT_CONFIG), path)
  })

  test('refuses a __proto__ setting', () => {
    expectRefused(() => checkConfig(JSON.parse('{"__proto__": {"maxMainChatMessages": 1}}'), CHAT_CONFIG), 'config.__proto__')
  })

  test('refuses a name inherited from Object.prototype as an unknown setting', () => {
    expectRefused(() => checkConfig({ toString: 5 }, CHAT_CONFIG), 'config.toString')
  })
})

describe('jsonStringBytes', () => {
  test('equals the UTF-8 size of JSON.stringify for any string', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.string()), (text) => {
        expect(jsonStringBytes(text)).toBe(Buffer.byteLength(JSON.stringify(text), 'utf8'))
      }),
    )
  })

  test('measures plain data exactly as its JSON form', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (value) => {
        fc.pre(!/"(__proto__|constructor|prototype)":/.test(JSON.stringify(value))) // refused on purpose
        const size = Buffer.byteLength(JSON.stringify(value), 'utf8')
        expect(() => checkPlainData(value, 'context', size)).not.toThrow()
        if (size > 2) expect(() => checkPlainData(value, 'context', size - 1)).toThrow(ValidationError)
      }),
    )
  })
})
