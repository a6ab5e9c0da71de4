/**
 * The status line: connection, storage, host and pending writes (`status$`), what the
 * assistant does (`assistant$`), and the latest notice (an error of `errors$` or a
 * confirmation) for a few seconds.
 */
import { useAssistant, useStatus } from 'companion-chat/react'
import { useNotices } from './NoticeProvider'

const CONNECTION_LABELS = {
  connecting: 'Connecting…',
  blocked: 'Waiting for the other tabs of this shop to close',
  ready: 'Connected',
  reconnecting: 'Reconnecting… (your messages are kept and sent when it is back)',
  failed: 'Not connected',
  closed: 'Closed',
} as const

export function StatusLine() {
  const status = useStatus()
  const assistant = useAssistant()
  const { notice } = useNotices()

  return (
    <footer className="status-line" data-testid="status-line" data-connection={status.connection} data-storage={status.storage}>
      <div className="status-items">
        <span className={`status-dot status-dot--${status.connection}`} aria-hidden="true" />
        <span>{CONNECTION_LABELS[status.connection]}</span>
        <span>
          storage: <strong className={status.storage === 'memory' ? 'warn' : undefined}>{status.storage}</strong>
        </span>
        <span>host: {status.host}</span>
        <span>
          {status.pendingWrites} pending write{status.pendingWrites === 1 ? '' : 's'}
        </span>
        {assistant.state !== 'idle' && <span>assistant: {assistant.state}</span>}
      </div>
      {status.error && status.connection === 'failed' && <p className="status-error">{status.error.message}</p>}
      <div className="status-notice" role="status" aria-live="polite">
        {notice && <p className={`notice notice--${notice.kind}`}>{notice.text}</p>}
      </div>
    </footer>
  )
}
