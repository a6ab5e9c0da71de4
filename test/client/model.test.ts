/**
 * The model-based part of the reliability harness: random sequences of the client's public
 * commands, run against a real client (an in-process engine on fake-indexeddb) and against
 * a pure reference model of what the user must see. After every command the visible state
 * is compared with the model; at settled points (everything awaited) the whole state is;
 * after each sequence the clients are closed, a new one opens on the same database, and what
 * it shows must equal the model. Some runs drive two clients (two tabs) on one database.
 *
 * Commands are also issued without awaiting them, refer to tickets that cleanup or a wipe
 * removed (the model expects `NotFoundError`), and move a virtual clock across the exact
 * cleanup age. Each client's engine runs behind a worker that a step kills (at once, or
 * after it committed everything it got without answering): the client starts another, and
 * the model does not change — nothing is lost, applied twice or taken off the screen. `npm test` runs MODEL_RUNS sequences (230 by default, about 10,000 operations
 * in all, printed at the end); `npm run test:soak` runs many more. A failure prints fast-check's seed and path:
 * see CONTRIBUTING.md to replay it.
 */
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { IDBFactory } from 'fake-indexeddb'
import {
  InvalidTransitionError,
  MAIN_THREAD,
  NotFoundError,
  createChatClient,
  type ChatClient,
  type ChatSystemState,
  type TicketPriority,
  type TicketStatus,
  type TicketType,
} from 'companion-chat'
import { killableWorker, loadEveryTicket, uniqueName, type KillableWorker } from '../helpers/client.js'

// ── Sizes ────────────────────────────────────────────────────────────────────

const RUNS = Number(process.env['MODEL_RUNS'] ?? 230)
const MAX_COMMANDS = Number(process.env['MODEL_MAX_COMMANDS'] ?? 100)
const SEED = process.env['MODEL_SEED'] === undefined ? undefined : Number(process.env['MODEL_SEED'])
const PATH = process.env['MODEL_PATH']
/** fast-check's `replayPath` of the failing command list (printed with the counterexample). */
const REPLAY_PATH = process.env['MODEL_REPLAY_PATH']

/** Small limits, so that trimming and cleanup happen in short sequences. */
const MAX_MAIN = 5
const AGE = 1_000
const CONFIG = { maxMainChatMessages: MAX_MAIN, maxResolvedTicketAge: AGE, autoCleanupInterval: 0, ticketWindow: 3, maxLoadedTickets: 4 }
const START = 1_700_000_000_000

// ── The reference model ──────────────────────────────────────────────────────

type Sender = 'user' | 'assistant'

interface ModelMessage {
  readonly id: string
  readonly content: string
  readonly sender: Sender
  readonly seq: number
  /** The ticket made from it (`metadata.ticketId`). */
  ticketId?: string
}

interface ModelTicket {
  readonly id: string
  readonly type: TicketType
  readonly title: string
  status: TicketStatus
  priority: TicketPriority
  context: Record<string, unknown>
  readonly createdAt: number
  updatedAt: number
  resolvedAt?: number
  summary?: string
  readonly messages: ModelMessage[]
  readSeq: number
}

interface Model {
  /** The virtual clock every client reads. */
  now: number
  seq: number
  main: ModelMessage[]
  /** Every main-chat message id ever sent: trimmed ones are referred to as well. */
  mainIds: string[]
  mainLastSeq: number
  mainReadSeq: number
  /** The tickets that exist, in the order they were created. */
  tickets: ModelTicket[]
  /** Every ticket id ever made (removed ones too): commands on those expect NotFoundError. */
  ticketIds: string[]
  userContext: Record<string, unknown>
  activeTicketId: string | null
  ticketView: 'chat' | 'tickets'
  drafts: Map<string, string>
  totalMessages: number
  resolved: number
  resolutionSum: number
  nextId: number
  /** How many operations ran, over every sequence (for the report). */
  operations: { count: number }
}

const newModel = (operations: { count: number }): Model => ({
  now: START,
  seq: 0,
  main: [],
  mainIds: [],
  mainLastSeq: 0,
  mainReadSeq: 0,
  tickets: [],
  ticketIds: [],
  userContext: {},
  activeTicketId: null,
  ticketView: 'chat',
  drafts: new Map(),
  totalMessages: 0,
  resolved: 0,
  resolutionSum: 0,
  nextId: 0,
  operations,
})

const TRANSITIONS: Record<TicketStatus, readonly TicketStatus[]> = {
  open: ['in-progress', 'resolved', 'closed'],
  'in-progress': ['open', 'resolved', 'closed'],
  resolved: ['open', 'in-progress', 'closed'],
  closed: [],
}

