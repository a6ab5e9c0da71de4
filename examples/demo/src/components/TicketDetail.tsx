/** The selected ticket: its header and controls, context, thread, reply box and resolution. */
import { useEffect } from 'react'
import { useChatClient, useTicketWindow } from 'companion-chat/react'
import { formatTime, TICKET_TYPE_LABELS } from '../format'
import { InheritContextForm } from './InheritContextForm'
import { ResolveForm } from './ResolveForm'
import { TicketContext } from './TicketContext'
import { TicketControls } from './TicketControls'
import { TicketReplyForm } from './TicketReplyForm'
import { TicketThread } from './TicketThread'

export function TicketDetail({ ticketId }: { readonly ticketId: string }) {
  const client = useChatClient()
  // Watched while shown: its newest messages load and follow live; older ones on request.
  const { ticket, loading, hasOlder, loadingOlder, loadOlder } = useTicketWindow(ticketId)
  const unread = ticket?.unreadCount ?? 0
  useEffect(() => {
    if (unread > 0) void client.markRead(ticketId) // shown, so read
  }, [client, ticketId, unread])
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
      {hasOlder && (
        <button type="button" className="button button--secondary earlier-messages" disabled={loadingOlder} onClick={() => void loadOlder()}>
          {loadingOlder ? 'Loading…' : `Earlier messages (${ticket.messageCount - ticket.messages.length} more)`}
        </button>
      )}
      {loading ? <p className="empty">Loading messages…</p> : <TicketThread messages={ticket.messages} />}
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
