/**
 * `clearAllData` in one tab while another tab writes: two clients, each with its own engine
 * (as two tabs with dedicated workers), on one database. Whatever the timing, both tabs and
 * the database agree afterwards, and the clear removes a write only if the writing tab had
 * acknowledged it before the clear reached that tab.
 */
import { describe, expect, test } from 'vitest'
import type { ChatClient } from 'companion-chat'
import { createDevice } from '../helpers/client.js'

const macrotask = () => new Promise<void>((resolve) => setImmediate(resolve))
const ticks = async (n: number) => {
  for (let i = 0; i < n; i++) await macrotask()
}
const contents = (client: ChatClient) => client.getState().mainChat.messages.map((m) => m.content)
const titles = (client: ChatClient) => client.getState().tickets.map((t) => t.title)
const config = { autoCleanupInterval: 0 }

/**
 * The writing tab's writes, each `offset` macrotasks after the clear (negative: before it):
 * main-chat sends, and a ticket whose title is its name.
 */
const WRITES = [
  { name: 'first', offset: 0, ticket: false },
  { name: 'ticket', offset: 1, ticket: true },
  { name: 'second', offset: 3, ticket: false },
  { name: 'third', offset: 6, ticket: false },
] as const

describe('clearAllData in one tab while another tab writes', () => {
  // `npm run test:soak` repeats every timing CLEAR_RACE_REPEAT times.
  const repeat = Number(process.env['CLEAR_RACE_REPEAT'] ?? 1)
  test.each(Array.from({ length: 36 * repeat }, (_, i) => (i % 36) - 10))(
    'both tabs and the database agree, and only writes acknowledged before the clear reached their tab go (writes from %i macrotasks after the clear)',
    async (start) => {
      const device = createDevice()
      const clearing = device.open({ config })
      const writing = device.open({ config })
      await Promise.all([clearing.ready, writing.ready])
      await clearing.sendMainChatMessage('before')
      await expect.poll(() => contents(writing)).toEqual(['before'])

      // What the writing tab sees, in order: each write acknowledged, and the clear arriving.
      const events: string[] = []
      const stop = writing.onStateChange(() => {
        if (!events.includes('cleared') && !contents(writing).includes('before')) events.push('cleared')
      })
      const write = async (name: string, ticket: boolean) => {
        if (ticket) {
          writing.createTicket('support', name)
          await writing.flush()
        } else {
          await writing.sendMainChatMessage(name)
        }
        events.push(name)
      }
      const clear = async () => {
        await ticks(Math.max(0, -start))
        await clearing.clearAllData()
      }
      const writes = WRITES.map(async ({ name, offset, ticket }) => {
        await ticks(Math.max(0, start + offset))
        await write(name, ticket)
      })
      await Promise.all([clear(), ...writes])
      await Promise.all([clearing.flush(), writing.flush()])
      await ticks(50) // the notices between the engines
      stop()

      const reopened = device.open({ config })
      await reopened.ready
      const disk = { messages: contents(reopened), tickets: titles(reopened) }
      expect({ messages: contents(clearing), tickets: titles(clearing) }).toEqual(disk)
      expect({ messages: contents(writing), tickets: titles(writing) }).toEqual(disk)
      expect(disk.messages).not.toContain('before')
      expect(events).toContain('cleared')
      const kept = [...disk.messages, ...disk.tickets]
      for (const { name } of WRITES) {
        // Gone only if it was acknowledged before the clear reached the writing tab.
        if (!kept.includes(name)) expect(events.indexOf(name), `${name} in ${events.join()}`).toBeLessThan(events.indexOf('cleared'))
      }
    },
  )
})
