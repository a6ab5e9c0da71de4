/**
 * The browser suite's harness: builds the package and a Vite app, serves the production
 * build on 127.0.0.1, and drives Debian's Chromium through playwright-core with a fresh
 * profile per test file (a persistent context, so IndexedDB survives reloads).
 *
 * Every step is bounded: builds and launches have timeouts, and `close()` of each piece
 * is safe to call twice. A test file calls `useBrowserSuite` once; it builds the package
 * first, because the apps import `companion-chat` by name and that self-reference
 * resolves through package.json's exports to dist/.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm, rmdir, stat, utimes } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core'
import { build, preview, type InlineConfig } from 'vite'
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest'

/** The repository root. */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
/** The fixture app of the API-level tests. */
export const fixtureRoot = fileURLToPath(new URL('./fixture', import.meta.url))
/** The demo app of the UI tests. */
export const demoRoot = join(repoRoot, 'examples/demo')

/** Generous per-test timeout for browser tests (a page load includes a worker start and an IndexedDB open). */
export const BROWSER_TEST_TIMEOUT = 60_000
/** For `beforeAll`: a package build, an app build and a browser launch. */
export const BROWSER_SETUP_TIMEOUT = 240_000

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // A fake microphone (a beep) and no permission prompt: voice recording is testable.
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
]

let counter = 0
/** A database name no other test of this run uses. */
export const uniqueDb = (prefix = 'browser') => `${prefix}-${process.pid}-${Date.now().toString(36)}-${++counter}`

// ── A test file's browser and app ───────────────────────────────────────────

/** The served app and the browser of one test file, for its tests. */
export interface BrowserSuite {
  readonly app: ServedApp
  readonly browser: BrowserSession
}

/**
 * Registers the hooks of a browser test file: before all, launches Chromium, builds the
 * package and serves the app `serve` returns; after each test, closes its pages and
 * fails the test on unexpected page errors; after all, closes everything. When the setup
 * fails (no Chromium, a build error), every test fails with that error — none is skipped.
 */
export function useBrowserSuite(name: string, serve: () => Promise<ServedApp>): () => BrowserSuite {
  let app: ServedApp | undefined
  let browser: BrowserSession | undefined
  let failure: unknown
  const started = Date.now()
  beforeAll(async () => {
    try {
      browser = await launchBrowser() // first: a missing Chromium fails at once
      await ensurePackageBuilt()
      app = await serve()
    } catch (error) {
      failure = error
    }
  }, BROWSER_SETUP_TIMEOUT)
  beforeEach(() => {
    if (failure !== undefined) throw failure
  })
  afterEach(async () => {
    await browser?.closePages()
  }, 30_000)
  afterAll(async () => {
    await browser?.close()
    await app?.close()
    console.log(`browser suite ${name}: ${((Date.now() - started) / 1000).toFixed(1)} s`)
  }, 60_000)
  return () => {
    if (!app || !browser) throw failure ?? new Error('The browser suite is not set up yet')
    return { app, browser }
  }
}

// ── The package build ────────────────────────────────────────────────────────

/** Everything `npm run build:js` reads. */
const BUILD_INPUTS = ['src', 'worker', 'package.json', 'rollup.config.mjs', 'tsconfig.json']
/** Everything it writes that the browser apps load (they need no type declarations). */
const BUILD_OUTPUTS = ['index', 'worker', 'react', 'couchdb'].map((name) => `dist/${name}.js`)
const BUILD_TIMEOUT = 120_000
const LOCK = join(tmpdir(), `companion-chat-dist-${Buffer.from(repoRoot).toString('base64url').slice(-24)}.lock`)

/**
 * Makes sure dist/ matches the sources: runs `rollup -c --configJsOnly` (what `npm run build:js` runs) when
 * any output is missing or older than the newest file under src/, worker/ or the build
 * config, and reuses dist/ otherwise. Test files run in parallel, so the check and the
 * build happen under a lock directory; a lock older than the build timeout is stale.
 */
export async function ensurePackageBuilt(): Promise<void> {
  await withLock(async () => {
    // A source saved while rollup runs leaves dist/ stale again: build once more, twice at most.
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await isBuildFresh()) return
      await utimes(LOCK, new Date(), new Date()) // still alive: the lock is not stale
      await run(join(repoRoot, 'node_modules/.bin/rollup'), ['-c', '--configJsOnly'], BUILD_TIMEOUT)
    }
    if (!(await isBuildFresh())) {
      throw new Error('`rollup -c --configJsOnly` ran three times and dist/ is still older than src/ (are sources being edited right now?)')
    }
  })
}

