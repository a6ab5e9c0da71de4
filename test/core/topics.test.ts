import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { TOPIC_COUNT, extractTopics, topTopics } from '../../src/core/topics.js'

describe('extractTopics', () => {
  test('lower-cases words', () => {
    expect(extractTopics('Gaming LAPTOPS Bluetooth')).toEqual(['gaming', 'laptops', 'bluetooth'])
  })

  test('drops English stop words and chat filler', () => {
    expect(extractTopics("Hello! I'm looking for gaming laptops under the budget, thanks")).toEqual(['gaming', 'laptops', 'budget'])
  })

  test('drops common verbs, in English and German', () => {
    expect(extractTopics("When will my headphones come? I'm going to see if they came today")).toEqual(['headphones'])
    expect(extractTopics('Wann kommt mein Monitor? Ich möchte sehen, ob er über Nacht geliefert werden kann', 'de')).toEqual([
      'monitor',
      'nacht',
      'geliefert',
    ])
  })

  test("drops stop words written with an apostrophe (don't → dont)", () => {
    expect(extractTopics("Don't show me phones")).toEqual(['phones'])
  })

  test('drops German stop words and keeps words with umlauts', () => {
    expect(extractTopics('Ich suche günstige Kopfhörer für das Büro, bitte mit Bluetooth', 'de')).toEqual([
      'günstige',
      'kopfhörer',
      'büro',
      'bluetooth',
    ])
  })

  test('lower-cases umlauts', () => {
    expect(extractTopics('KOPFHÖRER', 'de')).toEqual(['kopfhörer'])
  })

  test('lower-cases for the given locale', () => {
    expect(extractTopics('İSTANBUL', 'tr')).toEqual(['istanbul'])
  })

  test('drops numbers', () => {
    expect(extractTopics('laptops 2024 under 1500 euro')).toEqual(['laptops', 'euro'])
  })

  test('drops numbers written with decimal or thousands separators', () => {
    expect(extractTopics('laptops under 1,500 euro with 15.5 inch, Kopfhörer für 1.299,99')).toEqual([
      'laptops',
      'euro',
      'inch',
      'kopfhörer',
    ])
  })

  test('drops words under three letters', () => {
    expect(extractTopics('TV go 4k ab')).toEqual([])
    expect(extractTopics('TV usb')).toEqual(['usb'])
  })

  test('lists each word once per text, in order of first appearance', () => {
    expect(extractTopics('laptop bag, Laptop stand, LAPTOP bag')).toEqual(['laptop', 'bag', 'stand'])
  })

  test('ignores punctuation and emoji', () => {
    expect(extractTopics('¿Mouse? — keyboard!!! 🎧🎧 …')).toEqual(['mouse', 'keyboard'])
  })

  test('finds words in Japanese text, which has no spaces', () => {
    const topics = extractTopics('新しいノートパソコンとヘッドホンを探しています。', 'ja')
    expect(topics).toEqual(expect.arrayContaining(['パソコン', 'ヘッドホン']))
    expect(topics.every((word) => word.length >= 2 && !/[。をと]/.test(word))).toBe(true)
  })

  test('keeps two-character words of scripts without spaces, but not of others', () => {
    expect(extractTopics('東京で財布を探しています', 'ja')).toEqual(expect.arrayContaining(['東京', '財布']))
    expect(extractTopics('TV or PC?')).toEqual([])
  })

  test('gives nothing for empty or filler-only text', () => {
    expect(extractTopics('')).toEqual([])
    expect(extractTopics('hi, thanks! ok?')).toEqual([])
  })
})

describe('topTopics', () => {
  test('orders by count, most frequent first', () => {
    expect(topTopics([['bag', 1], ['laptop', 5], ['mouse', 3]])).toEqual(['laptop', 'mouse', 'bag'])
  })

  test('orders ties alphabetically', () => {
    expect(topTopics([['mouse', 2], ['bag', 2], ['laptop', 9], ['cable', 2]])).toEqual(['laptop', 'bag', 'cable', 'mouse'])
  })

  test(`lists at most ${TOPIC_COUNT} topics by default, and any given limit`, () => {
    const counts = ['a1', 'b2', 'c3', 'd4', 'e5', 'f6', 'g7'].map((word, i) => [word, 10 - i] as const)
    expect(topTopics(counts)).toEqual(['a1', 'b2', 'c3', 'd4', 'e5'])
    expect(topTopics(counts, 2)).toEqual(['a1', 'b2'])
  })

  test('leaves out stop words an older version counted', () => {
    expect(topTopics([['come', 9], ['laptop', 3], ['kommt', 2], ['mouse', 1]])).toEqual(['laptop', 'mouse'])
  })

  test('leaves out words counted zero times', () => {
    expect(topTopics([['gone', 0], ['kept', 1]])).toEqual(['kept'])
    expect(topTopics([])).toEqual([])
  })

  test('takes any iterable, such as a Map', () => {
    expect(topTopics(new Map([['mouse', 1], ['laptop', 2]]))).toEqual(['laptop', 'mouse'])
  })

  test('gives the same list whatever the order of its input', () => {
    const entries = fc.uniqueArray(fc.tuple(fc.string({ minLength: 1, maxLength: 6 }), fc.nat(5)), { selector: ([word]) => word, maxLength: 20 })
    const withShuffle = entries.chain((counts) =>
      fc.tuple(fc.constant(counts), fc.shuffledSubarray(counts, { minLength: counts.length, maxLength: counts.length })),
    )
    fc.assert(
      fc.property(withShuffle, ([counts, shuffled]) => {
        const top = topTopics(counts)
        expect(topTopics(shuffled)).toEqual(top)
        expect(top.length).toBeLessThanOrEqual(TOPIC_COUNT)
        const countOf = new Map(counts)
        for (let i = 1; i < top.length; i++) expect(countOf.get(top[i - 1]!)!).toBeGreaterThanOrEqual(countOf.get(top[i]!)!)
      }),
    )
  })
})
