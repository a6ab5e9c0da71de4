/**
 * Word segmentation with `Intl.Segmenter`, cached per locale, and a plain fallback for
 * engines without it (Firefox before 125): letters and digits form words, so languages
 * with spaces still work there; languages without spaces get whole runs as one word.
 */

export interface Segment {
  readonly segment: string
  readonly isWordLike: boolean
}

const segmenters = new Map<string, Intl.Segmenter>()
// Words as Unicode's word-boundary rules (UAX #29) join them, for scripts with spaces:
// letters, marks and digits run together; an apostrophe, period, colon or middle dot joins
// letters ("don't"), a period, comma, semicolon or apostrophe joins digits ("1,500"); a
// hyphen never joins. Anything else that is not a space stands alone.
const WORD_CHAR = '[\\p{L}\\p{M}\\p{N}_]'
const WORD = `${WORD_CHAR}+(?:(?:(?<=[\\p{L}\\p{M}])['’.:·](?=\\p{L})|(?<=\\p{N})[.,;'’](?=\\p{N}))${WORD_CHAR}+)*`
const FALLBACK = new RegExp(`${WORD}|\\s+|[^\\s]`, 'gu')
const WORDS_ONLY = new RegExp(WORD, 'gu')
// Without a joining mark between two word characters a word is a plain run, which a simpler
// pattern finds several times faster (most chat messages).
const PLAIN_WORD = new RegExp(`${WORD_CHAR}+`, 'gu')
const JOINER = new RegExp(`${WORD_CHAR}['’.:·,;]${WORD_CHAR}`, 'u')

// Scripts written without spaces: only Intl.Segmenter finds their words.
const DENSE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u

/**
 * The segments of `text`, words marked. Text in scripts with spaces between words takes the
 * plain split, which gives the same words an order of magnitude faster; the rest goes
 * through `Intl.Segmenter` (when there is one).
 */
export function segmentWords(text: string, locale?: string): Iterable<Segment> {
  if (typeof Intl.Segmenter !== 'function' || !DENSE.test(text)) return fallback(text)
  const key = locale ?? ''
  let segmenter = segmenters.get(key)
  if (!segmenter) {
    segmenter = new Intl.Segmenter(locale, { granularity: 'word' })
    segmenters.set(key, segmenter)
  }
  return [...segmenter.segment(text)].map(({ segment, isWordLike }) => ({ segment, isWordLike: isWordLike === true }))
}

/** Only the words of `text`, in order: what topic extraction needs, without the segments between them. */
export function wordsOf(text: string, locale?: string): string[] {
  if (typeof Intl.Segmenter !== 'function' || !DENSE.test(text)) return text.match(JOINER.test(text) ? WORDS_ONLY : PLAIN_WORD) ?? []
  const words: string[] = []
  for (const { segment, isWordLike } of segmentWords(text, locale)) if (isWordLike) words.push(segment)
  return words
}

/**
 * The words of `text` by the plain split alone, with their offsets (`match.index`): what
 * `wordsOf` finds in text without scripts written without spaces. For search and highlighting.
 */
export function plainWords(text: string): IterableIterator<RegExpExecArray> {
  return text.matchAll(JOINER.test(text) ? WORDS_ONLY : PLAIN_WORD)
}

function* fallback(text: string): Generator<Segment> {
  for (const [segment] of text.matchAll(FALLBACK)) yield { segment, isWordLike: /^[\p{L}\p{N}]/u.test(segment) }
}