async function isBuildFresh(): Promise<boolean> {
  let oldestOutput = Infinity
  for (const output of BUILD_OUTPUTS) {
    const info = await stat(join(repoRoot, output)).catch(() => undefined)
    if (!info) return false
    oldestOutput = Math.min(oldestOutput, info.mtimeMs)
  }
  let newestInput = 0
  for (const input of BUILD_INPUTS) newestInput = Math.max(newestInput, await newestMtime(join(repoRoot, input)))
  return newestInput <= oldestOutput
}

async function newestMtime(path: string): Promise<number> {
  const info = await stat(path).catch(() => undefined)
  if (!info) return 0
  if (!info.isDirectory()) return info.mtimeMs
  let newest = info.mtimeMs // a deleted file shows as a newer directory
  for (const entry of await readdir(path)) newest = Math.max(newest, await newestMtime(join(path, entry)))
  return newest
}

async function withLock<T>(job: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 3 * BUILD_TIMEOUT
  for (;;) {
    try {
      await mkdir(LOCK)
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const info = await stat(LOCK).catch(() => undefined)
      if (info && Date.now() - info.mtimeMs > BUILD_TIMEOUT) await rmdir(LOCK).catch(() => {}) // a crashed run left it
      if (Date.now() > deadline) throw new Error(`Waited too long for the build lock ${LOCK}`)
      await sleep(250)
    }
  }
  try {
    return await job()
  } finally {
    await rmdir(LOCK).catch(() => {})
  }
}

function run(file: string, args: readonly string[], timeout: number): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd: repoRoot, timeout, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')} failed: ${error.message}\n${stdout}\n${stderr}`))
      else resolve()
    })
  })
}

// ── Serving an app ───────────────────────────────────────────────────────────

/** A production build of a Vite app, served by `vite preview` on 127.0.0.1. */
export interface ServedApp {
  /** The app's URL, ending in `/`. */
  readonly url: string
  /**
   * The same build served on another port: another origin, so with storage of its own (an
   * origin whose IndexedDB Chromium has not opened yet, e.g. to lower its quota before it
   * does). Close it before the app.
   */
  servedAgain(): Promise<ServedApp>
  close(): Promise<void>
}

/**
 * Builds the Vite app at `root` into a temporary folder with Vite's JS API and serves it
 * with `vite preview` on 127.0.0.1 and a free port.
 * @param config - extra inline config; pass `configFile: false` for an app without a config file
 */
export async function serveApp(root: string, config: InlineConfig = {}): Promise<ServedApp> {
  const outDir = await mkdtemp(join(tmpdir(), 'companion-chat-app-'))
  const inline: InlineConfig = { ...config, root, logLevel: 'error', build: { ...config.build, outDir, emptyOutDir: true } }
  // Vitest sets NODE_ENV=test, which would make Vite build a development bundle (React's dev build included).
  const nodeEnv = process.env['NODE_ENV']
  process.env['NODE_ENV'] = 'production'
  try {
    await build(inline)
  } catch (error) {
    await rm(outDir, { recursive: true, force: true })
    throw error
  } finally {
    if (nodeEnv === undefined) delete process.env['NODE_ENV']
    else process.env['NODE_ENV'] = nodeEnv
  }
  const served = await previewBuild(inline)
  let closed: Promise<void> | undefined
  return {
    ...served,
    close: () =>
      (closed ??= (async () => {
        await served.close()
        await rm(outDir, { recursive: true, force: true })
      })()),
  }
}

/** Serves a build with `vite preview` on 127.0.0.1 and a free port; `close()` stops that server only. */
async function previewBuild(inline: InlineConfig): Promise<ServedApp> {
  const server = await preview({ ...inline, preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false } })
  const address = server.httpServer.address()
  if (address === null || typeof address === 'string') {
    await server.close()
    throw new Error(`vite preview did not listen on a TCP port (${String(address)})`)
  }
  let closed: Promise<void> | undefined
  return {
    url: `http://127.0.0.1:${address.port}/`,
    servedAgain: () => previewBuild(inline),
    close: () =>
      (closed ??= (async () => {
        await withTimeout(server.close(), 10_000, 'vite preview did not close').catch(() => {
          // Keep-alive sockets can hold a close open: drop them.
          ;(server.httpServer as { closeAllConnections?: () => void }).closeAllConnections?.()
        })
      })()),
  }
}

// ── The browser ──────────────────────────────────────────────────────────────

/** How {@link BrowserSession.open} opens a page. */
export interface OpenOptions {
  /** Console or page errors matching one of these are expected. */
  readonly allow?: readonly RegExp[]
  /** Runs after the page was created and before it loads (e.g. `page.addInitScript`). */
  readonly beforeLoad?: (page: Page) => Promise<void>
}

