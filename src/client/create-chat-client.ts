/**
 * `createChatClient`: the entry point of the SDK.
 */
import { MAIN_THREAD, type ChatMessage, type ThreadId } from '../core/protocol.js'
import { ClientClosedError, NotFoundError, ValidationError } from '../core/errors.js'
import { MAX_BATCH_MESSAGES } from '../core/check-command.js'
import { DEFAULT_TRANSCRIBE_TIMEOUT, readVoiceMessage, transcribeOrReport, voiceFileName } from './voice-message.js'
import { MAX_ID_LENGTH, checkId, checkItem, checkPageSize, checkSearch, checkText, describe, readArgument, readList } from '../core/validate.js'
import { Client } from './chat-client.js'
import { asChatError } from './remote.js'
import { NEVER, Subject, of } from 'rxjs'
import { SyncRunner, type SyncStatus } from './sync-runner.js'
import { AssistantRunner, browserConnectivity, type AssistantActivity } from './assistant-runner.js'
import { runAction } from './run-action.js'
import { waitForReply } from './wait-for-reply.js'
import { withValue } from './state-store.js'
import type { ActionRequest, BatchMessage, ChatClient, ChatClientOptions, HostKind } from './types.js'

const HOSTS: readonly HostKind[] = ['worker', 'shared-worker', 'in-process']

/**
 * Creates a chat client. Commands can be issued at once; they apply to the state
 * immediately and commit in the engine in the background (each returned promise resolves
 * after its commit). Bad input throws a typed error before anything is written.
 *
 * @example
 * import { createChatClient } from 'companion-chat'
 *
 * const chat = createChatClient({
 *   databaseName: 'shop-chat',
 *   worker: () => new Worker(new URL('companion-chat/worker', import.meta.url), { type: 'module' }),
 * })
 * chat.messages$.subscribe((messages) => render(messages))
 * await chat.sendMainChatMessage("I'm looking for gaming laptops under $1500")
 */
