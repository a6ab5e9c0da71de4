// npm's `prepare` hook: builds dist/ when it is missing. That is the case when the package
// is installed from a git URL (npm clones the repository, installs its devDependencies and
// runs this before packing it) and in a fresh clone. Where dist/ exists already (`npm pack`
// and `npm test` build it themselves) it does nothing, so packing stays fast.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

if (!existsSync(new URL('../dist/index.js', import.meta.url))) {
  const result = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', shell: process.platform === 'win32' })
  process.exit(result.status ?? 1)
}
