/**
 * The shop assistant's answers to searches and comparisons: what it understood, the
 * products it recommends, and the preferences it proposes to remember.
 */
import type { Budget, JsonValue, UserChatContext, UserPreferences } from '../core/protocol.js'
import { formatPrice, roundBudget } from './format-price.js'
import type { ShopReply, ShopReplyInput, Suggestion } from './plan-shop-reply.js'
import { attributeTerms, matchesTerm, recommendProducts } from './recommend-products.js'
import {
  compareProductsAction,
  openTicketAction,
  setBudgetAction,
  showProductAction,
} from './shop-actions.js'
import { categoryLabel, categoryWords } from './shop-categories.js'
import { SHOP_REPLIES } from './shop-replies.js'
import { splitWords, wordMatcher } from './words.js'

/** Budgets offered when none is known yet. */
const BUDGET_PRESETS: readonly number[] = [500, 1_000, 2_000]

/**
 * Answers a search. What the message states wins; what it leaves out comes from the
 * user's saved preferences ("show me something" uses the saved budget and categories).
 */
export function planSearchReply(input: ShopReplyInput): ShopReply {
  const { detected, catalogue, message } = input
  const say = SHOP_REPLIES[detected.language]
  const { budget, categories, fromPreferences } = effectiveSearch(input)
  const matcher = wordMatcher(detected.language)
  const words = splitWords(message.content, input.locale)
  const attributes = catalogue ? attributeTerms(catalogue, { categories, words }, matcher) : []
  const what = describe(input, categories, budget, attributes)
  const context = contextPatch(input, 'search')
  const withContext = (reply: Omit<ShopReply, 'context'>): ShopReply => (context ? { ...reply, context } : reply)
  const presets = budget ? [] : [budgetPresets(input)]

  if (categories.length === 0 && !budget && attributes.length === 0) return withContext({ text: say.askWhat, suggestions: presets })
  if (!catalogue) return withContext({ text: say.noted(what), suggestions: presets })

  const picks = recommendProducts(catalogue, { categories, words, ...(budget ? { budget } : {}) }, matcher)
  if (picks.length > 0) {
    // Described by what the picks are: a saved category they do not match is not named.
    const fits = (category: string) => picks.every((pick) => matchesTerm(pick, [...categoryWords(category, matcher)], matcher))
    const shown = attributes.length > 0 ? categories.filter(fits) : categories
    const found = say.found(describe(input, shown, budget, attributes))
    const text = fromPreferences ? `${found} ${say.fromPreferences}` : found
    const actions = picks.map((product) => showProductAction(product, detected.language, input.locale, priceCurrency(input)))
    return withContext({ text, suggestions: [{ content: say.recommended, actions }, ...presets] })
  }

  // Nothing within the budget: say so, and offer the budget that would find the cheapest match.
  const suggestions: Suggestion[] = []
  const cheapest = budget?.max !== undefined ? recommendProducts(catalogue, { categories, words, limit: 1 }, matcher)[0] : undefined
  if (cheapest && budget?.max !== undefined && cheapest.price > budget.max) {
    const raised: Budget = { ...(budget.min !== undefined ? { min: budget.min } : {}), max: roundBudget(cheapest.price) }
    const label = say.budgetLabel(formatPrice(raised.max ?? 0, detected.language, input.locale, budgetCurrency(input)))
    suggestions.push({ content: say.raiseBudget, actions: [setBudgetAction(label, raised)] })
  }
  const ask = openTicketAction(say.askTeamLabel, 'product-inquiry', say.searchTitle(what), message.id)
  suggestions.push({ content: say.askTeamSuggestion, actions: [ask] })
  return withContext({ text: say.noneFound(what), suggestions })
}

/**
 * Answers a comparison: the products the user is looking at (`currentProducts`), else
 * catalogue candidates for the named categories, else a question back.
 */
export function planComparisonReply(input: ShopReplyInput): ShopReply {
  const { detected, catalogue, message, userContext } = input
  const say = SHOP_REPLIES[detected.language]
  const { budget, categories } = effectiveSearch(input)
  const what = describe(input, categories, budget, [])
  const context = contextPatch(input, 'comparison')
  const withContext = (reply: Omit<ShopReply, 'context'>): ShopReply => (context ? { ...reply, context } : reply)
  const expert = (ids?: readonly string[]) =>
    openTicketAction(say.askExpertLabel, 'product-inquiry', say.comparisonTitle(what), message.id, ids)

  const current = userContext.currentProducts ?? []
  if (current.length >= 2) {
    const actions = [compareProductsAction(say.compareLabel, current), expert(current)]
    return withContext({ text: say.compareCurrent, suggestions: [{ content: say.compareSuggestion, actions }] })
  }
  if (catalogue && (categories.length > 0 || budget)) {
    const matcher = wordMatcher(detected.language)
    const words = splitWords(message.content, input.locale)
    const picks = recommendProducts(catalogue, { categories, words, ...(budget ? { budget } : {}) }, matcher)
    if (picks.length >= 2) {
      const ids = picks.map((product) => product.id)
      const shows = picks.map((product) => showProductAction(product, detected.language, input.locale, priceCurrency(input)))
      const suggestions = [
        { content: say.recommended, actions: shows },
        { content: say.compareSuggestion, actions: [compareProductsAction(say.compareLabel, ids), expert(ids)] },
      ]
      return withContext({ text: say.compareCandidates(what), suggestions })
    }
  }
  return withContext({ text: say.compare, suggestions: [{ content: say.compareSuggestion, actions: [expert()] }] })
}

