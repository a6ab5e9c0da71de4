/**
 * Whether other engines have a database open right now: tabs, workers and threads alike.
 * An engine holds a session from opening the database until it lets it go. Where the Web
 * Locks API exists (browsers, in windows and workers) a session is a shared lock named
 * after the database, which the browser releases when its tab or worker ends, however it
 * ends. Elsewhere (Node) engines can share a database only within one JavaScript realm
 * (fake-indexeddb lives in memory), so a count per IndexedDB factory answers the same.
 */

/** A session on one database. */
export interface Session {
  /** Whether no other engine had the database open when this session began. */
  readonly alone: boolean
  /** Ends the session; later calls do nothing. */
  release(): void
}

interface Locks {
  query(): Promise<{ held?: Array<{ name?: string }> }>
  request(name: string, options: { mode: 'shared' }, callback: () => Promise<void>): Promise<unknown>
}

/** Open sessions per IndexedDB factory and database, for realms without Web Locks. */
const counts = new WeakMap<object, Map<string, number>>()
/** Stands for the global IndexedDB (or none) as a key of `counts`. */
const GLOBAL = {}

const lockName = (databaseName: string): string => `companion-chat:open:${databaseName}`

/** Begins a session on `databaseName` of `factory` (the IndexedDB it is opened from). */
export async function openSession(databaseName: string, factory: object | undefined): Promise<Session> {
  const locks = (globalThis as { navigator?: { locks?: Locks } }).navigator?.locks
  if (locks) {
    try {
      return await lockSession(locks, databaseName)
    } catch {
      // Web Locks refused (an opaque origin): count in this realm instead.
    }
  }
  return countedSession(databaseName, factory ?? GLOBAL)
}

async function lockSession(locks: Locks, databaseName: string): Promise<Session> {
  const name = lockName(databaseName)
  const { held = [] } = await locks.query()
  const alone = !held.some((lock) => lock.name === name)
  let release!: () => void
  const released = new Promise<void>((resolve) => (release = resolve))
  // Shared: every engine holds it at once, and it is granted at once (nobody asks for it exclusively).
  await new Promise<void>((granted, refused) => {
    locks
      .request(name, { mode: 'shared' }, () => {
        granted()
        return released
      })
      .catch(refused)
  })
  return { alone, release }
}

function countedSession(databaseName: string, factory: object): Session {
  let open = counts.get(factory)
  if (!open) counts.set(factory, (open = new Map()))
  const before = open.get(databaseName) ?? 0
  open.set(databaseName, before + 1)
  let ended = false
  return {
    alone: before === 0,
    release() {
      if (ended) return
      ended = true
      const left = (open.get(databaseName) ?? 1) - 1
      if (left > 0) open.set(databaseName, left)
      else open.delete(databaseName)
    },
  }
}
