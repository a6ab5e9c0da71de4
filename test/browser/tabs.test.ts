/**
 * Two tabs on one database in real Chromium, once with a dedicated worker per tab (changes
 * shared over a BroadcastChannel) and once with one SharedWorker for both.
 */
import { describe, expect, test } from 'vitest'
import type { Page } from 'playwright-core'
import {
  BROWSER_TEST_TIMEOUT,
  fixtureRoot,
  fixtureUrl,
  serveApp,
  uniqueDb,
  useBrowserSuite,
} from './harness.js'

// The fixture has no config file: Vite's defaults, as in a user's app.
const suite = useBrowserSuite('tabs', () => serveApp(fixtureRoot, { configFile: false }))

/** Opens the fixture on `db` and waits until its client is connected. */
async function openTab(db: string, host: 'worker' | 'shared-worker', extra: Record<string, string> = {}): Promise<Page> {
  const { page } = await suite().browser.open(fixtureUrl(suite().app.url, db, host, extra))
  await page.evaluate(() => window.ready)
  return page
}

/** The main chat's contents as a tab shows them. */
const contents = (page: Page) => page.evaluate(() => window.chat.getState().mainChat.messages.map((m) => m.content))
const ids = (page: Page) => page.evaluate(() => window.chat.getState().mainChat.messages.map((m) => m.id))

/** Waits until the tab shows exactly `expected` in its main chat (bounded). */
async function waitForContents(page: Page, expected: readonly string[], timeout = 10_000): Promise<void> {
  await page
    .waitForFunction(
      (want) => {
        const have = window.chat.getState().mainChat.messages.map((m) => m.content)
        return have.length === want.length && have.every((content, i) => content === want[i])
      },
      expected,
      { timeout, polling: 50 },
    )
    .catch(async (error: unknown) => {
      throw new Error(`The tab did not show ${JSON.stringify(expected)}; it shows ${JSON.stringify(await contents(page))}`, { cause: error })
    })
}

