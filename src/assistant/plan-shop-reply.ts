/**
 * Turns what `detectIntent` understood into the shop assistant's answer: the text, the
 * suggestions with their actions, and the user-context change it proposes. Pure: the
 * same input gives the same reply, which is what makes the assistant deterministic.
 */
import type { ChatMessage, MessageAction, TicketType, UserChatContext } from '../core/protocol.js'
import type { DetectedIntent } from './detect-intent.js'
import { planComparisonReply, planSearchReply } from './plan-search-reply.js'
import { attributeTerms, type Product } from './recommend-products.js'
import { openTicketAction, sendMessageAction } from './shop-actions.js'
import { SHOP_REPLIES } from './shop-replies.js'
import { splitWords, wordMatcher } from './words.js'

/** A suggestion message: a short text and its buttons. */
export interface Suggestion {
  readonly content: string
  readonly actions: readonly MessageAction[]
}

/** The whole answer to one message, before it is streamed. */
export interface ShopReply {
  readonly text: string
  readonly suggestions: readonly Suggestion[]
  /** Only what changes: absent when the user context already says it all. */
  readonly context?: UserChatContext
}

/** Everything one answer depends on. */
export interface ShopReplyInput {
  readonly detected: DetectedIntent
  readonly message: ChatMessage
  readonly userContext: UserChatContext
  readonly catalogue: readonly Product[] | undefined
  /** The app's locale, for number formats when it matches the reply's language. */
  readonly locale: string
  /** The store's currency, for budgets the user named without one. */
  readonly currency: string | undefined
}

/** Plans the answer to one message. */
export function planShopReply(input: ShopReplyInput): ShopReply {
  const { detected, message } = input
  const say = SHOP_REPLIES[detected.language]
  const aboutFiles = planAttachmentReply(input)
  if (aboutFiles) return aboutFiles
  switch (detected.intent) {
    case 'search':
      return planSearchReply(input)
    case 'comparison':
      return planComparisonReply(input)
    case 'order-help': {
      const { reply, title } = say.order[detected.topic]
      const action = openTicketAction(say.openTicketLabel, 'order-help', title, message.id)
      return { text: reply, suggestions: [{ content: say.orderSuggestion, actions: [action] }] }
    }
    case 'technical': {
      const { reply, title } = say.technical[detected.topic]
      const action = openTicketAction(say.openTicketLabel, 'technical', title, message.id)
      return { text: reply, suggestions: [{ content: say.technicalSuggestion, actions: [action] }] }
    }
    case 'greeting':
      return { text: say.greeting, suggestions: [] }
    case 'thanks':
      return { text: say.thanks, suggestions: [] }
    case 'unknown':
      // No cue, but words that describe products ("something light with a long battery"): a search.
      if (describesProducts(input)) {
        return planSearchReply(input)
      }
      return {
        text: say.fallback,
        suggestions: [
          {
            content: say.fallbackSuggestion,
            actions: [
              sendMessageAction('search', say.findProductLabel, say.findProductMessage),
              sendMessageAction('order', say.trackOrderLabel, say.trackOrderMessage),
              openTicketAction(say.talkToSupportLabel, 'support', say.supportTitle, message.id),
            ],
          },
        ],
      }
  }
}

/**
 * The answer to a message whose files say more than its words: a photo, a file or a voice
 * message without a transcript, with no text, a greeting or thanks, or words the assistant
 * does not understand (and that describe no product). It acknowledges what came and offers a
 * ticket (a ticket made from the message keeps its files): about a damaged parcel for a
 * photo. Undefined when the text is understood (an order question with a photo is answered
 * as an order question), and for a voice message with its transcript (the transcript is the text).
 */
function planAttachmentReply(input: ShopReplyInput): ShopReply | undefined {
  const { detected, message } = input
  const attachments = message.attachments ?? []
  if (attachments.length === 0) return undefined
  const understood = detected.intent !== 'unknown' && detected.intent !== 'greeting' && detected.intent !== 'thanks'
  if (understood || (detected.intent === 'unknown' && describesProducts(input))) return undefined
  const say = SHOP_REPLIES[detected.language]
  const offer = (label: string, ticketType: TicketType, title: string): Suggestion => ({ content: say.attachmentSuggestion, actions: [openTicketAction(label, ticketType, title, message.id)] })
  const photos = attachments.filter((attachment) => attachment.type.toLowerCase().startsWith('image/'))
  if (photos.length > 0) return { text: say.photo(photos.length), suggestions: [offer(say.reportDamageLabel, 'order-help', say.damagedTitle)] }
  const recording = attachments.some((attachment) => attachment.type.toLowerCase().startsWith('audio/') || attachment.duration !== undefined)
  if (recording) {
    if (message.content.trim() !== '') return undefined // transcribed: the text was read above
    return { text: say.voice, suggestions: [offer(say.openTicketLabel, 'support', say.voiceTitle)] }
  }
  return { text: say.file(attachments.map((attachment) => attachment.name)), suggestions: [offer(say.openTicketLabel, 'support', say.fileTitle)] }
}

/** Whether the message has words that describe products of the catalogue. */
function describesProducts({ catalogue, message, detected, locale }: ShopReplyInput): boolean {
  const words = splitWords(message.content, locale)
  return attributeTerms(catalogue ?? [], { categories: detected.categories, words }, wordMatcher(detected.language)).length > 0
}
