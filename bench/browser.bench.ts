/**
 * `npm run bench:browser`: the SDK beside raw Dexie and RxDB in real Chromium. Not part of `npm test`.
 *
 * Set-up. The package's build (dist/, rebuilt with `rollup -c --configJsOnly` when older than
 * the sources) is bundled by esbuild as an app bundles it: the page imports `companion-chat`
 * and starts `companion-chat/worker` as a module worker. Raw Dexie (4.4.7, the SDK's version)
 * and RxDB 17 (Dexie storage, its own Dexie version, from bench/package.json) are bundled
 * into dedicated workers of their own. Every worker loads `browser/spans.ts` first, which
 * records its IndexedDB transactions. Served on 127.0.0.1 by a small static server; Debian's
 * Chromium (`CHROMIUM_PATH`, default /usr/bin/chromium) headless through playwright-core.
 *
 * Method. For each workload, one warm-up round (discarded) and `--rounds` rounds; in each
 * round every library runs once, in a shuffled order. A sample is a fresh page load, a fresh
 * database and a fresh worker; the timed part runs on the main thread, from the first call to
 * the last answer there (the round trip included); the setup before it is untimed. Reported
 * per sample and shown as medians:
 * - main ms: the main thread's clock;
 * - worker: from the first IndexedDB transaction the worker started in the timed part to the
 *   end of the last one (its span), for every library measured the same way;
 * - long tasks: the page's `PerformanceObserver('longtask')` entries that started in the timed
 *   part (or in the 100 ms after it): the median count and the longest one seen;
 * - heap: the page's used JS heap after the timed part, with the SDK client (or the
 *   baseline's worker handle) still open, after `HeapProfiler.collectGarbage` and
 *   `Runtime.getHeapUsage` through the DevTools protocol.
 *
 * The SDK's clients get `workerTimeout: 120_000`: with the default 5 s, a client declared its
 * worker gone (WorkerGoneError) in the middle of the 10,000-ticket workload on a loaded machine.
 *
 * Workloads and their baselines. The baselines write the same rows with the same indexes as
 * the SDK (`messages: 'id, [thread+seq], *words'`, `tickets: 'id, status'`); the search words
 * (`searchWords`) are computed in the worker inside the timed part, as the engine does. RxDB
 * cannot index an array: it stores the words unindexed. "Every row kept": the SDK's
 * `maxMainChatMessages` is at least the number of messages, so it keeps every row too.
 * - batch: 10,000 main-chat messages, one `sendMainChatMessages`, every row kept. Dexie: the
 *   page builds the rows and posts them, one `bulkPut`. RxDB: one `bulkInsert`.
 * - fired: 10,000 `sendMainChatMessage` fired together, every row kept. Baselines as batch.
 * - one-by-one: 500 `sendMainChatMessage`, each awaited, every row kept. Dexie: 500 awaited
 *   requests, one `put` each. RxDB: 500 awaited `insert`s.
 * - ticket-burst: 5,000 `sendTicketMessage` fired together into one (committed) ticket.
 *   Dexie: one `bulkPut` of the rows in the ticket's thread. RxDB: one `bulkInsert`.
 * - tickets: 10,000 `createTicket` then 10,000 `resolveTicket`, fired together. Dexie: one
 *   `bulkPut` of 10,000 open ticket rows, then one `bulkPut` of them resolved (two awaited
 *   requests). RxDB: two `bulkUpsert`s.
 * - cleanup: `runCleanup` of 10,000 tickets resolved eight days earlier on the client's clock
 *   (`now` option), each with one message. Dexie: in one transaction, the old resolved tickets
 *   through the status index, a `bulkDelete` of them, the message keys of each ticket's
 *   `[thread+seq]` range (read together) and one `bulkDelete` of those; "dexie-tickets" deletes
 *   the tickets only. (A `Collection.delete()` per range, issued together, took 5× longer.) RxDB: a `find` of the
 *   old resolved tickets, `bulkRemove`, and a `find({ thread: { $in } }).remove()`.
 * - reload: a database of 100,000 main-chat messages written once through the SDK (not
 *   timed); each sample makes a fresh worker and client on it, timed to `ready` with every
 *   row kept (the client then shows all 100,000). Dexie: a fresh worker opens the same
 *   database and reads the rows the SDK reads — the main chat's 100,000 rows through
 *   `[thread+seq]` — and posts their messages to the page (without the search words, as the SDK). No RxDB (it cannot read the SDK's database).
 * - latency: 200 main-chat sends one by one; per send, the time to the optimistic
 *   `messages$` emission that holds it ("shown") and to the resolved promise ("committed").
 *   Dexie: a `put` per send with a `liveQuery` of the main chat in the worker posting its
 *   ids to the page: shown = the emission that holds the row reaches the page, committed = the
 *   `put`'s answer. RxDB: `insert` and `find().$` the same way.
 * - tabs: two pages on one origin and one database, ten senders each, each sending 25
 *   messages one by one (500 in all); from a common start to the last answer in either page.
 *   SDK: a client per page (each with its dedicated worker). Dexie: a worker per page, `put`s.
 *   RxDB: a worker per page, `multiInstance`, `insert`s.
 * - search: 20 one-word `searchMessages` (whole words, limit 20), awaited one after another,
 *   on 10,000 main-chat messages. Dexie: the same word's range of the `*words` index, newest
 *   first, limit 20, posted back. No RxDB (no array index).
 * - load-older: 20 `loadOlder` pages of 50 walking back through a ticket of 2,000 messages
 *   (its newest page loaded first, untimed). Dexie: the `[thread+seq]` range below the
 *   oldest seq, reversed, limit 50, posted back. RxDB: `find` on thread and seq, sorted, limit 50.
 * - attach: one 10 MB file of random bytes (made on the main thread as a Blob) sent with a
 *   main-chat message, to its commit (the worker hashes it, writes it to the origin private
 *   file system and commits the message with the attachment row). Baselines, in a worker of
 *   their own, given the same Blob: "raw OPFS write" writes it to a file (`createWritable`),
 *   raw Dexie puts it in a row. The target compares the SDK with the raw OPFS write.
 * - attach-heap: 100 main-chat messages, each sent (and awaited) with a 1 MB file made for it,
 *   none shown; the heap column is the page's heap afterwards. Baseline: the same messages
 *   without files, through the SDK.
 * - attach-large: one 50 MB file sent with a message, to its commit; the long-tasks column
 *   is the figure of interest (the bytes must never be handled on the main thread).
 *
 * Run time: the default sizes take long: about 40 minutes with `--rounds 5` on 2 cores under
 * a load average of 12–20 (a cleanup round alone takes 3–4 minutes: each library's sample
 * seeds 10,000 tickets first). `--only` and `--scale` make shorter runs.
 *
 * Options: --rounds N (default 5), --only a,b (workloads), --scale F (every size × F, for a
 * quick check), --write (adds a dated section to bench/RESULTS.md), --no-rxdb,
 * --profile (instead of the rounds, one sample of each library per workload under the
 * DevTools protocol's Profiler, in the page and in its workers; prints the functions with
 * the most self time), --before DIR (another checkout of the project, built: its dist/ runs as
 * the library "SDK before" beside the SDK in the same shuffled rounds, for before/after
 * figures that one machine's load cannot tilt).
 */
