/**
 * The demo app (examples/demo) in real Chromium, driven through its UI: its production
 * build, served by `vite preview`, on the package's dist/.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import type { Page } from 'playwright-core'
import type { ChatClient } from 'companion-chat'
import {
  BROWSER_TEST_TIMEOUT,
  demoRoot,
  repoRoot,
  serveApp,
  uniqueDb,
  useBrowserSuite,
  type OpenOptions,
} from './harness.js'

/** What the 1,000-send test counts in the page. */
interface BurstStats {
  committed: number
  failed: string[]
  errors: string[]
  /** Ids of messages not sent by the user (assistant replies, suggestions), in order of appearance. */
  others: string[]
}

/** What the demo puts on `window` (declared in its main.tsx; repeated so this file stands alone), and what the tests add. */
type DemoWindow = Window & { companionChat: ChatClient; longTasks?: number[]; burst?: BurstStats; quietSince?: number | undefined }

// The demo builds with its own vite.config.ts.
const suite = useBrowserSuite('demo', () => serveApp(demoRoot))

/** Opens the demo on `db` and waits until the status line says it is connected to IndexedDB. */
async function openDemo(db: string, host: 'worker' | 'shared-worker' = 'worker', options: OpenOptions = {}): Promise<Page> {
  const url = new URL(suite().app.url)
  url.searchParams.set('db', db)
  url.searchParams.set('host', host)
  const { page } = await suite().browser.open(url.href, options)
  await waitConnected(page)
  return page
}

async function waitConnected(page: Page): Promise<void> {
  await page.locator('[data-testid="status-line"][data-connection="ready"]').waitFor({ timeout: 20_000 })
  expect(await page.getByTestId('status-line').getAttribute('data-storage')).toBe('indexeddb')
}

/**
 * Types `text` into the chat input and sends it with the button. The tab comes to the front
 * first: Chromium throttles animation frames in background tabs, and every click waits for
 * the element to be stable over two frames (about 2 s per click in a background tab).
 */
async function send(page: Page, text: string): Promise<void> {
  await page.bringToFront()
  await page.getByTestId('chat-input').fill(text)
  await page.getByTestId('chat-send').click()
}

/** The user's messages shown in the main chat, in order. */
const shownUserMessages = (page: Page) =>
  page.locator('[data-testid="message"][data-sender="user"] .message-bubble').allTextContents()

/**
 * Waits (bounded) until the page's client is quiet for 300 ms: no write pending and the
 * assistant idle (the demo's assistant answers every user message, and its writes count).
 */
async function settled(page: Page, timeout = 20_000): Promise<void> {
  await page
    .waitForFunction(
      () => {
        const w = window as unknown as DemoWindow
        const client = w.companionChat
        const quiet = client.status$.value.pendingWrites === 0 && client.assistant$.value.state !== 'thinking' && client.assistant$.value.state !== 'streaming'
        if (!quiet) w.quietSince = undefined
        else w.quietSince ??= performance.now()
        return w.quietSince !== undefined && performance.now() - w.quietSince >= 300
      },
      undefined,
      { timeout, polling: 50 },
    )
    .catch(async (error: unknown) => {
      const status = await page.evaluate(() => {
        const client = (window as unknown as DemoWindow).companionChat
        const { error: failure, ...rest } = client.status$.value
        return { ...rest, error: failure && `${failure.code}: ${failure.message}`, assistant: client.assistant$.value.state }
      })
      throw new Error(`The client did not settle within ${timeout} ms; status$ and assistant$ show ${JSON.stringify(status)}`, { cause: error })
    })
}

