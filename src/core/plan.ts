/**
 * What a command changes, as a pure function of the command and the rows it reads.
 *
 * The client runs it against its mirror for the optimistic update; the engine runs the
 * same function inside the IndexedDB transaction against the rows it read there, so the
 * committed rows equal the optimistic ones. Throws a typed error when the command is not
 * allowed (unknown ticket, closed ticket, illegal transition); a refused command changes
 * nothing.
 */
import { InvalidTransitionError, NotFoundError, ValidationError } from './errors.js'
import {
  MAIN_THREAD,
  type Change,
  type ChatConfig,
  type ChatMessage,
  type Command,
  type MessageRecord,
  type ReplyInfo,
  type ThreadId,
  type ThreadSummary,
  type TicketRecord,
  type TicketType,
  type UserChatContext,
  type ViewState,
} from './protocol.js'
import { markThreadRead } from './thread-summary.js'
import { assertMutable, transitionTicket } from './ticket-status.js'

/** The rows a command may read. */
export interface PlanContext {
  readonly config: ChatConfig
  readonly userContext: UserChatContext
  readonly view: ViewState
  ticket(id: string): TicketRecord | undefined
  /** A thread's header; undefined for a thread with no messages and nothing read. */
  thread(id: ThreadId): ThreadSummary | undefined
  /** A message by id; `thread` is where the caller expects it (a hint an index may use). */
  message(id: string, thread: ThreadId): MessageRecord | undefined
  /**
   * A thread's draft; `''` when it has none. Asked for the threads of `setDraft` and of sends.
   * The client and the engine give both draft reads; a context without them (a benchmark's
   * stand-in for the send path) counts every thread as having no draft.
   */
  draft?(thread: ThreadId): string
  /** Every thread that has a draft. Asked only by `clearUserData`. */
  draftThreads?(): readonly ThreadId[]
}

/**
 * The changes `command` makes, in order. An empty list means "already applied" (a retry).
 * `command` has passed `checkCommand`.
 */
export function planCommand(command: Command, ctx: PlanContext): Change[] {
  const { at } = command
  switch (command.kind) {
    case 'sendMessage':
      // The usual send, a new message into the main chat, without the general path's allocations.
      if (command.thread === MAIN_THREAD && !ctx.message(command.message.id, MAIN_THREAD)) {
        const sent: Change = { type: 'message', record: { thread: MAIN_THREAD, message: command.message } }
        return command.message.sender === 'user' && hasDraft(ctx, MAIN_THREAD) ? [sent, noDraft(MAIN_THREAD, at)] : [sent]
      }
      return planSends(command.thread, [command.message], at, ctx)

    case 'sendMessages':
      return planSends(command.thread, command.messages, at, ctx)

    case 'setTyping':
      if (ctx.view.isTyping === command.isTyping) return []
      // The latest activity, also when this device's clock went back since the last one.
      return [{ type: 'view', view: { ...ctx.view, isTyping: command.isTyping, lastActivity: Math.max(ctx.view.lastActivity, at) } }]

    case 'updateUserContext':
      return [{ type: 'userContext', context: mergeContext(ctx.userContext, command.patch) }]

    case 'clearUserData':
      // Drafts are text the user typed: personal data too.
      return [
        { type: 'userContext', context: mergeContext(ctx.userContext, { preferences: {}, history: [], personalInfo: {} }) },
        ...(ctx.draftThreads?.() ?? []).map((thread) => noDraft(thread, at)),
      ]

    case 'createTicket': {
      if (isRetry(ctx.ticket(command.ticketId), command.ticketType, command.title, at)) return []
      const record = newTicket(command.ticketId, command.ticketType, command.title, command.context ?? {}, at)
      const changes: Change[] = [{ type: 'ticket', record }]
      if (command.initialMessage) changes.push({ type: 'message', record: { thread: record.id, message: command.initialMessage } })
      return changes
    }

    case 'resolveTicket': {
      const ticket = requireTicket(ctx, command.ticketId)
      return ticketChange(ticket, transitionTicket(ticket, 'resolved', at, command.summary))
    }

    case 'updateTicketStatus': {
      const ticket = requireTicket(ctx, command.ticketId)
      return ticketChange(ticket, transitionTicket(ticket, command.status, at))
    }

    case 'updateTicketPriority': {
      const ticket = requireTicket(ctx, command.ticketId)
      assertMutable(ticket, 'change its priority')
      if (ticket.priority === command.priority) return []
      return [{ type: 'ticket', record: { ...ticket, priority: command.priority, updatedAt: at } }]
    }

    case 'switchChatView':
      if (ctx.view.ticketView === command.view) return []
      return [{ type: 'view', view: { ...ctx.view, ticketView: command.view } }]

    case 'selectTicket':
      if (command.ticketId !== null) requireTicket(ctx, command.ticketId)
      if (ctx.view.activeTicketId === command.ticketId) return []
      return [{ type: 'view', view: { ...ctx.view, activeTicketId: command.ticketId } }]

    case 'createTicketFromChatMessage':
      return planTicketFromMessage(command, ctx)

    case 'reply':
      return planReply(command, ctx)

    case 'markRead': {
      if (command.thread !== MAIN_THREAD) requireTicket(ctx, command.thread)
      const summary = ctx.thread(command.thread)
      const read = summary && markThreadRead(summary)
      return read && read !== summary ? [{ type: 'thread', summary: read }] : []
    }

    case 'setDraft':
      if (command.thread !== MAIN_THREAD) requireTicket(ctx, command.thread)
      if ((ctx.draft?.(command.thread) ?? '') === command.text) return []
      return [{ type: 'draft', record: { thread: command.thread, text: command.text, at } }]

    case 'inheritContextToTicket': {
      const ticket = requireTicket(ctx, command.ticketId)
      assertMutable(ticket, 'inherit context')
      const picked: Record<string, UserChatContext[string]> = {}
      for (const key of command.contextKeys) {
        if (Object.hasOwn(ctx.userContext, key) && ctx.userContext[key] !== undefined) picked[key] = ctx.userContext[key]
      }
      if (Object.keys(picked).length === 0) return []
      return [{ type: 'ticket', record: { ...ticket, context: { ...ticket.context, ...picked }, updatedAt: at } }]
    }

    case 'putTicket': {
      // The server's version of a ticket (sync): its fields replace the local ones, whatever the transition.
      const before = ctx.ticket(command.ticket.id)
      const record: TicketRecord = before?.seq !== undefined ? { ...command.ticket, seq: before.seq } : command.ticket
      if (before && sameTicket(before, record)) return []
      return [{ type: 'ticket', record }]
    }

    case 'setTranscript': {
      const found = ctx.message(command.messageId, command.thread)
      const attachments = found?.message.attachments
      const attachment = attachments?.find((a) => a.id === command.attachmentId)
      // Deleted, trimmed or cleared while `transcribe` ran, or transcribed already: nothing to add.
      if (!found || !attachment || attachment.transcript !== undefined) return []
      const { transcript } = command
      const message: ChatMessage = {
        ...found.message,
        content: found.message.content === '' ? transcript : found.message.content,
        attachments: attachments!.map((a) => (a === attachment ? { ...a, transcript } : a)),
      }
      return [{ type: 'message', record: { ...found, message } }]
    }

    case 'setDelivery': {
      const found = ctx.message(command.messageId, command.thread)
      if (!found || (found.message.delivery ?? null) === command.delivery) return [] // trimmed or cleaned up meanwhile: nothing to show
      const { delivery: _, ...message } = found.message
      return [{ type: 'message', record: { ...found, message: command.delivery === null ? message : { ...message, delivery: command.delivery } } }]
    }
  }
}

