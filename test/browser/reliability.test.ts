/**
 * Faults found by attacking the SDK from outside, in real Chromium with dedicated and
 * shared workers: IndexedDB that cannot be used, a blocked schema upgrade, a worker that
 * dies, tabs that come and go on a SharedWorker, and a full quota.
 */
import { describe, expect, test } from 'vitest'
import type { Page } from 'playwright-core'
import { BLOCKED_VARIANTS } from '../helpers/block-indexeddb.js'
import { firstRelease } from '../helpers/old-release.js'
import { BROWSER_TEST_TIMEOUT, fixtureRoot, fixtureUrl, serveApp, uniqueDb, useBrowserSuite } from './harness.js'

// The fixture has no config file: Vite's defaults, as in a user's app.
const suite = useBrowserSuite('reliability', () => serveApp(fixtureRoot, { configFile: false }))

type Host = 'worker' | 'shared-worker'
const HOSTS = ['worker', 'shared-worker'] as const

/** Opens the fixture and returns its page without waiting for the client. */
async function openPage(db: string, host: Host, extra: Record<string, string> = {}): Promise<Page> {
  const { page } = await suite().browser.open(fixtureUrl(suite().app.url, db, host, extra))
  return page
}

/** How `window.ready` settled: `'ready'`, or the error's class name and code. */
const readiness = (page: Page) =>
  page.evaluate(() =>
    window.ready.then(
      () => ({ outcome: 'ready' as const }),
      (error: unknown) => ({
        outcome: 'failed' as const,
        name: (error as Error).name,
        code: (error as { code?: unknown }).code,
        isStorageUnavailable: error instanceof window.sdk.StorageUnavailableError,
      }),
    ),
  )

const status = (page: Page) =>
  page.evaluate(() => {
    const { connection, storage, host, error } = window.chat.status$.value
    return { connection, storage, host, errorCode: error?.code }
  })

const contents = (page: Page) => page.evaluate(() => window.chat.getState().mainChat.messages.map((m) => m.content))

describe.each(HOSTS)('IndexedDB that cannot be used, host %s', (host) => {
  test.each(BLOCKED_VARIANTS)(
    'the client keeps its data in memory and says so (%s)',
    async (variant) => {
      const page = await openPage(uniqueDb(`blocked-${variant}`), host, { idb: variant })
      expect(await readiness(page)).toEqual({ outcome: 'ready' })
      expect(await status(page)).toEqual({ connection: 'ready', storage: 'memory', host, errorCode: undefined })
      await page.evaluate(() => window.chat.sendMainChatMessage('kept in memory'))
      expect(await contents(page)).toEqual(['kept in memory'])
    },
    BROWSER_TEST_TIMEOUT,
  )

  test.each(BLOCKED_VARIANTS)(
    'with requirePersistence the client fails with StorageUnavailableError, and status$ says so (%s)',
    async (variant) => {
      const page = await openPage(uniqueDb(`required-${variant}`), host, { idb: variant, requirePersistence: '1' })
      expect(await readiness(page)).toEqual({ outcome: 'failed', name: 'StorageUnavailableError', code: 'storage-unavailable', isStorageUnavailable: true })
      expect(await status(page)).toEqual({ connection: 'failed', storage: 'unknown', host, errorCode: 'storage-unavailable' })
    },
    BROWSER_TEST_TIMEOUT,
  )
})

