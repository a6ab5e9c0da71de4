/**
 * The protocol: the data shapes of the specification, the commands the client sends,
 * the change feed the engine pushes back, and the engine interface both sides speak.
 *
 * This file is dependency-free and imported by the main thread (`src/`) and the worker
 * (`worker/`) alike. Everything in it must survive the structured clone algorithm.
 */

import type { RemoteChange, SyncChange } from './sync.js'

/** Bumped whenever a message shape below changes incompatibly. Checked on connect. 4: `search`. 5: drafts. 7: `unloadThreads`. 8: the outbox. 9: `beginSync`. 10: the feed on the calls' channel. 11: attachments. 12: patches in parts. */
export const PROTOCOL_VERSION = 12

// ─── The specification's data shapes ────────────────────────────────────────────

/** Who wrote a message. */
export type MessageSender = 'user' | 'assistant' | 'system'

/** How a message is meant to be shown. `error` messages record failures. */
export type MessageType = 'text' | 'action' | 'suggestion' | 'error'

/** The kind of a support ticket. */
export type TicketType = 'support' | 'product-inquiry' | 'order-help' | 'technical'

/**
 * Where a ticket is in its life. `resolved` tickets may be reopened; `closed` is final.
 * See `TICKET_TRANSITIONS` for the full table.
 */
export type TicketStatus = 'open' | 'in-progress' | 'resolved' | 'closed'

/** How urgent a ticket is. New tickets are `medium`. */
export type TicketPriority = 'low' | 'medium' | 'high' | 'urgent'

/** Which part of the panel is shown. */
export type ChatView = 'chat' | 'tickets'

/** Plain, structured-cloneable data: what context and metadata may hold. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue | undefined }

/** An action attached to a message, e.g. a button "Open a ticket". */
export interface MessageAction {
  /** Stable identifier of the action, e.g. `'open-ticket'`. */
  readonly id: string
  /** Text shown to the user. */
  readonly label: string
  /** What the action does; free-form, interpreted by the app or the assistant. */
  readonly type: string
  /** Data the action needs, e.g. `{ ticketType: 'order-help' }`. */
  readonly payload?: { readonly [key: string]: JsonValue | undefined }
}

/** Optional extra data on a message. */
export interface MessageMetadata {
  /** The ticket this message belongs to or was turned into. */
  readonly ticketId?: string
  /** Free-form context, e.g. the product the message is about. */
  readonly context?: JsonValue
  /** Actions offered with the message. */
  readonly actions?: readonly MessageAction[]
  /** Any other plain data the app or the assistant attaches. */
  readonly [key: string]: JsonValue | readonly MessageAction[] | undefined
}

/** One chat message, in the main chat or in a ticket. */
export interface ChatMessage {
  readonly id: string
  readonly content: string
  readonly sender: MessageSender
  /** Epoch milliseconds, from the client's clock. */
  readonly timestamp: number
  readonly type: MessageType
  readonly metadata?: MessageMetadata
  /**
   * Where the message stands on its way to the server, on user messages of a client with
   * `sync` configured: `pending` (in the outbox), `sent` (the server has it), `failed` (the
   * server refused it; see the outbox entry's `reason`, and `retryDelivery`). Absent without
   * sync, on messages of others, and after `discardDelivery`.
   */
  readonly delivery?: DeliveryState
  /**
   * Files sent with the message, as metadata: the bytes stay in the worker's storage and are
   * read on demand (`attachmentUrl`, `readAttachment`). Absent when it has none.
   */
  readonly attachments?: readonly AttachmentInfo[]
}

/**
 * What a message knows of one of its files. The bytes live in the worker (the Origin
 * Private File System where the browser has it, IndexedDB otherwise) and never in the
 * state: ask for them by `id`.
 */
export interface AttachmentInfo {
  /** Unique among attachments; a ticket made from a chat message shares its attachments' ids. */
  readonly id: string
  /** The file name (`File.name`), or the name given with the send; `'attachment'` for a nameless Blob. */
  readonly name: string
  /** The MIME type as the Blob gave it; `''` when unknown. */
  readonly type: string
  /** Size in bytes. */
  readonly size: number
  /**
   * SHA-256 of the bytes, lowercase hex, computed by the worker as it stores them. Absent
   * only while the message is optimistic (not yet committed).
   */
  readonly sha256?: string
  /** Images the worker could decode: width and height in pixels. */
  readonly width?: number
  readonly height?: number
  /** Voice messages: the length of the recording in milliseconds. */
  readonly duration?: number
  /** Voice messages: what was said, as the `transcribe` hook gave it (the message's content holds it too). */
  readonly transcript?: string
}

