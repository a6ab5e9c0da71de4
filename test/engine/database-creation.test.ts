/**
 * The engine creates its database with the first write, not on connect: a first visit, and
 * a visit after `clearAllData`, leave no database behind until something is written.
 */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { createEngine, type Engine } from 'companion-chat/worker'
import { CHAT_CONFIG, PROTOCOL_VERSION, type Command, type EngineApi, type Patch, type Snapshot } from 'companion-chat'
import { uniqueName } from '../helpers/client.js'

const engines: Engine[] = []
afterEach(async () => {
  await Promise.all(engines.splice(0).map((engine) => engine.close()))
})

/** One tab: its own engine on the device's IndexedDB, with a connection. */
async function connect(indexedDB: IDBFactory, databaseName: string, config = { ...CHAT_CONFIG, autoCleanupInterval: 0 }) {
  const engine = createEngine({ indexedDB, IDBKeyRange, now: () => 1_000 })
  engines.push(engine)
  const api: EngineApi = engine.connection()
  const patches: Patch[] = []
  const welcome = await api.connect({ protocolVersion: PROTOCOL_VERSION, databaseName, config, requirePersistence: true }, (patch) => patches.push(patch))
  if (!welcome.ok) throw new Error(welcome.error.message)
  return { engine, api, patches, welcome: welcome.value }
}

const exists = async (indexedDB: IDBFactory, name: string) => (await indexedDB.databases()).some((info) => info.name === name)

async function snapshotOf(api: EngineApi): Promise<Snapshot> {
  const result = await api.snapshot()
  if (!result.ok) throw new Error(result.error.message)
  return result.value
}

const send = (id: string, content: string): Command => ({
  kind: 'sendMessage',
  commandId: `c-${id}`,
  at: 1,
  thread: 'main',
  message: { id, content, sender: 'user', timestamp: 1, type: 'text' },
})

const contents = (snapshot: Snapshot) => snapshot.messages.map((row) => row.message.content)

