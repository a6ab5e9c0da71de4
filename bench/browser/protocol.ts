/** Messages between the benchmark page (`page.ts`) and its baseline workers (`dexie-worker.ts`, `rxdb-worker.ts`). */

/** A message row as the SDK's engine stores it, before its search words are added. */
export interface Row {
  readonly id: string
  readonly thread: string
  readonly seq: number
  readonly message: { readonly id: string; readonly content: string; readonly sender: 'user' | 'assistant'; readonly timestamp: number; readonly type: 'text' }
}

/** A ticket row as the SDK's engine stores it. */
export interface TicketRow {
  readonly id: string
  readonly seq: number
  readonly type: 'support'
  readonly title: string
  readonly status: 'open' | 'resolved'
  readonly priority: 'medium'
  readonly context: Record<string, never>
  readonly createdAt: number
  readonly updatedAt: number
  readonly resolvedAt?: number
}

/** What a baseline worker can be asked. Every answer carries `ms`, the operation's time inside the worker. */
export type Operation =
  | { readonly op: 'open'; readonly name: string; readonly multiInstance?: boolean }
  /** Raw Dexie only: opens an existing database in Dexie's dynamic mode (its stored schema). */
  | { readonly op: 'openExisting'; readonly name: string }
  | { readonly op: 'bulkPut'; readonly rows: readonly Row[] }
  | { readonly op: 'put'; readonly row: Row }
  | { readonly op: 'putTickets'; readonly tickets: readonly TicketRow[] }
  | { readonly op: 'cleanup'; readonly before: number; readonly messages: boolean }
  | { readonly op: 'readThread'; readonly thread: string }
  | { readonly op: 'watchMain' }
  | { readonly op: 'search'; readonly word: string; readonly limit: number }
  | { readonly op: 'page'; readonly thread: string; readonly before: number; readonly limit: number }
  | { readonly op: 'count'; readonly table: 'messages' | 'tickets' }
  /** Attachments' baselines: writes `blob` as a file of the origin private file system, or as an IndexedDB row. */
  | { readonly op: 'storeBlob'; readonly blob: Blob; readonly where: 'opfs' | 'indexeddb'; readonly name: string }
  | { readonly op: 'close' }

export type Request = Operation & { readonly id: number }
export type Answer =
  | { readonly id: number; readonly ms: number; readonly value?: unknown }
  | { readonly id: number; readonly error: string }
  /** A live query's (Dexie `liveQuery`, RxDB `find().$`) new result: the ids of the main chat, in order. */
  | { readonly live: readonly string[] }

export interface SpanQuestion {
  readonly from: number
  readonly to: number
}
export interface SpanAnswer {
  /** Transactions that started and ended inside the timed part. */
  readonly transactions: number
  /** From the first one's start to the last one's end, ms. */
  readonly span: number
  /** The union of their intervals, ms. */
  readonly busy: number
}
