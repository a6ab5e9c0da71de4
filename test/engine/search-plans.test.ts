/**
 * Search query plans that read on through the rows of the rarest word, and the tiers of a
 * typed word: each corpus is built so that a plan that stops on the wrong matches, or that
 * takes the wrong word as the rarest, answers differently from the reference (every stored
 * row matched on its text, best score first, then newest).
 */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { afterEach, describe, expect, test } from 'vitest'
import { createEngine, type Engine } from 'companion-chat/worker'
import { CHAT_CONFIG, PROTOCOL_VERSION, type ChatMessage, type EngineApi, type SearchHit } from 'companion-chat'
import { matchTerms, parseQuery } from '../../src/core/search-words.js'
import { uniqueName } from '../helpers/client.js'
import { lastSearchWork } from '../../worker/search.js'

const engines: Engine[] = []
afterEach(async () => {
  await Promise.all(engines.splice(0).map((engine) => engine.close()))
})

/** An engine whose main chat holds `contents`, oldest first, a second apart (or at `timeOf(i)`). */
async function withMessages(contents: readonly string[], timeOf = (i: number) => 1_000_000 + i * 1_000): Promise<{ api: EngineApi; messages: ChatMessage[] }> {
  const engine = createEngine({ indexedDB: new IDBFactory(), IDBKeyRange })
  engines.push(engine)
  const api = engine.connection()
  const config = { ...CHAT_CONFIG, autoCleanupInterval: 0, maxMainChatMessages: 100_000 }
  const welcome = await api.connect({ protocolVersion: PROTOCOL_VERSION, databaseName: uniqueName('plans'), config, requirePersistence: true }, () => {})
  if (!welcome.ok) throw new Error(welcome.error.message)
  const messages = contents.map((content, i): ChatMessage => ({ id: `m${i}`, content, sender: 'user', timestamp: timeOf(i), type: 'text' }))
  for (let from = 0; from < messages.length; from += 500) {
    const done = await api.execute([{ kind: 'sendMessages', commandId: `c${from}`, at: 1, thread: 'main', messages: messages.slice(from, from + 500) }])
    if (!done.ok) throw new Error(done.error.message)
  }
  return { api, messages }
}

async function search(api: EngineApi, query: string, limit = 20): Promise<string[]> {
  const result = await api.search(query, { limit })
  if (!result.ok) throw new Error(result.error.message)
  return result.value.map((hit: SearchHit) => hit.message.id)
}

/** Every message matched on its text: best score first, then newest. */
function reference(messages: readonly ChatMessage[], query: string, limit = 20): string[] {
  const terms = parseQuery(query)
  return messages
    .flatMap((message, seq) => {
      const match = matchTerms(message.content as string, terms)
      return match ? [{ message, seq, score: match.score }] : []
    })
    .sort((a, b) => b.score - a.score || b.message.timestamp - a.message.timestamp || b.seq - a.seq)
    .slice(0, limit)
    .map(({ message }) => message.id)
}

describe('search plans', () => {
  test('a typed word found whole ranks first, also when its newest messages hold it only as a prefix', async () => {
    // 350 messages hold "alpha": the newest 40 with "typing", the older ones with "typ"
    // itself; "typ" fills every other message. The rarest word's newest rows match the
    // query only as a prefix: a plan that counts them as whole-word matches stops too early.
    const contents = Array.from({ length: 1_050 }, (_, i) => {
      if (i % 3 !== 0) return `typ filler ${i}`
      return i >= 1_050 - 120 ? `alpha typing ${i}` : `alpha typ ${i}`
    })
    const { api, messages } = await withMessages(contents)
    const expected = reference(messages, 'alpha typ')
    expect(expected.every((id) => messages[Number(id.slice(1))]!.content.startsWith('alpha typ '))).toBe(true)
    expect(await search(api, 'alpha typ')).toEqual(expected)
    expect(await search(api, 'alpha typ', 200)).toEqual(reference(messages, 'alpha typ', 200))
  })

  test('a rare word among very common ones drives: its matches come best and newest first', async () => {
    // "zephyr" is in 400 messages, "common" and "word" in nearly all; the query's matches
    // are spread over the whole history, and the newest ones must come first.
    const contents = Array.from({ length: 2_400 }, (_, i) => (i % 6 === 0 ? `zephyr ${i % 12 === 0 ? 'common word' : 'common'} ${i}` : `common word filler ${i}`))
    const { api, messages } = await withMessages(contents)
    for (const query of ['zephyr common word', 'common zephyr word', 'word zephyr', 'common word zep', 'zephyr common wo']) {
      expect(await search(api, query)).toEqual(reference(messages, query))
      expect(await search(api, query, 200)).toEqual(reference(messages, query, 200))
    }
  })

  test('a query whose rarest term is the typed prefix', async () => {
    // "quixote" and "quixotic" (the prefix "quix") in 330 messages, "order" in nearly all.
    const contents = Array.from({ length: 2_000 }, (_, i) => {
      if (i % 6 !== 0) return `order filler ${i}`
      return i % 12 === 0 ? `order quixote ${i}` : `order quixotic ${i}`
    })
    const { api, messages } = await withMessages(contents)
    for (const query of ['order quix', 'order quixote', 'order quixotic ', 'quix']) {
      expect(await search(api, query)).toEqual(reference(messages, query))
    }
  })

  test('two words that rarely meet, with many matches of one time: those of the last time taken all count', async () => {
    // "alpha" in 600 messages, "beta" in 429, both in 86; every 500 messages share a time,
    // so the matches tie in fourteens, and ids do not sort like the database order.
    const contents = Array.from({ length: 3_000 }, (_, i) => `${i % 5 === 0 ? 'alpha ' : ''}${i % 7 === 0 ? 'beta ' : ''}filler ${i}`)
    const { api, messages } = await withMessages(contents, (i) => 1_000_000 + Math.floor(i / 500) * 1_000)
    for (const query of ['alpha beta', 'alpha beta ', 'beta alpha filler']) {
      for (const limit of [1, 2, 5, 10, 15, 20, 30, 200]) expect(await search(api, query, limit)).toEqual(reference(messages, query, limit))
    }
  })

  test('a typed prefix of a few hundred messages after words in nearly all: its rows decide', async () => {
    // "you" in 97 % of the messages, "is" in 95 %; words beginning with "pref" (not "pref"
    // itself) in 334, "prefab" in a third of those.
    const contents = Array.from({ length: 4_000 }, (_, i) => {
      const words = [i % 33 !== 0 ? 'you' : 'me', i % 20 !== 0 ? 'is' : 'was', `filler${i % 50}`]
      if (i % 12 === 0) words.push(i % 36 === 0 ? 'prefab' : 'prefix')
      return words.join(' ')
    })
    const { api, messages } = await withMessages(contents)
    for (const query of ['you is pref', 'is you prefa', 'you pre', 'you is prefix']) {
      for (const limit of [1, 20, 200]) expect(await search(api, query, limit)).toEqual(reference(messages, query, limit))
    }
  })

  test('a word in many messages: its newest entries, then only the messages of the time of the last', async () => {
    // "common" in every message, "rare" in every 40th; every 3 messages share a time.
    const contents = Array.from({ length: 1_200 }, (_, i) => `common ${i % 40 === 0 ? 'rare ' : ''}filler ${i}`)
    const { api, messages } = await withMessages(contents, (i) => 1_000_000 + Math.floor(i / 3) * 1_000)
    // The newest entries (and, for a word typed whole, the ids of every word, step 3), then the
    // ids of the last one's time: how far back the word reaches (its oldest entry, a part of
    // the index nothing else reads) is not asked.
    const requests = { common: 2, 'common ': 3, 'common common': 3, 'rare ': 2 }
    for (const [query, most] of Object.entries(requests)) {
      expect(await search(api, query)).toEqual(reference(messages, query))
      expect(lastSearchWork.requests).toBeLessThanOrEqual(most)
    }
  })
})