/**
 * A file passed with a send: a `Blob` or `File` as it is (its `name`, if a File, and `type`
 * are kept), or with a name and, for a recording, its duration and transcript.
 */
export type AttachmentInput =
  | Blob
  | {
      readonly file: Blob
      readonly name?: string
      readonly duration?: number
      readonly transcript?: string
    }

/** See {@link ChatMessage.delivery}. */
export type DeliveryState = 'pending' | 'sent' | 'failed'

/**
 * A change waiting in the durable outbox to reach the server: a user message or a ticket
 * change, stored in the same transaction as the change itself. Sent entries leave the
 * outbox (a message then says `delivery: 'sent'`).
 */
export interface OutboxEntry {
  /** The message id, or for a ticket change the id of the command that made it. */
  readonly id: string
  /** Place in the database sequence: entries are pushed in this order. */
  readonly seq: number
  /** The thread: `MAIN_THREAD` or the ticket id. */
  readonly thread: ThreadId
  /** `pending`: waiting or being sent; `failed`: refused by the server, waits for `retryDelivery` or `discardDelivery`. */
  readonly state: 'pending' | 'failed'
  /** Why the server refused it (with `failed`). */
  readonly reason?: string
  /** What is sent. */
  readonly change: SyncChange
}

/**
 * A support ticket with the window of its thread that this client holds (see
 * {@link ThreadHeader}; the whole history stays in the worker).
 */
export interface ChatTicket extends TicketFields, ThreadHeader {
  /**
   * The messages of the ticket this client holds, oldest first: the newest
   * `ticketWindow` messages once the ticket is loaded (selected, watched, or written by
   * this client), and the older pages `loadOlder` asked for. Empty while the ticket is
   * not loaded; `messageCount` and `lastMessage` describe the whole thread either way.
   */
  readonly messages: readonly ChatMessage[]
  /**
   * What the user has typed in this ticket's composer and not sent (`setDraft`); `''` when
   * nothing. Kept in the database, the same in every tab; sending a user message clears it.
   */
  readonly draft: string
}

/** What a client knows of a thread without holding its messages. */
export interface ThreadHeader {
  /** How many messages the thread holds in the database. */
  readonly messageCount: number
  /** The newest message of the thread, for list previews. */
  readonly lastMessage?: ChatMessage | undefined
  /** Messages the user did not send that came after the thread's read marker (`markRead`). */
  readonly unreadCount: number
  /** Whether older messages exist than the oldest one in `messages` (`loadOlder` reads them). */
  readonly hasOlder: boolean
}

/** The stored fields of a ticket (everything but its messages and thread header). */
export interface TicketFields {
  readonly id: string
  readonly type: TicketType
  readonly title: string
  readonly status: TicketStatus
  readonly priority: TicketPriority
  /** Free-form context given at creation or inherited from the user context. */
  readonly context: { readonly [key: string]: JsonValue | undefined }
  readonly createdAt: number
  readonly updatedAt: number
  /** Set while the ticket is resolved (and kept when a resolved ticket is closed). */
  readonly resolvedAt?: number
  /** The resolution summary given to `resolveTicket`. */
  readonly summary?: string
}

/** A price range the user is shopping in. */
export type Budget = {
  readonly min?: number | undefined
  readonly max?: number | undefined
}

/** What the user likes; used to give better answers. */
export interface UserPreferences {
  readonly budget?: Budget | undefined
  readonly categories?: readonly string[] | undefined
  readonly [key: string]: JsonValue | undefined
}

/**
 * What the SDK knows about the user, kept on the device. Every key is optional;
 * `updateUserContext` merges the given keys into it (a key set to `undefined` is removed).
 */
export interface UserChatContext {
  readonly preferences?: UserPreferences | undefined
  readonly currentPage?: string | undefined
  readonly currentProducts?: readonly string[] | undefined
  readonly shoppingIntent?: string | undefined
  readonly sessionStart?: number | undefined
  readonly history?: readonly JsonValue[] | undefined
  readonly personalInfo?: { readonly [key: string]: JsonValue | undefined } | undefined
  readonly [key: string]: JsonValue | undefined
}

