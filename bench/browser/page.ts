/**
 * The page of `npm run bench:browser` (bundled by esbuild, served on 127.0.0.1): runs one
 * sample of one workload with one library, timed on the main thread, and leaves what it
 * built alive until `finish()` so the runner can read the main-thread heap in between.
 * The workloads and what each baseline does are described in `../browser.bench.ts`.
 */
import { createChatClient, type ChatClient, type ChatConfig } from 'companion-chat'
import { createIdSource } from '../../src/client/ids.js'
import { makeTexts } from '../workload.js'
import type { Answer, Operation, Row, SpanAnswer, TicketRow } from './protocol.js'

/** `sdk-before`: the SDK of another checkout (`--before`), run by the same page as `sdk`. */
export type Library = 'sdk' | 'sdk-before' | 'dexie' | 'rxdb' | 'dexie-tickets' | 'opfs' | 'sdk-no-files'
export type Workload =
  | 'batch'
  | 'fired'
  | 'one-by-one'
  | 'ticket-burst'
  | 'tickets'
  | 'cleanup'
  | 'reload'
  | 'latency'
  | 'tabs'
  | 'search'
  | 'load-older'
  | 'attach'
  | 'attach-heap'
  | 'attach-large'

/** The size of each workload (the runner's `--scale` shrinks them all). */
export interface Sizes {
  readonly sends: number
  readonly oneByOne: number
  readonly ticketBurst: number
  readonly tickets: number
  readonly cleanup: number
  readonly reload: number
  readonly latency: number
  readonly tabSenders: number
  readonly tabSends: number
  readonly search: number
  readonly searchQueries: number
  readonly history: number
  readonly pages: number
  /** `attach`: the file's size in bytes. */
  readonly attachBytes: number
  /** `attach-heap`: how many files, of `attachHeapBytes` each. */
  readonly attachHeapCount: number
  readonly attachHeapBytes: number
  /** `attach-large`: the file's size in bytes. */
  readonly attachLargeBytes: number
}

export interface SampleRequest {
  readonly workload: Workload
  readonly library: Library
  readonly sizes: Sizes
  /** The database of this sample (the reload's seeded one for `reload`). */
  readonly database: string
}

/** One sample as the page measured it. */
export interface Sample {
  /** From the first call to the last answer on the main thread, ms. */
  readonly ms: number
  /** The IndexedDB transactions of the worker inside the timed part (see `spans.ts`). */
  readonly worker?: SpanAnswer
  /** Durations of the main thread's long tasks that started inside the timed part (and 100 ms after). */
  readonly longTasks: readonly number[]
  /** Latencies and per-operation figures of some workloads, ms. */
  readonly extra?: Readonly<Record<string, number>>
}

declare global {
  interface Window {
    /** With the runner's `--profile`: starts and stops the DevTools Profiler around the timed part. */
    benchProfile?: (what: 'start' | 'stop') => Promise<void>
    bench: {
      run(request: SampleRequest): Promise<Sample>
      /** For `tabs`: opens the library on the shared database; `go` then runs this page's senders from `startAt` (epoch ms). */
      prepareTab(request: SampleRequest, tab: number): Promise<void>
      go(startAt: number): Promise<{ end: number; longTasks: number[] }>
      /** For `reload`: writes `count` main-chat messages through the SDK into `database`. */
      seedReload(database: string, count: number): Promise<number>
      /** Counts the rows of a store of a database, with plain IndexedDB. */
      count(database: string, store: string): Promise<number>
      finish(): Promise<void>
    }
  }
}

// ── Long tasks ───────────────────────────────────────────────────────────────

const longTasks: PerformanceEntry[] = []
new PerformanceObserver((list) => longTasks.push(...list.getEntries())).observe({ type: 'longtask' })
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
/** Long tasks that started between `t0` and 100 ms after `t1` (waits for them to be reported). */
async function longTasksIn(t0: number, t1: number): Promise<PerformanceEntry[]> {
  await sleep(120)
  return longTasks.filter((task) => task.startTime >= t0 && task.startTime <= t1 + 100)
}
const durations = (tasks: readonly PerformanceEntry[]) => tasks.map((task) => Math.round(task.duration))

