/**
 * The engine's search against a reference: the same ranking computed over every stored row.
 * The corpus is large enough for every step of worker/search.ts to run (lists of more than
 * 300 entries, common words that rarely meet, prefixes of many words, a large thread).
 */
import { IDBFactory, IDBIndex, IDBKeyRange } from 'fake-indexeddb'
import { Dexie } from 'dexie'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { createEngine, type Engine } from 'companion-chat/worker'
import { CHAT_CONFIG, PROTOCOL_VERSION, createChatClient, type ChatMessage, type Command, type EngineApi, type SearchHit } from 'companion-chat'
import { matchTerms, parseQuery } from '../../src/core/search-words.js'
import { uniqueName } from '../helpers/client.js'
import { createRandom } from '../../bench/workload.js' // the benchmarks' seeded PRNG (mulberry32)

interface Row {
  readonly id: string
  readonly thread: string
  readonly seq: number
  readonly message: ChatMessage
}

/** The reference: every row matched on its text, best score first, then newest, at most `limit`. */
function reference(rows: readonly Row[], query: string, threadId: string | undefined, limit: number): string[] {
  const terms = parseQuery(query)
  return rows
    .filter((row) => threadId === undefined || row.thread === threadId)
    .flatMap((row) => {
      const match = matchTerms(row.message.content, terms)
      return match ? [{ row, score: match.score }] : []
    })
    .sort((a, b) => b.score - a.score || b.row.message.timestamp - a.row.message.timestamp || b.row.seq - a.row.seq)
    .slice(0, limit)
    .map(({ row }) => row.id)
}


// Common words, a middle, and a tail of words that share beginnings.
const VOCABULARY = [
  ...'order refund the my laptop battery screen'.split(' '),
  ...'shipping tracking warranty password printer charger'.split(' '),
  ...Array.from({ length: 60 }, (_, i) => `sta${i.toString(36)}x`),
  ...Array.from({ length: 60 }, (_, i) => `ka${i}`),
]