export function createChatClient(options: ChatClientOptions = {}): ChatClient {
  checkOptions(options)
  const client = new Client(options)
  const { store } = client
  const now = options.now ?? Date.now
  const contextKeys = options.assistantOptions?.contextKeys ?? DEFAULT_CONTEXT_KEYS
  const actions$ = new Subject<ActionRequest>()
  const runner = options.assistant ? createRunner(client, options, now, contextKeys) : undefined
  if (runner) void client.ready.then(() => runner.start(), () => {})
  const sync = options.sync ? createSync(client, options, now) : undefined
  /** Commands of a closed client throw `ClientClosedError` before anything else is judged. */
  const notClosed = (): void => {
    if (client.closed) throw new ClientClosedError()
  }
  const needsRunner = (): AssistantRunner => {
    if (!runner) throw new ValidationError('No assistant is configured: pass `assistant` to createChatClient', { path: 'assistant' })
    return runner
  }
  // Aborted when close() begins, so that waiting calls reject before the reply is marked interrupted.
  const closing = new AbortController()
  /** The object URLs `attachmentUrl` made and that are not released yet: revoked by close() and clearAllData. */
  const urls = new Set<string>()
  const revokeUrls = (): void => {
    for (const url of urls) URL.revokeObjectURL(url)
    urls.clear()
  }
  client.onReset(revokeUrls) // the erased bytes are not left reachable, whichever tab cleared
  /**
   * Adds the transcript to the voice message once it is stored and `heard` answered: the text
   * becomes the message's (search and topics count it then). Nothing when the client closed;
   * a message deleted, trimmed or cleared meanwhile stays gone (the engine adds nothing).
   */
  const addTranscript = async (thread: ThreadId, message: ChatMessage, committed: Promise<void>, heard: Promise<string | undefined>): Promise<void> => {
    const [stored, transcript] = await Promise.all([committed.then(() => true, () => false), heard])
    if (!stored || transcript === undefined || client.closed) return
    const attachmentId = message.attachments![0]!.id
    try {
      await client.run({ kind: 'setTranscript', thread, messageId: message.id, attachmentId, transcript }, { quiet: true })
    } catch (error) {
      if (!client.closed) client.store.reportError(asChatError(error))
    }
  }
  const chat: ChatClient = {
    ready: client.ready,
    state$: store.state$,
    messages$: store.messages$,
    tickets$: store.tickets$,
    activeTicket$: store.activeTicket$,
    analytics$: store.analytics$,
    typing$: store.typing$,
    view$: store.view$,
    userContext$: store.userContext$,
    drafts$: store.drafts$,
    status$: store.status$,
    errors$: store.errors$,
    assistant$: runner ? withValue(runner.activity$, () => runner.activity) : withValue(of(IDLE), () => IDLE),
    actions$: actions$.asObservable(),
    outbox$: client.deliveries.outbox$,
    sync$: sync ? sync.status$ : withValue(of(SYNC_OFF), () => SYNC_OFF),
    conflicts$: sync ? sync.conflicts$ : NEVER,

    onStateChange: (listener) => store.onStateChange(listener),
    getState: () => client.getState(),
    getChatAnalytics: () => client.getState().analytics,

    sendMainChatMessage(content, sendOptions) {
      const message = client.message(content, sendOptions)
      const committed = client.run({ kind: 'sendMessage', thread: MAIN_THREAD, message, ...client.filesOf(message) })
      if (runner && message.sender === 'user') runner.answer(message, committed)
      return committed
    },
    sendMainChatMessages: (messages) => {
      // Read once into a dense copy: a hole is a ValidationError at its place, not a TypeError later.
      const items = readList(messages, 'messages', MAX_BATCH_MESSAGES, `must hold 1 to ${MAX_BATCH_MESSAGES} messages`)
      return client.run({
        kind: 'sendMessages',
        thread: MAIN_THREAD,
        messages: items.map((item, i) =>
          checkItem('messages', i, (at) => {
            if (typeof item === 'string') return client.message(item, undefined, at)
            // A hole or a non-object fails the content check.
            const { content, options } = readArgument(at, () => {
              const { content, options } = (item ?? {}) as Partial<BatchMessage>
              return { content, options }
            })
            return client.message(content as string, options, `${at}.content`)
          }),
        ),
      })
    },
    setMainChatTyping: (isTyping) => client.run({ kind: 'setTyping', isTyping }),
    updateUserContext: (patch) => client.run({ kind: 'updateUserContext', patch }),

    createTicket(type, title, initialMessage, context) {
      const ticketId = client.newId()
      void client.run({
        kind: 'createTicket',
        ticketId,
        ticketType: type,
        title,
        ...(initialMessage !== undefined ? { initialMessage: client.message(initialMessage, undefined, 'initialMessage') } : {}),
        ...(context !== undefined ? { context } : {}),
      })
      return ticketId
    },
    sendTicketMessage(ticketId, content, sendOptions) {
      const thread = checkTicketId(ticketId)
      const message = client.message(content, sendOptions)
      return client.run({ kind: 'sendMessage', thread, message, ...client.filesOf(message) })
    },
    async sendVoiceMessage(recording, voiceOptions) {
      notClosed()
      const { audio, duration, thread, rest } = readVoiceMessage(recording, voiceOptions)
      const message = client.message('', { ...rest, attachments: [{ file: audio, name: voiceFileName(audio), duration }] })
      // Stored and shown at once; the transcriber runs meanwhile, and its text is added after.
      const heard = options.transcribe
        ? transcribeOrReport(options.transcribe, audio, client.config.maxContentLength, options.transcribeTimeout ?? DEFAULT_TRANSCRIBE_TIMEOUT, (error) => client.store.reportError(error))
        : undefined
      const committed = client.run({ kind: 'sendMessage', thread, message, ...client.filesOf(message) })
      const transcribed = heard && addTranscript(thread, message, committed, heard)
      // The assistant answers once the transcript is in (or is not coming): it reads what was said.
      if (runner && thread === MAIN_THREAD) runner.answer(message, committed, transcribed)
      return committed
    },
    readAttachment(id) {
      notClosed()
      return client.readAttachment(checkId(id, 'id'))
    },
    async attachmentUrl(id) {
      notClosed()
      const blob = await client.readAttachment(checkId(id, 'id'))
      notClosed() // close() began during the read: a URL made now would outlive the client
      const url = URL.createObjectURL(blob)
      urls.add(url)
      return {
        url,
        release: () => {
          if (urls.delete(url)) URL.revokeObjectURL(url)
        },
      }
    },
    resolveTicket: (ticketId, summary) =>
      client.run({ kind: 'resolveTicket', ticketId, ...(summary !== undefined ? { summary } : {}) }),
    updateTicketStatus: (ticketId, status) => client.run({ kind: 'updateTicketStatus', ticketId, status }),
    updateTicketPriority: (ticketId, priority) => client.run({ kind: 'updateTicketPriority', ticketId, priority }),
    createTicketFromChatMessage(messageId, ticketType, title) {
      const ticketId = client.newId()
      void client.run({ kind: 'createTicketFromChatMessage', ticketId, copyId: client.newId(), messageId, ticketType, title })
      return ticketId
    },
    inheritContextToTicket: (ticketId, contextKeys) => client.run({ kind: 'inheritContextToTicket', ticketId, contextKeys }),

    switchChatView: (view) => client.run({ kind: 'switchChatView', view }),
    selectTicket: (ticketId) => client.run({ kind: 'selectTicket', ticketId }),

    watchTicket(ticketId) {
      if (client.closed) throw new ClientClosedError()
      checkId(ticketId, 'ticketId')
      return client.windows.watch(ticketId).release
    },
    loadOlder(ticketId, count = client.config.ticketWindow) {
      if (client.closed) throw new ClientClosedError()
      checkId(ticketId, 'ticketId')
      return client.windows.loadOlder(ticketId, checkPageSize(count))
    },
    markRead: (threadId) => client.run({ kind: 'markRead', thread: threadId }),
    setDraft: (threadId, text) => client.setDraft(threadId, text),

    retryDelivery: (id) => settleDelivery(client, options, id, 'pending'),
    discardDelivery: (id) => settleDelivery(client, options, id, 'discarded'),

    clearUserData: () => client.run({ kind: 'clearUserData' }),
    clearAllData: () => {
      // Sync stops first, for the life of this client: a new database pulled from the server
      // again would bring back what the user asked to erase.
      void sync?.stop()
      // The erased bytes are not left reachable through the URLs shown before.
      return client.clearAllData().then(revokeUrls)
    },
    runCleanup: () => client.runCleanup(),

    searchMessages(query, searchOptions) {
      const checked = checkSearch(query, searchOptions)
      return query.trim() === '' ? Promise.resolve([]) : client.search(query, checked)
    },

    stopAssistant: () => runner?.stop(),
    regenerate(messageId) {
      notClosed()
      needsRunner().regenerate(messageId)
    },
    retry(messageId) {
      notClosed()
      needsRunner().retry(checkId(messageId, 'messageId'))
    },
    continueReply(messageId) {
      notClosed()
      needsRunner().continueReply(checkId(messageId, 'messageId'))
    },
    runAction(messageId, actionId) {
      try {
        notClosed()
        checkId(messageId, 'messageId')
        checkText(actionId, 'actionId', MAX_ID_LENGTH)
      } catch (error) {
        return Promise.reject(error)
      }
      return runAction(chat, contextKeys, actions$, messageId, actionId)
    },
    waitForReply: (messageId, waitOptions) =>
      waitForReply(
        {
          ready: client.ready,
          getState: () => client.getState(),
          onStateChange: (listener) => store.onStateChange(listener),
          status$: store.status$,
          closing: closing.signal,
          owes: runner ? (to) => runner.owes(to) : undefined,
        },
        messageId,
        waitOptions,
      ),

    flush: () => client.flush(),
    async close() {
      closing.abort()
      await runner?.close() // a reply in progress is kept, marked interrupted
      await sync?.stop()
      actions$.complete()
      try {
        await client.close()
      } finally {
        revokeUrls()
      }
    },
  }
  return chat
}

