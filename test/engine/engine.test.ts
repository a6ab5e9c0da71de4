import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { createEngine, type Engine } from 'companion-chat/worker'
import { CHAT_CONFIG, PROTOCOL_VERSION, type Command, type EngineApi, type Hello, type Patch } from 'companion-chat'
import fc from 'fast-check'
import { topTopics } from '../../src/core/topics.js'
import { uniqueName } from '../helpers/client.js'
import { ChatDatabase } from '../../worker/database.js'

const engines: Engine[] = []
afterEach(async () => {
  await Promise.all(engines.splice(0).map((engine) => engine.close()))
})

async function connect(indexedDB = new IDBFactory(), databaseName = uniqueName('engine')) {
  const engine = createEngine({ indexedDB, IDBKeyRange, now: () => 1_000 })
  engines.push(engine)
  const api: EngineApi = engine.connection()
  const patches: Patch[] = []
  const hello: Hello = { protocolVersion: PROTOCOL_VERSION, databaseName, config: { ...CHAT_CONFIG, autoCleanupInterval: 0 }, requirePersistence: true }
  const welcome = await api.connect(hello, (patch) => patches.push(patch))
  if (!welcome.ok) throw new Error(welcome.error.message)
  return { engine, api, patches, welcome: welcome.value, indexedDB, databaseName }
}

/** An engine whose main chat keeps `limit` messages, and what its snapshot holds. */
async function connectWithLimit(limit: number) {
  const engine = createEngine({ indexedDB: new IDBFactory(), IDBKeyRange, now: () => 1_000 })
  engines.push(engine)
  const api = engine.connection()
  const config = { ...CHAT_CONFIG, autoCleanupInterval: 0, maxMainChatMessages: limit }
  const patches: Patch[] = []
  await api.connect({ protocolVersion: PROTOCOL_VERSION, databaseName: uniqueName('limit'), config, requirePersistence: true }, (patch) => patches.push(patch))
  const snapshotOf = async () => {
    const snapshot = await api.snapshot()
    if (!snapshot.ok) throw new Error(snapshot.error.message)
    return { ids: snapshot.value.messages.filter((m) => m.thread === 'main').map((m) => m.message.id), total: snapshot.value.analytics.totalMessages }
  }
  return { api, snapshotOf, patches }
}

const message = (id: string, content: string) => ({ id, content, sender: 'user' as const, timestamp: 1, type: 'text' as const })

