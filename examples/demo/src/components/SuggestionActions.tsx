/**
 * The buttons of an assistant's message (`metadata.actions`). The SDK performs its own
 * actions (`runAction`: open a ticket, set the budget, send a quick reply, retry,
 * regenerate, continue); the shop's own (`show-product`, `compare-products`) come back on
 * `actions$`, handled in `useShopActions`. An "Open a ticket" whose ticket exists
 * (`findActionTicket`) becomes a link to that ticket.
 */
import { findActionTicket, type ChatMessage, type MessageAction } from 'companion-chat'
import { useChatClient, useChatSelector } from 'companion-chat/react'
import { STATUS_LABELS } from '../format'
import { useNotices } from './NoticeProvider'

interface SuggestionActionsProps {
  readonly message: ChatMessage
  readonly actions: readonly MessageAction[]
}

export function SuggestionActions({ message, actions }: SuggestionActionsProps) {
  return (
    <div className="suggestion-actions">
      {actions.map((action) => (
        <ActionButton key={action.id} message={message} action={action} />
      ))}
    </div>
  )
}

function ActionButton({ message, action }: { readonly message: ChatMessage; readonly action: MessageAction }) {
  const client = useChatClient()
  const { notify } = useNotices()
  const ticket = useChatSelector((state) => findActionTicket(state, message, action))

  if (ticket) {
    const show = () => {
      void client.selectTicket(ticket.id)
      void client.switchChatView('tickets')
    }
    return (
      <button type="button" className="link ticket-link" data-testid="action-ticket" title={ticket.title} onClick={show}>
        <span className="ticket-link-title">Ticket opened: {ticket.title}</span>
        <span>&nbsp;· {STATUS_LABELS[ticket.status]} →</span>
      </button>
    )
  }

  const perform = () => {
    client.runAction(message.id, action.id).then(
      (outcome) => {
        if (outcome.handled && outcome.type === 'open-ticket') notify('info', 'Ticket created: see the Tickets tab')
      },
      (error: unknown) => notify('error', error instanceof Error ? error.message : String(error)),
    )
  }
  return (
    <button type="button" className="chip" onClick={perform}>
      {action.label}
    </button>
  )
}