describe('the demo', () => {
  test(
    'keeps messages, a ticket made from a message and its resolution across a reload',
    async () => {
      const page = await openDemo(uniqueDb('demo-flow'))
      const sent = ['My order 1234 has not arrived', 'It was due on Monday', 'Can you check the depot?'] as const
      for (const text of sent) await send(page, text)
      await expect.poll(() => shownUserMessages(page), { timeout: 10_000 }).toEqual(sent)

      // Make a ticket from the first message.
      const first = page.getByTestId('message').filter({ hasText: sent[0] }).first()
      const firstId = await first.getAttribute('data-message-id')
      await first.getByTestId('make-ticket').click()

      await page.getByTestId('view-tickets').click()
      const item = page.getByTestId('ticket-item')
      await expect.poll(() => item.count(), { timeout: 10_000 }).toBe(1)
      expect(await item.getAttribute('data-status')).toBe('open')
      const ticketId = await item.getAttribute('data-ticket-id')
      await item.click()
      const detail = page.getByTestId('ticket-detail')
      await detail.waitFor()
      await expect.poll(() => detail.textContent()).toContain(sent[0])

      // A reply, then the resolution with a summary.
      await page.getByTestId('ticket-reply-input').fill('Any news?')
      await page.getByTestId('ticket-reply-send').click()
      await expect.poll(() => detail.textContent(), { timeout: 10_000 }).toContain('Any news?')
      await page.getByTestId('resolve-summary').fill('Parcel found at the depot')
      await page.getByTestId('resolve-ticket').click()
      await page.locator(`[data-testid="ticket-item"][data-status="resolved"]`).waitFor({ timeout: 10_000 })
      await settled(page)

      await page.reload({ waitUntil: 'load' })
      await waitConnected(page)

      // The view and the selection survive too: the resolved ticket is on screen.
      const resolved = page.locator(`[data-testid="ticket-item"][data-ticket-id="${ticketId}"]`)
      await resolved.waitFor({ timeout: 10_000 })
      expect(await resolved.getAttribute('data-status')).toBe('resolved')
      await resolved.click()
      await expect.poll(() => page.getByTestId('ticket-detail').textContent()).toContain('Parcel found at the depot')
      const thread = await page.evaluate((id) => {
        const ticket = (window as unknown as DemoWindow).companionChat.getState().tickets.find((t) => t.id === id)
        return ticket && { status: ticket.status, summary: ticket.summary, messages: ticket.messages.map((m) => m.content) }
      }, ticketId)
      expect(thread).toEqual({ status: 'resolved', summary: 'Parcel found at the depot', messages: [sent[0], 'Any news?'] })

      await page.getByTestId('view-chat').click()
      await expect.poll(() => shownUserMessages(page), { timeout: 10_000 }).toEqual(sent)
      // The original message is linked to its ticket.
      const linked = await page.evaluate(
        (id) => (window as unknown as DemoWindow).companionChat.getState().mainChat.messages.find((m) => m.id === id)?.metadata,
        firstId,
      )
      expect(linked).toEqual({ ticketId })
    },
    BROWSER_TEST_TIMEOUT,
  )

  test(
    '"Open a ticket" on an answer becomes a link to the ticket once it is opened, also after a reload',
    async () => {
      const page = await openDemo(uniqueDb('demo-action-ticket'))
      await send(page, 'Where is my order?')
      const offer = page.getByTestId('message').filter({ has: page.getByRole('button', { name: 'Open a ticket' }) })
      await offer.waitFor({ timeout: 10_000 })
      const answer = page.locator(`[data-testid="message"][data-message-id="${await offer.getAttribute('data-message-id')}"]`)
      await answer.getByRole('button', { name: 'Open a ticket' }).click()
      const link = answer.getByTestId('action-ticket')
      await link.waitFor({ timeout: 10_000 })
      expect(await link.textContent()).toContain('Ticket opened: Where is my order?')
      expect(await answer.getByRole('button', { name: 'Open a ticket' }).count()).toBe(0)
      await settled(page)

      await page.reload({ waitUntil: 'load' })
      await waitConnected(page)
      await page.getByTestId('action-ticket').waitFor({ timeout: 10_000 })
      expect(await page.getByRole('button', { name: 'Open a ticket' }).count()).toBe(0)
      // The link leads to the ticket.
      await page.getByTestId('action-ticket').click()
      await expect.poll(() => page.getByTestId('ticket-detail').textContent(), { timeout: 10_000 }).toContain('Where is my order?')
      expect(await page.evaluate(() => (window as unknown as DemoWindow).companionChat.getState().tickets.length)).toBe(1)
    },
    BROWSER_TEST_TIMEOUT,
  )

  test(
    'commits 1,000 sends typed into the UI (and reports long tasks)',
    async () => {
      const page = await openDemo(uniqueDb('demo-burst'), 'worker', {
        beforeLoad: async (p) => {
          await p.addInitScript(() => {
            const tasks: number[] = ((window as unknown as DemoWindow).longTasks = [])
            new PerformanceObserver((list) => {
              for (const entry of list.getEntries()) tasks.push(entry.duration)
            }).observe({ type: 'longtask', buffered: true })
          })
        },
      })
      // Count what the UI's sends do: the demo calls `client.sendMainChatMessage` on the object it
      // put on window, so a wrapper sees every promise; and note every message not written by
      // the user (assistant replies and suggestions) as it appears, to account for totalMessages.
      await page.evaluate(() => {
        const w = window as unknown as DemoWindow
        const client = w.companionChat
        const burst: BurstStats = (w.burst = { committed: 0, failed: [], errors: [], others: [] })
        const others = new Set<string>()
        const send = client.sendMainChatMessage
        ;(client as { sendMainChatMessage: ChatClient['sendMainChatMessage'] }).sendMainChatMessage = (content, options) => {
          const promise = send(content, options)
          promise.then(
            () => void burst.committed++,
            (error: unknown) => void burst.failed.push(String(error)),
          )
          return promise
        }
        client.errors$.subscribe((error) => void burst.errors.push(`${error.code}: ${error.message}`))
        client.onStateChange(() => {
          for (const message of client.getState().mainChat.messages) {
            if (message.sender !== 'user' && !others.has(message.id)) {
              others.add(message.id)
              burst.others.push(message.id)
            }
          }
        })
      })
      const COUNT = 1_000
      const input = page.getByTestId('chat-input')
      const startedAt = Date.now()
      // Each send as a user who pastes and presses Enter: the text, then Enter down and up, as real
      // input events to the focused textarea, as page.keyboard.insertText and press('Enter') send
      // them. The three go out together and are awaited once: one round trip to the renderer per
      // send, not three (each waits for the page's main thread).
      await input.focus()
      const cdp = await page.context().newCDPSession(page)
      const enter = { key: 'Enter', code: 'Enter', windowsVirtualKeyCode: 13, nativeVirtualKeyCode: 13 }
      for (let i = 1; i <= COUNT; i++) {
        await Promise.all([
          cdp.send('Input.insertText', { text: `burst message ${i}` }),
          cdp.send('Input.dispatchKeyEvent', { type: 'keyDown', ...enter, text: '\r', unmodifiedText: '\r' }),
          cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', ...enter }),
        ])
      }
      await cdp.detach()
      const typedMs = Date.now() - startedAt
      expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('chat-input')
      const longTasksTyping = await page.evaluate(() => [...((window as unknown as DemoWindow).longTasks ?? [])])

      // Every send committed (its promise resolved), none failed.
      await page.waitForFunction((count) => (window as unknown as DemoWindow).burst!.committed >= count, COUNT, {
        timeout: 60_000,
        polling: 100,
      })
      const afterTyping = await page.evaluate(() => {
        const w = window as unknown as DemoWindow
        const messages = w.companionChat.getState().mainChat.messages
        return {
          burst: w.burst!,
          kept: messages.length,
          lastUser: messages.filter((m) => m.sender === 'user').at(-1)?.content,
          lastBubble: [...document.querySelectorAll('[data-testid="message"][data-sender="user"] .message-bubble')].at(-1)?.textContent,
        }
      })
      expect(afterTyping.burst).toMatchObject({ committed: COUNT, failed: [], errors: [] })
      // The main chat keeps the newest 100: the newest user message is the last one typed, and shown.
      expect(afterTyping.kept).toBe(100)
      expect(afterTyping.lastUser).toBe(`burst message ${COUNT}`)
      expect(afterTyping.lastBubble).toBe(`burst message ${COUNT}`)

      // The demo's assistant answers every message, one at a time: wait for it to finish (bounded).
      const backlogStarted = Date.now()
      await settled(page, 240_000)
      const backlogMs = Date.now() - backlogStarted
      const done = await page.evaluate(() => {
        const w = window as unknown as DemoWindow
        const state = w.companionChat.getState()
        return { burst: w.burst!, totalMessages: state.analytics.totalMessages, longTasks: w.longTasks ?? [] }
      })
      const figure = (tasks: readonly number[]) =>
        `${tasks.length} long tasks, ${Math.round(tasks.reduce((sum, ms) => sum + ms, 0))} ms in total, longest ${Math.round(Math.max(0, ...tasks))} ms`
      console.log(
        `demo: ${COUNT} UI sends typed in ${(typedMs / 1000).toFixed(1)} s (${figure(longTasksTyping)}); ` +
          `the assistant's backlog took ${(backlogMs / 1000).toFixed(1)} s more; whole run: ${figure(done.longTasks)}; ` +
          `${done.burst.others.length} assistant messages`,
      )
      expect(done.burst).toMatchObject({ committed: COUNT, failed: [], errors: [] })
      // The lifetime counter has every message ever written: the 1,000 sends and the assistant's.
      expect(done.totalMessages).toBe(COUNT + done.burst.others.length)

      // And it is stored, not only shown.
      await page.reload({ waitUntil: 'load' })
      await waitConnected(page)
      const persisted = await page.evaluate(() => (window as unknown as DemoWindow).companionChat.getState().analytics.totalMessages)
      expect(persisted).toBe(done.totalMessages)
    },
    420_000,
  )

  test(
    'looks like a chat panel after a short conversation (screenshot)',
    async () => {
      const page = await openDemo(uniqueDb('demo-shot'))
      // The demo's own (offline, rule-based) assistant answers each message.
      await send(page, "Hi! I'm looking for a gaming laptop under $1500")
      await settled(page)
      await send(page, 'Something light with a long battery life, please')
      await settled(page)
      await expect.poll(() => page.locator('[data-testid="message"][data-sender="assistant"]').count(), { timeout: 10_000 }).toBeGreaterThan(0)
      await page.waitForTimeout(300) // let transitions finish
      const folder = join(repoRoot, 'test-results')
      await mkdir(folder, { recursive: true })
      const path = join(folder, 'demo-panel.png')
      await page.screenshot({ path, fullPage: true })
      expect(await page.getByTestId('status-line').getAttribute('data-connection')).toBe('ready')
    },
    BROWSER_TEST_TIMEOUT,
  )

  test(
    'attaches a photo and records a voice message in the panel; both show, play, and stay after a reload (screenshot)',
    async () => {
      const page = await openDemo(uniqueDb('demo-attach'))
      // A real PNG, drawn by the page: a parcel-brown box with a label.
      const png = await page.evaluate(async () => {
        const canvas = new OffscreenCanvas(320, 200)
        const context = canvas.getContext('2d')!
        context.fillStyle = '#c8a26b'
        context.fillRect(0, 0, 320, 200)
        context.fillStyle = '#fff'
        context.fillRect(90, 70, 140, 60)
        context.fillStyle = '#333'
        context.font = '20px sans-serif'
        context.fillText('FRAGILE', 118, 108)
        const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer())
        return btoa(String.fromCharCode(...bytes))
      })
      await page.bringToFront()
      await page.getByTestId('attach-input').setInputFiles({ name: 'parcel.png', mimeType: 'image/png', buffer: Buffer.from(png, 'base64') })
      await expect.poll(() => page.getByTestId('chosen-files').textContent()).toContain('parcel.png')
      await page.getByTestId('chat-input').fill('The parcel arrived like this')
      await page.getByTestId('chat-send').click()
      const image = page.locator('[data-testid="message"][data-sender="user"] [data-testid="attachment-image"]')
      await image.waitFor({ timeout: 10_000 })
      await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 10_000 }).toBe(320)

      // Chromium's fake microphone (--use-fake-device-for-media-stream) plays a beep.
      await page.getByTestId('record').click()
      await expect.poll(() => page.getByTestId('record').getAttribute('aria-pressed')).toBe('true')
      await page.waitForTimeout(1200)
      await page.getByTestId('record').click()
      const voice = page.locator('[data-testid="message"][data-sender="user"] [data-testid="attachment-voice"] audio')
      await voice.waitFor({ timeout: 10_000 })
      await expect.poll(() => voice.evaluate((audio: HTMLAudioElement) => audio.readyState >= 1), { timeout: 10_000 }).toBe(true)
      await settled(page)
      const shown = await page.evaluate(() =>
        (window as unknown as DemoWindow).companionChat
          .getState()
          .mainChat.messages.filter((m) => m.attachments)
          .map((m) => m.attachments!.map((a) => ({ name: a.name, type: a.type.split(';')[0], width: a.width, duration: a.duration !== undefined && a.duration > 500 }))),
      )
      expect(shown).toEqual([[{ name: 'parcel.png', type: 'image/png', width: 320, duration: false }], [{ name: 'voice-message.webm', type: 'audio/webm', width: undefined, duration: true }]])
      await page.waitForTimeout(300)
      const folder = join(repoRoot, 'test-results')
      await mkdir(folder, { recursive: true })
      await page.screenshot({ path: join(folder, 'demo-attachments.png'), fullPage: true })

      await page.reload({ waitUntil: 'load' })
      await waitConnected(page)
      await image.waitFor({ timeout: 10_000 })
      await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 10_000 }).toBe(320)
      await voice.waitFor({ timeout: 10_000 })
    },
    BROWSER_TEST_TIMEOUT,
  )

  test(
    'every user message gets its assistant reply slot, also when the page reloaded while replies were queued',
    async () => {
      // README, "The assistant": every user message sent with sendMainChatMessage gets a reply;
      // a client answers them one after another. A reload mid-queue must not drop the rest:
      // each committed user message ends with a reply slot (done, or interrupted/waiting/error
      // with its actions), never with nothing at all.
      const page = await openDemo(uniqueDb('demo-queued'))
      const sent = await page.evaluate(async () => {
        const client = (window as unknown as DemoWindow).companionChat
        const contents = Array.from({ length: 20 }, (_, i) => `Do you have a laptop under $${1000 + i * 50}?`)
        await Promise.all(contents.map((content) => client.sendMainChatMessage(content)))
        return contents
      })
      await page.reload({ waitUntil: 'load' })
      await waitConnected(page)
      await settled(page, 30_000)
      const slots = await page.evaluate(() => {
        const messages = (window as unknown as DemoWindow).companionChat.getState().mainChat.messages
        return messages
          .filter((m) => m.sender === 'user')
          .map((user) => {
            const reply = messages.find((m) => m.id === `reply:${user.id}`)
            const status = (reply?.metadata as { reply?: { status?: string } } | undefined)?.reply?.status
            return [user.content, reply ? (status ?? 'slot') : 'no reply'] as const
          })
      })
      expect(slots.map(([content]) => content)).toEqual(sent)
      expect(slots.filter(([, status]) => status !== 'no reply').length, 'the demo should have an assistant').toBeGreaterThan(0)
      expect(slots.filter(([, status]) => status === 'no reply')).toEqual([])
    },
    BROWSER_TEST_TIMEOUT,
  )

  test.each(['worker', 'shared-worker'] as const)(
    '"clear all my data" in one tab empties both tabs (host %s)',
    async (host) => {
      const db = uniqueDb('demo-clear')
      const a = await openDemo(db, host)
      const b = await openDemo(db, host)
      await send(a, 'my address is 1 Main Street')
      await expect.poll(() => shownUserMessages(b), { timeout: 10_000 }).toEqual(['my address is 1 Main Street'])
      await send(b, 'and my phone is 555-0100')
      await a.bringToFront()
      await a.getByTestId('message').filter({ hasText: 'my address' }).getByTestId('make-ticket').click()
      for (const page of [a, b]) {
        await expect.poll(() => shownUserMessages(page), { timeout: 10_000 }).toEqual(['my address is 1 Main Street', 'and my phone is 555-0100'])
      }
      await settled(a)

      await a.getByTestId('clear-all-data').click()
      await a.getByTestId('confirm-clear').click()

      for (const page of [a, b]) {
        await expect.poll(() => page.getByTestId('message').count(), { timeout: 10_000 }).toBe(0)
        await page.waitForFunction(
          () => {
            const state = (window as unknown as DemoWindow).companionChat.getState()
            return state.mainChat.messages.length === 0 && state.tickets.length === 0 && state.analytics.totalMessages === 0
          },
          undefined,
          { timeout: 10_000, polling: 50 },
        )
      }
      await settled(a)
      expect(await a.evaluate(async () => (await indexedDB.databases()).map((d) => d.name))).not.toContain(db)
      // The ticket list is empty too (switching the view writes again, so this comes after the database check).
      await b.bringToFront()
      await b.getByTestId('view-tickets').click()
      for (const page of [a, b]) {
        await page.getByTestId('ticket-list').waitFor({ timeout: 10_000 })
        expect(await page.getByTestId('ticket-item').count()).toBe(0)
      }
    },
    BROWSER_TEST_TIMEOUT,
  )
})
