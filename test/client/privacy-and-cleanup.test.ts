import { describe, expect, test } from 'vitest'
import { createDevice } from '../helpers/client.js'

const DAY = 24 * 60 * 60 * 1000
const WEEK = 7 * DAY

describe('clearAllData', () => {
  test('empties every observable at once and deletes the database', async () => {
    const device = createDevice()
    const chat = device.open()
    await chat.sendMainChatMessage('my secret address is 1 Main St')
    await chat.updateUserContext({ personalInfo: { name: 'Ann' } })
    const id = chat.createTicket('support', 'Private', 'details')
    await chat.resolveTicket(id)
    await chat.selectTicket(id)
    expect((await device.indexedDB.databases()).map((d) => d.name)).toContain(device.databaseName)

    const clearing = chat.clearAllData()
    // At once, before the engine confirmed:
    expect(chat.getState().mainChat.messages).toEqual([])
    expect(chat.getState().tickets).toEqual([])
    await clearing
    const state = chat.getState()
    expect(state.mainChat.messages).toEqual([])
    expect(state.tickets).toEqual([])
    expect(state.userContext).toEqual({})
    expect(state.activeTicketId).toBeNull()
    expect(state.analytics).toEqual({ totalMessages: 0, activeTickets: 0, resolvedTickets: 0, averageResolutionTime: 0, commonTopics: [] })
    expect(chat.messages$.value).toEqual([])
    expect(chat.userContext$.value).toEqual({})
    expect((await device.indexedDB.databases()).map((d) => d.name)).not.toContain(device.databaseName)
    expect(JSON.stringify(chat.getState())).not.toContain('Main St')

    const reopened = device.open()
    await reopened.ready
    expect(JSON.stringify(reopened.getState())).not.toMatch(/Main St|Ann|Private/)
  })

  test('keeps working after a wipe', async () => {
    const device = createDevice()
    const chat = device.open()
    await chat.sendMainChatMessage('before')
    await chat.clearAllData()
    await chat.sendMainChatMessage('after')
    expect(chat.getState().mainChat.messages.map((m) => m.content)).toEqual(['after'])
    expect(chat.getChatAnalytics().totalMessages).toBe(1)
    await chat.close()
    const reopened = device.open()
    await reopened.ready
    expect(reopened.getState().mainChat.messages.map((m) => m.content)).toEqual(['after'])
  })

  test('keeps the order of calls around it: what came before is wiped, what came after stays', async () => {
    const device = createDevice()
    const chat = device.open()
    void chat.sendMainChatMessage('before, same tick')
    const clearing = chat.clearAllData()
    void chat.sendMainChatMessage('after, same tick')
    expect(chat.getState().mainChat.messages.map((m) => m.content)).toEqual(['after, same tick'])
    await clearing
    await chat.flush()
    expect(chat.getState().mainChat.messages.map((m) => m.content)).toEqual(['after, same tick'])
    await chat.close()
    const reopened = device.open()
    await reopened.ready
    expect(reopened.getState().mainChat.messages.map((m) => m.content)).toEqual(['after, same tick'])
  })

  test('reaches another client on the same database, which keeps working', async () => {
    const device = createDevice()
    const a = device.open()
    const b = device.open()
    await a.sendMainChatMessage('shared')
    await expect.poll(() => b.getState().mainChat.messages.length).toBe(1)
    await a.clearAllData()
    await expect.poll(() => b.getState().mainChat.messages.length).toBe(0)
    await b.sendMainChatMessage('b after the wipe')
    await expect.poll(() => a.getState().mainChat.messages.map((m) => m.content)).toEqual(['b after the wipe'])
    await Promise.all([a.close(), b.close()])
    const reopened = device.open()
    await reopened.ready
    expect(reopened.getState().mainChat.messages.map((m) => m.content)).toEqual(['b after the wipe'])
  })
})

