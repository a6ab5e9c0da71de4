/** The tickets: the list, and the selected ticket below it. */
import { useChatSelector } from 'companion-chat/react'
import { TicketDetail } from './TicketDetail'
import { TicketList } from './TicketList'

export function TicketsView() {
  const activeTicketId = useChatSelector((state) => state.activeTicketId)
  return (
    <section className="tickets" aria-label="Tickets">
      <TicketList activeTicketId={activeTicketId} />
      {activeTicketId !== null ? (
        <TicketDetail key={activeTicketId} ticketId={activeTicketId} />
      ) : (
        <p className="empty ticket-placeholder">Select a ticket to read and answer it.</p>
      )}
    </section>
  )
}
