/**
 * Hooks that read one part of the client, each on `useSyncExternalStore`: a component
 * re-renders only when what it reads changed.
 */
import { useCallback, useSyncExternalStore } from 'react'
import type { AssistantActivity } from '../client/assistant-runner.js'
import type { ChatStatus, StateObservable } from '../client/types.js'
import type { SyncStatus } from '../client/sync-runner.js'
import { MAIN_THREAD, type OutboxEntry, type ChatAnalytics, type ChatMessage, type ChatSystemState, type ChatTicket } from '../core/protocol.js'
import { ticketsById } from '../client/state-queries.js'
import { useChatClient } from './provider.js'

/**
 * A slice of the state; the component re-renders only when the slice changes (`Object.is`).
 * Select existing objects (they keep their identity) rather than building new ones.
 *
 * @example
 * const typing = useChatSelector((state) => state.mainChat.isTyping)
 */
export function useChatSelector<T>(select: (state: ChatSystemState) => T): T {
  const client = useChatClient()
  return useSyncExternalStore(
    (onChange) => client.onStateChange(onChange),
    () => select(client.getState()),
    () => select(client.getState()),
  )
}

/** The main chat's messages. */
export function useMainChatMessages(): readonly ChatMessage[] {
  return useChatSelector(selectMainMessages)
}

/** One ticket with its thread, or `null`; re-renders only when that ticket changes. */
export function useTicket(ticketId: string | null): ChatTicket | null {
  return useChatSelector((state) => (ticketId === null ? null : (state.tickets.find((t) => t.id === ticketId) ?? null)))
}

/**
 * A thread's draft and the function that sets it, for a controlled composer: what the user
 * types shows at once, is written in the background, survives a reload and is the same in
 * every tab; sending a user message into the thread clears it (see `ChatClient.setDraft`).
 * The draft of a ticket that does not exist is `''`.
 *
 * `setDraft` throws like `chat.setDraft`: give the input `maxLength={config.maxContentLength}`
 * so that it never gets text over the limit.
 *
 * @param threadId - `'main'` or a ticket id
 * @example
 * function Composer({ threadId }: { threadId: string }) {
 *   const [draft, setDraft] = useDraft(threadId)
 *   return <textarea value={draft} onChange={(event) => setDraft(event.target.value)} />
 * }
 */
export function useDraft(threadId: string): readonly [draft: string, setDraft: (text: string) => void] {
  const client = useChatClient()
  const draft = useChatSelector((state) => (threadId === MAIN_THREAD ? state.mainChat.draft : (ticketsById(state).get(threadId)?.draft ?? '')))
  const setDraft = useCallback((text: string) => client.setDraft(threadId, text), [client, threadId])
  return [draft, setDraft]
}

/** The analytics. */
export function useChatAnalytics(): ChatAnalytics {
  return useChatSelector(selectAnalytics)
}

/**
 * The client's connection and storage health (`status$`): whether it is connecting, ready,
 * reconnecting (a new worker replaces a lost one; pending messages stay shown and are sent
 * again), failed or closed, whether data survives a reload (`storage`), and the writes pending.
 *
 * @example
 * const { connection, storage } = useStatus()
 * if (storage === 'memory') return <p>Chats will not survive a reload in this browser.</p>
 */
export function useStatus(): ChatStatus {
  return useObservableValue(useChatClient().status$)
}

/**
 * What this client's assistant does now (`assistant$`): `idle`, `thinking` or `streaming`
 * (with the reply's `messageId` and the `replyTo` user message), or `error`. A client
 * without an assistant stays `idle`.
 *
 * @example
 * const activity = useAssistant()
 * const answering = activity.state === 'thinking' || activity.state === 'streaming'
 */
export function useAssistant(): AssistantActivity {
  return useObservableValue(useChatClient().assistant$)
}

/**
 * Where sync stands in this client (`sync$`): `off` without sync, `standby` while another
 * tab of the database syncs, `connecting`, `online`, or `offline` with the error and when
 * the next try starts.
 *
 * @example
 * const sync = useSyncStatus()
 * if (sync.state === 'offline') return <p>Offline: messages are kept and sent later.</p>
 */
export function useSyncStatus(): SyncStatus {
  return useObservableValue(useChatClient().sync$)
}

/**
 * The durable outbox (`outbox$`): every user message and ticket change not yet on the server,
 * oldest first, `pending` or `failed` (with the reason). Empty without sync. Pair a `failed`
 * entry with `retryDelivery(entry.id)` or `discardDelivery(entry.id)`.
 *
 * @example
 * const outbox = useOutbox()
 * const failed = outbox.filter((entry) => entry.state === 'failed')
 */
export function useOutbox(): readonly OutboxEntry[] {
  return useObservableValue(useChatClient().outbox$)
}

/** The current value of one of the client's observables; re-renders when it emits. */
function useObservableValue<T>(observable: StateObservable<T>): T {
  const subscribe = useCallback(
    (onChange: () => void) => {
      const subscription = observable.subscribe(onChange)
      return () => subscription.unsubscribe()
    },
    [observable],
  )
  const read = () => observable.value
  return useSyncExternalStore(subscribe, read, read)
}

const selectMainMessages = (state: ChatSystemState) => state.mainChat.messages
const selectAnalytics = (state: ChatSystemState) => state.analytics