// ── Workers ──────────────────────────────────────────────────────────────────

let workers = 0
const teardown: Array<() => Promise<void> | void> = []
const KEEP = 'reload-seed'

/** A unique name for a worker's span channel; the worker URL carries it. */
const spansName = () => `spans-${Date.now().toString(36)}-${++workers}`

async function askSpans(name: string, t0: number, t1: number): Promise<SpanAnswer | undefined> {
  const channel = new BroadcastChannel(name)
  try {
    return await Promise.race([
      new Promise<SpanAnswer>((resolve) => {
        channel.onmessage = (event: MessageEvent<SpanAnswer>) => resolve(event.data)
        channel.postMessage({ from: performance.timeOrigin + t0, to: performance.timeOrigin + t1 })
      }),
      sleep(3000).then(() => undefined),
    ])
  } finally {
    channel.close()
  }
}

/** A baseline worker (`dexie-worker.js` or `rxdb-worker.js`) and its request/answer loop. */
class Remote {
  readonly spans = spansName()
  readonly worker: Worker
  onLive: (ids: readonly string[]) => void = () => {}
  #next = 0
  #pending = new Map<number, { resolve: (answer: { ms: number; value?: unknown }) => void; reject: (error: Error) => void }>()

  constructor(library: 'dexie' | 'rxdb') {
    this.worker = new Worker(new URL(`./${library}-worker.js?spans=${this.spans}`, location.href), { type: 'module' })
    this.worker.onmessage = (event: MessageEvent<Answer>) => {
      const answer = event.data
      if ('live' in answer) return this.onLive(answer.live)
      const pending = this.#pending.get(answer.id)
      this.#pending.delete(answer.id)
      if ('error' in answer) pending?.reject(new Error(answer.error))
      else pending?.resolve(answer)
    }
    this.worker.onerror = (event) => {
      for (const pending of this.#pending.values()) pending.reject(new Error(`worker error: ${event.message}`))
      this.#pending.clear()
    }
    teardown.push(async () => {
      await Promise.race([this.call({ op: 'close' }).catch(() => {}), sleep(5000)])
      this.worker.terminate()
    })
  }

  call(operation: Operation): Promise<{ ms: number; value?: unknown }> {
    const id = ++this.#next
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      this.worker.postMessage({ ...operation, id })
    })
  }
}

/** The SDK as an app loads it: `createChatClient` with a module worker of the package's worker entry. */
function sdk(database: string, config: Partial<ChatConfig>, now?: () => number): { chat: ChatClient; spans: string } {
  const spans = spansName()
  const chat = createChatClient({
    databaseName: database,
    worker: () => new Worker(new URL(`./sdk-worker.js?spans=${spans}`, location.href), { type: 'module' }),
    config: { autoCleanupInterval: 0, ...config },
    requirePersistence: true,
    // The default (5 s) declares the worker gone when one long write keeps it from answering
    // a ping; on a loaded machine the 10,000-ticket workloads did (see RESULTS.md).
    workerTimeout: 120_000,
    // Likewise the first answer: opening 100,000 kept messages took longer than the default 10 s under load.
    connectTimeout: 120_000,
    ...(now ? { now } : {}),
  })
  teardown.push(() => chat.close())
  return { chat, spans }
}

// ── Rows ─────────────────────────────────────────────────────────────────────

const newId = createIdSource()

function messageRows(texts: readonly string[], thread: string, firstSeq = 1, timestamp = Date.now()): Row[] {
  return texts.map((content, i) => {
    const id = newId()
    return { id, thread, seq: firstSeq + i, message: { id, content, sender: 'user', timestamp, type: 'text' } }
  })
}

function ticketRows(count: number, status: 'open' | 'resolved', at: number, ids?: readonly string[]): TicketRow[] {
  return Array.from({ length: count }, (_, i) => ({
    id: ids?.[i] ?? newId(),
    seq: i + 1,
    type: 'support',
    title: `Ticket ${i}`,
    status,
    priority: 'medium',
    context: {},
    createdAt: at,
    updatedAt: at,
    ...(status === 'resolved' ? { resolvedAt: at } : {}),
  }))
}

