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
    ],
  },
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    include: ['test/**/*.test.{ts,tsx,js}'],
    testTimeout: 20_000,
  },
})
