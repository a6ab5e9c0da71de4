/**
 * One engine serving several connections over time, as a SharedWorker's engine serves the
 * tabs that come and go: a connection that arrives while the last one is leaving.
 */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { afterEach, describe, expect, test } from 'vitest'
import { createEngine, type Engine } from 'companion-chat/worker'
import { CHAT_CONFIG, PROTOCOL_VERSION, type Hello } from 'companion-chat'
import { uniqueName } from '../helpers/client.js'

const engines: Engine[] = []
afterEach(async () => {
  await Promise.all(engines.splice(0).map((engine) => engine.close()))
})

const hello = (databaseName: string): Hello => ({
  protocolVersion: PROTOCOL_VERSION,
  databaseName,
  config: { ...CHAT_CONFIG, autoCleanupInterval: 0 },
  requirePersistence: true,
})

const message = (id: string, content: string) => ({ id, content, sender: 'user' as const, timestamp: 1, type: 'text' as const })

describe('an engine shared by connections that come and go', () => {
  test('serves a connection that arrives while the last one disconnects', async () => {
    const engine = createEngine({ indexedDB: new IDBFactory(), IDBKeyRange, now: () => 1_000 })
    engines.push(engine)
    const databaseName = uniqueName('overlap')
    const first = engine.connection()
    expect((await first.connect(hello(databaseName), () => {})).ok).toBe(true)
    await first.execute([{ kind: 'sendMessage', commandId: 'c1', at: 1, thread: 'main', message: message('m1', 'kept') }])

    // The last connection leaves and a new one arrives before the leaving is done
    // (a tab's `close()` followed at once by a new client, or React StrictMode's remount).
    const leaving = first.disconnect()
    const second = engine.connection()
    const arriving = second.connect(hello(databaseName), () => {})
    expect(await leaving).toEqual({ ok: true, value: undefined })
    const welcome = await arriving
    expect(welcome).toMatchObject({ ok: true })
    if (!welcome.ok) return
    expect(welcome.value.snapshot.messages.map((row) => row.message.content)).toEqual(['kept'])

    // The engine keeps serving it: a write commits and the next snapshot has it.
    expect(await second.execute([{ kind: 'sendMessage', commandId: 'c2', at: 2, thread: 'main', message: message('m2', 'after') }])).toEqual({ ok: true, value: undefined })
    const snapshot = await second.snapshot()
    expect(snapshot.ok && snapshot.value.messages.map((row) => row.message.content)).toEqual(['kept', 'after'])
  })
})
