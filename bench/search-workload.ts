/**
 * The search benchmark's data and queries, shared by its Node run (fake-indexeddb) and its
 * Chromium run (`search-browser.ts`, real IndexedDB): a Zipf-distributed shop-chat
 * vocabulary with a long tail, messages written through the engine, and query kinds.
 */
import type { ChatMessage, Command, EngineApi, SearchHit } from '../src/core/protocol.js'
import { EVERY_MESSAGE, keyWord, lookupsOf, matchTerms, parseQuery, searchWords } from '../src/core/search-words.js'
import { createIdSource } from '../src/client/ids.js'
import { lastSearchWork, type SearchWork } from '../worker/search.js'
import { createRandom } from './workload.js'

/** The size of a run. */
export interface SearchBenchOptions {
  readonly messages: number
  readonly tickets: number
  /** Queries per kind. */
  readonly queries: number
  readonly limit: number
  /** Runs of each query; the table shows the first and the fastest. */
  readonly repeat: number
  /** How many of the slowest queries (by first run) to report with what they read. */
  readonly slowest: number
  /** Whether to compare every first run's answer with the reference (every stored message matched on its text). */
  readonly check: boolean
}

/** One of the slowest queries: its kind, text, times (ms), hits and what its first run read. */
export interface SlowQuery {
  readonly kind: string
  readonly query: string
  readonly threadId: string | undefined
  readonly first: number
  readonly best: number
  readonly hits: number
  readonly work: SearchWork
}

/** The timings of one query kind, in ms: the first run of each query, and its fastest run. */
export interface KindTimes {
  readonly name: string
  readonly first: number[]
  readonly best: number[]
  readonly hits: number
  /** Answers (first runs) that differ from the reference, when checked. */
  readonly wrong: number | undefined
}

/** What a run measured. */
export interface SearchBenchResult {
  readonly environment: string
  readonly messages: number
  readonly fillSeconds: number
  readonly indexKeysPerMessage: number
  readonly kinds: KindTimes[]
  readonly slowest: SlowQuery[]
}

// ── Vocabulary ────────────────────────────────────────────────────────────────

const HEAD = `i the my a to is it and for with you can order please my on of this not be have what do in need
  laptop refund shipping delivery package return payment account password tracking warranty invoice discount
  coupon price screen battery charger keyboard mouse monitor headphones camera phone tablet cable adapter dock
  printer router broken damaged missing late replacement exchange address email support ticket help status
  update cancel cancelled received arrived still waiting days week yesterday today tomorrow thanks hello`
  .split(/\s+/)
  .filter(Boolean)
const SYLLABLES = 'ka lo mi ra ten vor pix zel tur bri gon sha del qua fen rio mox lun tra ve'.split(' ')
const ACCENTED = ['Café', 'Größe', 'Straße', 'naïve', 'résumé', 'Açaí', 'Ångström', 'Zürich', 'São', 'Crème']

/** A long tail after the head: made-up product names, models, order numbers, accented words. */
export function makeVocabulary(random: () => number): string[] {
  const tail = new Set<string>()
  while (tail.size < 6_000) {
    const roll = random()
    if (roll < 0.6) {
      let word = ''
      for (let n = 2 + Math.floor(random() * 3); n > 0; n--) word += SYLLABLES[Math.floor(random() * SYLLABLES.length)]
      tail.add(word)
    } else if (roll < 0.8) tail.add(`${SYLLABLES[Math.floor(random() * SYLLABLES.length)]}${100 + Math.floor(random() * 9900)}`)
    else tail.add(`#${10_000 + Math.floor(random() * 90_000)}`)
  }
  return [...HEAD, ...ACCENTED, ...tail]
}

/** Picks word ranks with probability ∝ 1 / rank (Zipf, s = 1), by inverting the cumulative sum. */
function zipf(size: number, random: () => number): () => number {
  const cumulative = new Float64Array(size)
  let sum = 0
  for (let i = 0; i < size; i++) cumulative[i] = sum += 1 / (i + 1)
  return () => {
    const target = random() * sum
    let low = 0
    let high = size - 1
    while (low < high) {
      const mid = (low + high) >> 1
      if (cumulative[mid]! < target) low = mid + 1
      else high = mid
    }
    return low
  }
}

// ── Database ──────────────────────────────────────────────────────────────────

/** A stored message as the reference search sees it. */
export interface Stored {
  readonly thread: string
  readonly message: ChatMessage
}

