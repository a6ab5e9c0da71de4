import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { expect, test } from 'vitest'
import { ChatDatabase } from '../../worker/database.js'
import { completeCounters, readTopTopics } from '../../worker/read-state.js'
import { uniqueName } from '../helpers/client.js'

test('readTopTopics finds the leaders among many words tied with the fifth', async () => {
  const db = new ChatDatabase(uniqueName('topics'), { indexedDB: new IDBFactory(), IDBKeyRange: IDBKeyRange as unknown as typeof globalThis.IDBKeyRange })
  const ties = Array.from({ length: 1_200 }, (_, i) => ({ word: `w${String(i).padStart(4, '0')}`, count: 3 }))
  await db.topics.bulkPut([{ word: 'zeta', count: 5 }, { word: 'alpha', count: 3 }, ...ties])
  expect(await db.transaction('r', db.topics, () => readTopTopics(db))).toEqual(['zeta', 'alpha', 'w0000', 'w0001', 'w0002'])
  db.close()
})

test('top topics of an older database leave out the stop words it counted, stored list or not', async () => {
  const db = new ChatDatabase(uniqueName('topics'), { indexedDB: new IDBFactory(), IDBKeyRange: IDBKeyRange as unknown as typeof globalThis.IDBKeyRange })
  // "come" and "going" were counted before they became stop words, and lead.
  const words = ['laptop', 'mouse', 'screen', 'cable', 'dock', 'phone']
  await db.topics.bulkPut([{ word: 'come', count: 50 }, { word: 'going', count: 40 }, ...words.map((word, i) => ({ word, count: 10 - i }))])
  const top = ['laptop', 'mouse', 'screen', 'cable', 'dock']
  expect(await db.transaction('r', db.topics, () => readTopTopics(db))).toEqual(top)
  const stored = { seq: 0, totalMessages: 0, resolvedTickets: 0, resolutionTimeSum: 0, commonTopics: ['come', 'going', 'laptop', 'mouse', 'screen'] }
  const counters = await db.transaction('r', db.all, () => completeCounters(db, stored))
  expect(counters.commonTopics).toEqual(top)
  db.close()
})
