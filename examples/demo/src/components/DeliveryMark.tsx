/**
 * Where a user message stands on its way to the server (with sync on): a small mark under
 * the bubble, and "Retry" / "Keep here only" when the server refused it.
 */
import type { ChatMessage } from 'companion-chat'
import { useChatClient } from 'companion-chat/react'
import { useSyncExternalStore } from 'react'

const LABELS = { pending: 'Sending…', sent: 'Delivered', failed: 'Not delivered' } as const

export function DeliveryMark({ message }: { readonly message: ChatMessage }) {
  const client = useChatClient()
  const outbox = useSyncExternalStore(
    (onChange) => {
      const subscription = client.outbox$.subscribe(onChange)
      return () => subscription.unsubscribe()
    },
    () => client.outbox$.value,
  )
  if (!message.delivery) return null
  const entry = message.delivery === 'failed' ? outbox.find((e) => e.id === message.id) : undefined
  return (
    <span className={`delivery delivery--${message.delivery}`} data-testid="delivery" data-delivery={message.delivery}>
      {LABELS[message.delivery]}
      {entry?.reason && <span className="delivery-reason"> ({entry.reason})</span>}
      {message.delivery === 'failed' && (
        <>
          {' '}
          <button type="button" className="link" onClick={() => void client.retryDelivery(message.id)}>
            Retry
          </button>{' '}
          <button type="button" className="link" onClick={() => void client.discardDelivery(message.id)}>
            Keep here only
          </button>
        </>
      )}
    </span>
  )
}
