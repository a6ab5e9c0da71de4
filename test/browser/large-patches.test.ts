/**
 * Thousands of commands fired together in real Chromium, through the worker as an app loads it:
 * their commit arrives in parts (structured clone), goes into the state in slices on
 * `scheduler.postTask`, and the commands settle over several tasks, the tickets shown staying
 * the objects they were.
 */
import { describe, expect, test } from 'vitest'
import { BROWSER_TEST_TIMEOUT, fixtureRoot, fixtureUrl, serveApp, uniqueDb, useBrowserSuite } from './harness.js'

const suite = useBrowserSuite('large-patches', () => serveApp(fixtureRoot, { configFile: false }))

describe.each(['worker', 'shared-worker'] as const)('with host %s', (host) => {
  test(
    '2,500 tickets created and resolved at once: every one committed and shown, the promises settled over several tasks, the shown objects kept',
    async () => {
      const { page } = await suite().browser.open(fixtureUrl(suite().app.url, uniqueDb(`large-${host}`), host))
      await page.evaluate(() => window.ready)
      const outcome = await page.evaluate(async () => {
        const chat = window.chat
        const n = 2_500
        // A task that runs again and again while the page is free (a message to itself, which no
        // timer clamp holds back): settlements seen at different ticks came in different tasks.
        let ticks = 0
        let running = true
        const channel = new MessageChannel()
        channel.port1.onmessage = () => {
          ticks++
          if (running) channel.port2.postMessage(null)
        }
        channel.port2.postMessage(null)
        const ids = Array.from({ length: n }, (_, i) => chat.createTicket('support', `Ticket ${i}`))
        const resolved = ids.map((id) => chat.resolveTicket(id))
        const shown = chat.getState().tickets
        const settledAt = await Promise.all(resolved.map((promise) => promise.then(() => ticks)))
        running = false
        const tickets = chat.getState().tickets
        return {
          shownResolved: shown.filter((ticket) => ticket.status === 'resolved').length,
          distinctTicks: new Set(settledAt).size,
          inOrder: settledAt.every((at, i) => i === 0 || at >= settledAt[i - 1]!),
          sameObjects: tickets === shown,
          titles: tickets.map((ticket) => ticket.title).join('|') === ids.map((_, i) => `Ticket ${i}`).join('|'),
          pending: chat.status$.value.pendingWrites,
        }
      })
      expect(outcome).toEqual({ shownResolved: 2_500, distinctTicks: expect.any(Number), inOrder: true, sameObjects: true, titles: true, pending: 0 })
      expect(outcome.distinctTicks).toBeGreaterThan(1)
      // A reload reads the same from the database.
      await page.reload({ waitUntil: 'load' })
      await page.evaluate(() => window.ready)
      const stored = await page.evaluate(() => window.chat.getState().tickets.filter((ticket) => ticket.status === 'resolved').length)
      expect(stored).toBe(2_500)
    },
    BROWSER_TEST_TIMEOUT,
  )
})
