import { describe, expect, test } from 'vitest'
import { ValidationError, type ChatClient, type SearchHit } from 'companion-chat'
import { createDevice } from '../helpers/client.js'

const DAY = 24 * 60 * 60 * 1000

/** A client whose clock moves one second per call, so every message is newer than the one before. */
function openTicking(device = createDevice(), config = {}) {
  let now = Date.UTC(2026, 0, 1)
  const chat = device.open({ now: () => (now += 1_000), config: { autoCleanupInterval: 0, ...config } })
  return { chat, device, advance: (ms: number) => (now += ms) }
}

const contents = (hits: readonly SearchHit[]) => hits.map((hit) => hit.message.content)
/** The text each range of a hit covers. */
const marked = (hit: SearchHit | undefined) => hit?.ranges.map(([start, end]) => hit.message.content.slice(start, end))

/** How many entries the words index holds, read from the database file directly. */
async function indexEntries(indexedDB: IDBFactory, name: string): Promise<number> {
  if (!(await indexedDB.databases()).some((db) => db.name === name)) return 0
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const open = indexedDB.open(name)
    open.onsuccess = () => resolve(open.result)
    open.onerror = () => reject(open.error)
  })
  try {
    const count = db.transaction('messages').objectStore('messages').index('words').count()
    return await new Promise<number>((resolve) => (count.onsuccess = () => resolve(count.result)))
  } finally {
    db.close()
  }
}

describe('searchMessages', () => {
  test('finds messages of the main chat and of tickets, with the ranges of the words found', async () => {
    const { chat } = openTicking()
    await chat.sendMainChatMessage('Where is my café order?')
    const ticket = chat.createTicket('order-help', 'Late parcel', 'The Straße in the address is wrong')
    await chat.sendTicketMessage(ticket, 'Please update the ORDER address')
    await chat.flush()

    const hits = await chat.searchMessages('order')
    expect(contents(hits)).toEqual(['Please update the ORDER address', 'Where is my café order?'])
    expect(hits.map((hit) => hit.threadId)).toEqual([ticket, 'main'])
    expect(marked(hits[0])).toEqual(['ORDER'])
    expect(marked((await chat.searchMessages('CAFE'))[0])).toEqual(['café'])
    expect(marked((await chat.searchMessages('strasse'))[0])).toEqual(['Straße'])
  })

  test('needs every word; the last one may be a prefix unless the query ends in a space', async () => {
    const { chat } = openTicking()
    await chat.sendMainChatMessages(['refund for my order', 'refund requested', 'ordering a refund now', 'my order shipped'])
    // "order" whole ranks above "ordering"; with neither whole, the newer comes first.
    expect(contents(await chat.searchMessages('refund order'))).toEqual(['refund for my order', 'ordering a refund now'])
    expect(contents(await chat.searchMessages('refund ord'))).toEqual(['ordering a refund now', 'refund for my order'])
    expect(contents(await chat.searchMessages('refund ord '))).toEqual([])
    expect(contents(await chat.searchMessages('refund order '))).toEqual(['refund for my order'])
  })

  test('ranks messages with every word whole first, then the newest first', async () => {
    const { chat } = openTicking()
    await chat.sendMainChatMessage('laptop stand') // oldest, whole word
    await chat.sendMainChatMessage('laptops on sale')
    await chat.sendMainChatMessage('a laptop bag') // newest whole word
    await chat.sendMainChatMessage('laptops again') // newest of all, prefix only
    const hits = await chat.searchMessages('laptop')
    expect(contents(hits)).toEqual(['a laptop bag', 'laptop stand', 'laptops again', 'laptops on sale'])
    expect(hits.map((hit) => hit.score)).toEqual([1, 1, 0.5, 0.5])
  })

  test('orders messages of the same time as they were written', async () => {
    const device = createDevice()
    const chat = device.open({ now: () => 5_000, config: { autoCleanupInterval: 0 } })
    await chat.sendMainChatMessages(['first ping', 'second ping', 'third ping'])
    expect(contents(await chat.searchMessages('ping'))).toEqual(['third ping', 'second ping', 'first ping'])
  })

  test('searches one thread, and answers at most `limit` hits', async () => {
    const { chat } = openTicking()
    const ticket = chat.createTicket('support', 'Help', 'battery drains fast')
    await chat.sendMainChatMessages(['battery one', 'battery two', 'battery three'])
    await chat.flush()
    expect(contents(await chat.searchMessages('battery', { threadId: ticket }))).toEqual(['battery drains fast'])
    expect(contents(await chat.searchMessages('battery', { threadId: 'main', limit: 2 }))).toEqual(['battery three', 'battery two'])
    expect(await chat.searchMessages('battery', { limit: 1 })).toHaveLength(1)
    expect(await chat.searchMessages('battery', { threadId: 'no-such-ticket' })).toEqual([])
  })

  test('answers [] for a blank query or one without words', async () => {
    const { chat } = openTicking()
    await chat.sendMainChatMessage('something')
    expect(await chat.searchMessages('')).toEqual([])
    expect(await chat.searchMessages('   ')).toEqual([])
    expect(await chat.searchMessages('?!')).toEqual([])
  })

  test('finds what was sent just before, without waiting for the commit', async () => {
    const { chat } = openTicking()
    await chat.ready
    void chat.sendMainChatMessage('a brand new zebra')
    expect(contents(await chat.searchMessages('zebra'))).toEqual(['a brand new zebra'])
  })

  test.each([
    ['a number as query', (chat: ChatClient) => chat.searchMessages(42 as unknown as string)],
    ['no query', (chat: ChatClient) => (chat.searchMessages as (query?: string) => Promise<SearchHit[]>)()],
    ['a query over 1,000 characters', (chat: ChatClient) => chat.searchMessages('a'.repeat(1_001))],
    ['limit 0', (chat: ChatClient) => chat.searchMessages('x', { limit: 0 })],
    ['limit 201', (chat: ChatClient) => chat.searchMessages('x', { limit: 201 })],
    ['limit 1.5', (chat: ChatClient) => chat.searchMessages('x', { limit: 1.5 })],
    ['limit as text', (chat: ChatClient) => chat.searchMessages('x', { limit: '5' as unknown as number })],
    ['a thread id that is no string', (chat: ChatClient) => chat.searchMessages('x', { threadId: 7 as unknown as string })],
    ['an unknown option', (chat: ChatClient) => chat.searchMessages('x', { thread: 'main' } as never)],
    ['options that are no object', (chat: ChatClient) => chat.searchMessages('x', 'main' as never)],
  ])('throws ValidationError at the call for %s', (_, call) => {
    const { chat } = openTicking()
    expect(() => call(chat)).toThrow(ValidationError)
  })

  test('finds Chinese, Japanese and Thai text, also inside longer words', async () => {
    const { chat } = openTicking()
    await chat.sendMainChatMessages(['我想买一台笔记本电脑', '东京タワーに行きました', 'ฉันอยากซื้อโทรศัพท์มือถือ'])
    expect(contents(await chat.searchMessages('笔记本'))).toEqual(['我想买一台笔记本电脑'])
    expect(marked((await chat.searchMessages('记本电'))[0])).toEqual(['记本电']) // across the dictionary's words 笔记|本|电脑
    expect(contents(await chat.searchMessages('电'))).toEqual(['我想买一台笔记本电脑'])
    expect(marked((await chat.searchMessages('タワー'))[0])).toEqual(['タワー'])
    expect(contents(await chat.searchMessages('京'))).toEqual(['东京タワーに行きました'])
    expect(marked((await chat.searchMessages('มือถือ'))[0])).toEqual(['มือถือ'])
    expect(contents(await chat.searchMessages('ถือ'))).toEqual(['ฉันอยากซื้อโทรศัพท์มือถือ'])
    expect(await chat.searchMessages('笔电')).toEqual([]) // both characters there, not together
  })
})