import { execFile } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import { existsSync } from 'node:fs'
import { appendFile, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { build, type Plugin } from 'esbuild'
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core'
import type { Library, Sample, SampleRequest, Sizes, Workload } from './browser/page.js'
import { createRandom, fmt, median, ratio, shuffle } from './workload.js'

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    only: { type: 'string' },
    scale: { type: 'string', default: '1' },
    write: { type: 'boolean', default: false },
    'no-rxdb': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    before: { type: 'string' },
  },
})

const repoRoot = fileURLToPath(new URL('..', import.meta.url))
const ROUNDS = Number(args.rounds)
const SCALE = Number(args.scale)
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error(`--rounds must be a positive integer, got ${args.rounds}`)
if (!(SCALE > 0 && SCALE <= 1)) throw new Error(`--scale must be in (0, 1], got ${args.scale}`)
const scaled = (n: number, least = 1) => Math.max(least, Math.round(n * SCALE))
const SIZES: Sizes = {
  sends: scaled(10_000),
  oneByOne: scaled(500),
  ticketBurst: scaled(5_000),
  tickets: scaled(10_000),
  cleanup: scaled(10_000),
  reload: scaled(100_000),
  latency: scaled(200, 20),
  tabSenders: 20,
  tabSends: scaled(25, 2),
  search: scaled(10_000, 200),
  searchQueries: 20,
  history: scaled(2_000, 1_200),
  pages: 20,
  attachBytes: scaled(10 * 2 ** 20),
  attachHeapCount: scaled(100, 10),
  attachHeapBytes: 2 ** 20,
  attachLargeBytes: scaled(50 * 2 ** 20),
}