function expect(condition: boolean, message: string): void {
  if (!condition) throw new Error(`benchmark check failed: ${message}`)
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN
}

const DAY = 24 * 60 * 60 * 1000
/** Whole words of `makeTexts`' vocabulary, for the search row (a trailing space: no prefix matching). */
const SEARCH_WORDS = ['laptop', 'refund', 'shipping', 'warranty', 'monitor', 'battery', 'coupon', 'tracking', 'printer', 'bluetooth', 'courier', 'invoice', 'webcam', 'router', 'adapter', 'keyboard', 'ticket', 'express', 'stock', 'model']

/**
 * The timed part of a sample: `work` runs between `t0` and `t1` (the setup before it and the
 * checks after it are untimed). `spans` names the worker's span channel (a function when the
 * worker is made inside the timed part).
 */
/** A key of a timed part's result: when the app's synchronous calls ended (see `measure`). */
const CALLS_END = 'callsEnd'

async function measure(spans: string | (() => string), work: () => Promise<Record<string, number> | void>): Promise<Sample> {
  await window.benchProfile?.('start')
  const t0 = performance.now()
  const extra = (await work()) ?? undefined
  const t1 = performance.now()
  await window.benchProfile?.('stop')
  const tasks = await longTasksIn(t0, t1)
  const worker = await askSpans(typeof spans === 'string' ? spans : spans(), t0, t1)
  if (extra && CALLS_END in extra) {
    // The workloads that call the API thousands of times in one synchronous loop of the app's
    // own: that loop is one task whatever the SDK does, so the tasks that began after it (the
    // SDK applying the commits) are counted apart.
    const { [CALLS_END]: end, ...rest } = extra
    const after = durations(tasks.filter((task) => task.startTime >= end!))
    Object.assign(rest, { 'app calls': end! - t0, 'later long tasks': after.length, 'longest later': Math.max(0, ...after) })
    return { ms: t1 - t0, longTasks: durations(tasks), ...(worker ? { worker } : {}), extra: rest }
  }
  return { ms: t1 - t0, longTasks: durations(tasks), ...(worker ? { worker } : {}), ...(extra ? { extra } : {}) }
}

