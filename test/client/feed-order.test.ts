import { describe, expect, test } from 'vitest'
import type { Patch } from 'companion-chat'
import { createDevice } from '../helpers/client.js'

/** A feed that holds every patch while `holding`, for the test to deliver in the order it likes. */
function heldFeed() {
  const held: Array<{ patch: Patch; deliver: () => void }> = []
  const waiters: Array<{ count: number; resolve: () => void }> = []
  const feed = {
    holding: false,
    held,
    hook(patch: Patch, deliver: () => void) {
      if (!feed.holding) return deliver()
      held.push({ patch, deliver })
      for (const waiter of waiters.splice(0)) {
        if (held.length >= waiter.count) waiter.resolve()
        else waiters.push(waiter)
      }
    },
    /** Resolves once `count` patches are held. */
    holds(count: number): Promise<void> {
      if (held.length >= count) return Promise.resolve()
      return new Promise((resolve) => waiters.push({ count, resolve }))
    },
  }
  return feed
}

describe('the change feed', () => {
  test('settles the outcomes of a patch that arrives after a newer one (a snapshot catches the state up)', async () => {
    const device = createDevice()
    const feed = heldFeed()
    const chat = device.openBehind({ feed: (patch, deliver) => feed.hook(patch, deliver) })
    await chat.ready
    feed.holding = true
    const first = chat.sendMainChatMessage('one')
    await feed.holds(1)
    const second = chat.sendMainChatMessage('two')
    await feed.holds(2)
    feed.holding = false
    // The newer patch first: the client takes a snapshot; the older one then arrives behind it.
    feed.held[1]!.deliver()
    feed.held[0]!.deliver()

    await second
    await first // hung: the older patch was dropped with the outcome it carried
    await chat.flush()
    expect(chat.status$.value.pendingWrites).toBe(0)
    expect(chat.getState().mainChat.messages.map((m) => m.content)).toEqual(['one', 'two'])
    await chat.close()
  })

  test('settles a refusal carried by a patch older than the mirror', async () => {
    const device = createDevice()
    const feed = heldFeed()
    const chat = device.openBehind({ feed: (patch, deliver) => feed.hook(patch, deliver) })
    await chat.ready
    feed.holding = true
    // Another tab takes the id first; this client does not hear of it while its feed is held.
    await device.open().sendMainChatMessage('theirs', { id: 'taken' })
    await feed.holds(1)
    const refused = chat.sendMainChatMessage('mine', { id: 'taken' })
    refused.catch(() => {})
    await feed.holds(2)
    const sent = chat.sendMainChatMessage('two')
    await feed.holds(3)
    feed.holding = false
    for (const i of [2, 1, 0]) feed.held[i]!.deliver()

    await sent
    await expect(refused).rejects.toMatchObject({ code: 'validation' })
    expect(chat.getState().mainChat.messages.map((m) => m.content)).toEqual(['theirs', 'two'])
    await chat.close()
  })

  test('a call waiting for the feed to show its result ends when a snapshot brings that version (its patch arrives behind it)', async () => {
    const device = createDevice()
    const feed = heldFeed()
    let clock = 1_000_000
    const chat = device.openBehind({ feed: (patch, deliver) => feed.hook(patch, deliver) }, { now: () => clock, config: { autoCleanupInterval: 0 } })
    await chat.ready
    const ticketId = chat.createTicket('support', 'Old question')
    await chat.resolveTicket(ticketId, 'Answered')
    clock += 365 * 24 * 60 * 60 * 1000 // the resolved ticket is old enough for cleanup
    feed.holding = true
    const one = chat.sendMainChatMessage('one')
    await feed.holds(1)
    const two = chat.sendMainChatMessage('two')
    await feed.holds(2)
    const cleanup = chat.runCleanup()
    await feed.holds(3) // the cleanup's patch, held: runCleanup waits for the feed to show it
    feed.holding = false
    // A patch went missing before this one: the client takes a snapshot, which already holds the cleanup.
    feed.held[1]!.deliver()
    await two
    await expect.poll(() => chat.getState().tickets, { timeout: 20_000, interval: 5 }).toEqual([]) // the snapshot is in
    // The cleanup's patch and the missing one arrive behind the snapshot.
    feed.held[2]!.deliver()
    feed.held[0]!.deliver()
    await one

    expect(await cleanup).toEqual({ removedTicketIds: [ticketId], removedMessages: 0 }) // hung: the wait was left for a later patch
    expect(chat.getState().tickets).toEqual([])
    expect(chat.getState().mainChat.messages.map((m) => m.content)).toEqual(['one', 'two'])
    await chat.close()
  })
})