interface WorkloadSpec {
  readonly name: Workload
  readonly label: string
  readonly libraries: readonly Library[]
  /** Compared with this library in the last column: its time (`× name`) or its heap (`heap − name`). */
  readonly baseline?: { readonly library: Library; readonly compare: 'time' | 'heap' }
}
const WORKLOADS: readonly WorkloadSpec[] = [
  { name: 'batch', label: `${n(SIZES.sends)} main-chat sends, one batch call, every row kept`, libraries: ['sdk', 'dexie', 'rxdb'] },
  { name: 'fired', label: `${n(SIZES.sends)} main-chat sends fired together, every row kept`, libraries: ['sdk', 'dexie', 'rxdb'] },
  { name: 'one-by-one', label: `${n(SIZES.oneByOne)} sends awaited one by one, every row kept`, libraries: ['sdk', 'dexie', 'rxdb'] },
  { name: 'ticket-burst', label: `${n(SIZES.ticketBurst)} ticket messages fired together into one ticket`, libraries: ['sdk', 'dexie', 'rxdb'] },
  { name: 'tickets', label: `create and resolve ${n(SIZES.tickets)} tickets`, libraries: ['sdk', 'dexie', 'rxdb'] },
  { name: 'cleanup', label: `runCleanup of ${n(SIZES.cleanup)} resolved tickets with their messages`, libraries: ['sdk', 'dexie', 'dexie-tickets', 'rxdb'] },
  { name: 'reload', label: `reload with ${n(SIZES.reload)} messages → ready, every row kept`, libraries: ['sdk', 'dexie'] },
  { name: 'latency', label: `${SIZES.latency} sends: send → shown / committed`, libraries: ['sdk', 'dexie', 'rxdb'] },
  { name: 'tabs', label: `${SIZES.tabSenders} senders in two tabs, ${n(SIZES.tabSenders * SIZES.tabSends)} sends one by one`, libraries: ['sdk', 'dexie', 'rxdb'] },
  { name: 'search', label: `${SIZES.searchQueries} searches (one word) in ${n(SIZES.search)} messages`, libraries: ['sdk', 'dexie'] },
  { name: 'load-older', label: `${SIZES.pages} loadOlder pages of 50 (ticket of ${n(SIZES.history)})`, libraries: ['sdk', 'dexie', 'rxdb'] },
  { name: 'attach', label: `store a ${mb(SIZES.attachBytes)} attachment`, libraries: ['sdk', 'opfs', 'dexie'], baseline: { library: 'opfs', compare: 'time' } },
  { name: 'attach-heap', label: `${SIZES.attachHeapCount} attachments of ${mb(SIZES.attachHeapBytes)} stored, none shown: heap`, libraries: ['sdk', 'sdk-no-files'], baseline: { library: 'sdk-no-files', compare: 'heap' } },
  { name: 'attach-large', label: `store a ${mb(SIZES.attachLargeBytes)} attachment: long tasks`, libraries: ['sdk'] },
]
const only = args.only?.split(',').map((name) => name.trim())
for (const name of only ?? []) if (!WORKLOADS.some((w) => w.name === name)) throw new Error(`--only: no workload ${name} (${WORKLOADS.map((w) => w.name).join(', ')})`)
const selected = WORKLOADS.filter((w) => !only || only.includes(w.name)).map((w) => ({
  ...w,
  libraries: w.libraries
    .filter((library) => !(args['no-rxdb'] && library === 'rxdb'))
    .flatMap((library): Library[] => (library === 'sdk' && args.before !== undefined ? ['sdk', 'sdk-before'] : [library])),
}))

const LIBRARY_NAMES: Record<Library, string> = {
  sdk: 'SDK',
  'sdk-before': 'SDK before',
  dexie: 'raw Dexie',
  'dexie-tickets': 'raw Dexie, tickets only',
  rxdb: 'RxDB',
  opfs: 'raw OPFS write',
  'sdk-no-files': 'SDK, same messages without files',
}
const SAMPLE_TIMEOUT = 300_000

// ── Build and serve ──────────────────────────────────────────────────────────

