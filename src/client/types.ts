/**
 * The public shape of the client: its options, its observables and its commands.
 */
import type { Observable } from 'rxjs'
import type { ChatError } from '../core/errors.js'
import type { AssistantActivity, Connectivity } from './assistant-runner.js'
import type { OlderPage } from './windows.js'
import type { Assistant } from '../core/assistant.js'
import type { SyncAdapter, TicketConflict } from '../core/sync.js'
import type { SyncOptions, SyncStatus } from './sync-runner.js'
import type { Transcribe, VoiceMessageOptions, VoiceRecording } from './voice-message.js'
import type {
  ChatAnalytics,
  ChatConfig,
  ChatMessage,
  ChatSystemState,
  ChatTicket,
  ChatView,
  CleanupReport,
  JsonValue,
  MessageAction,
  OutboxEntry,
  SearchHit,
  SearchOptions,
  SendMessageOptions,
  StorageKind,
  TicketPriority,
  TicketStatus,
  TicketType,
  UserChatContext,
} from '../core/protocol.js'

/** One message of {@link ChatClient.sendMainChatMessages}. */
export interface BatchMessage {
  readonly content: string
  readonly options?: SendMessageOptions
}

/** Where the engine runs. */
export type HostKind = 'worker' | 'shared-worker' | 'in-process'

/** The part of a Node `worker_threads` Worker the client uses. */
export interface NodeWorkerLike {
  postMessage(message: unknown, transfer?: readonly unknown[]): void
  on(event: string, listener: (...args: unknown[]) => void): unknown
  off(event: string, listener: (...args: unknown[]) => void): unknown
  terminate(): unknown
  /** Node's `Worker.unref()`: the client calls it so that an idle worker does not keep the process alive. */
  unref?(): unknown
}

/** Options of {@link createChatClient}. Every one is optional. */
export interface ChatClientOptions {
  /** One database per app or user. Default `'companion-chat'`. */
  readonly databaseName?: string
  /**
   * Where the engine runs. Default: `'worker'` when `worker` is given, else `'in-process'`
   * (the engine on this thread, still behind a real `MessageChannel`).
   */
  readonly host?: HostKind
  /**
   * Makes the worker. In browsers:
   * `() => new Worker(new URL('companion-chat/worker', import.meta.url), { type: 'module' })`;
   * in Node, a `worker_threads` Worker running `companion-chat/node-worker`. With host
   * `'shared-worker'` it is asked for a `'shared-worker'` and, where the browser has no
   * SharedWorker, for a dedicated `'worker'` instead (then `status$.host` says `'worker'`).
   * It is called again for each new worker after a lost one (see `reconnectAttempts`): make
   * a new one on every call.
   */
  readonly worker?: (kind: 'worker' | 'shared-worker') => Worker | SharedWorker | NodeWorkerLike
  /** The IndexedDB to use in-process (e.g. fake-indexeddb in Node). Default: the global one. */
  readonly indexedDB?: IDBFactory
  readonly IDBKeyRange?: typeof IDBKeyRange
  /** Overrides of the specification's `CHAT_CONFIG` and the input limits. */
  readonly config?: Partial<ChatConfig>
  /** The clock for timestamps, ticket times and cleanup. Default `Date.now`. */
  readonly now?: () => number
  /** Fail (status `failed`, calls reject) instead of keeping data in memory when IndexedDB cannot be used. */
  readonly requirePersistence?: boolean
  /**
   * How long to wait for a new worker to answer its first call, in ms; a worker that does
   * not is lost (see `reconnectAttempts`). No limit applies while it waits for another tab
   * (status `blocked`). Default 30 000: a false alarm ends a worker that was about to answer
   * and starts another that is as slow, so the limit is generous; a worker that dies or
   * fails to start is noticed at once anyway.
   */
  readonly connectTimeout?: number
  /**
   * While writes are pending, the client checks that the worker still answers; after this
   * many ms without an answer the worker is lost: the client ends it and starts a new one
   * (see `reconnectAttempts`). Default 15 000: a busy worker on a loaded machine can be
   * silent for seconds, and a false alarm costs a restart and every pending command sent
   * again. A browser worker that is terminated, crashes or is closed is noticed at once
   * where the page has Web Locks (`navigator.locks`: secure origins, localhost included);
   * this timeout is for a worker that is alive but hung, and for pages without Web Locks.
   */
  readonly workerTimeout?: number
  /**
   * How many new workers the client starts in a row after its worker died, failed to start
   * or stopped answering, before it gives up (status `failed` with a `WorkerGoneError`,
   * `details.attempts`, and pending commands reject with it). The first starts at once, the
   * next after 0.25 s, 0.5 s, 1 s, then every 2 s. The count starts anew once a worker
   * makes progress (commits something, or had nothing to send again). `0`: never
   * reconnect; the first lost worker fails the client. Default 5. Ignored in-process (there
   * is no worker to lose).
   */
  readonly reconnectAttempts?: number
  /**
   * Who answers main-chat messages: every user message sent with `sendMainChatMessage`
   * gets a streamed reply. Without it nobody answers.
   */
  readonly assistant?: Assistant
  readonly assistantOptions?: AssistantOptions
  /**
   * Sync with a server through this adapter (e.g. `createCouchDBSync` from
   * `companion-chat/couchdb`, or an app's own {@link SyncAdapter}). Every user message and
   * ticket change is then stored with a delivery state in the durable outbox (`outbox$`),
   * and one client per database pushes the outbox and pulls the server's changes.
   */
  readonly sync?: SyncAdapter
  /** How sync runs: batch sizes and the backoff when the server cannot be reached. */
  readonly syncOptions?: SyncOptions
  /**
   * Turns a voice message's audio into text (a server, the Web Speech API). It runs while
   * `sendVoiceMessage` stores the message, which shows at once; when the text comes it is
   * added to the message in place, as its content and its attachment's `transcript`, and
   * search and topics count it from then on (the assistant answers once it is there). When it
   * fails or takes longer than `transcribeTimeout`, the message stays without one and the
   * failure is reported on `errors$`; a message deleted or cleared meanwhile stays gone.
   */
  readonly transcribe?: Transcribe
  /** How long `transcribe` may take, in milliseconds, before it counts as failed (`TimeoutError` on `errors$`). Default 60,000. */
  readonly transcribeTimeout?: number
}