/** The budget and categories to search with: the message's, else the saved preferences. */
function effectiveSearch(input: ShopReplyInput): { budget?: Budget; categories: readonly string[]; fromPreferences: boolean } {
  const { detected } = input
  const saved = input.userContext.preferences
  const savedCategories = (saved?.categories ?? []).filter((category) => typeof category === 'string')
  const budget = detected.budget ?? validBudget(saved?.budget)
  const categories = detected.categories.length > 0 ? detected.categories : savedCategories
  const fromPreferences =
    (detected.budget === undefined && budget !== undefined) || (detected.categories.length === 0 && categories.length > 0)
  return { ...(budget ? { budget } : {}), categories, fromPreferences }
}

/** The saved budget, if it holds numbers: the context is app data and may hold anything. */
function validBudget(budget: Budget | undefined): Budget | undefined {
  if (!budget) return undefined
  const min = typeof budget.min === 'number' && Number.isFinite(budget.min) ? budget.min : undefined
  const max = typeof budget.max === 'number' && Number.isFinite(budget.max) ? budget.max : undefined
  if (min === undefined && max === undefined) return undefined
  return { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) }
}

/**
 * "gaming laptops up to $1,500", "Kopfhörer zwischen 100 € und 300 €", "products from $800",
 * "laptops (light, battery)".
 */
function describe(input: ShopReplyInput, categories: readonly string[], budget: Budget | undefined, attributes: readonly string[]): string {
  const { language } = input.detected
  const say = SHOP_REPLIES[language]
  const matcher = wordMatcher(language)
  const named = categories.map((category) => categoryLabel(category, language, matcher)).join(' ') || say.products
  const things = attributes.length > 0 ? `${named} (${attributes.map((word) => word.toLowerCase()).join(', ')})` : named
  const price = (value: number) => formatPrice(value, language, input.locale, budgetCurrency(input))
  if (budget?.min !== undefined && budget.max !== undefined) return `${things} ${say.between(price(budget.min), price(budget.max))}`
  if (budget?.max !== undefined) return `${things} ${say.upTo(price(budget.max))}`
  if (budget?.min !== undefined) return `${things} ${say.from(price(budget.min))}`
  return things
}

/** Offers a few budgets to pick from. */
function budgetPresets(input: ShopReplyInput): Suggestion {
  const { language } = input.detected
  const say = SHOP_REPLIES[language]
  const actions = BUDGET_PRESETS.map((max) =>
    setBudgetAction(say.budgetLabel(formatPrice(max, language, input.locale, budgetCurrency(input))), { max }),
  )
  return { content: say.budgetPrompt, actions }
}

/**
 * The currency to show budgets in: the one named in the message, else the one saved with
 * the budget (a follow-up such as "show me something" names none), else the store's.
 */
function budgetCurrency(input: ShopReplyInput): string | undefined {
  return input.detected.currency ?? savedCurrency(input.userContext.preferences) ?? input.currency
}

/** The currency of product prices that name none: the store's, else the shopper's. */
function priceCurrency(input: ShopReplyInput): string | undefined {
  return input.currency ?? budgetCurrency(input)
}

/** The saved budget's currency, if it is a currency code: the context is app data. */
function savedCurrency(saved: UserPreferences | undefined): string | undefined {
  const code = saved?.['currency']
  return typeof code === 'string' && /^[A-Za-z]{3}$/.test(code) ? code.toUpperCase() : undefined
}

/**
 * The context change to propose: the stated budget and categories replace the saved ones
 * (other preference keys are kept, since a context patch replaces `preferences` whole),
 * and the shopping intent. Keys that would not change are left out. The currency the
 * budget was named in is kept as `preferences.currency`, so that later answers that
 * read the saved budget show it in that currency; a budget named without one keeps the
 * saved currency.
 */
function contextPatch(input: ShopReplyInput, intent: 'search' | 'comparison'): UserChatContext | undefined {
  const { detected, userContext } = input
  const saved: UserPreferences = userContext.preferences ?? {}
  const next: UserPreferences = {
    ...saved,
    ...(detected.budget ? { budget: detected.budget } : {}),
    ...(detected.budget && detected.currency ? { currency: detected.currency } : {}),
    ...(detected.categories.length > 0 ? { categories: detected.categories } : {}),
  }
  const patch: { preferences?: UserPreferences; shoppingIntent?: string } = {}
  if (!sameJson(next, saved)) patch.preferences = next
  if (userContext.shoppingIntent !== intent) patch.shoppingIntent = intent
  return patch.preferences || patch.shoppingIntent ? patch : undefined
}

function sameJson(a: JsonValue | UserPreferences, b: JsonValue | UserPreferences): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}
