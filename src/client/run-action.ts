/**
 * `runAction`: performs the action of a message (a suggestion's button). The SDK knows
 * the actions its assistants offer; anything else goes to the app on `actions$`.
 */
import type { Subject } from 'rxjs'
import { NotFoundError } from '../core/errors.js'
import type { Budget, MessageAction, TicketType } from '../core/protocol.js'
import { findAnyMessage } from './state-queries.js'
import { actionSourceId, findActionTicket } from './action-ticket.js'
import { TICKET_TYPES } from '../core/validate.js'
import type { ActionOutcome, ActionRequest, ChatClient } from './types.js'

export async function runAction(
  chat: ChatClient,
  contextKeys: readonly string[],
  actions$: Subject<ActionRequest>,
  messageId: string,
  actionId: string,
): Promise<ActionOutcome> {
  const message = findAnyMessage(chat.getState(), messageId)
  if (!message) throw new NotFoundError(`No message with id ${messageId}`, { messageId })
  const action = message.metadata?.actions?.find((candidate) => candidate.id === actionId)
  if (!action) throw new NotFoundError(`Message ${messageId} has no action ${actionId}`, { messageId, actionId })
  const payload = action.payload ?? {}
  const done = (extra: { ticketId?: string } = {}): ActionOutcome => ({ handled: true, type: action.type, ...extra })

  switch (action.type) {
    case 'open-ticket': {
      // Pressed again (or the message became a ticket another way): that ticket, no second one.
      const existing = findActionTicket(chat.getState(), message, action)
      if (existing) return done({ ticketId: existing.id })
      // The ticket is about the user's message: the one the payload names, or the one this replies to.
      const source = actionSourceId(message, action)
      const type = TICKET_TYPES.includes(payload['ticketType'] as TicketType) ? (payload['ticketType'] as TicketType) : 'support'
      const ticketId = chat.createTicketFromChatMessage(source, type, stringOr(payload['title'], 'Support request'))
      await chat.inheritContextToTicket(ticketId, contextKeys)
      return done({ ticketId })
    }
    case 'set-budget': {
      const preferences = chat.getState().userContext.preferences ?? {}
      await chat.updateUserContext({ preferences: { ...preferences, budget: payload['budget'] as Budget } })
      return done()
    }
    case 'send-message':
      await chat.sendMainChatMessage(stringOr(payload['content'], action.label))
      return done()
    case 'retry':
      chat.retry(stringOr(payload['messageId'], message.id))
      return done()
    case 'regenerate':
      chat.regenerate(message.id)
      return done()
    case 'continue':
      chat.continueReply(message.id)
      return done()
    default:
      actions$.next({ message, action: action as MessageAction })
      return { handled: false, type: action.type }
  }
}

const stringOr = (value: unknown, fallback: string): string => (typeof value === 'string' && value.trim() !== '' ? value : fallback)