/** A Chromium with its own profile folder (deleted on close). */
export interface BrowserSession {
  readonly context: BrowserContext
  /** Requests to anything but 127.0.0.1 (each was aborted). */
  readonly blockedRequests: readonly string[]
  /** Opens a page at `url`, watched for console errors and page errors. */
  open(url: string, options?: OpenOptions): Promise<WatchedPage>
  /** Closes every page opened so far, then throws if any of them had an unexpected error. */
  closePages(): Promise<void>
  close(): Promise<void>
}

/**
 * Launches Chromium (`CHROMIUM_PATH`, default /usr/bin/chromium) with a persistent
 * context in a new temporary profile. Fails, never skips, when Chromium is missing.
 */
export async function launchBrowser(): Promise<BrowserSession> {
  const executablePath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium not found at ${executablePath}. The browser suite needs it: run \`apt-get install -y chromium\` ` +
        '(Debian) or set CHROMIUM_PATH to a Chromium binary.',
    )
  }
  const profile = await mkdtemp(join(tmpdir(), 'companion-chat-chromium-'))
  let context: BrowserContext
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      args: CHROMIUM_ARGS,
      headless: true,
      timeout: 60_000,
      viewport: { width: 1280, height: 800 },
    })
  } catch (error) {
    await rm(profile, { recursive: true, force: true })
    throw new Error(`Chromium at ${executablePath} did not start: ${(error as Error).message}`, { cause: error })
  }
  context.setDefaultTimeout(20_000)
  const blockedRequests: string[] = []
  // Only pages on 127.0.0.1: anything else is aborted and reported.
  await context.route(
    (url) => !isLocal(url),
    (route) => {
      blockedRequests.push(route.request().url())
      return route.abort('blockedbyclient')
    },
  )
  let closed: Promise<void> | undefined
  const opened: WatchedPage[] = []
  return {
    context,
    blockedRequests,
    async open(url, options = {}) {
      const page = await context.newPage()
      const watched = watchPage(page, options.allow ?? [])
      opened.push(watched)
      await options.beforeLoad?.(page)
      await page.goto(url, { waitUntil: 'load' })
      return watched
    },
    async closePages() {
      const pages = opened.splice(0)
      await Promise.all(pages.map(({ page }) => withTimeout(page.close(), 10_000, 'A page did not close').catch(() => {})))
      const problems = pages.flatMap((watched) => watched.problems)
      if (blockedRequests.length > 0) problems.push(...blockedRequests.splice(0).map((url) => `request to a host other than 127.0.0.1: ${url}`))
      if (problems.length > 0) throw new Error(`Unexpected errors in the pages of this test:\n  ${problems.join('\n  ')}`)
    },
    close: () =>
      (closed ??= (async () => {
        await withTimeout(context.close(), 20_000, 'Chromium did not close').catch(() => {})
        await rm(profile, { recursive: true, force: true }).catch(() => {})
      })()),
  }
}

function isLocal(url: URL): boolean {
  if (url.protocol === 'data:' || url.protocol === 'blob:' || url.protocol === 'about:') return true
  return url.hostname === '127.0.0.1'
}

/** A page whose console errors and uncaught errors are collected. */
export interface WatchedPage {
  readonly page: Page
  /** Every console error, page error and crash so far that no `allow` pattern matches. */
  readonly problems: readonly string[]
  /** Accept problems matching `pattern` from now on (e.g. the expected failure of a test). */
  allow(pattern: RegExp): void
}

/** Collects console errors, uncaught page errors and crashes of `page`. */
export function watchPage(page: Page, allowed: readonly RegExp[] = []): WatchedPage {
  const patterns = [...allowed]
  const problems: string[] = []
  const report = (text: string) => {
    if (!patterns.some((pattern) => pattern.test(text))) problems.push(text)
  }
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') report(`console.error: ${message.text()} (${message.location().url})`)
  })
  page.on('pageerror', (error) => report(`pageerror: ${error.name}: ${error.message}`))
  page.on('crash', () => report('crash: the page crashed'))
  return {
    page,
    problems,
    allow: (pattern) => void patterns.push(pattern),
  }
}

// ── Small helpers ────────────────────────────────────────────────────────────

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Rejects with `message` when `promise` takes longer than `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms)
    }),
  ]).finally(() => clearTimeout(timer))
}

/** The fixture's URL for one database and host kind. */
export function fixtureUrl(base: string, db: string, host: 'worker' | 'shared-worker' = 'worker', extra: Record<string, string> = {}): string {
  const url = new URL(base)
  url.searchParams.set('db', db)
  url.searchParams.set('host', host)
  for (const [key, value] of Object.entries(extra)) url.searchParams.set(key, value)
  return url.href
}
