/**
 * Validates a whole command. The client calls it before the optimistic update; the engine
 * calls it again before the transaction, so malformed commands from any client are refused.
 * Error paths name the argument of the public call (`content`, `ticketId`, `context.x`).
 */
import { ValidationError } from './errors.js'
import { checkAttachmentInfos, checkFiles } from './attachments.js'
import type { AttachmentInfo, ChatConfig, ChatMessage, Command, DeliveryState, ReplyGuard, ReplyInfo, ReplyStatus, TicketFields } from './protocol.js'
import {
  CHAT_VIEWS,
  MESSAGE_SENDERS,
  MESSAGE_TYPES,
  TICKET_PRIORITIES,
  TICKET_STATUSES,
  TICKET_TYPES,
  checkBoolean,
  checkContextKeys,
  checkEnum,
  checkId,
  checkItem,
  checkMetadata,
  checkPlainObject,
  checkText,
  checkTime,
  checkUserContext,
  describe,
} from './validate.js'

const REPLY_GUARDS: readonly ReplyGuard[] = ['new', 'resume', 'claim', 'own']
const REPLY_STATUSES: readonly ReplyStatus[] = ['queued', 'streaming', 'done', 'stopped', 'interrupted', 'waiting', 'error']

const CONTENTS = 'messages.content'
const DELIVERY_STATES: readonly DeliveryState[] = ['pending', 'sent', 'failed']

/**
 * A ticket's fields as a server sent them: every field of `TicketFields` of the right kind,
 * nothing else kept (a server's document may carry more).
 */
function checkTicketFields(value: unknown, config: ChatConfig): TicketFields {
  const t = (typeof value === 'object' && value !== null ? value : {}) as Partial<Record<keyof TicketFields, unknown>>
  if (typeof value !== 'object' || value === null) throw new ValidationError(`ticket: must be an object, got ${describe(value)}`, { path: 'ticket' })
  checkId(t.id, 'ticket.id')
  checkEnum(t.type, TICKET_TYPES, 'ticket.type')
  checkText(t.title, 'ticket.title', config.maxTitleLength)
  checkEnum(t.status, TICKET_STATUSES, 'ticket.status')
  checkEnum(t.priority, TICKET_PRIORITIES, 'ticket.priority')
  checkTime(t.createdAt, 'ticket.createdAt')
  checkTime(t.updatedAt, 'ticket.updatedAt')
  if (t.resolvedAt !== undefined) checkTime(t.resolvedAt, 'ticket.resolvedAt')
  if (t.summary !== undefined) checkText(t.summary, 'ticket.summary', config.maxSummaryLength)
  const context = checkPlainObject(t.context ?? {}, 'ticket.context', config.maxContextBytes)
  return {
    id: t.id as string,
    type: t.type as TicketFields['type'],
    title: t.title as string,
    status: t.status as TicketFields['status'],
    priority: t.priority as TicketFields['priority'],
    context,
    createdAt: t.createdAt as number,
    updatedAt: t.updatedAt as number,
    ...(t.resolvedAt !== undefined ? { resolvedAt: t.resolvedAt as number } : {}),
    ...(t.summary !== undefined ? { summary: t.summary as string } : {}),
  }
}

/** Most suggestion messages one reply may replace at once. */
export const MAX_SUPERSEDED = 64

/** Most messages one `sendMainChatMessages` call takes. */
export const MAX_BATCH_MESSAGES = 10_000

/**
 * Throws `ValidationError` unless `value` is a well-formed command. Returns it typed, with
 * every object it carries that a caller gave (context, metadata, a user-context patch,
 * context keys) replaced by the plain copy its check made: later changes to the caller's
 * values cannot reach it, and it always survives `postMessage`. A command that carries no
 * such object is returned as it is.
 *
 * `checked` names messages whose metadata is a plain copy made by these checks already (the
 * client builds its messages with `checkSendOptions`): their metadata is not walked twice.
 */
