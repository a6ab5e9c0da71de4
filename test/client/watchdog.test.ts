import { afterEach, describe, expect, test, vi } from 'vitest'
import { startWatchdog } from '../../src/client/watchdog.js'

afterEach(() => {
  vi.useRealTimers()
})

describe('watchdog', () => {
  test('declares the worker gone when a ping stays unanswered past the timeout', async () => {
    vi.useFakeTimers()
    const onGone = vi.fn()
    const ping = vi.fn(() => new Promise(() => {})) // a dead worker never answers
    startWatchdog({ ping, busy: () => true, timeout: 1_000, onGone })
    await vi.advanceTimersByTimeAsync(1_000)
    expect(ping).toHaveBeenCalledTimes(1)
    expect(onGone).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(600)
    expect(onGone).toHaveBeenCalledTimes(1)
  })

  test('stays quiet while the worker answers', async () => {
    vi.useFakeTimers()
    const onGone = vi.fn()
    const ping = vi.fn(() => Promise.resolve(1))
    const stop = startWatchdog({ ping, busy: () => true, timeout: 1_000, onGone })
    await vi.advanceTimersByTimeAsync(10_000)
    expect(ping.mock.calls.length).toBeGreaterThan(5)
    expect(onGone).not.toHaveBeenCalled()
    stop()
  })

  test('does not ping while nothing is pending', async () => {
    vi.useFakeTimers()
    const ping = vi.fn(() => new Promise(() => {}))
    const onGone = vi.fn()
    const stop = startWatchdog({ ping, busy: () => false, timeout: 1_000, onGone })
    await vi.advanceTimersByTimeAsync(10_000)
    expect(ping).not.toHaveBeenCalled()
    expect(onGone).not.toHaveBeenCalled()
    stop()
  })
})