describe('a SharedWorker whose last client leaves while another arrives', () => {
  /** In the page: `replace` makes the clients; then the last one must connect and keep working. */
  const replaceAndUse = (page: Page, pattern: 'close-then-create' | 'strict-mode') =>
    page.evaluate(async (how) => {
      if (how === 'close-then-create') {
        await window.chat.sendMainChatMessage('before')
        // A long ticket, so that a search keeps the worker busy for a while.
        const ticketId = window.chat.createTicket('support', 'Long', 'first')
        await Promise.all(Array.from({ length: 3000 }, (_, i) => window.chat.sendTicketMessage(ticketId, `message number ${i} about parcels`)))
        // Not awaited, as `chat.close(); createChatClient(…)` does, while the worker still
        // searches for the old client (close() does not wait for reads).
        for (let i = 0; i < 5; i++) void window.chat.searchMessages('parcels', { limit: 200 }).catch(() => {})
        void window.chat.close()
        window.openClient()
      } else {
        // React StrictMode: mount, unmount, mount, all in one go.
        const first = window.openClient()
        void first.close()
        window.openClient()
      }
      const chat = window.chat
      try {
        await chat.ready
        await chat.sendMainChatMessage('after')
      } catch (error) {
        return { failed: `${(error as Error).name}: ${(error as Error).message}` }
      }
      return { connection: chat.status$.value.connection, contents: chat.getState().mainChat.messages.map((m) => m.content) }
    }, pattern)

  test(
    'a client made right after close() of the last one connects and works',
    async () => {
      const page = await openPage(uniqueDb('replace'), 'shared-worker')
      await page.evaluate(() => window.ready)
      expect(await replaceAndUse(page, 'close-then-create')).toEqual({
        connection: 'ready',
        contents: ['before', 'after'],
      })
    },
    BROWSER_TEST_TIMEOUT,
  )

  test(
    'mount, unmount and mount again at once (React StrictMode) leaves a working client',
    async () => {
      const page = await openPage(uniqueDb('strict'), 'shared-worker', { manual: '1' })
      expect(await replaceAndUse(page, 'strict-mode')).toEqual({ connection: 'ready', contents: ['after'] })
    },
    BROWSER_TEST_TIMEOUT,
  )
})

describe.each(HOSTS)('an upgrade blocked by an old tab, host %s', (host) => {
  test(
    'status$ says blocked at once; when the old tab closes the client connects and what was sent meanwhile commits',
    async () => {
      const db = uniqueDb(`blocked-upgrade-${host}`)
      const release = firstRelease()
      // The old tab: the first release's database, held open at its version, never let go.
      const oldTab = await openPage(db, host, { manual: '1' })
      await oldTab.evaluate(
        ({ name, version, stores }) =>
          new Promise<void>((resolve, reject) => {
            const request = indexedDB.open(name, version)
            request.onupgradeneeded = () => {
              for (const store of stores) {
                const created = request.result.createObjectStore(store.name, { keyPath: store.keyPath, autoIncrement: store.autoIncrement })
                for (const index of store.indexes) created.createIndex(index.name, index.keyPath, { unique: index.unique, multiEntry: index.multiEntry })
                for (const row of store.rows) created.put(row)
              }
            }
            request.onsuccess = () => {
              ;(window as unknown as { oldConnection: IDBDatabase }).oldConnection = request.result // kept open, no onversionchange
              resolve()
            }
            request.onerror = () => reject(request.error)
          }),
        { name: db, version: release.idbVersion, stores: release.stores },
      )

      const tab = await openPage(db, host, { connectTimeout: '3000' })
      await tab.waitForFunction(() => window.chat.status$.value.connection !== 'connecting', undefined, { timeout: 20_000, polling: 20 })
      expect(await status(tab)).toEqual({ connection: 'blocked', storage: 'unknown', host, errorCode: undefined })
      await tab.evaluate(() => {
        ;(window as unknown as { sent: Promise<void> }).sent = window.chat.sendMainChatMessage('sent while blocked')
      })
      // Past the connect timeout (3 s here) that used to fail it, it still waits.
      await tab.waitForTimeout(3_500)
      expect(await status(tab)).toEqual({ connection: 'blocked', storage: 'unknown', host, errorCode: undefined })

      await oldTab.close() // the old tab goes: the upgrade runs
      expect(await readiness(tab)).toEqual({ outcome: 'ready' })
      await tab.evaluate(() => (window as unknown as { sent: Promise<void> }).sent)
      expect(await status(tab)).toEqual({ connection: 'ready', storage: 'indexeddb', host, errorCode: undefined })
      expect(await contents(tab)).toEqual([...release.mainChat, 'sent while blocked'].slice(-100))
    },
    BROWSER_TEST_TIMEOUT,
  )
})

