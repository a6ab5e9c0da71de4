import { IDBDatabase, IDBObjectStore } from 'fake-indexeddb'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { StorageFullError, type ChatError } from 'companion-chat'
import { createDevice } from '../helpers/client.js'

afterEach(() => {
  vi.restoreAllMocks()
})

describe('writes', () => {
  test('coalesces concurrent sends into few transactions, committing all in order', async () => {
    // Dexie binds `transaction` when it opens the database, so the spy goes in first.
    const transaction = vi.spyOn(IDBDatabase.prototype, 'transaction')
    const chat = createDevice().open({ config: { maxMainChatMessages: 1000 } })
    await chat.ready
    transaction.mockClear()
    const texts = Array.from({ length: 500 }, (_, i) => `burst ${i}`)
    await Promise.all(texts.map((text) => chat.sendMainChatMessage(text)))
    const writes = transaction.mock.calls.filter(([, mode]) => mode === 'readwrite').length
    expect(writes).toBeGreaterThan(0)
    expect(writes).toBeLessThanOrEqual(5) // not one per message
    expect(chat.getState().mainChat.messages.map((m) => m.content)).toEqual(texts)
    expect(chat.getChatAnalytics().totalMessages).toBe(500)
  })

  test('resolves a send only after it committed', async () => {
    const device = createDevice()
    const chat = device.open()
    await chat.sendMainChatMessage('durable')
    const other = device.open() // reads the database, not the first client's memory
    await other.ready
    expect(other.getState().mainChat.messages.map((m) => m.content)).toEqual(['durable'])
  })

  test('rolls back, rejects with StorageFullError and reports on errors$ when the store is full', async () => {
    const device = createDevice()
    const chat = device.open()
    await chat.sendMainChatMessage('kept')
    const errors: ChatError[] = []
    chat.errors$.subscribe((error) => errors.push(error))

    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError')
    })
    const sending = chat.sendMainChatMessage('too much')
    expect(chat.getState().mainChat.messages.map((m) => m.content)).toEqual(['kept', 'too much']) // optimistic
    await expect(sending).rejects.toBeInstanceOf(StorageFullError)
    await expect(sending).rejects.toMatchObject({ code: 'storage-full' })
    expect(chat.getState().mainChat.messages.map((m) => m.content)).toEqual(['kept']) // rolled back
    expect(errors.map((e) => e.code)).toEqual(['storage-full'])
    vi.restoreAllMocks()

    await chat.sendMainChatMessage('after')
    await chat.close()
    const reopened = device.open()
    await reopened.ready
    expect(reopened.getState().mainChat.messages.map((m) => m.content)).toEqual(['kept', 'after'])
    expect(reopened.getChatAnalytics().totalMessages).toBe(2)
  })

  test('never leaves an unawaited failure unhandled', async () => {
    const chat = createDevice().open()
    const errors: ChatError[] = []
    chat.errors$.subscribe((error) => errors.push(error))
    void chat.resolveTicket('unknown-before-ready') // fire and forget
    await chat.flush()
    expect(errors.map((e) => e.code)).toEqual(['not-found'])
  })
})

describe('observables', () => {
  test('replay the latest value to a late subscriber and offer it synchronously', async () => {
    const chat = createDevice().open()
    await chat.sendMainChatMessage('hello')
    const seen: string[][] = []
    chat.messages$.subscribe((messages) => seen.push(messages.map((m) => m.content)))
    expect(seen).toEqual([['hello']])
    expect(chat.messages$.value).toBe(chat.getState().mainChat.messages)
    expect(chat.view$.value).toBe('chat')
    expect(chat.status$.value).toMatchObject({ connection: 'ready', storage: 'indexeddb', host: 'in-process' })
  })

  test('emit only on real change', async () => {
    const chat = createDevice().open()
    await chat.ready
    const views: string[] = []
    const ticketLists: unknown[] = []
    chat.view$.subscribe((view) => views.push(view))
    chat.tickets$.subscribe((tickets) => ticketLists.push(tickets))
    await chat.switchChatView('chat') // already there
    await chat.sendMainChatMessage('does not touch tickets')
    await chat.switchChatView('tickets')
    await chat.switchChatView('tickets')
    expect(views).toEqual(['chat', 'tickets'])
    expect(ticketLists).toHaveLength(1)
  })

  test('keep the identity of everything a change did not touch', async () => {
    const chat = createDevice().open()
    const a = chat.createTicket('support', 'A', 'first')
    const b = chat.createTicket('support', 'B', 'first')
    await chat.sendMainChatMessage('main')
    await chat.flush()
    const before = chat.getState()
    await chat.sendTicketMessage(a, 'second')
    const after = chat.getState()
    expect(after).not.toBe(before)
    expect(after.tickets.find((t) => t.id === b)).toBe(before.tickets.find((t) => t.id === b))
    expect(after.tickets.find((t) => t.id === a)).not.toBe(before.tickets.find((t) => t.id === a))
    expect(after.tickets.find((t) => t.id === a)!.messages[0]).toBe(before.tickets.find((t) => t.id === a)!.messages[0])
    expect(after.mainChat.messages).toBe(before.mainChat.messages)
    expect(after.userContext).toBe(before.userContext)
  })

  test('show an optimistic message with the same identity fields it is committed with', async () => {
    const chat = createDevice().open({ now: () => 1_234 })
    await chat.ready
    const sending = chat.sendMainChatMessage('no flicker')
    const optimistic = chat.getState().mainChat.messages[0]!
    await sending
    expect(chat.getState().mainChat.messages[0]).toEqual(optimistic)
    expect(optimistic.timestamp).toBe(1_234)
  })

  test('emit nothing when the engine confirms what was already shown', async () => {
    const chat = createDevice().open()
    await chat.ready
    const lists: unknown[] = []
    const tickets: unknown[] = []
    chat.messages$.subscribe((messages) => lists.push(messages))
    chat.tickets$.subscribe((list) => tickets.push(list))
    await chat.sendMainChatMessage('once')
    const id = chat.createTicket('support', 'Once', 'first')
    await chat.flush()
    expect(lists).toHaveLength(2) // the initial empty list, then the optimistic one; the commit adds nothing
    expect(tickets).toHaveLength(2)
    expect(chat.getState().tickets[0]!.id).toBe(id)
  })

  test('batch a tick of commands into one emission', async () => {
    const chat = createDevice().open()
    await chat.ready
    let emissions = 0
    chat.state$.subscribe(() => emissions++)
    emissions = 0
    for (let i = 0; i < 50; i++) void chat.sendMainChatMessage(`m${i}`)
    await Promise.resolve()
    expect(emissions).toBe(1)
  })
})

describe('status$', () => {
  test('counts pending writes once per tick, not once per command', async () => {
    const chat = createDevice().open()
    await chat.ready
    const seen: number[] = []
    chat.status$.subscribe((status) => seen.push(status.pendingWrites))
    for (let i = 0; i < 100; i++) void chat.sendMainChatMessage(`m${i}`)
    await chat.flush()
    await Promise.resolve()
    expect(seen[0]).toBe(0)
    expect(seen).toContain(100)
    expect(seen.at(-1)).toBe(0)
    expect(seen.length).toBeLessThanOrEqual(4)
  })
})
