/**
 * The raw Dexie baseline, in a dedicated worker of its own like the SDK's engine: the SDK's
 * tables and indexes (`messages: 'id, [thread+seq], *words'`, `tickets: 'id, status'`), the
 * search words computed here, inside the timed part, as the engine computes them.
 */
import './spans.js'
import { Dexie, liveQuery, type Table } from 'dexie'
import { searchWords } from '../../src/core/search-words.js'
import { serve, postLive } from './baseline-worker.js'
import type { Row, TicketRow } from './protocol.js'

let db: Dexie | undefined
/** The database of the attachment baseline, opened by its first write (the warm-up) and kept. */
let blobs: Dexie | undefined
const open = () => {
  if (!db) throw new Error('not open')
  return db
}
const messages = () => open().table('messages') as Table<Row & { words?: string[] }, string>
const tickets = () => open().table('tickets') as Table<TicketRow, string>
const withWords = (row: Row) => ({ ...row, words: searchWords(row.message) })
const mainRange = () => messages().where('[thread+seq]').between(['main', Dexie.minKey], ['main', Dexie.maxKey])

serve(async (operation) => {
  switch (operation.op) {
    case 'open':
      db = new Dexie(operation.name)
      db.version(1).stores({ messages: 'id, [thread+seq], *words', tickets: 'id, status' })
      await db.open()
      return
    case 'openExisting':
      db = new Dexie(operation.name) // dynamic mode: the SDK's stored schema
      await db.open()
      return
    case 'bulkPut':
      await messages().bulkPut(operation.rows.map(withWords))
      return
    case 'put':
      await messages().put(withWords(operation.row))
      return
    case 'putTickets':
      await tickets().bulkPut(operation.tickets)
      return
    case 'cleanup': {
      // What the engine's cleanup must do at least: find the old resolved tickets through
      // the status index, then delete them and (optionally) the messages of each one's
      // [thread+seq] range, all in one transaction.
      const { before } = operation
      return open().transaction('rw', open().tables, async () => {
        const ids = await tickets()
          .where('status')
          .anyOf('resolved', 'closed')
          .filter((ticket) => (ticket.resolvedAt ?? ticket.updatedAt) < before)
          .primaryKeys()
        await tickets().bulkDelete(ids)
        if (operation.messages) {
          // Each ticket's message keys through its [thread+seq] range (read together), then one bulkDelete.
          const keys = await Promise.all(ids.map((id) => messages().where('[thread+seq]').between([id, Dexie.minKey], [id, Dexie.maxKey]).primaryKeys()))
          await messages().bulkDelete(keys.flat())
        }
        return ids.length
      })
    }
    case 'readThread': {
      // The messages, as the SDK's client gets them (the rows' search words stay in the worker).
      const rows = await messages().where('[thread+seq]').between([operation.thread, Dexie.minKey], [operation.thread, Dexie.maxKey]).toArray()
      return rows.map((row) => row.message)
    }
    case 'watchMain':
      liveQuery(() => mainRange().toArray()).subscribe((rows) => postLive(rows.map((row) => row.id)))
      return
    case 'search': {
      // The index read of a one-word query: the word's keys, newest first (keys end in the time).
      const key = `${operation.word}\u0001`
      return messages().where('words').between(key, `${key}\uffff`).reverse().limit(operation.limit).toArray()
    }
    case 'page':
      return messages()
        .where('[thread+seq]')
        .between([operation.thread, Dexie.minKey], [operation.thread, operation.before], true, false)
        .reverse()
        .limit(operation.limit)
        .toArray()
    case 'count':
      return open().table(operation.table).count()
    case 'storeBlob': {
      // The raw write of an attachment: the bytes into a file of the OPFS (as the engine writes
      // them), or a row with the Blob into IndexedDB. No hash, no message.
      const { blob, name } = operation
      if (operation.where === 'opfs') {
        const root = await navigator.storage.getDirectory()
        const handle = await root.getFileHandle(name, { create: true })
        const writable = await handle.createWritable()
        await writable.write(blob)
        await writable.close()
        return
      }
      if (!blobs) {
        blobs = new Dexie(`${name}-blobs`)
        blobs.version(1).stores({ blobs: 'id' })
      }
      await blobs.table('blobs').put({ id: name, blob })
      return
    }
    case 'close':
      db?.close()
      blobs?.close()
      return
  }
})