/** An object URL of an attachment's bytes (see {@link ChatClient.attachmentUrl}). */
export interface AttachmentUrl {
  /**
   * A `blob:` URL for `<img src>`, `<audio src>` or a download link. It runs in the page's
   * origin: do not let the user navigate to one of an HTML or SVG attachment.
   */
  readonly url: string
  /** Revokes the URL, so the browser can let go of it. Calling it again does nothing. */
  release(): void
}

/** How the assistant runs. Every key is optional. */
export interface AssistantOptions {
  /**
   * The user-context keys the assistant may see (and a ticket opened from its suggestion
   * inherits). Nothing else leaves the device through the assistant.
   * Default: `['preferences', 'currentPage', 'currentProducts', 'shoppingIntent']`.
   */
  readonly contextKeys?: readonly string[]
  /** How many recent main-chat messages the assistant is given. Default 20. */
  readonly historyLength?: number
  /** Longest time (ms) streamed text waits before it is written. Default 100. */
  readonly flushInterval?: number
  /** How long (ms) a streaming reply stays claimed without news before another client may call it interrupted. Default 10 000. */
  readonly leaseDuration?: number
  /** Network state; default: `navigator.onLine` and the window's `online` event. */
  readonly connectivity?: Connectivity
}

/** What `runAction` did. */
export type ActionOutcome =
  | { readonly handled: true; readonly type: string; readonly ticketId?: string }
  /** Not an SDK action (e.g. `show-product`): it was emitted on `actions$` for the app. */
  | { readonly handled: false; readonly type: string }

/** An action the app handles itself, on `actions$`. */
export interface ActionRequest {
  readonly message: ChatMessage
  readonly action: MessageAction
}

/** Options of {@link ChatClient.waitForReply}. */
export interface WaitForReplyOptions {
  /** Stop waiting when this signal aborts: the promise rejects with `AbortedError` (the reply itself goes on). */
  readonly signal?: AbortSignal
  /** Stop waiting after this many ms: the promise rejects with `TimeoutError` (the reply itself goes on). Default: no limit. */
  readonly timeout?: number
}

