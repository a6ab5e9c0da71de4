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
// A word (letters, digits, marks, with inner separators as in "1,500" or "don't"), a run of spaces, or one other character.
const FALLBACK = /[\p{L}\p{N}](?:[\p{L}\p{N}\p{M}]|[.,'’_-](?=[\p{L}\p{N}]))*|\s+|[^\s]/gu

/** The segments of `text`, words marked. */
export function segmentWords(text: string, locale?: string): Iterable<Segment> {
  if (typeof Intl.Segmenter !== 'function') return fallback(text)
  const key = locale ?? ''
  let segmenter = segmenters.get(key)
  if (!segmenter) {
    segmenter = new Intl.Segmenter(locale, { granularity: 'word' })
    segmenters.set(key, segmenter)
  }
  return [...segmenter.segment(text)].map(({ segment, isWordLike }) => ({ segment, isWordLike: isWordLike === true }))
}

function* fallback(text: string): Generator<Segment> {
  for (const [segment] of text.matchAll(FALLBACK)) yield { segment, isWordLike: /^[\p{L}\p{N}]/u.test(segment) }
}
