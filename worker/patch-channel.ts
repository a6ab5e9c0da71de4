/**
 * Tells the engines of other tabs, workers or threads that have the same database open what
 * a commit changed, over a `BroadcastChannel` named after the database. It carries keys, not
 * rows: a receiver reads the rows again, so an announcement that arrives late (after a
 * newer commit to the same row) can never roll a row back, and the copy stays small.
 *
 * Posting waits for the next task, so the engine's own connections hear first. Order is
 * kept, and `close()` posts what is still waiting.
 */
import { PROTOCOL_VERSION, type Change, type ThreadId } from '../src/core/protocol.js'

/** The channel of one database's engines. */
const channelName = (databaseName: string): string => `companion-chat:v${PROTOCOL_VERSION}:${databaseName}`

/** What one commit changed, as keys to read again; or that everything is gone. */
export type Announcement =
  | { readonly reset: true }
  | {
      readonly reset?: undefined
      /** Messages written or deleted, with their thread (a deleted one is named by it). */
      readonly messages: ReadonlyArray<readonly [id: string, thread: ThreadId]>
      /** Tickets written or deleted. */
      readonly tickets: readonly string[]
      /** Threads whose header changed without a message (a read marker). */
      readonly threads: readonly ThreadId[]
      /** Threads whose draft was written or deleted. */
      readonly drafts: readonly ThreadId[]
      /** Whether the single rows (user context, view, counters) changed. */
      readonly meta: boolean
      /** Outbox entries written or deleted (sync). */
      readonly outbox?: readonly string[]
    }

export interface PatchChannel {
  post(changes: readonly Change[]): void
  close(): void
}

const NOOP: PatchChannel = { post() {}, close() {} }

/** The keys of `changes`. */
export function announce(changes: readonly Change[]): Announcement {
  const messages: Array<readonly [string, ThreadId]> = []
  const tickets: string[] = []
  const threads: ThreadId[] = []
  const drafts: ThreadId[] = []
  const outbox: string[] = []
  let meta = false
  for (const change of changes) {
    switch (change.type) {
      case 'reset':
        return { reset: true }
      case 'message':
        messages.push([change.record.message.id, change.record.thread])
        break
      case 'messageDeleted':
        messages.push([change.id, change.thread])
        break
      case 'ticket':
        tickets.push(change.record.id)
        break
      case 'ticketDeleted':
        tickets.push(change.id)
        break
      case 'thread':
        threads.push(change.summary.id)
        break
      case 'draft':
        drafts.push(change.record.thread)
        break
      case 'outbox':
        outbox.push(change.entry.id)
        break
      case 'outboxDeleted':
        outbox.push(change.id)
        break
      default:
        meta = true
    }
  }
  return { messages, tickets, threads, drafts, meta, ...(outbox.length > 0 ? { outbox } : {}) }
}

export function createPatchChannel(databaseName: string, receive: (announcement: Announcement) => void): PatchChannel {
  if (typeof BroadcastChannel === 'undefined') return NOOP // one context only: nothing to share with
  // The protocol version is in the name: tabs running another release do not misread each other.
  const channel = new BroadcastChannel(channelName(databaseName))
  channel.onmessage = (event: MessageEvent<unknown>) => {
    const data = event.data as { reset?: unknown; messages?: unknown; tickets?: unknown } | null
    if (data?.reset === true) receive({ reset: true })
    else if (Array.isArray(data?.messages) && Array.isArray(data?.tickets)) receive(data as Announcement)
  }
  ;(channel as { unref?: () => void }).unref?.() // Node: the channel alone must not keep the process alive
  let queued: Announcement[] = []
  const flush = () => {
    const waiting = queued
    queued = []
    for (const announcement of waiting) {
      try {
        channel.postMessage(announcement)
      } catch {
        // A closed channel (page unloading) loses only the live update; the data is committed.
      }
    }
  }
  return {
    post(changes) {
      if (queued.push(announce(changes)) === 1) setTimeout(flush, 0)
    },
    close() {
      flush()
      channel.close()
    },
  }
}
