/**
 * The defaults of "Make a ticket": a ticket type guessed from the message's words and a
 * title from its first line. The type picker next to the button starts at the guess.
 */
import type { TicketType } from 'companion-chat'

const TYPE_HINTS: ReadonlyArray<readonly [TicketType, RegExp]> = [
  ['order-help', /\b(order|delivery|deliver|shipping|shipped|parcel|package|refund|return|invoice|tracking)\b/i],
  ['technical', /\b(broken|crash|crashes|error|bug|not working|doesn'?t work|won'?t|fails?|driver|update|defect)\b/i],
  ['product-inquiry', /\b(price|cost|spec|specs|compare|recommend|looking for|stock|available|warranty|laptop|monitor|headphones|keyboard|mouse)\b/i],
]

/** The ticket type a message most likely needs; `support` when nothing stands out. */
export function guessTicketType(content: string): TicketType {
  return TYPE_HINTS.find(([, pattern]) => pattern.test(content))?.[0] ?? 'support'
}

const MAX_TITLE = 60

/** The message's first line, shortened to a title. */
export function titleFromMessage(content: string): string {
  const line = content.trim().split('\n')[0]?.trim() ?? ''
  if (line.length === 0) return 'Question from the chat'
  return line.length > MAX_TITLE ? `${line.slice(0, MAX_TITLE - 1).trimEnd()}…` : line
}
