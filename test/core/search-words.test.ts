import fc from 'fast-check'
import { afterEach, describe, expect, test, vi } from 'vitest'
import {
  EVERY_MESSAGE,
  KEY_SEPARATOR,
  MAX_INDEX_WORDS,
  MAX_QUERY_TERMS,
  MAX_WORD_LENGTH,
  highlightRanges,
  keyWord,
  lookupsOf,
  matchTerms,
  normalizeText,
  normalizeWord,
  parseQuery,
  searchWords,
  timeStamp,
} from '../../src/core/search-words.js'
import type { ChatMessage } from '../../src/core/protocol.js'

const message = (content: string, timestamp = 1_700_000_000_000): ChatMessage => ({ id: 'm1', content, sender: 'user', timestamp, type: 'text' })
/** The words a message is indexed under, without the time and the empty word. */
const wordsOf = (content: string) => searchWords(message(content)).map(keyWord).filter((word) => word !== EVERY_MESSAGE)
/** The text each highlighted range covers. */
const marked = (content: string, query: string) => highlightRanges(content, query).map(([start, end]) => content.slice(start, end))

describe('normalization', () => {
  test.each([
    ['Café', 'cafe'],
    ['Straße', 'strasse'],
    ['GRÖSSE', 'grosse'],
    ['Größe', 'grosse'],
    ['naïve', 'naive'],
    ['ΟΔΟΣ', 'οδοσ'],
    ['Łódź', 'lodz'],
    ['İstanbul', 'istanbul'],
    ['ＡＢＣ１２３', 'abc123'],
    ['ﬁne', 'fine'],
    ["don't", 'dont'],
    ['1,500', '1500'],
    ['½', '12'],
  ])('%s is compared as %s', (word, normalized) => {
    expect(normalizeWord(word)).toBe(normalized)
  })

  test('keeps the marks that make letters of other scripts', () => {
    expect(normalizeText('ที่')).toBe('ที่') // a Thai consonant with a vowel and a tone mark
    expect(normalizeText('が')).toBe('が')
    expect(parseQuery('ｶﾞ')[0]!.text).toBe(parseQuery('ガ')[0]!.text) // half-width kana with its voicing mark
  })

  test(`cuts words to ${MAX_WORD_LENGTH} units, never inside a surrogate pair`, () => {
    expect(normalizeWord('a'.repeat(100))).toBe('a'.repeat(MAX_WORD_LENGTH))
    const straddling = `${'a'.repeat(MAX_WORD_LENGTH - 1)}𠀀b` // 𠀀, a letter outside the BMP, would straddle the cut
    expect(normalizeWord(straddling)).toBe('a'.repeat(MAX_WORD_LENGTH - 1))
  })
})

describe('searchWords', () => {
  test('keys each distinct word once, with the message time, after the empty word', () => {
    const keys = searchWords(message('Order the order, then ORDER!', 1_000))
    const stamp = timeStamp(1_000)
    expect(keys).toEqual([EVERY_MESSAGE, 'order', 'the', 'then'].map((word) => word + KEY_SEPARATOR + stamp))
  })

  test('times sort as text in the order of the numbers', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), (a, b) => {
        const [x, y] = [Math.min(a, b), Math.max(a, b)]
        expect(timeStamp(x) <= timeStamp(y)).toBe(true)
        if (x < y) expect(timeStamp(x) < timeStamp(y)).toBe(true)
      }),
    )
    expect(timeStamp(Date.UTC(2026, 0, 1)) < timeStamp(Date.UTC(2026, 0, 1) + 1)).toBe(true)
  })

  test('indexes runs of Chinese, Japanese and Thai by character pairs and their last character', () => {
    expect(wordsOf('我想买笔记本')).toEqual(['我想', '想买', '买笔', '笔记', '记本', '本'])
    expect(wordsOf('東京タワー')).toEqual(['東京', '京タ', 'タワ', 'ワー', 'ー'])
    expect(wordsOf('Tシャツ size M')).toEqual(['t', 'シャ', 'ャツ', 'ツ', 'size', 'm'])
    expect(wordsOf('มือถือ')).toContain('มื')
  })

  test(`keeps at most ${MAX_INDEX_WORDS} words of a long message, the first ones`, () => {
    const content = Array.from({ length: 800 }, (_, i) => `w${i}`).join(' ')
    const words = wordsOf(content)
    expect(words).toHaveLength(MAX_INDEX_WORDS - 1) // and the empty word
    expect(words[0]).toBe('w0')
    expect(words).not.toContain('w700')
  })

  test('every word a message is indexed under finds it, as itself', () => {
    const alphabet = [...'abcxyzÀéüßøİςΣ0159', "'", '.', ',', ' ', ' ', '-', '½', 'ﬁ', 'Ａ', ...'我想买笔记本東京タワーがｶﾞมือถือที่']
    const text = fc.array(fc.constantFrom(...alphabet), { maxLength: 60 }).map((chars) => chars.join(''))
    fc.assert(
      fc.property(text, (content) => {
        const keys = searchWords(message(content))
        for (const word of keys.map(keyWord)) {
          if (word === EVERY_MESSAGE) continue
          const terms = parseQuery(`${word} `)
          expect(terms.map((term) => term.text)).toEqual([word])
          // The index finds the message by the word's lookups, and its text holds the word.
          for (const lookup of lookupsOf(terms)) {
            expect(keys.some((key) => (lookup.prefix ? key.startsWith(lookup.text) : keyWord(key) === lookup.text))).toBe(true)
          }
          expect(matchTerms(content, terms)).toBeDefined()
        }
      }),
      { numRuns: 300 },
    )
  })
})

