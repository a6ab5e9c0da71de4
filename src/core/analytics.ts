/**
 * Analytics as pure arithmetic over lifetime counters. The engine keeps the counters in
 * the same transaction as the rows they count, so they never drift from the data.
 */
import type { ChatAnalytics, TicketRecord } from './protocol.js'

/** What the engine persists; everything in `ChatAnalytics` is derived from it. */
export interface AnalyticsCounters {
  /** Messages ever written, in every thread. */
  readonly totalMessages: number
  /** Tickets that are resolved now or were removed by cleanup while resolved. */
  readonly resolvedTickets: number
  /** Sum of `resolvedAt - createdAt` over those tickets. */
  readonly resolutionTimeSum: number
}

export const ZERO_COUNTERS: AnalyticsCounters = Object.freeze({ totalMessages: 0, resolvedTickets: 0, resolutionTimeSum: 0 })

/** How a ticket's change moves the resolution counters (reopen takes back what resolve added). */
export function resolutionDelta(before: TicketRecord | undefined, after: TicketRecord): { count: number; time: number } {
  const contribution = (t: TicketRecord | undefined) => (t?.resolvedAt === undefined ? undefined : t.resolvedAt - t.createdAt)
  const was = contribution(before)
  const is = contribution(after)
  if (was === is) return { count: 0, time: 0 }
  return { count: (is === undefined ? 0 : 1) - (was === undefined ? 0 : 1), time: (is ?? 0) - (was ?? 0) }
}

/** The public analytics from the counters, the number of active tickets and the top topics. */
export function computeAnalytics(
  counters: AnalyticsCounters,
  activeTickets: number,
  commonTopics: readonly string[],
): ChatAnalytics {
  return {
    totalMessages: counters.totalMessages,
    activeTickets,
    resolvedTickets: counters.resolvedTickets,
    averageResolutionTime: counters.resolvedTickets > 0 ? Math.round(counters.resolutionTimeSum / counters.resolvedTickets) : 0,
    commonTopics,
  }
}

/** Whether two analytics values show the same figures (so no change needs to be sent). */
export function sameAnalytics(a: ChatAnalytics, b: ChatAnalytics): boolean {
  return (
    a.totalMessages === b.totalMessages &&
    a.activeTickets === b.activeTickets &&
    a.resolvedTickets === b.resolvedTickets &&
    a.averageResolutionTime === b.averageResolutionTime &&
    a.commonTopics.length === b.commonTopics.length &&
    a.commonTopics.every((topic, i) => topic === b.commonTopics[i])
  )
}
