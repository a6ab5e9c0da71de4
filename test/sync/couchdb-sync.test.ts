/**
 * The client with sync on, against a real pouchdb-server started by the test on 127.0.0.1
 * and a free port: the outbox reaches the server exactly once and in order across offline
 * spells, a killed server, reloads and two clients; the server's changes arrive live; a
 * ticket changed on both sides resolves by the rule and is reported.
 */
import { afterAll, beforeAll, expect, test, vi } from 'vitest'
import type { Worker } from 'node:worker_threads'
import { createChatClient, type ChatClient, type ChatClientOptions, type Patch, type TicketConflict, type TicketFields } from 'companion-chat'
import { createCouchDBSync } from 'companion-chat/couchdb'
import { createDevice } from '../helpers/client.js'
import { startCouchServer, type CouchServer } from '../helpers/couch-server.js'
import { cuttingProxy } from '../helpers/cutting-proxy.js'
import { heldAnnouncements } from '../helpers/held-announcements.js'
import { relayWorker } from '../helpers/relay-worker.js'

let server: CouchServer
let count = 0
// Every test waits for conditions (delivered, online), never for a time; a loaded machine needs the room.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 30_000 })

beforeAll(async () => {
  server = await startCouchServer({ persistent: true })
}, 60_000)
afterAll(async () => {
  await server?.stop()
})

const FAST = { minRetryDelay: 50, maxRetryDelay: 400 }

/** `expect.poll` with room for a loaded machine (a condition, not a time limit on the SDK). */
const poll = <T>(read: () => T) => expect.poll(read, { timeout: 20_000, interval: 20 })

/** A fetch that fails like a network without a connection while `offline` is set. */
function gate() {
  const state = { offline: false }
  const fetcher: typeof fetch = async (input, init) => {
    if (state.offline) throw new TypeError('fetch failed')
    return fetch(input, init)
  }
  return { state, fetch: fetcher }
}

/** A fresh user database and the options of a client that syncs with it. */
function userDatabase(extra: Partial<Parameters<typeof createCouchDBSync>[0]> = {}) {
  const url = server.database(`user-${++count}`)
  const options = (more: ChatClientOptions = {}): ChatClientOptions => ({
    sync: createCouchDBSync({ url, createDatabase: true, longPollTimeout: 2_000, heartbeat: 500, ...extra }),
    syncOptions: FAST,
    config: { autoCleanupInterval: 0, maxMainChatMessages: 10_000 },
    ...more,
  })
  return { url, options }
}

interface Doc {
  _id: string
  _rev: string
  type?: string
  seq?: number
  message?: { id: string; content: string }
  ticket?: TicketFields
}

/**
 * A change feed that delivers as usual until a patch with a reset (a clear) comes, and holds
 * that one and every later one until `release()`: the client hears of the clear late.
 */
function heldFromReset() {
  let holding = false
  const queued: Array<() => void> = []
  return {
    hook(patch: Patch, deliver: () => void): void {
      if (patch.changes.some((change) => change.type === 'reset')) holding = true
      if (holding) queued.push(deliver)
      else deliver()
    },
    /** Whether a reset came and is held. */
    get holding(): boolean {
      return holding
    },
    /** Delivers what was held, and everything after it at once. */
    release(): void {
      holding = false
      for (const deliver of queued.splice(0)) deliver()
    },
  }
}

async function serverDocs(url: string): Promise<Doc[]> {
  const response = await fetch(`${url}/_changes?include_docs=true`)
  const body = (await response.json()) as { results: Array<{ doc: Doc }> }
  return body.results.map((row) => row.doc).filter((doc) => !doc._id.startsWith('_'))
}

/** The message documents' texts in the device's order (`seq`: CouchDB may store one batch in any order). */
const messageTexts = (docs: Doc[]) =>
  docs
    .filter((doc) => doc.type === 'message')
    .sort((a, b) => a.seq! - b.seq!)
    .map((doc) => doc.message!.content)

async function put(url: string, doc: object): Promise<void> {
  const response = await fetch(url, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(doc) })
  if (!response.ok) throw new Error(`PUT ${url}: ${response.status} ${await response.text()}`)
}

async function delivered(chat: ChatClient): Promise<void> {
  await chat.flush() // every change committed, so in the outbox
  await expect.poll(() => chat.outbox$.value.length, { timeout: 20_000, interval: 50 }).toBe(0)
}