/** Runs `rollup -c --configJsOnly` (`npm run build:js`) when dist/ is missing or older than its sources. */
async function ensureBuilt(): Promise<void> {
  const newest = async (path: string): Promise<number> => {
    const info = await stat(path).catch(() => undefined)
    if (!info) return 0
    if (!info.isDirectory()) return info.mtimeMs
    let latest = info.mtimeMs
    for (const entry of await readdir(path)) latest = Math.max(latest, await newest(join(path, entry)))
    return latest
  }
  const outputs = await Promise.all(['index', 'worker'].map((name) => stat(join(repoRoot, `dist/${name}.js`)).catch(() => undefined)))
  const oldestOutput = Math.min(...outputs.map((info) => info?.mtimeMs ?? 0))
  let newestInput = 0
  for (const input of ['src', 'worker', 'package.json', 'rollup.config.mjs']) newestInput = Math.max(newestInput, await newest(join(repoRoot, input)))
  if (oldestOutput >= newestInput) return
  console.log('building dist/ (rollup -c --configJsOnly)')
  await new Promise<void>((resolve, reject) =>
    execFile(join(repoRoot, 'node_modules/.bin/rollup'), ['-c', '--configJsOnly'], { cwd: repoRoot, timeout: 300_000 }, (error, _out, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(),
    ),
  )
}

/** `companion-chat` and `companion-chat/worker` resolve to the build in `root`'s dist/, as in an app that installed it. */
const packagePlugin = (root: string): Plugin => ({
  name: 'companion-chat',
  setup(context) {
    context.onResolve({ filter: /^companion-chat(\/worker)?$/ }, ({ path }) => ({
      path: join(root, path === 'companion-chat' ? 'dist/index.js' : 'dist/worker.js'),
    }))
  },
})

/** The pages and workers on the SDK of `root` (this checkout, or `--before`'s in before/). */
async function bundle(outdir: string, root = repoRoot): Promise<void> {
  const entries = ['page', 'sdk-worker', 'dexie-worker', ...(selected.some((w) => w.libraries.includes('rxdb')) ? ['rxdb-worker'] : [])]
  await build({
    entryPoints: Object.fromEntries(entries.map((name) => [name, join(repoRoot, `bench/browser/${name}.ts`)])),
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    // Not minified, with source maps (chained through dist/'s): the profiles name functions and their source files.
    sourcemap: 'external',
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [packagePlugin(root)],
    external: ['node:*'], // workload.ts' Node-only GC helper, never called in the page
    logLevel: 'error',
  })
  await appendFile(join(outdir, 'index.html'), '<!doctype html><html><head><meta charset="utf-8"><title>bench</title><link rel="icon" href="data:,"></head><body><script type="module" src="./page.js"></script></body></html>')
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript' }
async function serve(root: string): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname
    const file = join(root, path.slice(1), path.endsWith('/') ? 'index.html' : '')
    readFile(file).then(
      (body) => response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(body),
      () => response.writeHead(404).end(),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('the server did not listen on a port')
  return { url: `http://127.0.0.1:${address.port}/`, server }
}

// ── Samples ──────────────────────────────────────────────────────────────────

interface Measured extends Sample {
  readonly heap: number
}

let databases = 0
const RELOAD_DB = `reload-seed-${process.pid}`

async function openPage(context: BrowserContext, url: string, profiler?: { profiling: Profiling; label: string }): Promise<{ page: Page; cdp: CDPSession; problems: string[] }> {
  const page = await context.newPage()
  const cdp = await context.newCDPSession(page)
  await profiler?.profiling.attach(page, cdp, profiler.label)
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console.error: ${message.text()}`)
  })
  page.on('crash', () => problems.push('the page crashed'))
  await page.goto(url, { waitUntil: 'load' })
  await page.waitForFunction(() => 'bench' in window)
  return { page, cdp, problems }
}

async function heapOf(cdp: CDPSession): Promise<number> {
  await cdp.send('HeapProfiler.enable')
  await cdp.send('HeapProfiler.collectGarbage')
  const { usedSize } = await cdp.send('Runtime.getHeapUsage')
  return usedSize
}

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${SAMPLE_TIMEOUT / 1000} s`)), SAMPLE_TIMEOUT)))]).finally(() =>
    clearTimeout(timer),
  )
}

