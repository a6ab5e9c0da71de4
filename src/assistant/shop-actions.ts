/**
 * The actions the shop assistant attaches to its suggestions. `type` says what the app
 * does with one; `id` is unique within a suggestion (`show-product:<productId>`), so a UI
 * can key its buttons by it (`set-budget:max1500`, `set-budget:min800:max1200`).
 *
 * | type               | payload                                                        |
 * |--------------------|----------------------------------------------------------------|
 * | `open-ticket`      | `{ ticketType, title, messageId, productIds? }`                |
 * | `show-product`     | `{ productId }`                                                |
 * | `set-budget`       | `{ budget: { min?, max } }`: merge into `preferences.budget`   |
 * | `compare-products` | `{ productIds }`                                               |
 * | `send-message`     | `{ content }`: send it as the user's next message              |
 */
import type { Budget, MessageAction, TicketType } from '../core/protocol.js'
import { formatPrice } from './format-price.js'
import type { Product } from './recommend-products.js'
import type { ShopLanguage } from './shop-phrases.js'

/**
 * Offers to open a ticket. `messageId` is the user message the ticket is about, so the app
 * can call `createTicketFromChatMessage(messageId, ticketType, title)`.
 */
export function openTicketAction(
  label: string,
  ticketType: TicketType,
  title: string,
  messageId: string,
  productIds?: readonly string[],
): MessageAction {
  return {
    id: 'open-ticket',
    label,
    type: 'open-ticket',
    payload: { ticketType, title, messageId, ...(productIds ? { productIds } : {}) },
  }
}

/** Shows one product; the label carries its name and price. */
export function showProductAction(
  product: Product,
  language: ShopLanguage,
  locale: string,
  currency: string | undefined,
): MessageAction {
  const price = formatPrice(product.price, language, locale, product.currency ?? currency)
  return {
    id: `show-product:${product.id}`,
    label: `${product.name} (${price})`,
    type: 'show-product',
    payload: { productId: product.id },
  }
}

/** Sets the budget preference to `budget`. */
export function setBudgetAction(label: string, budget: Budget): MessageAction {
  return {
    id: ['set-budget', budget.min !== undefined ? `min${budget.min}` : '', budget.max !== undefined ? `max${budget.max}` : '']
      .filter(Boolean)
      .join(':'),
    label,
    type: 'set-budget',
    payload: { budget: { ...budget } },
  }
}

/** Compares the given products side by side. */
export function compareProductsAction(label: string, productIds: readonly string[]): MessageAction {
  return { id: 'compare-products', label, type: 'compare-products', payload: { productIds: [...productIds] } }
}

/** Sends `content` as the user's next message: a quick reply. */
export function sendMessageAction(id: string, label: string, content: string): MessageAction {
  return { id: `send-message:${id}`, label, type: 'send-message', payload: { content } }
}
