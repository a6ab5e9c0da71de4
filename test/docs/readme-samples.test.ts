/**
 * The TypeScript samples of README.md (and CONTRIBUTING.md) compile against the package's
 * public API, so that they cannot rot.
 *
 * Every ```ts and ```tsx block is written to a temporary folder as a module of its own and
 * type-checked with the compiler API: lib ES2022 + DOM, `jsx: react-jsx`, strict. The
 * package's entries resolve to their sources (`companion-chat` → src/index.ts, …), which
 * are always fresh. Blocks that import a `node:` module are Node code and also get
 * @types/node.
 *
 * Names the app owns (`render`, `root`, `Chat`, …) are declared before the block:
 * - by an HTML comment right above the block, `<!-- declare: const root: HTMLElement -->`
 *   (several comments may be stacked; each is prepended as it is);
 * - by the shared preamble below, for the names a block uses without declaring them.
 * A block that cannot compile on purpose is marked `<!-- not-compiled: why -->`; keep that rare.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'

const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
const DOCUMENTS = ['README.md', 'CONTRIBUTING.md']

/** Declarations of the names samples commonly use without declaring them; each is added only where used. */
const SHARED_PREAMBLE: Readonly<Record<string, string>> = {
  chat: `declare const chat: import('companion-chat').ChatClient`,
  render: `declare function render(value: unknown): void`,
  root: `declare const root: HTMLElement`,
  statusLine: `declare const statusLine: HTMLElement`,
  products: `declare const products: readonly import('companion-chat').Product[]`,
  Chat: `declare function Chat(props: { messages: readonly import('companion-chat').ChatMessage[]; onSend: (text: string) => unknown }): import('react').ReactNode`,
  Thread: `declare function Thread(props: { messages: readonly import('companion-chat').ChatMessage[] }): import('react').ReactNode`,
}

/** One code block of a document. */
interface Sample {
  readonly document: string
  /** Line of the block's first code line in the document, 1-based. */
  readonly line: number
  readonly language: 'ts' | 'tsx'
  readonly code: string
  /** Text of the `declare:` comments right above the block. */
  readonly declarations: readonly string[]
  /** The reason of a `not-compiled:` comment, when the block has one. */
  readonly notCompiled?: string
  /** The heading the block stands under, for test names. */
  readonly heading: string
}

/** An annotation comment that no code block follows (a typo, or a block that moved away). */
interface DanglingAnnotation {
  readonly document: string
  readonly line: number
  readonly text: string
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/
const ANNOTATION = /^<!--\s*(declare|not-compiled):([\s\S]*?)-->$/

/** The ts/tsx blocks of a Markdown document with the annotation comments right above them. */
function extractSamples(markdown: string, document: string): { samples: Sample[]; dangling: DanglingAnnotation[] } {
  const lines = markdown.split('\n')
  const samples: Sample[] = []
  const dangling: DanglingAnnotation[] = []
  let heading = '(top)'
  let pending: { line: number; kind: string; text: string }[] = []

  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!
    const trimmed = line.trim()

    if (trimmed.startsWith('<!--')) {
      const start = index
      let comment = trimmed
      while (!comment.endsWith('-->') && index + 1 < lines.length) comment += '\n' + lines[++index]!.trim()
      const match = ANNOTATION.exec(comment)
      if (match) pending.push({ line: start + 1, kind: match[1]!, text: match[2]!.trim() })
      continue // other comments (notes to maintainers) are neither annotations nor breaks
    }

    const fence = FENCE.exec(line)
    if (fence) {
      const [, indent = '', marker = '```', info = ''] = fence
      const body: string[] = []
      while (index + 1 < lines.length && !lines[index + 1]!.trim().startsWith(marker)) body.push(lines[++index]!)
      const first = index - body.length + 1 // the first code line, 0-based
      index++ // the closing fence
      const language = info === 'ts' || info === 'typescript' ? 'ts' : info === 'tsx' ? 'tsx' : undefined
      if (language) {
        const notCompiled = pending.find((annotation) => annotation.kind === 'not-compiled')
        samples.push({
          document,
          line: first + 1,
          language,
          code: body.map((codeLine) => (codeLine.startsWith(indent) ? codeLine.slice(indent.length) : codeLine)).join('\n'),
          declarations: pending.filter((annotation) => annotation.kind === 'declare').map((annotation) => annotation.text),
          ...(notCompiled ? { notCompiled: notCompiled.text } : {}),
          heading,
        })
      } else {
        for (const annotation of pending) dangling.push({ document, line: annotation.line, text: `${annotation.kind}: ${annotation.text}` })
      }
      pending = []
      continue
    }

    if (/^#{1,6}\s/.test(trimmed)) heading = trimmed.replace(/^#+\s*/, '')
    for (const annotation of pending) dangling.push({ document, line: annotation.line, text: `${annotation.kind}: ${annotation.text}` })
    pending = []
  }
  return { samples, dangling }
}

/** The names a block declares at its top level (imports, variables, functions, types…). */
function declaredNames(code: string, language: 'ts' | 'tsx'): Set<string> {
  const source = ts.createSourceFile(`block.${language}`, code, ts.ScriptTarget.ES2022, false, language === 'tsx' ? ts.ScriptKind.TSX : ts.ScriptKind.TS)
  const names = new Set<string>()
  const addBinding = (name: ts.BindingName) => {
    if (ts.isIdentifier(name)) names.add(name.text)
    else for (const element of name.elements) if (!ts.isOmittedExpression(element)) addBinding(element.name)
  }
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause
      if (clause?.name) names.add(clause.name.text)
      const bindings = clause?.namedBindings
      if (bindings && ts.isNamespaceImport(bindings)) names.add(bindings.name.text)
      if (bindings && ts.isNamedImports(bindings)) for (const element of bindings.elements) names.add(element.name.text)
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) addBinding(declaration.name)
    } else if (
      (ts.isFunctionDeclaration(statement) ||
        ts.isClassDeclaration(statement) ||
        ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement) ||
        ts.isEnumDeclaration(statement)) &&
      statement.name
    ) {
      names.add(statement.name.text)
    }
  }
  return names
}