export async function fill(
  api: EngineApi,
  vocabulary: readonly string[],
  random: () => number,
  ticketCount: number,
  perTicket: number,
): Promise<{ texts: string[]; tickets: string[]; stored: Stored[] }> {
  const rank = zipf(vocabulary.length, random)
  const newId = createIdSource()
  const tickets = Array.from({ length: ticketCount }, () => newId())
  const start = Date.UTC(2024, 0, 1)
  let commandId = 0
  const stamp = () => ({ commandId: `c${++commandId}`, at: start })
  await call(
    api.execute(tickets.map((ticketId, i) => ({ kind: 'createTicket', ticketId, ticketType: 'support', title: `Ticket ${i}`, ...stamp() }) as const)),
  )
  const texts: string[] = []
  const stored: Stored[] = []
  for (let from = 0; from < ticketCount; from += 20) {
    const batch: Command[] = []
    for (let t = from; t < Math.min(from + 20, ticketCount); t++) {
      const messages: ChatMessage[] = []
      for (let m = 0; m < perTicket; m++) {
        const words: string[] = []
        for (let n = 5 + Math.floor(random() * 14); n > 0; n--) words.push(vocabulary[rank()]!)
        const content = words.join(' ').replace(/^./, (c) => c.toUpperCase()) + (random() < 0.4 ? '?' : '.')
        texts.push(content)
        const id = newId()
        // Tickets interleaved in time: message m of every ticket, then message m + 1.
        const timestamp = start + (m * ticketCount + t) * 60_000
        const message: ChatMessage = { id, content, sender: m % 2 === 0 ? 'user' : 'assistant', timestamp, type: 'text' }
        messages.push(message)
        stored.push({ thread: tickets[t]!, message })
      }
      batch.push({ kind: 'sendMessages', thread: tickets[t]!, messages, ...stamp() })
    }
    await call(api.execute(batch))
  }
  return { texts, tickets, stored }
}

/**
 * The reference answer: every stored message that holds the query's words (found through an
 * inverted index of the same search words), matched on its text, best score first, then
 * newest. Every message of the benchmark has a time of its own, so no ties are left.
 */
export function referenceSearch(stored: readonly Stored[]): (query: string, threadId: string | undefined, limit: number) => string[] {
  const byWord = new Map<string, number[]>()
  stored.forEach(({ message }, i) => {
    for (const key of searchWords(message)) {
      const word = keyWord(key)
      if (word === EVERY_MESSAGE) continue
      let list = byWord.get(word)
      if (!list) byWord.set(word, (list = []))
      list.push(i)
    }
  })
  const words = [...byWord.keys()]
  return (query, threadId, limit) => {
    const terms = parseQuery(query)
    let candidates: Set<number> | undefined
    for (const { text, prefix } of lookupsOf(terms)) {
      const under = new Set((prefix ? words.filter((word) => word.startsWith(text)) : [text]).flatMap((word) => byWord.get(word) ?? []))
      candidates = candidates ? new Set([...candidates].filter((i) => under.has(i))) : under
    }
    return [...(candidates ?? [])]
      .flatMap((i) => {
        const { thread, message } = stored[i]!
        if (threadId !== undefined && thread !== threadId) return []
        const match = matchTerms(message.content, terms)
        return match ? [{ message, score: match.score }] : []
      })
      .sort((a, b) => b.score - a.score || b.message.timestamp - a.message.timestamp)
      .slice(0, limit)
      .map(({ message }) => message.id)
  }
}

// ── Queries ───────────────────────────────────────────────────────────────────

export interface Kind {
  readonly name: string
  readonly queries: readonly { readonly query: string; readonly threadId?: string }[]
}

