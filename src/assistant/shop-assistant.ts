/**
 * The offline shop assistant: rule-based, deterministic, no network. It answers product
 * searches, comparisons, order questions and technical problems in English or German.
 */
import type { Assistant, AssistantPart, AssistantRequest } from '../core/assistant.js'
import { ValidationError } from '../core/errors.js'
import { detectIntent } from './detect-intent.js'
import { planShopReply } from './plan-shop-reply.js'
import type { Product } from './recommend-products.js'

/** Options of `createShopAssistant`. */
export interface ShopAssistantOptions {
  /** Products to recommend from. Without one, searches are acknowledged and remembered only. */
  readonly catalogue?: readonly Product[]
  /**
   * BCP 47 tag of the app, e.g. `'de-DE'`. Decides the reply language when a message does
   * not show one, and the number format when it matches the reply language. Default `'en'`.
   */
  readonly locale?: string
  /**
   * ISO 4217 code of the store's prices, used for products priced without one and for
   * budgets the user named without a currency (a currency the user named, or the one saved
   * with the budget in `preferences.currency`, wins). Default: the currency of the
   * catalogue, when all its products share one.
   */
  readonly currency?: string
  /** Shown in status and error messages. Default `'Shop assistant'`. */
  readonly name?: string
}

/** How many words go into one streamed text part. */
const WORDS_PER_PART = 4

/**
 * Creates the offline shop assistant. Each answer streams as `text` parts (a few words
 * each), then `suggestion` parts with actions (`open-ticket`, `show-product`,
 * `set-budget`, `compare-products`, `send-message`), then at most one `context` part with
 * the preferences (budget, `currency` the budget was named in, categories) and shopping
 * intent it proposes to remember. It stops as soon as `request.signal` aborts.
 *
 * @param options - the catalogue to recommend from, the app's locale and currency.
 * @returns an `Assistant` that never touches the network and answers the same input the same way.
 * @throws ValidationError when the locale or a currency code is not valid.
 * @example
 * const assistant = createShopAssistant({
 *   locale: 'en-US',
 *   currency: 'USD',
 *   catalogue: [{ id: 'lap-1', name: 'Nimbus 15', category: 'laptop', price: 1299, tags: ['gaming'] }],
 * })
 * for await (const part of assistant.respond(request)) console.log(part)
 * // { type: 'text', delta: 'Here are my top ' } … { type: 'suggestion', content: 'Recommended for you:', actions: [ … ] }
 * // { type: 'context', patch: { preferences: { budget: { max: 1500 }, currency: 'USD', categories: ['gaming', 'laptop'] }, shoppingIntent: 'search' } }
 */
export function createShopAssistant(options: ShopAssistantOptions = {}): Assistant {
  const locale = validLocale(options.locale ?? 'en')
  const { catalogue } = options
  if (options.currency !== undefined) validCurrency(options.currency, 'currency')
  catalogue?.forEach((product, index) => {
    if (product.currency !== undefined) validCurrency(product.currency, `catalogue[${index}].currency`)
  })
  const currency = options.currency ?? catalogueCurrency(catalogue)
  const storeCategories = catalogue ? [...new Set(catalogue.map((product) => product.category))] : []

  return {
    name: options.name ?? 'Shop assistant',
    async *respond(request: AssistantRequest): AsyncGenerator<AssistantPart, void, undefined> {
      const { signal } = request
      if (signal.aborted) return
      const detected = detectIntent(request.message.content, { locale, categories: storeCategories })
      const reply = planShopReply({
        detected,
        message: request.message,
        userContext: request.userContext,
        catalogue,
        locale,
        currency,
      })
      // The signal is checked before every part: a consumer that aborts while suspended
      // at a `yield` gets nothing more once it resumes.
      for (const delta of chunks(reply.text)) {
        if (signal.aborted) return
        yield { type: 'text', delta }
      }
      for (const { content, actions } of reply.suggestions) {
        if (signal.aborted) return
        yield { type: 'suggestion', content, actions }
      }
      if (reply.context && !signal.aborted) yield { type: 'context', patch: reply.context }
    },
  }
}

/** Splits text into groups of a few words, whitespace kept, so the parts join back to the text. */
function chunks(text: string): string[] {
  const words = text.match(/\S+\s*/gu) ?? []
  const parts: string[] = []
  for (let index = 0; index < words.length; index += WORDS_PER_PART) {
    parts.push(words.slice(index, index + WORDS_PER_PART).join(''))
  }
  return parts
}

/** The currency every product of the catalogue is priced in, if they agree on one. */
function catalogueCurrency(catalogue: readonly Product[] | undefined): string | undefined {
  const codes = new Set(catalogue?.map((product) => product.currency))
  const [only] = codes
  return codes.size === 1 ? only : undefined
}

function validLocale(locale: string): string {
  try {
    return Intl.getCanonicalLocales(locale)[0] ?? 'en'
  } catch {
    throw new ValidationError(`Not a valid locale: ${JSON.stringify(locale)}`, { path: 'locale' })
  }
}

function validCurrency(code: string, path: string): void {
  try {
    new Intl.NumberFormat('en', { style: 'currency', currency: code })
  } catch {
    throw new ValidationError(`Not a valid ISO 4217 currency code: ${JSON.stringify(code)}`, { path })
  }
}
