/**
 * The packed package in a user's app, with no bundler config at all, in real Chromium:
 * - Vite's dev server and a Vite production build run the README's browser quick start as
 *   it is written: the shop assistant answers, and the conversation survives a reload;
 * - webpack 5 in development and production mode: a plain JavaScript app loads the worker
 *   from `new Worker(new URL('companion-chat/worker', import.meta.url))`, stores a message
 *   in IndexedDB and finds it again after a reload.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer, preview, type PreviewServer, type ViteDevServer } from 'vite'
import webpack from 'webpack'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ensurePackageBuilt, launchBrowser, serveApp, uniqueDb, type BrowserSession } from '../browser/harness.js'
import { readmeBlock } from '../docs/readme.js'
import { makeScratchApp, packPackage, type ScratchApp } from './scratch.js'

const APP_SOURCE = `import { createChatClient } from 'companion-chat'

const db = new URLSearchParams(location.search).get('db') ?? 'scratch-app'
const chat = createChatClient({
  databaseName: db,
  worker: () => new Worker(new URL('companion-chat/worker', import.meta.url), { type: 'module' }),
})

async function main() {
  await chat.ready
  await chat.sendMainChatMessage('hello from ' + document.title)
  return { status: chat.status$.value, messages: chat.getState().mainChat.messages.map((message) => message.content) }
}

main().then(
  (result) => (document.body.dataset.result = JSON.stringify(result)),
  (error) => (document.body.dataset.result = JSON.stringify({ error: String(error) })),
)
`

const page = (script: string) => `<!doctype html>
<html>
  <head><meta charset="utf-8" /><title>scratch</title><link rel="icon" href="data:," /></head>
  <body><script type="module" src="${script}"></script></body>
</html>
`

let browser: BrowserSession
let app: ScratchApp
let packDir: string

beforeAll(async () => {
  browser = await launchBrowser()
  await ensurePackageBuilt()
  packDir = await mkdtemp(join(tmpdir(), 'companion-chat-pack-'))
  const tarball = await packPackage(packDir)
  app = await makeScratchApp('bundler-app', tarball, {
    'index.html': page('/src/main.js'),
    'src/main.js': APP_SOURCE,
    'quick-start/index.html': page('/quick-start/main.ts'),
    'quick-start/main.ts': readmeBlock('## Quick start in the browser'),
  })
}, 300_000)

afterAll(async () => {
  await browser?.close()
  await app?.remove()
  if (packDir) await rm(packDir, { recursive: true, force: true })
}, 60_000)

interface PageResult {
  readonly status?: { readonly connection: string; readonly storage: string; readonly host: string }
  readonly messages?: readonly string[]
  readonly error?: string
}

/** Opens `url` with a fresh database, then reloads it; answers what the app reported each time. */
async function openTwice(url: string): Promise<[PageResult, PageResult]> {
  const target = new URL(url)
  target.searchParams.set('db', uniqueDb('scratch'))
  const { page } = await browser.open(target.href)
  const read = async (): Promise<PageResult> => {
    const handle = await page.waitForFunction(() => document.body.dataset['result'], undefined, { timeout: 30_000 })
    return JSON.parse(String(await handle.jsonValue())) as PageResult
  }
  const first = await read()
  await page.reload({ waitUntil: 'load' })
  const second = await read()
  await browser.closePages()
  return [first, second]
}

function expectWorking([first, second]: [PageResult, PageResult]): void {
  expect(first.error).toBeUndefined()
  expect(first.status).toMatchObject({ connection: 'ready', storage: 'indexeddb', host: 'worker' })
  expect(first.messages).toEqual(['hello from scratch'])
  // The first message came back from IndexedDB after the reload.
  expect(second.messages).toEqual(['hello from scratch', 'hello from scratch'])
}

const QUESTION = "user: I'm looking for gaming laptops under $1500"

/**
 * Opens the README's quick start, waits for the assistant's answer, reloads and waits for
 * the second answer; answers the chat as the page shows it each time. The quick start
 * uses a fixed database name, so each run clears it first.
 */
