/**
 * The patch a connection gets for its own sends: it holds the messages already (they are
 * the objects its commands carried), so they travel as ids and places only.
 */
import type { Change, ChatMessage, PatchListener, SentMessages } from '../src/core/protocol.js'

/**
 * For each listener that sent messages committed in `changes`: the changes without those
 * messages, and the messages as ids and places. A message counts as the listener's own only
 * when its last change in the batch is the very object its command carried: a row that a
 * later command changed or deleted travels in full, in order.
 */
export function splitSent(
  changes: readonly Change[],
  sentBy: ReadonlyMap<ChatMessage, PatchListener>,
): Map<PatchListener, { changes: Change[]; sent: SentMessages }> {
  const last = new Map<string, Change>() // the last change of each message id
  for (const change of changes) {
    if (change.type === 'message') last.set(change.record.message.id, change)
    else if (change.type === 'messageDeleted') last.set(change.id, change)
  }
  const out = new Map<PatchListener, { changes: Change[]; sent: { ids: string[]; seqs: number[] } }>()
  for (const listener of new Set(sentBy.values())) {
    const rest: Change[] = []
    const ids: string[] = []
    const seqs: number[] = []
    for (const change of changes) {
      const own =
        change.type === 'message' &&
        change.record.seq !== undefined &&
        sentBy.get(change.record.message) === listener &&
        last.get(change.record.message.id) === change
      if (own) {
        ids.push(change.record.message.id)
        seqs.push(change.record.seq!)
      } else {
        rest.push(change)
      }
    }
    if (ids.length > 0) out.set(listener, { changes: rest, sent: { ids, seqs } })
  }
  return out
}
