/**
 * The ticket's status and priority. Statuses the ticket cannot move to (see
 * `canTransition`) are disabled; a closed ticket cannot be changed at all.
 */
import { canTransition, type ChatTicket, type TicketPriority, type TicketStatus } from 'companion-chat'
import { useChatClient } from 'companion-chat/react'
import { PRIORITY_LABELS, STATUS_LABELS } from '../format'
import { useNotices } from './NoticeProvider'

const STATUSES = Object.keys(STATUS_LABELS) as TicketStatus[]
const PRIORITIES = Object.keys(PRIORITY_LABELS) as TicketPriority[]

export function TicketControls({ ticket }: { readonly ticket: ChatTicket }) {
  const client = useChatClient()
  const { run } = useNotices()
  const closed = ticket.status === 'closed'

  return (
    <div className="ticket-controls">
      <label>
        Status
        <select
          data-testid="ticket-status-select"
          value={ticket.status}
          disabled={closed}
          onChange={(event) => run(() => client.updateTicketStatus(ticket.id, event.target.value as TicketStatus))}
        >
          {STATUSES.map((status) => (
            <option key={status} value={status} disabled={!canTransition(ticket.status, status)}>
              {STATUS_LABELS[status]}
            </option>
          ))}
        </select>
      </label>
      <label>
        Priority
        <select
          data-testid="ticket-priority-select"
          value={ticket.priority}
          disabled={closed}
          onChange={(event) => run(() => client.updateTicketPriority(ticket.id, event.target.value as TicketPriority))}
        >
          {PRIORITIES.map((priority) => (
            <option key={priority} value={priority}>
              {PRIORITY_LABELS[priority]}
            </option>
          ))}
        </select>
      </label>
    </div>
  )
}