/** Whether a block is Node code (it imports a `node:` module). */
const isNodeSample = (sample: Sample) => /from\s+['"]node:|import\(\s*['"]node:/.test(sample.code)

/**
 * The statements of a `declare:` comment, each made ambient: `const root: HTMLElement;
 * function render(m: unknown): void` becomes `declare const root: HTMLElement` and
 * `declare function render(m: unknown): void`. Imports, interfaces and types stay as they are.
 */
function ambient(text: string): string[] {
  const source = ts.createSourceFile('declare.d.ts', text, ts.ScriptTarget.ES2022, true)
  return source.statements.map((statement) => {
    const code = statement.getText(source)
    const needsDeclare =
      (ts.isVariableStatement(statement) || ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isEnumDeclaration(statement) || ts.isModuleDeclaration(statement)) &&
      !statement.modifiers?.some((modifier) => modifier.kind === ts.SyntaxKind.DeclareKeyword)
    return (needsDeclare ? `declare ${code}` : code).replace(/\s*\n\s*/g, ' ')
  })
}

/** The lines put before a block's code: its own declarations, then the shared ones it needs. */
function preambleOf(sample: Sample): string[] {
  const own = sample.declarations.flatMap(ambient).join('\n')
  const declared = new Set([...declaredNames(sample.code, sample.language), ...declaredNames(own, 'ts')])
  const shared = Object.entries(SHARED_PREAMBLE)
    .filter(([name]) => !declared.has(name) && new RegExp(`(?<![\\w$.])${name}(?![\\w$])`).test(sample.code))
    .map(([, declaration]) => declaration)
  return [...(own ? own.split('\n') : []), ...shared]
}

function compilerOptions(node: boolean): ts.CompilerOptions {
  const paths = {
    'companion-chat': ['./src/index.ts'],
    'companion-chat/react': ['./src/react/index.ts'],
    'companion-chat/couchdb': ['./src/couchdb/index.ts'],
    'companion-chat/worker': ['./worker/index.ts'],
    'companion-chat/node-worker': ['./worker/node.ts'],
  }
  const { options, errors } = ts.convertCompilerOptionsFromJson(
    {
      target: 'ES2022',
      module: 'ESNext',
      moduleResolution: 'Bundler',
      moduleDetection: 'force', // every block is a module of its own, even without imports
      lib: ['ES2022', 'DOM', 'DOM.Iterable'],
      jsx: 'react-jsx',
      types: node ? ['node'] : [],
      strict: true,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      verbatimModuleSyntax: true,
      skipLibCheck: true,
      noEmit: true,
      baseUrl: '.',
      paths,
    },
    repoRoot,
  )
  if (errors.length > 0) throw new Error(ts.formatDiagnostics(errors, formatHost))
  return options
}

const formatHost: ts.FormatDiagnosticsHost = {
  getCanonicalFileName: (fileName) => fileName,
  getCurrentDirectory: () => repoRoot,
  getNewLine: () => '\n',
}

interface Prepared {
  readonly sample: Sample
  readonly fileName: string
  readonly preambleLines: number
  readonly node: boolean
}

/** Diagnostics of a sample, as `README.md:12:5 TS2304: Cannot find name 'x'.` lines. */
function describeDiagnostics(prepared: Prepared, diagnostics: readonly ts.Diagnostic[]): string[] {
  return diagnostics.map((diagnostic) => {
    const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')
    if (!diagnostic.file || diagnostic.start === undefined) return `${prepared.sample.document}:${prepared.sample.line} TS${diagnostic.code}: ${text}`
    const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start)
    const where =
      line < prepared.preambleLines
        ? `${prepared.sample.document}:${prepared.sample.line} (in its preamble: ${diagnostic.file.text.split('\n')[line]})`
        : `${prepared.sample.document}:${prepared.sample.line + line - prepared.preambleLines}:${character + 1}`
    return `${where} TS${diagnostic.code}: ${text}`
  })
}

