/**
 * Keeps `npm run bench:browser` working: one tiny round of one workload (25 sends one by
 * one through the SDK and raw Dexie, in Chromium), run to its table. The benchmark checks
 * what each library stored and fails otherwise; no timing is asserted. RxDB is left out: it
 * lives in the benchmark's own package, which `npm test` does not install.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'

const repoRoot = fileURLToPath(new URL('../..', import.meta.url))

test('the browser benchmark runs a small round and prints its table', async () => {
  const output = await new Promise<string>((resolve, reject) =>
    execFile(
      process.execPath,
      ['--import', 'tsx', 'bench/browser.bench.ts', '--rounds', '1', '--scale', '0.05', '--only', 'one-by-one', '--no-rxdb'],
      { cwd: repoRoot, timeout: 150_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stdout}\n${stderr}`)) : resolve(stdout)),
    ),
  )
  expect(output).toMatch(/^\| 25 sends awaited one by one, every row kept +\| SDK +\|/m)
  expect(output).toMatch(/^\| +\| raw Dexie +\|/m)
  expect(output).not.toMatch(/^failed:/m)
}, 180_000)
