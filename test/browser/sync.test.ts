/**
 * Sync in real Chromium, against a real pouchdb-server started by the test on 127.0.0.1 and
 * a free port, served under `/couch` on the app's own origin (as `npm run start:sync` does
 * for the demo): two tabs on one database elect one syncing tab with a Web Lock and hand
 * over when it closes; the demo with sync on shows each user message's delivery state.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Page } from 'playwright-core'
import type { ChatClient } from 'companion-chat'
import { startCouchServer, type CouchServer } from '../helpers/couch-server.js'
import {
  BROWSER_SETUP_TIMEOUT,
  BROWSER_TEST_TIMEOUT,
  demoRoot,
  fixtureRoot,
  fixtureUrl,
  serveApp,
  uniqueDb,
  useBrowserSuite,
  type ServedApp,
} from './harness.js'

let server: CouchServer | undefined

/** The server under `/couch` on the app's origin (no CORS), as the demo's dev server does. */
const couchProxy = () => ({
  proxy: { '/couch': { target: server!.url, rewrite: (path: string) => path.replace(/^\/couch/, '') } },
})

const suite = useBrowserSuite('sync', async () => {
  server = await startCouchServer()
  return serveApp(fixtureRoot, { configFile: false, server: couchProxy() })
})
afterAll(async () => {
  await server?.stop()
})

/**
 * What Chromium reports about answers the sync protocol expects: a database that exists
 * (`412` to its creation), a checkpoint not written yet (`404`), a ticket written meanwhile
 * (`409`), and requests cut while the page goes offline or closes.
 */
const EXPECTED = [/Failed to load resource: the server responded with a status of (404|409|412)/, /ERR_INTERNET_DISCONNECTED|ERR_NETWORK_CHANGED/]

interface Doc {
  _id: string
  _rev: string
  type?: string
  message?: { id: string; content: string }
}

async function serverDocs(database: string): Promise<Doc[]> {
  const response = await fetch(`${server!.url}/${database}/_all_docs?include_docs=true`)
  const body = (await response.json()) as { rows?: Array<{ doc: Doc }> }
  return (body.rows ?? []).map((row) => row.doc).filter((doc) => !doc._id.startsWith('_'))
}

const messageTexts = (docs: Doc[]) =>
  docs
    .filter((doc) => doc.type === 'message')
    .map((doc) => doc.message!.content)
    .sort()

/** The sync state a tab shows. */
const syncState = (page: Page) => page.evaluate(() => window.chat.sync$.value.state)

/** Waits (bounded) until the tab's sync says `state`. */
async function waitForSync(page: Page, state: string, timeout = 20_000): Promise<void> {
  await page.waitForFunction((want) => window.chat.sync$.value.state === want, state, { timeout, polling: 50 }).catch(async (error: unknown) => {
    throw new Error(`sync$ did not say ${state}; it says ${JSON.stringify(await page.evaluate(() => window.chat.sync$.value))}`, { cause: error })
  })
}

/** Waits (bounded) until the tab shows `texts` as its user messages, each delivered (`sent`), and an empty outbox. */
async function waitDelivered(page: Page, texts: readonly string[], timeout = 20_000): Promise<void> {
  await page
    .waitForFunction(
      (want) => {
        const mine = window.chat.getState().mainChat.messages.filter((m) => m.sender === 'user')
        return (
          window.chat.outbox$.value.length === 0 &&
          mine.length === want.length &&
          mine.every((m, i) => m.content === want[i] && m.delivery === 'sent')
        )
      },
      texts,
      { timeout, polling: 50 },
    )
    .catch(async (error: unknown) => {
      const shown = await page.evaluate(() => ({
        messages: window.chat.getState().mainChat.messages.map((m) => [m.content, m.delivery]),
        outbox: window.chat.outbox$.value.length,
        sync: window.chat.sync$.value.state,
      }))
      throw new Error(`The tab did not show ${JSON.stringify(texts)} delivered; it shows ${JSON.stringify(shown)}`, { cause: error })
    })
}

/** A tab of the fixture on `db` with `host`, syncing with the server's `database`, once ready. */
async function openSyncing(db: string, host: 'worker' | 'shared-worker', database: string): Promise<Page> {
  const { page } = await suite().browser.open(fixtureUrl(suite().app.url, db, host, { sync: database }), { allow: EXPECTED })
  await page.evaluate(() => window.ready)
  return page
}

describe.each(['worker', 'shared-worker'] as const)('two tabs on one database with sync, host %s', (host) => {
  test(
    'one tab syncs and the other stands by; closing the syncing tab hands over; every message reaches the server once',
    async () => {
      const db = uniqueDb(`sync-${host}`)
      const database = `tabs-${host}-${Date.now().toString(36)}`
      const open = () => openSyncing(db, host, database)
      const a = await open()
      await waitForSync(a, 'online')
      const b = await open()
      await waitForSync(b, 'standby')
      expect(await syncState(a)).toBe('online')

      // Both tabs write; the syncing tab delivers for both.
      await a.evaluate(() => window.chat.sendMainChatMessage('from A'))
      await b.evaluate(() => window.chat.sendMainChatMessage('from B'))
      await waitDelivered(a, ['from A', 'from B'])
      await waitDelivered(b, ['from A', 'from B'])
      expect(await syncState(b)).toBe('standby')

      // The syncing tab closes: the other one takes over.
      await a.close()
      await waitForSync(b, 'online')
      await b.evaluate(() => window.chat.sendMainChatMessage('after the hand-over'))
      await waitDelivered(b, ['from A', 'from B', 'after the hand-over'])

      const docs = await serverDocs(database)
      expect(messageTexts(docs)).toEqual(['after the hand-over', 'from A', 'from B'])
      expect(docs.filter((doc) => doc.type === 'message').map((doc) => doc._rev.split('-')[0])).toEqual(['1', '1', '1']) // each written once
    },
    BROWSER_TEST_TIMEOUT,
  )
})