async function run({ workload, library, sizes, database }: SampleRequest): Promise<Sample> {
  const everyRow = (n: number) => ({ maxMainChatMessages: Math.max(n, 100) })
  if (workload === 'attach' || workload === 'attach-heap' || workload === 'attach-large') return runAttachments(workload, library, sizes, database)
  const baseline = library === 'sdk' ? undefined : new Remote(library === 'rxdb' ? 'rxdb' : 'dexie')
  const openBaseline = async () => void (await baseline!.call({ op: 'open', name: database }))
  const baselineCount = async (table: 'messages' | 'tickets') => (await baseline!.call({ op: 'count', table })).value as number

  switch (workload) {
    case 'batch':
    case 'fired': {
      const texts = makeTexts(sizes.sends)
      if (baseline) {
        await openBaseline()
        const sample = await measure(baseline.spans, async () => void (await baseline.call({ op: 'bulkPut', rows: messageRows(texts, 'main') })))
        expect((await baselineCount('messages')) === texts.length, 'rows stored')
        return sample
      }
      const { chat, spans } = sdk(database, everyRow(texts.length))
      await chat.ready
      const sample = await measure(spans, async () => {
        if (workload === 'batch') return void (await chat.sendMainChatMessages(texts))
        const sent = texts.map((text) => chat.sendMainChatMessage(text))
        const callsEnd = performance.now()
        await Promise.all(sent)
        return { [CALLS_END]: callsEnd }
      })
      expect(chat.getState().mainChat.messages.length === texts.length, `the client shows ${chat.getState().mainChat.messages.length} messages`)
      expect((await count(database, 'messages')) === texts.length, 'rows stored')
      return sample
    }
    case 'one-by-one': {
      const texts = makeTexts(sizes.oneByOne)
      if (baseline) {
        await openBaseline()
        const rows = messageRows(texts, 'main')
        const sample = await measure(baseline.spans, async () => {
          for (const row of rows) await baseline.call({ op: 'put', row })
        })
        expect((await baselineCount('messages')) === texts.length, 'rows stored')
        return sample
      }
      const { chat, spans } = sdk(database, everyRow(texts.length))
      await chat.ready
      const sample = await measure(spans, async () => {
        for (const text of texts) await chat.sendMainChatMessage(text)
      })
      expect((await count(database, 'messages')) === texts.length, 'rows stored')
      return sample
    }
    case 'ticket-burst': {
      const texts = makeTexts(sizes.ticketBurst)
      if (baseline) {
        await openBaseline()
        await baseline.call({ op: 'putTickets', tickets: ticketRows(1, 'open', Date.now()) })
        const thread = newId()
        const sample = await measure(baseline.spans, async () => void (await baseline.call({ op: 'bulkPut', rows: messageRows(texts, thread) })))
        expect((await baselineCount('messages')) === texts.length, 'rows stored')
        return sample
      }
      const { chat, spans } = sdk(database, {})
      await chat.ready
      const ticket = chat.createTicket('support', 'Burst')
      await chat.flush()
      const sample = await measure(spans, async () => {
        const sent = texts.map((text) => chat.sendTicketMessage(ticket, text))
        const callsEnd = performance.now()
        await Promise.all(sent)
        return { [CALLS_END]: callsEnd }
      })
      expect((await count(database, 'messages')) === texts.length, 'rows stored')
      return sample
    }
    case 'tickets': {
      const n = sizes.tickets
      if (baseline) {
        await openBaseline()
        const sample = await measure(baseline.spans, async () => {
          const at = Date.now()
          const created = ticketRows(n, 'open', at)
          await baseline.call({ op: 'putTickets', tickets: created })
          await baseline.call({ op: 'putTickets', tickets: ticketRows(n, 'resolved', Date.now(), created.map((ticket) => ticket.id)) })
        })
        expect((await baselineCount('tickets')) === n, 'tickets stored')
        return sample
      }
      const { chat, spans } = sdk(database, {})
      await chat.ready
      const sample = await measure(spans, async () => {
        const ids = Array.from({ length: n }, (_, i) => chat.createTicket('support', `Ticket ${i}`))
        const resolved = ids.map((id) => chat.resolveTicket(id))
        const callsEnd = performance.now()
        await Promise.all(resolved)
        return { [CALLS_END]: callsEnd }
      })
      expect(chat.getState().tickets.length === n && chat.getState().tickets.every((ticket) => ticket.status === 'resolved'), 'tickets resolved')
      expect((await count(database, 'tickets')) === n, 'tickets stored')
      return sample
    }
    case 'cleanup': {
      const n = sizes.cleanup
      const texts = makeTexts(n)
      let clock = Date.now() - 8 * DAY
      if (baseline) {
        await openBaseline()
        const tickets = ticketRows(n, 'resolved', clock)
        await baseline.call({ op: 'putTickets', tickets })
        await baseline.call({ op: 'bulkPut', rows: tickets.map((ticket, i) => messageRows([texts[i]!], ticket.id, n + i + 1, clock)[0]!) })
        const sample = await measure(baseline.spans, async () => {
          const removed = (await baseline.call({ op: 'cleanup', before: Date.now() - 7 * DAY, messages: library !== 'dexie-tickets' })).value
          expect(removed === n, `removed ${String(removed)} tickets`)
        })
        expect((await baselineCount('tickets')) === 0, 'tickets left')
        if (library !== 'dexie-tickets') expect((await baselineCount('messages')) === 0, 'messages left')
        return sample
      }
      // Tickets resolved eight days ago on the client's clock, then cleanup "now".
      const { chat, spans } = sdk(database, {}, () => clock)
      await chat.ready
      const ids = texts.map((text, i) => chat.createTicket('support', `Ticket ${i}`, text))
      await Promise.all(ids.map((id) => chat.resolveTicket(id)))
      await chat.flush()
      clock = Date.now()
      const sample = await measure(spans, async () => {
        const report = await chat.runCleanup()
        expect(report.removedTicketIds.length === n && report.removedMessages === n, `cleanup removed ${report.removedTicketIds.length} tickets, ${report.removedMessages} messages`)
      })
      expect((await count(database, 'tickets')) === 0 && (await count(database, 'messages')) === 0, 'rows left')
      return sample
    }
    case 'reload': {
      // The seeded database is read, never written: every sample opens it with a fresh worker.
      if (baseline) {
        let rows = 0
        const sample = await measure(baseline.spans, async () => {
          await baseline.call({ op: 'openExisting', name: database })
          rows = ((await baseline.call({ op: 'readThread', thread: 'main' })).value as unknown[]).length
        })
        expect(rows === sizes.reload, `read ${rows} rows`)
        return sample
      }
      let shown = 0
      let spans = ''
      const sample = await measure(() => spans, async () => {
        const made = sdk(database, everyRow(2 * sizes.reload))
        spans = made.spans
        await made.chat.ready
        shown = made.chat.getState().mainChat.messages.length
      })
      expect(shown === sizes.reload, `the client shows ${shown} messages`)
      return sample
    }
    case 'latency': {
      const texts = makeTexts(sizes.latency)
      const seen = new Map<string, number>()
      let waiting: { id: string; resolve: () => void } | undefined
      const onIds = (ids: readonly string[]) => {
        const last = ids[ids.length - 1]
        if (last !== undefined && !seen.has(last)) seen.set(last, performance.now())
        if (waiting && seen.has(waiting.id)) waiting.resolve()
      }
      const shown = (id: string) => (seen.has(id) ? Promise.resolve() : new Promise<void>((resolve) => (waiting = { id, resolve })))
      const emitted: number[] = []
      const committed: number[] = []
      if (baseline) {
        await openBaseline()
        baseline.onLive = onIds
        await baseline.call({ op: 'watchMain' })
        const rows = messageRows(texts, 'main')
        const sample = await measure(baseline.spans, async () => {
          for (const row of rows) {
            const start = performance.now()
            await baseline.call({ op: 'put', row })
            committed.push(performance.now() - start)
            await shown(row.id)
            emitted.push(seen.get(row.id)! - start)
          }
          return stats(emitted, committed)
        })
        return sample
      }
      const { chat, spans } = sdk(database, everyRow(texts.length))
      await chat.ready
      const subscription = chat.messages$.subscribe((messages) => onIds(messages.map((message) => message.id)))
      teardown.push(() => subscription.unsubscribe())
      const sample = await measure(spans, async () => {
        for (const text of texts) {
          const id = newId()
          const start = performance.now()
          const done = chat.sendMainChatMessage(text, { id })
          await shown(id)
          emitted.push(seen.get(id)! - start)
          await done
          committed.push(performance.now() - start)
        }
        return stats(emitted, committed)
      })
      return sample
    }
    case 'search': {
      const texts = makeTexts(sizes.search)
      const queries = SEARCH_WORDS.slice(0, sizes.searchQueries)
      let hits = 0
      if (baseline) {
        await openBaseline()
        await baseline.call({ op: 'bulkPut', rows: messageRows(texts, 'main') })
        return measure(baseline.spans, async () => {
          for (const word of queries) hits += ((await baseline.call({ op: 'search', word, limit: 20 })).value as unknown[]).length
          expect(hits > 0, 'no hits')
          return { 'per query': 0 }
        }).then(perOperation(queries.length))
      }
      const { chat, spans } = sdk(database, everyRow(texts.length))
      await chat.ready
      await chat.sendMainChatMessages(texts)
      return measure(spans, async () => {
        for (const word of queries) hits += (await chat.searchMessages(`${word} `, { limit: 20 })).length
        expect(hits > 0, 'no hits')
        return { 'per query': 0 }
      }).then(perOperation(queries.length))
    }
    case 'load-older': {
      const texts = makeTexts(sizes.history)
      const pages = sizes.pages
      if (baseline) {
        await openBaseline()
        const thread = newId()
        await baseline.call({ op: 'bulkPut', rows: messageRows(texts, thread) })
        let before = texts.length + 1 - 50
        return measure(baseline.spans, async () => {
          for (let p = 0; p < pages; p++) {
            const rows = (await baseline.call({ op: 'page', thread, before, limit: 50 })).value as Row[]
            expect(rows.length === 50, `a page of ${rows.length}`)
            before = Math.min(...rows.map((row) => row.seq))
          }
          return { 'per page': 0 }
        }).then(perOperation(pages))
      }
      const { chat, spans } = sdk(database, {})
      await chat.ready
      const ticket = chat.createTicket('support', 'History')
      for (let from = 0; from < texts.length; from += 500) await Promise.all(texts.slice(from, from + 500).map((text) => chat.sendTicketMessage(ticket, text)))
      const release = chat.watchTicket(ticket)
      teardown.push(release)
      await chat.loadOlder(ticket, 50)
      return measure(spans, async () => {
        for (let p = 0; p < pages; p++) {
          const page = await chat.loadOlder(ticket, 50)
          expect(page.loaded === 50, `a page of ${page.loaded}`)
        }
        return { 'per page': 0 }
      }).then(perOperation(pages))
    }
    case 'tabs':
      throw new Error('tabs runs through prepareTab and go')
  }
}

