/**
 * Drafts per thread: what the user typed and has not sent shows at once, is written at most
 * every 500 ms per thread, survives a reload, reaches every client of the device, and goes
 * with a send, clearUserData, clearAllData and the cleanup of its ticket.
 */
import { IDBDatabase } from 'fake-indexeddb'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { ClientClosedError, MAIN_THREAD, NotFoundError, ValidationError, type ChatClient, type DraftRecord } from 'companion-chat'
import { createDevice } from '../helpers/client.js'

type Device = ReturnType<typeof createDevice>

const DAY = 24 * 60 * 60 * 1000
const WRITE_INTERVAL = 500
const NO_CLEANUP = { config: { autoCleanupInterval: 0 } }

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const ticketDraft = (client: ChatClient, id: string) => client.getState().tickets.find((t) => t.id === id)?.draft

/**
 * Counts the engine's write transactions on `device`'s database: every batch of commands is
 * one read-write transaction over all tables (drafts included), so this counts commits.
 * Call it before the database is opened (Dexie keeps the method of the database it opened),
 * and open the client with `NO_CLEANUP`: scheduled cleanup is a write transaction too.
 */
function countCommits(device: Device): () => number {
  const original = IDBDatabase.prototype.transaction
  let commits = 0
  const spy = vi.spyOn(IDBDatabase.prototype, 'transaction').mockImplementation(function (this: IDBDatabase, stores, mode, options) {
    const names = typeof stores === 'string' ? [stores] : [...stores]
    if (this.name === device.databaseName && mode === 'readwrite' && names.includes('drafts')) commits++
    return original.call(this, stores, mode, options)
  })
  restore.push(() => spy.mockRestore())
  return () => commits
}
const restore: Array<() => void> = []
afterEach(() => {
  for (const undo of restore.splice(0)) undo()
})

/** The draft rows as stored, read straight from IndexedDB (none when the database does not exist). */
async function storedDrafts(device: Device): Promise<DraftRecord[]> {
  if (!(await device.indexedDB.databases()).some((info) => info.name === device.databaseName)) return []
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = device.indexedDB.open(device.databaseName)
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
  try {
    if (!db.objectStoreNames.contains('drafts')) return []
    return await new Promise<DraftRecord[]>((resolve, reject) => {
      const request = db.transaction('drafts', 'readonly').objectStore('drafts').getAll()
      request.onsuccess = () => resolve((request.result as DraftRecord[]).map(({ thread, text, at }) => ({ thread, text, at })))
      request.onerror = () => reject(request.error)
    })
  } finally {
    db.close()
  }
}

const storedTexts = async (device: Device) => Object.fromEntries((await storedDrafts(device)).map((draft) => [draft.thread, draft.text]))

describe('setDraft', () => {
  test('shows the draft at once: in the state, on the ticket and on drafts$', async () => {
    const chat = createDevice().open()
    await chat.ready
    const id = chat.createTicket('support', 'Broken zipper')
    const messages = chat.getState().mainChat.messages
    chat.setDraft(MAIN_THREAD, 'I am looking for')
    chat.setDraft(id, 'It broke on')
    expect(chat.getState().mainChat.draft).toBe('I am looking for')
    expect(chat.getState().mainChat.messages).toBe(messages)
    expect(ticketDraft(chat, id)).toBe('It broke on')
    expect(chat.drafts$.value).toEqual({ [MAIN_THREAD]: 'I am looking for', [id]: 'It broke on' })
    chat.setDraft(id, '')
    expect(ticketDraft(chat, id)).toBe('')
    expect(chat.drafts$.value).toEqual({ [MAIN_THREAD]: 'I am looking for' })
  })

  test('drafts$ emits when a draft changes, not when a message arrives', async () => {
    const chat = createDevice().open()
    await chat.ready
    const seen: unknown[] = []
    const subscription = chat.drafts$.subscribe((drafts) => seen.push(drafts))
    chat.setDraft(MAIN_THREAD, 'H')
    chat.setDraft(MAIN_THREAD, 'Hi') // the same tick: one emission
    await chat.sendMainChatMessage('An unrelated message', { sender: 'assistant' })
    await chat.flush()
    subscription.unsubscribe()
    expect(seen).toEqual([{}, { [MAIN_THREAD]: 'Hi' }])
  })

  test('writes at most once per 500 ms per thread, with the newest text', async () => {
    const device = createDevice()
    const commits = countCommits(device)
    const chat = device.open(NO_CLEANUP)
    await chat.ready
    const text = 'I am looking for a gaming laptop under $1500 with a good screen, ideally 16 inches wide and bright.'
    for (let i = 1; i <= 100; i++) chat.setDraft(MAIN_THREAD, text.slice(0, i))
    expect(chat.getState().mainChat.draft).toBe(text.slice(0, 100))
    await sleep(WRITE_INTERVAL / 2)
    expect(commits()).toBe(0) // held back
    await expect.poll(() => storedTexts(device), { timeout: 5_000 }).toEqual({ [MAIN_THREAD]: text.slice(0, 100) })
    expect(commits()).toBe(1) // 100 keystrokes, one write

    // Typing on for a while still writes every 500 ms, never more often.
    const started = Date.now()
    for (let i = 0; i < 50; i++) {
      chat.setDraft(MAIN_THREAD, `${text} ${i}`)
      await sleep(20)
    }
    await chat.flush()
    const elapsed = Date.now() - started
    expect(commits() - 1).toBeGreaterThanOrEqual(2)
    expect(commits() - 1).toBeLessThanOrEqual(Math.ceil(elapsed / WRITE_INTERVAL) + 1)
    expect(await storedTexts(device)).toEqual({ [MAIN_THREAD]: `${text} 49` })
  })

  test('flush() writes held drafts at once', async () => {
    const device = createDevice()
    const chat = device.open()
    await chat.ready
    chat.setDraft(MAIN_THREAD, 'now')
    const started = Date.now()
    await chat.flush()
    expect(Date.now() - started).toBeLessThan(WRITE_INTERVAL)
    expect(await storedTexts(device)).toEqual({ [MAIN_THREAD]: 'now' })
  })

  test('survives a reopen: close() writes what is held', async () => {
    const device = createDevice()
    const chat = device.open()
    const id = chat.createTicket('order-help', 'Where is my order?', 'Order 1234 is late')
    chat.setDraft(MAIN_THREAD, 'Do you have')
    chat.setDraft(id, 'It was due on')
    await chat.close()

    const again = device.open()
    await again.ready
    expect(again.getState().mainChat.draft).toBe('Do you have')
    expect(ticketDraft(again, id)).toBe('It was due on')
    expect(again.drafts$.value).toEqual({ [MAIN_THREAD]: 'Do you have', [id]: 'It was due on' })
  })

  test('reaches the other clients of the device (tabs), and an empty text deletes it everywhere', async () => {
    const device = createDevice()
    const a = device.open()
    const b = device.open()
    await Promise.all([a.ready, b.ready])
    a.setDraft(MAIN_THREAD, 'typed in A')
    await expect.poll(() => b.getState().mainChat.draft, { timeout: 5_000 }).toBe('typed in A')
    expect(b.drafts$.value).toEqual({ [MAIN_THREAD]: 'typed in A' })
    b.setDraft(MAIN_THREAD, '')
    await b.flush()
    await expect.poll(() => a.getState().mainChat.draft, { timeout: 5_000 }).toBe('')
    expect(await storedDrafts(device)).toEqual([])
  })
})

