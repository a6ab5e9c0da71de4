/**
 * `npm run bench:search`: local full-text search over 100,000 stored messages (1,000 tickets
 * of 100 messages), on fake-indexeddb in Node and, with `--browser`, on real IndexedDB in
 * Chromium. Not part of `npm test`.
 *
 * Method (search-workload.ts): the messages are written through the engine, so every row
 * gets its search words as `write-batch.ts` makes them, from a Zipf-distributed vocabulary
 * (shop-chat and stop words first, then a long tail of product names, model numbers, order
 * numbers and accented words; words drawn independently, which makes multi-word queries
 * rarer together than in real chats). Timestamps grow by a minute per message, tickets
 * interleaved. After a warm-up, each query kind runs its queries one at a time through the
 * engine connection (`search(query, { limit })`, the call the worker serves; a client adds
 * one message-channel round trip). Each query runs `--repeat` times: the tables show the
 * first run and, as the least disturbed figure on a busy machine, the fastest run.
 * Target: p50 ≤ 20 ms, p99 ≤ 50 ms.
 *
 * Options: --messages N (default 100000), --tickets N (default 1000), --queries N per kind
 * (default 200), --limit N (default 20), --repeat N (default 3), --browser (also in
 * Chromium: playwright-core and /usr/bin/chromium or CHROMIUM_PATH), --no-node, --slowest N
 * (print the N slowest queries by first run, with what each read: ids, rows, cursor moves,
 * requests), --check (compare each query's first answer with a reference that matches every
 * stored message on its text: the "wrong" column counts those that differ).
 */
import { createServer } from 'node:http'
import { parseArgs } from 'node:util'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { createEngine } from '../worker/engine.js'
import { CHAT_CONFIG, PROTOCOL_VERSION } from '../src/core/protocol.js'
import { percentiles, runSearchBench, type SearchBenchOptions, type SearchBenchResult } from './search-workload.js'
import { fmt } from './workload.js'

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '100000' },
    tickets: { type: 'string', default: '1000' },
    queries: { type: 'string', default: '200' },
    limit: { type: 'string', default: '20' },
    repeat: { type: 'string', default: '3' },
    browser: { type: 'boolean', default: false },
    'no-node': { type: 'boolean', default: false },
    slowest: { type: 'string', default: '0' },
    check: { type: 'boolean', default: false },
  },
})
const options: SearchBenchOptions = {
  messages: positive(args.messages, 'messages'),
  tickets: positive(args.tickets, 'tickets'),
  queries: positive(args.queries, 'queries'),
  limit: positive(args.limit, 'limit'),
  repeat: positive(args.repeat, 'repeat'),
  slowest: Number(args.slowest) || 0,
  check: args.check,
}

async function inNode(): Promise<SearchBenchResult> {
  const engine = createEngine({ indexedDB: new IDBFactory(), IDBKeyRange })
  const api = engine.connection()
  const config = { ...CHAT_CONFIG, autoCleanupInterval: 0 }
  const welcome = await api.connect({ protocolVersion: PROTOCOL_VERSION, databaseName: 'search-bench', config, requirePersistence: true }, () => {})
  if (!welcome.ok) throw new Error(welcome.error.message)
  try {
    return await runSearchBench(api, options, `fake-indexeddb, Node ${process.version}`, () => performance.now())
  } finally {
    await engine.close()
  }
}

/** Bundles search-browser.ts, serves it on 127.0.0.1 and runs it in Chromium. */
async function inChromium(): Promise<SearchBenchResult> {
  const [{ build }, { chromium }] = await Promise.all([import('esbuild'), import('playwright-core')])
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('./search-browser.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'error',
    external: ['node:*'], // workload.ts loads the GC helper's modules only when called
  })
  const script = bundle.outputFiles[0]!.text
  const server = createServer((req, res) => {
    const js = req.url === '/bench.js'
    res.writeHead(200, { 'content-type': js ? 'text/javascript' : 'text/html' })
    res.end(js ? script : '<!doctype html><script type="module" src="/bench.js"></script>')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  const browser = await chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  })
  try {
    const page = await browser.newPage()
    page.setDefaultTimeout(0)
    await page.goto(`http://127.0.0.1:${port}/`)
    await page.waitForFunction(() => typeof window.runSearchBench === 'function')
    return await page.evaluate((o) => window.runSearchBench(o), options)
  } finally {
    await browser.close()
    server.close()
  }
}

function print(result: SearchBenchResult): void {
  console.log(
    `\n${result.environment}: ${result.messages.toLocaleString('en')} messages in ${options.tickets.toLocaleString('en')} tickets, ` +
      `${result.indexKeysPerMessage.toFixed(1)} distinct words a message, written in ${result.fillSeconds.toFixed(1)} s; limit ${options.limit}`,
  )
  const checked = options.check ? (wrong: number | undefined) => [String(wrong ?? '')] : () => []
  const rows = result.kinds.map((kind) => [kind.name, ...percentiles(kind.first).map(fmt), ...percentiles(kind.best).map(fmt), kind.hits.toFixed(1), ...checked(kind.wrong)])
  rows.push(['all', ...percentiles(result.kinds.flatMap((k) => k.first)).map(fmt), ...percentiles(result.kinds.flatMap((k) => k.best)).map(fmt), '', ...checked(result.kinds.reduce((sum, k) => sum + (k.wrong ?? 0), 0))])
  const head = ['query', 'p50', 'p95', 'p99', 'max', `best p50`, 'p95', 'p99', 'max', 'hits', ...(options.check ? ['wrong'] : [])]
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)))
  const line = (cells: readonly string[]) => `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(' | ')} |`
  console.log(line(head))
  console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`)
  for (const row of rows) console.log(line(row))
  console.log(`(ms; first run of each query, then the fastest of ${options.repeat})`)
  if (result.slowest.length > 0) console.log(`\nThe ${result.slowest.length} slowest queries (first run, best, hits; ids in bulk, entries with rows, rows alone, cursor moves, requests):`)
  for (const q of result.slowest) {
    const { ids, records, gets, moves, requests } = q.work
    console.log(`${fmt(q.first).padStart(7)} ${fmt(q.best).padStart(7)} ${String(q.hits).padStart(3)}  ids ${ids} rec ${records} get ${gets} mov ${moves} req ${requests}  ${q.kind}: ${JSON.stringify(q.query)}${q.threadId ? ' (one ticket)' : ''}`)
  }
}

function positive(value: string | undefined, name: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive whole number`)
  return n
}

if (!args['no-node']) print(await inNode())
if (args.browser) print(await inChromium())