/** Whether two versions of a ticket hold the same fields. */
function sameTicket(a: TicketRecord, b: TicketRecord): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)])
  keys.delete('seq')
  for (const key of keys) {
    const x = (a as unknown as Record<string, unknown>)[key]
    const y = (b as unknown as Record<string, unknown>)[key]
    if (x !== y && JSON.stringify(x) !== JSON.stringify(y)) return false
  }
  return true
}

/**
 * Messages into one thread. Their ids are distinct (`checkCommand` refuses a batch that
 * repeats one), so each needs only the rows as they were. A ticket thread's ticket changes
 * once, after all of them (a reopen happens once). A new user message clears the thread's
 * draft: what was typed has been sent.
 */
function planSends(thread: ThreadId, messages: readonly ChatMessage[], at: number, ctx: PlanContext): Change[] {
  const before = thread === MAIN_THREAD ? undefined : requireTicket(ctx, thread)
  let ticket = before
  const changes: Change[] = []
  let userSent = false
  for (const message of messages) {
    const existing = ctx.message(message.id, thread)
    if (existing) {
      // The same message again is a retry; another message under a used id is a mistake.
      if (existing.thread === thread && existing.message.content === message.content) continue
      throw new ValidationError(`Message id ${message.id} is already used`, { path: 'options.id', id: message.id })
    }
    // A main-chat message also moves `lastActivity`: the mirror and the engine derive that from it.
    changes.push({ type: 'message', record: { thread, message } })
    if (message.sender === 'user') userSent = true
    if (!ticket) continue
    assertMutable(ticket, 'add a message')
    // A new user message on a resolved ticket reopens it; other senders only touch it.
    ticket = ticket.status === 'resolved' && message.sender === 'user' ? transitionTicket(ticket, 'open', at) : { ...ticket, updatedAt: at }
  }
  if (ticket && ticket !== before) changes.push({ type: 'ticket', record: ticket })
  if (userSent && hasDraft(ctx, thread)) changes.push(noDraft(thread, at))
  return changes
}

