/**
 * The privacy promise, checked where it matters: after `clearAllData` (and `clearUserData`
 * for what it removes) the worker holds no copy of the user's words anywhere in its memory,
 * caches included. Each test reads a heap snapshot of a `worker_threads` engine (with an
 * IndexedDB installed in the thread) and looks for the words in every string it holds.
 */
import { Worker } from 'node:worker_threads'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createChatClient, type ChatClient } from 'companion-chat'
import { uniqueName } from '../helpers/client.js'

let dir: string
let workerFile: string
const clients: ChatClient[] = []

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'companion-chat-heap-'))
  const entry = join(dir, 'entry.ts')
  // What the Node entry (worker/node.ts) does, with an IndexedDB in the thread (fake-indexeddb).
  const source = (path: string) => JSON.stringify(join(process.cwd(), path))
  await writeFile(
    entry,
    [
      `import 'fake-indexeddb/auto'`,
      `import { parentPort } from 'node:worker_threads'`,
      `import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs'`,
      `import { createEngine } from ${source('worker/engine.ts')}`,
      `import { exposeConnection } from ${source('worker/expose.ts')}`,
      `exposeConnection(createEngine(), nodeEndpoint(parentPort))`,
    ].join('\n'),
  )
  workerFile = join(dir, 'node-worker.mjs')
  await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'node', outfile: workerFile, logLevel: 'error', nodePaths: [join(process.cwd(), 'node_modules')] })
}, 60_000)

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close().catch(() => {})))
  await rm(dir, { recursive: true, force: true })
})

/**
 * Every string in the worker's heap (a snapshot runs a full garbage collection first), once
 * the engine answered one more call: IndexedDB lets go of a finished transaction's undo log
 * in the task after it commits.
 */
async function workerStrings(chat: ChatClient, worker: Worker): Promise<string[]> {
  await chat.searchMessages('after', {})
  const stream = await worker.getHeapSnapshot()
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  // HEAP_DUMP=prefix writes each snapshot to prefix-<time>.json, to find what holds a word (Chrome DevTools, Memory).
  if (process.env['HEAP_DUMP']) (await import('node:fs')).writeFileSync(`${process.env['HEAP_DUMP']}-${Date.now()}.json`, Buffer.concat(chunks))
  return (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { strings: string[] }).strings
}

/** Words no other code holds: letters only, so that every word splitter keeps them whole. */
const secretWord = (label: string) => `${label}${randomUUID().replace(/[^a-f]/g, '')}`.toLowerCase()

async function open(): Promise<{ chat: ChatClient; worker: () => Worker }> {
  let worker: Worker | undefined
  const chat = createChatClient({ databaseName: uniqueName('heap'), worker: () => (worker = new Worker(workerFile)), config: { autoCleanupInterval: 0 } })
  clients.push(chat)
  await chat.ready
  expect(chat.status$.value.storage).toBe('indexeddb')
  return { chat, worker: () => worker! }
}

const found = (strings: readonly string[], words: readonly string[]) => words.filter((word) => strings.some((s) => s.toLowerCase().includes(word)))

describe('no copy of the user’s words is left in the worker', () => {
  test('after clearAllData: messages, tickets, context, drafts, search and topics', async () => {
    const { chat, worker } = await open()
    const words = ['mainword', 'burstword', 'ticketword', 'titleword', 'contextword', 'draftword', 'searchword'].map(secretWord)
    const [main, burst, ticket, title, context, draft, search] = words as [string, string, string, string, string, string, string]
    await chat.sendMainChatMessage(`my address is ${main} street`)
    await chat.sendMainChatMessages(Array.from({ length: 50 }, (_, i) => `${burst} number ${i}`))
    const id = chat.createTicket('support', `About ${title}`, `details ${ticket}`)
    await chat.sendTicketMessage(id, `more about ${ticket} and ${search}`)
    await chat.markRead(id)
    await chat.updateUserContext({ personalInfo: { name: context }, preferences: { note: context } })
    chat.setDraft(id, `half typed ${draft}`)
    await chat.flush()
    expect(await chat.searchMessages(search, {})).toHaveLength(1)
    expect(await chat.searchMessages(burst.slice(0, 6), {})).not.toHaveLength(0)
    // The check finds the words while they are stored.
    expect(found(await workerStrings(chat, worker()), words)).toEqual(words)

    await chat.clearAllData()
    expect(found(await workerStrings(chat, worker()), words)).toEqual([])
  }, 120_000) // heap snapshots take seconds on a busy machine

  test('after clearUserData: the context and the drafts', async () => {
    const { chat, worker } = await open()
    const words = ['preferenceword', 'historyword', 'personalword', 'draftword', 'maindraftword'].map(secretWord)
    const [preference, history, personal, draft, mainDraft] = words as [string, string, string, string, string]
    const id = chat.createTicket('support', 'A ticket', 'hello')
    await chat.updateUserContext({ preferences: { colour: preference }, history: [history], personalInfo: { name: personal } })
    chat.setDraft(id, `typed ${draft}`)
    chat.setDraft('main', `typed ${mainDraft}`)
    await chat.flush()
    expect(found(await workerStrings(chat, worker()), words)).toEqual(words)

    await chat.clearUserData()
    expect(found(await workerStrings(chat, worker()), words)).toEqual([])
  }, 120_000)
})