const findTicket = (model: Model, id: string) => model.tickets.find((ticket) => ticket.id === id)

/** Resolution counters follow `resolvedAt - createdAt` of every ticket that has one. */
function setTicket(model: Model, ticket: ModelTicket, change: () => void): void {
  const before = ticket.resolvedAt === undefined ? undefined : ticket.resolvedAt - ticket.createdAt
  change()
  const after = ticket.resolvedAt === undefined ? undefined : ticket.resolvedAt - ticket.createdAt
  if (before === after) return
  model.resolved += (after === undefined ? 0 : 1) - (before === undefined ? 0 : 1)
  model.resolutionSum += (after ?? 0) - (before ?? 0)
}

/** The model's answer to a status change; throws the error the client must throw. */
function transition(model: Model, ticket: ModelTicket, to: TicketStatus, summary?: string): void {
  const from = ticket.status
  if (from !== to && !TRANSITIONS[from].includes(to)) throw new InvalidTransitionError('model')
  if (from === to && (to !== 'resolved' || summary === undefined || summary === ticket.summary)) return
  setTicket(model, ticket, () => {
    if (to === 'resolved') {
      ticket.resolvedAt ??= model.now
      if (summary !== undefined) ticket.summary = summary
    } else if (to !== 'closed') {
      delete ticket.resolvedAt
      delete ticket.summary
    }
    ticket.status = to
    ticket.updatedAt = model.now
  })
}

function addMainMessages(model: Model, messages: ReadonlyArray<{ id: string; content: string; sender: Sender }>): void {
  for (const message of messages) {
    model.main.push({ ...message, seq: ++model.seq })
    model.mainIds.push(message.id)
    model.mainLastSeq = model.seq
    model.totalMessages++
  }
  if (model.main.length > MAX_MAIN) model.main.splice(0, model.main.length - MAX_MAIN)
  if (messages.some((m) => m.sender === 'user')) model.drafts.delete(MAIN_THREAD)
}

function addTicketMessage(model: Model, ticket: ModelTicket, content: string, sender: Sender): void {
  if (ticket.status === 'closed') throw new InvalidTransitionError('model')
  ticket.messages.push({ id: '', content, sender, seq: ++model.seq })
  model.totalMessages++
  if (ticket.status === 'resolved' && sender === 'user') transition(model, ticket, 'open')
  else ticket.updatedAt = model.now
  if (sender === 'user') model.drafts.delete(ticket.id)
}

function wipe(model: Model): void {
  Object.assign(model, { ...newModel(model.operations), now: model.now, seq: model.seq, nextId: model.nextId, mainIds: model.mainIds, ticketIds: model.ticketIds })
}

const unread = (messages: readonly ModelMessage[], readSeq: number) => messages.filter((m) => m.sender !== 'user' && m.seq > readSeq).length

// ── What the user sees ───────────────────────────────────────────────────────

/** The visible state, in the model's terms. `settled`: also what only the engine computes. */
function observe(state: ChatSystemState, settled: boolean, withMessages: boolean) {
  return {
    main: state.mainChat.messages.map((m) => ({ id: m.id, content: m.content, sender: m.sender, ticketId: m.metadata?.['ticketId'] })),
    mainDraft: state.mainChat.draft,
    tickets: state.tickets.map((t) => ({
      id: t.id,
      type: t.type,
      title: t.title,
      status: t.status,
      priority: t.priority,
      context: t.context,
      createdAt: t.createdAt,
      updatedAt: t.updatedAt,
      resolvedAt: t.resolvedAt,
      summary: t.summary,
      draft: t.draft,
      ...(settled ? { unreadCount: t.unreadCount, messageCount: t.messageCount, lastMessage: t.lastMessage?.content } : {}),
      ...(withMessages ? { messages: t.messages.map((m) => ({ content: m.content, sender: m.sender })) } : {}),
    })),
    userContext: state.userContext,
    activeTicketId: state.activeTicketId,
    ticketView: state.ticketView,
    ...(settled
      ? {
          mainUnread: state.mainChat.unreadCount,
          analytics: {
            totalMessages: state.analytics.totalMessages,
            activeTickets: state.analytics.activeTickets,
            resolvedTickets: state.analytics.resolvedTickets,
            averageResolutionTime: state.analytics.averageResolutionTime,
          },
        }
      : {}),
  }
}