describe('search against a reference', () => {
  const indexedDB = new IDBFactory()
  const databaseName = uniqueName('search')
  let engine: Engine
  let api: EngineApi
  let rows: Row[]
  let ticket = ''

  beforeAll(async () => {
    engine = createEngine({ indexedDB, IDBKeyRange })
    api = engine.connection()
    const config = { ...CHAT_CONFIG, autoCleanupInterval: 0, maxMainChatMessages: 100_000 }
    const welcome = await api.connect({ protocolVersion: PROTOCOL_VERSION, databaseName, config, requirePersistence: true }, () => {})
    if (!welcome.ok) throw new Error(welcome.error.message)
    const next = createRandom(11)
    const word = () => VOCABULARY[Math.min(VOCABULARY.length - 1, Math.floor(VOCABULARY.length * next() ** 3))]!
    const commands: Command[] = []
    for (let t = 0; t < 3; t++) commands.push({ kind: 'createTicket', commandId: `t${t}`, at: 1, ticketId: `ticket-${t}`, ticketType: 'support', title: `T${t}` })
    ticket = 'ticket-0'
    let n = 0
    for (let batch = 0; batch < 12; batch++) {
      const thread = batch % 4 === 3 ? `ticket-${batch % 3}` : 'main'
      const messages = Array.from({ length: 250 }, () => {
        n++
        // Every fifth message shares its time with the one before (a burst).
        const timestamp = 1_000_000 + (n - (n % 5 === 0 ? 1 : 0)) * 1_000
        const content = Array.from({ length: 3 + Math.floor(next() * 8) }, word).join(' ')
        return { id: `m${n}-${Math.floor(next() * 1e9).toString(36)}`, content, sender: 'user' as const, timestamp, type: 'text' as const }
      })
      commands.push({ kind: 'sendMessages', commandId: `b${batch}`, at: 1, thread, messages })
    }
    const done = await api.execute(commands)
    if (!done.ok) throw new Error(done.error.message)
    const db = new Dexie(databaseName, { indexedDB, IDBKeyRange })
    await db.open()
    rows = (await db.table('messages').toArray()) as Row[]
    db.close()
  }, 60_000)

  afterAll(async () => {
    await engine.close()
  })

  const search = async (query: string, threadId: string | undefined, limit: number): Promise<string[]> => {
    const result = await api.search(query, threadId === undefined ? { limit } : { limit, threadId })
    if (!result.ok) throw new Error(result.error.message)
    return result.value.map((hit: SearchHit) => hit.message.id)
  }

  const queries = [
    'order',
    'the',
    'printer',
    'ka7',
    'ka1',
    'sta',
    'st',
    'stak',
    'order ',
    'ord',
    'order the',
    'refund laptop',
    'battery screen printer',
    'warranty password',
    'the my order refund',
    'order sta',
    'laptop ka',
    'charger ka5 ',
    'nothing-like-this',
  ]

  test('has lists long enough for every step', () => {
    expect(rows.length).toBe(3_000)
    expect(rows.filter((row) => /\border\b/.test(row.message.content)).length).toBeGreaterThan(1_000)
  })

  test.each(queries)('answers %j like the reference', async (query) => {
    for (const limit of [1, 20, 200]) expect(await search(query, undefined, limit)).toEqual(reference(rows, query, undefined, limit))
  })

  test.each(queries.slice(0, 8))('answers %j in one thread like the reference', async (query) => {
    for (const threadId of ['main', ticket]) expect(await search(query, threadId, 20)).toEqual(reference(rows, query, threadId, 20))
  })

  describe('where IndexedDB has no getAllRecords', () => {
    const original = Object.getOwnPropertyDescriptor(IDBIndex.prototype, 'getAllRecords')
    beforeAll(() => {
      delete (IDBIndex.prototype as { getAllRecords?: unknown }).getAllRecords
    })
    afterAll(() => {
      if (original) Object.defineProperty(IDBIndex.prototype, 'getAllRecords', original)
    })

    test.each(queries)('answers %j like the reference, with cursors', async (query) => {
      expect(await search(query, undefined, 20)).toEqual(reference(rows, query, undefined, 20))
    })
  })
})

describe('search after an upgrade', () => {
  const engines: Engine[] = []
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((engine) => engine.close()))
  })

  test('a database of schema 1 gets its search words when it opens under schema 2', async () => {
    const indexedDB = new IDBFactory()
    const databaseName = uniqueName('upgrade')
    const v1 = new Dexie(databaseName, { indexedDB, IDBKeyRange })
    v1.version(1).stores({ messages: 'id, [thread+seq]', tickets: 'id, status', meta: 'key', topics: 'word, count', applied: 'id, at' })
    const message = (id: string, content: string, timestamp: number): ChatMessage => ({ id, content, sender: 'user', timestamp, type: 'text' })
    await v1.table('messages').bulkPut([
      { id: 'a', thread: 'main', seq: 1, message: message('a', 'Where is my Café order?', 1_000) },
      { id: 'b', thread: 'main', seq: 2, message: message('b', 'The order arrived', 2_000) },
      { id: 'c', thread: 'main', seq: 3, message: message('c', '我想买笔记本电脑', 3_000) },
    ])
    await v1.table('meta').put({ key: 'counters', value: { seq: 3, totalMessages: 3, resolvedTickets: 0, resolutionTimeSum: 0 } })
    v1.close()

    const chat = createChatClient({ indexedDB, IDBKeyRange, databaseName, host: 'in-process', config: { autoCleanupInterval: 0 } })
    try {
      expect((await chat.searchMessages('order')).map((hit) => hit.message.id)).toEqual(['b', 'a'])
      expect((await chat.searchMessages('cafe')).map((hit) => hit.message.id)).toEqual(['a'])
      expect((await chat.searchMessages('记本')).map((hit) => hit.message.id)).toEqual(['c'])
    } finally {
      await chat.close()
    }
  })
})
