/**
 * A thread's header (`ThreadSummary`) as messages come and go: the pure steps the engine
 * takes in each write and the schema upgrade takes once. The client only reads headers.
 */
import type { ChatMessage, ThreadId, ThreadSummary } from './protocol.js'

/** The header of a thread with no messages and nothing read. */
export const emptyThread = (id: ThreadId): ThreadSummary => ({ id, count: 0, lastSeq: 0, readSeq: 0, unread: 0 })

/** Whether a message counts as unread after a read marker at `readSeq`. */
const countsUnread = (seq: number, message: ChatMessage, readSeq: number): boolean => seq > readSeq && message.sender !== 'user'

/** The header after `message` was added to the thread at `seq`. */
export function addToThread(summary: ThreadSummary, seq: number, message: ChatMessage): ThreadSummary {
  const newest = seq >= summary.lastSeq
  return {
    ...summary,
    count: summary.count + 1,
    ...(newest ? { last: message, lastSeq: seq } : {}),
    unread: summary.unread + (countsUnread(seq, message, summary.readSeq) ? 1 : 0),
  }
}

/** The header after the message at `seq` was rewritten (same sender, new content). */
export function updateInThread(summary: ThreadSummary, seq: number, message: ChatMessage): ThreadSummary {
  return seq === summary.lastSeq ? { ...summary, last: message } : summary
}

/**
 * The header after the message at `seq` was deleted. When it was the newest, the caller
 * must find the new newest (`lastSeq` is kept until then, `last` is dropped).
 */
export function removeFromThread(summary: ThreadSummary, seq: number, message: ChatMessage): ThreadSummary {
  const { last: _last, ...rest } = summary
  return {
    ...(seq === summary.lastSeq ? rest : summary),
    count: Math.max(0, summary.count - 1),
    unread: Math.max(0, summary.unread - (countsUnread(seq, message, summary.readSeq) ? 1 : 0)),
  }
}

/** The header after the user read everything up to the newest message. */
export function markThreadRead(summary: ThreadSummary): ThreadSummary {
  return summary.readSeq === summary.lastSeq && summary.unread === 0 ? summary : { ...summary, readSeq: summary.lastSeq, unread: 0 }
}
