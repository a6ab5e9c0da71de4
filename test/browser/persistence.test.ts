/**
 * One tab in real Chromium: what survives a reload, what status$ reports, how a killed
 * worker surfaces, and that errors keep their identity in a minified production build.
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
const suite = useBrowserSuite('persistence', () => serveApp(fixtureRoot, { configFile: false }))

/** Reloads the tab and waits for its client to connect again. */
async function reload(page: Page): Promise<void> {
  await page.reload({ waitUntil: 'load' })
  await page.evaluate(() => window.ready)
}

describe.each(['worker', 'shared-worker'] as const)('one tab with host %s', (host) => {
  test(
    'reports IndexedDB storage and its host on status$',
    async () => {
      const { page } = await suite().browser.open(fixtureUrl(suite().app.url, uniqueDb(host), host))
      expect(await page.evaluate(() => window.chat.status$.value.connection)).toMatch(/connecting|ready/)
      await page.evaluate(() => window.ready)
      expect(await page.evaluate(() => window.chat.status$.value)).toEqual({
        connection: 'ready',
        storage: 'indexeddb',
        host,
        pendingWrites: 0,
      })
      // The subscription sees the same value the synchronous read gives.
      const emitted = await page.evaluate(
        () =>
          new Promise((resolve) => {
            const subscription = window.chat.status$.subscribe((status) => {
              resolve(status)
              queueMicrotask(() => subscription.unsubscribe())
            })
          }),
      )
      expect(emitted).toMatchObject({ connection: 'ready', storage: 'indexeddb', host })
    },
    BROWSER_TEST_TIMEOUT,
  )

  test(
    'keeps messages and tickets across a reload, in order',
    async () => {
      const db = uniqueDb(host)
      const { page } = await suite().browser.open(fixtureUrl(suite().app.url, db, host))
      await page.evaluate(() => window.ready)
      const ids = await page.evaluate(async () => {
        const chat = window.chat
        await chat.sendMainChatMessage("I'm looking for gaming laptops under $1500")
        await chat.sendMainChatMessage('Thanks!', { sender: 'assistant' })
        const messageId = chat.getState().mainChat.messages[0]!.id
        const fromChat = chat.createTicketFromChatMessage(messageId, 'product-inquiry', 'Laptop question')
        const support = chat.createTicket('order-help', 'Where is my order?', 'Order 1234 is late', { orderId: '1234' })
        await chat.sendTicketMessage(support, 'It was due on Monday')
        await chat.sendTicketMessage(support, 'Checking with the depot', { sender: 'assistant' })
        await chat.resolveTicket(support, 'Parcel found at the depot')
        await chat.selectTicket(fromChat)
        await chat.switchChatView('tickets')
        await chat.flush()
        return { fromChat, support }
      })
      const before = await page.evaluate(() => window.chat.getState())

      await reload(page)

      // A reloaded client holds headers; the unselected ticket's messages load on demand.
      const header = await page.evaluate((id) => window.chat.getState().tickets.find((t) => t.id === id), ids.support)
      expect(header).toMatchObject({ messages: [], messageCount: 3, hasOlder: true, unreadCount: 1, lastMessage: { content: 'Checking with the depot' } })
      await page.evaluate(async () => {
        for (const ticket of window.chat.getState().tickets) while ((await window.chat.loadOlder(ticket.id)).hasOlder);
      })
      const after = await page.evaluate(() => window.chat.getState())
      expect(after).toEqual(before)
      expect(after.mainChat.messages.map((m) => m.content)).toEqual(["I'm looking for gaming laptops under $1500", 'Thanks!'])
      expect(after.mainChat.messages[0]!.metadata).toEqual({ ticketId: ids.fromChat })
      expect(after.tickets.map((t) => [t.id, t.status])).toEqual([
        [ids.fromChat, 'open'],
        [ids.support, 'resolved'],
      ])
      const support = after.tickets[1]!
      expect(support.summary).toBe('Parcel found at the depot')
      expect(support.resolvedAt).toEqual(expect.any(Number))
      expect(support.messages.map((m) => [m.sender, m.content])).toEqual([
        ['user', 'Order 1234 is late'],
        ['user', 'It was due on Monday'],
        ['assistant', 'Checking with the depot'],
      ])
      expect(after.tickets[0]!.messages.map((m) => m.content)).toEqual(["I'm looking for gaming laptops under $1500"])
      expect(after.activeTicketId).toBe(ids.fromChat)
      expect(after.ticketView).toBe('tickets')
      expect(after.analytics).toMatchObject({ totalMessages: 6, activeTickets: 1, resolvedTickets: 1 })
    },
    BROWSER_TEST_TIMEOUT,
  )
})

