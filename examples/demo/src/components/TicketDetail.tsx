/** The selected ticket: its header and controls, context, thread, reply box and resolution. */
import { useChatClient, useTicket } from 'companion-chat/react'
import { formatTime, TICKET_TYPE_LABELS } from '../format'
import { InheritContextForm } from './InheritContextForm'
import { ResolveForm } from './ResolveForm'
import { TicketContext } from './TicketContext'
import { TicketControls } from './TicketControls'
import { TicketReplyForm } from './TicketReplyForm'
import { TicketThread } from './TicketThread'

export function TicketDetail({ ticketId }: { readonly ticketId: string }) {
  const client = useChatClient()
  const ticket = useTicket(ticketId)
  if (!ticket) return null
  const closed = ticket.status === 'closed'

  return (
    <article className="ticket-detail" data-testid="ticket-detail" aria-label={`Ticket: ${ticket.title}`}>
      <header className="ticket-detail-header">
        <div>
          <h3>{ticket.title}</h3>
          <p className="muted">
            {TICKET_TYPE_LABELS[ticket.type]} · opened {formatTime(ticket.createdAt)}
          </p>
        </div>
        <button type="button" className="icon-button" aria-label="Close ticket view" onClick={() => void client.selectTicket(null)}>
          ×
        </button>
      </header>
      <TicketControls ticket={ticket} />
      <TicketContext context={ticket.context} />
      <TicketThread messages={ticket.messages} />
      {closed ? (
        <p className="notice-inline">This ticket is closed and can no longer be changed.</p>
      ) : (
        <>
          {/* A resolved ticket shows its resolution first; an open one, the reply box. */}
          {ticket.status === 'resolved' && <ResolveForm ticket={ticket} />}
          <TicketReplyForm ticketId={ticket.id} />
          {ticket.status !== 'resolved' && <ResolveForm ticket={ticket} />}
          <InheritContextForm ticketId={ticket.id} />
        </>
      )}
    </article>
  )
}
