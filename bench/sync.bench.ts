/**
 * `npm run bench:sync`: the sync rows, against one local pouchdb-server (in memory, started
 * here on 127.0.0.1 and a free port) for the SDK and its baseline alike. Not part of `npm test`.
 *
 * - push: 10,000 user messages queued in the outbox while offline; the clock runs from the
 *   client that delivers them (a reload: `createChatClient` with sync on the same database)
 *   to an empty outbox (every entry stored as sent). Baseline: PouchDB's own
 *   `replicate.to` of the same 10,000 documents from a memory database.
 * - pull: 10,000 message documents on the server; the clock runs from `createChatClient` on
 *   an empty device to `sync$` saying `online` (caught up: every change stored, with its
 *   checkpoint). Baseline: `replicate.from` into an empty memory database.
 * - disconnects: 10,000 messages delivered through a proxy that cuts every open connection
 *   100 times at random moments (responses lost mid-flight); then the server must hold each
 *   message exactly once (one document, revision 1), in the device's order.
 *
 * Samples alternate SDK and PouchDB in each round; medians. Options: --rounds N (default 3),
 * --messages N (default 10000), --disconnects N (default 100), --only push,pull,disconnects.
 */
import { parseArgs } from 'node:util'
import { cpus, loadavg } from 'node:os'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import PouchDB from 'pouchdb'
import MemoryAdapter from 'pouchdb-adapter-memory'
import { createChatClient, SyncError, type ChatClient, type ChatClientOptions } from '../src/index.js'
import { createCouchDBSync } from '../src/couchdb/index.js'
import { startCouchServer, type CouchServer } from '../test/helpers/couch-server.js'
import { cuttingProxy } from '../test/helpers/cutting-proxy.js'
import { createRandom, fmt, makeTexts, median } from './workload.js'

PouchDB.plugin(MemoryAdapter)

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    messages: { type: 'string', default: '10000' },
    disconnects: { type: 'string', default: '100' },
    only: { type: 'string', default: 'push,pull,disconnects' },
  },
})
const ROUNDS = Number(args.rounds)
const MESSAGES = Number(args.messages)
const DISCONNECTS = Number(args.disconnects)
const ONLY = new Set(args.only.split(','))
const texts = makeTexts(MESSAGES)
let databases = 0
let pouches = 0

const config = { autoCleanupInterval: 0, maxMainChatMessages: MESSAGES }
const unreachable = {
  name: 'offline',
  push: offline,
  pull: offline,
  live: offline,
}
async function offline(): Promise<never> {
  throw new SyncError('offline', { reason: 'unreachable' })
}

/** A device whose outbox holds `MESSAGES` user messages, queued while the server was unreachable. */
async function queuedDevice(): Promise<{ indexedDB: IDBFactory; databaseName: string }> {
  const indexedDB = new IDBFactory()
  const databaseName = `bench-${++databases}`
  const queued = createChatClient({ indexedDB, IDBKeyRange, databaseName, host: 'in-process', config, sync: unreachable, syncOptions: { minRetryDelay: 60_000 } })
  for (let i = 0; i < texts.length; i += 10_000) await queued.sendMainChatMessages(texts.slice(i, i + 10_000))
  await queued.close()
  return { indexedDB, databaseName }
}

function open(device: { indexedDB: IDBFactory; databaseName: string }, url: string, extra: Partial<ChatClientOptions> = {}): ChatClient {
  return createChatClient({
    indexedDB: device.indexedDB,
    IDBKeyRange,
    databaseName: device.databaseName,
    host: 'in-process',
    config,
    sync: createCouchDBSync({ url, createDatabase: true }),
    syncOptions: { minRetryDelay: 20, maxRetryDelay: 200 },
    ...extra,
  })
}

function until(done: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (!done()) return
      clearInterval(timer)
      resolve()
    }
    const timer = setInterval(check, 5)
    check()
  })
}

/** The SDK: a reload delivers the queued outbox. */
async function sdkPush(server: CouchServer): Promise<number> {
  const device = await queuedDevice()
  const url = server.database(`push-sdk-${++databases}`)
  await fetch(url, { method: 'PUT' })
  const start = performance.now()
  const chat = open(device, url)
  await chat.ready
  await until(() => chat.outbox$.value.length === 0)
  const ms = performance.now() - start
  await chat.close()
  await check(url, MESSAGES)
  return ms
}

/** The same documents the SDK writes, in a PouchDB memory database. */
async function pouchWith(count: number): Promise<PouchDB.Database> {
  const local = new PouchDB(`pouch-${++pouches}`, { adapter: 'memory' })
  const now = Date.now()
  const docs = texts.slice(0, count).map((content, i) => ({
    _id: `message:p${i}`,
    type: 'message',
    thread: 'main',
    seq: i + 1,
    message: { id: `p${i}`, content, sender: 'user', timestamp: now + i, type: 'text' },
  }))
  for (let i = 0; i < docs.length; i += 1_000) await local.bulkDocs(docs.slice(i, i + 1_000))
  return local
}

async function pouchPush(server: CouchServer): Promise<number> {
  const local = await pouchWith(MESSAGES)
  const url = server.database(`push-pouch-${++databases}`)
  await fetch(url, { method: 'PUT' })
  const start = performance.now()
  await local.replicate.to(url)
  const ms = performance.now() - start
  await local.destroy()
  await check(url, MESSAGES)
  return ms
}

