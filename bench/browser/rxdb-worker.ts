/**
 * The RxDB baseline, in a dedicated worker of its own: RxDB 17 on its Dexie storage (RxDB
 * brings its own Dexie version, so this worker is bundled apart from raw Dexie's). The same
 * rows as the SDK's tables with the `[thread+seq]` index; RxDB cannot index an array, so the
 * search words are computed (inside the timed part) and stored but not indexed — there is
 * no RxDB search row. Deletes are RxDB's own (documents marked deleted).
 */
import './spans.js'
import { createRxDatabase, type RxCollection, type RxDatabase } from 'rxdb'
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie'
import { searchWords } from '../../src/core/search-words.js'
import { serve, postLive } from './baseline-worker.js'
import type { Row, TicketRow } from './protocol.js'

const messageSchema = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 32 },
    thread: { type: 'string', maxLength: 32 },
    seq: { type: 'number', minimum: 0, maximum: 1e15, multipleOf: 1 },
    message: { type: 'object' },
    words: { type: 'array', items: { type: 'string' } },
  },
  required: ['id', 'thread', 'seq', 'message'],
  indexes: [['thread', 'seq']],
} as const

const ticketSchema = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 32 },
    seq: { type: 'number' },
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'string', maxLength: 16 },
    priority: { type: 'string' },
    context: { type: 'object' },
    createdAt: { type: 'number' },
    updatedAt: { type: 'number' },
    resolvedAt: { type: 'number' },
  },
  required: ['id', 'status'],
  indexes: ['status'],
} as const

let database: RxDatabase | undefined
let collections: { messages: RxCollection; tickets: RxCollection } | undefined
const open = () => {
  if (!collections) throw new Error('not open')
  return collections
}
const withWords = (row: Row) => ({ ...row, words: searchWords(row.message) })

// RxDB's one-time "Open Core" banner is a console warning: keep the page's console quiet.
const warn = console.warn
console.warn = (...data: unknown[]) => {
  if (typeof data[0] === 'string' && data[0].includes('RxDB Open Core')) return
  warn(...data)
}

serve(async (operation) => {
  switch (operation.op) {
    case 'open': {
      database = await createRxDatabase({ name: operation.name, storage: getRxStorageDexie(), multiInstance: operation.multiInstance ?? false })
      const added = await database.addCollections({ messages: { schema: messageSchema }, tickets: { schema: ticketSchema } })
      collections = { messages: added.messages!, tickets: added.tickets! }
      return
    }
    case 'bulkPut': {
      const result = await open().messages.bulkInsert(operation.rows.map(withWords))
      if (result.error.length > 0) throw new Error(`RxDB refused ${result.error.length} documents`)
      return
    }
    case 'put':
      await open().messages.insert(withWords(operation.row))
      return
    case 'putTickets': {
      const result = await open().tickets.bulkUpsert(operation.tickets as TicketRow[])
      if (result.error.length > 0) throw new Error(`RxDB refused ${result.error.length} tickets`)
      return
    }
    case 'cleanup': {
      const old = await open()
        .tickets.find({ selector: { status: { $in: ['resolved', 'closed'] }, resolvedAt: { $lt: operation.before } } })
        .exec()
      const ids = old.map((doc) => doc.primary)
      await open().tickets.bulkRemove(ids)
      if (operation.messages) await open().messages.find({ selector: { thread: { $in: ids } } }).remove()
      return ids.length
    }
    case 'watchMain':
      open()
        .messages.find({ selector: { thread: 'main' }, sort: [{ seq: 'asc' }] })
        .$.subscribe((docs) => postLive(docs.map((doc) => doc.primary)))
      return
    case 'page': {
      const docs = await open()
        .messages.find({ selector: { thread: operation.thread, seq: { $lt: operation.before } }, sort: [{ seq: 'desc' }], limit: operation.limit })
        .exec()
      return docs.map((doc) => doc.toJSON())
    }
    case 'count':
      return open()[operation.table].count().exec()
    case 'close':
      await database?.close()
      return
    default:
      throw new Error(`RxDB baseline: no ${operation.op}`)
  }
})
