/**
 * Every released schema opens under today's code with everything kept. Each fixture in
 * test/fixtures is a database written through a release's public API and dumped store by
 * store (see make-fixture.ts); the test loads it into a fresh fake-indexeddb at the
 * release's version, then opens it with a client of today.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { describe, expect, test } from 'vitest'
import { MAIN_THREAD, createChatClient, type ChatMessage, type ChatSystemState } from 'companion-chat'
import { loadEveryTicket } from '../helpers/client.js'
import { unreachableServer } from '../helpers/sync.js'

interface Fixture {
  readonly release: string
  readonly idbVersion: number
  readonly stores: ReadonlyArray<{
    readonly name: string
    readonly keyPath: string | string[] | null
    readonly autoIncrement: boolean
    readonly indexes: ReadonlyArray<{ name: string; keyPath: string | string[]; unique: boolean; multiEntry: boolean }>
    readonly rows: readonly unknown[]
  }>
  /** The release's own view of the data, as its client showed it. */
  readonly state: Pick<ChatSystemState, 'mainChat' | 'userContext' | 'analytics' | 'activeTicketId' | 'ticketView'> & {
    readonly tickets: ReadonlyArray<{ readonly id: string; readonly messages: readonly ChatMessage[] } & Record<string, unknown>>
  }
}

const folder = fileURLToPath(new URL('../fixtures/', import.meta.url))
const fixtures = readdirSync(folder)
  .filter((name) => /^db-.*\.json$/.test(name))
  .map((name) => JSON.parse(readFileSync(folder + name, 'utf8')) as Fixture)

/** Writes `fixture` into a new database `name` of `indexedDB`, at the release's version. */
function restore(indexedDB: IDBFactory, name: string, fixture: Fixture): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, fixture.idbVersion)
    request.onupgradeneeded = () => {
      const db = request.result
      for (const store of fixture.stores) {
        const created = db.createObjectStore(store.name, { keyPath: store.keyPath, autoIncrement: store.autoIncrement })
        for (const index of store.indexes) created.createIndex(index.name, index.keyPath, { unique: index.unique, multiEntry: index.multiEntry })
        for (const row of store.rows) created.put(row)
      }
    }
    request.onsuccess = () => {
      request.result.close()
      resolve()
    }
    request.onerror = () => reject(request.error)
  })
}

test('there is a fixture for the first release', () => {
  expect(fixtures.map((fixture) => fixture.release)).toContain('0.1.0')
})

describe.each(fixtures.map((fixture) => [fixture.release, fixture] as const))('a database written by %s', (_, fixture) => {
  async function open() {
    const indexedDB = new IDBFactory()
    await restore(indexedDB, 'fixture', fixture)
    const chat = createChatClient({ indexedDB, IDBKeyRange, databaseName: 'fixture', config: { autoCleanupInterval: 0 } })
    await chat.ready
    return chat
  }

  test('opens with every message, ticket, setting and figure kept', async () => {
    const chat = await open()
    await loadEveryTicket(chat)
    const state = chat.getState()
    const { state: before } = fixture
    expect(state.mainChat.messages).toEqual(before.mainChat.messages)
    expect(state.userContext).toEqual(before.userContext)
    expect(state.analytics).toEqual(before.analytics)
    expect([state.activeTicketId, state.ticketView]).toEqual([before.activeTicketId, before.ticketView])
    expect(state.tickets.map((ticket) => ticket.id)).toEqual(before.tickets.map((ticket) => ticket.id))
    for (const old of before.tickets) {
      const ticket = state.tickets.find((t) => t.id === old.id)!
      const { messages, ...fields } = old
      expect(ticket).toMatchObject(fields)
      expect(ticket.messages).toEqual(messages)
      // Headers are built by the upgrade; what 0.1.0 held counts as read.
      expect(ticket).toMatchObject({ messageCount: messages.length, lastMessage: messages.at(-1), unreadCount: 0, hasOlder: false })
    }
    expect(state.mainChat.unreadCount).toBe(0)
    await chat.close()
  })

  test('keeps working after the upgrade: new messages count, unread and headers follow', async () => {
    const chat = await open()
    const ticket = fixture.state.tickets[0]!
    await chat.sendTicketMessage(ticket.id, 'A reply after the upgrade', { sender: 'assistant' })
    await chat.sendMainChatMessage('Still here?')
    const after = chat.getState().tickets.find((t) => t.id === ticket.id)!
    expect(after).toMatchObject({ messageCount: ticket.messages.length + 1, unreadCount: 1, lastMessage: { content: 'A reply after the upgrade' } })
    expect(chat.getState().analytics.totalMessages).toBe(fixture.state.analytics.totalMessages + 2)
    expect(chat.getState().mainChat.messages.at(-1)!.content).toBe('Still here?')
    await chat.markRead(ticket.id)
    await chat.markRead(MAIN_THREAD)
    await chat.close()
  })

  test('takes the outbox: with sync on, new changes are queued and old messages carry no delivery state', async () => {
    const indexedDB = new IDBFactory()
    await restore(indexedDB, 'fixture', fixture)
    const chat = createChatClient({ indexedDB, IDBKeyRange, databaseName: 'fixture', config: { autoCleanupInterval: 0 }, sync: unreachableServer() })
    await chat.ready
    expect(chat.outbox$.value).toEqual([])
    expect(chat.getState().mainChat.messages.every((m) => m.delivery === undefined)).toBe(true)
    const ticket = fixture.state.tickets.find((t) => t.status === 'open') ?? fixture.state.tickets[0]!
    await chat.sendMainChatMessage('Queued after the upgrade')
    await chat.updateTicketPriority(ticket.id, 'urgent')
    expect(chat.outbox$.value.map((entry) => [entry.change.kind, entry.state])).toEqual([
      ['message', 'pending'],
      ['ticket', 'pending'],
    ])
    expect(chat.getState().mainChat.messages.at(-1)).toMatchObject({ content: 'Queued after the upgrade', delivery: 'pending' })
    await chat.close()
  })

  test('takes attachments after the upgrade (schema 4): stored, read back, and counted against the limit from zero', async () => {
    const indexedDB = new IDBFactory()
    await restore(indexedDB, 'fixture', fixture)
    const chat = createChatClient({ indexedDB, IDBKeyRange, databaseName: 'fixture', config: { autoCleanupInterval: 0, maxStoredAttachmentBytes: 10 } })
    await chat.ready
    await chat.sendMainChatMessage('The label', { attachments: [new File(['0123456789'], 'label.txt', { type: 'text/plain' })] })
    const sent = chat.getState().mainChat.messages.at(-1)!
    expect(sent.attachments).toMatchObject([{ name: 'label.txt', size: 10 }])
    expect(await (await chat.readAttachment(sent.attachments![0]!.id)).text()).toBe('0123456789')
    await chat.close()
    const reopened = createChatClient({ indexedDB, IDBKeyRange, databaseName: 'fixture', config: { autoCleanupInterval: 0 } })
    await reopened.ready
    expect(reopened.getState().mainChat.messages.at(-1)).toEqual(sent)
    await reopened.close()
  })
})
