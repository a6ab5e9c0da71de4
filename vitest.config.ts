import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  resolve: {
    // Tests import the package by its name, so they exercise what users import.
    alias: [
      { find: /^companion-chat$/, replacement: here('./src/index.ts') },
      { find: /^companion-chat\/worker$/, replacement: here('./worker/index.ts') },
      { find: /^companion-chat\/node-worker$/, replacement: here('./worker/node.ts') },
      { find: /^companion-chat\/react$/, replacement: here('./src/react/index.ts') },
      { find: /^companion-chat\/couchdb$/, replacement: here('./src/couchdb/index.ts') },
    ],
  },
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    include: ['test/**/*.test.{ts,tsx,js}'],
    testTimeout: 20_000,
    // Vitest's default on 2 cores is one worker, which runs the files one after another. The
    // browser and packaging files spend most of their time waiting for Chromium, npm and the
    // bundlers, so three workers overlap that waiting (about 5.5 → 4.2 min on 2 cores).
    maxWorkers: 3,
  },
})
