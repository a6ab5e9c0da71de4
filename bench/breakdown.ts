/**
 * Where the time of a send goes: `npx tsx bench/breakdown.ts [--kept N] [--sends N] [--reps N]`.
 *
 * A companion to `sends.bench.ts` for when its targets are missed. It times the steps of
 * the send path on their own, with the modules the SDK itself uses (nothing in src/ or
 * worker/ is changed or patched):
 *   - the client's synchronous part: message building, `checkCommand`, `planCommand` and
 *     the one optimistic `applyChanges` of the tick;
 *   - the message-channel copy of the command and of the patch (`structuredClone`);
 *   - the engine on its own (no Comlink): `execute` until its patch is published, and
 *     inside it `checkCommand`, topic counting and the rows added in a transaction on
 *     every table;
 *   - the client applying the confirmed patch (its own messages come back as ids);
 *   - for one-by-one sends: the engine per command, a raw Dexie put per transaction, and
 *     the IndexedDB calls one send makes.
 * Each figure is the median of `--reps` runs on a fresh database. Steps timed alone run
 * without the garbage the whole path leaves, so they add up to less than the end to end.
 */
import { parseArgs } from 'node:util'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { Dexie, type DBCore } from 'dexie'
import { createChatClient } from '../src/index.js'
import { checkCommand } from '../src/core/check-command.js'
import { planCommand, type PlanContext } from '../src/core/plan.js'
import { CHAT_CONFIG, INITIAL_VIEW, MAIN_THREAD, PROTOCOL_VERSION, type Change, type ChatConfig, type ChatMessage, type Command, type Patch } from '../src/core/protocol.js'
import { countTopics } from '../src/core/topics.js'
import { checkSendOptions, checkText } from '../src/core/validate.js'
import { EMPTY_STATE, applyChanges, createSeqIndex } from '../src/client/apply-changes.js'
import { createIdSource } from '../src/client/ids.js'
import { createEngine } from '../worker/engine.js'
import { ChatDatabase } from '../worker/database.js'
import { fmt, loadGc, makeRows, makeTexts, median } from './workload.js'
import { timeRawBulkPut } from './baseline.js'

const { values: args } = parseArgs({
  options: {
    kept: { type: 'string', default: '10000' },
    sends: { type: 'string', default: '10000' },
    reps: { type: 'string', default: '5' },
    'one-by-one': { type: 'string', default: '1000' },
  },
})
const KEPT = Number(args.kept)
const SENDS = Number(args.sends)
const REPS = Number(args.reps)
const ONE_BY_ONE = Number(args['one-by-one'])
const config: ChatConfig = { ...CHAT_CONFIG, autoCleanupInterval: 0, maxMainChatMessages: KEPT }
const texts = makeTexts(SENDS)
const N = SENDS.toLocaleString('en-US')
const gc = await loadGc()
const newId = createIdSource()
let databases = 0
const nextName = () => `breakdown-${process.pid}-${++databases}`
const newDatabase = () => new ChatDatabase(nextName(), { indexedDB: new IDBFactory(), IDBKeyRange: IDBKeyRange as unknown as typeof globalThis.IDBKeyRange })

/** Median ms of `reps` runs of `fn`, each after a GC; `fn` returns its own timed span. */
async function measure(fn: () => Promise<number> | number, reps = REPS): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < reps; i++) {
    gc()
    times.push(await fn())
  }
  return median(times)
}

function time(fn: () => void): number {
  const t0 = performance.now()
  fn()
  return performance.now() - t0
}

// ── Mirrors of the client's private steps (src/client/chat-client.ts), for timing only ──

/** `Client.message` without options: what each send builds. */
function buildMessage(content: string): ChatMessage {
  checkSendOptions(undefined, config)
  checkText(content, 'content', config.maxContentLength)
  return { id: newId(), content, sender: 'user', timestamp: Date.now(), type: 'text' }
}

/** The client's plan context for ids it made itself: they cannot exist anywhere yet. */
const freshContext: PlanContext = {
  config,
  userContext: {},
  view: INITIAL_VIEW,
  ticket: () => undefined,
  thread: () => undefined,
  message: () => undefined,
}

const command = (fields: { kind: 'sendMessages'; messages: ChatMessage[] } | { kind: 'sendMessage'; message: ChatMessage }): Command =>
  ({ commandId: newId(), at: Date.now(), thread: MAIN_THREAD, ...fields }) as Command

// ── End to end, through the public API ───────────────────────────────────────────

