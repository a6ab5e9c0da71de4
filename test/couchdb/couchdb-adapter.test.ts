/**
 * The CouchDB adapter alone, against a real pouchdb-server on 127.0.0.1 (started by the test
 * on a free port): what it writes, what it reads back, the conflict rule on tickets,
 * checkpoints, long polls, and that credentials never show in its errors.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { SyncError, ValidationError, type ChatMessage, type SyncAdapter, type SyncChange, type TicketFields } from 'companion-chat'
import { createCouchDBSync, userDatabaseUrl } from 'companion-chat/couchdb'
import { startCouchServer, type CouchServer } from '../helpers/couch-server.js'

let server: CouchServer
let dbCount = 0
const signal = new AbortController().signal

beforeAll(async () => {
  server = await startCouchServer()
}, 60_000)
afterAll(async () => {
  await server?.stop()
})

/** A fresh database on the server and an adapter for it. */
function fresh(options: Partial<Parameters<typeof createCouchDBSync>[0]> = {}): { url: string; sync: SyncAdapter } {
  const url = server.database(`test-${++dbCount}`)
  return { url, sync: createCouchDBSync({ url, createDatabase: true, ...options }) }
}

async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, { ...init, headers: { 'Content-Type': 'application/json', ...init?.headers } })
  return (await response.json()) as T
}

const message = (id: string, content: string, sender: ChatMessage['sender'] = 'user'): ChatMessage => ({ id, content, sender, timestamp: 1_000 + Number(id.replace(/\D/g, '') || 0), type: 'text' })
const ticket = (over: Partial<TicketFields> = {}): TicketFields => ({
  id: 't1',
  type: 'support',
  title: 'Where is my order?',
  status: 'open',
  priority: 'medium',
  context: {},
  createdAt: 1_000,
  updatedAt: 1_000,
  ...over,
})
let seq = 0
const sendOf = (m: ChatMessage, thread = 'main'): SyncChange => ({ kind: 'message', id: m.id, seq: ++seq, thread, message: m })

describe('pushing messages', () => {
  test('each message becomes one document, and a second delivery of the same batch changes nothing', async () => {
    const { url, sync } = fresh()
    const batch = [sendOf(message('m1', 'hello')), sendOf(message('m2', 'again'))]
    expect(await sync.push(batch, { signal })).toEqual([
      { id: 'm1', state: 'sent' },
      { id: 'm2', state: 'sent' },
    ])
    const first = await getJson<{ total_rows: number; rows: Array<{ id: string; value: { rev: string } }> }>(`${url}/_all_docs`)
    expect(await sync.push(batch, { signal })).toEqual([
      { id: 'm1', state: 'sent' },
      { id: 'm2', state: 'sent' },
    ])
    const second = await getJson<typeof first>(`${url}/_all_docs`)
    expect(second).toEqual(first)
    expect(first.rows.map((row) => row.id)).toEqual(['message:m1', 'message:m2'])
    const doc = await getJson<Record<string, unknown>>(`${url}/message:m1`)
    expect(doc).toMatchObject({ type: 'message', thread: 'main', seq: batch[0]!.seq, message: message('m1', 'hello') })
  })

  test('a document the server refuses fails that change alone, with the server reason', async () => {
    const { url, sync } = fresh()
    await sync.pull({ since: null, limit: 10, replica: 'r', signal }) // creates the database
    // A validation function that refuses messages containing "forbidden".
    await fetch(`${url}/_design/rules`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ validate_doc_update: 'function (doc) { if (doc.message && doc.message.content === "forbidden") throw({ forbidden: "not here" }) }' }),
    })
    const outcomes = await sync.push([sendOf(message('m1', 'fine')), sendOf(message('m2', 'forbidden'))], { signal })
    expect(outcomes).toEqual([
      { id: 'm1', state: 'sent' },
      { id: 'm2', state: 'failed', reason: 'forbidden: not here' },
    ])
  })
})

