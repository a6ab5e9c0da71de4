import { describe, expect, test } from 'vitest'
import { endedAt, isExpired, planCleanup } from '../../src/core/cleanup.js'
import { CHAT_CONFIG, type TicketStatus } from '../../src/core/protocol.js'
import { T0, ticket } from './builders.js'

const MAX = CHAT_CONFIG.maxResolvedTicketAge

describe('isExpired', () => {
  test.each(['resolved', 'closed'] as const)('keeps a %s ticket exactly maxResolvedTicketAge old and removes it 1 ms later', (status) => {
    const ended = ticket({ status, resolvedAt: T0, updatedAt: T0 })
    expect(isExpired(ended, T0 + MAX, CHAT_CONFIG)).toBe(false)
    expect(isExpired(ended, T0 + MAX + 1, CHAT_CONFIG)).toBe(true)
  })

  test.each(['open', 'in-progress'] as const)('never removes a %s ticket', (status) => {
    const old = ticket({ status, createdAt: 0, updatedAt: 0 })
    expect(isExpired(old, T0 + 100 * MAX, CHAT_CONFIG)).toBe(false)
  })

  test('measures a ticket closed without resolution from its last update', () => {
    const closed = ticket({ status: 'closed', createdAt: 0, updatedAt: T0 })
    expect(endedAt(closed)).toBe(T0)
    expect(isExpired(closed, T0 + MAX, CHAT_CONFIG)).toBe(false)
    expect(isExpired(closed, T0 + MAX + 1, CHAT_CONFIG)).toBe(true)
  })

  test('measures a resolved ticket from its resolution, not its last update', () => {
    // An assistant message after the resolution moves updatedAt, not the end of the ticket.
    const resolved = ticket({ status: 'resolved', resolvedAt: T0, updatedAt: T0 + MAX })
    expect(endedAt(resolved)).toBe(T0)
    expect(isExpired(resolved, T0 + MAX + 1, CHAT_CONFIG)).toBe(true)
  })

  test('follows the configured age', () => {
    const resolved = ticket({ status: 'resolved', resolvedAt: T0 })
    expect(isExpired(resolved, T0, { maxResolvedTicketAge: 0 })).toBe(false)
    expect(isExpired(resolved, T0 + 1, { maxResolvedTicketAge: 0 })).toBe(true)
    expect(isExpired(resolved, T0 + 1, { maxResolvedTicketAge: 60_000 })).toBe(false)
  })

  test('keeps a ticket that ended in the future of the clock', () => {
    expect(isExpired(ticket({ status: 'resolved', resolvedAt: T0 + 1_000 }), T0, CHAT_CONFIG)).toBe(false)
  })
})

describe('planCleanup', () => {
  test('lists the ids of exactly the expired tickets, in order', () => {
    const now = T0 + MAX + 1
    const at = (id: string, status: TicketStatus, end: number) =>
      ticket({ id, status, updatedAt: end, ...(status === 'resolved' || id === 'closed-resolved' ? { resolvedAt: end } : {}) })
    const tickets = [
      at('resolved-old', 'resolved', T0),
      at('open-old', 'open', 0),
      at('resolved-boundary', 'resolved', T0 + 1),
      at('closed-resolved', 'closed', T0 - 1),
      at('in-progress-old', 'in-progress', 0),
      at('closed-plain', 'closed', T0),
      at('resolved-new', 'resolved', now),
    ]
    expect(planCleanup(tickets, now, CHAT_CONFIG)).toEqual(['resolved-old', 'closed-resolved', 'closed-plain'])
  })

  test('takes any iterable and gives nothing when nothing expired', () => {
    expect(planCleanup(new Map([['a', ticket()]]).values(), T0 + 10 * MAX, CHAT_CONFIG)).toEqual([])
    expect(planCleanup([], T0, CHAT_CONFIG)).toEqual([])
  })
})