/** What the model says the user sees, in the same shape. */
function expected(model: Model, settled: boolean, withMessages: boolean): ReturnType<typeof observe> {
  const active = model.tickets.filter((t) => t.status === 'open' || t.status === 'in-progress').length
  return {
    main: model.main.map((m) => ({ id: m.id, content: m.content, sender: m.sender, ticketId: m.ticketId })),
    mainDraft: model.drafts.get(MAIN_THREAD) ?? '',
    tickets: model.tickets.map((t) => ({
      id: t.id,
      type: t.type,
      title: t.title,
      status: t.status,
      priority: t.priority,
      context: t.context as ChatSystemState['tickets'][number]['context'],
      createdAt: t.createdAt,
      updatedAt: t.updatedAt,
      resolvedAt: t.resolvedAt,
      summary: t.summary,
      draft: model.drafts.get(t.id) ?? '',
      ...(settled ? { unreadCount: unread(t.messages, t.readSeq), messageCount: t.messages.length, lastMessage: t.messages.at(-1)?.content } : {}),
      ...(withMessages ? { messages: t.messages.map((m) => ({ content: m.content, sender: m.sender })) } : {}),
    })),
    userContext: model.userContext as ChatSystemState['userContext'],
    activeTicketId: model.activeTicketId,
    ticketView: model.ticketView,
    ...(settled
      ? {
          mainUnread: unread(model.main, model.mainReadSeq),
          analytics: {
            totalMessages: model.totalMessages,
            activeTickets: active,
            resolvedTickets: model.resolved,
            averageResolutionTime: model.resolved > 0 ? Math.round(model.resolutionSum / model.resolved) : 0,
          },
        }
      : {}),
  }
}

// ── The system under test ────────────────────────────────────────────────────

interface Real {
  readonly indexedDB: IDBFactory
  readonly databaseName: string
  clients: ChatClient[]
  /** The worker each client runs on now (by client). */
  readonly workers: Map<ChatClient, KillableWorker>
  /** The client the next command goes to. */
  current: number
  /** Commands not awaited, awaited at the next settled point. */
  pending: Array<{ readonly label: string; readonly promise: Promise<void> }>
  readonly clock: { now: number }
}

function openClient(real: Real): ChatClient {
  const made: { chat?: ChatClient; worker?: KillableWorker } = {}
  const chat = createChatClient({
    databaseName: real.databaseName,
    worker: () => {
      made.worker = killableWorker(real.indexedDB)
      if (made.chat) real.workers.set(made.chat, made.worker)
      return made.worker
    },
    now: () => real.clock.now,
    config: CONFIG,
  })
  made.chat = chat
  real.workers.set(chat, made.worker!)
  return chat
}

const client = (real: Real) => real.clients[real.current]!

/** Runs a client call the model says succeeds: awaited or left pending. */
async function succeed(real: Real, label: string, awaited: boolean, call: () => Promise<void>): Promise<void> {
  const promise = call()
  if (awaited) await promise
  else {
    promise.catch(() => {}) // checked at the next settled point
    real.pending.push({ label, promise })
  }
}

/** Runs a client call the model says fails with `error`: it must throw at once, and change nothing. */
function fail(call: () => unknown, error: new (...args: never[]) => Error): void {
  let thrown: unknown
  try {
    const result = call()
    if (result instanceof Promise) result.catch(() => {})
  } catch (caught) {
    thrown = caught
  }
  expect(thrown, 'the client throws at once').toBeInstanceOf(error)
}

/** Every pending command resolved, every client wrote everything, and every client shows the model. */
async function settle(model: Model, real: Real, withMessages = false): Promise<void> {
  const pending = real.pending.splice(0)
  const outcomes = await Promise.allSettled(pending.map((entry) => entry.promise))
  outcomes.forEach((outcome, i) => {
    if (outcome.status === 'rejected') throw new Error(`${pending[i]!.label} failed: ${String(outcome.reason)}`, { cause: outcome.reason })
  })
  await Promise.all(real.clients.map((c) => c.flush()))
  if (real.clients.length > 1) {
    // The other tab hears of this tab's commits in order, through its own engine, some time
    // later: a last write from this tab tells when it has heard them all (it may show an
    // older, consistent state until then).
    model.userContext = { ...model.userContext, heard: ++model.nextId }
    await client(real).updateUserContext({ heard: model.nextId })
  }
  const want = expected(model, true, withMessages)
  for (const c of real.clients) {
    // Another client hears of the commits through its engine: wait for it (bounded).
    for (let i = 0; i < 2_000; i++) {
      if (withMessages) await loadEveryTicket(c)
      if (JSON.stringify(observe(c.getState(), true, withMessages)) === JSON.stringify(want)) break
      await new Promise((resolve) => setImmediate(resolve))
    }
    expect(observe(c.getState(), true, withMessages)).toEqual(want)
  }
}