/**
 * In the page: sends a message every tick (ten at a time) until `window.stopBurst()`; each
 * send's outcome is recorded with the time it settled.
 */
function startBurst(page: Page): Promise<void> {
  return page.evaluate(() => {
    const w = window as unknown as BurstWindow
    w.burst = { settled: [], thrown: [], sent: 0, running: true, pending: [], connections: [] }
    const burst = w.burst
    const tick = () => {
      if (!burst.running) return
      for (let i = 0; i < 10; i++) {
        const content = `burst ${burst.sent++}`
        try {
          burst.pending.push(
            window.chat.sendMainChatMessage(content).then(
              () => void burst.settled.push({ at: performance.now(), code: 'ok' }),
              (error: unknown) =>
                void burst.settled.push({
                  at: performance.now(),
                  code: String((error as { code?: unknown }).code),
                  isWorkerGone: error instanceof window.sdk.WorkerGoneError,
                }),
            ),
          )
        } catch (error) {
          burst.thrown.push(String((error as { code?: unknown }).code)) // once the client knows, calls throw at once
        }
      }
      setTimeout(tick, 2)
    }
    tick()
  })
}

interface BurstWindow {
  burst: {
    settled: Array<{ at: number; code: string; isWorkerGone?: boolean }>
    thrown: string[]
    sent: number
    running: boolean
    pending: Array<Promise<void>>
    /** Every connection state of the client since the burst began, without repeats. */
    connections: string[]
  }
}

/** Waits until at least `count` sends of the burst committed (so that the worker is busy writing). */
const acknowledged = (page: Page, count: number) =>
  page.waitForFunction((n) => (window as unknown as BurstWindow).burst.settled.filter((s) => s.code === 'ok').length >= n, count, {
    timeout: 20_000,
    polling: 10,
  })

/** Records the client's connection states on the burst (see `BurstWindow`). */
const recordConnections = (page: Page) =>
  page.evaluate(() => {
    const { burst } = window as unknown as BurstWindow
    burst.connections = []
    window.chat.status$.subscribe(({ connection }) => {
      if (burst.connections.at(-1) !== connection) burst.connections.push(connection)
    })
  })

/**
 * Lets the burst go on until the client reconnected (so that sends are issued while it
 * reconnects), stops it, and reports how its sends settled (bounded by 15 s) and what a new
 * client reads from the database afterwards.
 */
const burstOutcome = (page: Page, killedAt: number) =>
  page.evaluate(async (since) => {
    const { burst } = window as unknown as BurstWindow
    const bound = (ms: number) => new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms))
    const reconnected = new Promise<'reconnected'>((resolve) => {
      const check = () => {
        if (burst.connections.includes('reconnecting') && burst.connections.at(-1) === 'ready') resolve('reconnected')
        else setTimeout(check, 5)
      }
      check()
    })
    const reconnect = await Promise.race([reconnected, bound(15_000)])
    burst.running = false
    // Unsettled when the worker ended, or sent after that.
    const inFlight = burst.sent - burst.thrown.length - burst.settled.filter((s) => s.at <= since).length
    const result = await Promise.race([Promise.all(burst.pending).then(() => 'settled' as const), bound(15_000)])
    const afterKill = burst.settled.filter((s) => s.at > since)
    const status = { connection: window.chat.status$.value.connection, errorCode: window.chat.status$.value.error?.code }
    const connections = [...burst.connections]
    // What is stored, read by a new client (and, for a dedicated worker, a new worker).
    await window.chat.close()
    const reader = window.openClient()
    await reader.ready
    const state = reader.getState()
    return {
      reconnect,
      result,
      inFlight,
      sent: burst.sent,
      rejected: afterKill.filter((s) => s.code !== 'ok').map((s) => ({ code: s.code, isWorkerGone: s.isWorkerGone })),
      thrown: [...new Set(burst.thrown)],
      connections,
      status,
      stored: { totalMessages: state.analytics.totalMessages, main: state.mainChat.messages.map((m) => m.content) },
    }
  }, killedAt)

