/**
 * React binding (`companion-chat/react`): `CompanionPanelProvider` and `useCompanionPanel`,
 * the specification's names, `useChat` for a chat box, and hooks that read one part of the
 * client. All are built on `useSyncExternalStore`, so that a component re-renders only when
 * what it reads changed.
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
export {
  CompanionPanelProvider,
  configureDefaultChatClient,
  getDefaultChatClient,
  useChatClient,
  type CompanionPanelProviderProps,
} from './provider.js'
export { useAssistant, useChatAnalytics, useChatSelector, useDraft, useMainChatMessages, useOutbox, useStatus, useSyncStatus, useTicket } from './hooks.js'
export { useCompanionPanel, type CompanionPanel, type CompanionPanelCommand } from './use-companion-panel.js'
export { useChat, type UseChatResult } from './use-chat.js'
export { useSearch, type UseSearchOptions, type UseSearchResult } from './use-search.js'
export { useTicketWindow, type TicketWindow } from './use-ticket-window.js'
export { useAttachmentUrl } from './use-attachment-url.js'