/** Figures over the whole chat system, kept by the engine. */
export interface ChatAnalytics {
  /** Every message ever written (main chat and tickets). Cleanup does not lower it. */
  readonly totalMessages: number
  /** Tickets that are `open` or `in-progress` now. */
  readonly activeTickets: number
  /** Tickets ever resolved (a reopened ticket stops counting until resolved again). */
  readonly resolvedTickets: number
  /** Mean of `resolvedAt - createdAt` over `resolvedTickets`, in milliseconds; 0 when none. */
  readonly averageResolutionTime: number
  /** The most frequent meaningful words of the user's messages, most frequent first. */
  readonly commonTopics: readonly string[]
}

/** The whole state of the chat system, as the specification describes it. */
export interface ChatSystemState {
  readonly mainChat: {
    /** The main chat, oldest first, at most `maxMainChatMessages`. */
    readonly messages: readonly ChatMessage[]
    readonly isTyping: boolean
    /** Time of the last main-chat message or typing change; 0 before any. */
    readonly lastActivity: number
    /** Messages the user did not send after the main chat's read marker (`markRead('main')`). */
    readonly unreadCount: number
    /** What the user has typed in the main chat's composer and not sent (`setDraft('main', …)`); `''` when nothing. */
    readonly draft: string
  }
  /** Every ticket, in the order they were created. */
  readonly tickets: readonly ChatTicket[]
  readonly activeTicketId: string | null
  readonly ticketView: ChatView
  readonly userContext: UserChatContext
  readonly analytics: ChatAnalytics
}

/** Limits and schedules; every value is optional when passed to the client. */
export interface ChatConfig {
  /** The main chat keeps this many most recent messages. */
  readonly maxMainChatMessages: number
  /** Resolved and closed tickets older than this (ms) are removed by cleanup. */
  readonly maxResolvedTicketAge: number
  /** How often (ms) cleanup runs on its own, starting when the database opens; 0 turns automatic cleanup off (the run at open too). */
  readonly autoCleanupInterval: number
  /** Longest message content, in characters. */
  readonly maxContentLength: number
  /** Longest ticket title, in characters. */
  readonly maxTitleLength: number
  /** Longest resolution summary, in characters. */
  readonly maxSummaryLength: number
  /** Largest context or metadata value, in bytes of its JSON form. */
  readonly maxContextBytes: number
  /** How many of its newest messages a loaded ticket holds (`loadOlder` reads more). */
  readonly ticketWindow: number
  /**
   * How many loaded tickets a client keeps that no UI watches and that are not selected:
   * beyond it, the least recently used go back to their header (their messages are read
   * again when needed). Keeps a long-lived tab from collecting every ticket it touched.
   */
  readonly maxLoadedTickets: number
  /** Largest attachment, in bytes. */
  readonly maxAttachmentBytes: number
  /** Most attachments one message carries. */
  readonly maxAttachmentsPerMessage: number
  /** Largest sum of the attachments of one message, in bytes. */
  readonly maxMessageAttachmentBytes: number
  /** Largest sum of every stored attachment, in bytes: a send past it is refused. */
  readonly maxStoredAttachmentBytes: number
}

/** The specification's defaults, plus the SDK's input limits. */
export const CHAT_CONFIG: ChatConfig = Object.freeze({
  maxMainChatMessages: 100,
  maxResolvedTicketAge: 7 * 24 * 60 * 60 * 1000, // 7 days
  autoCleanupInterval: 60 * 60 * 1000, // 1 hour
  maxContentLength: 10_000,
  maxTitleLength: 200,
  maxSummaryLength: 2_000,
  maxContextBytes: 64 * 1024,
  ticketWindow: 30,
  maxLoadedTickets: 20,
  maxAttachmentBytes: 25 * 1024 * 1024,
  maxAttachmentsPerMessage: 10,
  maxMessageAttachmentBytes: 50 * 1024 * 1024,
  maxStoredAttachmentBytes: 500 * 1024 * 1024,
})

// ─── Stored records (what the engine keeps and the change feed carries) ─────────

/** `'main'` for the main chat, otherwise the id of the ticket the message belongs to. */
export type ThreadId = string

/** The thread id of the main chat. */
export const MAIN_THREAD: ThreadId = 'main'

/** A message and where it lives. `seq` orders it; it comes from the database sequence. */
export interface MessageRecord {
  readonly thread: ThreadId
  /** Position in the database sequence; absent while the message is only optimistic. */
  readonly seq?: number
  readonly message: ChatMessage
}