const found = DOCUMENTS.filter((document) => existsSync(join(repoRoot, document))).map((document) =>
  extractSamples(readFileSync(join(repoRoot, document), 'utf8'), document),
)
const samples = found.flatMap((result) => result.samples)
const dangling = found.flatMap((result) => result.dangling)
const compiled = samples.filter((sample) => sample.notCompiled === undefined)

describe('README samples', () => {
  let folder = ''
  const prepared = new Map<Sample, Prepared>()
  const diagnostics = new Map<Sample, string[]>()

  beforeAll(() => {
    // Inside node_modules, so that the samples resolve react, rxjs and @types/* like the repository does.
    const cache = join(repoRoot, 'node_modules', '.cache')
    mkdirSync(cache, { recursive: true })
    folder = mkdtempSync(join(cache, 'readme-samples-'))
    for (const sample of compiled) {
      const preamble = preambleOf(sample)
      const fileName = join(folder, `${sample.document.replace(/\W/g, '-')}-line-${sample.line}.${sample.language}`)
      writeFileSync(fileName, [...preamble, sample.code].join('\n') + '\n')
      prepared.set(sample, { sample, fileName, preambleLines: preamble.length, node: isNodeSample(sample) })
    }
    for (const node of [false, true]) {
      const group = [...prepared.values()].filter((entry) => entry.node === node)
      if (group.length === 0) continue
      const program = ts.createProgram(
        group.map((entry) => entry.fileName),
        compilerOptions(node),
      )
      const global = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()]
      if (global.length > 0) throw new Error(ts.formatDiagnostics(global, formatHost))
      for (const entry of group) {
        const file = program.getSourceFile(entry.fileName)!
        const found = [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)]
        diagnostics.set(entry.sample, describeDiagnostics(entry, found))
      }
    }
  }, 120_000)

  afterAll(() => {
    if (folder) rmSync(folder, { recursive: true, force: true })
  })

  test('the documents have TypeScript samples, and every annotation stands right above one', () => {
    expect(compiled.length).toBeGreaterThan(5)
    expect(dangling).toEqual([])
  })

  test.each(compiled.map((sample) => [`${sample.document}:${sample.line} (${sample.heading})`, sample] as const))(
    '%s compiles',
    (_, sample) => {
      expect(diagnostics.get(sample)).toEqual([])
    },
  )
})

describe('extractSamples', () => {
  test('reads ts and tsx blocks with their annotations, line numbers and indentation', () => {
    const markdown = [
      '# Title', // 1
      '<!-- declare: const a: number -->', // 2
      '<!-- declare: const b: string -->', // 3
      '```ts', // 4
      'a + b', // 5
      '```', // 6
      '- item', // 7
      '  ```tsx', // 8
      '  <div />', // 9
      '  ```', // 10
      '<!-- not-compiled: a fragment -->', // 11
      '```ts', // 12
      '…', // 13
      '```', // 14
      '```sh', // 15
      'npm test', // 16
      '```', // 17
    ].join('\n')
    const { samples, dangling } = extractSamples(markdown, 'X.md')
    expect(dangling).toEqual([])
    expect(samples).toEqual([
      { document: 'X.md', line: 5, language: 'ts', code: 'a + b', declarations: ['const a: number', 'const b: string'], heading: 'Title' },
      { document: 'X.md', line: 9, language: 'tsx', code: '<div />', declarations: [], heading: 'Title' },
      { document: 'X.md', line: 13, language: 'ts', code: '…', declarations: [], notCompiled: 'a fragment', heading: 'Title' },
    ])
  })

  test('reports an annotation that no code block follows', () => {
    const { samples, dangling } = extractSamples(['<!-- declare: const a: number -->', '', '```ts', 'a', '```'].join('\n'), 'X.md')
    expect(samples[0]?.declarations).toEqual([])
    expect(dangling).toEqual([{ document: 'X.md', line: 1, text: 'declare: const a: number' }])
  })
})