async function sample(context: BrowserContext, served: string, workload: Workload, library: Library, profiler?: Profiling): Promise<Measured> {
  const database = workload === 'reload' ? RELOAD_DB : `bench-${workload}-${library}-${++databases}`
  // The SDK before: the same pages, built on the other checkout (see `--before`).
  const url = library === 'sdk-before' ? `${served}before/` : served
  const request: SampleRequest = { workload, library: library === 'sdk-before' ? 'sdk' : library, sizes: SIZES, database }
  if (workload === 'tabs') return sampleTabs(context, url, request)
  const { page, cdp, problems } = await openPage(context, url, profiler ? { profiling: profiler, label: `${workload} ${library}` } : undefined)
  try {
    const result = await withTimeout(
      page.evaluate((req) => window.bench.run(req), request),
      `${workload} ${library}`,
    )
    const heap = await heapOf(cdp)
    await withTimeout(
      page.evaluate(() => window.bench.finish()),
      'finish',
    )
    if (problems.length > 0) throw new Error(`${workload} ${library}: ${problems.join('; ')}`)
    return { ...result, heap }
  } finally {
    await page.close()
  }
}

async function sampleTabs(context: BrowserContext, url: string, request: SampleRequest): Promise<Measured> {
  const tabs = [await openPage(context, url), await openPage(context, url)]
  try {
    for (const [index, { page }] of tabs.entries()) await page.evaluate(([req, i]) => window.bench.prepareTab(req, i), [request, index] as const)
    const startAt = Date.now() + 300
    const results = await withTimeout(Promise.all(tabs.map(({ page }) => page.evaluate((at) => window.bench.go(at), startAt))), `tabs ${request.library}`)
    const heap = await heapOf(tabs[0]!.cdp)
    const expected = request.sizes.tabSenders * request.sizes.tabSends
    if (request.library !== 'rxdb') {
      const stored = await tabs[0]!.page.evaluate((db) => window.bench.count(db, 'messages'), request.database)
      if (stored !== expected) throw new Error(`tabs ${request.library}: ${stored} rows stored, expected ${expected}`)
    }
    await Promise.all(tabs.map(({ page }) => page.evaluate(() => window.bench.finish())))
    const problems = tabs.flatMap((tab) => tab.problems)
    if (problems.length > 0) throw new Error(`tabs ${request.library}: ${problems.join('; ')}`)
    return { ms: Math.max(...results.map((r) => r.end)) - startAt, longTasks: results.flatMap((r) => r.longTasks), heap }
  } finally {
    for (const { page } of tabs) await page.close()
  }
}

// ── Profiles ─────────────────────────────────────────────────────────────────

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }
  hitCount?: number
  children?: number[]
}
interface Profile {
  nodes: ProfileNode[]
  samples?: number[]
  timeDeltas?: number[]
}

/**
 * The Profiler of the DevTools protocol on the page and on every worker it starts: the
 * page's own CDP session auto-attaches to its workers (not flattened: commands go through
 * `Target.sendMessageToTarget`), starts the Profiler in each before it runs, and stops them
 * all at the end of the sample.
 */
class Profiling {
  readonly reports: string[] = []
  #workers: Array<{ sessionId: string; url: string }> = []
  #pending = new Map<number, (message: { result?: unknown; error?: unknown }) => void>()
  #next = 0
  #running = false

  constructor(private readonly outdir: string) {}

