/** Code of the README, for tests that run it as written. */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const README = fileURLToPath(new URL('../../README.md', import.meta.url))

/** The first ```ts block under the heading `heading` (e.g. '## Quick start in Node'). */
export function readmeBlock(heading: string): string {
  const text = readFileSync(README, 'utf8')
  const start = text.indexOf(`\n${heading}\n`)
  if (start < 0) throw new Error(`README.md has no heading "${heading}"`)
  const match = /\n```tsx?\n([\s\S]*?)\n```\n/.exec(text.slice(start))
  if (!match?.[1]) throw new Error(`README.md has no code block under "${heading}"`)
  return match[1] + '\n'
}
