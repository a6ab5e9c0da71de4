/**
 * Topic extraction for `ChatAnalytics.commonTopics`: the meaningful words of user messages.
 * Words come from `Intl.Segmenter` (locale-aware: works for languages without spaces too),
 * are lower-cased for the locale, and lose stop words, numbers and very short tokens.
 */

import { wordsOf } from './segment-words.js'

/** How many topics `commonTopics` lists. */
export const TOPIC_COUNT = 5

/** Shortest word that counts as a topic (in characters). */
const MIN_TOPIC_LENGTH = 3
/** Scripts written without spaces pack more meaning per character: two are a word (東京, 財布). */
const MIN_DENSE_TOPIC_LENGTH = 2
const DENSE_SCRIPT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u
/** Numbers, also with decimal or thousands separators ("1,500", "1.299,99", "15.5"). */
const NUMBER = /^\p{N}[\p{N}.,'’_]*$/u
const APOSTROPHES = /['’]/g

// Function words and the most common verbs of English and German (the languages the shop
// assistant speaks), plus chat filler. Kept short on purpose: frequency does the rest.
// "use" is in, "used" is not: used goods are a topic.
const STOP_WORDS = new Set(
  `a about above after again all also am an and any are as at be because been before being below between both
  but by can could did do does doing down during each few for from further had has have having he her here hers
  him his how i if in into is it its just me more most my no nor not now of off on once only or other our out
  over own same she should so some such than that the their them then there these they this those through to too
  under until up very was we were what when where which while who whom why will with would you your yours
  hello hi hey thanks thank please okay ok yes yeah need want looking look like get got find show tell know help
  im ive dont cant wont whats thats its lets one ones something anything really much many
  yet still already due ago soon today yesterday tomorrow day days week weeks got get getting gets
  monday tuesday wednesday thursday friday saturday sunday since maybe even though every back way
  made make makes good great best better new
  come comes came coming go goes going went gone see sees saw seen say says said take takes took taken give gives
  gave given put try tries tried trying think thought keep use using buy buying bought wants wanted needs needed
  looks looked finding found shows showed knows knew helps may might must shall gonna wanna
  isnt arent wasnt doesnt didnt havent hasnt wouldnt couldnt shouldnt youre theyre ill anyone someone everything nothing
  aber alle als also am an auch auf aus bei bin bis bitte da dann das dass dein dem den der des die dies diese
  doch du ein eine einem einen einer es für gibt hab habe hallo hat hier ich ihr im in ist ja kann kein keine
  mein meine mich mir mit nach nicht noch nur oder schon sehr sich sie sind so suche und uns unter vom von vor
  war was welche wie wir wo zu zum zur danke
  eines meinem meinen meiner deine deinen dir dich ihm ihn ihnen euch unser unsere man wenn weil ob nun jetzt mal
  etwas nichts viel mehr durch gegen ohne über zwischen dieser dieses diesen wann warum welcher welches gern gerne
  heute gestern morgen komme kommt kommen kam gehe geht gehen ging sehe sieht sehen sah sage sagt sagen mache macht
  machen haben hast sein sei seid waren wäre wird werden wurde möchte möchten willst kannst können könnte muss
  müssen soll sollte brauche braucht brauchen finde finden zeig zeige zeigen suchen sucht`.split(/\s+/),
)

/** Whether a lower-case word is a function word or common verb of English or German (or chat filler). */
export const isStopWord = (word: string): boolean => STOP_WORDS.has(word)

/** The distinct topic words of one text, in order of first appearance. */
export function extractTopics(text: string, locale?: string): string[] {
  const words = new Set<string>()
  forEachTopic(text, locale, (word) => words.add(word))
  return [...words]
}

/** Adds the topic words of each text to `counts`; a word counts once per text. */
export function countTopics(texts: readonly string[], counts: Map<string, number>, locale?: string): void {
  const tally = new Map<string, { count: number; lastText: number }>()
  texts.forEach((text, i) =>
    forEachTopic(text, locale, (word) => {
      const entry = tally.get(word)
      if (!entry) tally.set(word, { count: 1, lastText: i })
      else if (entry.lastText !== i) {
        entry.count++
        entry.lastText = i
      }
    }),
  )
  for (const [word, { count }] of tally) counts.set(word, (counts.get(word) ?? 0) + count)
}

/**
 * What each word seen lately counts as: its topic form, or `null` (stop word, number, too
 * short). Chat repeats its words, so most words cost one lookup. Bounded: starts over when full.
 */
const classified = new Map<string, string | null>()
const MAX_CLASSIFIED = 20_000

/**
 * Forgets every word the topic extraction has seen. The wipes call it: the words of the
 * user's messages must not outlive `clearAllData` in the worker's memory.
 */
export function forgetSeenWords(): void {
  classified.clear()
}

/** Calls `found` with each topic word of `text`, repeats included. */
function forEachTopic(text: string, locale: string | undefined, found: (word: string) => void): void {
  // Lower-cased once for the whole text: casing never moves a word boundary.
  const lower = text.toLocaleLowerCase(locale)
  const cache = locale === undefined ? classified : undefined // per-locale results would need a key each
  for (const segment of wordsOf(lower, locale)) {
    let topic = cache?.get(segment)
    if (topic === undefined) {
      topic = classify(segment)
      if (cache) {
        if (cache.size >= MAX_CLASSIFIED) cache.clear()
        cache.set(segment, topic)
      }
    }
    if (topic !== null) found(topic)
  }
}

/** The topic a lower-case word stands for, or `null` when it is none. */
function classify(segment: string): string | null {
  const word = segment.includes("'") || segment.includes('’') ? segment.replace(APOSTROPHES, '') : segment
  const min = DENSE_SCRIPT.test(word) ? MIN_DENSE_TOPIC_LENGTH : MIN_TOPIC_LENGTH
  return word.length < min || STOP_WORDS.has(word) || NUMBER.test(word) ? null : word
}

/**
 * The `limit` most frequent topics: by count, then alphabetically, so the list is stable.
 * Stop words are left out here too: a database keeps the counts of words an older version
 * took for topics.
 */
export function topTopics(counts: Iterable<readonly [string, number]>, limit = TOPIC_COUNT): string[] {
  return [...counts]
    .filter(([word, count]) => count > 0 && !STOP_WORDS.has(word))
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, limit)
    .map(([word]) => word)
}
