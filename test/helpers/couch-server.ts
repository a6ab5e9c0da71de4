/**
 * A real CouchDB-protocol server for tests: `pouchdb-server`, started as a child process on
 * 127.0.0.1 and a free port, in a scratch folder of its own (its config and log go there).
 * In memory by default; `persistent: true` keeps its databases in that folder, so that
 * `restart()` (the server killed and started again on the same port) finds them again.
 *
 * Call `stop()` when done (an `afterEach`/`afterAll`): it kills the process and waits for it
 * to exit, and removes the folder.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface CouchServer {
  /** The server's base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string
  /** A database's URL on this server. */
  database(name: string): string
  /** Whether the process is running now. */
  readonly running: boolean
  /** Kills the process (SIGKILL: no goodbye) and waits until it has exited. */
  kill(): Promise<void>
  /** Starts the server again on the same port (after `kill`). */
  restart(): Promise<void>
  /** Kills it and removes its folder. */
  stop(): Promise<void>
}

const bin = createRequire(import.meta.url).resolve('pouchdb-server/bin/pouchdb-server')

/** Starts a server; resolves once it answers. */
export async function startCouchServer(options: { persistent?: boolean } = {}): Promise<CouchServer> {
  const folder = mkdtempSync(join(tmpdir(), 'couch-'))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  let child: ChildProcess | undefined
  let exited: Promise<void> = Promise.resolve()

  const launch = async (): Promise<void> => {
    const args = [bin, '--host', '127.0.0.1', '--port', String(port), '--config', join(folder, 'config.json'), '--dir', folder, '--no-stdout-logs']
    if (!options.persistent) args.push('--in-memory')
    const started = spawn(process.execPath, args, { cwd: folder, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    started.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2_000)))
    child = started
    exited = new Promise((resolve) => started.once('exit', () => resolve()))
    const deadline = Date.now() + 30_000
    for (;;) {
      if (started.exitCode !== null) throw new Error(`pouchdb-server exited with ${started.exitCode}: ${stderr}`)
      try {
        const response = await fetch(`${url}/`)
        if (response.ok) return
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`pouchdb-server did not answer on ${url}: ${stderr}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  const kill = async (): Promise<void> => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
    child = undefined
  }

  await launch()
  return {
    url,
    database: (name) => `${url}/${name}`,
    get running() {
      return child !== undefined && child.exitCode === null
    },
    kill,
    restart: launch,
    async stop() {
      await kill()
      rmSync(folder, { recursive: true, force: true })
    },
  }
}

/** A port nobody listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}
