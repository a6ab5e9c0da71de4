/**
 * Which ticket an `open-ticket` action is about: `runAction` opens it once, and an app
 * shows it in place of the button afterwards.
 */
import { replyInfo } from '../core/plan.js'
import type { ChatMessage, ChatSystemState, ChatTicket, MessageAction } from '../core/protocol.js'
import { findAnyMessage, ticketsById } from './state-queries.js'

/**
 * The id of the message an `open-ticket` action makes a ticket from: the one its payload
 * names, else the user message `message` replies to, else `message` itself.
 */
export function actionSourceId(message: ChatMessage, action: MessageAction): string {
  const named = action.payload?.['messageId']
  if (typeof named === 'string' && named.trim() !== '') return named
  const replyTo = message.metadata?.['replyTo']
  return replyInfo(message)?.to ?? (typeof replyTo === 'string' && replyTo.trim() !== '' ? replyTo : message.id)
}

/**
 * The ticket an `open-ticket` action of `message` opened, or `undefined` when it has opened
 * none yet (or the action opens no ticket). It is the ticket of the message the action is
 * about, however that ticket was made: `runAction` on the action then opens no second one
 * but answers this ticket's id. So a UI can replace the button with a link to the ticket.
 *
 * @param state - the client's state (`getState()`, or the value in a selector).
 * @param message - the message that carries the action in `metadata.actions`.
 * @param action - one of those actions.
 * @example
 * const ticket = findActionTicket(client.getState(), message, action)
 * if (ticket) showLink(`Ticket opened: ${ticket.title}`, ticket.id)
 * else showButton(action.label, () => client.runAction(message.id, action.id))
 */
export function findActionTicket(state: ChatSystemState, message: ChatMessage, action: MessageAction): ChatTicket | undefined {
  if (action.type !== 'open-ticket') return undefined
  const ticketId = findAnyMessage(state, actionSourceId(message, action))?.metadata?.ticketId
  return ticketId === undefined ? undefined : ticketsById(state).get(ticketId)
}