  #send(cdp: CDPSession, sessionId: string, method: string, params: object = {}): Promise<{ result?: unknown; error?: unknown }> {
    const id = ++this.#next
    return new Promise((resolve) => {
      this.#pending.set(id, resolve)
      void cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }).catch((error: unknown) => resolve({ error }))
    })
  }

  /** Before the page loads: the page calls `benchProfile('start' | 'stop')` around its timed part. */
  async attach(page: Page, cdp: CDPSession, label: string): Promise<void> {
    cdp.on('Target.receivedMessageFromTarget', (event) => {
      const message = JSON.parse(event.message) as { id?: number; result?: unknown; error?: unknown }
      if (message.id === undefined) return
      this.#pending.get(message.id)?.(message)
      this.#pending.delete(message.id)
    })
    cdp.on('Target.attachedToTarget', (event) => {
      const { sessionId, targetInfo } = event
      void (async () => {
        if (targetInfo.type === 'worker') {
          await this.#send(cdp, sessionId, 'Profiler.enable')
          await this.#send(cdp, sessionId, 'Profiler.setSamplingInterval', { interval: 200 })
          if (this.#running) await this.#send(cdp, sessionId, 'Profiler.start')
          this.#workers.push({ sessionId, url: targetInfo.url })
        }
        await this.#send(cdp, sessionId, 'Runtime.runIfWaitingForDebugger')
      })()
    })
    await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: false })
    await cdp.send('Profiler.enable')
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 })
    await page.exposeFunction('benchProfile', (what: 'start' | 'stop') => (what === 'start' ? this.#start(cdp) : this.#stop(cdp, label)))
  }

  async #start(cdp: CDPSession): Promise<void> {
    this.#running = true
    await cdp.send('Profiler.start')
    for (const { sessionId } of this.#workers) await this.#send(cdp, sessionId, 'Profiler.start')
  }

  async #stop(cdp: CDPSession, label: string): Promise<void> {
    this.#running = false
    const { profile } = (await cdp.send('Profiler.stop')) as { profile: Profile }
    this.reports.push(await summarise(`${label}: page`, profile, this.outdir))
    for (const { sessionId, url } of this.#workers) {
      const stopped = await this.#send(cdp, sessionId, 'Profiler.stop')
      const name = url.split('/').pop()?.split('?')[0] ?? 'worker'
      if (stopped.result) this.reports.push(await summarise(`${label}: ${name}`, (stopped.result as { profile: Profile }).profile, this.outdir))
    }
  }
}

