/**
 * `useTicketWindow`: a ticket's thread for a component that shows it. While mounted the
 * ticket is watched (its newest window is read and kept live); `loadOlder` reads the page
 * before the oldest message shown.
 */
import { useCallback, useEffect, useState } from 'react'
import type { OlderPage } from '../client/windows.js'
import type { ChatTicket } from '../core/protocol.js'
import { useTicket } from './hooks.js'
import { useChatClient } from './provider.js'

/** What {@link useTicketWindow} returns. */
export interface TicketWindow {
  /** The ticket with the messages held (`null` for no or an unknown ticket). */
  readonly ticket: ChatTicket | null
  /** Whether its newest window is still being read (the ticket has messages, none held yet). */
  readonly loading: boolean
  /** Whether older messages exist than those shown (`ticket.hasOlder`). */
  readonly hasOlder: boolean
  /** Whether a `loadOlder` call is running. */
  readonly loadingOlder: boolean
  /** Reads the page of `count` messages (default `ticketWindow`) before the oldest shown. */
  loadOlder(count?: number): Promise<OlderPage>
}

/**
 * A ticket's window for the component that shows it: watched while mounted (see
 * `ChatClient.watchTicket`), released on unmount or when `ticketId` changes.
 *
 * @example
 * function Thread({ ticketId }: { ticketId: string }) {
 *   const { ticket, hasOlder, loadingOlder, loadOlder } = useTicketWindow(ticketId)
 *   return (
 *     <section>
 *       {hasOlder && <button disabled={loadingOlder} onClick={() => void loadOlder()}>Earlier messages</button>}
 *       {ticket?.messages.map((m) => <p key={m.id}>{m.content}</p>)}
 *     </section>
 *   )
 * }
 */
export function useTicketWindow(ticketId: string | null): TicketWindow {
  const client = useChatClient()
  const ticket = useTicket(ticketId)
  const [loadingOlder, setLoadingOlder] = useState(0)
  useEffect(() => (ticketId === null ? undefined : client.watchTicket(ticketId)), [client, ticketId])
  const loadOlder = useCallback(
    async (count?: number): Promise<OlderPage> => {
      if (ticketId === null) return { loaded: 0, hasOlder: false }
      setLoadingOlder((n) => n + 1)
      try {
        return await client.loadOlder(ticketId, count)
      } finally {
        setLoadingOlder((n) => n - 1)
      }
    },
    [client, ticketId],
  )
  return {
    ticket,
    loading: ticket !== null && ticket.messages.length === 0 && ticket.messageCount > 0,
    hasOlder: ticket?.hasOlder ?? false,
    loadingOlder: loadingOlder > 0,
    loadOlder,
  }
}
