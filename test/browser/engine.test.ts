/**
 * The engine itself on Chromium's IndexedDB: a batch's writes are native requests
 * (worker/place-writes.ts), and one that fails must roll the whole batch back, which then
 * runs again, checked.
 */
import { expect, test } from 'vitest'
import { BROWSER_TEST_TIMEOUT, fixtureRoot, fixtureUrl, serveApp, uniqueDb, useBrowserSuite } from './harness.js'

const suite = useBrowserSuite('engine', () => serveApp(fixtureRoot, { configFile: false }))

test(
  'a batch whose message exists already commits nothing of its first try, then runs checked: every message once, counted once',
  async () => {
    const db = uniqueDb('engine-retry')
    const { page } = await suite().browser.open(fixtureUrl(suite().app.url, db, 'worker', { manual: '1' }))
    const outcome = await page.evaluate(async (databaseName) => {
      const { createEngine } = await window.loadEngine()
      const engine = createEngine({ now: () => 1_000 })
      const api = engine.connection()
      const done: string[][] = []
      const refused: string[] = []
      const hello = { protocolVersion: window.sdk.PROTOCOL_VERSION, databaseName, config: { ...window.sdk.CHAT_CONFIG, autoCleanupInterval: 0 }, requirePersistence: true }
      const welcome = await api.connect(hello, (patch) => {
        done.push([...patch.done])
        refused.push(...patch.refused.map((outcome) => outcome.commandId))
      })
      if (!welcome.ok) throw new Error(welcome.error.message)
      const message = (id: string, content: string) => ({ id, content, sender: 'user' as const, timestamp: 1, type: 'text' as const })
      const first = { kind: 'sendMessage' as const, commandId: 'a', at: 1, thread: 'main', message: message('m1', 'one') }
      const batch = { kind: 'sendMessages' as const, commandId: 'b', at: 2, thread: 'main', messages: [message('m2', 'two'), message('m3', 'three')] }
      await api.execute([first])
      // The engine knows every row now: it takes m1 for new, and its add fails after the others were placed.
      await api.execute([first, batch])
      const snapshot = await api.snapshot()
      await engine.close()
      if (!snapshot.ok) throw new Error(snapshot.error.message)
      return {
        messages: snapshot.value.messages.map((row) => [row.message.id, row.seq]),
        totalMessages: snapshot.value.analytics.totalMessages,
        done,
        refused,
      }
    }, db)
    expect(outcome).toEqual({ messages: [['m1', 1], ['m2', 2], ['m3', 3]], totalMessages: 3, done: [['a'], ['a', 'b']], refused: [] })
  },
  BROWSER_TEST_TIMEOUT,
)
