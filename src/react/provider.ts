/**
 * Which client the hooks use: the one of the nearest `CompanionPanelProvider`, or the
 * page's default client (made on first use, so the specification's own tests run without
 * a provider).
 */
import { createContext, createElement, useContext, type ReactNode } from 'react'
import { createChatClient } from '../client/create-chat-client.js'
import type { ChatClient, ChatClientOptions } from '../client/types.js'

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
