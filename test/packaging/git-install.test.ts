/**
 * Installing from a git URL, as `npm install git+https://…/companion-chat.git` does: npm
 * clones the repository, installs its devDependencies, runs `prepare` (which builds dist/)
 * and installs the packed result. Here the URL is the local repository, so this installs
 * its committed HEAD (on CI, a fresh clone of the commit under test).
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { repoRoot } from '../browser/harness.js'
import { makeScratchApp, run, type ScratchApp } from './scratch.js'

let app: ScratchApp

beforeAll(async () => {
  app = await makeScratchApp('git-app', `git+${pathToFileURL(repoRoot).href}`, {
    'main.mjs': `import { createChatClient } from 'companion-chat'
const chat = createChatClient({ databaseName: 'from-git' })
await chat.sendMainChatMessage('installed from git')
console.log(JSON.stringify(chat.getState().mainChat.messages.map((message) => message.content)))
`,
  })
}, 560_000)

afterAll(async () => {
  await app?.remove()
})

test('the installed package has every entry point with its types', async () => {
  const installed = join(app.dir, 'node_modules/companion-chat')
  const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as {
    exports: Record<string, { types?: string; default?: string } | string>
  }
  for (const [entry, target] of Object.entries(manifest.exports)) {
    if (typeof target === 'string') continue // ./package.json
    for (const file of [target.types, target.default]) {
      expect(file, entry).toBeDefined()
      await expect(readFile(join(installed, file!), 'utf8'), `${entry} → ${file}`).resolves.toMatch(/\S/)
    }
  }
})

test('a Node script imports it, sends a message and exits', async () => {
  const out = await run(process.execPath, ['main.mjs'], app.dir, 30_000)
  expect(JSON.parse(out.trim())).toEqual(['installed from git'])
})