describe('cleanup', () => {
  const setup = () => {
    let t = 1_700_000_000_000
    const device = createDevice()
    const chat = device.open({ now: () => t, config: { autoCleanupInterval: 0 } })
    return { device, chat, advance: (ms: number) => (t += ms) }
  }

  test('removes resolved tickets strictly older than maxResolvedTicketAge, with their messages', async () => {
    const { chat, advance } = setup()
    const old = chat.createTicket('support', 'Old', 'a')
    await chat.sendTicketMessage(old, 'b')
    const open = chat.createTicket('support', 'Still open', 'c')
    await chat.resolveTicket(old)
    await chat.selectTicket(old)
    advance(WEEK)
    expect(await chat.runCleanup()).toEqual({ removedTicketIds: [], removedMessages: 0 }) // exactly 7 days: kept
    advance(1)
    expect(await chat.runCleanup()).toEqual({ removedTicketIds: [old], removedMessages: 2 })
    expect(chat.getState().tickets.map((t) => t.id)).toEqual([open])
    expect(chat.getState().activeTicketId).toBeNull()
    // Lifetime counters are not lowered by cleanup.
    expect(chat.getChatAnalytics()).toMatchObject({ totalMessages: 3, resolvedTickets: 1, activeTickets: 1 })
    expect(await chat.runCleanup()).toEqual({ removedTicketIds: [], removedMessages: 0 }) // idempotent
  })

  test('removes closed tickets by the time they were closed', async () => {
    const { chat, advance } = setup()
    const id = chat.createTicket('support', 'Closed unresolved')
    advance(DAY)
    await chat.updateTicketStatus(id, 'closed')
    advance(WEEK)
    expect((await chat.runCleanup()).removedTicketIds).toEqual([])
    advance(1)
    expect((await chat.runCleanup()).removedTicketIds).toEqual([id])
  })

  test('is harmless when two clients run it at once', async () => {
    let t = 1_700_000_000_000
    const device = createDevice()
    const a = device.open({ now: () => t, config: { autoCleanupInterval: 0 } })
    const b = device.open({ now: () => t, config: { autoCleanupInterval: 0 } })
    const ids = [a.createTicket('support', 'x', 'm'), a.createTicket('support', 'y', 'm')]
    for (const id of ids) void a.resolveTicket(id)
    await a.flush()
    t += WEEK + 1
    const [ra, rb] = await Promise.all([a.runCleanup(), b.runCleanup()])
    expect([...ra.removedTicketIds, ...rb.removedTicketIds].sort()).toEqual([...ids].sort())
    expect(ra.removedMessages + rb.removedMessages).toBe(2)
    // Either client may be the one that removed them: the other hears of it from the other tab.
    await expect.poll(() => b.getState().tickets.length).toBe(0)
    await expect.poll(() => a.getState().tickets.length).toBe(0)
    expect(a.getState().tickets).toEqual([])
  })

  /**
   * A database holding one ticket resolved just over `maxResolvedTicketAge` ago (written
   * without automatic cleanup), and a second client opened on it with `config`.
   */
  async function expiredTicket(config: { autoCleanupInterval?: number } = {}) {
    let t = 1_700_000_000_000
    const device = createDevice()
    const first = device.open({ now: () => t, config: { autoCleanupInterval: 0 } })
    const id = first.createTicket('support', 'Resolved long ago')
    await first.resolveTicket(id)
    await first.close()
    t += WEEK + 1
    return { id, second: device.open({ now: () => t, config }) }
  }

  test('runs on its own when the database opens', async () => {
    const { second } = await expiredTicket() // default schedule: once at open, then hourly
    await second.ready
    await expect.poll(() => second.getState().tickets.length).toBe(0)
  })

  test('autoCleanupInterval 0 turns automatic cleanup off, the run at open too; runCleanup still removes', async () => {
    const { id, second } = await expiredTicket({ autoCleanupInterval: 0 })
    await second.ready
    await second.flush()
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(second.getState().tickets.map((ticket) => ticket.id)).toEqual([id])
    expect((await second.runCleanup()).removedTicketIds).toEqual([id])
    expect(second.getState().tickets).toEqual([])
  })

  test('tickets a cleanup keeps stay the same objects while the ones it removes go', async () => {
    const { chat, advance } = setup()
    const old = [chat.createTicket('support', 'Old 1', 'a'), chat.createTicket('support', 'Old 2', 'b')]
    await Promise.all(old.map((id) => chat.resolveTicket(id)))
    advance(8 * DAY)
    const open = chat.createTicket('support', 'Open', 'c')
    const recent = chat.createTicket('support', 'Recent', 'd')
    await chat.resolveTicket(recent)
    await chat.flush()
    const before = chat.getState().tickets
    const kept = before.filter((ticket) => ticket.id === open || ticket.id === recent)
    const seen: Array<readonly unknown[]> = []
    const subscription = chat.tickets$.subscribe((tickets) => seen.push(tickets))
    expect([...(await chat.runCleanup()).removedTicketIds].sort()).toEqual([...old].sort())
    subscription.unsubscribe()
    const after = chat.getState().tickets
    expect(after.map((ticket) => ticket.id)).toEqual([open, recent])
    expect(after[0]).toBe(kept[0])
    expect(after[1]).toBe(kept[1])
    expect(seen).toEqual([before, after])
  })

  test('a cleanup of thousands of tickets lets other tasks run while it shows, and ends with every removal shown', async () => {
    const { chat, advance } = setup()
    const n = 1_200 // more than one slice (REMOVAL_SLICE) of removals
    const ids = Array.from({ length: n }, (_, i) => chat.createTicket('support', `Old ${i}`, `text ${i}`))
    await Promise.all(ids.map((id) => chat.resolveTicket(id)))
    await chat.selectTicket(ids[0]!)
    advance(8 * DAY)
    const open = chat.createTicket('support', 'Open', 'kept')
    await chat.flush()
    const keptTicket = chat.getState().tickets.find((ticket) => ticket.id === open)

    // Each emission, with how many times a timer running meanwhile (other work of the page) had run.
    const shown: Array<{ count: number; active: string | null; ticks: number }> = []
    let ticks = 0
    let ticking = true
    const tick = () => {
      ticks++
      if (ticking) setTimeout(tick, 0)
    }
    const subscription = chat.state$.subscribe((state) => shown.push({ count: state.tickets.length, active: state.activeTicketId, ticks }))
    setTimeout(tick, 0)
    const report = await chat.runCleanup()
    ticking = false
    subscription.unsubscribe()
    expect(report.removedTicketIds).toHaveLength(n)
    expect(chat.getState().tickets.map((ticket) => ticket.id)).toEqual([open])
    expect(chat.getState().tickets[0]).toBe(keptTicket)
    expect(chat.getState().activeTicketId).toBeNull()

    const during = shown.filter(({ count }) => count < n + 1) // the emissions that show removals
    expect(during.at(-1)).toMatchObject({ count: 1, active: null })
    // Part of the removals showed, and the page's timer ran, before the rest: it was not held for all of them.
    expect(during.length).toBeGreaterThan(1)
    expect(during.at(-1)!.ticks).toBeGreaterThan(during[0]!.ticks)
    // The counts only go down, and the selected ticket stays (selected) until the last of them.
    for (let i = 1; i < during.length; i++) expect(during[i]!.count).toBeLessThanOrEqual(during[i - 1]!.count)
    for (const emission of during.slice(0, -1)) expect(emission.active).toBe(ids[0])
  }, 60_000)
})

describe('two clients on one database', () => {
  test('see each other’s changes live, without duplicates', async () => {
    const device = createDevice()
    const a = device.open()
    const b = device.open()
    await Promise.all([a.ready, b.ready])
    await a.sendMainChatMessage('from a')
    await b.sendMainChatMessage('from b')
    const ticket = a.createTicket('support', 'Shared ticket', 'first')
    await a.flush()
    await expect.poll(() => b.getState().tickets.length).toBe(1)
    await b.sendTicketMessage(ticket, 'b answers')
    await expect.poll(() => a.getState().tickets[0]?.messages.length).toBe(2)
    await expect.poll(() => a.getState().mainChat.messages.map((m) => m.content)).toEqual(['from a', 'from b'])
    expect(b.getState().mainChat.messages.map((m) => m.content)).toEqual(['from a', 'from b'])
    await expect.poll(() => a.getChatAnalytics().totalMessages).toBe(4)
    expect(b.getChatAnalytics().totalMessages).toBe(4)
  })
})