/**
 * Connection and storage health, on `status$`.
 *
 * @example
 * chat.status$.subscribe(({ connection, storage }) => {
 *   if (connection === 'failed' || storage === 'memory') showWarning('Your chat will not be saved')
 * })
 */
export interface ChatStatus {
  /**
   * - `connecting`: until the engine's first snapshot arrived (commands issued meanwhile are
   *   shown at once and sent when it is up);
   * - `blocked`: still connecting, and waiting for another tab: it holds the database open
   *   at an older schema version (an old version of the app) and does not let go. The client
   *   connects, and sends the commands issued meanwhile, as soon as that tab closes or
   *   reloads; it does not time out meanwhile. Ask the user to close the chat's other tabs;
   *   {@link ChatClient.ready} resolves once connected;
   * - `ready`: the engine answers;
   * - `reconnecting`: the worker died, failed to start or stopped answering (`error` says
   *   how), and the client starts a new one (see `ChatClientOptions.reconnectAttempts`).
   *   Nothing is rejected meanwhile: pending commands stay shown and are sent again, with
   *   their command ids, to the new worker (which applies each one once), commands issued
   *   meanwhile are shown and queued, and reads wait. Then `ready` again;
   * - `failed`: the engine cannot be used (new workers kept failing and the client gave up,
   *   storage was required but unavailable, another protocol version); `error` says why,
   *   pending commands rejected and later calls throw;
   * - `closed`: after `close()`.
   */
  readonly connection: 'connecting' | 'blocked' | 'ready' | 'reconnecting' | 'failed' | 'closed'
  /**
   * Where the data is kept: `indexeddb` (it survives reloads), `memory` (IndexedDB could
   * not be used: it is gone when the page or process ends), `unknown` until connected.
   */
  readonly storage: StorageKind | 'unknown'
  /**
   * Where the engine runs: the `host` asked for until connected, then the one in use
   * (`worker` when a `shared-worker` was asked for where the browser has no SharedWorker).
   */
  readonly host: HostKind
  /** Commands sent (or held back, like a draft's write) but not committed yet; updated once per tick, not per command. */
  readonly pendingWrites: number
  /**
   * Why the connection failed, once `connection` is `failed` (kept after a later `close()`);
   * while `reconnecting`, how the last worker was lost.
   */
  readonly error?: ChatError
}

/**
 * The drafts of every thread that has one, by thread id (`'main'` or a ticket id): text the
 * user typed and has not sent. A thread without a draft has no key.
 */
export type ThreadDrafts = { readonly [threadId: string]: string }

/** An observable that replays its latest value, emits only on change, and can be read at once. */
export interface StateObservable<T> extends Observable<T> {
  /** The current value, including changes not yet emitted. */
  readonly value: T
}

/** The chat client: commands, reads, observables and life cycle. */
export interface ChatClient {
  /** Resolves when the first snapshot has arrived. Commands may be issued before. */
  readonly ready: Promise<void>

  // ── Observables ──
  /** The whole state (the specification's `ChatSystemState`). */
  readonly state$: StateObservable<ChatSystemState>
  /** The main chat messages, oldest first. */
  readonly messages$: StateObservable<readonly ChatMessage[]>
  /** Every ticket, in creation order, each with its full thread. */
  readonly tickets$: StateObservable<readonly ChatTicket[]>
  /** The selected ticket, or `null`. */
  readonly activeTicket$: StateObservable<ChatTicket | null>
  readonly analytics$: StateObservable<ChatAnalytics>
  /** Whether the main chat shows the typing indicator. */
  readonly typing$: StateObservable<boolean>
  readonly view$: StateObservable<ChatView>
  readonly userContext$: StateObservable<UserChatContext>
  /**
   * Every draft, by thread (`{ main: 'I am looking for', [ticketId]: '…' }`); emits when a
   * draft changes, not when messages arrive. Each thread's draft is also on
   * `state.mainChat.draft` and `ticket.draft`.
   */
  readonly drafts$: StateObservable<ThreadDrafts>
  readonly status$: StateObservable<ChatStatus>
  /** Every command that failed after it was accepted (it was rolled back). Does not replay. */
  readonly errors$: Observable<ChatError>
  /** What the assistant does now: idle, thinking, streaming (with the reply's id) or error. */
  readonly assistant$: StateObservable<AssistantActivity>
  /** Actions of messages that the app handles itself (see `runAction`). */
  readonly actions$: Observable<ActionRequest>
  /**
   * The durable outbox (with `sync` configured): every user message and ticket change not yet
   * on the server, oldest first, `pending` or `failed`. Empty without sync. The same in every tab.
   */
  readonly outbox$: StateObservable<readonly OutboxEntry[]>
  /**
   * Where sync stands in this client (`off` without sync; `standby` while another tab of the
   * same database syncs; `connecting`, `online`, `offline` with the error and the next try).
   */
  readonly sync$: StateObservable<SyncStatus>
  /**
   * Every local ticket change the server overruled (both sides changed the same field; by
   * default the server's value is kept, see the README's conflict rules). Emitted in the
   * client that syncs (`sync$` not `standby`). Does not replay.
   */
  readonly conflicts$: Observable<TicketConflict>