async function endToEnd(mode: 'batched' | 'fired'): Promise<{ total: number; sync: number }> {
  const totals: number[] = []
  const syncs: number[] = []
  for (let i = 0; i < REPS; i++) {
    gc()
    const chat = createChatClient({ host: 'in-process', indexedDB: new IDBFactory(), IDBKeyRange, databaseName: nextName(), config })
    await chat.ready
    const t0 = performance.now()
    const done = mode === 'batched' ? chat.sendMainChatMessages(texts) : Promise.all(texts.map((t) => chat.sendMainChatMessage(t)))
    syncs.push(performance.now() - t0)
    await done
    totals.push(performance.now() - t0)
    await chat.close()
  }
  return { total: median(totals), sync: median(syncs) }
}

// ── The engine on its own ────────────────────────────────────────────────────────

async function openEngine() {
  const engine = createEngine({ indexedDB: new IDBFactory(), IDBKeyRange })
  const connection = engine.connection()
  let last: Patch | undefined
  const welcome = await connection.connect(
    { protocolVersion: PROTOCOL_VERSION, databaseName: nextName(), config, requirePersistence: true },
    (patch) => (last = patch),
  )
  if (!welcome.ok) throw new Error(welcome.error.message)
  return { engine, connection, lastPatch: () => last }
}

/** The engine committing `commands` in one `execute` (one transaction), until its patch is out. */
async function engineExecute(commands: readonly Command[]): Promise<{ ms: number; patch: Patch }> {
  const { engine, connection, lastPatch } = await openEngine()
  const t0 = performance.now()
  const result = await connection.execute(commands)
  const ms = performance.now() - t0
  if (!result.ok) throw new Error(result.error.message)
  const patch = lastPatch()!
  await engine.close()
  return { ms, patch }
}

const describePatch = (patch: Patch): string =>
  `(${patch.changes.length} changes, ${patch.sent?.ids.length ?? 0} own messages as ids, ${patch.done.length} commands done)`

/** The rows added the way the engine adds a batch of new messages: one rw transaction on every table. */
async function engineShapedAdd(): Promise<number> {
  const db = newDatabase()
  await db.open()
  const rows = makeRows(texts)
  const t0 = performance.now()
  await db.transaction('rw', db.all, () => db.messages.bulkAdd(rows))
  const ms = performance.now() - t0
  db.close()
  return ms
}

/** What the client does with a confirming patch: its own messages by id and place, then one apply. */
function applyConfirmed(patch: Patch, own: ReadonlyMap<string, ChatMessage>): number {
  return time(() => {
    const changes: Change[] = [...patch.changes]
    const { ids = [], seqs = [] } = patch.sent ?? {}
    for (let i = 0; i < ids.length; i++) changes.push({ type: 'message', record: { thread: MAIN_THREAD, message: own.get(ids[i]!)!, seq: seqs[i]! } })
    applyChanges(EMPTY_STATE, changes, KEPT, createSeqIndex())
  })
}

// ── Report ───────────────────────────────────────────────────────────────────────

const show = (name: string, ms: number, note = '') => {
  console.log(`${name.padEnd(64)} ${fmt(ms).padStart(8)} ms${note ? `  ${note}` : ''}`)
}

console.log(`breakdown: ${SENDS} main-chat sends, maxMainChatMessages ${KEPT}, median of ${REPS}\n`)

console.log('— baselines')
show('raw Dexie bulkPut (1 table, same rows)', await measure(async () => (await timeRawBulkPut(nextName(), texts)).ms))
show('the same rows added in an rw transaction on the engine’s 5 tables', await measure(engineShapedAdd))

console.log('\n— batched: sendMainChatMessages(texts)')
const batched = await endToEnd('batched')
show('end to end (until the promise resolves)', batched.total)
show('  client, synchronous part of the call', batched.sync)
let messages: ChatMessage[] = []
show(`    build + validate ${N} messages (Client.message)`, await measure(() => time(() => (messages = texts.map(buildMessage)))))
const batch = command({ kind: 'sendMessages', messages })
show('    checkCommand', await measure(() => time(() => checkCommand(batch, config))))
let planned: Change[] = []
show('    planCommand', await measure(() => time(() => (planned = planCommand(batch, freshContext)))))
show('    optimistic applyChanges', await measure(() => time(() => applyChanges(EMPTY_STATE, planned, KEPT))), `(${planned.length} changes)`)
show('  structuredClone of the command (one copy over the channel)', await measure(() => time(() => structuredClone(batch))))
let batchedPatch: Patch | undefined
show(
  '  engine alone: execute → committed → patch published',
  await measure(async () => {
    const { ms, patch } = await engineExecute([batch])
    batchedPatch = patch
    return ms
  }),
)
show('    checkCommand (engine side, same work as above)', await measure(() => time(() => checkCommand(batch, config))))
show('    countTopics of every user message', await measure(() => time(() => countTopics(texts, new Map()))))
show('    messages bulkAdd (as above, engine-shaped transaction)', await measure(engineShapedAdd))
show('  structuredClone of the patch', await measure(() => time(() => structuredClone(batchedPatch))), describePatch(batchedPatch!))
const own = new Map(messages.map((m) => [m.id, m]))
show('  client applies the confirmed patch', await measure(() => applyConfirmed(batchedPatch!, own)))

