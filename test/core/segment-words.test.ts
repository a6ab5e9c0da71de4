import { afterEach, describe, expect, test, vi } from 'vitest'
import { segmentWords, wordsOf } from '../../src/core/segment-words.js'
import { extractTopics } from '../../src/core/topics.js'

const words = (text: string) => [...segmentWords(text, 'en')].filter((s) => s.isWordLike).map((s) => s.segment)

describe('segmentWords', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
  })

  test('splits words with Intl.Segmenter', () => {
    expect(words("I'm looking for 2 laptops under 1,500!")).toEqual(["I'm", 'looking', 'for', '2', 'laptops', 'under', '1,500'])
  })

  test('falls back to letters and digits where Intl.Segmenter is missing', () => {
    vi.stubGlobal('Intl', { ...Intl, Segmenter: undefined })
    expect(words("I'm looking for 2 laptops under 1,500!")).toEqual(["I'm", 'looking', 'for', '2', 'laptops', 'under', '1,500'])
    expect(extractTopics('Gaming laptops, gaming mice – Kopfhörer?')).toEqual(['gaming', 'laptops', 'mice', 'kopfhörer'])
  })
})

describe('the plain split', () => {
  const viaSegmenter = (text: string) =>
    [...new Intl.Segmenter('en', { granularity: 'word' }).segment(text)].filter((s) => s.isWordLike).map((s) => s.segment)

  test.each([
    "I'm looking for gaming laptops under $1500",
    'laptops 800-1200 euro, or a 15-inch one for 1.299,99 €',
    "Where's my order #4411? It hasn't arrived (since Monday).",
    'Die Zahlung wurde abgelehnt: Fehler 0x80; bitte prüfen…',
    'RTX4090 vs. i7-13700K — which one? e-mail me at ann@example.com',
    'Kopfhörer für 199,99 € – geht das?',
  ])('finds the same words as Intl.Segmenter in %s', (text) => {
    vi.stubGlobal('Intl', { ...Intl, Segmenter: undefined })
    const plain = words(text)
    vi.unstubAllGlobals()
    expect(plain).toEqual(viaSegmenter(text))
    expect(wordsOf(text)).toEqual(viaSegmenter(text))
  })
})
