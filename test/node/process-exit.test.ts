/**
 * A Node script that is done exits, also when it never calls `close()`: an idle client
 * holds no handle. A client with work outstanding keeps the process alive until that work
 * has committed. Each script runs in a child process against the package as a bundler
 * would ship it.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { readmeBlock } from '../docs/readme.js'

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'companion-chat-exit-'))
  await build({
    entryPoints: { client: 'src/index.ts', 'node-worker': 'worker/node.ts', 'fake-indexeddb': 'node_modules/fake-indexeddb/build/esm/index.js' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    logLevel: 'error',
  })
  // The README's Node quick start as it is written, against the package's sources.
  await build({
    stdin: { contents: readmeBlock('## Quick start in Node'), loader: 'ts', resolveDir: process.cwd(), sourcefile: 'quick-start.ts' },
    alias: { 'companion-chat': './src/index.ts' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    outfile: join(dir, 'quick-start.mjs'),
    logLevel: 'error',
  })
}, 60_000)

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** How long a script may take before it counts as hanging (it needs well under a second). */
const HANG_MS = 15_000

/** Runs `source` as a module in a child process; resolves with its exit code, stdout and whether it had to be killed. */
async function runScript(name: string, source: string): Promise<{ code: number | null; out: string; hung: boolean }> {
  const file = join(dir, `${name}.mjs`)
  await writeFile(file, source)
  return new Promise((resolve) => {
    execFile(process.execPath, [file], { cwd: dir, timeout: HANG_MS, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      const hung = error !== null && (error as { killed?: boolean }).killed === true
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null
      resolve({ code, out: stdout + stderr, hung })
    })
  })
}

const lastJson = (out: string): unknown => JSON.parse(out.trim().split('\n').at(-1) ?? 'null')

test("the README's Node quick start prints the assistant's answer and exits", async () => {
  const result = await runScript('quick-start-runner', `import './quick-start.mjs'`)
  expect(result).toMatchObject({ hung: false, code: 0 })
  expect(result.out).toMatch(/^Here are my top picks for gaming laptops up to \$1,500\./m)
  expect(result.out.trim().split('\n').at(-1)).toBe('memory')
}, 30_000)

describe('a Node script without close()', () => {
  test('exits after an awaited send (engine in-process, memory)', async () => {
    const result = await runScript(
      'awaited',
      `import { createChatClient } from './client.mjs'
const chat = createChatClient({ databaseName: 'awaited' })
await chat.sendMainChatMessage('hello')
console.log(JSON.stringify({ messages: chat.getState().mainChat.messages.length }))`,
    )
    expect(result).toMatchObject({ hung: false, code: 0 })
    expect(lastJson(result.out)).toEqual({ messages: 1 })
  }, 30_000)

  test('stays alive until unawaited sends have committed, then exits', async () => {
    const result = await runScript(
      'unawaited',
      `import { createChatClient } from './client.mjs'
import { IDBFactory, IDBKeyRange } from './fake-indexeddb.mjs'
const chat = createChatClient({ databaseName: 'unawaited', indexedDB: new IDBFactory(), IDBKeyRange })
let committed = 0
for (let i = 0; i < 50; i++) chat.sendMainChatMessage('message ' + i, { id: 'm' + i }).then(() => committed++)
process.on('exit', () => console.log(JSON.stringify({ committed, shown: chat.getState().mainChat.messages.length })))`,
    )
    expect(result).toMatchObject({ hung: false, code: 0 })
    expect(lastJson(result.out)).toEqual({ committed: 50, shown: 50 })
  }, 30_000)

  test('exits with the engine in a worker_threads worker', async () => {
    const result = await runScript(
      'thread',
      `import { Worker } from 'node:worker_threads'
import { createChatClient } from './client.mjs'
const chat = createChatClient({ databaseName: 'thread', worker: () => new Worker(new URL('./node-worker.mjs', import.meta.url)) })
await chat.sendMainChatMessage('hello')
const ticketId = chat.createTicket('order-help', 'Where is my order?', 'Order 1234 is late')
await chat.sendTicketMessage(ticketId, 'It was due on Monday')
console.log(JSON.stringify({ status: chat.status$.value.host, tickets: chat.getState().tickets.length }))`,
    )
    expect(result).toMatchObject({ hung: false, code: 0 })
    expect(lastJson(result.out)).toEqual({ status: 'worker', tickets: 1 })
  }, 30_000)

  test('exits after close() as well', async () => {
    const result = await runScript(
      'closed',
      `import { createChatClient } from './client.mjs'
const chat = createChatClient({ databaseName: 'closed' })
chat.sendMainChatMessage('hello')
await chat.close()
console.log(JSON.stringify({ connection: chat.status$.value.connection }))`,
    )
    expect(result).toMatchObject({ hung: false, code: 0 })
    expect(lastJson(result.out)).toEqual({ connection: 'closed' })
  }, 30_000)
})
