/**
 * The privacy promise across tabs: after `clearAllData` in one tab, neither tab keeps a copy
 * of the user's words in memory, in its client or its engine (caches included). Two tabs
 * with dedicated workers do not share memory; here both run in one worker thread, each from
 * its own bundle of the package (so each has its own module state, as in two workers), on
 * one IndexedDB (fake-indexeddb), telling each other of commits over a BroadcastChannel.
 * The words reach the thread as character codes only, and the test reads a heap snapshot
 * of the thread for them.
 */
import { Worker } from 'node:worker_threads'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'

let dir: string
let worker: Worker | undefined

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'companion-chat-tabs-heap-'))
  // One bundle of the package per tab: separate module state, as two workers have.
  for (const tab of ['a', 'b']) {
    await build({ entryPoints: [join(process.cwd(), 'src/index.ts')], bundle: true, format: 'esm', platform: 'node', outfile: join(dir, `tab-${tab}.mjs`), logLevel: 'error' })
  }
  const script = join(dir, 'tabs.mjs')
  await writeFile(
    script,
    `
import { parentPort, workerData } from 'node:worker_threads'
import { IDBFactory, IDBKeyRange } from ${JSON.stringify(join(process.cwd(), 'node_modules/fake-indexeddb/build/esm/index.js'))}
import * as tabA from './tab-a.mjs'
import * as tabB from './tab-b.mjs'
const indexedDB = new IDBFactory()
const options = { indexedDB, IDBKeyRange, databaseName: 'tabs', host: 'in-process', config: { autoCleanupInterval: 0 } }
const a = tabA.createChatClient(options)
const b = tabB.createChatClient(options)
const tick = () => new Promise((resolve) => setImmediate(resolve))
const until = async (condition) => { for (let i = 0; i < 5000 && !condition(); i++) await tick() }
const word = (i) => String.fromCharCode(...workerData.words[i])
async function fill() {
  await Promise.all([a.ready, b.ready])
  // Each tab writes messages (its engine counts their topic words), a ticket, a draft.
  await a.sendMainChatMessage('from a about ' + word(0) + ' here')
  await b.sendMainChatMessage('from b about ' + word(1) + ' here')
  const id = b.createTicket('support', 'about ' + word(2), 'details ' + word(2))
  await b.flush()
  await until(() => a.getState().mainChat.messages.length === 2 && b.getState().mainChat.messages.length === 2)
  await b.updateUserContext({ personalInfo: { name: word(3) } })
  b.setDraft(id, 'typed ' + word(3))
  await b.flush()
  await Promise.all([a.searchMessages('here', {}), b.searchMessages('here', {})])
}
async function clear() {
  await a.clearAllData()
  await until(() => b.getState().mainChat.messages.length === 0 && b.getState().tickets.length === 0)
  // One more call to each engine: IndexedDB lets go of a finished transaction's undo log a task later.
  await Promise.all([a.searchMessages('after', {}), b.searchMessages('after', {})])
}
parentPort.on('message', async (step) => {
  try {
    await (step === 'fill' ? fill() : clear())
    parentPort.postMessage({ ok: true, b: JSON.stringify(b.getState().mainChat.messages.length) })
  } catch (error) {
    parentPort.postMessage({ ok: false, error: String(error && error.stack || error) })
  }
})
`,
  )
}, 60_000)

afterAll(async () => {
  await worker?.terminate()
  await rm(dir, { recursive: true, force: true })
})

const run = (step: 'fill' | 'clear') =>
  new Promise<void>((resolve, reject) => {
    worker!.once('message', (answer: { ok: boolean; error?: string }) => (answer.ok ? resolve() : reject(new Error(answer.error))))
    worker!.postMessage(step)
  })

async function strings(): Promise<string[]> {
  const chunks: Buffer[] = []
  for await (const chunk of await worker!.getHeapSnapshot()) chunks.push(chunk as Buffer)
  return (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { strings: string[] }).strings
}

const found = (all: readonly string[], words: readonly string[]) => words.filter((word) => all.some((s) => s.toLowerCase().includes(word)))

describe('no copy of the user’s words is left in either tab', () => {
  test('after clearAllData in one of two tabs, in both clients and both engines', async () => {
    const words = ['alpha', 'bravo', 'charlie', 'delta'].map((label) => `${label}${randomUUID().replace(/[^a-f]/g, '')}`)
    worker = new Worker(join(dir, 'tabs.mjs'), { workerData: { words: words.map((word) => [...word].map((c) => c.charCodeAt(0))) } })
    await run('fill')
    expect(found(await strings(), words)).toEqual(words) // the check finds them while they are stored
    await run('clear')
    expect(found(await strings(), words)).toEqual([])
  }, 180_000) // two heap snapshots of about 12 MB
})