describe.each(['worker', 'shared-worker'] as const)('database creation with host %s', (host) => {
  test(
    'creates no database before the first write: neither on a first visit nor after clearAllData and a reload',
    async () => {
      const db = uniqueDb(`lazy-${host}`)
      const { page } = await suite().browser.open(fixtureUrl(suite().app.url, db, host))
      await page.evaluate(() => window.ready)
      const names = () => page.evaluate(async () => (await indexedDB.databases()).map((info) => info.name))
      expect(await names()).not.toContain(db)

      await page.evaluate(() => window.chat.sendMainChatMessage('my address is 1 Main Street'))
      expect(await names()).toContain(db)
      await page.evaluate(() => window.chat.clearAllData())
      expect(await names()).not.toContain(db)

      await reload(page)
      expect(await page.evaluate(() => window.chat.status$.value)).toMatchObject({ connection: 'ready', storage: 'indexeddb' })
      expect(await page.evaluate(() => window.chat.getState().mainChat.messages)).toEqual([])
      expect(await names()).not.toContain(db)

      await page.evaluate(() => window.chat.sendMainChatMessage('hello again'))
      expect(await names()).toContain(db)
      await reload(page)
      expect(await page.evaluate(() => window.chat.getState().mainChat.messages.map((m) => m.content))).toEqual(['hello again'])
    },
    BROWSER_TEST_TIMEOUT,
  )
})

describe('a dedicated worker that is terminated mid-burst', () => {
  test(
    'reconnects: no call in flight rejects, and every write is stored once, in order, after a reload',
    async () => {
      const db = uniqueDb('terminate')
      const watched = await suite().browser.open(fixtureUrl(suite().app.url, db, 'worker'))
      const { page } = watched
      await page.evaluate(() => window.ready)

      const outcome = await page.evaluate(async () => {
        const { chat, sdk } = window
        const acknowledged: string[] = []
        const rejected: Array<{ content: string; code: unknown; isWorkerGone: boolean; name: string }> = []
        const thrown: Array<{ content: string; code: unknown; isWorkerGone: boolean }> = []
        const settled: Array<Promise<void>> = []
        let terminatedAfter = -1
        let terminatedAt = 0
        // One send per task, so commits (and acknowledgements) happen during the burst.
        for (let i = 0; i < 90; i++) {
          const content = `burst ${i}`
          if (terminatedAfter < 0 && acknowledged.length >= 20) {
            ;(window.worker as Worker).terminate()
            terminatedAfter = i
            terminatedAt = performance.now()
          }
          try {
            settled.push(
              chat.sendMainChatMessage(content).then(
                () => void acknowledged.push(content),
                (error: unknown) =>
                  void rejected.push({
                    content,
                    code: (error as { code?: unknown }).code,
                    isWorkerGone: error instanceof sdk.WorkerGoneError,
                    name: (error as Error).name,
                  }),
              ),
            )
          } catch (error) {
            thrown.push({ content, code: (error as { code?: unknown }).code, isWorkerGone: error instanceof sdk.WorkerGoneError })
          }
          await new Promise((resolve) => setTimeout(resolve, 2))
        }
        // Bounded: a terminated worker is noticed at once (Web Locks) and replaced at once; 15 s is plenty.
        const deadline = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 15_000))
        const result = await Promise.race([Promise.all(settled).then(() => 'settled' as const), deadline])
        return {
          result,
          settledAfterMs: Math.round(performance.now() - terminatedAt),
          terminatedAfter,
          acknowledged,
          rejected,
          thrown,
          pending: settled.length - acknowledged.length - rejected.length,
          status: { connection: window.chat.status$.value.connection, errorCode: window.chat.status$.value.error?.code },
        }
      })

      console.log(
        `terminate mid-burst: ${outcome.acknowledged.length} acknowledged, ${outcome.rejected.length} rejected, ` +
          `${outcome.thrown.length} thrown at once, ${outcome.pending} still pending; ${outcome.result} ${outcome.settledAfterMs} ms after terminate()`,
      )
      expect(outcome.terminatedAfter, 'the burst should terminate the worker after 20 acknowledgements').toBeGreaterThan(0)
      expect(outcome.acknowledged.length).toBeGreaterThanOrEqual(20)
      expect(
        { result: outcome.result, pending: outcome.pending },
        'calls in flight when the worker was terminated must settle (commit) within 15 s',
      ).toEqual({ result: 'settled', pending: 0 })
      expect({ rejected: outcome.rejected, thrown: outcome.thrown }).toEqual({ rejected: [], thrown: [] })
      expect(outcome.acknowledged).toHaveLength(90)
      expect(outcome.status).toEqual({ connection: 'ready', errorCode: undefined })

      await reload(page)
      const persisted = await page.evaluate(() => window.chat.getState().mainChat.messages.map((m) => m.content))
      // Every write is there once, in the order it was sent.
      expect(persisted).toEqual(Array.from({ length: 90 }, (_, i) => `burst ${i}`))
    },
    BROWSER_TEST_TIMEOUT,
  )
})