export function makeQueries(vocabulary: readonly string[], texts: readonly string[], tickets: readonly string[], random: () => number, queryCount: number): Kind[] {
  const count = new Map<string, number>()
  for (const text of texts) for (const word of new Set(text.toLowerCase().match(/[\p{L}\p{N}#]+/gu) ?? [])) count.set(word, (count.get(word) ?? 0) + 1)
  const byCount = (min: number, max: number) => vocabulary.filter((w) => (count.get(w.toLowerCase()) ?? 0) >= min && (count.get(w.toLowerCase()) ?? 0) <= max)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
  const times = <T>(make: () => T): T[] => Array.from({ length: queryCount }, make)
  const rare = byCount(1, 50)
  const common = byCount(2_000, Number.POSITIVE_INFINITY).filter((w) => w.length > 2)
  const middle = byCount(100, 2_000)
  const someWords = () => {
    const words = pick(texts).split(' ')
    const at = Math.floor(random() * Math.max(1, words.length - 2))
    return words.slice(at, at + 2 + Math.floor(random() * 2)).join(' ').replace(/[?.]$/, '')
  }
  return [
    { name: 'rare word (≤ 50 messages)', queries: times(() => ({ query: pick(rare) })) },
    { name: 'common word (≥ 2,000)', queries: times(() => ({ query: pick(common) })) },
    { name: 'prefix of 2–4 letters', queries: times(() => ({ query: pick([...common, ...middle]).slice(0, 2 + Math.floor(random() * 3)) })) },
    { name: 'accents and case (cafe, STRASSE)', queries: times(() => ({ query: pick(['cafe', 'STRASSE', 'grosse', 'naive', 'resume', 'zurich', 'sao', 'creme']) })) },
    { name: 'two or three words of a message', queries: times(() => ({ query: someWords() })) },
    { name: 'two common words', queries: times(() => ({ query: `${pick(common)} ${pick(common)}` })) },
    { name: 'common word + rare word', queries: times(() => ({ query: `${pick(common)} ${pick(rare)}` })) },
    { name: 'common word in one ticket', queries: times(() => ({ query: pick(common), threadId: pick(tickets) })) },
  ]
}

/**
 * Fills the engine's database and runs every query kind against it (after a warm-up), one
 * query at a time through the engine connection.
 */
export async function runSearchBench(api: EngineApi, options: SearchBenchOptions, environment: string, now: () => number): Promise<SearchBenchResult> {
  const random = createRandom(7)
  const vocabulary = makeVocabulary(random)
  const perTicket = Math.ceil(options.messages / options.tickets)
  const began = now()
  const { texts, tickets, stored } = await fill(api, vocabulary, random, options.tickets, perTicket)
  const reference = options.check ? referenceSearch(stored) : undefined
  const fillSeconds = (now() - began) / 1000
  const kinds = makeQueries(vocabulary, texts, tickets, random, options.queries)
  const search = async (query: string, threadId: string | undefined): Promise<SearchHit[]> =>
    call(api.search(query, threadId === undefined ? { limit: options.limit } : { limit: options.limit, threadId }))
  for (const { query } of kinds[0]!.queries.slice(0, 50)) await search(query, undefined) // warm-up
  const out: KindTimes[] = []
  const queries: SlowQuery[] = []
  for (const kind of kinds) {
    const first: number[] = []
    const best: number[] = []
    let hits = 0
    let wrong = 0
    for (const { query, threadId } of kind.queries) {
      let fastest = Number.POSITIVE_INFINITY
      for (let run = 0; run < options.repeat; run++) {
        const start = now()
        const found = await search(query, threadId)
        const took = now() - start
        if (run === 0) {
          first.push(took)
          hits += found.length
          if (reference && JSON.stringify(found.map((hit) => hit.message.id)) !== JSON.stringify(reference(query, threadId, options.limit))) wrong++
          queries.push({ kind: kind.name, query, threadId, first: took, best: took, hits: found.length, work: { ...lastSearchWork } })
        }
        fastest = Math.min(fastest, took)
      }
      best.push(fastest)
      queries[queries.length - 1] = { ...queries[queries.length - 1]!, best: fastest }
    }
    out.push({ name: kind.name, first, best, hits: hits / kind.queries.length, wrong: reference ? wrong : undefined })
  }
  const keys = texts.reduce((sum, text) => sum + new Set(text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean)).size, 0)
  const slowest = queries.sort((a, b) => b.first - a.first).slice(0, options.slowest)
  return { environment, messages: texts.length, fillSeconds, indexKeysPerMessage: keys / texts.length, kinds: out, slowest }
}

/** p50, p95, p99 and the slowest, in ms. */
export function percentiles(times: readonly number[]): [number, number, number, number] {
  const sorted = [...times].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
  return [at(0.5), at(0.95), at(0.99), sorted[sorted.length - 1]!]
}

async function call<T>(result: Promise<{ ok: true; value: T } | { ok: false; error: { message: string } }>): Promise<T> {
  const answer = await result
  if (!answer.ok) throw new Error(answer.error.message)
  return answer.value
}
