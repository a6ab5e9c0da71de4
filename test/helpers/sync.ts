/** Sync adapters for tests that need one without a server. */
import { SyncError, type SyncAdapter } from 'companion-chat'

/** An adapter whose server never answers: every call fails as unreachable (the outbox keeps everything). */
export function unreachableServer(): SyncAdapter {
  const fail = async (): Promise<never> => {
    throw new SyncError('CouchDB http://127.0.0.1:9/db: no answer', { reason: 'unreachable' })
  }
  return { name: 'unreachable', push: fail, pull: fail, live: fail }
}