/** A ticket without its messages (they are message records of the ticket's thread). */
export type TicketRecord = TicketFields & {
  /** Position in the database sequence (creation order); absent while optimistic. */
  readonly seq?: number
}

/**
 * A thread's draft: text the user typed and has not sent. An empty `text` means the thread
 * has none (the row is deleted).
 */
export interface DraftRecord {
  readonly thread: ThreadId
  readonly text: string
  /** When it was last changed (the client's clock). */
  readonly at: number
}

/** The persisted part of the panel's navigation and typing state. */
export interface ViewState {
  readonly ticketView: ChatView
  readonly activeTicketId: string | null
  readonly isTyping: boolean
  readonly lastActivity: number
}

/** The initial view state of a new database. */
export const INITIAL_VIEW: ViewState = Object.freeze({
  ticketView: 'chat',
  activeTicketId: null,
  isTyping: false,
  lastActivity: 0,
})

/** The analytics of an empty database. */
export const EMPTY_ANALYTICS: ChatAnalytics = Object.freeze({
  totalMessages: 0,
  activeTickets: 0,
  resolvedTickets: 0,
  averageResolutionTime: 0,
  commonTopics: Object.freeze([]) as readonly string[],
})

// ─── Commands ───────────────────────────────────────────────────────────────────

/** Options of `sendMainChatMessage` and `sendTicketMessage`. */
export interface SendMessageOptions {
  /** Defaults to `'user'`. Apps that bring their own assistant write its replies with `'assistant'`. */
  readonly sender?: MessageSender
  /** Defaults to `'text'`. */
  readonly type?: MessageType
  readonly metadata?: MessageMetadata
  /** Give the message this id instead of a generated one (it must be new). */
  readonly id?: string
  /**
   * Files to send with the message (see {@link AttachmentInput}). The worker stores the bytes;
   * the message carries their metadata. With attachments, `content` may be empty.
   */
  readonly attachments?: readonly AttachmentInput[]
}

/**
 * A command as it crosses to the engine. `commandId` makes a retried command apply once;
 * `at` is the client's clock when the command was issued; ids of new rows are made by
 * the client so the committed row equals the optimistic one.
 */
export type Command =
  /** `files[i]` holds the bytes of `message.attachments[i]` (a send with attachments carries them all). */
  | CommandBase<'sendMessage', { thread: ThreadId; message: ChatMessage; files?: readonly Blob[] }>
  | CommandBase<'sendMessages', { thread: ThreadId; messages: readonly ChatMessage[] }>
  | CommandBase<'setTyping', { isTyping: boolean }>
  | CommandBase<'updateUserContext', { patch: UserChatContext }>
  | CommandBase<'clearUserData', object>
  | CommandBase<
      'createTicket',
      {
        ticketId: string
        ticketType: TicketType
        title: string
        initialMessage?: ChatMessage
        context?: { readonly [key: string]: JsonValue | undefined }
      }
    >
  | CommandBase<'resolveTicket', { ticketId: string; summary?: string }>
  | CommandBase<'updateTicketStatus', { ticketId: string; status: TicketStatus }>
  | CommandBase<'updateTicketPriority', { ticketId: string; priority: TicketPriority }>
  | CommandBase<'switchChatView', { view: ChatView }>
  | CommandBase<'selectTicket', { ticketId: string | null }>
  | CommandBase<
      'createTicketFromChatMessage',
      { ticketId: string; messageId: string; copyId: string; ticketType: TicketType; title: string }
    >
  | CommandBase<'inheritContextToTicket', { ticketId: string; contextKeys: readonly string[] }>
  | CommandBase<'reply', ReplyWrite>
  | CommandBase<'markRead', { thread: ThreadId }>
  /** Sets a thread's draft (`''` deletes it). The client coalesces keystrokes into few of these. */
  | CommandBase<'setDraft', { thread: ThreadId; text: string }>
  /** Sync (engine-made): the ticket as the server has it; created when missing. */
  | CommandBase<'putTicket', { ticket: TicketFields }>
  /**
   * A voice message's transcript, added once `transcribe` answered: kept on the attachment,
   * and the message's text while it has none. Changes nothing when the message or the
   * attachment is gone (deleted, trimmed, cleared meanwhile) or has a transcript already.
   */
  | CommandBase<'setTranscript', { thread: ThreadId; messageId: string; attachmentId: string; transcript: string }>
  /** Sync (engine-made): a message's delivery state; `null` removes it (discarded). */
  | CommandBase<'setDelivery', { thread: ThreadId; messageId: string; delivery: DeliveryState | null }>