const hasDraft = (ctx: PlanContext, thread: ThreadId): boolean => (ctx.draft?.(thread) ?? '') !== ''

/** The change that deletes a thread's draft. */
const noDraft = (thread: ThreadId, at: number): Change => ({ type: 'draft', record: { thread, text: '', at } })

/** The `metadata.reply` of a message, when it is a reply slot. */
export function replyInfo(message: ChatMessage | undefined): ReplyInfo | undefined {
  const info = message?.metadata?.['reply']
  return info && typeof info === 'object' && !Array.isArray(info) ? (info as ReplyInfo) : undefined
}

/** Whether someone streams into this reply right now (a live lease at time `at`). */
export function isLiveStream(info: ReplyInfo | undefined, at: number): boolean {
  return info?.status === 'streaming' && (info.leaseUntil ?? 0) > at
}

function planReply(command: Extract<Command, { kind: 'reply' }>, ctx: PlanContext): Change[] {
  const { message, guard, owner, at } = command
  const existing = ctx.message(message.id, MAIN_THREAD)
  const current = replyInfo(existing?.message)
  const refuse = (why: string): never => {
    throw new InvalidTransitionError(`Reply ${message.id}: ${why}`, { messageId: message.id, guard })
  }
  if (existing && existing.thread !== MAIN_THREAD) refuse('the id belongs to a ticket message')
  if (guard === 'new' && existing) {
    if (current?.owner === owner && existing.message.content === message.content) return [] // a retry
    refuse('it is answered already')
  }
  if (guard !== 'new' && !existing) throw new NotFoundError(`No reply ${message.id} to take over`, { messageId: message.id })
  if (guard === 'resume' && current?.status !== 'queued' && current?.status !== 'waiting') refuse('it is answered already')
  if (guard === 'claim' && current?.owner !== owner && isLiveStream(current, at)) refuse('another client is answering it')
  if (guard === 'own' && current?.owner !== owner) refuse('another client took it over')
  const changes: Change[] = []
  const to = replyInfo(message)?.to
  for (const id of command.supersede ?? []) {
    const old = ctx.message(id, MAIN_THREAD)
    const answers = old?.message.metadata?.['replyTo']
    if (old?.thread === MAIN_THREAD && old.message.type === 'suggestion' && answers === to) {
      changes.push({ type: 'messageDeleted', id, thread: MAIN_THREAD })
    }
  }
  changes.push({ type: 'message', record: { thread: MAIN_THREAD, message } })
  return changes
}

function planTicketFromMessage(
  command: Extract<Command, { kind: 'createTicketFromChatMessage' }>,
  ctx: PlanContext,
): Change[] {
  if (isRetry(ctx.ticket(command.ticketId), command.ticketType, command.title, command.at)) return []
  const source = ctx.message(command.messageId, MAIN_THREAD)
  if (!source || source.thread !== MAIN_THREAD) {
    throw new NotFoundError(`No main-chat message with id ${command.messageId}`, { messageId: command.messageId })
  }
  const record = newTicket(command.ticketId, command.ticketType, command.title, { sourceMessageId: source.message.id }, command.at)
  const link = { ...source.message.metadata, ticketId: record.id }
  const copy: ChatMessage = { ...source.message, id: command.copyId, metadata: link }
  return [
    { type: 'ticket', record },
    { type: 'message', record: { thread: record.id, message: copy } },
    { type: 'message', record: { ...source, message: { ...source.message, metadata: link } } },
  ]
}

/** A new ticket: open, of medium priority. */
function newTicket(id: string, type: TicketType, title: string, context: TicketRecord['context'], at: number): TicketRecord {
  return { id, type, title, status: 'open', priority: 'medium', context, createdAt: at, updatedAt: at }
}

/**
 * Whether creating a ticket that exists already is a retry of the same creation (nothing to
 * do) or a mistake: an id used for another ticket is refused.
 */
function isRetry(existing: TicketRecord | undefined, type: string, title: string, at: number): boolean {
  if (!existing) return false
  if (existing.type === type && existing.title === title && existing.createdAt === at) return true
  throw new ValidationError(`Ticket id ${existing.id} is already used`, { path: 'ticketId', ticketId: existing.id })
}

function requireTicket(ctx: PlanContext, id: string): TicketRecord {
  const ticket = ctx.ticket(id)
  if (!ticket) throw new NotFoundError(`No ticket with id ${id}`, { ticketId: id })
  return ticket
}

const ticketChange = (before: TicketRecord, after: TicketRecord): Change[] =>
  before === after ? [] : [{ type: 'ticket', record: after }]

/** Shallow merge; a key given as `undefined` is removed. */
export function mergeContext(current: UserChatContext, patch: UserChatContext): UserChatContext {
  const next: Record<string, UserChatContext[string]> = { ...current }
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete next[key]
    else next[key] = value
  }
  return next
}