/** Closes every client and opens as many new ones on the database. */
async function reopen(real: Real): Promise<void> {
  const count = real.clients.length
  await Promise.all(real.clients.map((c) => c.close()))
  real.clients = Array.from({ length: count }, () => openClient(real))
  await Promise.all(real.clients.map((c) => c.ready))
}

// ── The commands ─────────────────────────────────────────────────────────────

type Command = fc.AsyncCommand<Model, Real>

/** A command that checks the visible state against the model after it ran. */
abstract class Step implements Command {
  check(_model: Readonly<Model>): boolean {
    return true
  }
  abstract apply(model: Model, real: Real): Promise<void>
  abstract toString(): string
  async run(model: Model, real: Real): Promise<void> {
    model.operations.count++
    await this.apply(model, real)
    expect(observe(client(real).getState(), false, false), `after ${this.toString()}`).toEqual(expected(model, false, false))
  }
}

const CONTENTS = ['hello', 'my order 42 is late', 'wallet', 'Größe M?', 'ok', '東京の財布']
const content = fc.constantFrom(...CONTENTS)
const sender = fc.constantFrom<Sender>('user', 'user', 'assistant')
const awaited = fc.constantFrom(true, false, false) // mostly left pending: they then share transactions
const ticketType = fc.constantFrom<TicketType>('support', 'product-inquiry', 'order-help', 'technical')

/** The ids of the newest `count` main-chat messages the client shows (the ones it just made). */
const newestIds = (real: Real, count: number) => client(real).getState().mainChat.messages.slice(-count).map((m) => m.id)

/** Main-chat sends with ids the app gives (`ownIds`) or ids the client makes (read back from its state). */
class SendMain extends Step {
  constructor(readonly content: string, readonly sender: Sender, readonly awaited: boolean, readonly ownIds: boolean) {
    super()
  }
  async apply(model: Model, real: Real) {
    const own = this.ownIds ? `m${++model.nextId}` : undefined
    let promise: Promise<void> | undefined
    await succeed(real, this.toString(), false, () => (promise = client(real).sendMainChatMessage(this.content, { sender: this.sender, ...(own ? { id: own } : {}) })))
    addMainMessages(model, [{ id: own ?? newestIds(real, 1)[0]!, content: this.content, sender: this.sender }])
    if (this.awaited) await promise
  }
  toString() {
    return `sendMainChatMessage(${JSON.stringify(this.content)}, ${this.sender}${this.ownIds ? ', own id' : ''}${this.awaited ? '' : ', not awaited'})`
  }
}

class SendMainBatch extends Step {
  constructor(readonly contents: readonly string[], readonly sender: Sender, readonly awaited: boolean, readonly ownIds: boolean) {
    super()
  }
  async apply(model: Model, real: Real) {
    const own = this.contents.map(() => (this.ownIds ? `m${++model.nextId}` : undefined))
    let promise: Promise<void> | undefined
    await succeed(real, this.toString(), false, () =>
      (promise = client(real).sendMainChatMessages(this.contents.map((text, i) => ({ content: text, options: { sender: this.sender, ...(own[i] ? { id: own[i] } : {}) } })))),
    )
    const made = newestIds(real, this.contents.length)
    addMainMessages(model, this.contents.map((text, i) => ({ id: own[i] ?? made[i]!, content: text, sender: this.sender })))
    if (this.awaited) await promise
  }
  toString() {
    return `sendMainChatMessages(${this.contents.length} × ${this.sender}${this.ownIds ? ', own ids' : ''}${this.awaited ? '' : ', not awaited'})`
  }
}

class CreateTicket extends Step {
  constructor(readonly type: TicketType, readonly initial: string | undefined, readonly awaited: boolean) {
    super()
  }
  async apply(model: Model, real: Real) {
    const title = `T${model.nextId + 1}`
    model.nextId++
    const id = client(real).createTicket(this.type, title, this.initial)
    const ticket: ModelTicket = { id, type: this.type, title, status: 'open', priority: 'medium', context: {}, createdAt: model.now, updatedAt: model.now, messages: [], readSeq: 0 }
    model.tickets.push(ticket)
    model.ticketIds.push(id)
    if (this.initial !== undefined) {
      ticket.messages.push({ id: '', content: this.initial, sender: 'user', seq: ++model.seq })
      model.totalMessages++
    }
    if (this.awaited) await client(real).flush()
  }
  toString() {
    return `createTicket(${this.type}, ${JSON.stringify(this.initial)}${this.awaited ? '' : ', not awaited'})`
  }
}

