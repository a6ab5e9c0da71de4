import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { afterEach } from 'vitest'
import { createChatClient, type ChatClient, type ChatClientOptions } from 'companion-chat'

let counter = 0
const open: ChatClient[] = []

/** A unique database name, so tests never share data. */
export const uniqueName = (prefix = 'test') => `${prefix}-${process.pid}-${Date.now()}-${++counter}`

/** An in-memory IndexedDB shared by the clients of one test (a "device"). */
export function createDevice() {
  const indexedDB = new IDBFactory()
  const databaseName = uniqueName()
  return {
    indexedDB,
    databaseName,
    /** Opens a client on this device's database; closed after the test. */
    open(options: ChatClientOptions = {}): ChatClient {
      const client = createChatClient({ indexedDB, IDBKeyRange, databaseName, host: 'in-process', ...options })
      open.push(client)
      return client
    },
  }
}

/**
 * Reads every ticket's whole thread into the client's state (its newest window, then every
 * older page): what a test compares against a state that held everything.
 */
export async function loadEveryTicket(client: ChatClient): Promise<void> {
  await client.ready
  await Promise.all(
    client.getState().tickets.map(async (ticket) => {
      while ((await client.loadOlder(ticket.id)).hasOlder);
    }),
  )
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((client) => client.close().catch(() => {})))
})
