/**
 * Search words: how a message is split, normalized and keyed for the search index, how a
 * query is parsed, and where a query's terms occur in a message. Index, query and highlight
 * all go through `pieces` and the two normalizers below, so they always agree.
 *
 * - Scripts written with spaces (Latin, Cyrillic, Greek, Hangul, Arabic…): words by Unicode's
 *   word rules (the plain split of `segment-words`, which finds Intl.Segmenter's words there).
 * - Scripts written without spaces (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar): a
 *   dictionary split depends on the context (Intl.Segmenter splits 笔记本 as 笔记|本, and
 *   มือถือ as มือ|ถือ), so a query would often miss words it is part of. Runs of these
 *   scripts are indexed by overlapping character pairs instead, plus their last character,
 *   and a query run is found as a substring. Intl.Segmenter's words only rank: a match on
 *   word boundaries counts as a whole-word match.
 * - Case and accents do not matter: NFKD, the diacritics of Latin, Greek and Cyrillic letters
 *   dropped, lower case, ß → ss (and æ, œ, ø, ł, đ, ð, þ, ı folded likewise), everything but
 *   letters, marks and digits dropped ("don't" is found by "dont", "1,500" by "1500"), then
 *   NFC. Marks that make other letters (Thai vowel signs, Japanese voicing marks) stay.
 *
 * Bounds: at most `MAX_INDEX_WORDS` distinct words per message are indexed (in the order
 * they appear; a longer message is found by its first ones), and words are cut to
 * `MAX_WORD_LENGTH` UTF-16 units (a longer word is found by its beginning).
 */
import type { ChatMessage } from './protocol.js'
import { plainWords } from './segment-words.js'

/** Most distinct words (or character pairs) indexed per message, the empty word included. */
export const MAX_INDEX_WORDS = 500
/** Longest word kept, in UTF-16 units; longer words are cut (in index and query alike). */
export const MAX_WORD_LENGTH = 40
/**
 * Shortest last word matched as a prefix too: a single letter begins too many words to look
 * them all up, so it is matched as a whole word. (One Chinese or Japanese character is a
 * substring like any other.)
 */
export const MIN_PREFIX_LENGTH = 2
/** Most terms of a query that are looked for; later ones are ignored. */
export const MAX_QUERY_TERMS = 16

/**
 * Separates a word from the time in an index key: `word + KEY_SEPARATOR + time`. Below every
 * character a word can hold, so that a word's keys sort together, oldest first.
 */
export const KEY_SEPARATOR = '\u0001'

/** One term of a parsed query. */
export interface SearchTerm {
  /** The normalized text. */
  readonly text: string
  /** A run of a script written without spaces: found as a substring, not as a word. */
  readonly dense: boolean
  /** The last word of a query that does not end in white space: it also finds the words it begins. */
  readonly prefix: boolean
}

/** A range of the index a term is looked up in: keys of the word `text`, or of every word that begins with it. */
export interface IndexLookup {
  readonly text: string
  readonly prefix: boolean
}

/** Where a query matched one message, and how well. */
export interface TermMatch {
  /** `[start, end)` UTF-16 offsets into the content, sorted and not overlapping. */
  readonly ranges: Array<readonly [number, number]>
  /** 1 when every term matched whole words; a term matched only as part of a word counts half. */
  readonly score: number
}

// ── Normalization ─────────────────────────────────────────────────────────────

/** Diacritics of Latin, Greek and Cyrillic letters, as NFKD leaves them. */
const DIACRITICS = /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/g
/** Letters without a decomposition that a reader takes for others (final sigma: σ). */
const FOLDS: { readonly [letter: string]: string } = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ł: 'l', đ: 'd', ð: 'd', þ: 'th', ı: 'i', ς: 'σ' }
const FOLDABLE = /[ßæœøłđðþıς]/g
/** What joins a word's parts ("don't", "e.g", "1,500") or NFKD adds ("½" → "1⁄2"): dropped. */
const NOT_WORD = /[^\p{L}\p{M}\p{N}_]/gu
const NOT_ASCII_WORD = /[^a-z0-9_]/g
const NOT_ASCII = /[^\u0000-\u007f]/

