import { describe, expect, test } from 'vitest'
import { ZERO_COUNTERS, computeAnalytics, resolutionDelta, sameAnalytics } from '../../src/core/analytics.js'
import { EMPTY_ANALYTICS, type ChatAnalytics } from '../../src/core/protocol.js'
import { transitionTicket } from '../../src/core/ticket-status.js'
import { T0, ticket } from './builders.js'

describe('resolutionDelta', () => {
  const created = ticket({ createdAt: T0 })
  const resolved = transitionTicket(created, 'resolved', T0 + 3_000, 'Done')

  test('a new open ticket moves nothing', () => {
    expect(resolutionDelta(undefined, created)).toEqual({ count: 0, time: 0 })
  })

  test('resolving counts one ticket and its resolution time', () => {
    expect(resolutionDelta(created, resolved)).toEqual({ count: 1, time: 3_000 })
  })

  test('a ticket resolved the moment it was created counts with a time of 0', () => {
    expect(resolutionDelta(created, transitionTicket(created, 'resolved', T0))).toEqual({ count: 1, time: 0 })
  })

  test.each(['open', 'in-progress'] as const)('reopening to %s takes back what resolving added', (to) => {
    expect(resolutionDelta(resolved, transitionTicket(resolved, to, T0 + 4_000))).toEqual({ count: -1, time: -3_000 })
  })

  test('closing a resolved ticket keeps it counted', () => {
    expect(resolutionDelta(resolved, transitionTicket(resolved, 'closed', T0 + 9_000))).toEqual({ count: 0, time: 0 })
  })

  test('closing a ticket that was never resolved moves nothing', () => {
    expect(resolutionDelta(created, transitionTicket(created, 'closed', T0 + 9_000))).toEqual({ count: 0, time: 0 })
  })

  test('a new summary or a message on a resolved ticket moves nothing', () => {
    expect(resolutionDelta(resolved, transitionTicket(resolved, 'resolved', T0 + 5_000, 'Better summary'))).toEqual({ count: 0, time: 0 })
    expect(resolutionDelta(resolved, { ...resolved, updatedAt: T0 + 6_000 })).toEqual({ count: 0, time: 0 })
  })

  test('resolve, reopen, resolve again counts once with the latest time', () => {
    const reopened = transitionTicket(resolved, 'open', T0 + 4_000)
    const again = transitionTicket(reopened, 'resolved', T0 + 10_000)
    const steps = [resolutionDelta(created, resolved), resolutionDelta(resolved, reopened), resolutionDelta(reopened, again)]
    expect(steps.reduce((a, b) => ({ count: a.count + b.count, time: a.time + b.time }))).toEqual({ count: 1, time: 10_000 })
  })
})

describe('computeAnalytics', () => {
  test('gives 0 as the average when nothing was resolved', () => {
    expect(computeAnalytics(ZERO_COUNTERS, 0, [])).toEqual(EMPTY_ANALYTICS)
    expect(computeAnalytics({ totalMessages: 4, resolvedTickets: 0, resolutionTimeSum: 0 }, 2, []).averageResolutionTime).toBe(0)
  })

  test('rounds the average resolution time to whole milliseconds', () => {
    expect(computeAnalytics({ totalMessages: 0, resolvedTickets: 3, resolutionTimeSum: 1_000 }, 0, []).averageResolutionTime).toBe(333)
    expect(computeAnalytics({ totalMessages: 0, resolvedTickets: 3, resolutionTimeSum: 2_000 }, 0, []).averageResolutionTime).toBe(667)
    expect(computeAnalytics({ totalMessages: 0, resolvedTickets: 2, resolutionTimeSum: 3 }, 0, []).averageResolutionTime).toBe(2)
  })

  test('passes the counters, active tickets and topics through', () => {
    const topics = ['laptop', 'mouse']
    expect(computeAnalytics({ totalMessages: 12, resolvedTickets: 2, resolutionTimeSum: 5_000 }, 3, topics)).toEqual({
      totalMessages: 12,
      activeTickets: 3,
      resolvedTickets: 2,
      averageResolutionTime: 2_500,
      commonTopics: topics,
    })
  })
})

describe('sameAnalytics', () => {
  const base: ChatAnalytics = { totalMessages: 5, activeTickets: 1, resolvedTickets: 2, averageResolutionTime: 100, commonTopics: ['a', 'b'] }

  test('is true for equal figures in different objects', () => {
    expect(sameAnalytics(base, { ...base, commonTopics: ['a', 'b'] })).toBe(true)
  })

  test.each([
    ['totalMessages', { totalMessages: 6 }],
    ['activeTickets', { activeTickets: 0 }],
    ['resolvedTickets', { resolvedTickets: 3 }],
    ['averageResolutionTime', { averageResolutionTime: 101 }],
    ['a topic', { commonTopics: ['a', 'c'] }],
    ['the topic order', { commonTopics: ['b', 'a'] }],
    ['the number of topics', { commonTopics: ['a'] }],
  ])('is false when %s differs', (_, patch) => {
    expect(sameAnalytics(base, { ...base, ...patch })).toBe(false)
    expect(sameAnalytics({ ...base, ...patch }, base)).toBe(false)
  })
})