describe('sending clears the draft', () => {
  test('a user message clears its thread\'s draft in the same commit', async () => {
    const device = createDevice()
    const commits = countCommits(device)
    const chat = device.open(NO_CLEANUP)
    const id = chat.createTicket('support', 'Broken zipper')
    chat.setDraft(MAIN_THREAD, 'Do you have gaming laptops?')
    chat.setDraft(id, 'It broke on day two')
    await chat.flush()
    const before = commits()

    const sent = chat.sendMainChatMessage('Do you have gaming laptops?')
    expect(chat.getState().mainChat.draft).toBe('') // at once
    await sent
    expect(commits() - before).toBe(1) // the message and the draft's deletion: one transaction
    expect(await storedTexts(device)).toEqual({ [id]: 'It broke on day two' })

    await chat.sendTicketMessage(id, 'It broke on day two')
    expect(ticketDraft(chat, id)).toBe('')
    expect(commits() - before).toBe(2)
    await chat.close()
    const again = device.open()
    await again.ready
    expect(again.drafts$.value).toEqual({})
    expect(await storedDrafts(device)).toEqual([])
  })

  test('a draft write still held back is cancelled, so it cannot bring the draft back', async () => {
    const device = createDevice()
    const chat = device.open()
    await chat.ready
    chat.setDraft(MAIN_THREAD, 'Hello') // held
    void chat.sendMainChatMessages(['Hello'])
    expect(chat.getState().mainChat.draft).toBe('')
    await sleep(WRITE_INTERVAL * 2)
    await chat.flush()
    expect(chat.getState().mainChat.draft).toBe('')
    expect(await storedDrafts(device)).toEqual([])
  })

  test("messages of other senders, and sends into other threads, keep the user's draft", async () => {
    const chat = createDevice().open()
    await chat.ready
    const id = chat.createTicket('support', 'Broken zipper')
    chat.setDraft(MAIN_THREAD, 'Still typing')
    await chat.sendMainChatMessage('Here are three laptops', { sender: 'assistant' })
    await chat.sendTicketMessage(id, 'Photo attached')
    await chat.flush()
    expect(chat.getState().mainChat.draft).toBe('Still typing')
  })
})

