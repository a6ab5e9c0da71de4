/**
 * Locale-aware word handling for the rule-based shop assistant: splitting text into
 * tokens with `Intl.Segmenter`, and comparing words with an `Intl.Collator` of base
 * sensitivity, so that case and accents never decide a match ("Kopfhörer" = "kopfhorer").
 *
 * Internal: not part of the package's public API.
 */
import { segmentWords } from '../core/segment-words.js'

/** One piece of a message: a word or number (`word: true`), or a symbol such as `$` or `-`. */
export interface Token {
  readonly text: string
  readonly word: boolean
}

const collators = new Map<string, Intl.Collator>()
const phraseCache = new Map<string, readonly string[]>()

/**
 * Splits `text` into tokens, dropping whitespace. Numbers with separators stay whole
 * ("1,500", "1.299,99"); currency symbols and dashes become tokens of their own.
 */
export function tokenize(text: string, locale = 'en'): Token[] {
  const tokens: Token[] = []
  for (const { segment, isWordLike } of segmentWords(text, locale)) {
    if (segment.trim() !== '') tokens.push({ text: segment, word: isWordLike })
  }
  return tokens
}

/** The words of `text` (tokens that are words or numbers), in order. */
export function splitWords(text: string, locale = 'en'): string[] {
  return tokenize(text, locale)
    .filter((token) => token.word)
    .map((token) => token.text)
}

/** Compares words of one language: equal ignoring case and accents, singular or plural. */
export interface WordMatcher {
  /** True when `a` and `b` are the same word, up to case, accents and a plural ending. */
  same(a: string, b: string): boolean
  /** Index in `words` where every word of `phrase` follows in order, or -1. */
  find(words: readonly string[], phrase: string): number
  /** True when any of `phrases` occurs in `words`. */
  has(words: readonly string[], phrases: readonly string[]): boolean
  /** True when `words` ends with every word of `phrase`, in order. */
  endsWith(words: readonly string[], phrase: string): boolean
  /** True when the words of `phrase` follow in order from `words[index]` on. */
  startsAt(words: readonly string[], index: number, phrase: string): boolean
}

/** A matcher comparing words the way speakers of `locale` do (`Intl.Collator`, base sensitivity). */
export function wordMatcher(locale: string): WordMatcher {
  let collator = collators.get(locale)
  if (!collator) {
    collator = new Intl.Collator(locale, { sensitivity: 'base' })
    collators.set(locale, collator)
  }
  const equal = (a: string, b: string): boolean => collator.compare(a, b) === 0
  const same = (a: string, b: string): boolean =>
    equal(a, b) || equal(singular(a), singular(b))
  const startsAt = (words: readonly string[], index: number, phrase: string): boolean => {
    const parts = phraseWords(phrase)
    if (parts.length === 0 || index < 0 || index + parts.length > words.length) return false
    return parts.every((part, offset) => same(words[index + offset] ?? '', part))
  }
  const find = (words: readonly string[], phrase: string): number => {
    for (let index = 0; index < words.length; index++) {
      if (startsAt(words, index, phrase)) return index
    }
    return -1
  }
  return {
    same,
    find,
    startsAt,
    has: (words, phrases) => phrases.some((phrase) => find(words, phrase) !== -1),
    endsWith: (words, phrase) => startsAt(words, words.length - phraseWords(phrase).length, phrase),
  }
}

/**
 * A crude singular: "laptops" → "laptop", "batteries" → "battery", "Kameras" → "kamera".
 * Only plain endings are stripped, and never from short words ("is", "has", "less"),
 * because a wrong stem here makes two unrelated words equal.
 */
export function singular(word: string): string {
  const lower = word.toLowerCase()
  if (lower.length > 4 && lower.endsWith('ies')) return `${lower.slice(0, -3)}y`
  if (lower.length > 3 && lower.endsWith('s') && !lower.endsWith('ss')) return lower.slice(0, -1)
  return lower
}

/** The words of a phrase from a phrase table, segmented once and cached. */
function phraseWords(phrase: string): readonly string[] {
  let words = phraseCache.get(phrase)
  if (!words) {
    words = splitWords(phrase)
    phraseCache.set(phrase, words)
  }
  return words
}
