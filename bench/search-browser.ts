/**
 * The Chromium side of `npm run bench:search -- --browser`: the search benchmark on the
 * page's real IndexedDB. `search.bench.ts` bundles this file, serves it and calls
 * `window.runSearchBench`.
 */
import { createEngine } from '../worker/engine.js'
import { CHAT_CONFIG, PROTOCOL_VERSION } from '../src/core/protocol.js'
import { runSearchBench, type SearchBenchOptions, type SearchBenchResult } from './search-workload.js'

declare global {
  interface Window {
    runSearchBench(options: SearchBenchOptions): Promise<SearchBenchResult>
  }
}

window.runSearchBench = async (options) => {
  const databaseName = `search-bench-${Date.now()}`
  const engine = createEngine()
  const api = engine.connection()
  const config = { ...CHAT_CONFIG, autoCleanupInterval: 0 }
  const welcome = await api.connect({ protocolVersion: PROTOCOL_VERSION, databaseName, config, requirePersistence: true }, () => {})
  if (!welcome.ok) throw new Error(welcome.error.message)
  try {
    return await runSearchBench(api, options, `Chromium ${navigator.userAgent.match(/Chrom(?:e|ium)\/([\d.]+)/)?.[1] ?? ''}, real IndexedDB`, () => performance.now())
  } finally {
    await api.clearAllData()
    await engine.close()
  }
}
