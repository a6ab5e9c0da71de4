/**
 * Vite config of the demo. `npm start` builds the package first: the app imports
 * `companion-chat`, `companion-chat/react` and `companion-chat/worker` by name, and Vite
 * resolves them through the root package.json's `exports` to dist/ (a package
 * self-reference), exactly as in a user's app.
 */
import { defineConfig } from 'vite'

/** Set by `npm run start:sync`: the local PouchDB Server, served under /couch on the demo's origin. */
const couch = process.env['COMPANION_COUCH_URL']

export default defineConfig({
  // Relative asset URLs: the production build works from any folder it is served from.
  base: './',
  // Vite 8 compiles TSX with Oxc: React's automatic runtime, no React plugin needed.
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  // The app starts the worker with `{ type: 'module' }`; build it as an ES module too
  // (Vite's default for workers is `iife`).
  worker: { format: 'es' },
  optimizeDeps: {
    // Vite's dependency scan does not follow `new Worker(new URL(…))`, so the worker's own
    // imports would be found only when the worker first loads, which re-bundles the
    // dependencies and reloads the page. Listing them avoids that.
    include: ['comlink', 'dexie', 'fake-indexeddb'],
  },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  server: {
    host: '127.0.0.1',
    ...(couch ? { proxy: { '/couch': { target: couch, rewrite: (path: string) => path.replace(/^\/couch/, '') } } } : {}),
  },
  preview: { host: '127.0.0.1' },
})
