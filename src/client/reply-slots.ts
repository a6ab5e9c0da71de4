/**
 * Reply slots: every user message the assistant answers has one reply message, with the
 * id `reply:<user message id>`, that holds the turn's state in `metadata.reply` — the
 * streaming answer, the offline notice, or the error. Retry, regenerate and continue
 * rewrite the same slot, so a turn never leaves stale messages behind. Pure helpers.
 */
import { replyInfo } from '../core/plan.js'
import type {
  ChatMessage,
  ChatSystemState,
  MessageAction,
  MessageType,
  ReplyInfo,
  ReplyStatus,
  UserChatContext,
} from '../core/protocol.js'

const PREFIX = 'reply:'

/** The id of the reply slot of a user message. */
export const replyIdFor = (userMessageId: string): string => `${PREFIX}${userMessageId}`

/** The reply slot for `to`, as a message in the given state. */
export function slotMessage(input: {
  readonly to: string
  readonly status: ReplyStatus
  readonly content: string
  readonly timestamp: number
  readonly owner?: string
  readonly leaseUntil?: number
  readonly sender?: 'assistant' | 'system'
  readonly type?: MessageType
  readonly actions?: readonly MessageAction[]
}): ChatMessage {
  const reply: ReplyInfo = {
    to: input.to,
    status: input.status,
    ...(input.owner !== undefined ? { owner: input.owner } : {}),
    ...(input.leaseUntil !== undefined ? { leaseUntil: input.leaseUntil } : {}),
  }
  return {
    id: replyIdFor(input.to),
    content: input.content,
    sender: input.sender ?? 'assistant',
    timestamp: input.timestamp,
    type: input.type ?? 'text',
    metadata: { reply, ...(input.actions && input.actions.length > 0 ? { actions: input.actions } : {}) },
  }
}

/** The reply slots of the main chat with their turn state. */
export function replySlots(state: ChatSystemState): Array<{ readonly message: ChatMessage; readonly info: ReplyInfo }> {
  const out: Array<{ message: ChatMessage; info: ReplyInfo }> = []
  for (const message of state.mainChat.messages) {
    const info = message.id.startsWith(PREFIX) ? replyInfo(message) : undefined
    if (info) out.push({ message, info })
  }
  return out
}

/** The slot of `messageId`: the slot itself, or the slot answering that user message. */
export function findSlot(state: ChatSystemState, messageId: string) {
  return replySlots(state).find(({ message, info }) => message.id === messageId || info.to === messageId)
}

/** The request thread: the main chat up to and including the user message, without failed or waiting slots. */
export function threadFor(state: ChatSystemState, userMessageId: string, limit: number): ChatMessage[] {
  const messages = state.mainChat.messages
  const end = messages.findIndex((m) => m.id === userMessageId)
  const upTo = end >= 0 ? messages.slice(0, end + 1) : []
  return upTo
    .filter((m) => {
      const status = replyInfo(m)?.status
      return status !== 'waiting' && status !== 'queued' && status !== 'error' && m.type !== 'error'
    })
    .slice(-limit)
}

/** The user context reduced to the keys the app lets the assistant see. */
export function pickContext(context: UserChatContext, keys: readonly string[]): UserChatContext {
  const out: Record<string, UserChatContext[string]> = {}
  for (const key of keys) if (Object.hasOwn(context, key) && context[key] !== undefined) out[key] = context[key]
  return out
}

/**
 * The text to show when continuing after `partial`. An assistant that can continue yields
 * only the rest; one that starts over (deterministic ones do) yields the partial again
 * first, which is not shown twice.
 */
export function continued(partial: string, generated: string): string {
  if (partial === '' || generated.startsWith(partial)) return generated
  if (partial.startsWith(generated)) return partial
  return partial + generated
}

/** Actions offered on an interrupted reply. */
export const INTERRUPTED_ACTIONS: readonly MessageAction[] = Object.freeze([
  { id: 'continue', label: 'Continue', type: 'continue' },
  { id: 'regenerate', label: 'Regenerate', type: 'regenerate' },
])

/** The action offered on a failed reply. */
export const RETRY_ACTIONS: readonly MessageAction[] = Object.freeze([{ id: 'retry', label: 'Try again', type: 'retry' }])