describe('pulling', () => {
  test('answers the server changes in order from a checkpoint, and nothing new from the last one', async () => {
    const { url, sync } = fresh()
    await sync.push([sendOf(message('m1', 'one')), sendOf(message('m2', 'two')), sendOf(message('m3', 'three'))], { signal })
    const first = await sync.pull({ since: null, limit: 2, replica: 'r', signal })
    expect(first.changes.map((c) => c.kind === 'message' && c.message.id)).toEqual(['m1', 'm2'])
    expect(first.more).toBe(true)
    await sync.saveCheckpoint!('r', first.checkpoint, { signal })
    const second = await sync.pull({ since: first.checkpoint, limit: 2, replica: 'r', signal })
    expect(second.changes.map((c) => c.kind === 'message' && c.message.id)).toEqual(['m3'])
    await sync.saveCheckpoint!('r', second.checkpoint, { signal })
    const local = await getJson<{ last_seq: string }>(`${url}/_local/companion-chat-r`)
    expect(local.last_seq).toBe(second.checkpoint)
    const third = await sync.pull({ since: second.checkpoint, limit: 2, replica: 'r', signal })
    expect(third).toEqual({ changes: [], checkpoint: second.checkpoint, more: false })
  })

  test('a checkpoint the server does not hold (its database made again) starts from the beginning', async () => {
    const { url, sync } = fresh()
    await sync.push([sendOf(message('m1', 'one')), sendOf(message('m2', 'two'))], { signal })
    const read = await sync.pull({ since: null, limit: 10, replica: 'r', signal })
    await sync.saveCheckpoint!('r', read.checkpoint, { signal })
    // The database is deleted and made again with one document: an old checkpoint would skip it.
    await fetch(url, { method: 'DELETE' })
    await fetch(url, { method: 'PUT' })
    await fetch(`${url}/message:agent1`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'message', thread: 't1', message: message('agent1', 'Hi, this is Sam', 'assistant') }),
    })
    const again = createCouchDBSync({ url })
    const batch = await again.pull({ since: read.checkpoint, limit: 10, replica: 'r', signal })
    expect(batch.changes).toEqual([{ kind: 'message', thread: 't1', message: message('agent1', 'Hi, this is Sam', 'assistant') }])
  })

  test('a live pull waits for the next change on the server and answers it', async () => {
    const { url, sync } = fresh({ longPollTimeout: 20_000, heartbeat: 1_000 })
    const start = await sync.pull({ since: null, limit: 10, replica: 'r', signal })
    const waiting = sync.live({ since: start.checkpoint, limit: 10, replica: 'r', signal })
    await new Promise((resolve) => setTimeout(resolve, 200))
    await fetch(`${url}/ticket:t1`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'ticket', ticket: ticket({ status: 'in-progress' }) }),
    })
    const batch = await waiting
    const { _rev } = await getJson<{ _rev: string }>(`${url}/ticket:t1`)
    expect(batch.changes).toEqual([{ kind: 'ticket', ticket: ticket({ status: 'in-progress' }), revision: _rev }])
  })

  test('aborting a live pull ends its request', async () => {
    const { sync } = fresh()
    const stop = new AbortController()
    const waiting = sync.live({ since: null, limit: 10, replica: 'r', signal: stop.signal }).then(
      (batch) => (batch.changes.length === 0 ? sync.live({ since: batch.checkpoint, limit: 10, replica: 'r', signal: stop.signal }) : batch),
    )
    await new Promise((resolve) => setTimeout(resolve, 200))
    stop.abort()
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' })
  })
})