describe('database creation', () => {
  test('connecting to a database that does not exist serves an empty state and creates nothing; the first write creates it', async () => {
    const indexedDB = new IDBFactory()
    const name = uniqueName('lazy')
    const { api, welcome } = await connect(indexedDB, name, { ...CHAT_CONFIG, autoCleanupInterval: 60_000 }) // cleanup runs at connect too
    expect(welcome.storage).toBe('indexeddb')
    expect(welcome.snapshot.messages).toEqual([])
    expect(welcome.snapshot.analytics.totalMessages).toBe(0)
    expect(await snapshotOf(api)).toMatchObject({ messages: [], tickets: [] })
    const cleanup = await api.runCleanup(2_000)
    expect(cleanup.ok && cleanup.value.report).toEqual({ removedTicketIds: [], removedMessages: 0 })
    expect(await exists(indexedDB, name)).toBe(false)

    await api.execute([send('m1', 'first words')])
    expect(await exists(indexedDB, name)).toBe(true)
    expect(contents(await snapshotOf(api))).toEqual(['first words'])
  })

  test('after clearAllData and a reload, the database exists again only once something is written', async () => {
    const indexedDB = new IDBFactory()
    const name = uniqueName('cleared')
    const first = await connect(indexedDB, name)
    await first.api.execute([send('m1', 'my address is 1 Main Street')])
    expect(await exists(indexedDB, name)).toBe(true)
    const cleared = await first.api.clearAllData()
    expect(cleared.ok).toBe(true)
    expect(await exists(indexedDB, name)).toBe(false)
    // Reading after the clear creates nothing either.
    expect(contents(await snapshotOf(first.api))).toEqual([])
    expect(await exists(indexedDB, name)).toBe(false)
    await first.engine.close()

    const reloaded = await connect(indexedDB, name) // the page reloaded: a new engine
    expect(reloaded.welcome.snapshot.messages).toEqual([])
    expect(await exists(indexedDB, name)).toBe(false)
    await reloaded.api.execute([send('m2', 'hello again')])
    expect(await exists(indexedDB, name)).toBe(true)
    expect(contents(await snapshotOf(reloaded.api))).toEqual(['hello again'])
  })

  test('clearAllData before anything was written empties the clients and leaves no database', async () => {
    const indexedDB = new IDBFactory()
    const name = uniqueName('clear-empty')
    const { api, patches } = await connect(indexedDB, name)
    const cleared = await api.clearAllData()
    expect(cleared.ok).toBe(true)
    expect(patches.at(-1)?.changes).toEqual([{ type: 'reset' }])
    expect(await exists(indexedDB, name)).toBe(false)
  })

  test('a tab that found no database sees what another tab writes, and neither tab brings it back after a clear', async () => {
    const indexedDB = new IDBFactory()
    const name = uniqueName('tabs')
    const a = await connect(indexedDB, name)
    const b = await connect(indexedDB, name)
    expect(await exists(indexedDB, name)).toBe(false)

    await b.api.execute([send('m1', 'written in tab b')])
    const messagesSeenBy = (patches: Patch[]) => patches.flatMap((p) => p.changes).filter((c) => c.type === 'message')
    await vi.waitFor(() => expect(messagesSeenBy(a.patches)).toHaveLength(1))
    expect(contents(await snapshotOf(a.api))).toEqual(['written in tab b'])
    await a.api.execute([send('m2', 'and in tab a')])
    expect(contents(await snapshotOf(b.api))).toEqual(['written in tab b', 'and in tab a'])

    expect((await a.api.clearAllData()).ok).toBe(true)
    await vi.waitFor(() => expect(b.patches.at(-1)?.changes).toEqual([{ type: 'reset' }]))
    // Tab b reads again (as a client does after a reset) and runs its cleanup: nothing is created.
    expect(contents(await snapshotOf(b.api))).toEqual([])
    expect((await b.api.runCleanup(2_000)).ok).toBe(true)
    expect(contents(await snapshotOf(a.api))).toEqual([])
    expect(await exists(indexedDB, name)).toBe(false)

    // The next write, in either tab, creates it again, and the other tab sees it.
    await b.api.execute([send('m3', 'after the clear')])
    expect(await exists(indexedDB, name)).toBe(true)
    await vi.waitFor(async () => expect(contents(await snapshotOf(a.api))).toEqual(['after the clear']))
  })

  test('a database that exists is opened at connect, with its data', async () => {
    const indexedDB = new IDBFactory()
    const name = uniqueName('existing')
    const first = await connect(indexedDB, name)
    await first.api.execute([send('m1', 'kept')])
    await first.engine.close()
    const again = await connect(indexedDB, name)
    expect(contents(again.welcome.snapshot)).toEqual(['kept'])
  })

  test('a database another tab deletes between the check that it exists and the open is not made again by a read', async () => {
    const indexedDB = new IDBFactory()
    const name = uniqueName('deleted-meanwhile')
    const writer = await connect(indexedDB, name)
    await writer.api.execute([send('m1', 'my address is 1 Main Street')])
    await writer.engine.close()
    // Another tab's clearAllData lands just after this engine saw the database listed.
    let deleteAfterListing = true
    const racing = {
      open: (...args: Parameters<IDBFactory['open']>) => indexedDB.open(...args),
      deleteDatabase: (...args: Parameters<IDBFactory['deleteDatabase']>) => indexedDB.deleteDatabase(...args),
      cmp: (a: unknown, b: unknown) => indexedDB.cmp(a, b),
      async databases() {
        const listed = await indexedDB.databases()
        if (deleteAfterListing) {
          deleteAfterListing = false
          await new Promise((resolve, reject) => {
            const request = indexedDB.deleteDatabase(name)
            request.onsuccess = resolve
            request.onerror = () => reject(request.error)
          })
        }
        return listed
      },
    } as unknown as IDBFactory
    const reader = await connect(racing, name)
    expect(deleteAfterListing).toBe(false) // the race happened
    expect(reader.welcome.snapshot.messages).toEqual([])
    expect(await exists(indexedDB, name)).toBe(false)
    await reader.api.execute([send('m2', 'hello again')]) // a write still makes it
    expect(contents(await snapshotOf(reader.api))).toEqual(['hello again'])
    expect(await exists(indexedDB, name)).toBe(true)
  })
})
