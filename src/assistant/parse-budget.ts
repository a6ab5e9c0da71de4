/**
 * Finds the price range a shopper states in a message: "under $1500", "zwischen 800 und
 * 1.200 €", "from 500 to 900", "over £200", "$800-$1200", "bis 2k".
 *
 * Internal: `detectIntent` is the public entry point.
 */
import type { Budget } from '../core/protocol.js'
import { CURRENCIES, MAX_CUES, MIN_CUES, RANGE_JOINERS, RANGE_OPENERS } from './shop-phrases.js'
import type { Token, WordMatcher } from './words.js'

/** A budget and the currency the user named it in, if any. */
export interface ParsedBudget {
  readonly budget?: Budget
  /** ISO 4217 code from a symbol or word next to an amount ("$" → "USD"). */
  readonly currency?: string
}

type Cue = 'max' | 'min' | 'opener'

interface Amount {
  readonly value: number
  /** First and last token of the amount, its currency symbol included. */
  readonly start: number
  readonly end: number
  readonly currency: string | undefined
  readonly cue: Cue | undefined
}

/**
 * Reads the budget from a tokenized message. A number counts as money only when a cue
 * stands before it or a currency next to it, so model numbers ("RTX 4090", "iPhone 15",
 * "16 GB") are never taken for prices. A currency amount without a cue is read as the
 * most the user wants to spend: naming a price names what one can afford.
 */
export function parseBudget(tokens: readonly Token[], matcher: WordMatcher): ParsedBudget {
  const amounts: Amount[] = []
  let min: number | undefined
  let max: number | undefined
  let currency: string | undefined
  let bare: number | undefined // first currency amount without a cue

  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index]
    const value = token?.word ? parseAmount(token.text) : undefined
    if (value === undefined) continue
    const before = currencyOf(tokens[index - 1], false)
    const after = currencyOf(tokens[index + 1], true)
    const start = before ? index - 1 : index
    const end = after ? index + 1 : index
    const previous = amounts.at(-1)
    const between = tokens.slice(previous ? previous.end + 1 : 0, start)
    // Two bare numbers around a dash are a size or a model ("15-17 inch"), not prices.
    const money = previous?.cue !== undefined || previous?.currency !== undefined || (before ?? after) !== undefined
    const joined = previous !== undefined && money && between.length === 1 && joins(between[0], previous.cue)
    const cue = joined ? undefined : cueBefore(between, matcher)
    const amount: Amount = { value, start, end, currency: before ?? after, cue }
    amounts.push(amount)
    if (amount.currency) currency ??= amount.currency

    if (joined && previous) {
      // A range: the two ends may come in either order ("1200 - 800" is still 800 to 1200).
      min = Math.min(previous.value, value)
      max = Math.max(previous.value, value)
      break
    }
    if (cue === 'max') max ??= value
    else if (cue === 'min') min ??= value
    else if (cue === undefined && amount.currency) bare ??= value
  }

  // An opener whose range never closed ("from $500", "from 500 up to 900") is a minimum.
  const open = amounts.find((amount) => amount.cue === 'opener')
  if (min === undefined && open) min = open.value
  if (min === undefined && max === undefined) max = bare
  if (min !== undefined && max !== undefined && min > max) [min, max] = [max, min]

  const budget: { min?: number; max?: number } = {}
  if (min !== undefined) budget.min = min
  if (max !== undefined) budget.max = max
  const parsed: { budget?: Budget; currency?: string } = {}
  if (budget.min !== undefined || budget.max !== undefined) parsed.budget = budget
  if (currency !== undefined && parsed.budget) parsed.currency = currency
  return parsed
}

/**
 * Parses "1500", "1,500", "1.500", "1.299,99", "1,299.99", "19.99", "2k", "1.5k".
 * The last separator is the decimal point when one or two digits follow it; every other
 * separator groups thousands. Prices never have three decimals, so "1.500" is 1500 in any
 * language, and the rule needs no locale.
 */
export function parseAmount(text: string): number | undefined {
  const match = /^(\d{1,3}(?:[.,]\d{3})+|\d+)(?:[.,](\d{1,2}))?(k)?$/i.exec(text)
  if (!match) return undefined
  const whole = (match[1] ?? '').replace(/[.,]/g, '')
  const value = Number(`${whole}.${match[2] ?? '0'}`) * (match[3] ? 1000 : 1)
  return Number.isFinite(value) && value > 0 ? value : undefined
}

/** The ISO code of a currency token; words only count after the number ("500 euros"). */
function currencyOf(token: Token | undefined, wordsAllowed: boolean): string | undefined {
  if (!token || (token.word && !wordsAllowed)) return undefined
  return CURRENCIES.get(token.text.toLowerCase())
}

/** True when `token` joins two amounts into a range; "and" needs "between" before the first. */
function joins(token: Token | undefined, firstCue: Cue | undefined): boolean {
  const text = token?.text.toLowerCase() ?? ''
  if (!RANGE_JOINERS.has(text)) return false
  return text === 'and' || text === 'und' ? firstCue === 'opener' : true
}

/** The cue whose phrase ends right before an amount, ignoring punctuation ("max. 1500"). */
function cueBefore(tokens: readonly Token[], matcher: WordMatcher): Cue | undefined {
  const words = tokens.filter((token) => token.word).map((token) => token.text)
  const endsWith = (phrase: string): boolean => matcher.endsWith(words, phrase)
  if (MAX_CUES.some(endsWith)) return 'max'
  if (MIN_CUES.some(endsWith)) return 'min'
  if (RANGE_OPENERS.some(endsWith)) return 'opener'
  return undefined
}
