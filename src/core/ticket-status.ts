/**
 * The ticket life cycle as a pure state machine.
 *
 *   open ⇄ in-progress ──▶ resolved ──▶ closed
 *     └──────────────────▶ resolved        ▲
 *   resolved ──▶ open | in-progress (reopen)│
 *   open | in-progress ────────────────────┘  (closed without resolution)
 *
 * `closed` is final: no status change, message, priority or context change after it.
 * Setting the status a ticket already has is a no-op, not an error.
 */
import { InvalidTransitionError } from './errors.js'
import type { TicketRecord, TicketStatus } from './protocol.js'

/** Which statuses each status may move to (besides itself). */
export const TICKET_TRANSITIONS: Readonly<Record<TicketStatus, readonly TicketStatus[]>> = Object.freeze({
  open: ['in-progress', 'resolved', 'closed'],
  'in-progress': ['open', 'resolved', 'closed'],
  resolved: ['open', 'in-progress', 'closed'],
  closed: [],
})

/** Whether `from → to` is allowed. A ticket may always "move" to the status it has. */
export function canTransition(from: TicketStatus, to: TicketStatus): boolean {
  return from === to || TICKET_TRANSITIONS[from].includes(to)
}

/** Throws `InvalidTransitionError` unless the ticket may still be changed (i.e. is not closed). */
export function assertMutable(ticket: TicketRecord, action: string): void {
  if (ticket.status === 'closed') {
    throw new InvalidTransitionError(`Ticket ${ticket.id} is closed; cannot ${action}`, {
      ticketId: ticket.id,
      status: ticket.status,
    })
  }
}

/**
 * The ticket after a status change at time `at`.
 * - into `resolved`: sets `resolvedAt` (kept when already resolved) and `summary` when given;
 * - out of `resolved` into `open`/`in-progress` (reopen): drops `resolvedAt` and `summary`;
 * - `resolved → closed`: keeps `resolvedAt` and `summary`;
 * - the same status: unchanged (the same object), unless a new summary is given.
 */
export function transitionTicket(ticket: TicketRecord, to: TicketStatus, at: number, summary?: string): TicketRecord {
  const from = ticket.status
  if (!canTransition(from, to)) {
    throw new InvalidTransitionError(`Ticket ${ticket.id} cannot go from '${from}' to '${to}'`, {
      ticketId: ticket.id,
      from,
      to,
    })
  }
  if (from === to && (to !== 'resolved' || summary === undefined || summary === ticket.summary)) return ticket
  const { resolvedAt: _resolvedAt, summary: _summary, ...rest } = ticket
  if (to === 'resolved') {
    return { ...rest, status: to, updatedAt: at, resolvedAt: ticket.resolvedAt ?? at, ...withSummary(summary ?? ticket.summary) }
  }
  if (to === 'closed') {
    return { ...ticket, status: to, updatedAt: at }
  }
  return { ...rest, status: to, updatedAt: at } // open / in-progress: a reopen forgets the resolution
}

const withSummary = (summary: string | undefined): { summary?: string } => (summary === undefined ? {} : { summary })

/** Whether a ticket counts as active in the analytics. */
export function isActive(status: TicketStatus): boolean {
  return status === 'open' || status === 'in-progress'
}

/** Whether a ticket has ended (and so may be removed by cleanup once old enough). */
export function hasEnded(status: TicketStatus): boolean {
  return status === 'resolved' || status === 'closed'
}