type CommandBase<K extends string, P> = {
  readonly kind: K
  readonly commandId: string
  readonly at: number
  /** Sync is configured: the user messages and ticket changes of this command go into the outbox, in the same transaction. */
  readonly sync?: boolean
} & {
  readonly [F in keyof P]: P[F]
}

/**
 * How a `reply` command may touch the reply slot of a user message:
 * - `new`: create the slot; refused when it exists (another tab answers already);
 * - `resume`: take a slot still owed an answer (`queued` or `waiting`); refused once any
 *   client has taken it, so an owed turn is answered exactly once;
 * - `claim`: take over an existing slot that nobody streams into now (waiting, failed,
 *   interrupted, finished, or a stream whose lease ran out): retry and regenerate;
 * - `own`: update a slot this owner holds.
 */
export type ReplyGuard = 'new' | 'resume' | 'claim' | 'own'

/**
 * Where an assistant turn stands. Kept in the reply message's `metadata.reply`. `queued`
 * slots are written with the user message, so a turn owed survives a reload.
 */
export type ReplyStatus = 'queued' | 'streaming' | 'done' | 'stopped' | 'interrupted' | 'waiting' | 'error'

/** The `metadata.reply` of a reply message. */
export interface ReplyInfo {
  readonly [key: string]: JsonValue | undefined
  /** The user message this answers. */
  readonly to: string
  readonly status: ReplyStatus
  /** The client streaming into it (only while `streaming`). */
  readonly owner?: string
  /** Until when the owner's claim holds (epoch ms); a stream past it counts as interrupted. */
  readonly leaseUntil?: number
}

/** What a `reply` command writes: the whole reply message, under a guard. */
export interface ReplyWrite {
  readonly guard: ReplyGuard
  readonly owner: string
  /** The reply message (its `metadata.reply` carries `to`, `status`, `owner`, `leaseUntil`). */
  readonly message: ChatMessage
  /**
   * Suggestion messages of an earlier answer to the same user message, removed in the same
   * write: a regenerated answer brings its own. Ids that are gone, or that are not
   * suggestions answering that message, are left alone. Not with guard `own`.
   */
  readonly supersede?: readonly string[]
}

/** The name of a command. */
export type CommandKind = Command['kind']

// ─── Change feed ────────────────────────────────────────────────────────────────

/** One row-level change. A patch is a list of these, applied in order. */
export type Change =
  | { readonly type: 'message'; readonly record: MessageRecord }
  | { readonly type: 'messageDeleted'; readonly id: string; readonly thread: ThreadId }
  | { readonly type: 'ticket'; readonly record: TicketRecord }
  | { readonly type: 'ticketDeleted'; readonly id: string }
  | { readonly type: 'userContext'; readonly context: UserChatContext }
  | { readonly type: 'view'; readonly view: ViewState }
  | { readonly type: 'analytics'; readonly analytics: ChatAnalytics }
  /** A thread's draft changed; an empty `text` means it has none any more. */
  | { readonly type: 'draft'; readonly record: DraftRecord }
  /** A thread's header changed (counts, newest message, read marker). */
  | { readonly type: 'thread'; readonly summary: ThreadSummary }
  /**
   * Messages of one thread read on request (never in the feed): its newest window or an
   * older page. `hasOlder`: whether messages exist before the page.
   */
  | { readonly type: 'page'; readonly thread: ThreadId; readonly records: readonly MessageRecord[]; readonly hasOlder: boolean }
  /**
   * The client lets a thread's messages go but the newest `keep` (local, never in the
   * feed); with `keep: 0` the thread is back to its header, and the engine stops sending it.
   */
  | { readonly type: 'unload'; readonly thread: ThreadId; readonly keep: number }
  /** Everything is gone (clearAllData): start again from the empty state. */
  | { readonly type: 'reset' }
  /** An outbox entry was added or changed. */
  | { readonly type: 'outbox'; readonly entry: OutboxEntry }
  /** An outbox entry left the outbox (sent or discarded). */
  | { readonly type: 'outboxDeleted'; readonly id: string }

/** A command the engine refused, reported in the patch of the batch it came in. */
export interface CommandOutcome {
  readonly commandId: string
  /** Why it was refused, as plain data. */
  readonly error: SerializedError
}

/**
 * Messages the receiving client sent itself, committed in this patch: it holds the rows
 * already, so only their ids and places in the database sequence travel (`seqs[i]` is the
 * place of `ids[i]`). Every other subscriber gets them as `message` changes.
 */
