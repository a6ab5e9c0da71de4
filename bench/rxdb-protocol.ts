/** Messages between `sends.bench.ts` and `rxdb-worker.ts` (kept apart so the SDK's type check never needs RxDB). */
export type RxdbRequest = { readonly texts: readonly string[] } | { readonly run: true }
export type RxdbAnswer = { readonly ms: number } | { readonly error: string }