describe.each(['worker', 'shared-worker'] as const)('two tabs with host %s', (host) => {
  test(
    'a send in one tab appears in the other, once and in order',
    async () => {
      const db = uniqueDb(host)
      const a = await openTab(db, host)
      const b = await openTab(db, host)
      expect(await a.evaluate(() => window.chat.status$.value)).toMatchObject({ connection: 'ready', storage: 'indexeddb', host })
      expect(await b.evaluate(() => window.chat.status$.value)).toMatchObject({ connection: 'ready', storage: 'indexeddb', host })

      await a.evaluate(() => window.chat.sendMainChatMessage('hello from A'))
      await waitForContents(b, ['hello from A'])

      await b.evaluate(() => window.chat.sendMainChatMessage('hello from B'))
      await waitForContents(a, ['hello from A', 'hello from B'])

      // A burst from each tab, one after the other: both tabs end with the same thread.
      await a.evaluate(() => Promise.all(Array.from({ length: 10 }, (_, i) => window.chat.sendMainChatMessage(`A${i}`))))
      await b.evaluate(() => Promise.all(Array.from({ length: 10 }, (_, i) => window.chat.sendMainChatMessage(`B${i}`))))
      const expected = [
        'hello from A',
        'hello from B',
        ...Array.from({ length: 10 }, (_, i) => `A${i}`),
        ...Array.from({ length: 10 }, (_, i) => `B${i}`),
      ]
      await waitForContents(a, expected)
      await waitForContents(b, expected)
      const idsA = await ids(a)
      expect(new Set(idsA).size).toBe(idsA.length)
      expect(await ids(b)).toEqual(idsA)
      // Nothing more arrives later (a duplicate delivered late would show here).
      await a.waitForTimeout(300)
      expect(await contents(a)).toEqual(expected)
      expect(await contents(b)).toEqual(expected)
    },
    BROWSER_TEST_TIMEOUT,
  )

  test(
    'a tab that opens leaves the typing indicator of the open tabs on; the first tab of a new session starts with it off',
    async () => {
      const db = uniqueDb(host)
      const a = await openTab(db, host)
      await a.evaluate(() => window.chat.setMainChatTyping(true))
      const b = await openTab(db, host)
      // What b's engine announced at open reaches a before b's message does.
      await b.evaluate(() => window.chat.sendMainChatMessage('from b'))
      await waitForContents(a, ['from b'])
      expect(await a.evaluate(() => window.chat.getState().mainChat.isTyping)).toBe(true)
      expect(await b.evaluate(() => window.chat.getState().mainChat.isTyping)).toBe(true)

      if (host === 'shared-worker') return // the worker, and its session, may outlive both tabs for a while
      // Both tabs end without turning it off; once the browser let their workers go, the next
      // tab on the database starts a new session.
      await a.close()
      await b.close()
      const probe = await openTab(uniqueDb(host), host)
      await probe.waitForFunction(
        async (name) => !((await navigator.locks.query()).held ?? []).some((lock) => lock.name?.endsWith(`:${name}`)),
        db,
        { timeout: 10_000, polling: 50 },
      )
      const c = await openTab(db, host)
      expect(await c.evaluate(() => window.chat.getState().mainChat.isTyping)).toBe(false)
    },
    BROWSER_TEST_TIMEOUT,
  )

  test(
    'sends issued in both tabs at the same time end up identical in both, each once',
    async () => {
      const db = uniqueDb(host)
      const a = await openTab(db, host)
      const b = await openTab(db, host)
      const burst = (page: Page, tag: string) =>
        page.evaluate(async (prefix) => {
          for (let i = 0; i < 20; i++) {
            void window.chat.sendMainChatMessage(`${prefix}${i}`)
            await new Promise((resolve) => setTimeout(resolve, 0))
          }
          await window.chat.flush()
        }, tag)
      await Promise.all([burst(a, 'a'), burst(b, 'b')])
      await a.waitForFunction(() => window.chat.getState().mainChat.messages.length >= 40, undefined, { timeout: 10_000, polling: 50 })
      await b.waitForFunction(() => window.chat.getState().mainChat.messages.length >= 40, undefined, { timeout: 10_000, polling: 50 })
      await a.waitForTimeout(300)
      const inA = await contents(a)
      const inB = await contents(b)
      expect(inA).toHaveLength(40)
      expect(new Set(inA).size).toBe(40)
      expect(inB).toEqual(inA)
      // Each tab's own messages keep the order it sent them in.
      expect(inA.filter((c) => c.startsWith('a'))).toEqual(Array.from({ length: 20 }, (_, i) => `a${i}`))
      expect(inA.filter((c) => c.startsWith('b'))).toEqual(Array.from({ length: 20 }, (_, i) => `b${i}`))
    },
    BROWSER_TEST_TIMEOUT,
  )

  test(
    'clearAllData in one tab empties both tabs and deletes the database',
    async () => {
      const db = uniqueDb(host)
      const a = await openTab(db, host)
      const b = await openTab(db, host)
      await a.evaluate(async () => {
        await window.chat.sendMainChatMessage('personal data')
        const ticketId = window.chat.createTicket('support', 'A ticket', 'with a message')
        await window.chat.updateUserContext({ personalInfo: { name: 'Ada' } })
        await window.chat.resolveTicket(ticketId, 'done')
      })
      await b.waitForFunction(() => window.chat.getState().tickets[0]?.status === 'resolved', undefined, { timeout: 10_000, polling: 50 })
      expect(await a.evaluate(async () => (await indexedDB.databases()).map((d) => d.name))).toContain(db)

      await a.evaluate(() => window.chat.clearAllData())

      const empty = (page: Page) =>
        page.waitForFunction(
          () => {
            const state = window.chat.getState()
            return (
              state.mainChat.messages.length === 0 &&
              state.tickets.length === 0 &&
              Object.keys(state.userContext).length === 0 &&
              state.analytics.totalMessages === 0
            )
          },
          undefined,
          { timeout: 10_000, polling: 50 },
        )
      await empty(a)
      await empty(b)
      for (const page of [a, b]) {
        expect(await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name))).not.toContain(db)
      }
      // Both tabs keep working afterwards, on a new empty database.
      await b.evaluate(() => window.chat.sendMainChatMessage('after the wipe'))
      await waitForContents(a, ['after the wipe'])
    },
    BROWSER_TEST_TIMEOUT,
  )
})

describe('shared worker', () => {
  test(
    'serves two databases open at the same time in two tabs',
    async () => {
      // worker/index.ts: "loaded as a SharedWorker it serves every tab that connects, with
      // one engine per database for all of them". Both tabs use the same SharedWorker
      // (same script URL, no name), each with its own database.
      const first = uniqueDb('shared-a')
      const second = uniqueDb('shared-b')
      const a = await openTab(first, 'shared-worker')
      const { page: b } = await suite().browser.open(fixtureUrl(suite().app.url, second, 'shared-worker'))
      const started = await b.evaluate(() =>
        window.ready.then(
          () => 'ready',
          (error: Error) => `${error.name}: ${error.message}`,
        ),
      )
      expect(started).toBe('ready')
      await b.evaluate(() => window.chat.sendMainChatMessage('only in the second database'))
      await a.evaluate(() => window.chat.sendMainChatMessage('only in the first database'))
      expect(await contents(a)).toEqual(['only in the first database'])
      expect(await contents(b)).toEqual(['only in the second database'])
    },
    BROWSER_TEST_TIMEOUT,
  )
})