  /**
   * Calls `listener` synchronously after every change of `getState()` (observables emit a
   * microtask later, once per tick). Made for `useSyncExternalStore` and similar bindings.
   * @returns a function that removes the listener
   */
  onStateChange(listener: () => void): () => void

  // ── Reads ──
  /** The current state, with pending changes applied. Stable identity while nothing changes. */
  getState(): ChatSystemState
  /** The current analytics. */
  getChatAnalytics(): ChatAnalytics

  // ── Main chat ──
  /**
   * Sends a message to the main chat. Resolves once committed.
   * @throws ValidationError at once for empty or oversized content or bad options.
   */
  sendMainChatMessage(content: string, options?: SendMessageOptions): Promise<void>
  /**
   * Sends many messages to the main chat as one command (one promise, one transaction):
   * the fastest way to write a burst. Either all are written or none.
   * @throws ValidationError at once when any message is invalid (none is sent).
   */
  sendMainChatMessages(messages: readonly (string | BatchMessage)[]): Promise<void>
  /**
   * Sends a voice message: one audio attachment with its duration. Resolves once committed,
   * without waiting for `transcribe`: when configured, its text is added to the message when
   * it comes (see {@link ChatClientOptions.transcribe}).
   * @param recording - from {@link VoiceRecorder.stop} (e.g. `createMediaRecorder()`), or any audio Blob with its duration
   * @param options - `threadId` (default `'main'`), `id`, `metadata`
   * @example
   * const recorder = createMediaRecorder()
   * await recorder.start()
   * // … when the user lets go of the button:
   * await chat.sendVoiceMessage(await recorder.stop())
   */
  sendVoiceMessage(recording: VoiceRecording, options?: VoiceMessageOptions): Promise<void>
  /**
   * An object URL of a stored attachment's bytes, made on demand: the state holds metadata
   * only, and the bytes stay in the worker's storage until shown. Call `release()` when the
   * element that shows it goes; `close()`, and `clearAllData()` in any tab, revoke the URLs
   * not released.
   * @throws ClientClosedError when the client closes before the URL is made
   * @throws NotFoundError when no stored message carries the attachment (any more)
   * @example
   * const { url, release } = await chat.attachmentUrl(message.attachments[0].id)
   * img.src = url
   * // … when the image goes:
   * release()
   */
  attachmentUrl(id: string): Promise<AttachmentUrl>
  /**
   * The bytes of a stored attachment as a Blob backed by the worker's storage (nothing is
   * copied until it is read): to upload it, or hand it to an assistant.
   * @throws NotFoundError when no stored message carries the attachment (any more)
   */
  readAttachment(id: string): Promise<Blob>
  /** Shows or hides the typing indicator. */
  setMainChatTyping(isTyping: boolean): Promise<void>
  /** Merges keys into the user context (a key given as `undefined` is removed). */
  updateUserContext(context: UserChatContext): Promise<void>

