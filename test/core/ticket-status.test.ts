import { describe, expect, test } from 'vitest'
import { InvalidTransitionError } from '../../src/core/errors.js'
import type { TicketStatus } from '../../src/core/protocol.js'
import { TICKET_TRANSITIONS, assertMutable, canTransition, hasEnded, isActive, transitionTicket } from '../../src/core/ticket-status.js'
import { T0, thrown, ticket } from './builders.js'

const STATUSES: readonly TicketStatus[] = ['open', 'in-progress', 'resolved', 'closed']

// The whole life cycle, written out: [from, to, allowed].
const TABLE: ReadonlyArray<readonly [TicketStatus, TicketStatus, boolean]> = [
  ['open', 'open', true],
  ['open', 'in-progress', true],
  ['open', 'resolved', true],
  ['open', 'closed', true],
  ['in-progress', 'open', true],
  ['in-progress', 'in-progress', true],
  ['in-progress', 'resolved', true],
  ['in-progress', 'closed', true],
  ['resolved', 'open', true],
  ['resolved', 'in-progress', true],
  ['resolved', 'resolved', true],
  ['resolved', 'closed', true],
  ['closed', 'open', false],
  ['closed', 'in-progress', false],
  ['closed', 'resolved', false],
  ['closed', 'closed', true],
]

describe('canTransition', () => {
  test('the table covers all 16 pairs', () => {
    expect(new Set(TABLE.map(([from, to]) => `${from}→${to}`)).size).toBe(STATUSES.length ** 2)
  })

  test.each(TABLE)('%s → %s is allowed: %s', (from, to, allowed) => {
    expect(canTransition(from, to)).toBe(allowed)
  })

  test('TICKET_TRANSITIONS lists exactly the allowed moves to another status', () => {
    for (const from of STATUSES) {
      const expected = TABLE.filter(([f, t, ok]) => f === from && t !== from && ok).map(([, to]) => to)
      expect([...TICKET_TRANSITIONS[from]].sort()).toEqual([...expected].sort())
    }
  })
})

describe('transitionTicket', () => {
  const at = T0 + 5_000

  test('resolving sets status, resolvedAt, summary and updatedAt', () => {
    const before = ticket({ status: 'in-progress' })
    expect(transitionTicket(before, 'resolved', at, 'Found a laptop')).toEqual({
      ...before,
      status: 'resolved',
      resolvedAt: at,
      summary: 'Found a laptop',
      updatedAt: at,
    })
  })

  test('resolving without a summary sets no summary', () => {
    const after = transitionTicket(ticket(), 'resolved', at)
    expect(after.resolvedAt).toBe(at)
    expect(after).not.toHaveProperty('summary')
  })

  test('does not change the ticket it is given', () => {
    const before = Object.freeze(ticket())
    transitionTicket(before, 'resolved', at, 'done')
    expect(before.status).toBe('open')
  })

  test('keeps resolvedAt and summary when a resolved ticket is closed', () => {
    const resolved = ticket({ status: 'resolved', resolvedAt: T0 + 100, summary: 'Done', updatedAt: T0 + 100 })
    const closed = transitionTicket(resolved, 'closed', at)
    expect(closed).toEqual({ ...resolved, status: 'closed', updatedAt: at })
  })

  test.each(['open', 'in-progress'] as const)('forgets resolvedAt and summary when a resolved ticket is reopened to %s', (to) => {
    const resolved = ticket({ status: 'resolved', resolvedAt: T0 + 100, summary: 'Done' })
    const reopened = transitionTicket(resolved, to, at)
    expect(reopened.status).toBe(to)
    expect(reopened.updatedAt).toBe(at)
    expect(reopened).not.toHaveProperty('resolvedAt')
    expect(reopened).not.toHaveProperty('summary')
  })

  test('a ticket resolved again after a reopen gets the new resolution time', () => {
    const resolved = transitionTicket(ticket(), 'resolved', T0 + 1, 'first')
    const reopened = transitionTicket(resolved, 'open', T0 + 2)
    const again = transitionTicket(reopened, 'resolved', T0 + 3)
    expect(again.resolvedAt).toBe(T0 + 3)
    expect(again).not.toHaveProperty('summary')
  })

  test('closing an open ticket sets no resolvedAt', () => {
    const closed = transitionTicket(ticket(), 'closed', at)
    expect(closed.status).toBe('closed')
    expect(closed.updatedAt).toBe(at)
    expect(closed).not.toHaveProperty('resolvedAt')
  })

  test.each(STATUSES)('moving to the status it has (%s) returns the same object', (status) => {
    const same = ticket({ status, ...(status === 'resolved' ? { resolvedAt: T0, summary: 'ok' } : {}) })
    expect(transitionTicket(same, status, at)).toBe(same)
  })

  test('resolving a resolved ticket with the same summary returns the same object', () => {
    const resolved = ticket({ status: 'resolved', resolvedAt: T0, summary: 'ok' })
    expect(transitionTicket(resolved, 'resolved', at, 'ok')).toBe(resolved)
  })

  test('resolving a resolved ticket with a new summary keeps resolvedAt and replaces the summary', () => {
    const resolved = ticket({ status: 'resolved', resolvedAt: T0, summary: 'old' })
    expect(transitionTicket(resolved, 'resolved', at, 'new')).toEqual({ ...resolved, summary: 'new', updatedAt: at })
  })

  test.each(['open', 'in-progress', 'resolved'] as const)('refuses closed → %s with InvalidTransitionError', (to) => {
    const closed = ticket({ id: 't-closed', status: 'closed' })
    const error = thrown(() => transitionTicket(closed, to, at), InvalidTransitionError)
    expect(error.code).toBe('invalid-transition')
    expect(error.details).toEqual({ ticketId: 't-closed', from: 'closed', to })
  })
})

describe('assertMutable', () => {
  test.each(['open', 'in-progress', 'resolved'] as const)('lets a %s ticket be changed', (status) => {
    expect(() => assertMutable(ticket({ status }), 'add a message')).not.toThrow()
  })

  test('refuses to change a closed ticket and says what was attempted', () => {
    const error = thrown(() => assertMutable(ticket({ id: 't-9', status: 'closed' }), 'add a message'), InvalidTransitionError)
    expect(error.code).toBe('invalid-transition')
    expect(error.message).toContain('add a message')
    expect(error.details).toEqual({ ticketId: 't-9', status: 'closed' })
  })
})

describe('isActive and hasEnded', () => {
  test.each([
    ['open', true, false],
    ['in-progress', true, false],
    ['resolved', false, true],
    ['closed', false, true],
  ] as const)('%s: active %s, ended %s', (status, active, ended) => {
    expect(isActive(status)).toBe(active)
    expect(hasEnded(status)).toBe(ended)
  })
})
