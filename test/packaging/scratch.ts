/**
 * Scratch apps for the packaging tests: a temporary folder with a package.json that
 * installs the packed package (or the repository from a git URL) with npm, as a user's app
 * would. npm takes the dependencies from its cache where it can.
 */
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { repoRoot } from '../browser/harness.js'

/** Runs a command; rejects with its output when it fails or takes longer than `timeout`. */
export function run(file: string, args: readonly string[], cwd: string, timeout = 240_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, timeout, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, npm_config_update_notifier: 'false' } }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')} failed: ${error.message}\n${stdout}\n${stderr}`))
      else resolve(stdout + stderr)
    })
  })
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
/** Flags of every install: no audit, no funding notice, the cache first. */
const INSTALL = ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error']

/** `npm pack` of the repository as it is (dist/ must be built); returns the tarball's path. */
export async function packPackage(into: string): Promise<string> {
  // --ignore-scripts: `prepare` would build again; the caller made sure dist/ is current.
  await run(npm, ['pack', '--ignore-scripts', '--silent', '--pack-destination', into], repoRoot)
  const tarball = (await readdir(into)).find((name) => name.endsWith('.tgz'))
  if (!tarball) throw new Error('npm pack wrote no tarball')
  return join(into, tarball)
}

/** A scratch app: its folder and how to remove it. */
export interface ScratchApp {
  readonly dir: string
  remove(): Promise<void>
}

/**
 * Makes a scratch app with `files` (paths relative to the app) and installs `spec` into
 * it with npm (a tarball path or a git URL).
 */
export async function makeScratchApp(name: string, spec: string, files: Record<string, string>, installFlags: readonly string[] = []): Promise<ScratchApp> {
  const dir = await mkdtemp(join(tmpdir(), `companion-chat-${name}-`))
  try {
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }, null, 2))
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true })
      await writeFile(join(dir, path), text)
    }
    // From a git URL npm installs every devDependency and builds: minutes on a loaded machine.
    await run(npm, [...INSTALL, ...installFlags, spec], dir, spec.startsWith('git+') ? 540_000 : undefined)
  } catch (error) {
    await rm(dir, { recursive: true, force: true })
    throw error
  }
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) }
}
