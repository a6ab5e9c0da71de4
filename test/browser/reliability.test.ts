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

      const tab = await openPage(db, host, { connectTimeout: '300' })
      await tab.waitForFunction(() => window.chat.status$.value.connection !== 'connecting', undefined, { timeout: 20_000, polling: 20 })
      expect(await status(tab)).toEqual({ connection: 'blocked', storage: 'unknown', host, errorCode: undefined })
      await tab.evaluate(() => {
        ;(window as unknown as { sent: Promise<void> }).sent = window.chat.sendMainChatMessage('sent while blocked')
      })
      // Past the connect timeout (300 ms here) that used to fail it, it still waits.
      await tab.waitForTimeout(1_000)
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
