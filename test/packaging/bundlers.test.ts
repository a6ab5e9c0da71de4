/**
 * The packed package in a user's app, with no bundler config at all: Vite's dev server,
 * a Vite production build, and webpack 5 in development and production mode each load
 * the worker from `new Worker(new URL('companion-chat/worker', import.meta.url))`, store
 * a message in IndexedDB and find it again after a reload, in real Chromium.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer, preview, type PreviewServer, type ViteDevServer } from 'vite'
import webpack from 'webpack'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ensurePackageBuilt, launchBrowser, serveApp, uniqueDb, type BrowserSession } from '../browser/harness.js'
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
  app = await makeScratchApp('bundler-app', tarball, { 'index.html': page('/src/main.js'), 'src/main.js': APP_SOURCE })
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

describe('Vite, no config', () => {
  test('dev server', async () => {
    let server: ViteDevServer | undefined
    try {
      server = await createServer({ root: app.dir, configFile: false, logLevel: 'error', server: { host: '127.0.0.1', port: 0 } })
      await server.listen()
      const address = server.httpServer?.address()
      if (!address || typeof address === 'string') throw new Error('the dev server has no TCP port')
      expectWorking(await openTwice(`http://127.0.0.1:${address.port}/`))
    } finally {
      await server?.close()
    }
  }, 120_000)

  test('production build', async () => {
    const served = await serveApp(app.dir, { configFile: false })
    try {
      expectWorking(await openTwice(served.url))
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
