// The package build: ESM and .d.ts for each entry point of package.json's exports.
import { dts } from 'rollup-plugin-dts'
import esbuild from 'rollup-plugin-esbuild'

const entries = {
  index: 'src/index.ts',
  worker: 'worker/index.ts',
  'node-worker': 'worker/node.ts',
  react: 'src/react/index.ts',
}

// Dependencies stay imports: the app's bundler resolves and dedupes them.
const external = (id) => /^(dexie|rxjs|comlink|nanoid|fake-indexeddb|eventsource-parser|react|node:)/.test(id)

export default [
  {
    input: entries,
    external,
    output: { dir: 'dist', format: 'esm', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js', sourcemap: true },
    plugins: [esbuild({ target: 'es2022', tsconfig: 'tsconfig.json' })],
  },
  {
    input: entries,
    external,
    output: { dir: 'dist', format: 'esm', entryFileNames: '[name].d.ts', chunkFileNames: 'chunks/[name]-[hash].d.ts' },
    plugins: [dts({ tsconfig: 'tsconfig.json' })],
  },
]
