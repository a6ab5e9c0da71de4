/**
 * The confirmation of thousands of commands issued together: the promises settle in slices,
 * one task each (SETTLE_SLICE), in order, so the app's reactions to them do not hold the
 * page in one long task.
 */
import { expect, test } from 'vitest'
import { createDevice } from '../helpers/client.js'

const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0))

test('5,000 sends fired together: their promises resolve over several tasks, in order, and flush() waits for them all', async () => {
  const device = createDevice()
  const chat = device.open({ config: { autoCleanupInterval: 0, maxMainChatMessages: 10_000 } })
  await chat.ready
  const order: number[] = []
  let resolvedByNextTask: Promise<number> | undefined
  let flushed: Promise<number> | undefined
  const sends = Array.from({ length: 5_000 }, (_, i) =>
    chat.sendMainChatMessage(`message ${i}`).then(() => {
      order.push(i)
      if (resolvedByNextTask) return
      resolvedByNextTask = nextTask().then(() => order.length)
      flushed = chat.flush().then(() => order.length)
    }),
  )
  await Promise.all(sends)
  const byNextTask = await resolvedByNextTask!
  expect(byNextTask).toBeGreaterThan(0)
  expect(byNextTask).toBeLessThan(5_000) // not all in the task that applied the confirmation
  expect(await flushed!).toBe(5_000) // flush() waits for the slices
  expect(order).toEqual(Array.from({ length: 5_000 }, (_, i) => i))
  await chat.close()
})