describe('tickets and the conflict rule', () => {
  const create = (t: TicketFields): SyncChange => ({ kind: 'ticket', id: `c-${t.id}`, seq: ++seq, ticket: t, changed: ['title', 'status', 'priority', 'context'], base: null })

  test('a field the server did not change takes the device value; a field both changed keeps the server value and is reported', async () => {
    const { url, sync } = fresh()
    await sync.push([create(ticket())], { signal })
    // An agent takes the ticket on the server.
    const doc = await getJson<{ _rev: string; ticket: TicketFields }>(`${url}/ticket:t1`)
    await fetch(`${url}/ticket:t1`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...doc, ticket: { ...doc.ticket, status: 'in-progress', updatedAt: 2_000 } }),
    })
    // Meanwhile, offline, the user resolved it and raised its priority.
    const local = ticket({ status: 'resolved', resolvedAt: 1_500, summary: 'found it', priority: 'high', updatedAt: 1_500 })
    const outcomes = await sync.push(
      [
        { kind: 'ticket', id: 'c2', seq: ++seq, ticket: local, changed: ['status'], base: { status: { status: 'open' } } },
        { kind: 'ticket', id: 'c3', seq: ++seq, ticket: local, changed: ['priority'], base: { priority: 'medium' } },
      ],
      { signal },
    )
    const merged = ticket({ status: 'in-progress', priority: 'high', updatedAt: 2_000 })
    const stored = await getJson<{ _rev: string; ticket: TicketFields }>(`${url}/ticket:t1`)
    expect(stored.ticket).toEqual(merged)
    expect(stored._rev).toMatch(/^3-/)
    expect(outcomes).toEqual([
      {
        id: 'c2',
        state: 'sent',
        ticket: merged,
        revision: stored._rev, // the revision the merged version was written as
        conflicts: [{ ticketId: 't1', field: 'status', local: { status: { status: 'resolved', resolvedAt: 1_500, summary: 'found it' } }, server: { status: { status: 'in-progress' } }, changeId: 'c2' }],
      },
      { id: 'c3', state: 'sent', ticket: merged, revision: stored._rev },
    ])
  })

  test('the conflict hook can keep the device value', async () => {
    const { url, sync } = fresh({ resolveConflict: () => 'local' })
    await sync.push([create(ticket())], { signal })
    const doc = await getJson<{ _rev: string; ticket: TicketFields }>(`${url}/ticket:t1`)
    await fetch(`${url}/ticket:t1`, { method: 'PUT', body: JSON.stringify({ ...doc, ticket: { ...doc.ticket, priority: 'low' } }), headers: { 'Content-Type': 'application/json' } })
    const [outcome] = await sync.push([{ kind: 'ticket', id: 'c2', seq: ++seq, ticket: ticket({ priority: 'urgent' }), changed: ['priority'], base: { priority: 'medium' } }], { signal })
    expect(outcome).toEqual({ id: 'c2', state: 'sent', ticket: ticket({ priority: 'urgent' }), revision: (await getJson<{ _rev: string }>(`${url}/ticket:t1`))._rev })
  })

  test('a ticket change delivered twice applies once, even after the server moved on', async () => {
    const { url, sync } = fresh()
    const change: SyncChange = { kind: 'ticket', id: 'c2', seq: ++seq, ticket: ticket({ status: 'in-progress' }), changed: ['status'], base: { status: { status: 'open' } } }
    await sync.push([create(ticket()), change], { signal })
    const doc = await getJson<{ _rev: string; ticket: TicketFields }>(`${url}/ticket:t1`)
    await fetch(`${url}/ticket:t1`, { method: 'PUT', body: JSON.stringify({ ...doc, ticket: { ...doc.ticket, status: 'resolved', resolvedAt: 3_000 } }), headers: { 'Content-Type': 'application/json' } })
    const [outcome] = await sync.push([change], { signal })
    const { _rev } = await getJson<{ _rev: string }>(`${url}/ticket:t1`)
    expect(outcome).toEqual({ id: 'c2', state: 'sent', ticket: ticket({ status: 'resolved', resolvedAt: 3_000 }), revision: _rev }) // no conflict: it was merged before
    expect((await getJson<{ ticket: TicketFields }>(`${url}/ticket:t1`)).ticket.status).toBe('resolved')
  })

  test('a write that meets another writer reads the ticket again and merges on the new revision', async () => {
    const { url } = fresh()
    let raced = false
    // A fetch that lets an agent write the ticket between the adapter's read and its write, once.
    const racing: typeof fetch = async (input, init) => {
      if (!raced && String(input).endsWith('/_bulk_docs') && String(init?.body).includes('"ticket:t1"') && String(init?.body).includes('_rev')) {
        raced = true
        const doc = await getJson<{ _rev: string; ticket: TicketFields }>(`${url}/ticket:t1`)
        await fetch(`${url}/ticket:t1`, { method: 'PUT', body: JSON.stringify({ ...doc, ticket: { ...doc.ticket, title: 'Order 1234 missing' } }), headers: { 'Content-Type': 'application/json' } })
      }
      return fetch(input, init)
    }
    const sync = createCouchDBSync({ url, createDatabase: true, fetch: racing })
    await sync.push([create(ticket())], { signal })
    const [outcome] = await sync.push([{ kind: 'ticket', id: 'c2', seq: ++seq, ticket: ticket({ priority: 'urgent' }), changed: ['priority'], base: { priority: 'medium' } }], { signal })
    expect(raced).toBe(true)
    expect(outcome).toEqual({ id: 'c2', state: 'sent', ticket: ticket({ title: 'Order 1234 missing', priority: 'urgent' }), revision: (await getJson<{ _rev: string }>(`${url}/ticket:t1`))._rev })
  })
})

