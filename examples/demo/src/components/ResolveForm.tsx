/** Resolves the ticket with an optional summary, or shows how it was resolved. */
import type { ChatTicket } from 'companion-chat'
import { useChatClient } from 'companion-chat/react'
import { useState, type FormEvent } from 'react'
import { formatDuration, formatTime } from '../format'
import { useNotices } from './NoticeProvider'

export function ResolveForm({ ticket }: { readonly ticket: ChatTicket }) {
  const client = useChatClient()
  const { run } = useNotices()
  const [summary, setSummary] = useState('')

  if (ticket.status === 'resolved') {
    const resolvedAt = ticket.resolvedAt ?? ticket.updatedAt
    return (
      <div className="resolution" role="status">
        <strong>Resolved</strong> {formatTime(resolvedAt)}, after {formatDuration(resolvedAt - ticket.createdAt)}
        {ticket.summary && <p className="resolution-summary">{ticket.summary}</p>}
        <p className="muted">A new message from you reopens it.</p>
      </div>
    )
  }

  const resolve = (event: FormEvent) => {
    event.preventDefault()
    const text = summary.trim()
    run(() => {
      void client.resolveTicket(ticket.id, text === '' ? undefined : text)
      setSummary('')
    })
  }

  return (
    <form className="resolve-form" onSubmit={resolve}>
      <input
        data-testid="resolve-summary"
        aria-label="Resolution summary"
        placeholder="Resolution summary (optional)"
        value={summary}
        onChange={(event) => setSummary(event.target.value)}
      />
      <button type="submit" className="button button--success" data-testid="resolve-ticket">
        Resolve
      </button>
    </form>
  )
}
