/** The engine's analytics: totals, active and resolved tickets, resolution time, topics. */
import { useChatAnalytics } from 'companion-chat/react'
import { formatDuration } from '../format'

export function AnalyticsPanel() {
  const analytics = useChatAnalytics()
  const figures: ReadonlyArray<readonly [label: string, value: string | number]> = [
    ['Messages', analytics.totalMessages],
    ['Active tickets', analytics.activeTickets],
    ['Resolved', analytics.resolvedTickets],
    ['Avg. resolution', analytics.resolvedTickets > 0 ? formatDuration(analytics.averageResolutionTime) : '—'],
  ]
  return (
    <section className="analytics" data-testid="analytics" aria-label="Analytics">
      <dl className="figures">
        {figures.map(([label, value]) => (
          <div key={label} className="figure">
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      <p className="topics">
        <span className="muted">Common topics:</span>{' '}
        {analytics.commonTopics.length === 0
          ? <span className="muted">none yet</span>
          : analytics.commonTopics.map((topic) => (
              <span key={topic} className="chip chip--static">
                {topic}
              </span>
            ))}
      </p>
    </section>
  )
}
