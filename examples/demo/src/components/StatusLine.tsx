/**
 * The status line: connection, storage, host and pending writes (`status$`), what the
 * assistant does (`assistant$`), and the latest notice (an error of `errors$` or a
 * confirmation) for a few seconds.
 */
import { useAssistant, useChatClient, useStatus } from 'companion-chat/react'
import { useSyncExternalStore } from 'react'
import { useNotices } from './NoticeProvider'

const CONNECTION_LABELS = {
  connecting: 'Connecting…',
  blocked: 'Waiting for the other tabs of this shop to close',
  ready: 'Connected',
  reconnecting: 'Reconnecting… (your messages are kept and sent when it is back)',
  failed: 'Not connected',
  closed: 'Closed',
} as const

const SYNC_LABELS = {
  off: '',
  standby: 'sync: another tab syncs',
  connecting: 'sync: connecting…',
  online: 'sync: online',
  offline: 'sync: offline, retrying',
} as const

/** The latest value of one of the client's observables that has a `.value`. */
function useLatest<T>(observable: { readonly value: T; subscribe(next: () => void): { unsubscribe(): void } }): T {
  return useSyncExternalStore(
    (onChange) => {
      const subscription = observable.subscribe(onChange)
      return () => subscription.unsubscribe()
    },
    () => observable.value,
  )
}

export function StatusLine() {
  const status = useStatus()
  const client = useChatClient()
  const sync = useLatest(client.sync$)
  const outbox = useLatest(client.outbox$)
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
        {sync.state !== 'off' && (
          <span data-testid="sync-status" data-sync={sync.state} title={sync.error?.message}>
            {SYNC_LABELS[sync.state]} · {outbox.length} to send
          </span>
        )}
      </div>
      {status.error && status.connection === 'failed' && <p className="status-error">{status.error.message}</p>}
      <div className="status-notice" role="status" aria-live="polite">
        {notice && <p className={`notice notice--${notice.kind}`}>{notice.text}</p>}
      </div>
    </footer>
  )
}