export interface SentMessages {
  readonly ids: readonly string[]
  readonly seqs: readonly number[]
}

/**
 * What the engine pushes to its subscribers after each commit. `version` grows by one per
 * patch of one engine; a client that sees a gap asks for a fresh snapshot.
 */
export interface Patch {
  readonly version: number
  readonly changes: readonly Change[]
  /** Ids of the commands of this batch that committed (or were committed already: a retry). */
  readonly done: readonly string[]
  /** The commands of this batch that were refused. */
  readonly refused: readonly CommandOutcome[]
  /** The receiver's own new messages, left out of `changes` (see `SentMessages`). */
  readonly sent?: SentMessages
}

/**
 * A thread's header as the engine keeps it, in the same transaction as its messages: one
 * per thread that has messages or a read marker.
 */
export interface ThreadSummary {
  /** The thread: `MAIN_THREAD` or a ticket id. */
  readonly id: ThreadId
  /** How many messages the thread holds. */
  readonly count: number
  /** The newest message. */
  readonly last?: ChatMessage
  /** The `seq` of the newest message; 0 when the thread has none. */
  readonly lastSeq: number
  /** The `seq` up to which the user has read the thread; 0: nothing read. */
  readonly readSeq: number
  /** Messages after `readSeq` that the user did not send. */
  readonly unread: number
}

/** Messages of one thread read on request: a window, or a page before one. */
export interface ThreadPage {
  readonly thread: ThreadId
  /** Oldest first. */
  readonly records: readonly MessageRecord[]
  /** Whether the thread holds messages before the first of `records`. */
  readonly hasOlder: boolean
}

/**
 * Everything a client needs to build its mirror: the main chat, every ticket and thread
 * header, and the windows of the threads it asked for.
 */
export interface Snapshot {
  readonly version: number
  /** The main chat, then the messages of each window in `windows`. */
  readonly messages: readonly MessageRecord[]
  readonly tickets: readonly TicketRecord[]
  readonly threads: readonly ThreadSummary[]
  /** The ticket threads whose newest messages are in `messages`, and whether older ones exist. */
  readonly windows: readonly { readonly thread: ThreadId; readonly hasOlder: boolean }[]
  /** Every draft (of the main chat and of tickets that exist); few, so all are sent. */
  readonly drafts: readonly DraftRecord[]
  readonly userContext: UserChatContext
  readonly view: ViewState
  readonly analytics: ChatAnalytics
  /** The outbox, oldest first. */
  readonly outbox: readonly OutboxEntry[]
}

/** Where the engine keeps its data. */
export type StorageKind = 'indexeddb' | 'memory'

/** What `connect` answers. */
export interface Welcome {
  readonly protocolVersion: number
  readonly storage: StorageKind
  readonly snapshot: Snapshot
}

/** What `runCleanup` removed. */
export interface CleanupReport {
  /** Ids of the tickets removed, with all their messages. */
  readonly removedTicketIds: readonly string[]
  /** How many messages went with them. */
  readonly removedMessages: number
}

/** Options of `searchMessages`. */
export interface SearchOptions {
  /** Only messages of this thread: `MAIN_THREAD` (`'main'`) or a ticket id. Default: every thread. */
  readonly threadId?: ThreadId
  /** Most hits answered, a whole number from 1 to 200. Default 20. */
  readonly limit?: number
}

/** One message found by `searchMessages`. */
export interface SearchHit {
  /** The thread of the message: `MAIN_THREAD` or a ticket id. */
  readonly threadId: ThreadId
  readonly message: ChatMessage
  /**
   * Where the query's words occur in `message.content`, for highlighting: `[start, end)`
   * UTF-16 offsets (as `String.prototype.slice` takes them), sorted and not overlapping.
   * A word matched as a prefix is marked whole.
   */
  readonly ranges: readonly (readonly [start: number, end: number])[]
  /**
   * How well the message matches, from 0 to 1: 1 when every word of the query matched a
   * whole word; a word matched only as a prefix (or Chinese, Japanese or Thai text found
   * inside a longer word) counts half. Hits come best score first, then newest first.
   */
  readonly score: number
}

/**
 * What happened to one outbox entry: `sent` (it leaves the outbox; a ticket change brings the
 * server's version of the ticket, with its `revision` when the adapter gave one), `failed`
 * (refused, with the reason), `pending` (tried again: `retryDelivery`), `discarded` (leaves
 * the outbox unsent: `discardDelivery`).
 */