/**
 * Text as the index compares it (see the module notes): case and accents folded, and only
 * letters, marks, digits and `_` kept, so a normalized word is one word again when it is
 * searched for ("don't" and "dont" are the same, so are "1,500" and "1500").
 */
export function normalizeText(text: string): string {
  if (!NOT_ASCII.test(text)) return text.toLowerCase().replace(NOT_ASCII_WORD, '')
  return text
    .normalize('NFKD')
    .replace(DIACRITICS, '')
    .toLowerCase()
    .replace(FOLDABLE, (letter) => FOLDS[letter] ?? letter)
    .replace(NOT_WORD, '')
    .normalize('NFC')
}

/** A word as the index keeps it: normalized and cut to `MAX_WORD_LENGTH` (never inside a surrogate pair). */
export function normalizeWord(word: string): string {
  const text = normalizeText(word)
  if (text.length <= MAX_WORD_LENGTH) return text
  const high = text.charCodeAt(MAX_WORD_LENGTH - 1)
  return text.slice(0, high >= 0xd800 && high <= 0xdbff ? MAX_WORD_LENGTH - 1 : MAX_WORD_LENGTH)
}

// ── Splitting ─────────────────────────────────────────────────────────────────

const DENSE_SCRIPTS = '\\p{scx=Han}\\p{scx=Hiragana}\\p{scx=Katakana}\\p{scx=Thai}\\p{scx=Lao}\\p{scx=Khmer}\\p{scx=Myanmar}'
const HAS_DENSE = new RegExp(`[${DENSE_SCRIPTS}]`, 'u')
// One character of a dense script (a letter, digit or mark, not punctuation) with the marks
// that follow it; half-width voicing marks (ｶﾞ) are letters, yet belong to the one before.
const CLUSTER = `(?=[\\p{L}\\p{N}\\p{M}])[${DENSE_SCRIPTS}][\\p{M}\\uff9e\\uff9f]*`
const RUN = new RegExp(`(?:${CLUSTER})+`, 'gu')
const CLUSTERS = new RegExp(CLUSTER, 'gu')

/** A word of a script with spaces, or a run of a script without; `raw` as written, at `start`. */
interface Piece {
  readonly dense: boolean
  readonly raw: string
  readonly start: number
}

/** The words and dense runs of `text`, in order. Text without dense scripts takes the plain split alone. */
function* pieces(text: string): Generator<Piece> {
  if (!HAS_DENSE.test(text)) {
    yield* words(text, 0)
    return
  }
  let at = 0
  for (const run of text.matchAll(RUN)) {
    yield* words(text.slice(at, run.index), at)
    yield { dense: true, raw: run[0], start: run.index }
    at = run.index + run[0].length
  }
  yield* words(text.slice(at), at)
}

function* words(text: string, offset: number): Generator<Piece> {
  for (const match of plainWords(text)) yield { dense: false, raw: match[0], start: offset + match.index }
}

/**
 * A dense run normalized cluster by cluster, with the original offsets of each normalized
 * UTF-16 unit (`starts[i]`, `ends[i]`): the index and the highlighter read the same text.
 */
function mapRun(raw: string, offset: number): { text: string; starts: number[]; ends: number[] } {
  let text = ''
  const starts: number[] = []
  const ends: number[] = []
  for (const cluster of raw.matchAll(CLUSTERS)) {
    const normalized = normalizeText(cluster[0])
    const start = offset + cluster.index
    for (let i = 0; i < normalized.length; i++) {
      starts.push(start)
      ends.push(start + cluster[0].length)
    }
    text += normalized
  }
  return { text, starts, ends }
}

const normalizeRun = (raw: string): string => mapRun(raw, 0).text

/** The keys of a normalized dense run: each pair of neighbouring characters, and the last character alone. */
function* runKeys(text: string): Generator<string> {
  const chars = Array.from(text)
  for (let i = 0; i + 1 < chars.length; i++) yield chars[i]! + chars[i + 1]!
  if (chars.length > 0) yield chars[chars.length - 1]!
}

// ── Index ─────────────────────────────────────────────────────────────────────

