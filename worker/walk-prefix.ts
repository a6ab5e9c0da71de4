/**
 * The newest entries under a prefix that begins many words. The index orders them by word,
 * then by time, so the newest of all are found word by word: from the end of the range
 * backwards, leaving each word as soon as its entries are older than the `want`-th newest
 * found so far (a cursor jumps to the word before).
 */
import { keyWord, type IndexLookup } from '../src/core/search-words.js'
import type { Entry } from './newest-entries.js'
import { bounds, keyStamp, type WordIndex } from './word-index.js'

/** What a walk found. */
export interface Walked {
  /** The newest `want` entries, and those as new as the last of them; newest first. */
  readonly top: Entry[]
  /** Cursor moves made. */
  readonly moves: number
  /** Whether the walk ended within `maxMoves` (else `top` may miss newer entries). */
  readonly whole: boolean
}

/**
 * Walks `lookup`'s prefix for its newest `want` entries that `accept` takes, leaving out
 * the word `skip`, in at most `maxMoves` cursor moves.
 */
export async function walkPrefix(
  index: WordIndex,
  lookup: IndexLookup,
  want: number,
  skip: string | undefined,
  accept: (id: string) => boolean,
  maxMoves: number,
): Promise<Walked> {
  const top: Entry[] = [] // newest first
  const ids = new Set<string>()
  const floor = () => (top.length >= want ? top[want - 1]!.stamp : undefined)
  let moves = 0
  const walkRange = async (from: string, to: string) => {
    const cursor = index.cursor(from, to)
    let at = await cursor.first()
    moves++
    while (at && moves < maxMoves) {
      const word = keyWord(at.key)
      const here: Entry = { stamp: keyStamp(at.key), id: at.id, row: undefined }
      const oldest = floor()
      if (word === skip || (oldest !== undefined && here.stamp < oldest)) {
        // The word's other entries are older still: on to the word before, in one move
        // (stepping could take as many as it has).
        at = await cursor.jump(word) // keys of `word` all sort after `word`
        moves++
        continue
      }
      if (!ids.has(here.id) && accept(here.id)) {
        ids.add(here.id)
        let i = top.length
        while (i > 0 && newer(here, top[i - 1]!)) i--
        top.splice(i, 0, here)
      }
      at = await cursor.next()
      moves++
    }
  }
  // One cursor: Chromium reads a lone cursor's next entries ahead in batches (a step then
  // costs some 25 µs, against some 100 µs with other requests of the transaction under way,
  // and 330 µs for a cursor opened again), so the range is not cut into slices walked at once.
  const [lower, upper] = bounds(lookup)
  await walkRange(lower, upper)
  const oldest = floor()
  return { top: oldest === undefined ? top : top.filter(({ stamp }) => stamp >= oldest), moves, whole: moves < maxMoves }
}

/** Index order within one word, newest first: by time, then by id. */
const newer = (a: Entry, b: Entry): boolean => a.stamp > b.stamp || (a.stamp === b.stamp && a.id > b.id)