describe('clearAllData with sync in real Chromium', () => {
  test(
    "clearAllData in the tab that stands by stops the syncing tab's sync; both tabs are empty and the server keeps its copy",
    async () => {
      const db = uniqueDb('sync-clear')
      const database = `clear-${Date.now().toString(36)}`
      const open = () => openSyncing(db, 'worker', database)
      const syncing = await open()
      await waitForSync(syncing, 'online')
      const other = await open()
      await waitForSync(other, 'standby')
      await syncing.evaluate(() => window.chat.sendMainChatMessage('private'))
      await waitDelivered(syncing, ['private'])
      await waitDelivered(other, ['private'])

      await other.evaluate(() => window.chat.clearAllData())
      expect(await syncState(other)).toBe('off')
      await waitForSync(syncing, 'off')
      for (const page of [syncing, other]) expect(await page.evaluate(() => window.chat.getState().mainChat.messages)).toEqual([])
      expect(messageTexts(await serverDocs(database))).toEqual(['private'])
    },
    BROWSER_TEST_TIMEOUT,
  )
})

describe('the demo with sync on', () => {
  let demo: ServedApp | undefined
  beforeAll(async () => {
    suite() // set up (or failed: this throws its error)
    demo = await serveApp(demoRoot, { server: couchProxy() })
  }, BROWSER_SETUP_TIMEOUT)
  afterAll(async () => {
    await demo?.close()
  })

  type DemoWindow = Window & { companionChat: ChatClient }

  test(
    "shows each user message's delivery state: pending while offline, then sent; failed with the server's reason, and sent after Retry",
    async () => {
      const user = `shopper-${Date.now().toString(36)}`
      const url = new URL(demo!.url)
      url.searchParams.set('db', uniqueDb('demo-sync'))
      url.searchParams.set('sync', user)
      const { page } = await suite().browser.open(url.href, { allow: EXPECTED })
      await page.locator('[data-testid="status-line"][data-connection="ready"]').waitFor({ timeout: 20_000 })
      await page.locator('[data-testid="sync-status"][data-sync="online"]').waitFor({ timeout: 20_000 })
      const database = `userdb-${Buffer.from(user).toString('hex')}`
      const send = async (text: string) => {
        await page.bringToFront()
        await page.getByTestId('chat-input').fill(text)
        await page.getByTestId('chat-send').click()
      }
      const mark = (text: string) => page.locator('[data-testid="message"][data-sender="user"]').filter({ hasText: text }).getByTestId('delivery')

      // Offline: the message is shown pending, and the status line says what is left to send.
      const context = suite().browser.context
      await context.setOffline(true)
      try {
        await send('Where is my parcel?')
        await expect.poll(() => mark('Where is my parcel?').getAttribute('data-delivery'), { timeout: 10_000 }).toBe('pending')
        await expect.poll(() => page.getByTestId('sync-status').textContent(), { timeout: 10_000 }).toContain('1 to send')
      } finally {
        await context.setOffline(false)
      }
      // Online again (the browser's `online` event): delivered.
      await expect.poll(() => mark('Where is my parcel?').getAttribute('data-delivery'), { timeout: 20_000 }).toBe('sent')
      expect(messageTexts(await serverDocs(database))).toEqual(['Where is my parcel?'])

      // The server refuses a message: failed, with its reason; Retry once the rule is gone.
      const rules = `${server!.url}/${database}/_design/rules`
      const put = await fetch(rules, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ validate_doc_update: 'function (doc) { if (doc.message && doc.message.content === "spam") throw({ forbidden: "no spam" }) }' }),
      })
      expect(put.ok).toBe(true)
      await send('spam')
      await expect.poll(() => mark('spam').getAttribute('data-delivery'), { timeout: 20_000 }).toBe('failed')
      expect(await mark('spam').textContent()).toContain('forbidden: no spam')
      const { _rev } = (await (await fetch(rules)).json()) as { _rev: string }
      await fetch(`${rules}?rev=${_rev}`, { method: 'DELETE' })
      await mark('spam').getByRole('button', { name: 'Retry' }).click()
      await expect.poll(() => mark('spam').getAttribute('data-delivery'), { timeout: 20_000 }).toBe('sent')
      expect(messageTexts(await serverDocs(database))).toEqual(['Where is my parcel?', 'spam'])
      const outbox = await page.evaluate(() => (window as unknown as DemoWindow).companionChat.outbox$.value.length)
      expect(outbox).toBe(0)
    },
    BROWSER_TEST_TIMEOUT,
  )
})
