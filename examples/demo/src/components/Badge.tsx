/** A small coloured label for a ticket's status or priority. */
import type { TicketPriority, TicketStatus } from 'companion-chat'
import { PRIORITY_LABELS, STATUS_LABELS } from '../format'

export function StatusBadge({ status }: { readonly status: TicketStatus }) {
  return <span className={`badge badge--status-${status}`}>{STATUS_LABELS[status]}</span>
}

export function PriorityBadge({ priority }: { readonly priority: TicketPriority }) {
  return (
    <span className={`badge badge--priority-${priority}`} title="Priority">
      {PRIORITY_LABELS[priority]}
    </span>
  )
}
