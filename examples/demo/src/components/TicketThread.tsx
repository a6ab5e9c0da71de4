/** A ticket's messages, oldest first. */
import type { ChatMessage } from 'companion-chat'
import { formatTime, SENDER_LABELS } from '../format'
import { Attachments } from './Attachments'
import { DeliveryMark } from './DeliveryMark'

export function TicketThread({ messages }: { readonly messages: readonly ChatMessage[] }) {
  if (messages.length === 0) return <p className="empty">No messages yet. Write the first one below.</p>
  return (
    <ol className="messages messages--ticket" aria-label="Ticket messages">
      {messages.map((message) => (
        <li key={message.id} className={`message message--${message.sender}`} data-sender={message.sender}>
          <div className="message-meta">
            <span className="message-sender">{message.sender === 'assistant' ? 'Support' : SENDER_LABELS[message.sender]}</span>
            <time dateTime={new Date(message.timestamp).toISOString()}>{formatTime(message.timestamp)}</time>
          </div>
          {message.content !== '' && <div className="message-bubble">{message.content}</div>}
          <Attachments attachments={message.attachments} />
          <DeliveryMark message={message} />
        </li>
      ))}
    </ol>
  )
}