/** The user-context keys an assistant may see unless the app says otherwise. */
export const DEFAULT_CONTEXT_KEYS: readonly string[] = Object.freeze(['preferences', 'currentPage', 'currentProducts', 'shoppingIntent'])

const IDLE: AssistantActivity = Object.freeze({ state: 'idle' })
const SYNC_OFF: SyncStatus = Object.freeze({ state: 'off' })

/** The sync runner of a client with `sync`: started once connected, stopped by close, clearAllData here or in another tab. */
function createSync(client: Client, options: ChatClientOptions, now: () => number): SyncRunner {
  const sync = new SyncRunner(
    options.sync!,
    {
      databaseName: options.databaseName ?? 'companion-chat',
      realmKey: options.indexedDB ?? globalThis,
      engine: (call) => client.engine(call),
      seen: (version) => client.seen(version),
      outbox$: client.deliveries.outbox$,
      now,
      newId: () => client.newId(),
      report: (error) => client.store.reportError(error),
    },
    options.syncOptions,
  )
  client.deliveries.onReset(() => void sync.stop())
  const target = globalThis as { addEventListener?: (type: string, listener: () => void) => void; removeEventListener?: (type: string, listener: () => void) => void }
  const online = () => sync.online()
  target.addEventListener?.('online', online)
  sync.status$.subscribe({ complete: () => target.removeEventListener?.('online', online) })
  void client.ready.then(() => sync.start(), () => {})
  return sync
}
const QUIET = Object.freeze({ quiet: true })

