/**
 * companion-chat: an offline-first chat and support-ticket SDK. A worker owns the data in
 * IndexedDB; this entry is the main-thread client with RxJS observables.
 *
 * @packageDocumentation
 */
export { createChatClient } from './client/create-chat-client.js'
export type { BatchMessage, ChatClient, ChatClientOptions, ChatStatus, HostKind, NodeWorkerLike, StateObservable } from './client/types.js'
export * from './core/protocol.js'
export * from './core/errors.js'
export { TICKET_TRANSITIONS, canTransition } from './core/ticket-status.js'
export * from './assistant/index.js'