console.log('\n— fired together: Promise.all(texts.map(sendMainChatMessage))')
const fired = await endToEnd('fired')
show('end to end', fired.total)
show(`  client, synchronous part of the ${N} calls`, fired.sync)
const singles = texts.map((t) => command({ kind: 'sendMessage', message: buildMessage(t) }))
show(`    checkCommand × ${N}`, await measure(() => time(() => singles.forEach((single) => checkCommand(single, config)))))
show(`    planCommand × ${N}`, await measure(() => time(() => singles.forEach((single) => planCommand(single, freshContext)))))
let firedPatch: Patch | undefined
show(
  `  engine alone: one execute of ${N} commands`,
  await measure(async () => {
    const { ms, patch } = await engineExecute(singles)
    firedPatch = patch
    return ms
  }),
)
show(`  structuredClone of the ${N} commands`, await measure(() => time(() => structuredClone(singles))))
show('  structuredClone of the patch', await measure(() => time(() => structuredClone(firedPatch))), describePatch(firedPatch!))
const ownSingles = new Map(singles.map((c) => (c.kind === 'sendMessage' ? [c.message.id, c.message] : ['', messages[0]!])))
show('  client applies the confirmed patch', await measure(() => applyConfirmed(firedPatch!, ownSingles)))

console.log(`\n— one by one: ${ONE_BY_ONE} awaited sends`)
const sample = texts.slice(0, ONE_BY_ONE)
show(
  'end to end, per send',
  await measure(async () => {
    const chat = createChatClient({ host: 'in-process', indexedDB: new IDBFactory(), IDBKeyRange, databaseName: nextName(), config })
    await chat.ready
    const t0 = performance.now()
    for (const t of sample) await chat.sendMainChatMessage(t)
    const ms = (performance.now() - t0) / ONE_BY_ONE
    await chat.close()
    return ms
  }, 3),
)
show(
  '  engine alone, one execute per command, per send',
  await measure(async () => {
    const { engine, connection } = await openEngine()
    const commands = sample.map((t) => command({ kind: 'sendMessage', message: buildMessage(t) }))
    const t0 = performance.now()
    for (const c of commands) await connection.execute([c])
    const ms = (performance.now() - t0) / ONE_BY_ONE
    await engine.close()
    return ms
  }, 3),
)
show(
  '  raw Dexie: one put per transaction, per row',
  await measure(async () => {
    const db = new Dexie(nextName(), { indexedDB: new IDBFactory(), IDBKeyRange })
    db.version(1).stores({ messages: 'id, [thread+seq]' })
    await db.open()
    const rows = makeRows(sample)
    const t0 = performance.now()
    for (const row of rows) await db.table('messages').put(row)
    const ms = (performance.now() - t0) / ONE_BY_ONE
    db.close()
    return ms
  }, 3),
)

// Last, because it adds a Dexie middleware to every database opened from here on.
const operations = await countOperationsPerSend()
console.log(`  IndexedDB operations per awaited send (Dexie DBCore calls, after 150 sends): ${operations.total} — ${operations.detail}`)

/** Counts the DBCore calls of one awaited send through a Dexie addon (the engine uses the same Dexie module). */
async function countOperationsPerSend(): Promise<{ total: number; detail: string }> {
  const calls = new Map<string, number>()
  let counting = false
  Dexie.addons.push((db) =>
    db.use({
      stack: 'dbcore',
      name: 'bench-count-calls',
      create: (down: DBCore): DBCore => ({
        ...down,
        table(name) {
          const table = down.table(name)
          const note = (kind: string) => counting && calls.set(`${name}.${kind}`, (calls.get(`${name}.${kind}`) ?? 0) + 1)
          return {
            ...table,
            mutate: (req) => (note(`mutate:${req.type}`), table.mutate(req)),
            get: (req) => (note('get'), table.get(req)),
            getMany: (req) => (note('getMany'), table.getMany(req)),
            query: (req) => (note('query'), table.query(req)),
            openCursor: (req) => (note('openCursor'), table.openCursor(req)),
            count: (req) => (note('count'), table.count(req)),
          }
        },
      }),
    }),
  )
  const chat = createChatClient({ host: 'in-process', indexedDB: new IDBFactory(), IDBKeyRange, databaseName: nextName(), config })
  await chat.ready
  for (const text of texts.slice(0, 150)) await chat.sendMainChatMessage(text)
  counting = true
  const sends = 10
  for (const text of texts.slice(150, 150 + sends)) await chat.sendMainChatMessage(text)
  counting = false
  await chat.close()
  const total = [...calls.values()].reduce((a, b) => a + b, 0) / sends
  return { total, detail: [...calls].map(([call, n]) => `${call} ${n / sends}`).join(', ') }
}
