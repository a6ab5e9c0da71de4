// The package build: ESM and .d.ts for each entry point of package.json's exports.
//
// `rollup -c` builds everything; `rollup -c --configJsOnly` skips the type declarations
// (what `npm start` needs to serve the demo). The declarations are emitted by `tsc`
// (tsconfig.build.json, into .types/) and bundled here, which is faster than letting the
// dts plugin compile the sources itself.
import { rmSync } from 'node:fs'
import { nodeResolve } from '@rollup/plugin-node-resolve'
import { dts } from 'rollup-plugin-dts'
import esbuild from 'rollup-plugin-esbuild'

// Dependencies stay imports in the main-thread entries: the app's bundler resolves and dedupes them.
const external = (id) => /^(dexie|rxjs|comlink|nanoid|fake-indexeddb|eventsource-parser|react|node:)/.test(id)
const compile = () => esbuild({ target: 'es2022', tsconfig: 'tsconfig.json' })

/** Entries loaded by the app's own module graph (or Node), with their dependencies external. */
const library = {
  input: { index: 'src/index.ts', 'node-worker': 'worker/node.ts', react: 'src/react/index.ts', couchdb: 'src/couchdb/index.ts' },
  external,
  output: {
    dir: 'dist',
    format: 'esm',
    entryFileNames: '[name].js',
    chunkFileNames: 'chunks/[name]-[hash].js',
    sourcemap: true,
    // No bare `import 'dexie'` lines for what a chunk imports: bundlers would warn that they do nothing.
    hoistTransitiveImports: false,
  },
  plugins: [compile()],
}

/**
 * The browser worker (`companion-chat/worker`) is one self-contained file: Dexie, Comlink
 * and the memory fallback are bundled in. A bundler's dev server serves a worker file as
 * it is, without pre-bundling its imports (Vite's dev server then fails on Dexie's CommonJS
 * build), and a worker needs no sharing of dependencies with the page: it is a realm of its
 * own. No import at all is left, so the file also loads unbundled and with Vite's default
 * `iife` worker format.
 */
const worker = {
  input: { worker: 'worker/index.ts' },
  output: { dir: 'dist', format: 'esm', entryFileNames: '[name].js', sourcemap: true, inlineDynamicImports: true },
  plugins: [
    {
      // Dexie's package entry wraps its UMD build for ES imports; its own ES module build is the same code.
      name: 'dexie-esm',
      resolveId: (id) => (id === 'dexie' ? { id: new URL('./node_modules/dexie/dist/dexie.mjs', import.meta.url).pathname } : null),
    },
    nodeResolve({ browser: true, exportConditions: ['browser', 'worker', 'import', 'default'] }),
    compile(),
  ],
  onwarn(warning, warn) {
    // fake-indexeddb's modules import each other; the bundle orders them as Node would.
    if (warning.code === 'CIRCULAR_DEPENDENCY' && warning.ids?.every((id) => id.includes('/node_modules/'))) return
    warn(warning)
  },
}

/** One bundled .d.ts per entry, from the declarations tsc emitted into .types/. */
const types = {
  input: {
    index: '.types/src/index.d.ts',
    worker: '.types/worker/index.d.ts',
    'node-worker': '.types/worker/node.d.ts',
    react: '.types/src/react/index.d.ts',
    couchdb: '.types/src/couchdb/index.d.ts',
  },
  external,
  output: { dir: 'dist', format: 'esm', entryFileNames: '[name].d.ts', chunkFileNames: 'chunks/[name]-[hash].d.ts' },
  plugins: [dts(), { name: 'drop-emitted-declarations', closeBundle: () => rmSync('.types', { recursive: true, force: true }) }],
  onwarn(warning, warn) {
    // `companion-chat/node-worker` is a script that exports nothing: its declaration file is empty on purpose.
    if (warning.code === 'EMPTY_BUNDLE' && warning.names?.includes('node-worker')) return
    warn(warning)
  },
}

export default (args) => {
  const jsOnly = Boolean(args.configJsOnly)
  delete args.configJsOnly
  return jsOnly ? [library, worker] : [library, worker, types]
}