async function runQuickStart(url: string): Promise<[string, string]> {
  // Cleared from a page of the same origin where no client runs: the quick start's own page
  // would send its question (and write it again) while the database is being deleted.
  const { page } = await browser.open(new URL('/no-client-here', url).href, { allow: [/Failed to load resource/] })
  await page.evaluate(() => new Promise<void>((resolve, reject) => {
    const request = indexedDB.deleteDatabase('shop-chat')
    request.onsuccess = () => resolve()
    request.onerror = () => reject(request.error)
  }))
  await page.goto(url, { waitUntil: 'load' })
  const answered = async (questions: number) => {
    await page.waitForFunction(
      (count) => document.title === 'ready · indexeddb' && (document.querySelector('pre')?.textContent?.match(/^assistant: Here are my top picks/gm)?.length ?? 0) >= count,
      questions,
      { timeout: 30_000 },
    )
    return (await page.textContent('pre')) ?? ''
  }
  const first = await answered(1)
  await page.reload({ waitUntil: 'load' })
  const second = await answered(2)
  await browser.closePages()
  return [first, second]
}

function expectQuickStartWorking([first, second]: [string, string]): void {
  expect(first.split('\n').filter((line) => line === QUESTION)).toHaveLength(1)
  expect(first).toMatch(/^assistant: Here are my top picks for gaming laptops up to \$1,500\./m)
  // The first question and answer came back from IndexedDB after the reload; the question was asked again.
  expect(second.split('\n').filter((line) => line === QUESTION)).toHaveLength(2)
}

describe('Vite, no config', () => {
  test('dev server: the worker loads, and the README quick start runs as written', async () => {
    let server: ViteDevServer | undefined
    try {
      server = await createServer({ root: app.dir, configFile: false, logLevel: 'error', server: { host: '127.0.0.1', port: 0 } })
      await server.listen()
      const address = server.httpServer?.address()
      if (!address || typeof address === 'string') throw new Error('the dev server has no TCP port')
      const url = `http://127.0.0.1:${address.port}/`
      expectWorking(await openTwice(url))
      expectQuickStartWorking(await runQuickStart(`${url}quick-start/`))
    } finally {
      await server?.close()
    }
  }, 120_000)

  test('production build: the worker loads, and the README quick start runs as written', async () => {
    const served = await serveApp(app.dir, {
      configFile: false,
      build: { rollupOptions: { input: { main: join(app.dir, 'index.html'), quickStart: join(app.dir, 'quick-start/index.html') } } },
    })
    try {
      expectWorking(await openTwice(served.url))
      expectQuickStartWorking(await runQuickStart(`${served.url}quick-start/`))
    } finally {
      await served.close()
    }
  }, 120_000)
})

describe.each(['development', 'production'] as const)('webpack 5, no config, mode %s', (mode) => {
  test('build', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'companion-chat-webpack-'))
    let server: PreviewServer | undefined
    try {
      await compile({ mode, context: app.dir, entry: './src/main.js', output: { path: outDir, publicPath: 'auto', clean: true } })
      const { writeFile } = await import('node:fs/promises')
      await writeFile(join(outDir, 'index.html'), page('main.js'))
      server = await preview({ root: outDir, configFile: false, logLevel: 'error', build: { outDir }, preview: { host: '127.0.0.1', port: 0 } })
      const address = server.httpServer.address()
      if (!address || typeof address === 'string') throw new Error('the server has no TCP port')
      expectWorking(await openTwice(`http://127.0.0.1:${address.port}/`))
    } finally {
      await server?.close()
      await rm(outDir, { recursive: true, force: true })
    }
  }, 180_000)
})

/** Runs webpack with `config`; rejects with its errors. */
function compile(config: webpack.Configuration): Promise<void> {
  return new Promise((resolve, reject) => {
    const compiler = webpack({ ...config, infrastructureLogging: { level: 'error' }, stats: 'errors-warnings' })
    compiler.run((error, stats) => {
      compiler.close(() => {})
      if (error) return reject(error)
      if (stats?.hasErrors()) return reject(new Error(stats.toString({ all: false, errors: true, colors: false })))
      resolve()
    })
  })
}