describe('engine', () => {
  test('sends message records without their search keys', async () => {
    const { engine, api, databaseName } = await connect()
    // Another connection: the sender itself gets its own messages back as ids only.
    const patches: Patch[] = []
    const hello: Hello = { protocolVersion: PROTOCOL_VERSION, databaseName, config: { ...CHAT_CONFIG, autoCleanupInterval: 0 }, requirePersistence: true }
    await engine.connection().connect(hello, (patch) => patches.push(patch))
    await api.execute([{ kind: 'sendMessage', commandId: 'w1', at: 1, thread: 'main', message: message('m-words', 'where is my parcel') }])
    const records = patches.flatMap((patch) => patch.changes).flatMap((change) => (change.type === 'message' ? [change.record] : []))
    expect(records).toHaveLength(1)
    expect(Object.keys(records[0]!).sort()).toEqual(['message', 'seq', 'thread'])
  })

  test('answers a protocol mismatch with a typed error instead of hanging', async () => {
    const api = createEngine({ indexedDB: new IDBFactory(), IDBKeyRange }).connection()
    const result = await api.connect(
      { protocolVersion: PROTOCOL_VERSION + 1, databaseName: uniqueName(), config: CHAT_CONFIG, requirePersistence: false },
      () => {},
    )
    expect(result).toMatchObject({ ok: false, error: { code: 'protocol-mismatch', name: 'ProtocolMismatchError' } })
  })

  test('applies a retried command once', async () => {
    const { api, patches } = await connect()
    const create: Command = { kind: 'createTicket', commandId: 'c1', at: 1, ticketId: 't1', ticketType: 'support', title: 'T' }
    const resolve: Command = { kind: 'resolveTicket', commandId: 'c2', at: 2, ticketId: 't1', summary: 'first' }
    const reopen: Command = { kind: 'updateTicketStatus', commandId: 'c3', at: 3, ticketId: 't1', status: 'open' }
    const send: Command = { kind: 'sendMessage', commandId: 'c4', at: 4, thread: 'main', message: message('m1', 'hi') }
    await api.execute([create, resolve, reopen, send])
    await api.execute([resolve, send]) // the same commands again, e.g. after a lost answer
    const snapshot = await api.snapshot()
    if (!snapshot.ok) throw new Error()
    expect(snapshot.value.tickets[0]!.status).toBe('open') // the retried resolve did not apply again
    expect(snapshot.value.messages.filter((m) => m.thread === 'main')).toHaveLength(1)
    expect(snapshot.value.analytics).toMatchObject({ totalMessages: 1, resolvedTickets: 0 })
    expect(patches.flatMap((p) => p.refused)).toEqual([])
    expect(patches.at(-1)!.done).toEqual(['c2', 'c4'])
  })

  test('a ticket created again under another command id keeps its row, thread and messages (a retry commits nothing new, another ticket under its id is refused)', async () => {
    const { api, patches } = await connect()
    const first = { kind: 'createTicket', commandId: 'c1', at: 1, ticketId: 't1', ticketType: 'support', title: 'T', initialMessage: message('m1', 'first') } as const
    await api.execute([first])
    await api.execute([{ kind: 'sendMessage', commandId: 'c2', at: 2, thread: 't1', message: message('m2', 'second') }])
    // The same creation under a new command id (a retry), then one with another title, then both with a resolve.
    await api.execute([{ ...first, commandId: 'c3' }, { kind: 'resolveTicket', commandId: 'c4', at: 3, ticketId: 't1' }])
    await api.execute([{ ...first, commandId: 'c5', title: 'Other', initialMessage: message('m3', 'third') }])
    const snapshot = await api.snapshot(['t1'])
    if (!snapshot.ok) throw new Error(snapshot.error.message)
    const { tickets, threads, messages, analytics } = snapshot.value
    expect(tickets).toMatchObject([{ id: 't1', title: 'T', status: 'resolved', seq: 1 }])
    expect(threads.find((thread) => thread.id === 't1')).toMatchObject({ count: 2, last: { id: 'm2' } })
    expect(messages.map((m) => m.message.id)).toEqual(['m1', 'm2'])
    expect(analytics).toMatchObject({ totalMessages: 2, resolvedTickets: 1 })
    expect(patches.flatMap((p) => p.refused)).toMatchObject([{ commandId: 'c5', error: { code: 'validation' } }])
  })

  test('takes a batch that resends a committed message for a retry: the new messages commit once, nothing is overwritten', async () => {
    const { api, patches } = await connect()
    await api.execute([{ kind: 'sendMessage', commandId: 'a', at: 1, thread: 'main', message: message('m1', 'one') }])
    const batch: Command = { kind: 'sendMessages', commandId: 'b', at: 2, thread: 'main', messages: [message('m2', 'two'), message('m3', 'three')] }
    // m1 again with its first content: the batch that takes every sent id for new finds it stored and runs checked.
    await api.execute([{ kind: 'sendMessage', commandId: 'a', at: 1, thread: 'main', message: message('m1', 'one') }, batch])
    await api.execute([batch]) // the whole batch again
    const snapshot = await api.snapshot()
    if (!snapshot.ok) throw new Error()
    expect(snapshot.value.messages.map((m) => [m.message.id, m.message.content, m.seq])).toEqual([
      ['m1', 'one', 1],
      ['m2', 'two', 2],
      ['m3', 'three', 3],
    ])
    expect(snapshot.value.analytics.totalMessages).toBe(3)
    expect(patches.flatMap((p) => p.refused)).toEqual([])
    expect(patches.map((p) => p.done)).toEqual([['a'], ['a', 'b'], ['b']])
  })

  test('answers the sender with the ids and places of its own messages and everyone else with the rows', async () => {
    const { engine, api, patches, databaseName } = await connect()
    const watcher: Patch[] = []
    const welcome = await engine
      .connection()
      .connect({ protocolVersion: PROTOCOL_VERSION, databaseName, config: { ...CHAT_CONFIG, autoCleanupInterval: 0 }, requirePersistence: true }, (patch) =>
        watcher.push(patch),
      )
    expect(welcome.ok).toBe(true)
    await api.execute([{ kind: 'sendMessages', commandId: 'b', at: 2, thread: 'main', messages: [message('m1', 'one'), message('m2', 'two')] }])
    const own = patches.at(-1)!
    const seen = watcher.at(-1)!
    expect(own.version).toBe(seen.version)
    expect(own.sent).toEqual({ ids: ['m1', 'm2'], seqs: [1, 2] })
    expect(own.changes.filter((c) => c.type === 'message')).toEqual([])
    expect(seen.sent).toBeUndefined()
    expect(seen.changes.filter((c) => c.type === 'message').map((c) => c.type === 'message' && [c.record.message, c.record.seq])).toEqual([
      [message('m1', 'one'), 1],
      [message('m2', 'two'), 2],
    ])
    expect(own.changes).toEqual(seen.changes.filter((c) => c.type !== 'message')) // the rest is the same for both
  })

  test('shares a commit with the engines of other tabs even when it disconnects at once', async () => {
    const { api, indexedDB, databaseName } = await connect()
    const other = await connect(indexedDB, databaseName) // another tab: its own engine on the same database
    await api.execute([{ kind: 'sendMessage', commandId: 'a', at: 1, thread: 'main', message: message('m1', 'last words') }])
    await api.disconnect() // the engine goes idle in this same task: what it had to share is posted first
    await vi.waitFor(() => expect(other.patches.flatMap((p) => p.changes).filter((c) => c.type === 'message')).toHaveLength(1))
  })

  test('keeps commonTopics equal to the top five of every word counted so far, batch after batch', async () => {
    const word = fc.constantFrom('laptop', 'mouse', 'screen', 'cable', 'dock', 'phone', 'charger', 'tablet')
    const batches = fc.array(fc.array(fc.array(word, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 })
    await fc.assert(
      fc.asyncProperty(batches, async (sent) => {
        const { api, engine } = await connect()
        const counts = new Map<string, number>()
        let n = 0
        for (const texts of sent) {
          const messages = texts.map((words) => message(`m${++n}`, words.join(' ')))
          await api.execute([{ kind: 'sendMessages', commandId: `c${n}`, at: n, thread: 'main', messages }])
          for (const words of texts) for (const w of new Set(words)) counts.set(w, (counts.get(w) ?? 0) + 1)
          const snapshot = await api.snapshot()
          if (!snapshot.ok) throw new Error(snapshot.error.message)
          expect(snapshot.value.analytics.commonTopics).toEqual(topTopics(counts))
        }
        await engine.close()
      }),
      { numRuns: 40 },
    )
  })

  test('keeps commonTopics right across hundreds of distinct topic words, in both tabs', async () => {
    const a = await connect()
    const b = await connect(a.indexedDB, a.databaseName)
    const letters = (i: number) => Array.from({ length: 3 }, (_, k) => String.fromCharCode(97 + (Math.floor(i / 26 ** k) % 26))).join('')
    const counts = new Map<string, number>()
    let n = 0
    for (let round = 0; round < 8; round++) {
      // A burst of 60 messages, each with a word seen nowhere else and one of a few that recur unevenly.
      const texts = Array.from({ length: 60 }, (_, i) => [`zz${letters(round * 60 + i)}`, `common${letters((i * i + round) % 9)}`])
      const messages = texts.map((words) => message(`m${++n}`, words.join(' ')))
      const sender = round % 3 === 2 ? b : a
      expect((await sender.api.execute([{ kind: 'sendMessages', commandId: `c${n}`, at: n, thread: 'main', messages }])).ok).toBe(true)
      // And a few one by one.
      for (const words of texts.slice(0, 3)) {
        expect((await sender.api.execute([{ kind: 'sendMessage', commandId: `s${++n}`, at: n, thread: 'main', message: message(`m${n}`, words.join(' ')) }])).ok).toBe(true)
      }
      for (const words of [...texts, ...texts.slice(0, 3)]) for (const w of new Set(words)) counts.set(w, (counts.get(w) ?? 0) + 1)
      for (const { api } of [a, b]) {
        const snapshot = await api.snapshot()
        if (!snapshot.ok) throw new Error(snapshot.error.message)
        expect(snapshot.value.analytics.commonTopics).toEqual(topTopics(counts))
      }
    }
  })

  test('counts every topic word once per message when two tabs send, and starts again after clearAllData', async () => {
    const word = fc.constantFrom('laptop', 'mouse', 'screen', 'cable', 'dock', 'phone', 'charger', 'tablet')
    const text = fc.array(word, { minLength: 1, maxLength: 3 })
    // Each step: which tab sends (its own engine on the same database), and its messages; or a wipe.
    const step = fc.oneof({ weight: 8, arbitrary: fc.tuple(fc.boolean(), fc.array(text, { minLength: 1, maxLength: 3 })) }, { weight: 1, arbitrary: fc.constant('clear' as const) })
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
        const a = await connect()
        const b = await connect(a.indexedDB, a.databaseName)
        const counts = new Map<string, number>()
        let n = 0
        for (const item of steps) {
          if (item === 'clear') {
            const cleared = await a.api.clearAllData()
            if (!cleared.ok) throw new Error(cleared.error.message)
            counts.clear()
            continue
          }
          const [first, texts] = item
          const messages = texts.map((words) => message(`m${++n}`, words.join(' ')))
          const done = await (first ? a : b).api.execute([{ kind: 'sendMessages', commandId: `c${n}`, at: n, thread: 'main', messages }])
          if (!done.ok) throw new Error(done.error.message)
          for (const words of texts) for (const w of new Set(words)) counts.set(w, (counts.get(w) ?? 0) + 1)
          for (const { api } of [a, b]) {
            const snapshot = await api.snapshot()
            if (!snapshot.ok) throw new Error(snapshot.error.message)
            expect(snapshot.value.analytics.commonTopics).toEqual(topTopics(counts))
          }
        }
        await Promise.all([a.engine.close(), b.engine.close()])
      }),
      { numRuns: 30 },
    )
  }, 60_000) // 30 runs of two engines each: seconds alone, over 20 s beside other test files on two busy cores

  test('a send takes the header and draft another tab wrote last, also when that tab added no message', async () => {
    const a = await connect()
    const b = await connect(a.indexedDB, a.databaseName)
    const reply = (id: string) => ({ ...message(id, `answer ${id}`), sender: 'assistant' as const })
    const run = async (tab: typeof a, command: Record<string, unknown>) => {
      const done = await tab.api.execute([command as unknown as Command])
      if (!done.ok) throw new Error(done.error.message)
    }
    const stored = async (tab: typeof a) => {
      const snapshot = await tab.api.snapshot()
      if (!snapshot.ok) throw new Error(snapshot.error.message)
      return { header: snapshot.value.threads.find((t) => t.id === 'main')!, drafts: snapshot.value.drafts.filter((d) => d.thread === 'main') }
    }
    await run(a, { kind: 'sendMessage', commandId: 'c1', at: 1, thread: 'main', message: reply('r1') })
    await run(a, { kind: 'sendMessage', commandId: 'c2', at: 2, thread: 'main', message: reply('r2') })
    // The other tab reads the chat and types a draft: no new message, no new row number.
    await run(b, { kind: 'markRead', commandId: 'c3', at: 3, thread: 'main' })
    await run(b, { kind: 'setDraft', commandId: 'c4', at: 4, thread: 'main', text: 'half typed' })
    // This tab sends again: one new unread reply after the marker, and a user message that clears the draft.
    await run(a, { kind: 'sendMessage', commandId: 'c5', at: 5, thread: 'main', message: reply('r3') })
    await run(a, { kind: 'sendMessage', commandId: 'c6', at: 6, thread: 'main', message: message('u1', 'thanks') })
    for (const tab of [a, b]) {
      const { header, drafts } = await stored(tab)
      expect(header).toMatchObject({ count: 4, unread: 1 })
      expect(header.readSeq).toBeGreaterThan(0)
      expect(drafts).toEqual([])
    }
    // And back: a draft set here is seen by the other tab's send.
    await run(a, { kind: 'setDraft', commandId: 'c7', at: 7, thread: 'main', text: 'again' })
    await run(b, { kind: 'sendMessage', commandId: 'c8', at: 8, thread: 'main', message: message('u2', 'bye') })
    expect((await stored(a)).drafts).toEqual([])
  })

  test("a write after another tab's cleanup keeps the view that cleanup left (the removed ticket is not selected again)", async () => {
    const a = await connect()
    const b = await connect(a.indexedDB, a.databaseName)
    const DAY = 24 * 60 * 60 * 1000
    const run = async (command: Command) => {
      const done = await a.api.execute([command])
      if (!done.ok) throw new Error(done.error.message)
    }
    await run({ kind: 'createTicket', commandId: 'c1', at: 1, ticketId: 't1', ticketType: 'support', title: 'Parcel' })
    await run({ kind: 'selectTicket', commandId: 'c2', at: 2, ticketId: 't1' })
    await run({ kind: 'resolveTicket', commandId: 'c3', at: 3, ticketId: 't1' })
    // The other tab's cleanup removes the ticket and clears the selection.
    const cleanup = await b.api.runCleanup(3 + 8 * DAY)
    if (!cleanup.ok) throw new Error(cleanup.error.message)
    expect(cleanup.value.report.removedTicketIds).toEqual(['t1'])
    // This tab writes the view again.
    await run({ kind: 'setTyping', commandId: 'c4', at: 4, isTyping: true })
    for (const tab of [a, b]) {
      const snapshot = await tab.api.snapshot()
      if (!snapshot.ok) throw new Error(snapshot.error.message)
      expect(snapshot.value.view).toMatchObject({ activeTicketId: null, isTyping: true })
    }
  })

  test('a send after a write this worker has not heard of yet takes the stored rows (the write moved the sequence)', async () => {
    const { api, indexedDB, databaseName } = await connect()
    const run = async (command: Command) => {
      const done = await api.execute([command])
      if (!done.ok) throw new Error(done.error.message)
    }
    await run({ kind: 'sendMessage', commandId: 'c1', at: 1, thread: 'main', message: { ...message('r1', 'hello'), sender: 'assistant' } })
    await run({ kind: 'sendMessage', commandId: 'c2', at: 2, thread: 'main', message: { ...message('r2', 'how can I help'), sender: 'assistant' } })
    // Another writer whose announcement has not arrived: a draft typed, and the sequence moved, as every write moves it.
    const other = new ChatDatabase(databaseName, { indexedDB, IDBKeyRange: IDBKeyRange as unknown as typeof globalThis.IDBKeyRange })
    await other.transaction('rw', other.all, async () => {
      const stored = await other.meta.get('counters')
      if (stored?.key !== 'counters') throw new Error('no counters')
      await other.drafts.put({ thread: 'main', text: 'typed elsewhere', at: 3 })
      await other.meta.put({ key: 'counters', value: { ...stored.value, seq: stored.value.seq + 1 } })
    })
    other.close()
    // A user message clears its thread's draft: the one just stored.
    await run({ kind: 'sendMessage', commandId: 'c3', at: 4, thread: 'main', message: message('u1', 'where is my parcel') })
    const snapshot = await api.snapshot()
    if (!snapshot.ok) throw new Error(snapshot.error.message)
    expect(snapshot.value.drafts).toEqual([])
    expect(snapshot.value.threads.find((t) => t.id === 'main')).toMatchObject({ count: 3 })
  })

  test('cleanup of hundreds of tickets removes exactly the old ended ones with their messages, headers, drafts and old command ids', async () => {
    const { api, patches } = await connect()
    const DAY = 24 * 60 * 60 * 1000
    const id = (i: number) => `t${String(i).padStart(4, '0')}`
    const n = 1_200
    const commands: Command[] = []
    for (let i = 0; i < n; i++) {
      // Key order interleaves the tickets that stay (every tenth, and the last ones) with those that go.
      commands.push({ kind: 'createTicket', commandId: `c${i}`, at: 1, ticketId: id(i), ticketType: 'support', title: `T${i}`, initialMessage: message(`m${id(i)}`, `ticket ${i}`) })
      if (i % 10 !== 0 && i < n - 100) commands.push({ kind: 'resolveTicket', commandId: `r${i}`, at: 2, ticketId: id(i) })
      commands.push({ kind: 'sendMessage', commandId: `s${i}`, at: 3, thread: 'main', message: message(`a${id(i)}`, `main ${i}`) })
    }
    commands.push({ kind: 'setDraft', commandId: 'd1', at: 4, thread: id(1), text: 'half typed' }, { kind: 'setDraft', commandId: 'd3', at: 4, thread: id(10), text: 'kept' })
    expect((await api.execute(commands)).ok).toBe(true)
    const later = 2 + 8 * DAY
    expect((await api.execute([{ kind: 'resolveTicket', commandId: 'late', at: later, ticketId: id(n - 1) }])).ok).toBe(true)
    const cleanup = await api.runCleanup(later)
    if (!cleanup.ok) throw new Error(cleanup.error.message)
    const gone = new Set(Array.from({ length: n }, (_, i) => i).filter((i) => i % 10 !== 0 && i < n - 100).map(id))
    expect(new Set(cleanup.value.report.removedTicketIds)).toEqual(gone)
    expect(cleanup.value.report.removedMessages).toBe(gone.size)
    const kept = Array.from({ length: n }, (_, i) => id(i)).filter((ticket) => !gone.has(ticket))
    const snapshot = await api.snapshot(kept)
    if (!snapshot.ok) throw new Error(snapshot.error.message)
    const { tickets, threads, messages, drafts } = snapshot.value
    expect(tickets.map((ticket) => ticket.id)).toEqual(kept)
    expect(threads.map((thread) => thread.id).sort()).toEqual(['main', ...kept].sort())
    expect(messages.filter((m) => m.thread !== 'main').map((m) => m.message.id)).toEqual(kept.map((ticket) => `m${ticket}`))
    expect(messages.filter((m) => m.thread === 'main')).toHaveLength(Math.min(n, CHAT_CONFIG.maxMainChatMessages))
    expect(drafts.map((draft) => draft.thread)).toEqual([id(10)])
    // The command ids are kept for a day only: the resolve of a removed ticket, sent again, is not taken for a retry now.
    expect((await api.execute([{ kind: 'resolveTicket', commandId: 'r1', at: 2, ticketId: id(1) }])).ok).toBe(true)
    expect(patches.at(-1)).toMatchObject({ done: [], refused: [{ commandId: 'r1' }] })
  }, 60_000) // 3,600 commands and their cleanup on fake-indexeddb: about 3 s alone, over 20 s beside other test files on two busy cores

  test('never rolls a row back when another tab announces a commit late', async () => {
    const a = await connect()
    const b = await connect(a.indexedDB, a.databaseName) // another tab: its own engine on the same database
    // Record what the engines announce to each other, to deliver one of them again, late.
    const announced: unknown[] = []
    const tap = new BroadcastChannel(`companion-chat:v${PROTOCOL_VERSION}:${a.databaseName}`)
    tap.onmessage = (event: MessageEvent) => announced.push(event.data)
    const create: Command = { kind: 'createTicket', commandId: 'c1', at: 1, ticketId: 't1', ticketType: 'support', title: 'T' }
    await a.api.execute([create])
    await a.api.execute([{ kind: 'updateTicketStatus', commandId: 'c2', at: 2, ticketId: 't1', status: 'in-progress' }])
    await vi.waitFor(() => expect(announced).toHaveLength(2))
    await b.api.execute([{ kind: 'resolveTicket', commandId: 'c3', at: 3, ticketId: 't1', summary: 'done' }])
    tap.postMessage(announced[1]) // a's 'in-progress' commit, heard by b after b's own resolve
    const statusSeenBy = (patches: Patch[]) =>
      patches.flatMap((p) => p.changes).flatMap((c) => (c.type === 'ticket' ? [c.record.status] : [])).at(-1)
    await vi.waitFor(() => expect(b.patches.length).toBeGreaterThanOrEqual(4))
    await new Promise((resolve) => setTimeout(resolve, 20))
    tap.close()
    expect(statusSeenBy(b.patches)).toBe('resolved')
    const snapshot = await b.api.snapshot()
    expect(snapshot.ok && snapshot.value.tickets[0]!.status).toBe('resolved')
  })

  test('a reply removes only the superseded suggestions that answer the same message', async () => {
    const { api, patches } = await connect()
    const suggestion = (id: string, replyTo: string) => ({ ...message(id, `offer ${id}`), sender: 'assistant' as const, type: 'suggestion' as const, metadata: { replyTo } })
    const slot = (status: 'streaming' | 'done') => ({
      ...message('reply:u1', 'answer'),
      sender: 'assistant' as const,
      metadata: { reply: { to: 'u1', status, owner: 'me', leaseUntil: 5_000 } },
    })
    await api.execute([
      { kind: 'sendMessage', commandId: 'a', at: 1, thread: 'main', message: message('u1', 'question') },
      { kind: 'reply', commandId: 'b', at: 1, guard: 'new', owner: 'me', message: slot('done') },
      { kind: 'sendMessage', commandId: 'c', at: 1, thread: 'main', message: suggestion('reply:u1:s0', 'u1') },
      { kind: 'sendMessage', commandId: 'd', at: 1, thread: 'main', message: suggestion('other:s0', 'u2') },
    ])
    // Superseding names: a suggestion of this reply, one of another reply, a plain message, an id that is gone.
    const supersede = ['reply:u1:s0', 'other:s0', 'u1', 'gone']
    await api.execute([{ kind: 'reply', commandId: 'e', at: 2, guard: 'claim', owner: 'me', message: slot('streaming'), supersede }])
    expect(patches.at(-1)!.refused).toEqual([])
    expect(patches.at(-1)!.changes.filter((c) => c.type === 'messageDeleted')).toEqual([{ type: 'messageDeleted', id: 'reply:u1:s0', thread: 'main' }])
    // The same id written again right after gets a new place, after the reply.
    await api.execute([{ kind: 'sendMessage', commandId: 'f', at: 3, thread: 'main', message: { ...suggestion('reply:u1:s0', 'u1'), content: 'new offer' } }])
    const snapshot = await api.snapshot()
    if (!snapshot.ok) throw new Error()
    expect(snapshot.value.messages.map((m) => m.message.content)).toEqual(['question', 'answer', 'offer other:s0', 'new offer'])
  })

  test('refuses supersede with guard own, or with too many ids', async () => {
    const { api, patches } = await connect()
    const slot = { ...message('reply:u1', ''), sender: 'assistant' as const, metadata: { reply: { to: 'u1', status: 'streaming' as const, owner: 'me' } } }
    await api.execute([{ kind: 'reply', commandId: 'a', at: 1, guard: 'own', owner: 'me', message: slot, supersede: ['x'] }])
    await api.execute([{ kind: 'reply', commandId: 'b', at: 1, guard: 'new', owner: 'me', message: slot, supersede: Array.from({ length: 65 }, (_, i) => `s${i}`) }])
    expect(patches.flatMap((p) => p.refused).map((r) => [r.commandId, r.error.code, (r.error.details as { path?: string }).path])).toEqual([
      ['a', 'validation', 'supersede'],
      ['b', 'validation', 'supersede'],
    ])
  })

  test('a row trimmed from the main chat stays deleted when the same batch also changed it', async () => {
    const { api } = await connectWithLimit(2)
    await api.execute([
      { kind: 'sendMessage', commandId: 'a', at: 1, thread: 'main', message: message('m1', 'oldest') },
      { kind: 'sendMessage', commandId: 'b', at: 2, thread: 'main', message: message('m2', 'middle') },
    ])
    // One batch: a ticket from the oldest message (which updates its metadata), and a new message that trims it.
    await api.execute([
      { kind: 'createTicketFromChatMessage', commandId: 'c', at: 3, ticketId: 't1', copyId: 'm1-copy', messageId: 'm1', ticketType: 'support', title: 'T' },
      { kind: 'sendMessage', commandId: 'd', at: 4, thread: 'main', message: message('m3', 'newest') },
    ])
    const snapshot = await api.snapshot()
    if (!snapshot.ok) throw new Error()
    expect(snapshot.value.messages.filter((m) => m.thread === 'main').map((m) => m.message.id)).toEqual(['m2', 'm3'])
    expect(snapshot.value.tickets[0]!.id).toBe('t1')
  })

  test('takes a retried batch at the main-chat limit for a retry: nothing trimmed, nothing counted twice', async () => {
    const { api, snapshotOf } = await connectWithLimit(3)
    const batch: Command = { kind: 'sendMessages', commandId: 'b', at: 2, thread: 'main', messages: [message('m1', 'one'), message('m2', 'two'), message('m3', 'three')] }
    await api.execute([batch])
    await api.execute([batch]) // the answer was lost: the same batch again
    await api.execute([{ kind: 'sendMessage', commandId: 'a', at: 1, thread: 'main', message: message('m1', 'one') }]) // and its oldest message alone
    expect(await snapshotOf()).toEqual({ ids: ['m1', 'm2', 'm3'], total: 3 })
    await api.execute([{ kind: 'sendMessage', commandId: 'c', at: 3, thread: 'main', message: message('m4', 'four') }])
    expect(await snapshotOf()).toEqual({ ids: ['m2', 'm3', 'm4'], total: 4 })
  })

  test('takes a resent send for a retry after its message was trimmed from the main chat: it does not come back', async () => {
    const { api, snapshotOf, patches } = await connectWithLimit(3)
    const sends = ['one', 'two', 'three', 'four', 'five'].map(
      (content, i): Command => ({ kind: 'sendMessage', commandId: `c${i + 1}`, at: i + 1, thread: 'main', message: message(`m${i + 1}`, content) }),
    )
    await api.execute(sends.slice(0, 2))
    await api.execute(sends.slice(2)) // m1 and m2 are trimmed
    // The answers were lost (the worker died): the client sends every command again, marked resent.
    await api.execute([sends[0]!], { resent: true })
    expect(await snapshotOf()).toEqual({ ids: ['m3', 'm4', 'm5'], total: 5 })
    await api.execute(sends, { resent: true })
    for (const send of sends) await api.execute([send], { resent: true })
    expect(await snapshotOf()).toEqual({ ids: ['m3', 'm4', 'm5'], total: 5 })
    expect(patches.flatMap((p) => p.refused)).toEqual([])
    expect(patches.at(-1)!.done).toEqual(['c5'])
  })

  test('keeps the main-chat count when one batch deletes, writes again and deletes the same suggestion', async () => {
    const { api, snapshotOf } = await connectWithLimit(3)
    const offer = (content: string) => ({ ...message('u1:s0', content), sender: 'assistant' as const, type: 'suggestion' as const, metadata: { replyTo: 'u1' } })
    const slot = (content: string) => ({ ...message('reply:u1', content), sender: 'assistant' as const, metadata: { reply: { to: 'u1', status: 'streaming' as const, owner: 'me' } } })
    await api.execute([
      { kind: 'sendMessage', commandId: 'a', at: 1, thread: 'main', message: message('u1', 'question') },
      { kind: 'sendMessage', commandId: 'b', at: 1, thread: 'main', message: offer('one') },
    ])
    await api.execute([
      { kind: 'reply', commandId: 'c', at: 2, guard: 'new', owner: 'me', message: slot(''), supersede: ['u1:s0'] },
      { kind: 'sendMessage', commandId: 'd', at: 2, thread: 'main', message: offer('two') },
      { kind: 'reply', commandId: 'e', at: 2, guard: 'claim', owner: 'me', message: slot('again'), supersede: ['u1:s0'] },
    ])
    expect((await snapshotOf()).ids).toEqual(['u1', 'reply:u1'])
    await api.execute([{ kind: 'sendMessage', commandId: 'f', at: 3, thread: 'main', message: message('m2', 'two') }])
    await api.execute([{ kind: 'sendMessage', commandId: 'g', at: 4, thread: 'main', message: message('m3', 'three') }])
    expect((await snapshotOf()).ids).toEqual(['reply:u1', 'm2', 'm3']) // three kept, as configured
  })

  test('refuses a message id reused for other content', async () => {
    const { api, patches } = await connect()
    await api.execute([{ kind: 'sendMessage', commandId: 'a', at: 1, thread: 'main', message: message('m1', 'one') }])
    await api.execute([{ kind: 'sendMessage', commandId: 'b', at: 2, thread: 'main', message: message('m1', 'two') }])
    expect(patches.at(-1)!.refused).toEqual([{ commandId: 'b', error: expect.objectContaining({ code: 'validation' }) }])
  })

  test('validates commands again, whoever sent them', async () => {
    const { api, patches } = await connect()
    const forged = { kind: 'sendMessage', commandId: 'x', at: 1, thread: 'main', message: { ...message('m1', ''), sender: 'admin' } }
    await api.execute([forged as unknown as Command])
    expect(patches.at(-1)!.refused[0]).toMatchObject({ commandId: 'x', error: { code: 'validation' } })
    const snapshot = await api.snapshot()
    expect(snapshot.ok && snapshot.value.messages).toEqual([])
  })

  test('orders messages by the database sequence, not by their clocks', async () => {
    const { api } = await connect()
    await api.execute([
      { kind: 'sendMessage', commandId: 'a', at: 1, thread: 'main', message: { ...message('m1', 'first'), timestamp: 9_000 } },
      { kind: 'sendMessage', commandId: 'b', at: 1, thread: 'main', message: { ...message('m2', 'second'), timestamp: 10 } },
    ])
    const snapshot = await api.snapshot()
    expect(snapshot.ok && snapshot.value.messages.map((m) => m.message.content)).toEqual(['first', 'second'])
  })

  test('publishes a patch with a growing version after each commit', async () => {
    const { api, patches, welcome } = await connect()
    await api.execute([{ kind: 'setTyping', commandId: 'a', at: 5, isTyping: true }])
    await api.execute([{ kind: 'switchChatView', commandId: 'b', at: 6, view: 'tickets' }])
    expect(patches.map((p) => p.version)).toEqual([welcome.snapshot.version + 1, welcome.snapshot.version + 2])
    expect(patches[0]!.changes).toEqual([{ type: 'view', view: { ticketView: 'chat', activeTicketId: null, isTyping: true, lastActivity: 5 } }])
  })

  test('refuses to serve a second database from one engine', async () => {
    const { engine } = await connect()
    const other = await engine
      .connection()
      .connect({ protocolVersion: PROTOCOL_VERSION, databaseName: 'another', config: CHAT_CONFIG, requirePersistence: false }, () => {})
    expect(other).toMatchObject({ ok: false, error: { code: 'storage-unavailable' } })
  })
})