describe('wiping', () => {
  test('clearAllData drops the drafts, including writes held back: no database is made again', async () => {
    const device = createDevice()
    const chat = device.open()
    chat.setDraft(MAIN_THREAD, 'my address is 1 Main Street')
    await chat.flush()
    chat.setDraft(MAIN_THREAD, 'my address is 1 Main Street, Springfield') // held
    const clearing = chat.clearAllData()
    expect(chat.getState().mainChat.draft).toBe('')
    expect(chat.drafts$.value).toEqual({})
    await clearing
    await sleep(WRITE_INTERVAL * 2)
    await chat.flush()
    expect((await device.indexedDB.databases()).map((info) => info.name)).not.toContain(device.databaseName)
    const again = device.open()
    await again.ready
    expect(again.getState().mainChat.draft).toBe('')
  })

  test('a draft typed after clearAllData is kept', async () => {
    const device = createDevice()
    const chat = device.open()
    await chat.sendMainChatMessage('before')
    const clearing = chat.clearAllData()
    chat.setDraft(MAIN_THREAD, 'after the wipe')
    await clearing
    await chat.flush()
    expect(chat.getState().mainChat.draft).toBe('after the wipe')
    expect(await storedTexts(device)).toEqual({ [MAIN_THREAD]: 'after the wipe' })
  })

  test('clearUserData deletes every draft (personal text), held writes included, and keeps the messages', async () => {
    const device = createDevice()
    const chat = device.open()
    const id = chat.createTicket('support', 'Card problem')
    await chat.sendMainChatMessage('hello')
    chat.setDraft(id, 'my card number is')
    await chat.flush()
    chat.setDraft(MAIN_THREAD, 'my phone is') // held
    const clearing = chat.clearUserData()
    expect(chat.drafts$.value).toEqual({})
    await clearing
    await sleep(WRITE_INTERVAL * 2)
    await chat.flush()
    expect(await storedDrafts(device)).toEqual([])
    expect(chat.getState().mainChat.messages.map((m) => m.content)).toEqual(['hello'])
    await chat.close()
    const again = device.open()
    await again.ready
    expect(again.drafts$.value).toEqual({})
  })

  test("cleanup removes a ticket's draft with the ticket, and a held write of it is never made", async () => {
    const device = createDevice()
    let now = Date.now()
    const chat = device.open({ now: () => now, config: { autoCleanupInterval: 0 } })
    const errors: unknown[] = []
    chat.errors$.subscribe((error) => errors.push(error))
    const old = chat.createTicket('support', 'Old')
    const kept = chat.createTicket('support', 'Kept')
    await chat.resolveTicket(old)
    chat.setDraft(old, 'one more thing')
    chat.setDraft(kept, 'still here')
    await chat.flush()
    now += 8 * DAY
    chat.setDraft(old, 'one more thing, and') // held when the ticket goes
    expect((await chat.runCleanup()).removedTicketIds).toEqual([old])
    expect(chat.drafts$.value).toEqual({ [kept]: 'still here' })
    await sleep(WRITE_INTERVAL * 2)
    await chat.flush()
    expect(errors).toEqual([])
    expect(await storedTexts(device)).toEqual({ [kept]: 'still here' })
  })

  test("another tab's cleanup of a ticket, heard after this tab's held draft write of it was sent, is not an error", async () => {
    const device = createDevice()
    let now = Date.now()
    const held: Array<() => void> = []
    let holding = false
    const chat = device.openBehind({ feed: (_patch, deliver) => (holding ? held.push(deliver) : deliver()) }, { now: () => now, ...NO_CLEANUP })
    const other = device.open({ now: () => now, ...NO_CLEANUP })
    const errors: unknown[] = []
    chat.errors$.subscribe((error) => errors.push(error))
    const old = chat.createTicket('support', 'Old')
    await chat.resolveTicket(old)
    await other.ready
    now += 8 * DAY
    chat.setDraft(old, 'one more thing') // held for the write interval
    holding = true // this client hears nothing from here on
    expect((await other.runCleanup()).removedTicketIds).toEqual([old])
    await sleep(WRITE_INTERVAL * 2) // the held write goes to the engine, after the ticket went
    await other.flush()
    holding = false
    for (const deliver of held.splice(0)) deliver()
    await chat.flush()
    expect(errors).toEqual([])
    expect(chat.drafts$.value).toEqual({})
    expect(chat.getState().tickets).toEqual([])
    expect(await storedTexts(device)).toEqual({})
  })
})

describe('bad input', () => {
  test('is refused with a typed error at the call, and nothing changes', async () => {
    const chat = createDevice().open({ config: { maxContentLength: 20 } })
    await chat.ready
    const before = chat.getState()
    const refused = (run: () => void) => {
      try {
        run()
      } catch (error) {
        return error
      }
      throw new Error('expected the call to throw')
    }
    expect(refused(() => chat.setDraft(MAIN_THREAD, 'x'.repeat(21)))).toMatchObject({ code: 'validation', details: { path: 'text', limit: 20 } })
    expect(refused(() => chat.setDraft(MAIN_THREAD, 42 as unknown as string))).toBeInstanceOf(ValidationError)
    expect(refused(() => chat.setDraft('', 'x'))).toMatchObject({ details: { path: 'threadId' } })
    expect(refused(() => chat.setDraft(undefined as unknown as string, 'x'))).toBeInstanceOf(ValidationError)
    expect(refused(() => chat.setDraft('no-such-ticket', 'x'))).toBeInstanceOf(NotFoundError)
    expect(chat.getState()).toBe(before)
    await chat.close()
    expect(refused(() => chat.setDraft(MAIN_THREAD, 'late'))).toBeInstanceOf(ClientClosedError)
  })
})