class CreateFromMessage extends Step {
  constructor(readonly pick: number, readonly type: TicketType) {
    super()
  }
  override check(model: Readonly<Model>) {
    return model.mainIds.length > 0
  }
  async apply(model: Model, real: Real) {
    const sourceId = model.mainIds[this.pick % model.mainIds.length]!
    const source = model.main.find((m) => m.id === sourceId)
    const title = `F${++model.nextId}`
    if (!source) return fail(() => client(real).createTicketFromChatMessage(sourceId, this.type, title), NotFoundError)
    const id = client(real).createTicketFromChatMessage(sourceId, this.type, title)
    model.tickets.push({
      id,
      type: this.type,
      title,
      status: 'open',
      priority: 'medium',
      context: { sourceMessageId: sourceId },
      createdAt: model.now,
      updatedAt: model.now,
      messages: [{ id: '', content: source.content, sender: source.sender, seq: ++model.seq }],
      readSeq: 0,
    })
    model.ticketIds.push(id)
    model.totalMessages++
    source.ticketId = id
  }
  toString() {
    return `createTicketFromChatMessage(main message #${this.pick}, ${this.type})`
  }
}

/** A command on one ticket (picked among every ticket ever made: a removed one must give NotFoundError). */
abstract class TicketStep extends Step {
  constructor(readonly pick: number) {
    super()
  }
  override check(model: Readonly<Model>) {
    return model.ticketIds.length > 0
  }
  ticketId(model: Model) {
    return model.ticketIds[this.pick % model.ticketIds.length]!
  }
  async apply(model: Model, real: Real) {
    const id = this.ticketId(model)
    const ticket = findTicket(model, id)
    if (!ticket) return fail(() => this.call(client(real), id), NotFoundError)
    const before = structuredClone({ ...ticket, messages: [...ticket.messages] })
    const counters = [model.seq, model.totalMessages, model.resolved, model.resolutionSum, new Map(model.drafts)] as const
    try {
      this.change(model, ticket)
    } catch (error) {
      // The model refuses it: the client must refuse it the same way, and nothing changes.
      Object.assign(ticket, before)
      ;[model.seq, model.totalMessages, model.resolved, model.resolutionSum] = counters.slice(0, 4) as [number, number, number, number]
      model.drafts = counters[4]
      return fail(() => this.call(client(real), id), (error as Error).constructor as new () => Error)
    }
    await succeed(real, this.toString(), this.awaited, () => this.call(client(real), id))
  }
  abstract readonly awaited: boolean
  abstract call(chat: ChatClient, id: string): Promise<void>
  abstract change(model: Model, ticket: ModelTicket): void
}

class SendTicketMessage extends TicketStep {
  constructor(pick: number, readonly content: string, readonly sender: Sender, readonly awaited: boolean) {
    super(pick)
  }
  call(chat: ChatClient, id: string) {
    return chat.sendTicketMessage(id, this.content, { sender: this.sender })
  }
  change(model: Model, ticket: ModelTicket) {
    addTicketMessage(model, ticket, this.content, this.sender)
  }
  toString() {
    return `sendTicketMessage(ticket #${this.pick}, ${JSON.stringify(this.content)}, ${this.sender}${this.awaited ? '' : ', not awaited'})`
  }
}

class UpdateStatus extends TicketStep {
  constructor(pick: number, readonly status: TicketStatus, readonly awaited: boolean) {
    super(pick)
  }
  call(chat: ChatClient, id: string) {
    return chat.updateTicketStatus(id, this.status)
  }
  change(model: Model, ticket: ModelTicket) {
    transition(model, ticket, this.status)
  }
  toString() {
    return `updateTicketStatus(ticket #${this.pick}, ${this.status}${this.awaited ? '' : ', not awaited'})`
  }
}

class Resolve extends TicketStep {
  constructor(pick: number, readonly summary: string | undefined, readonly awaited: boolean) {
    super(pick)
  }
  call(chat: ChatClient, id: string) {
    return chat.resolveTicket(id, this.summary)
  }
  change(model: Model, ticket: ModelTicket) {
    transition(model, ticket, 'resolved', this.summary)
  }
  toString() {
    return `resolveTicket(ticket #${this.pick}, ${JSON.stringify(this.summary)}${this.awaited ? '' : ', not awaited'})`
  }
}

class UpdatePriority extends TicketStep {
  constructor(pick: number, readonly priority: TicketPriority, readonly awaited: boolean) {
    super(pick)
  }
  call(chat: ChatClient, id: string) {
    return chat.updateTicketPriority(id, this.priority)
  }
  change(model: Model, ticket: ModelTicket) {
    if (ticket.status === 'closed') throw new InvalidTransitionError('model')
    if (ticket.priority === this.priority) return
    ticket.priority = this.priority
    ticket.updatedAt = model.now
  }
  toString() {
    return `updateTicketPriority(ticket #${this.pick}, ${this.priority}${this.awaited ? '' : ', not awaited'})`
  }
}