/**
 * The client reconnected, and the burst lost nothing: no call rejected or threw, every send
 * (those in flight when the worker ended and those issued while it reconnected) is stored
 * exactly once, in order.
 */
function expectAllCommittedOnce(outcome: Awaited<ReturnType<typeof burstOutcome>>): void {
  expect(outcome.reconnect).toBe('reconnected')
  expect(outcome.result).toBe('settled')
  expect(outcome.inFlight).toBeGreaterThan(0)
  expect(outcome.rejected).toEqual([])
  expect(outcome.thrown).toEqual([])
  expect(outcome.connections).toEqual(['ready', 'reconnecting', 'ready'])
  expect(outcome.status).toEqual({ connection: 'ready', errorCode: undefined })
  const sent = Array.from({ length: outcome.sent }, (_, i) => `burst ${i}`)
  expect(outcome.stored).toEqual({ totalMessages: outcome.sent, main: sent.slice(-100) })
}

describe('a worker that ends while calls are in flight', () => {
  test(
    'dedicated worker terminated: the client starts a new one, and every send of the burst commits exactly once',
    async () => {
      const watched = await suite().browser.open(fixtureUrl(suite().app.url, uniqueDb('terminated'), 'worker'))
      const { page } = watched
      await page.evaluate(() => window.ready)
      await startBurst(page)
      await recordConnections(page)
      await acknowledged(page, 20)
      const killedAt = await page.evaluate(() => {
        ;(window.worker as Worker).terminate()
        return performance.now()
      })
      const outcome = await burstOutcome(page, killedAt)
      console.log(`dedicated worker terminated: ${outcome.inFlight} of ${outcome.sent} sends in flight or sent after`)
      expectAllCommittedOnce(outcome)
    },
    BROWSER_TEST_TIMEOUT,
  )

  test(
    'shared worker closed by the browser: the client starts a new one, and every send of the burst commits exactly once',
    async () => {
      const db = uniqueDb('shared-ended')
      const sharedName = `ended-${db}` // a SharedWorker of its own, so that ending it touches no other test
      const watched = await suite().browser.open(fixtureUrl(suite().app.url, db, 'shared-worker', { sharedName }))
      const { page } = watched
      await page.evaluate(() => window.ready)
      const cdp = await page.context().newCDPSession(page)
      const { targetInfos } = await cdp.send('Target.getTargets')
      const target = targetInfos.find((info) => info.type === 'shared_worker' && info.title.includes(sharedName))
      expect(target, `a shared_worker target named ${sharedName} among ${JSON.stringify(targetInfos.map((t) => [t.type, t.title]))}`).toBeDefined()
      await startBurst(page)
      await recordConnections(page)
      await acknowledged(page, 20)
      const killedAt = await page.evaluate(() => performance.now())
      await cdp.send('Target.closeTarget', { targetId: target!.targetId })
      const outcome = await burstOutcome(page, killedAt)
      console.log(`shared worker closed: ${outcome.inFlight} of ${outcome.sent} sends in flight or sent after`)
      expectAllCommittedOnce(outcome)
    },
    BROWSER_TEST_TIMEOUT,
  )
})

