import { afterEach, describe, expect, test, vi } from 'vitest'
import { segmentWords } from '../../src/core/segment-words.js'
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