describe('search forgets deleted messages', () => {
  test('after clearAllData nothing is found and no index entry remains', async () => {
    const { chat, device } = openTicking()
    await chat.sendMainChatMessage('my secret address is 1 Main St')
    chat.createTicket('support', 'Private', 'secret details')
    await chat.flush()
    expect(await chat.searchMessages('secret')).toHaveLength(2)
    expect(await indexEntries(device.indexedDB, device.databaseName)).toBeGreaterThan(0)

    await chat.clearAllData()
    expect(await chat.searchMessages('secret')).toEqual([])
    expect(await indexEntries(device.indexedDB, device.databaseName)).toBe(0)
    await chat.sendMainChatMessage('fresh start')
    expect(await chat.searchMessages('secret')).toEqual([])
    expect(await indexEntries(device.indexedDB, device.databaseName)).toBe(3) // the empty word, "fresh", "start"
  })

  test('after cleanup the messages of a removed ticket are not found', async () => {
    const { chat, advance } = openTicking()
    const old = chat.createTicket('support', 'Old', 'the printer jams')
    await chat.resolveTicket(old, 'fixed')
    const kept = chat.createTicket('support', 'New', 'the printer is offline')
    await chat.flush()
    advance(8 * DAY)
    await chat.updateTicketStatus(kept, 'in-progress')
    const report = await chat.runCleanup()
    expect(report.removedTicketIds).toEqual([old])
    expect(contents(await chat.searchMessages('printer'))).toEqual(['the printer is offline'])
    expect(await chat.searchMessages('jams')).toEqual([])
  })

  test('after main-chat trimming the trimmed message is not found', async () => {
    const { chat, device } = openTicking(createDevice(), { maxMainChatMessages: 2 })
    await chat.sendMainChatMessage('alpha one')
    await chat.sendMainChatMessage('beta two')
    const before = await indexEntries(device.indexedDB, device.databaseName)
    await chat.sendMainChatMessage('gamma three') // trims "alpha one"
    expect(await chat.searchMessages('alpha')).toEqual([])
    expect(contents(await chat.searchMessages('beta'))).toEqual(['beta two'])
    expect(await indexEntries(device.indexedDB, device.databaseName)).toBe(before) // 3 keys in, 3 out
  })
})