/** A server database with `MESSAGES` message documents (an agent's, in the main chat). */
async function filledDatabase(server: CouchServer): Promise<string> {
  const url = server.database(`pull-${++databases}`)
  await fetch(url, { method: 'PUT' })
  const now = Date.now()
  for (let i = 0; i < MESSAGES; i += 1_000) {
    const docs = texts.slice(i, i + 1_000).map((content, j) => ({
      _id: `message:s${i + j}`,
      type: 'message',
      thread: 'main',
      message: { id: `s${i + j}`, content, sender: 'assistant', timestamp: now + i + j, type: 'text' },
    }))
    await fetch(`${url}/_bulk_docs`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ docs }) })
  }
  return url
}

async function sdkPull(server: CouchServer): Promise<number> {
  const url = await filledDatabase(server)
  const device = { indexedDB: new IDBFactory(), databaseName: `pull-sdk-${++databases}` }
  const start = performance.now()
  const chat = open(device, url)
  await until(() => chat.sync$.value.state === 'online')
  const ms = performance.now() - start
  const count = chat.getState().mainChat.messages.length
  await chat.close()
  if (count !== MESSAGES) throw new Error(`pulled ${count} of ${MESSAGES}`)
  return ms
}

async function pouchPull(server: CouchServer): Promise<number> {
  const url = await filledDatabase(server)
  const local = new PouchDB(`pouch-${++pouches}`, { adapter: 'memory' })
  const start = performance.now()
  await local.replicate.from(url)
  const ms = performance.now() - start
  const info = await local.info()
  await local.destroy()
  if (info.doc_count !== MESSAGES) throw new Error(`pulled ${info.doc_count} of ${MESSAGES}`)
  return ms
}

/** Every message on the server once (one document each, revision 1), in the device's order. */
async function check(url: string, expected: number, order?: readonly string[]): Promise<{ lost: number; duplicated: number; ordered: boolean }> {
  const response = await fetch(`${url}/_all_docs?include_docs=true`)
  const body = (await response.json()) as { rows: Array<{ id: string; doc: { _rev: string; type?: string; seq?: number; message?: { content: string } } }> }
  const messages = body.rows.filter((row) => row.doc.type === 'message')
  const rewritten = messages.filter((row) => !row.doc._rev.startsWith('1-')).length
  const lost = expected - messages.length
  const ordered = order === undefined || messages.sort((a, b) => a.doc.seq! - b.doc.seq!).every((row, i) => row.doc.message!.content === order[i])
  if (order === undefined && (lost !== 0 || rewritten !== 0)) throw new Error(`${url}: ${lost} lost, ${rewritten} written twice`)
  return { lost, duplicated: rewritten, ordered }
}

async function disconnects(server: CouchServer): Promise<string> {
  const port = Number(new URL(server.url).port)
  const proxy = await cuttingProxy(port)
  const name = `disconnects-${++databases}`
  await fetch(server.database(name), { method: 'PUT' })
  const device = { indexedDB: new IDBFactory(), databaseName: name }
  const chat = open(device, `${proxy.url}/${name}`, { syncOptions: { minRetryDelay: 5, maxRetryDelay: 50, pushBatchSize: 100 } })
  const random = createRandom(7)
  const start = performance.now()
  let cuts = 0
  let cutOpen = 0
  // The messages go in as the user writes them: 100 bursts, with cuts in between at random moments.
  const writing = (async () => {
    for (let i = 0; i < MESSAGES; i += 100) {
      await chat.sendMainChatMessages(texts.slice(i, i + 100))
      await new Promise((resolve) => setTimeout(resolve, random() * 20))
    }
  })()
  while (cuts < DISCONNECTS) {
    await new Promise((resolve) => setTimeout(resolve, 5 + random() * 60))
    cutOpen += proxy.cut()
    cuts++
  }
  await writing
  await chat.flush()
  await until(() => chat.outbox$.value.length === 0)
  const ms = performance.now() - start
  await chat.close()
  await proxy.close()
  const result = await check(server.database(name), MESSAGES, texts)
  return `${DISCONNECTS} cuts (${cutOpen} open connections cut) in ${fmt(ms)} ms: ${result.lost} lost, ${result.duplicated} duplicated, order ${result.ordered ? 'kept' : 'NOT kept'}`
}

async function main(): Promise<void> {
  console.log(`sync bench: ${MESSAGES} messages, ${ROUNDS} rounds, ${cpus().length} CPUs, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`)
  const server = await startCouchServer()
  try {
    const rows: string[] = []
    for (const [name, sdk, pouch, target] of [
      ['push', sdkPush, pouchPush, `push ${MESSAGES} queued messages`],
      ['pull', sdkPull, pouchPull, `pull ${MESSAGES} server changes`],
    ] as const) {
      if (!ONLY.has(name)) continue
      const ours: number[] = []
      const theirs: number[] = []
      for (let round = 0; round < ROUNDS; round++) {
        const first = round % 2 === 0
        if (first) ours.push(await sdk(server))
        theirs.push(await pouch(server))
        if (!first) ours.push(await sdk(server))
        console.log(`  ${name} round ${round + 1}: SDK ${fmt(ours.at(-1)!)} ms, PouchDB ${fmt(theirs.at(-1)!)} ms`)
      }
      const ratio = median(ours) / median(theirs)
      rows.push(`| ${target} | ${fmt(median(ours))} | ${fmt(median(theirs))} | ${ratio.toFixed(2)}× | ≤ 1.5× | ${ratio <= 1.5 ? 'met' : 'missed'} |`)
    }
    console.log('\n| row | SDK ms | PouchDB ms | ratio | target | |\n|---|---:|---:|---:|---|---|')
    for (const row of rows) console.log(row)
    if (ONLY.has('disconnects')) console.log(`\n${MESSAGES} messages with ${DISCONNECTS} disconnects: ${await disconnects(server)}`)
    console.log(`load after: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`)
  } finally {
    await server.stop()
  }
}

await main()