class InheritContext extends TicketStep {
  constructor(pick: number, readonly keys: readonly string[], readonly awaited: boolean) {
    super(pick)
  }
  call(chat: ChatClient, id: string) {
    return chat.inheritContextToTicket(id, this.keys)
  }
  change(model: Model, ticket: ModelTicket) {
    if (ticket.status === 'closed') throw new InvalidTransitionError('model')
    const picked = Object.fromEntries(this.keys.filter((key) => model.userContext[key] !== undefined).map((key) => [key, model.userContext[key]]))
    if (Object.keys(picked).length === 0) return
    ticket.context = { ...ticket.context, ...picked }
    ticket.updatedAt = model.now
  }
  toString() {
    return `inheritContextToTicket(ticket #${this.pick}, ${JSON.stringify(this.keys)}${this.awaited ? '' : ', not awaited'})`
  }
}

class SelectTicket extends TicketStep {
  constructor(pick: number, readonly awaited: boolean) {
    super(pick)
  }
  call(chat: ChatClient, id: string) {
    return chat.selectTicket(id)
  }
  change(model: Model, ticket: ModelTicket) {
    model.activeTicketId = ticket.id
  }
  toString() {
    return `selectTicket(ticket #${this.pick}${this.awaited ? '' : ', not awaited'})`
  }
}

class MarkTicketRead extends TicketStep {
  constructor(pick: number, readonly awaited: boolean) {
    super(pick)
  }
  call(chat: ChatClient, id: string) {
    return chat.markRead(id)
  }
  change(_model: Model, ticket: ModelTicket) {
    ticket.readSeq = ticket.messages.at(-1)?.seq ?? ticket.readSeq
  }
  toString() {
    return `markRead(ticket #${this.pick}${this.awaited ? '' : ', not awaited'})`
  }
}

class SetTicketDraft extends TicketStep {
  readonly awaited = true
  constructor(pick: number, readonly text: string) {
    super(pick)
  }
  call(chat: ChatClient, id: string) {
    chat.setDraft(id, this.text) // throws at once for a ticket that is gone
    return Promise.resolve()
  }
  change(model: Model, ticket: ModelTicket) {
    if (this.text === '') model.drafts.delete(ticket.id)
    else model.drafts.set(ticket.id, this.text)
  }
  toString() {
    return `setDraft(ticket #${this.pick}, ${JSON.stringify(this.text)})`
  }
}

class Deselect extends Step {
  constructor(readonly awaited: boolean) {
    super()
  }
  async apply(model: Model, real: Real) {
    model.activeTicketId = null
    await succeed(real, this.toString(), this.awaited, () => client(real).selectTicket(null))
  }
  toString() {
    return `selectTicket(null${this.awaited ? '' : ', not awaited'})`
  }
}

class SwitchView extends Step {
  constructor(readonly view: 'chat' | 'tickets', readonly awaited: boolean) {
    super()
  }
  async apply(model: Model, real: Real) {
    model.ticketView = this.view
    await succeed(real, this.toString(), this.awaited, () => client(real).switchChatView(this.view))
  }
  toString() {
    return `switchChatView(${this.view}${this.awaited ? '' : ', not awaited'})`
  }
}

class UpdateContext extends Step {
  constructor(readonly patch: Readonly<Record<string, string | number | undefined>>, readonly awaited: boolean) {
    super()
  }
  async apply(model: Model, real: Real) {
    const next = { ...model.userContext }
    for (const [key, value] of Object.entries(this.patch)) {
      if (value === undefined) delete next[key]
      else next[key] = value
    }
    model.userContext = next
    await succeed(real, this.toString(), this.awaited, () => client(real).updateUserContext(this.patch))
  }
  toString() {
    return `updateUserContext(${JSON.stringify(this.patch, (_, v: unknown) => (v === undefined ? null : v))}${this.awaited ? '' : ', not awaited'})`
  }
}

class MarkMainRead extends Step {
  constructor(readonly awaited: boolean) {
    super()
  }
  async apply(model: Model, real: Real) {
    model.mainReadSeq = model.mainLastSeq
    await succeed(real, this.toString(), this.awaited, () => client(real).markRead(MAIN_THREAD))
  }
  toString() {
    return `markRead(main${this.awaited ? '' : ', not awaited'})`
  }
}