  // ── Tickets ──
  /**
   * Creates an open ticket of `medium` priority and returns its id at once.
   * @param initialMessage - becomes the ticket's first (user) message
   * @param context - plain data kept on the ticket
   */
  createTicket(type: TicketType, title: string, initialMessage?: string, context?: { readonly [key: string]: JsonValue | undefined }): string
  /**
   * Adds a message to a ticket. A user message on a resolved ticket reopens it.
   * @throws NotFoundError for an unknown ticket; InvalidTransitionError for a closed one.
   */
  sendTicketMessage(ticketId: string, content: string, options?: SendMessageOptions): Promise<void>
  /** Marks a ticket resolved, with an optional summary. */
  resolveTicket(ticketId: string, summary?: string): Promise<void>
  /** Moves a ticket to another status (see the transition table in the README). */
  updateTicketStatus(ticketId: string, status: TicketStatus): Promise<void>
  updateTicketPriority(ticketId: string, priority: TicketPriority): Promise<void>
  /** Creates a ticket from a main-chat message (copied into it and linked by `metadata.ticketId`); returns its id. */
  createTicketFromChatMessage(messageId: string, ticketType: TicketType, title: string): string
  /** Copies the named keys of the user context into the ticket's context. Missing keys are skipped. */
  inheritContextToTicket(ticketId: string, contextKeys: readonly string[]): Promise<void>

  // ── Navigation ──
  switchChatView(view: ChatView): Promise<void>
  /** Selects a ticket (it must exist) or deselects with `null`. The selected ticket is loaded (see `watchTicket`). */
  selectTicket(ticketId: string | null): Promise<void>

  // ── History windows (the history stays in the worker) ──
  /**
   * Keeps a ticket loaded while a UI shows it: its newest `ticketWindow` messages are read
   * at once into `ticket.messages`, and new ones are added as they commit, from any tab.
   * Call the returned function when the UI no longer shows it: the ticket then keeps only
   * its newest window, and may later go back to its header (see `maxLoadedTickets`).
   * @example
   * const release = chat.watchTicket(ticketId)
   * // … on unmount:
   * release()
   */
  watchTicket(ticketId: string): () => void
  /**
   * Reads the page of `count` messages (default `ticketWindow`) before the oldest one
   * this client holds of the ticket, through the `[thread+seq]` index; a ticket that is not
   * loaded yet gets its newest window instead. Resolves with how many messages were added
   * and whether older ones remain (also on `ticket.hasOlder`).
   */
  loadOlder(ticketId: string, count?: number): Promise<OlderPage>
  /**
   * Marks every message of a thread (`'main'` or a ticket id) as read: its `unreadCount`
   * goes to 0 in every tab. Unread counts count the messages the user did not send after
   * the thread's read marker.
   */
  markRead(threadId: string): Promise<void>
  /**
   * Keeps what the user typed in a thread's composer (`'main'` or a ticket id) and has not
   * sent. The state shows it at once (`mainChat.draft`, `ticket.draft`, `drafts$`); the
   * database gets it at most every 500 ms per thread, with the newest text, and at once on
   * `flush()`, `close()`, and when the page is hidden or left. (Leaving is best effort: a
   * dedicated worker stops with its page, so text typed in the last half second before a
   * reload or a closed tab may be lost; a SharedWorker that another tab keeps writes it.)
   * It survives a reload and shows in every tab. An empty `text` deletes the draft; sending a
   * user message into the thread deletes it too (in the same write), and so do
   * `clearUserData`, `clearAllData`, and the cleanup that removes its ticket.
   * @throws ValidationError at once when `text` is not a string or is longer than
   *   `maxContentLength`, or `threadId` is not an id; NotFoundError for an unknown ticket.
   * @example
   * textarea.value = chat.getState().mainChat.draft
   * textarea.addEventListener('input', () => chat.setDraft('main', textarea.value))
   */
  setDraft(threadId: string, text: string): void