describe('search plans: what they read', () => {
  test('a prefix alone in a few hundred older messages walks its words on one cursor after a few of the newest rows', async () => {
    // 13 words beginning with "zq" in every 8th of the oldest 2,600 messages (325 entries, more
    // than the ids read whole), none among the newest 400: the newest rows would hold none.
    const contents = Array.from({ length: 3_000 }, (_, i) => (i % 8 === 0 && i < 2_600 ? `zqa${i % 13} filler ${i}` : `filler ${i} text`))
    const { api, messages } = await withMessages(contents)
    for (const limit of [1, 20, 200]) expect(await search(api, 'zq', limit)).toEqual(reference(messages, 'zq', limit))
    await search(api, 'zq')
    // The newest 40 rows (none holds it: not the 200 newest), then the walk: a move per word
    // and per entry newer than the 20th newest (no cursor per slice of the range); then the
    // 20 rows found, read alone.
    expect(lastSearchWork.records).toBe(40)
    expect(lastSearchWork.gets).toBe(20)
    expect(lastSearchWork.moves).toBeLessThanOrEqual(90)
  })

  test('a typed whole word that begins no longer word: the second pass reads no ids of it', async () => {
    // "alpha" in 600 messages, "beta" in 345, both only in 5: few matches, so the typed word's
    // pass (its longer words) runs after the whole-word pass has read every match.
    const contents = Array.from({ length: 3_000 }, (_, i) => (i % 600 === 0 ? `alpha beta ${i}` : `${i % 5 === 0 ? 'alpha ' : i % 7 === 1 ? 'beta ' : ''}filler ${i}`))
    const { api, messages } = await withMessages(contents)
    for (const query of ['alpha beta', 'alpha beta ', 'alpha bet']) expect(await search(api, query)).toEqual(reference(messages, query))
    await search(api, 'alpha beta ')
    const whole = lastSearchWork.ids
    await search(api, 'alpha beta')
    // Before: the ids under "beta" as a prefix and those with it whole, 345 each.
    expect(lastSearchWork.ids - whole).toBeLessThan(50)
    // With a longer word ("betamax" beside "alpha" in 3 messages) it is found as a prefix match.
    const more = [...contents, 'alpha betamax 1', 'alpha betamax 2', 'alpha betamax 3']
    const second = await withMessages(more)
    for (const query of ['alpha beta', 'alpha betam', 'beta alpha']) {
      for (const limit of [3, 20]) expect(await search(second.api, query, limit)).toEqual(reference(second.messages, query, limit))
    }
  })

  test('three words that rarely meet: the ids of the two rarest, not the rows of the rarest', async () => {
    // "acai" in every 15th message (400), "price" in every 7th, "replacement" in every 8th:
    // all three in 7. Reading every row of "acai" costs more than the ids of "acai" and "price"
    // and the few rows in both; "replacement" is checked on those rows.
    const contents = Array.from({ length: 6_000 }, (_, i) => [i % 15 === 0 ? 'acai' : '', i % 7 === 0 ? 'price' : '', i % 8 === 0 ? 'replacement' : '', `filler ${i}`].filter(Boolean).join(' '))
    const { api, messages } = await withMessages(contents)
    for (const query of ['replacement price acai', 'price acai replacement ', 'acai replacement pri']) {
      for (const limit of [5, 20]) expect(await search(api, query, limit)).toEqual(reference(messages, query, limit))
    }
    await search(api, 'replacement price acai ')
    // Before: every row of "acai" (400).
    expect(lastSearchWork.records).toBeLessThan(100)
  })
})
