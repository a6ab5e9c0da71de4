/**
 * `useCompanionPanel`: the specification's hook, the whole state as `chatSystem` and every
 * command of the client, bound once per client so their identities last across renders.
 */
import { useMemo } from 'react'
import type { ChatClient } from '../client/types.js'
import type { ChatSystemState } from '../core/protocol.js'
import { useChatSelector } from './hooks.js'
import { useChatClient } from './provider.js'

/**
 * The names of the client's methods that {@link useCompanionPanel} returns: every method of
 * `ChatClient` except `onStateChange` (the plumbing of bindings like this one) and `close`
 * (the client's owner closes it, not a component). Both stay reachable on `client`.
 * Derived from `ChatClient`, so a method added to the client is on the panel too.
 */
export type CompanionPanelCommand = Exclude<
  { [K in keyof ChatClient]-?: ChatClient[K] extends (...args: never[]) => unknown ? K : never }[keyof ChatClient],
  'onStateChange' | 'close'
>

/** What {@link useCompanionPanel} returns: the state as `chatSystem`, and every command. */
export type CompanionPanel = Pick<ChatClient, CompanionPanelCommand> & {
  /** The whole state; the component re-renders when any of it changes. */
  readonly chatSystem: ChatSystemState
  /** The client behind the hook, for its observables and life cycle. */
  readonly client: ChatClient
}

/**
 * The chat system and its commands, as the specification's examples use them. The
 * functions keep their identity across renders (they change only with the client), so
 * they can go into dependency arrays and memoized children.
 *
 * @example
 * const { chatSystem, createTicket, resolveTicket, stopAssistant } = useCompanionPanel()
 */
export function useCompanionPanel(): CompanionPanel {
  const client = useChatClient()
  const chatSystem = useChatSelector(selectState)
  const commands = useMemo(() => bindCommands(client), [client])
  return useMemo(() => ({ ...commands, chatSystem, client }), [commands, chatSystem, client])
}

const selectState = (state: ChatSystemState) => state

/** Each command calls the client's method (its `this` is kept: a client may be a class instance). */
function bindCommands(client: ChatClient): Pick<ChatClient, CompanionPanelCommand> {
  return {
    getState: () => client.getState(),
    getChatAnalytics: () => client.getChatAnalytics(),
    sendMainChatMessage: (content, options) => client.sendMainChatMessage(content, options),
    sendMainChatMessages: (messages) => client.sendMainChatMessages(messages),
    setMainChatTyping: (isTyping) => client.setMainChatTyping(isTyping),
    updateUserContext: (context) => client.updateUserContext(context),
    createTicket: (type, title, initialMessage, context) => client.createTicket(type, title, initialMessage, context),
    sendTicketMessage: (ticketId, content, options) => client.sendTicketMessage(ticketId, content, options),
    resolveTicket: (ticketId, summary) => client.resolveTicket(ticketId, summary),
    updateTicketStatus: (ticketId, status) => client.updateTicketStatus(ticketId, status),
    updateTicketPriority: (ticketId, priority) => client.updateTicketPriority(ticketId, priority),
    createTicketFromChatMessage: (messageId, type, title) => client.createTicketFromChatMessage(messageId, type, title),
    inheritContextToTicket: (ticketId, keys) => client.inheritContextToTicket(ticketId, keys),
    switchChatView: (view) => client.switchChatView(view),
    selectTicket: (ticketId) => client.selectTicket(ticketId),
    watchTicket: (ticketId) => client.watchTicket(ticketId),
    loadOlder: (ticketId, count) => client.loadOlder(ticketId, count),
    markRead: (threadId) => client.markRead(threadId),
    setDraft: (threadId, text) => client.setDraft(threadId, text),
    stopAssistant: () => client.stopAssistant(),
    regenerate: (messageId) => client.regenerate(messageId),
    retry: (messageId) => client.retry(messageId),
    continueReply: (messageId) => client.continueReply(messageId),
    runAction: (messageId, actionId) => client.runAction(messageId, actionId),
    waitForReply: (messageId, options) => client.waitForReply(messageId, options),
    clearUserData: () => client.clearUserData(),
    clearAllData: () => client.clearAllData(),
    retryDelivery: (id) => client.retryDelivery(id),
    discardDelivery: (id) => client.discardDelivery(id),
    runCleanup: () => client.runCleanup(),
    searchMessages: (query, options) => client.searchMessages(query, options),
    sendVoiceMessage: (recording, options) => client.sendVoiceMessage(recording, options),
    attachmentUrl: (id) => client.attachmentUrl(id),
    readAttachment: (id) => client.readAttachment(id),
    flush: () => client.flush(),
  }
}