/** Timestamps as nine base-36 digits, so that keys sort by time (good until the year 5188). */
const STAMP_DIGITS = 9
const MAX_STAMP = 36 ** STAMP_DIGITS - 1

/** The time part of index keys: the message's timestamp, sortable as text. */
export function timeStamp(timestamp: number): string {
  const ms = Number.isFinite(timestamp) ? Math.min(Math.max(Math.floor(timestamp), 0), MAX_STAMP) : 0
  return ms.toString(36).padStart(STAMP_DIGITS, '0')
}

/**
 * The word under which the index lists every message: the empty word, a prefix of every
 * word. A search reads it newest first for a prefix that begins many words.
 */
export const EVERY_MESSAGE = ''

/**
 * The search index keys of a message (its `words` row field): the empty word
 * (`EVERY_MESSAGE`), each distinct normalized word, and each character pair of its dense
 * runs, followed by `KEY_SEPARATOR` and the message's time, so that a word's messages come
 * newest last in the index and a search can read them newest first. At most
 * `MAX_INDEX_WORDS` words, the first ones of the message.
 *
 * @example
 * searchWords({ id: 'm1', content: 'Café au lait?', sender: 'user', timestamp: 0, type: 'text' })
 * // ['\u0001000000000', 'cafe\u0001000000000', 'au\u0001000000000', 'lait\u0001000000000']
 */
export function searchWords(message: ChatMessage): string[] {
  const content = typeof message.content === 'string' ? message.content : ''
  const seen = new Set<string>([EVERY_MESSAGE])
  add: for (const piece of pieces(content)) {
    if (!piece.dense) {
      const word = normalizeWord(piece.raw)
      if (word !== '') seen.add(word)
      if (seen.size >= MAX_INDEX_WORDS) break
      continue
    }
    for (const key of runKeys(normalizeRun(piece.raw))) {
      seen.add(key)
      if (seen.size >= MAX_INDEX_WORDS) break add
    }
  }
  const suffix = KEY_SEPARATOR + timeStamp(message.timestamp)
  return Array.from(seen, (word) => word + suffix)
}

/** The word of an index key (what precedes `KEY_SEPARATOR`). */
export function keyWord(key: string): string {
  const at = key.indexOf(KEY_SEPARATOR)
  return at === -1 ? key : key.slice(0, at)
}

// ── Query ─────────────────────────────────────────────────────────────────────

const ENDS_IN_SPACE = /\s$/u

/**
 * The query normalizer: a query's terms, normalized as the index is, in order and without
 * repeats (at most `MAX_QUERY_TERMS`). The last word is a prefix too unless the query ends in
 * white space (the user has finished typing it) or is shorter than `MIN_PREFIX_LENGTH`. Empty
 * for a query without words.
 *
 * @example
 * parseQuery('Straße caf') // [{ text: 'strasse', … prefix: false }, { text: 'caf', … prefix: true }]
 */
export function parseQuery(query: string): SearchTerm[] {
  const terms: SearchTerm[] = []
  for (const piece of pieces(query)) {
    const text = piece.dense ? normalizeRun(piece.raw) : normalizeWord(piece.raw)
    if (text !== '') terms.push({ text, dense: piece.dense, prefix: false })
  }
  const last = terms.pop()
  if (last) terms.push(last.dense || last.text.length < MIN_PREFIX_LENGTH || ENDS_IN_SPACE.test(query) ? last : { ...last, prefix: true })
  const unique = new Map<string, SearchTerm>()
  for (const term of terms) {
    const key = `${term.dense ? 'd' : 'w'}:${term.text}`
    const before = unique.get(key)
    // The same word typed whole earlier must match whole: the prefix adds nothing.
    unique.set(key, before ? { ...before, prefix: before.prefix && term.prefix } : term)
  }
  return [...unique.values()].slice(0, MAX_QUERY_TERMS)
}

/**
 * The index lookups that find a query's candidates (AND): a word as itself (the typed last
 * word as a prefix); a dense run of one character as a prefix of the index's pairs, a longer
 * one by pairs that cover it (the match itself is checked on the text: pairs do not say
 * that they are neighbours).
 */