class SetMainDraft extends Step {
  constructor(readonly text: string) {
    super()
  }
  async apply(model: Model, real: Real) {
    if (this.text === '') model.drafts.delete(MAIN_THREAD)
    else model.drafts.set(MAIN_THREAD, this.text)
    client(real).setDraft(MAIN_THREAD, this.text)
  }
  toString() {
    return `setDraft(main, ${JSON.stringify(this.text)})`
  }
}

class AdvanceClock extends Step {
  constructor(readonly ms: number) {
    super()
  }
  async apply(model: Model, real: Real) {
    model.now += this.ms
    real.clock.now = model.now
  }
  toString() {
    return `clock + ${this.ms} ms`
  }
}

class RunCleanup extends Step {
  async apply(model: Model, real: Real) {
    const expired = model.tickets.filter((t) => (t.status === 'resolved' || t.status === 'closed') && model.now - (t.resolvedAt ?? t.updatedAt) > AGE)
    const report = await client(real).runCleanup()
    expect([...report.removedTicketIds].sort()).toEqual(expired.map((t) => t.id).sort())
    expect(report.removedMessages).toBe(expired.reduce((sum, t) => sum + t.messages.length, 0))
    const gone = new Set(expired.map((t) => t.id))
    model.tickets = model.tickets.filter((t) => !gone.has(t.id))
    for (const id of gone) model.drafts.delete(id)
    if (model.activeTicketId !== null && gone.has(model.activeTicketId)) model.activeTicketId = null
  }
  toString() {
    return 'runCleanup()'
  }
}

class ClearUserData extends Step {
  constructor(readonly awaited: boolean) {
    super()
  }
  async apply(model: Model, real: Real) {
    model.userContext = { ...model.userContext, preferences: {}, history: [], personalInfo: {} }
    model.drafts.clear()
    await succeed(real, this.toString(), this.awaited, () => client(real).clearUserData())
  }
  toString() {
    return `clearUserData(${this.awaited ? '' : 'not awaited'})`
  }
}

class ClearAllData extends Step {
  constructor(readonly awaited: boolean) {
    super()
  }
  async apply(model: Model, real: Real) {
    wipe(model)
    await succeed(real, this.toString(), this.awaited, () => client(real).clearAllData())
  }
  toString() {
    return `clearAllData(${this.awaited ? '' : 'not awaited'})`
  }
}

/** Waits for everything, compares every client with the model, and (with two clients) moves to the other one. */
class SwitchClient extends Step {
  async apply(model: Model, real: Real) {
    await settle(model, real)
    real.current = (real.current + 1) % real.clients.length
  }
  toString() {
    return 'settle, then the other client'
  }
}

/**
 * The current client's worker dies, with whatever is pending: at once, or after committing
 * everything it received without answering. The client starts another and sends again what
 * was not acknowledged; the model does not change.
 */
class LoseWorker extends Step {
  constructor(readonly answersLost: boolean) {
    super()
  }
  async apply(_model: Model, real: Real) {
    await real.workers.get(client(real))!.kill({ answersLost: this.answersLost })
  }
  toString() {
    return `the worker dies${this.answersLost ? ' after committing what it got, unanswered' : ''}`
  }
}

/** Closes the clients (with commands still pending) and opens new ones on the database. */
class Reopen extends Step {
  async apply(model: Model, real: Real) {
    await reopen(real)
    await settle(model, real)
  }
  toString() {
    return 'close and open again'
  }
}

