/**
 * Picks catalogue products for a search: the ones that match the most of what the user
 * asked for, within the budget, cheapest first.
 */
import type { Budget } from '../core/protocol.js'
import { isStopWord } from '../core/topics.js'
import { categoryWords } from './shop-categories.js'
import { splitWords, type WordMatcher } from './words.js'

/**
 * A product the shop assistant may recommend.
 *
 * @example
 * const product: Product = { id: 'lap-1', name: 'Nimbus 15', category: 'laptop', price: 1299, currency: 'USD', tags: ['gaming'] }
 */
export interface Product {
  /** Stable id; sent back as `payload.productId` of the `show-product` action. */
  readonly id: string
  /** Shown to the user. Its words are searched too ("Nimbus Gaming 15"). */
  readonly name: string
  /** E.g. `'laptop'`; singular or plural, any case, both match ("Laptops" finds `'laptop'`). */
  readonly category: string
  /** In `currency`; compared with the budget as a plain number (no conversion). */
  readonly price: number
  /** ISO 4217 code, e.g. `'EUR'`; used to show the price. */
  readonly currency?: string
  /** More words the product is found by, e.g. `['gaming', 'wireless']`. */
  readonly tags?: readonly string[]
  /**
   * A line about the product. Its words count like tags, function words aside: "1.1 kg,
   * 18-hour battery" is found by "battery".
   */
  readonly description?: string
}

/** What to look for. */
export interface ProductQuery {
  /** Categories from `detectIntent` (or the user's preferences). */
  readonly categories: readonly string[]
  /** All words of the message, so that tags like "wireless" count even though they are not categories. */
  readonly words: readonly string[]
  readonly budget?: Budget
  /** At most this many products; default 3. */
  readonly limit?: number
}

/**
 * The products that match the most search terms (every named category, plus every word
 * of the message that is a tag in the catalogue), within the budget, cheapest first and
 * in catalogue order among equal prices. Products matching fewer terms than the best
 * match of the catalogue are left out: "gaming laptops" shows gaming laptops, not every
 * laptop, when the catalogue has any. Without any term every product within the budget
 * qualifies. Meant for catalogues of up to a few thousand products.
 */
export function recommendProducts(
  catalogue: readonly Product[],
  query: ProductQuery,
  matcher: WordMatcher,
): Product[] {
  const terms = searchTerms(catalogue, query, matcher)
  const scored = catalogue.map((product) => ({ product, score: terms.filter((term) => matchesTerm(product, term, matcher)).length }))
  // The best score is taken over the whole catalogue, budget or not: when no gaming laptop
  // fits the budget, an office laptop that does is no answer to "gaming laptops".
  const best = Math.max(0, ...scored.map((entry) => entry.score))
  if (terms.length > 0 && best === 0) return []
  return scored
    .filter((entry) => entry.score === best && withinBudget(entry.product.price, query.budget))
    .sort((a, b) => a.product.price - b.product.price) // stable: catalogue order among equal prices
    .slice(0, query.limit ?? 3)
    .map((entry) => entry.product)
}

/** Whether `product` is found by any of `alternatives` (e.g. the words of one category). */
export function matchesTerm(product: Product, alternatives: readonly string[], matcher: WordMatcher): boolean {
  const words = productWords(product)
  return alternatives.some((alt) => words.some((word) => describes(alt, word, matcher)))
}

/** True when `price` lies in the budget, bounds included; a missing bound does not limit. */
export function withinBudget(price: number, budget: Budget | undefined): boolean {
  return (budget?.min === undefined || price >= budget.min) && (budget?.max === undefined || price <= budget.max)
}

/** One term per category (with every word that means it) and per message word that is an attribute. */
function searchTerms(catalogue: readonly Product[], query: ProductQuery, matcher: WordMatcher): string[][] {
  return [...categoryTerms(query.categories, matcher), ...attributeTerms(catalogue, query, matcher).map((word) => [word])]
}

const categoryTerms = (categories: readonly string[], matcher: WordMatcher): string[][] =>
  categories.map((category) => [...categoryWords(category, matcher)])

/**
 * The words of a message that describe products of the catalogue (a tag, or a word of a
 * description: "light", "battery") and are not one of the named categories; in order,
 * without repeats.
 */
export function attributeTerms(
  catalogue: readonly Product[],
  query: Pick<ProductQuery, 'categories' | 'words'>,
  matcher: WordMatcher,
): string[] {
  const attributes = [...new Set(catalogue.flatMap(attributeWords))]
  const named = categoryTerms(query.categories, matcher).flat()
  const found: string[] = []
  for (const word of query.words) {
    if (isStopWord(word.toLowerCase()) || [...named, ...found].some((known) => matcher.same(known, word))) continue
    if (attributes.some((attribute) => describes(word, attribute, matcher))) found.push(word)
  }
  return found
}

/**
 * Whether a word of the message names a product word: the same word, or the first part of
 * a compound ("light" → "lightweight"; at least four letters, so "pro" finds no "progress").
 */
function describes(word: string, productWord: string, matcher: WordMatcher): boolean {
  return matcher.same(word, productWord) || (word.length >= 4 && productWord.toLowerCase().startsWith(word.toLowerCase()))
}

/** The words a product is found by, split once per product object (scoring asks for them per term). */
const wordsByProduct = new WeakMap<Product, { readonly attributes: readonly string[]; readonly all: readonly string[] }>()

function wordsOfProduct(product: Product): { readonly attributes: readonly string[]; readonly all: readonly string[] } {
  let words = wordsByProduct.get(product)
  if (!words) {
    const described = product.description ? splitWords(product.description) : []
    const attributes = [...(product.tags ?? []), ...described.filter((word) => /^\p{L}{3,}$/u.test(word) && !isStopWord(word.toLowerCase()))]
    words = { attributes, all: [product.category, ...attributes, ...splitWords(product.name)] }
    wordsByProduct.set(product, words)
  }
  return words
}

/** The tags and the description's content words of a product. */
const attributeWords = (product: Product): readonly string[] => wordsOfProduct(product).attributes

/** The category, attribute and name words a product is found by. */
const productWords = (product: Product): readonly string[] => wordsOfProduct(product).all
