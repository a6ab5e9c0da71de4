/**
 * The engine's sync jobs on their own: which server versions of a ticket it applies (by
 * revision), and that a database cleared since sync began takes no pulled batch.
 */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { afterEach, expect, test } from 'vitest'
import { createEngine, type Engine } from 'companion-chat/worker'
import { CHAT_CONFIG, PROTOCOL_VERSION, type EngineApi, type Patch, type Result, type TicketFields } from 'companion-chat'
import { uniqueName } from '../helpers/client.js'
import { heldAnnouncements } from '../helpers/held-announcements.js'

const engines: Engine[] = []
afterEach(async () => {
  await Promise.all(engines.splice(0).map((engine) => engine.close()))
})

async function connect(indexedDB = new IDBFactory(), databaseName = uniqueName('sync-jobs')) {
  const engine = createEngine({ indexedDB, IDBKeyRange, now: () => 1_000 })
  engines.push(engine)
  const api: EngineApi = engine.connection()
  const hello = { protocolVersion: PROTOCOL_VERSION, databaseName, config: { ...CHAT_CONFIG, autoCleanupInterval: 0 }, requirePersistence: true }
  const patches: Patch[] = []
  const welcome = await api.connect(hello, (patch) => patches.push(patch))
  if (!welcome.ok) throw new Error(welcome.error.message)
  return { api, indexedDB, databaseName, patches }
}

function value<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`${result.error.name}: ${result.error.message}`)
  return result.value
}

const ticket = (fields: Partial<TicketFields> = {}): TicketFields => ({
  id: 't1',
  type: 'support',
  title: 'Broken zipper',
  status: 'open',
  priority: 'medium',
  context: {},
  createdAt: 1_000,
  updatedAt: 1_000,
  ...fields,
})

async function priority(api: EngineApi): Promise<string | undefined> {
  return value(await api.snapshot()).tickets.find((t) => t.id === 't1')?.priority
}

test('a pulled ticket older than the stored revision is not applied; the same or a newer one is', async () => {
  const { api } = await connect()
  const { replica } = value(await api.beginSync('r1'))!
  const pull = (t: TicketFields, revision: string | undefined, checkpoint: string) =>
    api.applyRemote({ changes: [{ kind: 'ticket', ticket: t, ...(revision !== undefined ? { revision } : {}) }], checkpoint, replica, at: 2_000 })
  expect(value(await pull(ticket({ priority: 'high' }), '3-aaa', '1'))).toMatchObject({ refused: [], cleared: false })
  expect(await priority(api)).toBe('high')
  await pull(ticket({ priority: 'low' }), '2-fff', '2') // an older generation
  expect(await priority(api)).toBe('high')
  await pull(ticket({ priority: 'low' }), '3-000', '3') // the same generation, losing to the stored one as in CouchDB
  expect(await priority(api)).toBe('high')
  await pull(ticket({ priority: 'urgent' }), '3-aaa', '4') // the same revision
  expect(await priority(api)).toBe('urgent')
  await pull(ticket({ priority: 'low' }), '10-000', '5') // newer (10 > 3, not as strings)
  expect(await priority(api)).toBe('low')
  await pull(ticket({ priority: 'high' }), undefined, '6') // no revision: applied
  expect(await priority(api)).toBe('high')
  expect(value(await api.beginSync('r2'))).toEqual({ replica: 'r1', checkpoint: '6' }) // the first id stays
})

test('the merged version a push stored is not replaced by an older pulled one; a newer pulled one replaces it', async () => {
  const { api } = await connect()
  const { replica } = value(await api.beginSync('r1'))!
  value(await api.execute([{ kind: 'createTicket', ticketId: 't1', ticketType: 'support', title: 'Broken zipper', commandId: 'c1', at: 1_000, sync: true }]))
  value(await api.execute([{ kind: 'updateTicketPriority', ticketId: 't1', priority: 'high', commandId: 'c2', at: 1_500, sync: true }]))
  const entries = value(await api.readOutbox(10))
  expect(entries).toHaveLength(2)
  const created = value(await api.snapshot()).tickets.find((t) => t.id === 't1')!
  const merged: TicketFields = { ...ticket({ createdAt: created.createdAt }), status: 'in-progress', priority: 'high', updatedAt: 2_000 }
  value(await api.settleDelivery(entries.map((entry) => ({ id: entry.id, state: 'sent' as const, ticket: merged, revision: '3-c' }))))
  expect(await priority(api)).toBe('high')
  // The agent's version the push merged with (revision 2), pulled only now.
  await api.applyRemote({ changes: [{ kind: 'ticket', ticket: { ...merged, priority: 'medium' }, revision: '2-b' }], checkpoint: '1', replica, at: 2_000 })
  expect(await priority(api)).toBe('high')
  await api.applyRemote({ changes: [{ kind: 'ticket', ticket: { ...merged, priority: 'urgent' }, revision: '4-d' }], checkpoint: '2', replica, at: 2_000 })
  expect(await priority(api)).toBe('urgent')
  // And a push's answer older than a version pulled meanwhile does not replace it.
  value(await api.execute([{ kind: 'updateTicketStatus', ticketId: 't1', status: 'resolved', commandId: 'c3', at: 2_500, sync: true }]))
  const [late] = value(await api.readOutbox(10))
  value(await api.applyRemote({ changes: [{ kind: 'ticket', ticket: { ...merged, status: 'closed', priority: 'low' }, revision: '6-f' }], checkpoint: '3', replica, at: 3_000 }))
  value(await api.settleDelivery([{ id: late!.id, state: 'sent', ticket: { ...merged, status: 'resolved', priority: 'urgent' }, revision: '5-e' }]))
  expect(value(await api.snapshot()).tickets.find((t) => t.id === 't1')).toMatchObject({ status: 'closed', priority: 'low' })
  expect(value(await api.readOutbox(10))).toEqual([])
})

