/** Every ticket, newest first, with its status and priority. */
import { useChatClient, useChatSelector } from 'companion-chat/react'
import { formatTime, TICKET_TYPE_LABELS } from '../format'
import { PriorityBadge, StatusBadge } from './Badge'

export function TicketList({ activeTicketId }: { readonly activeTicketId: string | null }) {
  const client = useChatClient()
  const tickets = useChatSelector((state) => state.tickets)
  const newestFirst = [...tickets].reverse() // the client lists them in creation order

  return (
    <ul className="ticket-list" data-testid="ticket-list" aria-label="Your tickets">
      {newestFirst.length === 0 && (
        <li className="empty">No tickets yet. Use “Make a ticket” on a chat message, or “Ask about this” on a product.</li>
      )}
      {newestFirst.map((ticket) => (
        <li key={ticket.id}>
          <button
            type="button"
            className="ticket-item"
            data-testid="ticket-item"
            data-ticket-id={ticket.id}
            data-status={ticket.status}
            aria-current={ticket.id === activeTicketId}
            onClick={() => void client.selectTicket(ticket.id)}
          >
            <span className="ticket-item-title">{ticket.title}</span>
            <span className="ticket-item-badges">
              <StatusBadge status={ticket.status} />
              <PriorityBadge priority={ticket.priority} />
            </span>
            <span className="ticket-item-meta">
              {TICKET_TYPE_LABELS[ticket.type]} · {ticket.messageCount} message{ticket.messageCount === 1 ? '' : 's'}
              {ticket.unreadCount > 0 ? ` · ${ticket.unreadCount} unread` : ''} · updated {formatTime(ticket.updatedAt)}
            </span>
          </button>
        </li>
      ))}
    </ul>
  )
}
