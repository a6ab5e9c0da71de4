// `npm run start:sync`: the demo with sync on. Starts a local PouchDB Server in memory on
// 127.0.0.1 (a free port, a scratch folder for its config and log), then the demo's Vite
// dev server, which serves the server under /couch on the demo's own origin (no CORS), and
// prints the two pages: the shop with sync, and the support desk that answers its tickets.
// Ctrl-C stops both; nothing is kept (the server is in memory).
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const require = createRequire(import.meta.url)
const user = process.env.DEMO_USER || 'demo'

const port = await new Promise((resolve, reject) => {
  const probe = createServer()
  probe.once('error', reject)
  probe.listen(0, '127.0.0.1', () => {
    const { port } = probe.address()
    probe.close(() => resolve(port))
  })
})
const folder = mkdtempSync(join(tmpdir(), 'companion-couch-'))
const couchUrl = `http://127.0.0.1:${port}`
const couch = spawn(
  process.execPath,
  [require.resolve('pouchdb-server/bin/pouchdb-server'), '--in-memory', '--host', '127.0.0.1', '--port', String(port), '--config', join(folder, 'config.json'), '--dir', folder, '--no-stdout-logs'],
  { cwd: folder, stdio: ['ignore', 'ignore', 'inherit'] },
)
for (let tries = 0; ; tries++) {
  try {
    if ((await fetch(`${couchUrl}/`)).ok) break
  } catch {
    // not listening yet
  }
  if (tries > 300 || couch.exitCode !== null) {
    console.error('PouchDB Server did not start')
    process.exit(1)
  }
  await new Promise((resolve) => setTimeout(resolve, 100))
}
console.log(`PouchDB Server (in memory): ${couchUrl}`)
process.on('exit', () => couch.kill()) // also when this script fails

// Vite's package exports no bin path: its command lives next to its package.json.
const viteBin = join(require.resolve('vite/package.json'), '..', 'bin', 'vite.js')
const vite = spawn(process.execPath, [viteBin, 'examples/demo', '--host', '127.0.0.1'], {
  stdio: ['inherit', 'pipe', 'inherit'],
  env: { ...process.env, COMPANION_COUCH_URL: couchUrl },
})
vite.stdout.on('data', (chunk) => {
  const text = chunk.toString()
  process.stdout.write(text)
  const local = /http:\/\/127\.0\.0\.1:\d+\//.exec(text)?.[0]
  if (local) {
    console.log(`\n  Shop with sync:   ${local}?sync=${encodeURIComponent(user)}&db=companion-sync-${encodeURIComponent(user)}`)
    console.log(`  Support desk:     ${local}agent.html?user=${encodeURIComponent(user)}\n`)
  }
})

const stop = () => {
  vite.kill()
  couch.kill()
  rmSync(folder, { recursive: true, force: true })
}
process.on('SIGINT', () => {
  stop()
  process.exit(0)
})
process.on('SIGTERM', () => {
  stop()
  process.exit(0)
})
vite.on('exit', (code) => {
  couch.kill()
  rmSync(folder, { recursive: true, force: true })
  process.exit(code ?? 0)
})
