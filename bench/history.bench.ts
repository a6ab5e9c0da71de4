/**
 * `npm run bench:history`: what the cost of a client does (and does not) grow with, now that
 * the history stays in the worker. Each row is a ratio in one run, on fake-indexeddb in Node:
 *
 * 1. main-thread heap a client retains once it opened 100,000 stored messages (1,000 tickets ×
 *    100), against the same with 10,000 (1,000 tickets × 10): the heap while it is open less
 *    the heap after it closed (engine in-process on fake-indexeddb, whose stored data is in
 *    the heap either way);
 * 2. `createChatClient` → the first `tickets$` with all 1,000 tickets, against raw Dexie
 *    reading the same ticket rows, thread headers and main chat;
 * 3. main-thread time of one awaited send into a ticket of 50,000 messages, against one into
 *    an empty ticket (engine in a worker_threads worker; event-loop busy time of the main thread);
 * 4. 5,000 `sendTicketMessage` fired together into one ticket, against one raw Dexie
 *    `bulkPut` of the same rows with the same indexes (search words computed in the timed part);
 * 5. `loadOlder` pages of 50 walking back through a ticket of 10,000 messages, against raw
 *    Dexie `[thread+seq]` range reads of 50 behind the same kind of channel (and, for
 *    reference, on the calling thread).
 *
 * Options: --rounds N (default 5); --rows 1,4,5 runs only those rows.
 */
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { Worker } from 'node:worker_threads'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir, cpus } from 'node:os'
import { join } from 'node:path'
import { build } from 'esbuild'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { Dexie } from 'dexie'
import * as Comlink from 'comlink'
import { firstValueFrom, filter } from 'rxjs'
import { createChatClient, MAIN_THREAD } from '../src/index.js'
import { searchWords } from '../src/core/search-words.js'
import { fmt, loadGc, median, ratio } from './workload.js'

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, rows: { type: 'string', default: '1,2,3,4,5' } } })
const ROUNDS = Math.max(1, Number(args.rounds))
const ROWS = new Set(args.rows.split(',').map(Number))
const gc = await loadGc()
let databases = 0
const nextName = (prefix: string) => `history-${prefix}-${process.pid}-${++databases}`
const NO_CLEANUP = { autoCleanupInterval: 0 } as const

/** A database of `tickets` tickets × `perTicket` messages, written through the SDK; answers its factory and ticket ids. */
async function populate(tickets: number, perTicket: number): Promise<{ indexedDB: IDBFactory; databaseName: string; ids: string[] }> {
  const indexedDB = new IDBFactory()
  const databaseName = nextName('store')
  const writer = createChatClient({ indexedDB, IDBKeyRange, databaseName, config: NO_CLEANUP })
  const ids: string[] = []
  for (let t = 0; t < tickets; t++) {
    const id = writer.createTicket('support', `Ticket ${t}`)
    ids.push(id)
    for (let m = 0; m < perTicket; m++) void writer.sendTicketMessage(id, `Message ${m} of ticket ${t}: where is my order ${t * perTicket + m}?`, { sender: m % 2 ? 'assistant' : 'user' })
    if (t % 50 === 49) await writer.flush()
  }
  for (let m = 0; m < 100; m++) void writer.sendMainChatMessage(`main chat message ${m}`)
  await writer.close()
  return { indexedDB, databaseName, ids }
}

const heapMb = () => {
  gc()
  gc()
  return process.memoryUsage().heapUsed / 1024 / 1024
}

/** Rows 1 and 2: heap growth and time to the full ticket list. */
async function opening(tickets: number, perTicket: number) {
  const store = await populate(tickets, perTicket)
  const t0 = performance.now()
  const chat = createChatClient({ ...store, IDBKeyRange, config: NO_CLEANUP })
  await firstValueFrom(chat.tickets$.pipe(filter((list) => list.length === tickets)))
  const sdkMs = performance.now() - t0
  // What the client retains: the heap while it is open, less the heap once it is closed.
  await new Promise((resolve) => setTimeout(resolve, 50))
  const open = heapMb()
  await chat.close()
  await new Promise((resolve) => setTimeout(resolve, 50))
  const growth = open - heapMb()
  // Raw Dexie reading what the client starts from: tickets, thread headers, the main chat.
  const db = new Dexie(store.databaseName, { indexedDB: store.indexedDB, IDBKeyRange })
  await db.open()
  const t1 = performance.now()
  await db.transaction('r', ['tickets', 'threads', 'messages'], () =>
    Promise.all([
      db.table('tickets').toArray(),
      db.table('threads').toArray(),
      db.table('messages').where('[thread+seq]').between([MAIN_THREAD, Dexie.minKey], [MAIN_THREAD, Dexie.maxKey]).toArray(),
    ]),
  )
  const dexieMs = performance.now() - t1
  db.close()
  return { growth, sdkMs, dexieMs }
}

