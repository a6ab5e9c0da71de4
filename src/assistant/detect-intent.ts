/**
 * The shop assistant's understanding of one message: what the user wants, in which
 * language, within which budget, in which categories. Pure and deterministic: the same
 * text and options always give the same answer.
 */
import type { Budget } from '../core/protocol.js'
import { parseBudget } from './parse-budget.js'
import { CATEGORY_VOCABULARY } from './shop-categories.js'
import {
  COMPARISON_CUES,
  GREETINGS,
  LANGUAGE_MARKERS,
  ORDER_CUES,
  PROBLEM_WORDS,
  SEARCH_CUES,
  TECHNICAL_CUES,
  THANKS,
  type OrderTopic,
  type ShopLanguage,
  type TechnicalTopic,
} from './shop-phrases.js'
import { tokenize, wordMatcher, type WordMatcher } from './words.js'

export type { OrderTopic, ShopLanguage, TechnicalTopic } from './shop-phrases.js'

/** What a message asks the shop assistant for. `unknown` gets the fallback answer. */
export type ShopIntent = 'search' | 'comparison' | 'order-help' | 'technical' | 'greeting' | 'thanks' | 'unknown'

/** What `detectIntent` understood of a message; `topic` comes with order and technical intents. */
export type DetectedIntent = DetectedBase &
  (
    | { readonly intent: 'order-help'; readonly topic: OrderTopic }
    | { readonly intent: 'technical'; readonly topic: TechnicalTopic }
    | { readonly intent: 'search' | 'comparison' | 'greeting' | 'thanks' | 'unknown' }
  )

/** What `detectIntent` finds in every message, whatever its intent. */
export interface DetectedBase {
  /** The language to answer in. */
  readonly language: ShopLanguage
  /** The price range stated in the message, if any. */
  readonly budget?: Budget
  /** ISO 4217 code of the currency the budget was stated in ("$" → "USD"), if any. */
  readonly currency?: string
  /** Categories named in the message, in the order named, without duplicates. */
  readonly categories: readonly string[]
}

/** Options of `detectIntent`. */
export interface DetectIntentOptions {
  /** BCP 47 tag; decides the language when the message does not show one. Default `'en'`. */
  readonly locale?: string
  /** The store's own category names (e.g. a catalogue's); they win over the built-in ids. */
  readonly categories?: readonly string[]
}

/** Intent shows in the opening of a message; the cap keeps a pasted essay cheap to read. */
const MAX_CHARS = 1_000

/**
 * Reads a shopper's message with phrase tables (no language model): the intent, the
 * language to answer in (English or German), a budget and the categories it names.
 *
 * Categories are normalised: the store's own name when `options.categories` has one for
 * the concept ("notebooks" → `'laptop'` if the store calls it that), otherwise the built-in
 * English id ("Kopfhörer" → `'headphones'`), otherwise nothing. Precedence of intents:
 * technical problem, order question, comparison, search, thanks, greeting.
 *
 * @param text - the user's message.
 * @param options - the default locale and the store's category names.
 * @returns the intent, language, budget, currency, categories and topic.
 * @throws RangeError when `options.locale` is not a valid BCP 47 tag.
 * @example
 * detectIntent("I'm looking for gaming laptops under $1500")
 * // → { intent: 'search', language: 'en', budget: { max: 1500 }, currency: 'USD',
 * //     categories: ['gaming', 'laptops'] }
 */
export function detectIntent(text: string, options: DetectIntentOptions = {}): DetectedIntent {
  const locale = options.locale ?? 'en'
  const tokens = tokenize(text.normalize('NFC').slice(0, MAX_CHARS), locale)
  const words = tokens.filter((token) => token.word).map((token) => token.text)
  const language = detectLanguage(words, locale)
  const matcher = wordMatcher(language)
  const { budget, currency } = parseBudget(tokens, matcher)
  const categories = findCategories(words, options.categories ?? [], matcher)
  const base: DetectedBase = {
    language,
    categories,
    ...(budget ? { budget } : {}),
    ...(currency ? { currency } : {}),
  }

  const technical = TECHNICAL_CUES.find(
    ([, cue]) =>
      matcher.has(words, cue.alone) ||
      (cue.subjects.length > 0 && matcher.has(words, cue.subjects) && matcher.has(words, PROBLEM_WORDS)),
  )
  if (technical) return { intent: 'technical', topic: technical[0], ...base }
  // A product the user has, plus a problem word, is a fault report, not a search ("my laptop is broken").
  if (categories.length > 0 && !budget && matcher.has(words, PROBLEM_WORDS) && !matcher.has(words, SEARCH_CUES)) {
    return { intent: 'technical', topic: 'other', ...base }
  }
  // "my order" alone is a weak cue: it loses to comparisons and searches ("before I place my order").
  const order = ORDER_CUES.find(([, cues]) => matcher.has(words, cues))
  if (order && order[0] !== 'other') return { intent: 'order-help', topic: order[0], ...base }
  if (matcher.has(words, COMPARISON_CUES)) return { intent: 'comparison', ...base }
  if (budget || categories.length > 0 || matcher.has(words, SEARCH_CUES)) return { intent: 'search', ...base }
  if (order) return { intent: 'order-help', topic: order[0], ...base }
  if (matcher.has(words, THANKS)) return { intent: 'thanks', ...base }
  if (matcher.has(words, GREETINGS)) return { intent: 'greeting', ...base }
  return { intent: 'unknown', ...base }
}

/**
 * German when German marker words (or words with ä, ö, ü, ß) outnumber English ones,
 * English when the reverse; on a tie the locale decides, and every other locale means English.
 */
export function detectLanguage(words: readonly string[], locale: string): ShopLanguage {
  let en = 0
  let de = 0
  for (const word of words) {
    const lower = word.toLowerCase().replace(/’/g, "'")
    if (LANGUAGE_MARKERS.de.has(lower) || /[äöüß]/.test(lower)) de++
    else if (LANGUAGE_MARKERS.en.has(lower)) en++
  }
  if (de !== en) return de > en ? 'de' : 'en'
  return new Intl.Locale(locale).language === 'de' ? 'de' : 'en'
}

/** The categories named in `words`, in order; the store's names win over the built-in ids. */
function findCategories(words: readonly string[], store: readonly string[], matcher: WordMatcher): string[] {
  const found: string[] = []
  for (let index = 0; index < words.length; index++) {
    const own = store.find((category) => matcher.startsAt(words, index, category))
    const entry = CATEGORY_VOCABULARY.find(([id, , synonyms]) =>
      [id, ...synonyms].some((word) => matcher.startsAt(words, index, word)),
    )
    const storeName = entry
      ? store.find((category) => [entry[0], ...entry[2]].some((word) => matcher.same(category, word)))
      : undefined
    const category = own ?? storeName ?? entry?.[0]
    if (category !== undefined && !found.some((known) => matcher.same(known, category))) found.push(category)
  }
  return found
}
