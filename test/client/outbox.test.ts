/**
 * The durable outbox: with `sync` configured, user messages and ticket changes are stored
 * with a delivery state, in the same commit as the change, and kept across reloads and tabs.
 * (The server here never answers, so everything stays queued; delivery itself is tested in
 * test/sync/.)
 */
import { describe, expect, test } from 'vitest'
import { MAIN_THREAD, NotFoundError, ValidationError, type OutboxEntry, type SyncAdapter } from 'companion-chat'
import { createDevice } from '../helpers/client.js'
import { unreachableServer } from '../helpers/sync.js'

const kinds = (entries: readonly OutboxEntry[]) => entries.map((entry) => [entry.change.kind, entry.thread, entry.state])

describe('with sync configured', () => {
  test('a user message says pending and is in the outbox from its commit; replies of others are not', async () => {
    const device = createDevice()
    const chat = device.open({ sync: unreachableServer() })
    const sent = chat.sendMainChatMessage('Where is my parcel?')
    expect(chat.getState().mainChat.messages[0]).toMatchObject({ content: 'Where is my parcel?', delivery: 'pending' }) // shown at once
    await sent
    await chat.sendMainChatMessage('It is on its way', { sender: 'assistant' })
    const [mine, reply] = chat.getState().mainChat.messages
    expect(reply!.delivery).toBeUndefined()
    const entry = chat.outbox$.value[0]!
    expect(chat.outbox$.value).toEqual([
      { id: mine!.id, seq: entry.seq, thread: MAIN_THREAD, state: 'pending', change: { kind: 'message', id: mine!.id, seq: entry.seq, thread: MAIN_THREAD, message: withoutDelivery(mine!) } },
    ])
  })

  test('ticket changes are queued with the fields they set and the values before', async () => {
    const device = createDevice()
    const chat = device.open({ sync: unreachableServer() })
    const ticketId = chat.createTicket('order-help', 'Late parcel', 'Order 42 is late')
    await chat.updateTicketPriority(ticketId, 'high')
    await chat.resolveTicket(ticketId, 'Arrived')
    const entries = chat.outbox$.value
    expect(kinds(entries)).toEqual([
      ['ticket', ticketId, 'pending'],
      ['message', ticketId, 'pending'],
      ['ticket', ticketId, 'pending'],
      ['ticket', ticketId, 'pending'],
    ])
    expect(entries[0]!.change).toMatchObject({ kind: 'ticket', base: null, ticket: { id: ticketId, title: 'Late parcel', status: 'open' } })
    expect(entries[2]!.change).toMatchObject({ kind: 'ticket', changed: ['priority'], base: { priority: 'medium' } })
    expect(entries[3]!.change).toMatchObject({ kind: 'ticket', changed: ['status'], base: { status: { status: 'open' } }, ticket: { status: 'resolved', summary: 'Arrived' } })
    // A message of someone else into the ticket touches it, but changes none of its synced fields.
    await chat.sendTicketMessage(ticketId, 'Glad it arrived', { sender: 'assistant' })
    expect(chat.outbox$.value).toHaveLength(4)
  })

  test('the outbox and the delivery states survive a reload, in order', async () => {
    const device = createDevice()
    const first = device.open({ sync: unreachableServer() })
    for (const text of ['one', 'two', 'three']) void first.sendMainChatMessage(text)
    await first.flush()
    const before = first.outbox$.value
    await first.close()
    const again = device.open({ sync: unreachableServer() })
    await again.ready
    expect(again.outbox$.value).toEqual(before)
    expect(again.outbox$.value.map((entry) => entry.change.kind === 'message' && entry.change.message.content)).toEqual(['one', 'two', 'three'])
    expect(again.getState().mainChat.messages.map((m) => m.delivery)).toEqual(['pending', 'pending', 'pending'])
  })

  test('another tab sees the outbox change live', async () => {
    const device = createDevice()
    const one = device.open({ sync: unreachableServer() })
    const two = device.open({ sync: unreachableServer() })
    await Promise.all([one.ready, two.ready])
    await one.sendMainChatMessage('from tab one')
    await expect.poll(() => two.outbox$.value.length, { timeout: 10_000 }).toBe(1)
  })

  test('discardDelivery takes an entry out unsent: the message stays, without a delivery state', async () => {
    const device = createDevice()
    const chat = device.open({ sync: unreachableServer() })
    await chat.sendMainChatMessage('never mind')
    const [entry] = chat.outbox$.value
    await chat.discardDelivery(entry!.id)
    expect(chat.outbox$.value).toEqual([])
    expect(chat.getState().mainChat.messages[0]).toMatchObject({ content: 'never mind' })
    expect(chat.getState().mainChat.messages[0]!.delivery).toBeUndefined()
    await expect(chat.retryDelivery(entry!.id)).rejects.toBeInstanceOf(NotFoundError)
  })
})

test('close() ends while an adapter call never does (an adapter that ignores the signal), and the next client takes over', async () => {
  // Node's fetch can hang reading an aborted answer; a hand-written adapter may ignore the signal.
  const stuck = () => {
    const pushed: string[][] = []
    const adapter: SyncAdapter = {
      name: 'stuck',
      push: (changes) => {
        pushed.push(changes.map((change) => change.id))
        return new Promise(() => {})
      },
      pull: async () => ({ changes: [], checkpoint: '1', more: false }),
      live: () => new Promise(() => {}),
    }
    return { adapter, pushed }
  }
  const device = createDevice()
  const first = stuck()
  const chat = device.open({ sync: first.adapter })
  await chat.sendMainChatMessage('Is my parcel lost?')
  await expect.poll(() => first.pushed.length).toBe(1)
  await expect.poll(() => chat.sync$.value.state).toBe('online') // waiting on live changes too
  await chat.close()
  expect(chat.sync$.value.state).toBe('off')
  // The election was left: the next client on this database pushes the entry again.
  const next = stuck()
  const reopened = device.open({ sync: next.adapter })
  await expect.poll(() => next.pushed).toEqual([first.pushed[0]])
  expect(reopened.outbox$.value.map((entry) => entry.state)).toEqual(['pending'])
})

test('without sync nothing is queued and messages carry no delivery state', async () => {
  const chat = createDevice().open()
  await chat.sendMainChatMessage('hello')
  chat.createTicket('support', 'Help')
  await chat.flush()
  expect(chat.outbox$.value).toEqual([])
  expect(chat.getState().mainChat.messages[0]!.delivery).toBeUndefined()
  await expect(chat.retryDelivery('x')).rejects.toBeInstanceOf(ValidationError)
})

test('a sync option that is not an adapter is refused', () => {
  expect(() => createDevice().open({ sync: {} as never })).toThrow(ValidationError)
})

function withoutDelivery<T extends { delivery?: unknown }>(message: T): Omit<T, 'delivery'> {
  const { delivery: _, ...rest } = message
  return rest
}