describe('a SharedWorker and tabs that close', () => {
  test(
    'stops serving a tab once it is closed: its connection goes, the others keep working',
    async () => {
      const db = uniqueDb('closed-tab')
      const extra = { sharedName: `tabs-${db}` } // a SharedWorker of its own
      const a = await openPage(db, 'shared-worker', extra)
      const b = await openPage(db, 'shared-worker', extra)
      await a.evaluate(() => window.ready)
      await b.evaluate(() => window.ready)
      const connections = () => a.evaluate(() => window.engineConnections())
      expect(await connections()).toBe(2)

      await b.close() // no pagehide handler of the app runs a close(): the tab is just gone
      // The worker notices the tab's end (its lock is let go) and stops posting to it.
      await expect.poll(connections, { timeout: 10_000, interval: 50 }).toBe(1)

      await a.evaluate(() => window.chat.sendMainChatMessage('after the other tab closed'))
      expect(await contents(a)).toEqual(['after the other tab closed'])
      expect(await connections()).toBe(1)
    },
    BROWSER_TEST_TIMEOUT,
  )
})

describe.each(HOSTS)('a full quota, host %s', (host) => {
  /** In the page: sends about 1 MB in one command and reports how it ended, with `errors$` and the main chat after it. */
  const sendPastQuota = (page: Page) =>
    page.evaluate(async () => {
      const codes: string[] = []
      const subscription = window.chat.errors$.subscribe((error) => codes.push(error.code))
      // Text that does not compress (IndexedDB may compress values) and has no words (no
      // search keys to index): one transaction of 100 messages of 10,000 characters.
      const noise = (length: number) => {
        const marks = '!"#$%&()*+,-./:;<=>?@[]^_{|}~`\''
        return Array.from(crypto.getRandomValues(new Uint8Array(length)), (byte) => marks[byte % marks.length]).join('')
      }
      const big = Array.from({ length: 100 }, (_, i) => `${i} ${noise(9_990)}`)
      const result = await window.chat.sendMainChatMessages(big).then(
        () => ({ ok: true as const }),
        (error: unknown) => ({
          ok: false as const,
          name: (error as Error).name,
          code: (error as { code?: unknown }).code,
          isStorageFull: error instanceof window.sdk.StorageFullError,
        }),
      )
      subscription.unsubscribe()
      return { result, codes, contents: window.chat.getState().mainChat.messages.map((m) => m.content) }
    })

  test(
    'a write past the quota rejects with StorageFullError and leaves nothing of it, also after a reload',
    async () => {
      const db = uniqueDb(`quota-${host}`)
      // The quota must be lowered before IndexedDB is first used on the origin: Chromium's
      // IndexedDB keeps what it learned of an origin's free space for up to 30 s while the
      // origin has databases open. So the app is served again, on an origin of its own.
      const app = await suite().app.servedAgain()
      try {
        const watched = await suite().browser.open(fixtureUrl(app.url, db, host, { manual: '1' }))
        watched.allow(/quota|storage-full|StorageFull/i)
        const { page } = watched
        const origin = new URL(app.url).origin
        const cdp = await page.context().newCDPSession(page)
        await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 64 * 1024 }) // DevTools protocol
        try {
          await page.evaluate(() => window.openClient().ready)
          await page.evaluate(() => window.chat.sendMainChatMessage('before'))
          const outcome = await sendPastQuota(page)
          expect(outcome.result).toEqual({ ok: false, name: 'StorageFullError', code: 'storage-full', isStorageFull: true })
          expect(outcome.codes).toEqual(['storage-full'])
          expect(outcome.contents).toEqual(['before']) // rolled back in the state
          expect((await status(page)).connection).toBe('ready')
        } finally {
          await cdp.send('Storage.overrideQuotaForOrigin', { origin }) // the quota as it was
        }
        // Nothing of it was stored (a reload reads the database), and the client goes on writing.
        await page.goto(fixtureUrl(app.url, db, host), { waitUntil: 'load' })
        await page.evaluate(() => window.ready)
        expect(await contents(page)).toEqual(['before'])
        await page.evaluate(() => window.chat.sendMainChatMessage('after'))
        expect(await contents(page)).toEqual(['before', 'after'])
        await suite().browser.closePages()
      } finally {
        await app.close()
      }
    },
    BROWSER_TEST_TIMEOUT,
  )
})