export type DeliveryUpdate =
  | { readonly id: string; readonly state: 'sent'; readonly ticket?: TicketFields; readonly revision?: string }
  | { readonly id: string; readonly state: 'failed'; readonly reason: string }
  | { readonly id: string; readonly state: 'pending' | 'discarded' }

/** A batch of the server's changes, as the engine applies it. */
export interface RemoteBatch {
  readonly changes: readonly RemoteChange[]
  readonly checkpoint: string
  /**
   * The replication id the runner started with (`beginSync`). A database whose stored id
   * differs, or that has none, was cleared since: the batch is not applied.
   */
  readonly replica: string
  /** The client's clock, for the commands the batch becomes. */
  readonly at: number
}

/** A database's sync bookkeeping: its replication id, and its pull checkpoint (`null` before the first pull). */
export interface SyncState {
  readonly replica: string
  readonly checkpoint: string | null
}

/** An error as plain data, so that it keeps its class and code across the worker boundary. */
export interface SerializedError {
  readonly name: string
  readonly code: string
  readonly message: string
  readonly details?: JsonValue
}

/** What the client says when it connects. */
export interface Hello {
  readonly protocolVersion: number
  readonly databaseName: string
  readonly config: ChatConfig
  /** Fail instead of falling back to memory when IndexedDB cannot be used. */
  readonly requirePersistence: boolean
  /** Ticket threads whose windows the welcome snapshot carries (a client that connects again keeps what it showed). */
  readonly threads?: readonly ThreadId[]
}

/** Receives the change feed. Over Comlink this is a proxied function. */
export type PatchListener = (patch: Patch) => void

/**
 * What the engine tells a connection about itself, on the same feed as the patches:
 * `blocked` while opening the database waits for another tab that holds it open at an
 * older schema version (the open completes, and `connect` answers, once that tab lets go).
 */
export interface Notice {
  readonly notice: 'blocked'
}

/** Receives the engine's notices. */
export type NoticeListener = (notice: Notice) => void

/** A message of the feed: a patch or a notice. */
export type FeedMessage = Patch | Notice

/**
 * How the feed travels: on the same channel as the calls and their answers (Comlink's
 * messages carry an `id`; these carry `feed` or `part`). One channel where a second one (a
 * `MessagePort` of its own) would cost a browser several times more per message.
 *
 * A patch with many changes travels in parts: its leading changes go ahead, `PATCH_PART` a
 * message, each read in a task of its own (reading a message of 10,000 tickets would block a
 * page for some 70 ms), and the patch follows with the rest. The receiver puts the parts of
 * the patch's `version` before its changes.
 */
export type FeedEnvelope = { readonly feed: FeedMessage } | { readonly part: PatchPart }

/** Leading changes of the patch `version`, sent ahead of it (see `FeedEnvelope`). */
export interface PatchPart {
  readonly version: number
  readonly changes: readonly Change[]
}

/** Most changes in one message of the feed (see `FeedEnvelope`). */
export const PATCH_PART = 1_000

/**
 * How every engine call answers. Engine calls never throw across the boundary: an error
 * travels as data so that it keeps its class and code (Comlink would keep only the message).
 */
export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: SerializedError }

/**
 * One client's connection to the engine. One engine object serves any number of these;
 * hosts expose one per port over Comlink (dedicated worker, shared worker, worker_threads,
 * or in-process across a MessageChannel).
 */
/** Options of {@link EngineApi.execute}. */
export interface ExecuteOptions {
  /** The commands were sent before to an engine whose answer was lost (see `execute`). */
  readonly resent?: boolean
}

