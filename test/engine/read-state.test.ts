import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { expect, test } from 'vitest'
import { ChatDatabase } from '../../worker/database.js'
import { readTopTopics } from '../../worker/read-state.js'
import { uniqueName } from '../helpers/client.js'

test('readTopTopics finds the leaders among many words tied with the fifth', async () => {
  const db = new ChatDatabase(uniqueName('topics'), { indexedDB: new IDBFactory(), IDBKeyRange: IDBKeyRange as unknown as typeof globalThis.IDBKeyRange })
  const ties = Array.from({ length: 1_200 }, (_, i) => ({ word: `w${String(i).padStart(4, '0')}`, count: 3 }))
  await db.topics.bulkPut([{ word: 'zeta', count: 5 }, { word: 'alpha', count: 3 }, ...ties])
  expect(await db.transaction('r', db.topics, () => readTopTopics(db))).toEqual(['zeta', 'alpha', 'w0000', 'w0001', 'w0002'])
  db.close()
})
