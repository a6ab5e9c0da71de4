/**
 * Answers in a ticket. "Reply as" lets the demo play both sides: the shopper (a user
 * message, which reopens a resolved ticket) or the shop's support (an assistant message).
 */
import type { MessageSender } from 'companion-chat'
import { useChatClient } from 'companion-chat/react'
import { useState, type FormEvent } from 'react'
import { useNotices } from './NoticeProvider'

export function TicketReplyForm({ ticketId }: { readonly ticketId: string }) {
  const client = useChatClient()
  const { run } = useNotices()
  const [text, setText] = useState('')
  const [sender, setSender] = useState<MessageSender>('user')
  const blank = text.trim() === ''

  const send = (event: FormEvent) => {
    event.preventDefault()
    if (blank) return
    run(() => {
      void client.sendTicketMessage(ticketId, text.trim(), { sender })
      setText('')
    })
  }

  return (
    <form className="composer composer--ticket" onSubmit={send}>
      <textarea
        data-testid="ticket-reply-input"
        aria-label="Reply"
        placeholder="Write a reply…"
        rows={2}
        value={text}
        onChange={(event) => setText(event.target.value)}
      />
      <div className="composer-side">
        <select aria-label="Reply as" value={sender} onChange={(event) => setSender(event.target.value as MessageSender)}>
          <option value="user">as you</option>
          <option value="assistant">as support</option>
        </select>
        <button type="submit" className="button" data-testid="ticket-reply-send" disabled={blank}>
          Reply
        </button>
      </div>
    </form>
  )
}
