/**
 * History stays in the worker: a client holds headers for every ticket, the newest window
 * of the tickets it shows or writes, and the older pages it asks for.
 */
import { describe, expect, test } from 'vitest'
import { MAIN_THREAD, type ChatClient, type ChatTicket } from 'companion-chat'
import { createDevice } from '../helpers/client.js'

const WINDOW = 30

const ticketOf = (client: ChatClient, id: string): ChatTicket => {
  const ticket = client.getState().tickets.find((t) => t.id === id)
  if (!ticket) throw new Error(`no ticket ${id}`)
  return ticket
}

/** Waits until `check` passes (the feed and pages arrive asynchronously). */
async function until(check: () => void, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms
  for (;;) {
    try {
      check()
      return
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }
}

/** A ticket with `count` messages `m0 … m(count-1)`, written by a client of its own. */
async function longTicket(device: ReturnType<typeof createDevice>, count: number): Promise<string> {
  const writer = device.open()
  const id = writer.createTicket('support', 'A long conversation')
  for (let i = 0; i < count; i++) void writer.sendTicketMessage(id, `m${i}`, { sender: i % 2 === 0 ? 'user' : 'assistant' })
  await writer.flush()
  await writer.close()
  return id
}

describe('a ticket of 10,000 messages', () => {
  test('a client holds its header, not its history, until it is watched', async () => {
    const device = createDevice()
    const id = await longTicket(device, 10_000)
    const reader = device.open()
    await reader.ready
    expect(ticketOf(reader, id)).toMatchObject({ messages: [], messageCount: 10_000, hasOlder: true, lastMessage: { content: 'm9999' } })

    const release = reader.watchTicket(id)
    await until(() => expect(ticketOf(reader, id).messages).toHaveLength(WINDOW))
    expect(ticketOf(reader, id).messages.map((m) => m.content)).toEqual(Array.from({ length: WINDOW }, (_, i) => `m${10_000 - WINDOW + i}`))
    expect(ticketOf(reader, id).hasOlder).toBe(true)
    release()
  }, 60_000)

  test('loadOlder pages walk the whole history once, in order, while new messages arrive', async () => {
    const device = createDevice()
    const id = await longTicket(device, 10_000)
    const reader = device.open()
    const writer = device.open()
    await Promise.all([reader.ready, writer.ready])
    const release = reader.watchTicket(id)
    let page = await reader.loadOlder(id, 500)
    let arrivals = 0
    while (page.hasOlder) {
      // Another client keeps writing while this one scrolls back.
      void writer.sendTicketMessage(id, `new${arrivals++}`)
      page = await reader.loadOlder(id, 500)
      expect(page.loaded).toBeGreaterThan(0)
    }
    await writer.flush()
    const expected = [...Array.from({ length: 10_000 }, (_, i) => `m${i}`), ...Array.from({ length: arrivals }, (_, i) => `new${i}`)]
    await until(() => expect(ticketOf(reader, id).messages.map((m) => m.content)).toEqual(expected))
    expect(ticketOf(reader, id)).toMatchObject({ hasOlder: false, messageCount: 10_000 + arrivals })
    expect((await reader.loadOlder(id, 500)).loaded).toBe(0)

    // Let go: only the newest window stays.
    release()
    expect(ticketOf(reader, id).messages.map((m) => m.content)).toEqual(expected.slice(-WINDOW))
    expect(ticketOf(reader, id).hasOlder).toBe(true)
  }, 120_000)
})

describe('window rules', () => {
  test('the selected ticket is loaded; deselecting keeps only its newest window', async () => {
    const device = createDevice()
    const id = await longTicket(device, 200)
    const chat = device.open()
    await chat.ready
    await chat.selectTicket(id)
    await until(() => expect(ticketOf(chat, id).messages).toHaveLength(WINDOW))
    await chat.loadOlder(id, 50)
    expect(ticketOf(chat, id).messages).toHaveLength(WINDOW + 50)
    await chat.selectTicket(null)
    await until(() => expect(ticketOf(chat, id).messages).toHaveLength(WINDOW))
    expect(ticketOf(chat, id).messages.at(-1)!.content).toBe('m199')
  })

  test('a client that writes to a ticket holds it; idle tickets beyond maxLoadedTickets go back to their header', async () => {
    const device = createDevice()
    const chat = device.open({ config: { maxLoadedTickets: 2 } })
    const ids = ['one', 'two', 'three', 'four'].map((title) => chat.createTicket('support', title, `first of ${title}`))
    await chat.flush()
    await until(() => expect(chat.getState().tickets.filter((t) => t.messages.length > 0).map((t) => t.title)).toEqual(['three', 'four']))
    for (const id of ids) expect(ticketOf(chat, id)).toMatchObject({ messageCount: 1, lastMessage: { content: expect.stringMatching(/^first of /) } })
    // Writing to an evicted ticket loads it again, with the message it had.
    await chat.sendTicketMessage(ids[0]!, 'second of one')
    await until(() => expect(ticketOf(chat, ids[0]!).messages.map((m) => m.content)).toEqual(['first of one', 'second of one']))
  })

  test('a ticket this client keeps writing to, that nobody shows, is cut back to its window', async () => {
    const device = createDevice()
    const chat = device.open()
    const id = chat.createTicket('support', 'Chatty')
    for (let i = 0; i < 100; i++) void chat.sendTicketMessage(id, `line ${i}`)
    await chat.flush()
    await until(() => expect(ticketOf(chat, id).messages).toHaveLength(WINDOW))
    expect(ticketOf(chat, id)).toMatchObject({ messageCount: 100, hasOlder: true })
    expect(ticketOf(chat, id).messages.at(-1)!.content).toBe('line 99')
  })

  test("the specification's ticket test holds: a ticket made and written here shows its messages", async () => {
    const chat = createDevice().open()
    const id = chat.createTicket('support', 'Test Issue', 'Initial message')
    await chat.sendTicketMessage(id, 'Follow-up message')
    void chat.resolveTicket(id, 'Resolved successfully')
    expect(ticketOf(chat, id)).toMatchObject({ status: 'resolved', messageCount: 2, hasOlder: false })
    expect(ticketOf(chat, id).messages).toHaveLength(2)
  })
})

describe('unread counts', () => {
  test('count what the user did not send after the read marker, live in every client and after a reload', async () => {
    const device = createDevice()
    const user = device.open()
    const agent = device.open()
    const id = user.createTicket('order-help', 'Where is my order?', 'Order 1234 is late')
    await user.flush()
    await agent.ready
    await until(() => expect(agent.getState().tickets).toHaveLength(1))
    await agent.sendTicketMessage(id, 'Looking into it', { sender: 'assistant' })
    await agent.sendTicketMessage(id, 'It ships today', { sender: 'assistant' })
    await user.sendTicketMessage(id, 'Thanks')
    await until(() => expect(ticketOf(user, id).unreadCount).toBe(2))
    expect(ticketOf(agent, id).unreadCount).toBe(2)

    await user.markRead(id)
    expect(ticketOf(user, id).unreadCount).toBe(0)
    await until(() => expect(ticketOf(agent, id).unreadCount).toBe(0))
    await agent.sendTicketMessage(id, 'Tracking number: 42', { sender: 'assistant' })
    await until(() => expect(ticketOf(user, id).unreadCount).toBe(1))

    await user.close()
    const again = device.open()
    await again.ready
    expect(ticketOf(again, id).unreadCount).toBe(1)
  })

  test('the main chat counts unread assistant messages', async () => {
    const chat = createDevice().open()
    await chat.sendMainChatMessage('hello')
    await chat.sendMainChatMessage('Hi! How can I help?', { sender: 'assistant' })
    expect(chat.getState().mainChat.unreadCount).toBe(1)
    await chat.markRead(MAIN_THREAD)
    expect(chat.getState().mainChat.unreadCount).toBe(0)
  })

  test('markRead of an unknown ticket is a NotFoundError, and bad input a ValidationError', async () => {
    const chat = createDevice().open()
    await chat.ready
    expect(() => chat.markRead('nope')).toThrow(expect.objectContaining({ code: 'not-found' }))
    expect(() => chat.markRead(42 as unknown as string)).toThrow(expect.objectContaining({ code: 'validation' }))
    expect(() => chat.loadOlder('x', 0)).toThrow(expect.objectContaining({ code: 'validation' }))
    expect(() => chat.watchTicket('')).toThrow(expect.objectContaining({ code: 'validation' }))
  })
})

describe('cleanup and wipes', () => {
  test('a watched ticket removed by cleanup disappears with its header', async () => {
    let now = Date.UTC(2026, 0, 1)
    const device = createDevice()
    const chat = device.open({ now: () => now })
    const id = chat.createTicket('support', 'Old', 'hello')
    await chat.resolveTicket(id, 'done')
    const release = chat.watchTicket(id)
    now += 8 * 24 * 60 * 60 * 1000
    const report = await chat.runCleanup()
    expect(report.removedTicketIds).toEqual([id])
    expect(chat.getState().tickets).toEqual([])
    release()
  })

  test('clearAllData leaves no header and no unread count', async () => {
    const chat = createDevice().open()
    await chat.sendMainChatMessage('Hi', { sender: 'assistant' })
    chat.createTicket('support', 'T', 'x')
    await chat.flush()
    await chat.clearAllData()
    expect(chat.getState().tickets).toEqual([])
    expect(chat.getState().mainChat.unreadCount).toBe(0)
  })
})