export function checkCommand(value: unknown, config: ChatConfig, checked?: (message: ChatMessage) => boolean): Command {
  if (typeof value !== 'object' || value === null) throw new ValidationError(`command must be an object, got ${describe(value)}`)
  const command = value as Command
  checkId(command.commandId, 'commandId')
  checkTime(command.at, 'at')
  switch (command.kind) {
    case 'sendMessage': {
      if (command.thread !== 'main') checkId(command.thread, 'ticketId')
      const message = checkMessage(command.message, config, 'content', 'options', false, checked, true)
      if (message.attachments !== undefined) {
        const files = checkFiles(command.files, message.attachments, 'options')
        return { ...command, message, files }
      }
      if (command.files !== undefined) throw new ValidationError('options.attachments: files without attachments', { path: 'options.attachments' })
      return message === command.message ? command : { ...command, message }
    }
    case 'sendMessages': {
      if (command.thread !== 'main') checkId(command.thread, 'ticketId')
      if (!Array.isArray(command.messages)) throw new ValidationError('messages: must be an array', { path: 'messages' })
      if (command.messages.length === 0 || command.messages.length > MAX_BATCH_MESSAGES) {
        throw new ValidationError(`messages: must hold 1 to ${MAX_BATCH_MESSAGES} messages`, { path: 'messages', limit: MAX_BATCH_MESSAGES })
      }
      const ids = new Set<string>()
      let copies: ChatMessage[] | undefined // made at the first message that changes
      for (let i = 0; i < command.messages.length; i++) {
        const message = command.messages[i]! // a hole reads as undefined and is refused as not a message
        const copy = checkItem('messages', i, (at) => checkMessage(message, config, at === 'messages' ? CONTENTS : `${at}.content`, at, false, checked))
        if (ids.has(message.id)) throw new ValidationError(`messages[${i}]: id ${message.id} appears twice`, { path: `messages[${i}]` })
        ids.add(message.id)
        if (copy !== message) copies ??= command.messages.slice(0, i)
        copies?.push(copy)
      }
      return copies ? { ...command, messages: copies } : command
    }
    case 'setTyping':
      checkBoolean(command.isTyping, 'isTyping')
      break
    case 'updateUserContext':
      return { ...command, patch: checkUserContext(command.patch, 'context', config) }
    case 'clearUserData':
      break
    case 'createTicket': {
      checkId(command.ticketId, 'ticketId')
      checkEnum(command.ticketType, TICKET_TYPES, 'type')
      checkText(command.title, 'title', config.maxTitleLength)
      const { initialMessage, context } = command
      return {
        ...command,
        ...(initialMessage !== undefined ? { initialMessage: checkMessage(initialMessage, config, 'initialMessage', 'initialMessage', false, checked) } : {}),
        ...(context !== undefined ? { context: checkPlainObject(context, 'context', config.maxContextBytes) } : {}),
      }
    }
    case 'resolveTicket':
      checkId(command.ticketId, 'ticketId')
      if (command.summary !== undefined) checkText(command.summary, 'summary', config.maxSummaryLength)
      break
    case 'updateTicketStatus':
      checkId(command.ticketId, 'ticketId')
      checkEnum(command.status, TICKET_STATUSES, 'status')
      break
    case 'updateTicketPriority':
      checkId(command.ticketId, 'ticketId')
      checkEnum(command.priority, TICKET_PRIORITIES, 'priority')
      break
    case 'switchChatView':
      checkEnum(command.view, CHAT_VIEWS, 'view')
      break
    case 'selectTicket':
      if (command.ticketId !== null) checkId(command.ticketId, 'ticketId')
      break
    case 'createTicketFromChatMessage':
      checkId(command.ticketId, 'ticketId')
      checkId(command.copyId, 'copyId')
      checkId(command.messageId, 'messageId')
      checkEnum(command.ticketType, TICKET_TYPES, 'ticketType')
      checkText(command.title, 'title', config.maxTitleLength)
      break
    case 'inheritContextToTicket':
      checkId(command.ticketId, 'ticketId')
      return { ...command, contextKeys: checkContextKeys(command.contextKeys, 'contextKeys') }
    case 'reply': {
      checkEnum(command.guard, REPLY_GUARDS, 'guard')
      checkId(command.owner, 'owner')
      if (command.supersede !== undefined) {
        if (!Array.isArray(command.supersede) || command.supersede.length > MAX_SUPERSEDED) {
          throw new ValidationError(`supersede: must be an array of at most ${MAX_SUPERSEDED} ids`, { path: 'supersede', limit: MAX_SUPERSEDED })
        }
        if (command.guard === 'own') throw new ValidationError("supersede: only when a reply starts, not with guard 'own'", { path: 'supersede' })
        command.supersede.forEach((id, i) => checkId(id, `supersede[${i}]`))
      }
      const message = checkMessage(command.message, config, 'message.content', 'message', true) // a reply starts empty and grows token by token
      checkEnum(message.sender, ['assistant', 'system'] as const, 'message.sender')
      const info = message.metadata?.['reply'] as ReplyInfo | undefined
      if (typeof info !== 'object' || info === null) throw new ValidationError('message.metadata.reply: must describe the reply', { path: 'message.metadata.reply' })
      checkId(info.to, 'message.metadata.reply.to')
      checkEnum(info.status, REPLY_STATUSES, 'message.metadata.reply.status')
      if (info.owner !== undefined) checkId(info.owner, 'message.metadata.reply.owner')
      if (info.leaseUntil !== undefined) checkTime(info.leaseUntil, 'message.metadata.reply.leaseUntil')
      return { ...command, message }
    }
    case 'markRead':
      if (command.thread !== 'main') checkId(command.thread, 'threadId')
      break
    case 'setDraft':
      if (command.thread !== 'main') checkId(command.thread, 'threadId')
      // Any string up to the message limit: empty deletes the draft, and white space is text being typed.
      if (typeof command.text !== 'string') throw new ValidationError(`text: must be a string, got ${describe(command.text)}`, { path: 'text' })
      if (command.text.length > config.maxContentLength) {
        throw new ValidationError(`text: must be at most ${config.maxContentLength} characters, got ${command.text.length}`, {
          path: 'text',
          limit: config.maxContentLength,
        })
      }
      break
    case 'putTicket':
      return { ...command, ticket: checkTicketFields(command.ticket, config) }
    case 'setTranscript':
      if (command.thread !== 'main') checkId(command.thread, 'threadId')
      checkId(command.messageId, 'messageId')
      checkId(command.attachmentId, 'attachmentId')
      checkText(command.transcript, 'transcript', config.maxContentLength)
      break
    case 'setDelivery':
      if (command.thread !== 'main') checkId(command.thread, 'threadId')
      checkId(command.messageId, 'messageId')
      if (command.delivery !== null) checkEnum(command.delivery, DELIVERY_STATES, 'delivery')
      break
    default:
      throw new ValidationError(`Unknown command '${String((command as { kind?: unknown }).kind)}'`)
  }
  return command
}