/** The source maps of the bundles (esbuild chains dist/'s own maps), decoded: per generated line, [column, source] pairs. */
const sourceMaps = new Map<string, { sources: string[]; lines: Array<Array<[number, number, number]>> }>()
const VLQ = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
function decodeMappings(mappings: string): Array<Array<[number, number, number]>> {
  const lines: Array<Array<[number, number, number]>> = []
  let source = 0
  let sourceLine = 0
  for (const line of mappings.split(';')) {
    const segments: Array<[number, number, number]> = []
    let column = 0
    for (const segment of line.split(',')) {
      if (segment === '') continue
      const values: number[] = []
      let value = 0
      let shift = 0
      for (const char of segment) {
        const digit = VLQ.indexOf(char)
        value += (digit & 31) << shift
        if (digit & 32) shift += 5
        else {
          values.push(value & 1 ? -(value >>> 1) : value >>> 1)
          value = 0
          shift = 0
        }
      }
      column += values[0] ?? 0
      if (values.length > 1) {
        source += values[1]!
        sourceLine += values[2] ?? 0
        segments.push([column, source, sourceLine])
      }
    }
    lines.push(segments)
  }
  return lines
}
async function sourceOf(outdir: string, file: string, line: number, column: number): Promise<string> {
  if (!sourceMaps.has(file)) {
    const map = JSON.parse(await readFile(join(outdir, `${file}.map`), 'utf8').catch(() => '{"sources":[],"mappings":""}')) as { sources: string[]; mappings: string }
    const sources = map.sources.map((path) => path.replace(/^(\.\.\/)+/, '').replace(/^.*node_modules\//, '').replace(/^(work\/[^/]+\/)/, ''))
    sourceMaps.set(file, { sources, lines: decodeMappings(map.mappings) })
  }
  const { sources, lines } = sourceMaps.get(file)!
  let found = -1
  let foundLine = 0
  for (const [segmentColumn, source, sourceLine] of lines[line] ?? []) {
    if (segmentColumn > column) break
    found = source
    foundLine = sourceLine
  }
  return found === -1 ? file : `${sources[found] ?? file}:${foundLine + 1}`
}

/** The functions with the most self time, and the modules they are in (sampled time outside the idle task). */
async function summarise(label: string, profile: Profile, outdir: string): Promise<string> {
  const self = new Map<number, number>()
  const deltas = profile.timeDeltas ?? []
  for (const [i, id] of (profile.samples ?? []).entries()) self.set(id, (self.get(id) ?? 0) + (deltas[i + 1] ?? 0) / 1000)
  const byFunction = new Map<string, number>()
  let idle = 0
  for (const node of profile.nodes) {
    const ms = self.get(node.id) ?? 0
    if (ms === 0) continue
    if (node.callFrame.functionName === '(idle)') {
      idle += ms
      continue
    }
    const file = node.callFrame.url.split('/').pop()?.split('?')[0] ?? ''
    const where = file ? await sourceOf(outdir, file, node.callFrame.lineNumber, node.callFrame.columnNumber) : ''
    const key = `${node.callFrame.functionName || '(anonymous)'}${where ? ` (${where})` : ''}`
    byFunction.set(key, (byFunction.get(key) ?? 0) + ms)
  }
  const busy = [...byFunction.values()].reduce((a, b) => a + b, 0)
  const byModule = new Map<string, number>()
  for (const [name, ms] of byFunction) {
    const module = /\(([^):]+)(?::\d+)?\)$/.exec(name)?.[1] ?? '(native or engine)'
    byModule.set(module, (byModule.get(module) ?? 0) + ms)
  }
  const top = [...byFunction.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15)
  const modules = [...byModule.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6)
  return [
    `### ${label}: ${fmt(busy)} ms busy, ${fmt(idle)} ms idle`,
    ...top.map(([name, ms]) => `  ${fmt(ms).padStart(7)} ms ${((100 * ms) / busy).toFixed(1).padStart(5)}%  ${name}`),
    `  by module: ${modules.map(([module, ms]) => `${module} ${fmt(ms)}`).join(', ')}`,
  ].join('\n')
}

// ── Run ──────────────────────────────────────────────────────────────────────

const executablePath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'
if (!existsSync(executablePath)) throw new Error(`Chromium not found at ${executablePath}: install Debian's chromium or set CHROMIUM_PATH`)
await ensureBuilt()
const outdir = await mkdtemp(join(tmpdir(), 'companion-chat-bench-'))
let browser: Browser | undefined
let server: Server | undefined
const results = new Map<string, Measured[]>()
const failures: string[] = []
const key = (workload: Workload, library: Library) => `${workload}/${library}`
const started = performance.now()
const loadAtStart = loadavg()
try {
  await bundle(outdir)
  if (args.before !== undefined) await bundle(join(outdir, 'before'), args.before)
  const served = await serve(outdir)
  server = served.server
  browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] })
  const context = await browser.newContext()
  console.log(
    `companion-chat browser benchmark: Chromium ${browser.version()}, ${ROUNDS} rounds + 1 warm-up, scale ${SCALE}, ` +
      `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, load ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}`,
  )
  if (selected.some((w) => w.name === 'reload')) {
    const { page } = await openPage(context, served.url)
    const t0 = performance.now()
    const stored = await withTimeout(page.evaluate(([db, total]) => window.bench.seedReload(db, total), [RELOAD_DB, SIZES.reload] as const), 'seeding the reload database')
    if (stored !== SIZES.reload) throw new Error(`the reload database holds ${stored} messages, expected ${SIZES.reload}`)
    console.log(`reload: ${n(stored)} messages written through the SDK in ${((performance.now() - t0) / 1000).toFixed(1)} s (not timed)`)
    await page.close()
  }
  const random = createRandom(11)
  for (const workload of args.profile ? [] : selected) {
    for (let round = 0; round <= ROUNDS; round++) {
      const line: string[] = []
      for (const library of shuffle(workload.libraries, random)) {
        try {
          const measured = await sample(context, served.url, workload.name, library)
          if (round > 0) results.set(key(workload.name, library), [...(results.get(key(workload.name, library)) ?? []), measured])
          line.push(`${library} ${fmt(measured.ms)}`)
        } catch (error) {
          if (!browser.isConnected()) throw error
          // One failed sample is reported and left out; the run goes on.
          const message = (error as Error).message.split('\n')[0]!
          failures.push(`${workload.name} ${library} (${round === 0 ? 'warm-up' : `round ${round}`}): ${message}`)
          line.push(`${library} failed`)
        }
      }
      console.log(`${workload.name} ${round === 0 ? 'warm-up' : `round ${round}`}: ${line.join(' | ')}`)
    }
    console.log(`\n${report()}\n`) // so far: a run that stops early still leaves its figures
  }
  if (args.profile) {
    const profiling = new Profiling(outdir)
    for (const workload of selected) for (const library of workload.libraries) await sample(context, served.url, workload.name, library, profiling)
    console.log('\n## Profiles of the timed part (self time, 200 µs sampling)\n')
    console.log(profiling.reports.join('\n\n'))
  }
  const loadAtEnd = loadavg()
  const table = args.profile ? '' : report()
  if (table) console.log(`\n${table}`)
  for (const failure of failures) console.log(`failed: ${failure}`)
  console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s, load at the end ${loadAtEnd.map((l) => l.toFixed(2)).join(' ')}`)
  if (args.write && table) {
    const section = [
      '',
      `## Chromium: the SDK beside raw Dexie and RxDB (\`npm run bench:browser\`), ${new Date().toISOString().slice(0, 10)}`,
      '',
      `Chromium ${browser.version()} headless, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${ROUNDS} rounds + 1 warm-up, ` +
        `scale ${SCALE}; load average ${loadAtStart.map((l) => l.toFixed(2)).join(' ')} at the start, ` +
        `${loadAtEnd.map((l) => l.toFixed(2)).join(' ')} at the end (a shared machine: the figures are noisy, the ratios of one run are what to compare).`,
      'Medians; "worker" is the span of the worker\'s IndexedDB transactions inside the timed part; long tasks: median count (longest seen); heap: the page\'s used JS heap after a forced GC.',
      '',
      table,
      ...(failures.length > 0 ? ['', 'Failed samples (left out):', ...failures.map((failure) => `- ${failure}`)] : []),
      '',
    ].join('\n')
    // Newest first: the section goes above the first dated one.
    const path = join(repoRoot, 'bench/RESULTS.md')
    const results = await readFile(path, 'utf8').catch(() => '# Benchmark results\n')
    const at = results.indexOf('\n## ')
    await writeFile(path, at === -1 ? `${results}${section}` : `${results.slice(0, at)}\n${section.trim()}\n${results.slice(at)}`)
    console.log('written to bench/RESULTS.md')
  }
} finally {
  await browser?.close()
  server?.close()
  await rm(outdir, { recursive: true, force: true })
}