  // ── Assistant ──
  /** Stops the running reply: the request is aborted, what arrived stays, marked stopped. */
  stopAssistant(): void
  /** Answers again, replacing the reply (default: the latest reply). */
  regenerate(messageId?: string): void
  /** Runs a failed or waiting turn again; `messageId` is its reply or its user message. */
  retry(messageId: string): void
  /** Continues an interrupted or stopped reply after the text it has. */
  continueReply(messageId: string): void
  /**
   * Performs an action of a message (a suggestion's button). The SDK runs `open-ticket`
   * (a ticket from the user's message, inheriting the allowed context keys), `set-budget`,
   * `send-message`, `retry`, `regenerate` and `continue`; any other type is emitted on
   * `actions$` for the app.
   */
  runAction(messageId: string, actionId: string): Promise<ActionOutcome>
  /**
   * Waits for the assistant's answer to a main-chat message and resolves with the reply
   * message once the turn is `done` (a reply that ended already settles at once).
   * While the turn is queued, streaming, or waiting for the network it keeps waiting, and
   * a regenerate or retry of it is waited for too.
   *
   * Every failure is a rejection (it never throws):
   * - `ReplyEndedError` when the reply ends with status `error`, `stopped` or `interrupted`
   *   (`error.status` says which, `error.reply` holds the text it has);
   * - `NotFoundError` for an id that is not a main-chat message, a message nobody will answer
   *   (e.g. one written with `sendMainChatMessages`, or an assistant's own message), or a reply
   *   that is removed while waited for (trimmed past `maxMainChatMessages`, data cleared);
   * - `ValidationError` at once when the client has no `assistant`: a client without one
   *   answers nothing, like `retry` and `regenerate`, which throw the same error;
   * - `ClientClosedError` when `close()` is called (before the running reply is marked
   *   interrupted), or after it; the connection's error (e.g. `WorkerGoneError`) when it fails;
   * - `AbortedError` when `options.signal` aborts, `TimeoutError` after `options.timeout` ms.
   *
   * @param messageId - the user message's id (give it with `sendMainChatMessage(text, { id })`),
   *   or the id of its reply (`reply:<user message id>`)
   * @example
   * const id = crypto.randomUUID()
   * await chat.sendMainChatMessage('Do you have gaming laptops under $1500?', { id })
   * const reply = await chat.waitForReply(id, { timeout: 30_000 })
   * console.log(reply.content)
   */
  waitForReply(messageId: string, options?: WaitForReplyOptions): Promise<ChatMessage>

  // ── Privacy and upkeep ──
  /** Empties preferences, history and personal info in the user context, and deletes every draft. */
  clearUserData(): Promise<void>
  /** Deletes every message, ticket, draft, context and counter, and the database itself. */
  clearAllData(): Promise<void>

  // ── Sync ──
  /**
   * Sends a `failed` outbox entry again (it goes back to `pending`, in its place). Resolves
   * once stored.
   * @throws NotFoundError when `id` is not in the outbox; ValidationError without `sync`.
   */
  retryDelivery(id: string): Promise<void>
  /**
   * Takes an entry out of the outbox without sending it: the change stays on this device only
   * (a message loses its `delivery` field). Resolves once stored.
   * @throws NotFoundError when `id` is not in the outbox; ValidationError without `sync`.
   */
  discardDelivery(id: string): Promise<void>
  /** Removes resolved and closed tickets older than `maxResolvedTicketAge` now. */
  runCleanup(): Promise<CleanupReport>

  // ── Search ──
  /**
   * Searches every stored message, of the main chat and of every ticket, in the worker (the
   * history need not be loaded). A message is found when it contains every word of `query`,
   * ignoring case and accents ("cafe" finds "Café", "strasse" finds "Straße"); the last word
   * also finds the words it begins, unless the query ends in a space or the word is a single
   * letter (search as you type).
   * Chinese, Japanese and Thai text is found as a substring. Hits come best first: messages
   * with every word whole before those where the last word only begins one, then newest
   * first. Sees every command issued before it.
   *
   * An empty or blank query answers `[]` without asking the worker.
   * @param options - `threadId`: only this thread (`'main'` or a ticket id); `limit`: most
   *   hits, 1 to 200, default 20
   * @throws ValidationError at once when `query` is not a string (or longer than 1,000
   *   characters), or an option is unknown or of the wrong type.
   * @example
   * const hits = await chat.searchMessages('refund ord', { limit: 10 })
   * for (const { threadId, message, ranges } of hits) {
   *   const [start, end] = ranges[0] ?? [0, 0]
   *   console.log(threadId, message.content.slice(start, end))
   * }
   */
  searchMessages(query: string, options?: SearchOptions): Promise<SearchHit[]>

  // ── Life cycle ──
  /** Writes held-back drafts now, and resolves once every command issued so far has committed or failed. */
  flush(): Promise<void>
  /** Waits for pending writes (held-back drafts are written first), then disconnects. Later calls throw `ClientClosedError`. */
  close(): Promise<void>
}
