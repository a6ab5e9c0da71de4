/**
 * Shares committed changes with the engines of other tabs, workers or threads that have
 * the same database open, over a `BroadcastChannel` named after the database. The changes
 * carry whole rows, so a receiver forwards them to its clients without reading again.
 *
 * Posting copies every row, so it waits for the next task: the engine's own connections get
 * their patch first. Order is kept, and `close()` posts what is still waiting.
 */
import type { Change } from '../src/core/protocol.js'

export interface PatchChannel {
  post(changes: readonly Change[]): void
  close(): void
}

const NOOP: PatchChannel = { post() {}, close() {} }

export function createPatchChannel(databaseName: string, receive: (changes: readonly Change[]) => void): PatchChannel {
  if (typeof BroadcastChannel === 'undefined') return NOOP // one context only: nothing to share with
  const channel = new BroadcastChannel(`companion-chat:${databaseName}`)
  channel.onmessage = (event: MessageEvent<{ changes?: unknown }>) => {
    if (Array.isArray(event.data?.changes)) receive(event.data.changes as Change[])
  }
  ;(channel as { unref?: () => void }).unref?.() // Node: the channel alone must not keep the process alive
  let queued: Array<readonly Change[]> = []
  const flush = () => {
    const batches = queued
    queued = []
    for (const changes of batches) {
      try {
        channel.postMessage({ changes })
      } catch {
        // A closed channel (page unloading) loses only the live update; the data is committed.
      }
    }
  }
  return {
    post(changes) {
      if (queued.push(changes) === 1) setTimeout(flush, 0)
    },
    close() {
      flush()
      channel.close()
    },
  }
}
