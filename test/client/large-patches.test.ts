/**
 * Thousands of commands fired together commit in one transaction, and their patch is large.
 * It must never block the page for the whole of it: it travels in parts, goes into the state in
 * slices while the page shows what the commands showed already, and its commands settle over
 * several tasks.
 */
import { setTimeout } from 'node:timers/promises'
import { expect, test } from 'vitest'
import { PATCH_PART, type ChatSystemState } from '../../src/core/protocol.js'
import { createChatClient } from 'companion-chat'
import { createDevice, killableWorker } from '../helpers/client.js'

/**
 * Counts the runs of a timer that starts again each time it ran: two settlements with
 * different counts came in different tasks. A timer, not `setImmediate`: Node runs every due
 * timer of its timers phase before it checks immediates, so a busy machine would run the
 * client's next task (a timer) before an immediate, while timers run in the order they were set.
 */
function loopTurns() {
  let turns = 0
  let running = true
  void (async () => {
    while (running) {
      await setTimeout(0)
      turns++
    }
  })()
  return {
    get now() {
      return turns
    },
    stop: () => (running = false),
  }
}

const N = 2_500 // 5,000 commands: several parts, slices and settling tasks

test('a patch of thousands of changes travels in parts of at most PATCH_PART changes, and the state gets every change', async () => {
  const device = createDevice()
  const sizes: number[] = []
  const chat = device.openBehind({
    received: (message) => {
      const data = message as { feed?: { changes?: unknown[] }; part?: { changes: unknown[] } }
      const changes = data.part?.changes ?? data.feed?.changes
      if (changes) sizes.push(changes.length)
    },
  })
  await chat.ready
  const ids = Array.from({ length: N }, (_, i) => chat.createTicket('support', `Ticket ${i}`))
  await Promise.all(ids.map((id) => chat.resolveTicket(id, `done ${id}`)))
  expect(Math.max(...sizes)).toBeLessThanOrEqual(PATCH_PART)
  expect(sizes.filter((size) => size === PATCH_PART).length).toBeGreaterThanOrEqual(2)
  // Every change arrived in order: a client opened now reads the same state from the database.
  const other = device.open()
  await other.ready
  expect(chat.getState().tickets).toEqual(other.getState().tickets)
  expect(chat.getState().tickets.map((ticket) => [ticket.title, ticket.status, ticket.summary])).toEqual(
    ids.map((id, i) => [`Ticket ${i}`, 'resolved', `done ${id}`]),
  )
})

test('thousands of commands fired together settle over several tasks; the state shows them all the while, with the objects it showed', async () => {
  const device = createDevice()
  const chat = device.openBehind({})
  await chat.ready
  const states: ChatSystemState[] = []
  const subscription = chat.state$.subscribe((state) => states.push(state))
  const ids = Array.from({ length: N }, (_, i) => chat.createTicket('support', `Ticket ${i}`))
  const resolved = ids.map((id) => chat.resolveTicket(id))
  const shown = chat.getState()
  expect(shown.tickets.map((ticket) => ticket.status)).toEqual(ids.map(() => 'resolved'))
  const turns = loopTurns()
  const settledAt = await Promise.all(resolved.map((promise) => promise.then(() => turns.now)))
  turns.stop()
  subscription.unsubscribe()
  expect(new Set(settledAt).size).toBeGreaterThan(1) // not all in one task
  expect(settledAt).toEqual([...settledAt].sort((a, b) => a - b)) // in the order they were called
  // From the optimistic state on, no state lost or changed a ticket: the confirmed tickets are the objects shown before.
  const from = states.findIndex((state) => state.tickets === shown.tickets)
  expect(from).toBeGreaterThanOrEqual(0)
  for (const state of states.slice(from)) expect(state.tickets).toBe(shown.tickets)
  expect(chat.getState().tickets).toBe(shown.tickets)
  expect(chat.status$.value.pendingWrites).toBe(0)
})

test('a worker lost while a large patch goes in: the client takes the new worker\'s state, and every command settles once', async () => {
  const device = createDevice()
  let workers = 0
  const chat = createChatClient({
    databaseName: device.databaseName,
    worker: () => {
      const worker = killableWorker(device.indexedDB)
      if (++workers === 1) {
        let parts = 0
        worker.on('message', (message) => {
          const data = message as { part?: unknown; feed?: unknown }
          if (data.part !== undefined) parts++
          // The first worker ends once the client has the whole patch, before it has taken it in.
          else if (data.feed !== undefined && parts > 0) queueMicrotask(() => void worker.kill())
        })
      }
      return worker
    },
  })
  await chat.ready
  const ids = Array.from({ length: N }, (_, i) => chat.createTicket('support', `Ticket ${i}`))
  const outcomes = await Promise.allSettled(ids.map((id) => chat.resolveTicket(id)))
  expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([])
  expect(workers).toBe(2)
  expect(chat.status$.value.pendingWrites).toBe(0)
  const other = device.open()
  await other.ready
  expect(other.getState().tickets.map((ticket) => ticket.status)).toEqual(ids.map(() => 'resolved'))
  expect(chat.getState().tickets).toEqual(other.getState().tickets)
  await chat.close()
})