/** Random bytes that do not compress (the storage may compress), as a Blob made on the main thread. */
function randomBlob(size: number, type = 'application/octet-stream'): Blob {
  const parts: Array<Uint8Array<ArrayBuffer>> = []
  for (let at = 0; at < size; at += 65_536) parts.push(crypto.getRandomValues(new Uint8Array(Math.min(65_536, size - at))))
  return new Blob(parts, { type })
}

/**
 * The attachment workloads (see `../browser.bench.ts`): a file stored by the SDK against the
 * same bytes written raw in a worker, the main thread's heap with files stored and not shown,
 * and the main thread's long tasks while a large file is stored.
 */
async function runAttachments(workload: 'attach' | 'attach-heap' | 'attach-large', library: Library, sizes: Sizes, database: string): Promise<Sample> {
  const big = { maxAttachmentBytes: 2 ** 30, maxMessageAttachmentBytes: 2 ** 30, maxStoredAttachmentBytes: 2 ** 31 }
  if (workload === 'attach') {
    const blob = randomBlob(sizes.attachBytes)
    if (library === 'opfs' || library === 'dexie') {
      const raw = new Remote('dexie')
      // Warm: the worker loaded, the OPFS root or the database opened (the SDK's is open too).
      await raw.call({ op: 'storeBlob', blob: new Blob(['warm']), where: library === 'opfs' ? 'opfs' : 'indexeddb', name: `${database}-warm` })
      return measure(raw.spans, async () => void (await raw.call({ op: 'storeBlob', blob, where: library === 'opfs' ? 'opfs' : 'indexeddb', name: database })))
    }
    const { chat, spans } = sdk(database, big)
    await chat.ready
    // Warm, as the baseline is: the database and the OPFS folder exist, the file's send is what is timed.
    await chat.sendMainChatMessage('warm', { attachments: [new Blob(['warm'])] })
    const sample = await measure(spans, () => chat.sendMainChatMessage('', { attachments: [blob] }))
    expect((await chat.readAttachment(chat.getState().mainChat.messages.at(-1)!.attachments![0]!.id)).size === blob.size, 'the file is stored')
    return sample
  }
  if (workload === 'attach-heap') {
    // Every file is made and sent, then let go on the page: what stays is what the client holds.
    const { chat, spans } = sdk(database, { ...big, maxMainChatMessages: 1000 })
    await chat.ready
    // The files are made before the timed part (making random bytes is the page's work, not the
    // SDK's), and each is let go of once sent: what stays is what the client holds.
    const files: Array<Blob | undefined> = Array.from({ length: sizes.attachHeapCount }, () => (library === 'sdk' ? randomBlob(sizes.attachHeapBytes, 'image/jpeg') : undefined))
    const sample = await measure(spans, async () => {
      for (let i = 0; i < sizes.attachHeapCount; i++) {
        const content = `Photo ${i} of the parcel`
        const file = files[i]
        files[i] = undefined
        await chat.sendMainChatMessage(content, file ? { attachments: [file] } : undefined)
      }
    })
    expect(chat.getState().mainChat.messages.length === sizes.attachHeapCount, 'every message shown')
    return sample
  }
  const blob = randomBlob(sizes.attachLargeBytes, 'video/mp4')
  const { chat, spans } = sdk(database, big)
  await chat.ready
  await chat.sendMainChatMessage('warm', { attachments: [new Blob(['warm'])] })
  return measure(spans, () => chat.sendMainChatMessage('The unboxing video', { attachments: [blob] }))
}

