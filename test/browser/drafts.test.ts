/**
 * Drafts and unread counts in real Chromium: across a reload, when the page is hidden, and
 * across two tabs, with a dedicated worker per tab and with one SharedWorker.
 */
import { describe, expect, test } from 'vitest'
import type { Page } from 'playwright-core'
import { BROWSER_TEST_TIMEOUT, fixtureRoot, fixtureUrl, serveApp, uniqueDb, useBrowserSuite } from './harness.js'

// The fixture has no config file: Vite's defaults, as in a user's app.
const suite = useBrowserSuite('drafts', () => serveApp(fixtureRoot, { configFile: false }))

/** Opens the fixture on `db` and waits until its client is connected. */
async function openTab(db: string, host: 'worker' | 'shared-worker'): Promise<Page> {
  const { page } = await suite().browser.open(fixtureUrl(suite().app.url, db, host))
  await page.evaluate(() => window.ready)
  return page
}

/** Reloads the tab and waits for its client to connect again. */
async function reload(page: Page): Promise<void> {
  await page.reload({ waitUntil: 'load' })
  await page.evaluate(() => window.ready)
}

/** The drafts and unread counts a tab shows, for the main chat and one ticket. */
const threads = (page: Page, ticketId: string) =>
  page.evaluate((id) => {
    const state = window.chat.getState()
    const ticket = state.tickets.find((t) => t.id === id)
    return {
      mainDraft: state.mainChat.draft,
      mainUnread: state.mainChat.unreadCount,
      ticketDraft: ticket?.draft,
      ticketUnread: ticket?.unreadCount,
      drafts: window.chat.drafts$.value,
    }
  }, ticketId)

/** Waits until the tab shows `expected` (a subset of `threads`), bounded. */
async function waitForThreads(page: Page, ticketId: string, expected: Partial<Awaited<ReturnType<typeof threads>>>): Promise<void> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const seen = await threads(page, ticketId)
    if (Object.entries(expected).every(([key, value]) => JSON.stringify(seen[key as keyof typeof seen]) === JSON.stringify(value))) return
    if (Date.now() > deadline) throw new Error(`The tab did not show ${JSON.stringify(expected)}; it shows ${JSON.stringify(seen)}`)
    await page.waitForTimeout(50)
  }
}

/** A ticket with two assistant messages (two unread), and two in the main chat, the main chat read. */
const seed = (page: Page) =>
  page.evaluate(async () => {
    const chat = window.chat
    const id = chat.createTicket('order-help', 'Where is my order?', 'Order 1234 is late')
    await chat.sendTicketMessage(id, 'Checking with the depot', { sender: 'assistant' })
    await chat.sendTicketMessage(id, 'Found it', { sender: 'assistant' })
    await chat.sendMainChatMessage('Here are three laptops', { sender: 'assistant' })
    await chat.sendMainChatMessage('And a fourth', { sender: 'assistant' })
    await chat.markRead('main')
    return id
  })

describe.each(['worker', 'shared-worker'] as const)('drafts with host %s', (host) => {
  test(
    'a hidden page writes its drafts at once; drafts and unread counts survive a reload; a send clears its draft',
    async () => {
      const page = await openTab(uniqueDb(`drafts-${host}`), host)
      const id = await seed(page)

      // Typed, then the page is hidden: the writes go now, not when the 500 ms are up.
      const elapsed = await page.evaluate(async (ticketId) => {
        const chat = window.chat
        chat.setDraft('main', 'Do you have one under')
        chat.setDraft(ticketId, 'Thanks, when will it')
        const started = performance.now()
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' })
        document.dispatchEvent(new Event('visibilitychange'))
        await new Promise<void>((resolve) => {
          const check = () => (chat.status$.value.pendingWrites === 0 ? resolve() : setTimeout(check, 5))
          check()
        })
        return performance.now() - started
      }, id)
      expect(elapsed).toBeLessThan(400)

      await reload(page)
      expect(await threads(page, id)).toEqual({
        mainDraft: 'Do you have one under',
        mainUnread: 0,
        ticketDraft: 'Thanks, when will it',
        ticketUnread: 2,
        drafts: { main: 'Do you have one under', [id]: 'Thanks, when will it' },
      })

      await page.evaluate(() => window.chat.sendMainChatMessage('Do you have one under $1000?'))
      expect((await threads(page, id)).mainDraft).toBe('')
      await reload(page)
      expect(await threads(page, id)).toMatchObject({ mainDraft: '', ticketDraft: 'Thanks, when will it', drafts: { [id]: 'Thanks, when will it' } })
    },
    BROWSER_TEST_TIMEOUT,
  )

  test(
    'two tabs: a draft typed in one shows in the other, markRead clears the unread count in both, a send in the other clears the draft',
    async () => {
      const db = uniqueDb(`drafts-tabs-${host}`)
      const a = await openTab(db, host)
      const b = await openTab(db, host)
      const id = await seed(a)
      await waitForThreads(b, id, { ticketUnread: 2, mainUnread: 0 })

      await a.evaluate((ticketId) => {
        window.chat.setDraft('main', 'typed in A')
        window.chat.setDraft(ticketId, 'ticket text from A')
      }, id)
      await waitForThreads(b, id, { mainDraft: 'typed in A', ticketDraft: 'ticket text from A' })

      await a.evaluate((ticketId) => window.chat.markRead(ticketId), id)
      await waitForThreads(b, id, { ticketUnread: 0 })

      await b.evaluate(() => window.chat.sendMainChatMessage('sent from B'))
      await waitForThreads(a, id, { mainDraft: '', ticketDraft: 'ticket text from A', drafts: { [id]: 'ticket text from A' } })

      // B types on in the ticket: A follows, and a reload of A keeps B's text.
      await b.evaluate(async (ticketId) => {
        window.chat.setDraft(ticketId, 'ticket text from B')
        await window.chat.flush()
      }, id)
      await waitForThreads(a, id, { ticketDraft: 'ticket text from B' })
      await reload(a)
      expect(await threads(a, id)).toEqual({ mainDraft: '', mainUnread: 0, ticketDraft: 'ticket text from B', ticketUnread: 0, drafts: { [id]: 'ticket text from B' } })
    },
    BROWSER_TEST_TIMEOUT,
  )
})

describe('a page that leaves', () => {
  test(
    'hands its held drafts to the worker: with a SharedWorker (kept by another tab) a reload right after typing keeps them',
    async () => {
      const db = uniqueDb('drafts-leave')
      const a = await openTab(db, 'shared-worker')
      await openTab(db, 'shared-worker') // keeps the SharedWorker alive while A reloads
      await a.evaluate(() => window.chat.setDraft('main', 'typed just before the reload')) // held: no write for 500 ms
      await reload(a)
      expect(await a.evaluate(() => window.chat.getState().mainChat.draft)).toBe('typed just before the reload')
    },
    BROWSER_TEST_TIMEOUT,
  )
})