test('a revision that is not <generation>-<rest> is refused with a ValidationError, the rest of the batch applies', async () => {
  const { api } = await connect()
  const { replica } = value(await api.beginSync('r1'))!
  const applied = value(
    await api.applyRemote({
      changes: [
        { kind: 'ticket', ticket: ticket({ id: 't2' }), revision: 'abc' },
        { kind: 'ticket', ticket: ticket(), revision: '1-a' },
      ],
      checkpoint: '1',
      replica,
      at: 2_000,
    }),
  )
  expect(applied.refused).toEqual([{ index: 0, error: expect.objectContaining({ name: 'ValidationError', code: 'validation' }) }])
  expect(value(await api.snapshot()).tickets.map((t) => t.id)).toEqual(['t1'])
  const bad = await api.settleDelivery([{ id: 'x', state: 'sent', ticket: ticket(), revision: 7 as unknown as string }])
  expect(bad).toMatchObject({ ok: false, error: { name: 'ValidationError', code: 'validation' } })
})

test('a batch pulled for a database cleared since sync began is dropped, and the database is not made again', async () => {
  const { api, indexedDB, databaseName } = await connect()
  const { replica } = value(await api.beginSync('r1'))!
  value(await api.clearAllData())
  const applied = value(await api.applyRemote({ changes: [{ kind: 'ticket', ticket: ticket() }], checkpoint: '1', replica, at: 2_000 }))
  expect(applied).toMatchObject({ cleared: true, refused: [] })
  expect((await indexedDB.databases()).map((db) => db.name)).not.toContain(databaseName)
  expect(value(await api.snapshot()).tickets).toEqual([])
  // Another tab wrote after the clear and made the database again: still not the one sync began on.
  const other = await connect(indexedDB, databaseName)
  value(await other.api.execute([{ kind: 'setTyping', isTyping: true, commandId: 'c1', at: 3_000 }]))
  expect(value(await api.applyRemote({ changes: [{ kind: 'ticket', ticket: ticket() }], checkpoint: '1', replica, at: 2_000 }))).toMatchObject({ cleared: true })
  expect(value(await other.api.snapshot()).tickets).toEqual([])
})

test('sync does not begin on a connection that saw the database cleared since it connected; a new connection begins anew', async () => {
  const indexedDB = new IDBFactory()
  const databaseName = uniqueName('sync-begin')
  const { api, patches } = await connect(indexedDB, databaseName)
  const other = await connect(indexedDB, databaseName)
  value(await other.api.execute([{ kind: 'setTyping', isTyping: true, commandId: 'c1', at: 1_000 }]))
  value(await other.api.clearAllData())
  // This engine hears of the other one's clear over the channel (its client may not have yet): its connection does not begin.
  await expect.poll(() => patches.some((patch) => patch.changes.some((change) => change.type === 'reset')), { timeout: 10_000, interval: 5 }).toBe(true)
  expect(value(await api.beginSync('r1'))).toBeNull()
  expect((await indexedDB.databases()).map((db) => db.name)).not.toContain(databaseName)
  expect(value(await other.api.beginSync('r2'))).toBeNull() // the clearing connection neither
  const fresh = await connect(indexedDB, databaseName)
  expect(value(await fresh.api.beginSync('r3'))).toEqual({ replica: 'r3', checkpoint: null })
})

test("sync does not begin on a connection whose engine had the database open when another tab's clearAllData deleted it, before the clear is announced", async () => {
  const indexedDB = new IDBFactory()
  const databaseName = uniqueName('sync-begin')
  const other = await connect(indexedDB, databaseName)
  value(await other.api.execute([{ kind: 'setTyping', isTyping: true, commandId: 'c1', at: 1_000 }]))
  // This engine opens the database that exists; it hears of the other one's clear only once released.
  const announcements = heldAnnouncements()
  announcements.install()
  const standing = await connect(indexedDB, databaseName).finally(() => announcements.uninstall())
  expect(value(await standing.api.snapshot()).view.isTyping).toBe(true)
  value(await other.api.clearAllData())
  // Another tab (the one that synced) can find the database gone now, stop and hand sync over to this one.
  expect(value(await standing.api.beginSync('r1'))).toBeNull()
  expect((await indexedDB.databases()).map((db) => db.name)).not.toContain(databaseName)
  announcements.release()
  await expect.poll(() => standing.patches.some((patch) => patch.changes.some((change) => change.type === 'reset')), { timeout: 10_000, interval: 5 }).toBe(true)
  expect(value(await standing.api.beginSync('r2'))).toBeNull()
  const fresh = await connect(indexedDB, databaseName)
  expect(value(await fresh.api.beginSync('r3'))).toEqual({ replica: 'r3', checkpoint: null })
})