/** How many messages each cut-short burst sends. */
const BURST = 2_000

/**
 * Sends BURST messages into one ticket, ten per task so that commits (and their
 * acknowledgements) happen during the burst. Each acknowledgement is reported to the test
 * through `window.acked` as it happens, so that one reported before the tab closed counts.
 * When `cutAt` messages have been sent, the page terminates its dedicated worker
 * (`terminate`) or asks the test to close the tab (`close`, through `window.cut`).
 */
function burst(page: Page, ticketId: string, cutAt: number, how: 'terminate' | 'close'): Promise<unknown> {
  return page.evaluate(
    async ({ ticketId, count, cutAt, how }) => {
      const { chat } = window
      const test = window as unknown as { acked(content: string): Promise<void>; cut(): Promise<void> }
      const settled: Array<Promise<void>> = []
      for (let i = 0; i < count; i++) {
        if (i === cutAt) {
          if (how === 'terminate') (window.worker as Worker).terminate()
          else void test.cut()
        }
        try {
          const content = `burst ${i}`
          settled.push(chat.sendTicketMessage(ticketId, content).then(() => void test.acked(content), () => {}))
        } catch {
          // The tab closes under the burst.
        }
        if (i % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 0))
      }
      await Promise.race([Promise.all(settled), new Promise((resolve) => setTimeout(resolve, 15_000))])
    },
    { ticketId, count: BURST, cutAt, how },
  )
}

/** Every message of the ticket, as a new tab on the database reads it. */
async function storedMessages(db: string, ticketId: string): Promise<Array<{ id: string; content: string }>> {
  const { page } = await suite().browser.open(fixtureUrl(suite().app.url, db, 'worker'))
  await page.evaluate(() => window.ready)
  return page.evaluate(async (id) => {
    while ((await window.chat.loadOlder(id, 1_000)).hasOlder);
    return window.chat.getState().tickets.find((t) => t.id === id)!.messages.map((m) => ({ id: m.id, content: m.content }))
  }, ticketId)
}

