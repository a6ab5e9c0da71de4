/**
 * One main-chat message: the bubble, who sent it and when, the actions of an assistant's
 * suggestion, and "Make a ticket" (or the ticket it already became).
 */
import type { ChatMessage } from 'companion-chat'
import { useChatClient, useTicket } from 'companion-chat/react'
import { memo } from 'react'
import { formatTime, replyNote, SENDER_LABELS, STATUS_LABELS } from '../format'
import { Attachments } from './Attachments'
import { DeliveryMark } from './DeliveryMark'
import { MakeTicketButton } from './MakeTicketButton'
import { SuggestionActions } from './SuggestionActions'

/** Memoised: the client keeps the objects of messages that did not change, so a new message renders one item, not the list. */
export const ChatMessageItem = memo(function ChatMessageItem({ message }: { readonly message: ChatMessage }) {
  const client = useChatClient()
  const linked = useTicket(message.metadata?.ticketId ?? null)
  const note = replyNote(message)
  const openTicket = (ticketId: string) => {
    void client.selectTicket(ticketId)
    void client.switchChatView('tickets')
  }

  return (
    <li
      className={`message message--${message.sender} message--${message.type}`}
      data-testid="message"
      data-sender={message.sender}
      data-message-id={message.id}
    >
      <div className="message-meta">
        <span className="message-sender">{SENDER_LABELS[message.sender]}</span>
        <time dateTime={new Date(message.timestamp).toISOString()}>{formatTime(message.timestamp)}</time>
        {note && <span className="message-note">{note}</span>}
      </div>
      {(message.content !== '' || !message.attachments) && <div className="message-bubble">{message.content || '…'}</div>}
      <Attachments attachments={message.attachments} />
      <DeliveryMark message={message} />
      {message.metadata?.actions && <SuggestionActions message={message} actions={message.metadata.actions} />}
      <div className="message-tools">
        {linked && (
          <button type="button" className="link ticket-link" title={linked.title} onClick={() => openTicket(linked.id)}>
            <span className="ticket-link-title">Ticket: {linked.title}</span>
            <span>&nbsp;· {STATUS_LABELS[linked.status]} →</span>
          </button>
        )}
        <MakeTicketButton message={message} />
      </div>
    </li>
  )
})