const ticketPick = fc.nat({ max: 40 })
const COMMANDS: Array<fc.Arbitrary<Command>> = [
  fc.tuple(content, sender, awaited, fc.boolean()).map(([c, s, a, o]) => new SendMain(c, s, a, o)),
  fc.tuple(fc.array(content, { minLength: 1, maxLength: 4 }), sender, awaited, fc.boolean()).map(([c, s, a, o]) => new SendMainBatch(c, s, a, o)),
  fc.tuple(ticketType, fc.option(content, { nil: undefined }), awaited).map(([t, c, a]) => new CreateTicket(t, c, a)),
  fc.tuple(fc.nat({ max: 40 }), ticketType).map(([p, t]) => new CreateFromMessage(p, t)),
  fc.tuple(ticketPick, content, sender, awaited).map(([p, c, s, a]) => new SendTicketMessage(p, c, s, a)),
  fc.tuple(ticketPick, content, sender, awaited).map(([p, c, s, a]) => new SendTicketMessage(p, c, s, a)),
  fc.tuple(ticketPick, fc.constantFrom<TicketStatus>('open', 'in-progress', 'resolved', 'closed'), awaited).map(([p, s, a]) => new UpdateStatus(p, s, a)),
  fc.tuple(ticketPick, fc.option(fc.constantFrom('fixed', 'refunded'), { nil: undefined }), awaited).map(([p, s, a]) => new Resolve(p, s, a)),
  fc.tuple(ticketPick, fc.constantFrom<TicketPriority>('low', 'medium', 'high', 'urgent'), awaited).map(([p, s, a]) => new UpdatePriority(p, s, a)),
  fc.tuple(ticketPick, fc.subarray(['plan', 'size', 'missing']), awaited).map(([p, k, a]) => new InheritContext(p, k, a)),
  fc.tuple(ticketPick, awaited).map(([p, a]) => new SelectTicket(p, a)),
  awaited.map((a) => new Deselect(a)),
  fc.tuple(fc.constantFrom<'chat' | 'tickets'>('chat', 'tickets'), awaited).map(([v, a]) => new SwitchView(v, a)),
  fc
    .tuple(fc.dictionary(fc.constantFrom('plan', 'size', 'city'), fc.option(fc.oneof(fc.constantFrom('gold', 'M', 'Berlin'), fc.nat(9)), { nil: undefined }), { maxKeys: 2 }), awaited)
    .map(([p, a]) => new UpdateContext(p, a)),
  awaited.map((a) => new MarkMainRead(a)),
  fc.tuple(ticketPick, awaited).map(([p, a]) => new MarkTicketRead(p, a)),
  fc.constantFrom('', 'half', 'half typed').map((t) => new SetMainDraft(t)),
  fc.tuple(ticketPick, fc.constantFrom('', 'draft', 'a longer draft')).map(([p, t]) => new SetTicketDraft(p, t)),
  // Across the exact cleanup age: AGE after an ending stays, AGE + 1 goes.
  fc.constantFrom(0, 1, AGE - 1, AGE, AGE + 1, 250).map((ms) => new AdvanceClock(ms)),
  fc.constant(new RunCleanup()),
  fc.constant(new RunCleanup()),
  awaited.map((a) => new ClearUserData(a)),
  awaited.map((a) => new ClearAllData(a)),
  fc.constant(new SwitchClient()),
  fc.constant(new Reopen()),
  fc.boolean().map((lost) => new LoseWorker(lost)),
]

// ── The property ─────────────────────────────────────────────────────────────

describe('the client against a reference model', () => {
  const operations = { count: 0 }
  test(`random command sequences (${RUNS} runs) leave every tab, and a client opened afterwards, showing the model`, async () => {
    let sequences = 0
    const property = fc.asyncProperty(
      fc.commands(COMMANDS, { maxCommands: MAX_COMMANDS, size: 'max', ...(REPLAY_PATH !== undefined ? { replayPath: REPLAY_PATH } : {}) }),
      fc.boolean(),
      fc.boolean(),
      async (commands, twoClients, second) => {
        sequences++
        const real: Real = { indexedDB: new IDBFactory(), databaseName: uniqueName('model'), clients: [], workers: new Map(), current: 0, pending: [], clock: { now: START } }
        const withTwo = twoClients && second // a quarter of the runs: two tabs
        real.clients = Array.from({ length: withTwo ? 2 : 1 }, () => openClient(real))
        try {
          await Promise.all(real.clients.map((c) => c.ready))
          const model = newModel(operations)
          await fc.asyncModelRun(() => ({ model, real }), commands)
          await settle(model, real)
          // What stays: a client opened afterwards on the same database shows the model, every ticket read in full.
          await reopen(real)
          await settle(model, real, true)
        } finally {
          await Promise.all(real.clients.map((c) => c.close().catch(() => {})))
        }
      },
    )
    const details = await fc.check(property, {
      numRuns: RUNS,
      ...(SEED !== undefined ? { seed: SEED } : {}),
      ...(PATH !== undefined ? { path: PATH, endOnFailure: true } : {}),
    })
    console.log(`model: ${sequences} sequences, ${operations.count} operations (seed ${details.seed})`)
    if (details.failed) {
      const replayPath = /replayPath="([^"]*)"/.exec(fc.stringify(details.counterexample))?.[1] ?? ''
      const replay = `MODEL_SEED=${details.seed} MODEL_PATH=${details.counterexamplePath ?? ''} MODEL_REPLAY_PATH='${replayPath}' MODEL_MAX_COMMANDS=${MAX_COMMANDS} npx vitest run test/client/model.test.ts`
      throw new Error(`${await fc.asyncDefaultReportMessage(details)}\n\nReplay this failure alone with:\n  ${replay}`, { cause: details.errorInstance })
    }
  }, Math.max(600_000, RUNS * 2_000))
})