function stats(emitted: readonly number[], committed: readonly number[]): Record<string, number> {
  return { 'shown p50': quantile(emitted, 0.5), 'shown p99': quantile(emitted, 0.99), 'committed p50': quantile(committed, 0.5), 'committed p99': quantile(committed, 0.99) }
}

/** Fills the single extra figure with the time per operation. */
const perOperation = (count: number) => (sample: Sample): Sample => ({
  ...sample,
  extra: Object.fromEntries(Object.keys(sample.extra ?? {}).map((key) => [key, sample.ms / count])),
})

// ── Two tabs ─────────────────────────────────────────────────────────────────

let tab: { send: (sender: number, i: number) => Promise<void>; senders: number; sends: number } | undefined

async function prepareTab({ library, sizes, database }: SampleRequest, index: number): Promise<void> {
  const senders = sizes.tabSenders / 2
  const texts = makeTexts(senders * sizes.tabSends, 100 + index)
  if (library === 'sdk') {
    const { chat } = sdk(database, { maxMainChatMessages: 4 * sizes.tabSenders * sizes.tabSends })
    await chat.ready
    tab = { send: (sender, i) => chat.sendMainChatMessage(texts[sender * sizes.tabSends + i]!), senders, sends: sizes.tabSends }
    return
  }
  const remote = new Remote(library === 'rxdb' ? 'rxdb' : 'dexie')
  await remote.call({ op: 'open', name: database, multiInstance: true })
  // Each tab's rows get their own seq range: the two never write the same key.
  const rows = messageRows(texts, 'main', 1 + index * 1_000_000)
  tab = { send: async (sender, i) => void (await remote.call({ op: 'put', row: rows[sender * sizes.tabSends + i]! })), senders, sends: sizes.tabSends }
}

