/**
 * Retention planning: which tickets cleanup removes. Pure; the engine deletes what it says.
 */
import type { ChatConfig, TicketRecord } from './protocol.js'
import { hasEnded } from './ticket-status.js'

/**
 * When a ticket ended: its resolution time, or its last update for a ticket closed
 * without being resolved.
 */
export function endedAt(ticket: TicketRecord): number {
  return ticket.resolvedAt ?? ticket.updatedAt
}

/**
 * Whether cleanup removes `ticket` at time `now`: it is resolved or closed, and ended
 * strictly more than `maxResolvedTicketAge` ago. A ticket exactly that old stays.
 */
export function isExpired(ticket: TicketRecord, now: number, config: Pick<ChatConfig, 'maxResolvedTicketAge'>): boolean {
  return hasEnded(ticket.status) && now - endedAt(ticket) > config.maxResolvedTicketAge
}

/** The ids of the tickets cleanup removes at `now`. */
export function planCleanup(
  tickets: Iterable<TicketRecord>,
  now: number,
  config: Pick<ChatConfig, 'maxResolvedTicketAge'>,
): string[] {
  const ids: string[] = []
  for (const ticket of tickets) if (isExpired(ticket, now, config)) ids.push(ticket.id)
  return ids
}
