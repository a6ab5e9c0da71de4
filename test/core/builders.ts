/**
 * Small builders for the pure-module tests: messages, ticket records, commands and a
 * hand-made `PlanContext`. Every builder takes overrides, so a test names only what it is about.
 */
import { expect } from 'vitest'
import { ChatError, ValidationError } from '../../src/core/errors.js'
import type { PlanContext } from '../../src/core/plan.js'
import {
  CHAT_CONFIG,
  INITIAL_VIEW,
  MAIN_THREAD,
  type ChatConfig,
  type ChatMessage,
  type Command,
  type CommandKind,
  type MessageRecord,
  type ThreadId,
  type TicketRecord,
  type UserChatContext,
  type ViewState,
} from '../../src/core/protocol.js'

/** A clock reading used as "now" by the builders. */
export const T0 = 1_700_000_000_000

let counter = 0
const nextId = (prefix: string) => `${prefix}-${++counter}`

export function message(overrides: Partial<ChatMessage> = {}): ChatMessage {
  return { id: nextId('m'), content: 'Hello there', sender: 'user', timestamp: T0, type: 'text', ...overrides }
}

export function ticket(overrides: Partial<TicketRecord> = {}): TicketRecord {
  return {
    id: nextId('t'),
    type: 'support',
    title: 'Broken zipper',
    status: 'open',
    priority: 'medium',
    context: {},
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  }
}

type CommandOf<K extends CommandKind> = Extract<Command, { kind: K }>
type Fields<K extends CommandKind> = Omit<CommandOf<K>, 'kind' | 'commandId' | 'at'>

/** A command of `kind` with a fresh `commandId`, issued at `T0 + 1000` unless `at` says otherwise. */
export function command<K extends CommandKind>(
  kind: K,
  fields: Fields<K>,
  base: { commandId?: string; at?: number } = {},
): CommandOf<K> {
  return { kind, commandId: base.commandId ?? nextId('c'), at: base.at ?? T0 + 1000, ...fields } as unknown as CommandOf<K>
}

/** One valid command of every kind, for tables. */
export function validCommands(): Command[] {
  return [
    command('sendMessage', { thread: MAIN_THREAD, message: message() }),
    command('sendMessage', { thread: 't-1', message: message({ sender: 'assistant', metadata: { ticketId: 't-1' } }) }),
    command('sendMessages', { thread: MAIN_THREAD, messages: [message(), message({ sender: 'assistant' })] }),
    command('setTyping', { isTyping: true }),
    command('markRead', { thread: MAIN_THREAD }),
    command('markRead', { thread: 't-1' }),
    command('setDraft', { thread: MAIN_THREAD, text: 'I am looking for a laptop' }),
    command('setDraft', { thread: 't-1', text: '' }),
    command('updateUserContext', { patch: { currentPage: '/laptops', preferences: { budget: { max: 1500 } } } }),
    command('clearUserData', {}),
    command('createTicket', { ticketId: 't-2', ticketType: 'product-inquiry', title: 'Which laptop?' }),
    command('createTicket', {
      ticketId: 't-3',
      ticketType: 'order-help',
      title: 'Where is my order?',
      initialMessage: message({ content: 'Order 42 is late' }),
      context: { orderId: '42', items: [1, 2, { sku: 'x' }] },
    }),
    command('resolveTicket', { ticketId: 't-1' }),
    command('resolveTicket', { ticketId: 't-1', summary: 'Customer found a laptop' }),
    command('updateTicketStatus', { ticketId: 't-1', status: 'in-progress' }),
    command('updateTicketPriority', { ticketId: 't-1', priority: 'urgent' }),
    command('switchChatView', { view: 'tickets' }),
    command('selectTicket', { ticketId: 't-1' }),
    command('selectTicket', { ticketId: null }),
    command('createTicketFromChatMessage', {
      ticketId: 't-4',
      messageId: 'm-source',
      copyId: 'm-copy',
      ticketType: 'technical',
      title: 'Payment processing issue',
    }),
    command('inheritContextToTicket', { ticketId: 't-1', contextKeys: ['preferences', 'currentProducts'] }),
    command('putTicket', {
      ticket: { id: 't-1', type: 'support', title: 'Help', status: 'in-progress', priority: 'high', context: {}, createdAt: T0, updatedAt: T0 + 5 },
    }),
    command('setDelivery', { thread: MAIN_THREAD, messageId: 'm-1', delivery: 'sent' }),
    command('setDelivery', { thread: 't-1', messageId: 'm-2', delivery: null }),
    command('setTranscript', { thread: MAIN_THREAD, messageId: 'm-1', attachmentId: 'a-1', transcript: 'where is my parcel' }),
    command('sendMessage', { thread: MAIN_THREAD, message: message({ delivery: 'pending' }), sync: true }),
    command('reply', {
      guard: 'new',
      owner: 'tab-1',
      message: message({ id: 'reply-m-1', content: '', sender: 'assistant', metadata: { reply: { to: 'm-1', status: 'streaming', owner: 'tab-1', leaseUntil: T0 + 10_000 } } }),
    }),
  ]
}

/** A `PlanContext` over fixed rows, as the engine would read them. */
export function planContext(
  rows: {
    tickets?: readonly TicketRecord[]
    messages?: readonly MessageRecord[]
    userContext?: UserChatContext
    view?: Partial<ViewState>
    config?: ChatConfig
    /** Draft texts by thread. */
    drafts?: { readonly [thread: ThreadId]: string }
  } = {},
): PlanContext {
  const tickets = new Map((rows.tickets ?? []).map((t) => [t.id, t]))
  const messages = new Map((rows.messages ?? []).map((m) => [m.message.id, m]))
  const drafts = rows.drafts ?? {}
  return {
    config: rows.config ?? CHAT_CONFIG,
    userContext: rows.userContext ?? {},
    view: { ...INITIAL_VIEW, ...rows.view },
    ticket: (id) => tickets.get(id),
    thread: () => undefined,
    message: (id, _thread: ThreadId) => messages.get(id),
    draft: (thread) => drafts[thread] ?? '',
    draftThreads: () => Object.keys(drafts).filter((thread) => drafts[thread] !== ''),
  }
}

/** Runs `run`, expects it to throw a `ChatError` of `Class`, and returns the error. */
export function thrown<E extends ChatError>(run: () => unknown, Class: new (...args: never[]) => E): E {
  let caught: unknown
  try {
    run()
  } catch (error) {
    caught = error
  }
  expect(caught, 'expected the call to throw').toBeInstanceOf(Class)
  return caught as E
}

/** Expects `run` to throw a `ValidationError` (code `validation`) whose `details.path` is `path`. */
export function expectRefused(run: () => unknown, path: string): ValidationError {
  const error = thrown(run, ValidationError)
  expect(error.code).toBe('validation')
  expect(error.details).toMatchObject({ path })
  return error
}