export function lookupsOf(terms: readonly SearchTerm[]): IndexLookup[] {
  const lookups = new Map<string, IndexLookup>()
  const add = (text: string, prefix: boolean) => lookups.set(`${prefix ? 'p' : 'w'}:${text}`, { text, prefix })
  for (const term of terms) {
    if (!term.dense) {
      add(term.text, term.prefix)
      continue
    }
    const chars = Array.from(term.text)
    if (chars.length === 1) add(term.text, true)
    for (let i = 0; i + 1 < chars.length; i += 2) add(chars[i]! + chars[i + 1]!, false)
    if (chars.length > 1 && chars.length % 2 === 1) add(chars[chars.length - 2]! + chars[chars.length - 1]!, false)
  }
  return [...lookups.values()]
}

// ── Matching and highlighting ─────────────────────────────────────────────────

const segmenter = typeof Intl.Segmenter === 'function' ? new Intl.Segmenter(undefined, { granularity: 'word' }) : undefined

/** The word boundaries of a dense run (offsets into the whole text); without Intl.Segmenter, its ends. */
function boundaries(piece: Piece): Set<number> {
  const end = piece.start + piece.raw.length
  const found = new Set([piece.start, end])
  if (segmenter) for (const { index } of segmenter.segment(piece.raw)) found.add(piece.start + index)
  return found
}

/** Per term, 0: not found, 1: found inside a word (prefix or dense substring), 2: found as whole words. */
function scan(content: string, terms: readonly SearchTerm[]): { ranges: Array<readonly [number, number]>; found: number[] } {
  const found = terms.map(() => 0)
  const ranges: Array<readonly [number, number]> = []
  const hasDense = terms.some((term) => term.dense)
  for (const piece of pieces(content)) {
    if (!piece.dense) {
      const word = normalizeWord(piece.raw)
      terms.forEach((term, i) => {
        if (term.dense) return
        const whole = word === term.text
        if (!whole && !(term.prefix && word.startsWith(term.text))) return
        found[i] = Math.max(found[i]!, whole ? 2 : 1)
        ranges.push([piece.start, piece.start + piece.raw.length])
      })
      continue
    }
    if (!hasDense) continue
    const run = mapRun(piece.raw, piece.start)
    let edges: Set<number> | undefined
    terms.forEach((term, i) => {
      if (!term.dense) return
      for (let at = run.text.indexOf(term.text); at !== -1; at = run.text.indexOf(term.text, at + 1)) {
        const start = run.starts[at]!
        const end = run.ends[at + term.text.length - 1]!
        edges ??= boundaries(piece)
        found[i] = Math.max(found[i]!, edges.has(start) && edges.has(end) ? 2 : 1)
        ranges.push([start, end])
      }
    })
  }
  return { ranges: merge(ranges), found }
}

/** Sorted ranges with overlapping and touching ones joined. */
function merge(ranges: Array<readonly [number, number]>): Array<readonly [number, number]> {
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1])
  const out: Array<[number, number]> = []
  for (const [start, end] of ranges) {
    const last = out[out.length - 1]
    if (last && start <= last[1]) last[1] = Math.max(last[1], end)
    else out.push([start, end])
  }
  return out
}

/**
 * Whether `content` holds every term, where, and how well: `undefined` when a term is
 * missing. The same test the index approximates, so it decides what a search answers.
 */
export function matchTerms(content: string, terms: readonly SearchTerm[]): TermMatch | undefined {
  if (terms.length === 0) return undefined
  const { ranges, found } = scan(content, terms)
  if (found.includes(0)) return undefined
  return { ranges, score: found.reduce((sum, quality) => sum + quality / 2, 0) / terms.length }
}

/**
 * Where the words of `query` occur in `text`, for highlighting: `[start, end)` UTF-16
 * offsets, sorted and not overlapping. Every term found counts, also when others are not.
 *
 * @example
 * highlightRanges('Your café order shipped', 'cafe ord') // [[5, 9], [10, 15]]
 */
export function highlightRanges(text: string, query: string): Array<readonly [number, number]> {
  return scan(text, parseQuery(query)).ranges
}
