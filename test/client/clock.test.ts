import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import type { ChatClient } from 'companion-chat'
import { createDevice } from '../helpers/client.js'

/** A clock the test sets; it may go backwards, as a device's clock can. */
function testClock(start: number) {
  let time = start
  return { now: () => time, set: (to: number) => (time = to) }
}

/** `lastActivity` as a client opened afterwards reads it from the database. */
async function storedLastActivity(device: ReturnType<typeof createDevice>): Promise<number> {
  const reader = device.open({ config: { maxMainChatMessages: 2, autoCleanupInterval: 0 } })
  await reader.ready
  return reader.getState().mainChat.lastActivity
}

describe('a clock that goes backwards', () => {
  test('leaves lastActivity the same shown and stored when a batch also trims the main chat', async () => {
    const device = createDevice()
    let time = 10_000
    const chat = device.open({ now: () => (time -= 100), config: { maxMainChatMessages: 2, autoCleanupInterval: 0 } })
    await chat.ready
    // Every reading of the clock is earlier than the one before; the first of three messages does not fit.
    const sends = chat.sendMainChatMessages(['b', 'c', 'd'])
    const shownAtOnce = chat.getState().mainChat.lastActivity
    await sends
    expect(chat.getState().mainChat.messages.map((m) => m.content)).toEqual(['c', 'd'])
    expect(chat.getState().mainChat.lastActivity).toBe(shownAtOnce)
    expect(await storedLastActivity(device)).toBe(chat.getState().mainChat.lastActivity)
  })

  test('leaves lastActivity the same shown and stored when the typing indicator is set at an earlier time', async () => {
    const device = createDevice()
    const clock = testClock(1_000)
    const chat = device.open({ now: clock.now, config: { maxMainChatMessages: 2, autoCleanupInterval: 0 } })
    await chat.sendMainChatMessage('at 1000')
    clock.set(500)
    await chat.sendMainChatMessages(['at 500', 'also at 500']) // the message of 1000 is trimmed
    await chat.setMainChatTyping(true)
    expect(chat.getState().mainChat.lastActivity).toBe(1_000)
    expect(await storedLastActivity(device)).toBe(1_000)
  })

  test('never lets shown and stored lastActivity differ, whatever the clock and the commands', async () => {
    type Step =
      | { readonly clock: number }
      | { readonly send: number }
      | { readonly typing: boolean }
      | { readonly view: 'chat' | 'tickets' }
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({ clock: fc.integer({ min: 0, max: 10_000 }) }),
      fc.record({ send: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ typing: fc.boolean() }),
      fc.record({ view: fc.constantFrom('chat' as const, 'tickets' as const) }),
    )
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 10 }), fc.boolean(), async (steps, awaitEach) => {
        const device = createDevice()
        const clock = testClock(5_000)
        const chat: ChatClient = device.open({ now: clock.now, config: { maxMainChatMessages: 2, autoCleanupInterval: 0 } })
        await chat.ready
        for (const s of steps) {
          let done: Promise<void> | undefined
          if ('clock' in s) clock.set(s.clock)
          else if ('send' in s) done = s.send === 1 ? chat.sendMainChatMessage('one') : chat.sendMainChatMessages(Array.from({ length: s.send }, (_, i) => `m${i}`))
          else if ('typing' in s) done = chat.setMainChatTyping(s.typing)
          else done = chat.switchChatView(s.view)
          if (awaitEach) await done
        }
        const shownAtOnce = chat.getState().mainChat.lastActivity
        await chat.flush()
        const shown = chat.getState().mainChat.lastActivity
        expect(shown).toBe(shownAtOnce)
        expect(await storedLastActivity(device)).toBe(shown)
        await chat.close()
      }),
      { seed: 1_129, numRuns: 60 },
    )
  }, 60_000)
})