/** Row 3: the engine in a worker thread; main-thread busy time per awaited send. */
async function sendCost(dir: string): Promise<{ long: number; empty: number }> {
  const workerFile = join(dir, 'node-worker.mjs')
  const chat = createChatClient({ worker: () => new Worker(workerFile), config: NO_CLEANUP })
  const long = chat.createTicket('support', 'Long')
  for (let i = 0; i < 50_000; i++) void chat.sendTicketMessage(long, `history ${i}`)
  await chat.flush()
  const empty = chat.createTicket('support', 'Empty')
  await chat.flush()
  const busyPerSend = async (id: string, count: number) => {
    const start = performance.eventLoopUtilization()
    for (let i = 0; i < count; i++) await chat.sendTicketMessage(id, `probe ${i}`)
    const used = performance.eventLoopUtilization(start)
    return used.active / count
  }
  await busyPerSend(empty, 20) // warm-up
  const samples = { long: [] as number[], empty: [] as number[] }
  for (let round = 0; round < ROUNDS; round++) {
    samples.long.push(await busyPerSend(long, 100))
    samples.empty.push(await busyPerSend(empty, 100))
  }
  await chat.close()
  return { long: median(samples.long), empty: median(samples.empty) }
}

/** Row 4: 5,000 ticket messages fired together, and the raw Dexie baseline. */
async function ticketBurst(): Promise<{ sdk: number; dexie: number }> {
  const texts = Array.from({ length: 5_000 }, (_, i) => `Ticket reply ${i}: the parcel left the depot on Monday`)
  const chat = createChatClient({ indexedDB: new IDBFactory(), IDBKeyRange, databaseName: nextName('burst'), config: NO_CLEANUP })
  const id = chat.createTicket('order-help', 'Where is my order?')
  await chat.flush()
  const t0 = performance.now()
  await Promise.all(texts.map((text) => chat.sendTicketMessage(id, text)))
  const sdk = performance.now() - t0
  await chat.close()

  const db = new Dexie(nextName('burst-dexie'), { indexedDB: new IDBFactory(), IDBKeyRange })
  db.version(1).stores({ messages: 'id, [thread+seq], *words' })
  await db.open()
  const now = Date.now()
  const t1 = performance.now()
  const rows = texts.map((content, i) => {
    const message = { id: `m${i}`, content, sender: 'user' as const, timestamp: now, type: 'text' as const }
    return { id: message.id, thread: id, seq: i + 1, message, words: searchWords(message) }
  })
  await db.table('messages').bulkPut(rows)
  const dexie = performance.now() - t1
  db.close()
  return { sdk, dexie }
}

/**
 * Row 5: pages of 50 walking back through 10,000 messages. Two baselines: raw Dexie on the
 * calling thread, and the same read behind a MessageChannel with Comlink, as the SDK's
 * in-process engine is (and as the browser benchmark puts raw Dexie in a worker): a page
 * always crosses to the thread that owns the data and is copied back.
 */
