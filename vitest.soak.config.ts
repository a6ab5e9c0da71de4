/**
 * `npm run test:soak`: the reliability harness's random tests, run much longer than in
 * `npm test`. MODEL_RUNS sets the number of model sequences (default 2,000, about 90,000
 * operations), CLEAR_RACE_REPEAT how often each timing of the two-tab clear runs (default
 * 20); a model failure prints the command that replays it alone (see CONTRIBUTING.md).
 */
import { defineConfig } from 'vitest/config'
import base from './vitest.config.js'

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/client/model.test.ts', 'test/client/clear-race.test.ts'],
    env: { MODEL_RUNS: process.env['MODEL_RUNS'] ?? '2000', CLEAR_RACE_REPEAT: process.env['CLEAR_RACE_REPEAT'] ?? '20' },
    maxWorkers: 2,
  },
})
