/**
 * companion-chat: an offline-first chat and support-ticket SDK. A worker owns the data in
 * IndexedDB; this entry is the main-thread client with RxJS observables.
 *
 * @packageDocumentation
 * @module companion-chat
 */
export { createChatClient } from './client/create-chat-client.js'
export type {
  ActionOutcome,
  AttachmentUrl,
  ActionRequest,
  AssistantOptions,
  BatchMessage,
  ChatClient,
  ChatClientOptions,
  ChatStatus,
  HostKind,
  NodeWorkerLike,
  StateObservable,
  ThreadDrafts,
  WaitForReplyOptions,
} from './client/types.js'
export type { AssistantActivity, Connectivity } from './client/assistant-runner.js'
export type { OlderPage } from './client/windows.js'
export type { Transcribe, VoiceMessageOptions, VoiceRecorder, VoiceRecording } from './client/voice-message.js'
export { createMediaRecorder, type MediaRecorderOptions } from './client/media-recorder.js'
export type { SyncOptions, SyncStatus } from './client/sync-runner.js'
export { DEFAULT_CONTEXT_KEYS } from './client/create-chat-client.js'
export { findActionTicket } from './client/action-ticket.js'
export * from './core/protocol.js'
export type { Assistant, AssistantPart, AssistantRequest } from './core/assistant.js'
export * from './core/errors.js'
export * from './core/sync.js'
export { TICKET_TRANSITIONS, canTransition } from './core/ticket-status.js'
export * from './assistant/index.js'
