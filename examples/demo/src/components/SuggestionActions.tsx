/**
 * The buttons of an assistant's message (`metadata.actions`). The SDK performs its own
 * actions (`runAction`: open a ticket, set the budget, send a quick reply, retry,
 * regenerate, continue); the shop's own (`show-product`, `compare-products`) come back on
 * `actions$`, handled in `useShopActions`.
 */
import type { ChatMessage, MessageAction } from 'companion-chat'
import { useChatClient } from 'companion-chat/react'
import { useNotices } from './NoticeProvider'

interface SuggestionActionsProps {
  readonly message: ChatMessage
  readonly actions: readonly MessageAction[]
}

export function SuggestionActions({ message, actions }: SuggestionActionsProps) {
  const client = useChatClient()
  const { notify } = useNotices()

  const perform = (action: MessageAction) => {
    client.runAction(message.id, action.id).then(
      (outcome) => {
        if (outcome.handled && outcome.type === 'open-ticket') notify('info', 'Ticket created: see the Tickets tab')
      },
      (error: unknown) => notify('error', error instanceof Error ? error.message : String(error)),
    )
  }

  return (
    <div className="suggestion-actions">
      {actions.map((action) => (
        <button key={action.id} type="button" className="chip" onClick={() => perform(action)}>
          {action.label}
        </button>
      ))}
    </div>
  )
}