// ── Report ───────────────────────────────────────────────────────────────────

function report(): string {
  const head = ['workload', 'library', 'main ms', 'worker ms', '× raw Dexie', '× RxDB', 'long tasks', 'heap MB', 'more (ms)']
  const body: string[][] = []
  for (const workload of selected) {
    const of = (library: Library) => results.get(key(workload.name, library)) ?? []
    const med = (library: Library) => median(of(library).map((m) => m.ms))
    for (const library of workload.libraries) {
      const samples = of(library)
      if (samples.length === 0) continue
      const value = med(library)
      const tasks = samples.map((m) => m.longTasks.length)
      const longest = Math.max(0, ...samples.flatMap((m) => m.longTasks))
      const extraKeys = Object.keys(samples[0]!.extra ?? {})
      body.push([
        library === workload.libraries[0] ? workload.label : '',
        LIBRARY_NAMES[library],
        fmt(value),
        samples.every((m) => m.worker) ? fmt(median(samples.map((m) => m.worker!.span))) : '–',
        library === 'dexie' ? '1' : ratio(value, of('dexie').length ? med('dexie') : undefined),
        library === 'rxdb' ? '1' : ratio(value, of('rxdb').length ? med('rxdb') : undefined),
        `${median(tasks)}${longest > 0 ? ` (${longest} ms)` : ''}`,
        (median(samples.map((m) => m.heap)) / 2 ** 20).toFixed(1),
        [
          ...extraKeys.map((name) => `${name} ${fmt(median(samples.map((m) => m.extra![name]!)))}`),
          ...(library === 'sdk' && of('sdk-before').length > 0 ? [`× SDK before ${ratio(value, med('sdk-before'))}`] : []),
          ...compared(workload, library, samples),
        ].join(', '),
      ])
    }
  }
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)))
  const line = (cells: readonly string[]) => `| ${cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(' | ')} |`
  return [line(head), `|${widths.map((w, i) => (i < 2 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...body.map(line)].join('\n')
}

/** The last column's comparison with the workload's baseline library (see `WorkloadSpec.baseline`). */
function compared(workload: WorkloadSpec, library: Library, samples: readonly Measured[]): string[] {
  const base = workload.baseline
  const theirs = base ? (results.get(key(workload.name, base.library)) ?? []) : []
  if (!base || library === base.library || theirs.length === 0) return []
  const name = LIBRARY_NAMES[base.library]
  if (base.compare === 'time') return [`× ${name} ${ratio(median(samples.map((m) => m.ms)), median(theirs.map((m) => m.ms)))}`]
  const above = median(samples.map((m) => m.heap)) - median(theirs.map((m) => m.heap))
  return [`heap − ${name} ${(above / 2 ** 20).toFixed(2)} MB`]
}

function mb(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(bytes % 2 ** 20 === 0 ? 0 : 1)} MB`
}

function n(value: number): string {
  return value.toLocaleString('en-US')
}