test('messages written offline are queued, then delivered once each and in order when the server is back', async () => {
  const network = gate()
  const { url, options } = userDatabase({ fetch: network.fetch })
  network.state.offline = true
  const chat = createDevice().open(options())
  for (const text of ['one', 'two', 'three', 'four', 'five']) void chat.sendMainChatMessage(text)
  await chat.flush()
  await poll(() => chat.sync$.value.state).toBe('offline')
  expect(chat.outbox$.value.map((entry) => entry.state)).toEqual(['pending', 'pending', 'pending', 'pending', 'pending'])
  network.state.offline = false
  await delivered(chat)
  const docs = await serverDocs(url)
  expect(messageTexts(docs)).toEqual(['one', 'two', 'three', 'four', 'five'])
  expect(docs.every((doc) => doc._rev.startsWith('1-'))).toBe(true) // each written once
  expect(chat.getState().mainChat.messages.map((m) => m.delivery)).toEqual(['sent', 'sent', 'sent', 'sent', 'sent'])
})

test('the server killed in the middle of a push and started again: nothing lost, nothing twice', async () => {
  const { url, options } = userDatabase()
  const chat = createDevice().open(options({ syncOptions: { ...FAST, pushBatchSize: 25 } }))
  const texts = Array.from({ length: 600 }, (_, i) => `message ${i}`)
  await chat.sendMainChatMessages(texts)
  await expect.poll(() => chat.outbox$.value.length, { timeout: 20_000, interval: 5 }).toBeLessThan(600)
  await server.kill()
  const left = chat.outbox$.value.length
  expect(left).toBeGreaterThan(0)
  await server.restart()
  await delivered(chat)
  const docs = await serverDocs(url)
  expect(messageTexts(docs)).toEqual(texts)
  expect(docs.every((doc) => doc._rev.startsWith('1-'))).toBe(true)
}, 60_000)

test('connections cut again and again while messages are written and sent: each arrives once, in order', async () => {
  const name = `user-${++count}`
  const proxy = await cuttingProxy(Number(new URL(server.url).port))
  try {
    const url = `${proxy.url}/${name}`
    const chat = createDevice().open({
      sync: createCouchDBSync({ url, createDatabase: true, longPollTimeout: 2_000, heartbeat: 500 }),
      syncOptions: { minRetryDelay: 5, maxRetryDelay: 50, pushBatchSize: 20 },
      config: { autoCleanupInterval: 0, maxMainChatMessages: 10_000 },
    })
    const texts = Array.from({ length: 1_000 }, (_, i) => `burst ${i}`)
    for (let burst = 0; burst < 20; burst++) {
      void chat.sendMainChatMessages(texts.slice(burst * 50, burst * 50 + 50))
      // The earlier bursts are on the server: cut while this one is on its way.
      const sent = () => chat.getState().mainChat.messages.filter((m) => m.delivery === 'sent').length
      await expect.poll(sent, { interval: 2, timeout: 20_000 }).toBeGreaterThanOrEqual(burst * 50)
      proxy.cut()
    }
    await delivered(chat)
    const docs = await serverDocs(server.database(name))
    expect(messageTexts(docs)).toEqual(texts)
    expect(docs.every((doc) => doc._rev.startsWith('1-'))).toBe(true)
    expect(chat.getState().mainChat.messages.every((m) => m.delivery === 'sent')).toBe(true)
  } finally {
    await proxy.close()
  }
}, 60_000)