describe('a burst of 2,000 messages cut short at random points', () => {
  test.each([
    ['the dedicated worker is terminated', 'terminate'],
    ['the tab is closed', 'close'],
  ] as const)(
    'when %s, a new tab shows every acknowledged message once, in order (with a terminated worker: every message)',
    async (_, how) => {
      const points: number[] = []
      for (let round = 0; round < 2; round++) {
        const db = uniqueDb(`cut-${how}`)
        const acked: string[] = []
        // A closing tab goes after a round trip to the browser: cut in the first half, so that
        // the burst is still sending when it goes (cut at 1,966, all 2,000 were acknowledged first).
        const cutAt = Math.floor(Math.random() * (how === 'close' ? BURST / 2 : BURST))
        points.push(cutAt)
        let closing: Promise<void> | undefined
        const watched = await suite().browser.open(fixtureUrl(suite().app.url, db, 'worker'), {
          beforeLoad: async (page) => {
            await page.exposeFunction('acked', (content: string) => void acked.push(content))
            await page.exposeFunction('cut', () => void (closing ??= page.close({ runBeforeUnload: false })))
          },
        })
        const { page } = watched
        watched.allow(/Target (page, context or browser )?(has been )?closed/i)
        await page.evaluate(() => window.ready)
        const ticketId = await page.evaluate(async () => {
          const id = window.chat.createTicket('support', 'Burst')
          await window.chat.flush()
          return id
        })
        await burst(page, ticketId, cutAt, how).catch((error: unknown) => {
          if (how !== 'close') throw error // the tab closed under the burst: expected
        })
        await closing
        // A terminated worker is replaced: every send is acknowledged in the end (reported asynchronously).
        if (how === 'terminate') await expect.poll(() => acked.length, { timeout: 15_000 }).toBe(BURST)
        const ackedNow = [...acked]
        const stored = await storedMessages(db, ticketId)
        const contents = stored.map((m) => m.content)
        console.log(`burst cut (${how}) after ${cutAt} sent: ${ackedNow.length} acknowledged, ${stored.length} stored`)
        if (how === 'close') expect(ackedNow.length, `round ${round}, cut at ${cutAt}`).toBeLessThan(BURST) // cut short indeed
        else expect(contents, `round ${round}, cut at ${cutAt}`).toEqual(Array.from({ length: BURST }, (_, i) => `burst ${i}`))
        // Every acknowledged message is there; nothing is there twice; the order is the order sent.
        const kept = new Set(contents)
        expect(ackedNow.filter((content) => !kept.has(content)), `round ${round}, cut at ${cutAt}`).toEqual([])
        expect(new Set(stored.map((m) => m.id)).size).toBe(stored.length)
        expect(kept.size).toBe(stored.length)
        const order = contents.map((content) => Number(content.slice('burst '.length)))
        expect(order).toEqual([...order].sort((x, y) => x - y))
        await suite().browser.closePages()
      }
      console.log(`burst cut (${how}) at ${points.join(', ')}`)
    },
    BROWSER_TEST_TIMEOUT * 3,
  )
})

describe('errors in a minified production build', () => {
  test(
    'keep their class, code and name',
    async () => {
      const { page } = await suite().browser.open(fixtureUrl(suite().app.url, uniqueDb('errors'), 'worker', { early: '1' }))
      await page.evaluate(() => window.ready)
      const errors = await page.evaluate(async () => {
        const { chat, sdk } = window
        const describe = (error: unknown) => ({
          name: (error as Error).name,
          code: (error as { code?: unknown }).code,
          isChatError: error instanceof sdk.ChatError,
        })
        let validation: unknown
        try {
          void chat.sendMainChatMessage('')
        } catch (error) {
          validation = { ...describe(error), isClass: error instanceof sdk.ValidationError }
        }
        // Sent before the client connected, so judged by the worker: the error crossed the boundary as data.
        const early = await window.early
        const notFound = { ...describe(early), isClass: early instanceof sdk.NotFoundError }
        return { validation, notFound }
      })
      expect(errors.validation).toEqual({ name: 'ValidationError', code: 'validation', isChatError: true, isClass: true })
      expect(errors.notFound).toEqual({ name: 'NotFoundError', code: 'not-found', isChatError: true, isClass: true })
    },
    BROWSER_TEST_TIMEOUT,
  )
})