function createRunner(client: Client, options: ChatClientOptions, now: () => number, contextKeys: readonly string[]): AssistantRunner {
  const settings = options.assistantOptions ?? {}
  // The client throws at once for refused input; the runner wants every outcome as a promise.
  const attempt = (run: () => Promise<void>): Promise<void> => {
    try {
      return run()
    } catch (error) {
      return Promise.reject(error)
    }
  }
  return new AssistantRunner(
    {
      getState: () => client.getState(),
      now,
      // Refused slot writes are expected (another client answers): the runner decides what to report.
      writeSlot: (message, guard, owner, supersede = []) =>
        attempt(() => client.run({ kind: 'reply', guard, owner, message, ...(supersede.length > 0 ? { supersede } : {}) }, QUIET)),
      sendSuggestion: (message) => attempt(() => client.run({ kind: 'sendMessage', thread: MAIN_THREAD, message }, QUIET)),
      setTyping: (isTyping) => attempt(() => client.run({ kind: 'setTyping', isTyping })),
      updateUserContext: (patch) => attempt(() => client.run({ kind: 'updateUserContext', patch })),
      report: (error) => client.store.reportError(error),
      readAttachment: (id) => client.readAttachment(id),
    },
    {
      assistant: options.assistant!,
      contextKeys,
      connectivity: settings.connectivity ?? browserConnectivity,
      flushInterval: settings.flushInterval ?? 100,
      leaseDuration: settings.leaseDuration ?? 10_000,
      historyLength: settings.historyLength ?? 20,
    },
  )
}


/** `retryDelivery` and `discardDelivery`: checked here, stored by the engine, resolved once the feed shows it. */
async function settleDelivery(client: Client, options: ChatClientOptions, id: string, state: 'pending' | 'discarded'): Promise<void> {
  if (client.closed) throw new ClientClosedError()
  if (!options.sync) throw new ValidationError('No sync is configured: pass `sync` to createChatClient', { path: 'sync' })
  checkId(id, 'id')
  await client.ready
  const entry = client.deliveries.get(id)
  if (!entry) throw new NotFoundError(`No outbox entry with id ${id}`, { id })
  if (state === 'pending' && entry.state === 'pending') return // waiting already
  const version = await client.engine((api) => api.settleDelivery([{ id, state }]))
  await client.seen(version)
}

/** A ticket id; `'main'` names the main chat's thread, never a ticket. */
function checkTicketId(ticketId: string): string {
  checkId(ticketId, 'ticketId')
  if (ticketId === MAIN_THREAD) throw new NotFoundError(`No ticket with id ${ticketId}`, { ticketId })
  return ticketId
}

/** An adapter is a plain object with the methods the runner calls. */
function checkSyncAdapter(sync: unknown): void {
  const adapter = sync as Partial<Record<'push' | 'pull' | 'live', unknown>> | null
  if (typeof adapter !== 'object' || adapter === null || ['push', 'pull', 'live'].some((name) => typeof adapter[name as 'push'] !== 'function')) {
    throw new ValidationError('sync must be a sync adapter: an object with push, pull and live methods', { path: 'sync' })
  }
}

function checkOptions(options: ChatClientOptions): void {
  if (typeof options !== 'object' || options === null) throw new ValidationError(`options must be an object, got ${describe(options)}`)
  if (options.databaseName !== undefined) checkText(options.databaseName, 'databaseName', 128)
  if (options.host !== undefined && !HOSTS.includes(options.host)) {
    throw new ValidationError(`host must be one of ${HOSTS.join(', ')}, got ${String(options.host)}`, { path: 'host' })
  }
  if (options.worker !== undefined && typeof options.worker !== 'function') {
    throw new ValidationError('worker must be a function that makes the Worker', { path: 'worker' })
  }
  if (options.assistant !== undefined && typeof (options.assistant as { respond?: unknown })?.respond !== 'function') {
    throw new ValidationError('assistant must have a respond(request) method', { path: 'assistant' })
  }
  if (options.sync !== undefined) checkSyncAdapter(options.sync)
  if (options.transcribe !== undefined && typeof options.transcribe !== 'function') {
    throw new ValidationError('transcribe must be a function (audio: Blob) => Promise<string>', { path: 'transcribe' })
  }
  const { transcribeTimeout } = options
  if (transcribeTimeout !== undefined && (typeof transcribeTimeout !== 'number' || !Number.isFinite(transcribeTimeout) || transcribeTimeout <= 0)) {
    throw new ValidationError(`transcribeTimeout must be a positive number of milliseconds, got ${describe(transcribeTimeout)}`, { path: 'transcribeTimeout' })
  }
  if (options.now !== undefined && typeof options.now !== 'function') {
    throw new ValidationError('now must be a function returning epoch milliseconds', { path: 'now' })
  }
}