describe('cleanup from two tabs at once', () => {
  test(
    'removes each expired ticket once, and both tabs see it gone',
    async () => {
      const db = uniqueDb('cleanup')
      const writer = await openTab(db, 'worker')
      await writer.evaluate(async () => {
        const id = window.chat.createTicket('support', 'Old issue', 'details')
        await window.chat.resolveTicket(id, 'done')
        window.chat.createTicket('support', 'Still open') // never removed
        await window.chat.flush()
      })
      await writer.close()
      // Two tabs whose clocks are eight days later run cleanup at the same moment.
      const later = { clockOffset: String(8 * 24 * 60 * 60 * 1000) }
      const [a, b] = await Promise.all([openTab(db, 'worker', later), openTab(db, 'worker', later)])
      const [ra, rb] = await Promise.all([a.evaluate(() => window.chat.runCleanup()), b.evaluate(() => window.chat.runCleanup())])
      expect(ra.removedTicketIds.length + rb.removedTicketIds.length).toBe(1)
      expect(ra.removedMessages + rb.removedMessages).toBe(1)
      for (const page of [a, b]) {
        await page.waitForFunction(() => window.chat.getState().tickets.map((t) => t.title).join() === 'Still open', undefined, {
          timeout: 10_000,
          polling: 50,
        })
      }
    },
    BROWSER_TEST_TIMEOUT,
  )
})

describe('a browser without SharedWorker', () => {
  test(
    "falls back to a dedicated worker for host 'shared-worker' and says so on status$",
    async () => {
      const page = await openTab(uniqueDb('no-shared'), 'shared-worker', { noSharedWorker: '1' })
      const status = await page.evaluate(() => ({ ...window.chat.status$.value, error: undefined }))
      expect(status).toMatchObject({ connection: 'ready', host: 'worker', storage: 'indexeddb' })
      expect(await page.evaluate(() => typeof window.SharedWorker)).toBe('undefined')
      await page.evaluate(() => window.chat.sendMainChatMessage('works without SharedWorker'))
      expect(await contents(page)).toEqual(['works without SharedWorker'])
    },
    BROWSER_TEST_TIMEOUT,
  )
})


describe('clearAllData in one tab while another tab writes (dedicated workers)', () => {
  test(
    'every tab and the disk agree afterwards, and a write goes only if its tab acknowledged it before the clear reached it',
    async () => {
      // Six rounds, with the clear at different points of the other tab's burst of sends.
      for (const wait of [0, 2, 4, 7, 11, 18]) {
        const db = uniqueDb('clear-race')
        const [clearing, writing] = [await openTab(db, 'worker'), await openTab(db, 'worker')]
        await clearing.evaluate(() => window.chat.sendMainChatMessage('before'))
        await waitForContents(writing, ['before'])
        const burst = writing.evaluate(async () => {
          // In order, what this tab sees: each send acknowledged, and the clear arriving.
          const events: string[] = []
          const has = () => window.chat.getState().mainChat.messages.some((m) => m.content === 'before')
          const stop = window.chat.onStateChange(() => {
            if (!events.includes('cleared') && !has()) events.push('cleared')
          })
          const sends: Promise<void>[] = []
          for (let i = 0; i < 30; i++) {
            const name = `w${i}`
            sends.push(window.chat.sendMainChatMessage(name).then(() => void events.push(name)))
            await new Promise((resolve) => setTimeout(resolve, 1))
          }
          await Promise.all(sends)
          await window.chat.flush()
          // The clear's notice, however late (bounded).
          for (let waited = 0; has() && waited < 10_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20))
          stop()
          return events
        })
        await clearing.evaluate(async (ms) => {
          await new Promise((resolve) => setTimeout(resolve, ms))
          await window.chat.clearAllData()
        }, wait)
        const events = await burst
        await clearing.evaluate(() => window.chat.flush())
        const disk = await contents(await openTab(db, 'worker'))
        expect(disk).not.toContain('before')
        // Each tab hears of the other's last commits a little later (bounded wait, then the comparison).
        for (const page of [clearing, writing]) await waitForContents(page, disk).catch(() => {})
        expect({ wait, clearing: await contents(clearing) }).toEqual({ wait, clearing: disk })
        expect({ wait, writing: await contents(writing) }).toEqual({ wait, writing: disk })
        expect(events).toContain('cleared')
        for (let i = 0; i < 30; i++) {
          const name = `w${i}`
          if (!disk.includes(name)) expect(events.indexOf(name), `${name} in ${events.join()}`).toBeLessThan(events.indexOf('cleared'))
        }
        await suite().browser.closePages()
      }
    },
    BROWSER_TEST_TIMEOUT * 3,
  )
})
