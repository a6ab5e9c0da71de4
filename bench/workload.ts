/**
 * What the benchmarks write and how they summarise timings: deterministic shop-chat texts,
 * the message rows the engine stores for them, and small statistics helpers. Shared by
 * `sends.bench.ts`, `breakdown.ts` and `rxdb-worker.ts`. Imports no Dexie: the RxDB worker
 * brings its own version, and Dexie refuses two versions in one realm.
 */
import { createIdSource } from '../src/client/ids.js'

/** A message row as the engine stores it (worker/database.ts `MessageRow`). */
export interface BenchRow {
  readonly id: string
  readonly thread: 'main'
  readonly seq: number
  readonly message: {
    readonly id: string
    readonly content: string
    readonly sender: 'user'
    readonly timestamp: number
    readonly type: 'text'
  }
}

/** A small seeded PRNG (mulberry32), so every run writes the same texts. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

// Topic words (about 120 distinct ones reach the topics table) mixed with stop words, so
// topic extraction and the topics table do the work real user messages make them do.
const TOPIC_WORDS = `laptop laptops gaming keyboard mouse monitor headphones speaker camera phone tablet charger cable
  battery screen display graphics memory storage ssd processor warranty return refund shipping delivery order
  invoice payment discount coupon price budget cheap premium wireless bluetooth bundle color black white silver
  size weight travel office student developer editing video music streaming console controller router printer
  scanner webcam microphone desk chair backpack sleeve case adapter dock hub ports thunderbolt hdmi usb ram
  upgrade repair broken replacement exchange tracking package courier address account password login checkout
  cart wishlist review rating recommend compare alternative brand model version release stock available
  delivery express pickup store opening hours support agent ticket complaint damaged missing late early`
  .split(/\s+/)
  .filter((word) => word.length > 0)
const STOP_WORDS = 'i am looking for a the my is it and with under about need want please can you what do have'.split(' ')

/** `count` chat texts of 6–13 words, the same for the same seed. */
export function makeTexts(count: number, seed = 42): string[] {
  const random = createRandom(seed)
  const pick = (words: readonly string[]) => words[Math.floor(random() * words.length)]!
  const texts: string[] = []
  for (let i = 0; i < count; i++) {
    const words: string[] = []
    const length = 6 + Math.floor(random() * 8)
    for (let w = 0; w < length; w++) words.push(random() < 0.45 ? pick(STOP_WORDS) : pick(TOPIC_WORDS))
    if (random() < 0.3) words.push(`$${100 + Math.floor(random() * 1900)}`)
    const text = words.join(' ')
    texts.push(text.charAt(0).toUpperCase() + text.slice(1) + (random() < 0.5 ? '?' : '.'))
  }
  return texts
}

/**
 * The rows the engine would store for `texts` in the main chat, with fresh ids made the way a
 * client makes them (so the baselines write the very keys the SDK writes).
 */
export function makeRows(texts: readonly string[]): BenchRow[] {
  const timestamp = Date.now()
  const newId = createIdSource()
  return texts.map((content, i) => {
    const id = newId()
    return { id, thread: 'main', seq: i + 1, message: { id, content, sender: 'user', timestamp, type: 'text' } }
  })
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  if (sorted.length === 0) return Number.NaN
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** Fisher–Yates with the given random source. */
export function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

/** A collector for the GC between samples when Node allows it (it always does via v8 flags). */
export async function loadGc(): Promise<() => void> {
  const v8 = await import('node:v8')
  const vm = await import('node:vm')
  v8.setFlagsFromString('--expose-gc')
  const gc = vm.runInNewContext('gc') as unknown
  return typeof gc === 'function' ? (gc as () => void) : () => {}
}

export const fmt = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1))
export const ratio = (value: number, base: number | undefined): string =>
  base === undefined || !Number.isFinite(base) || base <= 0 ? '–' : `${(value / base).toFixed(2)}×`