async function go(startAt: number): Promise<{ end: number; longTasks: number[] }> {
  const current = tab!
  await sleep(Math.max(0, startAt - Date.now()))
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: current.senders }, async (_, sender) => {
      for (let i = 0; i < current.sends; i++) await current.send(sender, i)
    }),
  )
  const t1 = performance.now()
  return { end: performance.timeOrigin + t1, longTasks: durations(await longTasksIn(t0, t1)) }
}

// ── Seeding, counting, teardown ──────────────────────────────────────────────

async function seedReload(database: string, total: number): Promise<number> {
  const { chat } = sdk(database, { maxMainChatMessages: 2 * total })
  await chat.ready
  const texts = makeTexts(10_000)
  for (let sent = 0; sent < total; sent += texts.length) await chat.sendMainChatMessages(texts.slice(0, Math.min(texts.length, total - sent)))
  await chat.close()
  return count(database, 'messages')
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error)
  })
}

async function count(database: string, store: string): Promise<number> {
  const db = await request(indexedDB.open(database))
  try {
    return await request(db.transaction(store, 'readonly').objectStore(store).count())
  } finally {
    db.close()
  }
}

async function finish(): Promise<void> {
  for (const step of teardown.splice(0).reverse()) await step()
  tab = undefined
  // The attachments' files, the SDK's and the raw baseline's.
  const root = await navigator.storage.getDirectory()
  for await (const name of (root as unknown as { keys(): AsyncIterable<string> }).keys()) await root.removeEntry(name, { recursive: true }).catch(() => {})
  // Every database but the reload's seeded one goes (RxDB's storage makes several).
  for (const { name } of await indexedDB.databases()) {
    if (!name || name.startsWith(KEEP)) continue
    await new Promise<void>((resolve) => {
      const deletion = indexedDB.deleteDatabase(name)
      deletion.onsuccess = deletion.onerror = deletion.onblocked = () => resolve()
    })
  }
}

window.bench = { run, prepareTab, go, seedReload, count, finish }