describe('credentials and failures', () => {
  test('headers reach the server with every request, from a function too', async () => {
    const seen: string[] = []
    const spy: typeof fetch = (input, init) => {
      seen.push(new Headers(init?.headers).get('authorization') ?? '')
      return fetch(input, init)
    }
    const { sync } = fresh({ fetch: spy, headers: () => ({ Authorization: 'Bearer s3cret' }) })
    await sync.push([sendOf(message('m1', 'hi'))], { signal })
    await sync.pull({ since: null, limit: 5, replica: 'r', signal })
    expect(seen.length).toBeGreaterThan(1)
    expect(new Set(seen)).toEqual(new Set(['Bearer s3cret']))
  })

  test('a URL with a user and password is refused without echoing them', () => {
    let error: unknown
    try {
      createCouchDBSync({ url: 'https://alice:hunter2@couch.example.com/userdb-616c696365' })
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(ValidationError)
    expect(JSON.stringify({ message: (error as Error).message, details: (error as ValidationError).details })).not.toContain('hunter2')
  })

  test('an unreachable server is a transient SyncError that names the database and no credentials', async () => {
    const sync = createCouchDBSync({ url: 'http://127.0.0.1:9/userdb-616c696365', headers: { Authorization: 'Basic YWxpY2U6aHVudGVyMg==' } })
    const error = await sync.push([sendOf(message('m1', 'hi'))], { signal }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(SyncError)
    expect(error).toMatchObject({ code: 'sync-failed', reason: 'unreachable', transient: true })
    const text = `${(error as Error).message} ${JSON.stringify((error as SyncError).details)} ${String((error as Error).stack)}`
    expect(text).toContain('127.0.0.1:9/userdb-616c696365')
    expect(text).not.toMatch(/YWxpY2U6aHVudGVyMg|Basic/)
  })

  test('401 and 403 are not transient', async () => {
    for (const [status, reason] of [
      [401, 'unauthorized'],
      [403, 'forbidden'],
    ] as const) {
      const answer: typeof fetch = async () => new Response(JSON.stringify({ error: 'unauthorized', reason: 'Name or password is incorrect.' }), { status })
      const sync = createCouchDBSync({ url: 'https://couch.example.com/userdb-61', fetch: answer, headers: { Authorization: 'Bearer s3cret' } })
      const error = await sync.pull({ since: null, limit: 1, replica: 'r', signal }).catch((caught: unknown) => caught)
      expect(error).toMatchObject({ code: 'sync-failed', reason, status, transient: false })
      expect((error as Error).message).not.toContain('s3cret')
    }
  })
})

test('userDatabaseUrl follows couch_peruser: userdb- and the name in hex', () => {
  expect(userDatabaseUrl('https://couch.example.com/', 'alice')).toBe('https://couch.example.com/userdb-616c696365')
  expect(userDatabaseUrl('http://127.0.0.1:5984', 'zoë')).toBe('http://127.0.0.1:5984/userdb-7a6fc3ab')
})
