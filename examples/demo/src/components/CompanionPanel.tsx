/**
 * The companion panel: the chat or the tickets (the client's `ticketView`, kept across
 * reloads), then analytics, privacy and the status line.
 */
import { useChatSelector } from 'companion-chat/react'
import { AnalyticsPanel } from './AnalyticsPanel'
import { ChatView } from './ChatView'
import { PanelTabs } from './PanelTabs'
import { PrivacyPanel } from './PrivacyPanel'
import { StatusLine } from './StatusLine'
import { TicketsView } from './TicketsView'

export function CompanionPanel() {
  const view = useChatSelector((state) => state.ticketView)
  return (
    <aside className="panel" id="companion-panel" aria-label="Companion panel">
      <header className="panel-header">
        <h2>Help &amp; chat</h2>
        <PanelTabs view={view} />
      </header>
      <div className="panel-body" id="panel-body" role="tabpanel">
        {view === 'chat' ? <ChatView /> : <TicketsView />}
      </div>
      <AnalyticsPanel />
      <PrivacyPanel />
      <StatusLine />
    </aside>
  )
}