/**
 * A message as the client built it: content checked against the limit, enums, metadata.
 * `contentPath` names the content argument; `at` prefixes the other fields (`options.sender`).
 * Returns it with its metadata copied (the same message when it has none).
 */
function checkMessage(
  message: ChatMessage,
  config: ChatConfig,
  contentPath: string,
  at: string,
  allowEmpty = false,
  checked?: (message: ChatMessage) => boolean,
  allowAttachments = false,
): ChatMessage {
  if (typeof message !== 'object' || message === null) {
    throw new ValidationError(`${contentPath}: must be a message, got ${describe(message)}`, { path: contentPath })
  }
  checkId(message.id, at, 'id')
  let attachments: AttachmentInfo[] | undefined
  if (message.attachments !== undefined) {
    // Only the two single sends carry files: every other message would point at bytes that were never stored.
    if (!allowAttachments) throw new ValidationError(`${at}.attachments: only sendMainChatMessage and sendTicketMessage take attachments`, { path: `${at}.attachments` })
    attachments = checkAttachmentInfos(message.attachments, at, config)
    if (attachments.length === 0) throw new ValidationError(`${at}.attachments: must not be empty (leave it out)`, { path: `${at}.attachments` })
  }
  // A message with files may have no text (a photo, a voice message without transcript).
  if (!allowEmpty && attachments === undefined) checkText(message.content, contentPath, config.maxContentLength)
  else if (typeof message.content !== 'string' || message.content.length > config.maxContentLength) {
    throw new ValidationError(`${contentPath}: must be a string of at most ${config.maxContentLength} characters`, { path: contentPath })
  }
  checkEnum(message.sender, MESSAGE_SENDERS, at, 'sender')
  checkEnum(message.type, MESSAGE_TYPES, at, 'type')
  checkTime(message.timestamp, at, 'timestamp')
  if (message.delivery !== undefined) checkEnum(message.delivery, DELIVERY_STATES, at, 'delivery')
  const built = checked?.(message) === true
  if (attachments !== undefined) message = { ...message, attachments }
  if (message.metadata === undefined || built) return message
  return { ...message, metadata: checkMetadata(message.metadata, `${at}.metadata`, config) }
}
