import { Worker } from 'node:worker_threads'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  NotFoundError,
  StorageUnavailableError,
  ValidationError,
  WorkerGoneError,
  createChatClient,
  type ChatClient,
} from 'companion-chat'
import { uniqueName } from '../helpers/client.js'

let dir: string
let workerFile: string
const clients: ChatClient[] = []
const track = (client: ChatClient) => (clients.push(client), client)

beforeAll(async () => {
  // The worker_threads entry as a bundler would ship it.
  dir = await mkdtemp(join(tmpdir(), 'companion-chat-'))
  workerFile = join(dir, 'node-worker.mjs')
  await build({ entryPoints: ['worker/node.ts'], bundle: true, format: 'esm', platform: 'node', outfile: workerFile, logLevel: 'error' })
})

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close().catch(() => {})))
  await rm(dir, { recursive: true, force: true })
})

describe('in-process host without IndexedDB', () => {
  test('keeps working in memory and says so on status$', async () => {
    const chat = track(createChatClient({ databaseName: uniqueName() })) // Node has no global indexedDB
    await chat.ready
    expect(chat.status$.value).toMatchObject({ connection: 'ready', storage: 'memory', host: 'in-process' })
    await chat.sendMainChatMessage('still works')
    expect(chat.getState().mainChat.messages).toHaveLength(1)
  })

  test('fails with StorageUnavailableError when persistence is required', async () => {
    const chat = track(createChatClient({ databaseName: uniqueName(), requirePersistence: true }))
    await expect(chat.ready).rejects.toBeInstanceOf(StorageUnavailableError)
    expect(chat.status$.value).toMatchObject({ connection: 'failed', error: expect.any(StorageUnavailableError) })
    expect(() => chat.sendMainChatMessage('x')).toThrow(StorageUnavailableError)
  })
})

describe('worker_threads host', () => {
  test('runs the specification flow with the engine in a worker thread', async () => {
    const chat = track(createChatClient({ databaseName: uniqueName(), worker: () => new Worker(workerFile) }))
    await chat.ready
    expect(chat.status$.value).toMatchObject({ connection: 'ready', host: 'worker', storage: 'memory' })
    await chat.sendMainChatMessage('Test message')
    const ticketId = chat.createTicket('support', 'Test Issue', 'Initial message')
    await chat.sendTicketMessage(ticketId, 'Follow-up message')
    await chat.resolveTicket(ticketId, 'Resolved successfully')
    const ticket = chat.getState().tickets.find((t) => t.id === ticketId)!
    expect(ticket.status).toBe('resolved')
    expect(ticket.messages).toHaveLength(2)
    expect(chat.getChatAnalytics()).toMatchObject({ totalMessages: 3, resolvedTickets: 1 })
  })

  test('keeps the error class and code across the thread boundary', async () => {
    const chat = track(createChatClient({ databaseName: uniqueName(), worker: () => new Worker(workerFile) }))
    const early = chat.sendTicketMessage('missing', 'hi') // before ready: judged by the worker
    await expect(early).rejects.toBeInstanceOf(NotFoundError)
    await expect(early).rejects.toMatchObject({ code: 'not-found', name: 'NotFoundError' })
    expect(() => chat.sendMainChatMessage('')).toThrow(ValidationError)
  })

  test('starts a new worker when the worker dies: every call in flight settles without an error, and the client goes on', async () => {
    const workers: Worker[] = []
    const chat = track(
      createChatClient({ databaseName: uniqueName(), worker: () => (workers.push(new Worker(workerFile)), workers.at(-1)!) }),
    )
    const seen: string[] = []
    chat.status$.subscribe(({ connection }) => void (seen.at(-1) !== connection && seen.push(connection)))
    await chat.ready
    const inFlight = Array.from({ length: 200 }, (_, i) => chat.sendMainChatMessage(`burst ${i}`))
    await workers[0]!.terminate()
    const results = await Promise.allSettled(inFlight)
    expect(results.filter((r) => r.status === 'rejected')).toEqual([])
    expect(seen).toEqual(['connecting', 'ready', 'reconnecting', 'ready'])
    expect(workers).toHaveLength(2)
    await chat.sendMainChatMessage('after')
    await expect(chat.runCleanup()).resolves.toMatchObject({ removedTicketIds: [], removedMessages: 0 })
  })

  test('gives up with WorkerGoneError when the worker never answers', async () => {
    const silent = () => new Worker('setInterval(() => {}, 1000)', { eval: true })
    const chat = track(createChatClient({ databaseName: uniqueName(), worker: silent, connectTimeout: 300 }))
    await expect(chat.ready).rejects.toBeInstanceOf(WorkerGoneError)
    expect(chat.status$.value.connection).toBe('failed')
  })
})