async function paging(): Promise<{ sdk: number; dexie: number; dexieChannel: number }> {
  const store = await populate(1, 10_000)
  const [id] = store.ids as [string]
  const chat = createChatClient({ ...store, IDBKeyRange, config: NO_CLEANUP })
  await chat.ready
  const release = chat.watchTicket(id)
  await chat.loadOlder(id, 50) // the newest window
  const sdkTimes: number[] = []
  for (let i = 0; i < 100; i++) {
    const t0 = performance.now()
    await chat.loadOlder(id, 50)
    sdkTimes.push(performance.now() - t0)
  }
  release()
  await chat.close()
  const db = new Dexie(store.databaseName, { indexedDB: store.indexedDB, IDBKeyRange })
  await db.open()
  const messages = db.table('messages')
  const readPage = async (before: number) =>
    (await messages.where('[thread+seq]').between([id, Dexie.minKey], [id, before], true, false).reverse().limit(50).toArray()) as Array<{ seq: number }>
  const walk = async (read: (before: number) => Promise<Array<{ seq: number }>>) => {
    let before = Dexie.maxKey as unknown as number
    const times: number[] = []
    for (let i = 0; i < 101; i++) {
      const t0 = performance.now()
      const rows = await read(before)
      if (i > 0) times.push(performance.now() - t0)
      before = rows.at(-1)!.seq
    }
    return median(times)
  }
  const dexie = await walk(readPage)
  const { port1, port2 } = new MessageChannel()
  Comlink.expose({ readPage }, port1 as unknown as Comlink.Endpoint)
  const remote = Comlink.wrap<{ readPage: typeof readPage }>(port2 as unknown as Comlink.Endpoint)
  const dexieChannel = await walk((before) => remote.readPage(before))
  port1.close()
  port2.close()
  db.close()
  return { sdk: median(sdkTimes), dexie, dexieChannel }
}

const dir = await mkdtemp(join(tmpdir(), 'history-bench-'))
await build({ entryPoints: ['worker/node.ts'], bundle: true, format: 'esm', platform: 'node', outfile: join(dir, 'node-worker.mjs'), logLevel: 'error' })
console.log(`history bench: ${ROUNDS} rounds, Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`)

const small = [] as Array<Awaited<ReturnType<typeof opening>>>
const large = [] as Array<Awaited<ReturnType<typeof opening>>>
const bursts = [] as Array<{ sdk: number; dexie: number }>
for (let round = 0; round < ROUNDS; round++) {
  if (ROWS.has(1) || ROWS.has(2)) {
    small.push(await opening(1_000, 10))
    large.push(await opening(1_000, 100))
  }
  if (ROWS.has(4)) bursts.push(await ticketBurst())
}
const pages = ROWS.has(5) ? await paging() : undefined
const sends = ROWS.has(3) ? await sendCost(dir) : undefined
await rm(dir, { recursive: true, force: true })

const med = <T>(rows: T[], pick: (row: T) => number) => median(rows.map(pick))
const growthSmall = med(small, (r) => r.growth)
const growthLarge = med(large, (r) => r.growth)
const rows: Array<[number, string, string, string]> = [
  [
    1,
    'heap growth, 100,000 stored (1,000 tickets × 100)',
    `${growthLarge.toFixed(1)} MB; ${growthSmall.toFixed(1)} MB at 10,000 (${((growthLarge / growthSmall - 1) * 100).toFixed(0)} %)`,
    '≤ 10 MB, within ±20 %',
  ],
  [
    2,
    'createChatClient → tickets$ with 1,000 tickets (100,000 stored)',
    `${fmt(med(large, (r) => r.sdkMs))} ms vs raw Dexie ${fmt(med(large, (r) => r.dexieMs))} ms = ${ratio(med(large, (r) => r.sdkMs), med(large, (r) => r.dexieMs))}`,
    '≤ 1.5×',
  ],
  [3, 'one awaited send, main-thread busy time', sends ? `${sends.long.toFixed(2)} ms into 50,000 vs ${sends.empty.toFixed(2)} ms into empty = ${ratio(sends.long, sends.empty)}` : '', 'within ±20 %'],
  [
    4,
    '5,000 sendTicketMessage fired together',
    `${fmt(med(bursts, (r) => r.sdk))} ms vs raw Dexie bulkPut ${fmt(med(bursts, (r) => r.dexie))} ms = ${ratio(med(bursts, (r) => r.sdk), med(bursts, (r) => r.dexie))}`,
    '≤ 2×',
  ],
  [
    5,
    'loadOlder page of 50',
    pages
      ? `${pages.sdk.toFixed(2)} ms vs raw Dexie range behind a MessageChannel ${pages.dexieChannel.toFixed(2)} ms = ${ratio(pages.sdk, pages.dexieChannel)} (on the calling thread ${pages.dexie.toFixed(2)} ms = ${ratio(pages.sdk, pages.dexie)})`
      : '',
    '≤ 1.5×',
  ],
]
console.log('\n| row | figure | target |\n|---|---|---|')
for (const [n, row, figure, target] of rows) if (ROWS.has(n)) console.log(`| ${row} | ${figure} | ${target} |`)