test('a reload in the middle of a push: the next client delivers the rest, once', async () => {
  const { url, options } = userDatabase()
  const device = createDevice()
  let requests = 0
  // The first client's pushes are slow, so it closes (a reload) with a batch in flight.
  const slow: typeof fetch = async (input, init) => {
    if (String(input).endsWith('/_bulk_docs')) {
      requests++
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    return fetch(input, init)
  }
  const first = device.open({ ...options(), sync: createCouchDBSync({ url, createDatabase: true, fetch: slow }), syncOptions: { ...FAST, pushBatchSize: 10 } })
  const texts = Array.from({ length: 100 }, (_, i) => `reload ${i}`)
  await first.sendMainChatMessages(texts)
  await expect.poll(() => requests, { timeout: 10_000 }).toBeGreaterThan(1)
  await first.close()
  const second = device.open(options())
  await second.ready
  expect(second.outbox$.value.length).toBeGreaterThan(0)
  await delivered(second)
  const docs = await serverDocs(url)
  expect(messageTexts(docs)).toEqual(texts)
  expect(docs.every((doc) => doc._rev.startsWith('1-'))).toBe(true)
  expect(second.getState().mainChat.messages.every((m) => m.delivery === 'sent')).toBe(true)
})

test("an agent's reply and status change on the server appear in the client live", async () => {
  const { url, options } = userDatabase()
  const chat = createDevice().open(options())
  const ticketId = chat.createTicket('order-help', 'Parcel is late', 'Order 42 has not arrived')
  chat.watchTicket(ticketId)
  await delivered(chat)
  await poll(() => chat.sync$.value.state).toBe('online')
  // The support desk answers on the server.
  const ticketDoc = (await (await fetch(`${url}/ticket:${ticketId}`)).json()) as Doc
  await put(`${url}/message:agent-1`, {
    type: 'message',
    thread: ticketId,
    message: { id: 'agent-1', content: 'Hi, this is Sam. It ships today.', sender: 'assistant', timestamp: Date.now(), type: 'text', metadata: { agent: 'Sam' } },
  })
  await put(`${url}/ticket:${ticketId}`, { ...ticketDoc, ticket: { ...ticketDoc.ticket!, status: 'in-progress', updatedAt: Date.now() } })
  await expect
    .poll(() => chat.getState().tickets.find((t) => t.id === ticketId), { timeout: 10_000 })
    .toMatchObject({ status: 'in-progress', lastMessage: { id: 'agent-1', content: 'Hi, this is Sam. It ships today.' } })
  expect(chat.getState().tickets.find((t) => t.id === ticketId)!.messages.map((m) => m.id)).toContain('agent-1')
})

test('a ticket changed on both sides: the server keeps its status, the local change is reported, other fields merge', async () => {
  const network = gate()
  const { url, options } = userDatabase({ fetch: network.fetch })
  const chat = createDevice().open(options())
  const conflicts: TicketConflict[] = []
  chat.conflicts$.subscribe((conflict) => conflicts.push(conflict))
  const ticketId = chat.createTicket('support', 'Broken zipper')
  await delivered(chat)
  // Offline, the user resolves the ticket and raises its priority; meanwhile an agent takes it.
  network.state.offline = true
  await chat.resolveTicket(ticketId, 'Fixed it myself')
  await chat.updateTicketPriority(ticketId, 'high')
  const doc = (await (await fetch(`${url}/ticket:${ticketId}`)).json()) as Doc
  await put(`${url}/ticket:${ticketId}`, { ...doc, ticket: { ...doc.ticket!, status: 'in-progress', updatedAt: doc.ticket!.updatedAt + 1 } })
  network.state.offline = false
  await delivered(chat)
  // The server's version before the merge may arrive first (pulled while the push was on its way): the merged one follows.
  await poll(() => {
    const ticket = chat.getState().tickets.find((t) => t.id === ticketId)
    return [ticket?.status, ticket?.priority]
  }).toEqual(['in-progress', 'high'])
  expect(conflicts).toEqual([
    expect.objectContaining({ ticketId, field: 'status', local: { status: expect.objectContaining({ status: 'resolved', summary: 'Fixed it myself' }) }, server: { status: { status: 'in-progress' } } }),
  ])
  const onServer = (await (await fetch(`${url}/ticket:${ticketId}`)).json()) as Doc
  expect(onServer.ticket).toMatchObject({ status: 'in-progress', priority: 'high' })
})

test("a ticket's older server version pulled while the push merged it does not overwrite the merged one", async () => {
  // The push is offline while the long poll goes on; the poll that brings the agent's
  // version of the ticket is held until the push has stored the merged version.
  let pushOffline = false
  let holdTicket: string | undefined
  let held = 0
  let release: () => void = () => {}
  const released = new Promise<void>((resolve) => (release = resolve))
  let checkpoints = 0
  const fetcher: typeof fetch = async (input, init) => {
    const path = String(input)
    if (pushOffline && (path.includes('/_bulk_docs') || path.includes('/_all_docs'))) throw new TypeError('fetch failed')
    const response = await fetch(input, init)
    if (path.includes('/_local/') && init?.method === 'PUT') checkpoints++
    if (!path.includes('/_changes?')) return response
    // A long poll answers its headers at once: what it brings is known once its body is in.
    const body = await response.text()
    if (holdTicket && body.includes(`"ticket:${holdTicket}"`)) {
      holdTicket = undefined
      held++
      await released
    }
    return new Response(body, { status: response.status, headers: response.headers })
  }
  const { url, options } = userDatabase({ fetch: fetcher })
  const chat = createDevice().open(options())
  const conflicts: TicketConflict[] = []
  chat.conflicts$.subscribe((conflict) => conflicts.push(conflict))
  const ticketId = chat.createTicket('support', 'Broken zipper')
  await delivered(chat)
  await poll(() => chat.sync$.value.state).toBe('online')
  pushOffline = true
  await chat.resolveTicket(ticketId, 'Fixed it myself')
  await chat.updateTicketPriority(ticketId, 'high')
  // An agent takes the ticket; the live poll brings that version, and is held.
  holdTicket = ticketId
  const doc = (await (await fetch(`${url}/ticket:${ticketId}`)).json()) as Doc
  await put(`${url}/ticket:${ticketId}`, { ...doc, ticket: { ...doc.ticket!, status: 'in-progress', updatedAt: doc.ticket!.updatedAt + 1 } })
  await poll(() => held).toBe(1)
  pushOffline = false
  await delivered(chat)
  const shown = () => {
    const ticket = chat.getState().tickets.find((t) => t.id === ticketId)
    return [ticket?.status, ticket?.priority]
  }
  expect(shown()).toEqual(['in-progress', 'high']) // the merged version, as the push stored it
  const seen: unknown[] = []
  chat.tickets$.subscribe((tickets) => seen.push(tickets.find((t) => t.id === ticketId)?.priority))
  // The agent's version (priority still medium) arrives now: it is older than the merged one.
  const before = checkpoints
  release()
  await poll(() => checkpoints).toBeGreaterThan(before) // that batch is stored
  expect(shown()).toEqual(['in-progress', 'high'])
  expect(seen).not.toContain('medium')
  expect(conflicts).toEqual([expect.objectContaining({ ticketId, field: 'status' })])
  const onServer = (await (await fetch(`${url}/ticket:${ticketId}`)).json()) as Doc
  expect(onServer.ticket).toMatchObject({ status: 'in-progress', priority: 'high' })
})

test('two clients on one database: one syncs, and each message reaches the server once', async () => {
  const { url, options } = userDatabase()
  const device = createDevice()
  const one = device.open(options())
  const two = device.open(options())
  await Promise.all([one.ready, two.ready])
  await poll(() => [one.sync$.value.state, two.sync$.value.state].sort()).toEqual(['online', 'standby'])
  await one.sendMainChatMessage('from the first')
  await two.sendMainChatMessage('from the second')
  await delivered(one)
  await delivered(two)
  const docs = await serverDocs(url)
  expect(messageTexts(docs).sort()).toEqual(['from the first', 'from the second'])
  expect(docs.every((doc) => doc._rev.startsWith('1-'))).toBe(true)
  // The one that syncs closes: the other takes over.
  const [syncing, waiting] = one.sync$.value.state === 'online' ? [one, two] : [two, one]
  await syncing.close()
  await expect.poll(() => waiting.sync$.value.state, { timeout: 10_000 }).toBe('online')
  await waiting.sendMainChatMessage('after the hand-over')
  await delivered(waiting)
  expect(messageTexts(await serverDocs(url))).toContain('after the hand-over')
})

test('a change the server refuses fails with its reason, and retryDelivery sends it again', async () => {
  const { url, options } = userDatabase()
  const chat = createDevice().open(options())
  await chat.ready
  await poll(() => chat.sync$.value.state).toBe('online')
  await put(`${url}/_design/rules`, { validate_doc_update: 'function (doc) { if (doc.message && doc.message.content === "spam") throw({ forbidden: "no spam" }) }' })
  await chat.sendMainChatMessage('spam')
  await expect.poll(() => chat.outbox$.value[0]?.state, { timeout: 10_000 }).toBe('failed')
  expect(chat.outbox$.value[0]).toMatchObject({ state: 'failed', reason: 'forbidden: no spam' })
  expect(chat.getState().mainChat.messages[0]!.delivery).toBe('failed')
  const design = (await (await fetch(`${url}/_design/rules`)).json()) as Doc
  await fetch(`${url}/_design/rules?rev=${design._rev}`, { method: 'DELETE' })
  await chat.retryDelivery(chat.outbox$.value[0]!.id)
  await delivered(chat)
  expect(chat.getState().mainChat.messages[0]!.delivery).toBe('sent')
})

test('clearAllData stops sync and leaves the server as it was', async () => {
  const { url, options } = userDatabase()
  const chat = createDevice().open(options())
  await chat.sendMainChatMessage('private')
  await delivered(chat)
  await chat.clearAllData()
  expect(chat.sync$.value.state).toBe('off')
  expect(chat.outbox$.value).toEqual([])
  await chat.sendMainChatMessage('after the clear')
  await new Promise((resolve) => setTimeout(resolve, 300))
  expect(messageTexts(await serverDocs(url))).toEqual(['private']) // nothing pushed after the clear, nothing erased on the server
  expect(chat.getState().mainChat.messages.map((m) => m.content)).toEqual(['after the clear']) // and nothing pulled back
})

test("another tab's clearAllData wins over a pull on its way: the pulled batch does not bring data back into the wiped database", async () => {
  const device = createDevice()
  // The syncing tab's long poll of `_changes` is held once it brings the agent's message, until the other tab has cleared.
  let hold = true
  let held = 0
  let release: () => void = () => {}
  const released = new Promise<void>((resolve) => (release = resolve))
  const fetcher: typeof fetch = async (input, init) => {
    const response = await fetch(input, init)
    if (hold && String(input).includes('/_changes?') && (await response.clone().text()).includes('agent-late')) {
      held++
      await released
    }
    return response
  }
  const { url, options } = userDatabase({ fetch: fetcher })
  // The syncing tab hears of the clear only after its pulled batch was applied (or refused): the race at its widest.
  const feed = heldFromReset()
  const syncing = device.openBehind({ feed: feed.hook }, options())
  await syncing.sendMainChatMessage('private')
  await delivered(syncing)
  await poll(() => syncing.sync$.value.state).toBe('online')
  const other = device.open()
  await other.ready
  expect(other.getState().mainChat.messages.map((m) => m.content)).toEqual(['private'])
  await put(`${url}/message:agent-late`, {
    type: 'message',
    thread: 'main',
    message: { id: 'agent-late', content: 'A reply that arrives late', sender: 'assistant', timestamp: Date.now(), type: 'text' },
  })
  await poll(() => held).toBe(1)
  await other.clearAllData()
  hold = false
  release()
  // Applied into the wiped database (the other tab shows it), or refused (sync stops).
  await poll(() => other.getState().mainChat.messages.length > 0 || syncing.sync$.value.state === 'off').toBe(true)
  // Its sync may stop before its worker hears of the clear (the batch found the database gone): released once it has.
  await poll(() => feed.holding).toBe(true)
  feed.release()
  await poll(() => syncing.sync$.value.state).toBe('off')
  expect(other.getState().mainChat.messages).toEqual([])
  const after = device.open()
  await after.ready
  expect(after.getState().mainChat.messages).toEqual([])
  expect(syncing.getState().mainChat.messages).toEqual([])
  expect(messageTexts(await serverDocs(url)).sort()).toEqual(['A reply that arrives late', 'private']) // the server's copy is the app's to erase
})

/** A client that syncs, its engine behind a channel, with the message 'private' on the server. */
async function syncingWithPrivate(device: ReturnType<typeof createDevice>, options: () => ChatClientOptions): Promise<ChatClient> {
  const syncing = device.openBehind({}, options())
  await syncing.sendMainChatMessage('private')
  await delivered(syncing)
  await poll(() => syncing.sync$.value.state).toBe('online')
  return syncing
}

/**
 * After another tab's clear won over sync: the tab that cleared shows nothing, nor does a client
 * opened now, nor (by then) the tab that stood by; the server keeps its copy (it is the app's to erase).
 */
async function expectClearWon(device: ReturnType<typeof createDevice>, url: string, cleared: ChatClient, standing: ChatClient): Promise<void> {
  expect(cleared.getState().mainChat.messages).toEqual([])
  const after = device.open()
  await after.ready
  expect(after.getState().mainChat.messages).toEqual([])
  expect(standing.getState().mainChat.messages).toEqual([])
  expect(messageTexts(await serverDocs(url))).toEqual(['private'])
}

test("another tab's clearAllData also wins over a tab that stood by and takes over sync before it hears of the clear", async () => {
  const device = createDevice()
  const { url, options } = userDatabase()
  // Both syncing clients run their engines behind a channel; the one that stands by hears of the clear late.
  const syncing = await syncingWithPrivate(device, options)
  const feed = heldFromReset()
  const standing = device.openBehind({ feed: feed.hook }, options())
  await standing.ready
  await poll(() => standing.sync$.value.state).toBe('standby')
  const other = device.open()
  await other.ready
  await other.clearAllData()
  // The syncing client stops; the one standing by is elected before it hears of the clear.
  await poll(() => syncing.sync$.value.state).toBe('off')
  // It pulls the server's copy into the cleared database (the other client shows it), or does not begin.
  await poll(() => other.getState().mainChat.messages.length > 0 || standing.sync$.value.state === 'off').toBe(true)
  // Its worker may refuse to begin before it hears of the clear (it saw the database deleted): released once it has.
  await poll(() => feed.holding).toBe(true)
  feed.release()
  await poll(() => standing.sync$.value.state).toBe('off')
  await expectClearWon(device, url, other, standing)
})

test("another tab's clearAllData also wins over a tab that stood by and is elected before its worker hears of the clear", async () => {
  const device = createDevice()
  const { url, options } = userDatabase()
  const syncing = await syncingWithPrivate(device, options)
  // The worker of the client that stands by hears of the clear late (busy, or the notice is slow
  // to cross between tabs), and the client later still: the syncing client stops and hands over first.
  const announcements = heldAnnouncements()
  const feed = heldFromReset()
  announcements.install()
  const standing = device.openBehind({ feed: feed.hook }, options())
  await standing.ready.finally(() => announcements.uninstall())
  await poll(() => standing.sync$.value.state).toBe('standby')
  const other = device.open()
  await other.ready
  await other.clearAllData()
  await poll(() => syncing.sync$.value.state).toBe('off')
  // It pulls the server's copy into the cleared database (the other client shows it), or does not begin.
  await poll(() => other.getState().mainChat.messages.length > 0 || standing.sync$.value.state === 'off').toBe(true)
  announcements.release()
  await poll(() => feed.holding).toBe(true) // its worker has heard of the clear now, and told the client
  feed.release()
  await poll(() => standing.sync$.value.state).toBe('off')
  await expectClearWon(device, url, other, standing)
})

test('the worker lost in the middle of a push: sync waits for the new worker and goes on, each message arrives once', async () => {
  const device = createDevice()
  const workers: Worker[] = []
  let pushes = 0
  // The first push reaches the server; from then on the worker's answers are lost, and it
  // ends while the call that stores the server's answer is in flight.
  const fetcher: typeof fetch = async (input, init) => {
    const response = await fetch(input, init)
    if (String(input).endsWith('/_bulk_docs') && ++pushes === 1) {
      const worker = workers.at(-1)!
      worker.postMessage('mute')
      setTimeout(() => void worker.terminate(), 300)
    }
    return response
  }
  const { url, options } = userDatabase({ fetch: fetcher })
  const chat = createChatClient({
    databaseName: device.databaseName,
    worker: () => {
      const worker = relayWorker(device.indexedDB)
      workers.push(worker)
      return worker
    },
    // A failure that is not the server's waits the longest delay: far beyond the polls below.
    ...options({ syncOptions: { minRetryDelay: 50, maxRetryDelay: 600_000 } }),
  })
  const errors: string[] = []
  chat.sync$.subscribe((status) => {
    if (status.error) errors.push(`${status.error.name}: ${status.error.message}`)
  })
  try {
    const texts = Array.from({ length: 30 }, (_, i) => `lost ${i}`)
    await chat.sendMainChatMessages(texts)
    await delivered(chat)
    expect(workers.length).toBeGreaterThan(1) // a new worker took over
    expect(errors).toEqual([])
    const docs = await serverDocs(url)
    expect(messageTexts(docs)).toEqual(texts)
    expect(chat.getState().mainChat.messages.filter((m) => m.sender === 'user').map((m) => m.delivery)).toEqual(texts.map(() => 'sent'))
  } finally {
    await chat.close()
  }
})
