/** Switches the panel between the chat and the tickets (`switchChatView`). */
import type { ChatView } from 'companion-chat'
import { useChatClient, useChatSelector } from 'companion-chat/react'

export function PanelTabs({ view }: { readonly view: ChatView }) {
  const client = useChatClient()
  const active = useChatSelector((state) => state.analytics.activeTickets)

  return (
    <nav className="tabs" role="tablist" aria-label="Panel view">
      <button
        type="button"
        role="tab"
        data-testid="view-chat"
        aria-selected={view === 'chat'}
        aria-controls="panel-body"
        onClick={() => void client.switchChatView('chat')}
      >
        Chat
      </button>
      <button
        type="button"
        role="tab"
        data-testid="view-tickets"
        aria-selected={view === 'tickets'}
        aria-controls="panel-body"
        onClick={() => void client.switchChatView('tickets')}
      >
        Tickets
        {active > 0 && (
          <span className="tab-count" aria-label={`${active} active`}>
            {active}
          </span>
        )}
      </button>
    </nav>
  )
}