describe('parseQuery', () => {
  test('takes the last word as a prefix too, unless the query ends in a space', () => {
    expect(parseQuery('refund ord')).toEqual([
      { text: 'refund', dense: false, prefix: false },
      { text: 'ord', dense: false, prefix: true },
    ])
    expect(parseQuery('refund order ').map((term) => term.prefix)).toEqual([false, false])
  })

  test('takes a one-letter last word whole, and Chinese text as a substring', () => {
    expect(parseQuery('laptop a')[1]).toEqual({ text: 'a', dense: false, prefix: false })
    expect(parseQuery('笔记')).toEqual([{ text: '笔记', dense: true, prefix: false }])
  })

  test('drops repeats and punctuation, and answers nothing for a query without words', () => {
    expect(parseQuery('Order, order? ORDER').map((term) => term.text)).toEqual(['order'])
    expect(parseQuery('  !?… ')).toEqual([])
    expect(parseQuery('')).toEqual([])
  })

  test(`looks for at most ${MAX_QUERY_TERMS} terms`, () => {
    expect(parseQuery(Array.from({ length: 30 }, (_, i) => `w${i}`).join(' '))).toHaveLength(MAX_QUERY_TERMS)
  })

  test('looks dense runs up by pairs that cover them, one character as a prefix', () => {
    expect(lookupsOf(parseQuery('笔记本电脑'))).toEqual([
      { text: '笔记', prefix: false },
      { text: '本电', prefix: false },
      { text: '电脑', prefix: false },
    ])
    expect(lookupsOf(parseQuery('书'))).toEqual([{ text: '书', prefix: true }])
  })
})

describe('matching and highlighting', () => {
  test('marks the words as written, accents and case included', () => {
    expect(marked('Your Café order shipped', 'cafe ord')).toEqual(['Café', 'order'])
    expect(marked('Die Straße ist lang', 'STRASSE')).toEqual(['Straße'])
    expect(highlightRanges('Your Café order shipped', 'cafe ord')).toEqual([
      [5, 9],
      [10, 15],
    ])
  })

  test('scores whole words 1 and a word found as a prefix half', () => {
    expect(matchTerms('my order shipped', parseQuery('order shipped'))?.score).toBe(1)
    expect(matchTerms('my order shipped', parseQuery('order ship'))?.score).toBe(0.75)
    expect(matchTerms('my order shipped', parseQuery('order ship '))).toBeUndefined() // "ship" typed whole
    expect(matchTerms('my order shipped', parseQuery('refund ship'))).toBeUndefined()
  })

  test('finds Chinese, Japanese and Thai inside words, whole words scoring higher', () => {
    const chinese = '我想买一台笔记本电脑'
    expect(marked(chinese, '记本电')).toEqual(['记本电'])
    expect(matchTerms(chinese, parseQuery('记本电'))?.score).toBe(0.5) // starts inside 笔记
    expect(matchTerms(chinese, parseQuery('电脑'))?.score).toBe(1)
    expect(marked('东京タワーに行きました', 'タワー')).toEqual(['タワー'])
    expect(marked('東京タワー', '京')).toEqual(['京'])
    expect(marked('ฉันอยากซื้อโทรศัพท์มือถือ', 'มือถือ')).toEqual(['มือถือ'])
    expect(matchTerms('ฉันอยากซื้อโทรศัพท์มือถือ', parseQuery('ถือ'))).toBeDefined()
  })

  test('maps matches back over half-width kana and their voicing marks', () => {
    expect(marked('ｶﾞｲﾄﾞ', 'ガイド')).toEqual(['ｶﾞｲﾄﾞ'])
  })

  test('joins overlapping ranges', () => {
    expect(highlightRanges('笔记本', '笔记 记本')).toEqual([[0, 3]])
  })
})

describe('without Intl.Segmenter', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
    vi.resetModules()
  })

  test('splits on letters and digits, and counts a dense match whole only when it fills its run', async () => {
    vi.stubGlobal('Intl', { ...Intl, Segmenter: undefined })
    vi.resetModules()
    const words = await import('../../src/core/search-words.js')
    expect(words.highlightRanges("Where's my café order #4411?", 'cafe 4411')).toEqual([
      [11, 15],
      [23, 27],
    ])
    expect(words.matchTerms('笔记本电脑', words.parseQuery('电脑'))?.score).toBe(0.5)
    expect(words.matchTerms('笔记本电脑', words.parseQuery('笔记本电脑'))?.score).toBe(1)
  })
})