export interface EngineApi {
  /**
   * Opens the database (once per engine), subscribes `listener`, and returns the current
   * state. `notices` hears about the connection meanwhile (a blocked upgrade).
   */
  connect(hello: Hello, listener: PatchListener, notices?: NoticeListener): Promise<Result<Welcome>>
  /**
   * Queues commands; they commit together with whatever else is queued. Outcomes arrive in patches.
   * `resent`: the commands were sent before, to an engine whose answer was lost (a worker that
   * died): each one that was applied then is recognised by its command id, also when the rows
   * it wrote are gone since (trimmed from the main chat), and is answered done without
   * applying again. Optional: an engine that ignores it still takes every retry whose rows remain.
   */
  execute(commands: readonly Command[], options?: ExecuteOptions): Promise<Result<void>>
  /**
   * Removes resolved and closed tickets that ended more than `maxResolvedTicketAge` before
   * `now`. `version` is the feed version that carries the removal.
   */
  runCleanup(now: number): Promise<Result<{ readonly report: CleanupReport; readonly version: number }>>
  /** Deletes every row and the database itself; answers the version of the `reset` patch. */
  clearAllData(): Promise<Result<number>>
  /** A fresh snapshot, for a client that missed a patch, with the windows of `threads`. */
  snapshot(threads?: readonly ThreadId[]): Promise<Result<Snapshot>>
  /**
   * Reads a thread's messages. Without `before`: its newest `count` (its window), and from
   * then on the feed carries the thread's message changes to this connection. With
   * `before` (a `seq`): the `count` messages before it.
   */
  loadThread(thread: ThreadId, page: { readonly before?: number; readonly count: number }): Promise<Result<ThreadPage>>
  /** The feed stops carrying these threads' message changes to this connection (their header changes still come). */
  unloadThreads(threads: readonly ThreadId[]): Promise<Result<void>>
  /**
   * The stored messages that contain every word of `query` (the last one also as a prefix),
   * best first. Sees every command queued before it.
   */
  search(query: string, options: SearchOptions): Promise<Result<SearchHit[]>>
  /** Answers at once (not queued behind writes): the client's sign that the worker is alive. */
  ping(): Promise<Result<number>>
  /**
   * The bytes of a stored attachment, after everything queued before: a Blob backed by the
   * storage (crossing to the client does not copy the bytes). `NotFoundError` when no stored
   * message has it.
   */
  readAttachment(id: string): Promise<Result<Blob>>
  /** Sync: the oldest `limit` pending outbox entries, after everything queued before. */
  readOutbox(limit: number): Promise<Result<OutboxEntry[]>>
  /**
   * Sync: records how the server took outbox entries (see {@link DeliveryUpdate}), in one
   * transaction. Answers the feed version that carries the change.
   */
  settleDelivery(updates: readonly DeliveryUpdate[]): Promise<Result<number>>
  /**
   * Sync: applies a batch of the server's changes and stores the checkpoint after it, in one
   * transaction. Answers the changes it could not apply (malformed, or a message for a
   * ticket this device does not have or that is closed), by the index of the change; and
   * `cleared` when the database is no longer the one sync began on (its replication id is
   * gone: `clearAllData` here or in another tab), in which case nothing was written.
   */
  applyRemote(batch: RemoteBatch): Promise<
    Result<{ readonly refused: ReadonlyArray<{ readonly index: number; readonly error: SerializedError }>; readonly version: number; readonly cleared: boolean }>
  >
  /**
   * Sync begins: stores `replica` as this database's replication id unless it has one
   * (creating the database), and answers the id and the pull checkpoint. Every pulled batch
   * names that id, so a database cleared meanwhile refuses it. Answers `null`, and stores
   * nothing, when the database was cleared since this connection connected (the client may
   * not have heard of it yet): sync must not begin.
   */
  beginSync(replica: string): Promise<Result<SyncState | null>>
  /** Unsubscribes this connection; the engine closes its database when no connection is left. */
  disconnect(): Promise<Result<void>>
}

/**
 * The engine's calls as a client makes them across a port. The change feed is one-way: the
 * engine posts each patch on the same port as its answers ({@link FeedEnvelope}), and
 * nothing answers it.
 */
export interface RemoteEngineApi extends Omit<EngineApi, 'connect'> {
  /**
   * As {@link EngineApi.connect}; every patch and notice then arrives on the same channel,
   * as a {@link FeedEnvelope}. A second `connect` on one channel replaces the first's feed.
   */
  connect(hello: Hello): Promise<Result<Welcome>>
  /**
   * Ties the lives of the worker and this client together through Web Locks, so that each
   * notices at once when the other is gone: the worker holds the lock `held` while it lives
   * and serves this port (the client asks for it, and is granted it the moment the worker
   * dies), and asks for the lock `watched` (`''` for none), which the client holds while it
   * lives (granted when the page closes or crashes: the worker then drops this connection). Answers whether
   * the worker holds `held` (`false` where it has no Web Locks). Call it before `connect`.
   */
  lifeline(held: string, watched: string): Promise<Result<boolean>>
  /** Diagnostics: how many clients the engine of `databaseName` in this worker serves now. */
  connections(databaseName: string): Promise<Result<number>>
}
