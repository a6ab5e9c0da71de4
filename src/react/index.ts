/**
 * React binding (`companion-chat/react`): `CompanionPanelProvider` and `useCompanionPanel`,
 * the specification's names, built on `useSyncExternalStore` so that a component
 * re-renders only when what it reads changed.
 *
 * @example
 * const chat = createChatClient({ worker: () => new Worker(new URL('companion-chat/worker', import.meta.url), { type: 'module' }) })
 * root.render(<CompanionPanelProvider client={chat}><Panel /></CompanionPanelProvider>)
 *
 * function Panel() {
 *   const { chatSystem, sendMainChatMessage } = useCompanionPanel()
 *   return <Chat messages={chatSystem.mainChat.messages} onSend={sendMainChatMessage} />
 * }
 *
 * @module companion-chat/react
 */
import { createContext, createElement, useContext, useMemo, useSyncExternalStore, type ReactNode } from 'react'
import { createChatClient } from '../client/create-chat-client.js'
import type { ChatClient, ChatClientOptions } from '../client/types.js'
import type { ChatAnalytics, ChatMessage, ChatSystemState, ChatTicket } from '../core/protocol.js'

const ClientContext = createContext<ChatClient | null>(null)

/** Props of {@link CompanionPanelProvider}. */
export interface CompanionPanelProviderProps {
  /** The client every hook below this provider uses. */
  readonly client: ChatClient
  readonly children?: ReactNode
}

/** Gives the components below it a chat client. */
export function CompanionPanelProvider({ client, children }: CompanionPanelProviderProps): ReactNode {
  return createElement(ClientContext.Provider, { value: client }, children)
}

let defaultClient: ChatClient | undefined
let defaultOptions: ChatClientOptions = {}

/**
 * Sets the options of the page's default client (used by hooks outside any provider).
 * Call it before the first hook renders.
 */
export function configureDefaultChatClient(options: ChatClientOptions): void {
  if (defaultClient) throw new Error('The default chat client exists already; configure it before the first render')
  defaultOptions = options
}

/** The page's default client, made on first use. */
export function getDefaultChatClient(): ChatClient {
  defaultClient ??= createChatClient(defaultOptions)
  return defaultClient
}

/** The client of the nearest provider, or the page's default client. */
export function useChatClient(): ChatClient {
  return useContext(ClientContext) ?? getDefaultChatClient()
}

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

/** The analytics. */
export function useChatAnalytics(): ChatAnalytics {
  return useChatSelector(selectAnalytics)
}

const selectMainMessages = (state: ChatSystemState) => state.mainChat.messages
const selectAnalytics = (state: ChatSystemState) => state.analytics
const selectState = (state: ChatSystemState) => state

/** What {@link useCompanionPanel} returns: the state as `chatSystem`, and every command. */
export type CompanionPanel = Pick<
  ChatClient,
  | 'sendMainChatMessage'
  | 'sendMainChatMessages'
  | 'setMainChatTyping'
  | 'updateUserContext'
  | 'createTicket'
  | 'sendTicketMessage'
  | 'resolveTicket'
  | 'updateTicketStatus'
  | 'updateTicketPriority'
  | 'switchChatView'
  | 'selectTicket'
  | 'createTicketFromChatMessage'
  | 'inheritContextToTicket'
  | 'clearUserData'
  | 'clearAllData'
  | 'runCleanup'
  | 'getChatAnalytics'
> & {
  /** The whole state; the component re-renders when any of it changes. */
  readonly chatSystem: ChatSystemState
  /** The client behind the hook, for its observables and life cycle. */
  readonly client: ChatClient
}

/**
 * The chat system and its commands, as the specification's examples use them.
 *
 * @example
 * const { chatSystem, createTicket, resolveTicket } = useCompanionPanel()
 */
export function useCompanionPanel(): CompanionPanel {
  const client = useChatClient()
  const chatSystem = useChatSelector(selectState)
  const commands = useMemo(() => bindCommands(client), [client])
  return useMemo(() => ({ ...commands, chatSystem, client }), [commands, chatSystem, client])
}

function bindCommands(client: ChatClient): Omit<CompanionPanel, 'chatSystem' | 'client'> {
  return {
    sendMainChatMessage: (content, options) => client.sendMainChatMessage(content, options),
    sendMainChatMessages: (messages) => client.sendMainChatMessages(messages),
    setMainChatTyping: (isTyping) => client.setMainChatTyping(isTyping),
    updateUserContext: (context) => client.updateUserContext(context),
    createTicket: (type, title, initialMessage, context) => client.createTicket(type, title, initialMessage, context),
    sendTicketMessage: (ticketId, content, options) => client.sendTicketMessage(ticketId, content, options),
    resolveTicket: (ticketId, summary) => client.resolveTicket(ticketId, summary),
    updateTicketStatus: (ticketId, status) => client.updateTicketStatus(ticketId, status),
    updateTicketPriority: (ticketId, priority) => client.updateTicketPriority(ticketId, priority),
    switchChatView: (view) => client.switchChatView(view),
    selectTicket: (ticketId) => client.selectTicket(ticketId),
    createTicketFromChatMessage: (messageId, type, title) => client.createTicketFromChatMessage(messageId, type, title),
    inheritContextToTicket: (ticketId, keys) => client.inheritContextToTicket(ticketId, keys),
    clearUserData: () => client.clearUserData(),
    clearAllData: () => client.clearAllData(),
    runCleanup: () => client.runCleanup(),
    getChatAnalytics: () => client.getChatAnalytics(),
  }
}
