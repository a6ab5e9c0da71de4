/**
 * Reconnecting after a lost worker, with the worker_threads host: a real worker thread that
 * is terminated, exits, hangs or fails on every start (see test/helpers/relay-worker.ts),
 * in front of an engine whose IndexedDB outlives it, as a browser's does.
 */
import { Worker } from 'node:worker_threads'
import { afterEach, describe, expect, test } from 'vitest'
import { ClientClosedError, WorkerGoneError, createChatClient, type Assistant, type ChatClient, type ChatClientOptions, type ChatStatus } from 'companion-chat'
import { createDevice } from '../helpers/client.js'
import { relayWorker, type RelayHooks } from '../helpers/relay-worker.js'

const clients: ChatClient[] = []
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close().catch(() => {})))
})

/** A device whose clients run their engine behind relay workers; `workers` lists every worker made, in order. */
function setup(hooks: RelayHooks = {}, makeLater?: () => Worker) {
  const device = createDevice()
  const workers: Worker[] = []
  const open = (options: ChatClientOptions = {}) => {
    const client = createChatClient({
      databaseName: device.databaseName,
      worker: () => {
        const worker = workers.length > 0 && makeLater ? makeLater() : relayWorker(device.indexedDB, hooks)
        workers.push(worker)
        return worker
      },
      config: { autoCleanupInterval: 0 },
      ...options,
    })
    clients.push(client)
    return client
  }
  /** What is stored, read by a fresh in-process client on the same database. */
  const stored = async () => {
    const reader = device.open({ config: { autoCleanupInterval: 0 } })
    await reader.ready
    const state = reader.getState()
    await reader.close()
    return state
  }
  return { device, workers, open, stored }
}

/** Every connection state the client went through, without repeats. */
function connections(client: ChatClient): ChatStatus['connection'][] {
  const seen: ChatStatus['connection'][] = []
  client.status$.subscribe(({ connection }) => {
    if (seen.at(-1) !== connection) seen.push(connection)
  })
  return seen
}

/** Fails the test if a main-chat message, once on screen, ever leaves `messages$`. */
function watchRows(client: ChatClient): { readonly vanished: string[] } {
  const shown = new Set<string>()
  const vanished: string[] = []
  client.messages$.subscribe((messages) => {
    const now = new Set(messages.map((m) => m.content))
    for (const content of shown) if (!now.has(content)) vanished.push(content)
    for (const content of now) shown.add(content)
  })
  return { vanished }
}

const counts = (values: readonly string[]) => {
  const map = new Map<string, number>()
  for (const value of values) map.set(value, (map.get(value) ?? 0) + 1)
  return map
}

describe('a worker that ends with commands in flight', () => {
  test.each(['terminate', 'exit'] as const)(
    'worker %s: the client reconnects, every command commits exactly once, and no row leaves the screen',
    async (how) => {
      const { workers, open, stored } = setup()
      const chat = open()
      const seen = connections(chat)
      let lossReported: unknown
      chat.status$.subscribe(({ connection, error }) => {
        if (connection === 'reconnecting') lossReported ??= error
      })
      const rows = watchRows(chat)
      await chat.ready
      const ticketId = chat.createTicket('support', 'Broken order', 'It arrived broken')
      const sends: Array<Promise<void>> = []
      const contents: string[] = []
      const send = (content: string) => {
        contents.push(content)
        sends.push(chat.sendMainChatMessage(content))
      }
      for (let i = 0; i < 10; i++) send(`before ${i}`)
      await Promise.all(sends) // some acknowledged
      for (let i = 0; i < 40; i++) send(`in flight ${i}`)
      const others = [
        chat.sendTicketMessage(ticketId, 'Photo attached'),
        chat.updateTicketPriority(ticketId, 'high'),
        chat.updateUserContext({ currentPage: '/orders' }),
      ]
      chat.setDraft(ticketId, 'half typed') // held back, written after the reconnect
      await new Promise((resolve) => setImmediate(resolve)) // posted to the worker
      if (how === 'terminate') void workers[0]!.terminate()
      else workers[0]!.postMessage('exit')
      // Seen on the way: the new worker may be up before a poll of the current status looks.
      await expect.poll(() => seen.includes('reconnecting')).toBe(true)
      expect(lossReported).toBeInstanceOf(WorkerGoneError)
      for (let i = 0; i < 10; i++) send(`while reconnecting ${i}`) // shown and queued (or sent, once the new worker is up)
      expect(chat.getState().mainChat.messages.map((m) => m.content)).toEqual(contents)
      await Promise.all([...sends, ...others]) // nothing rejected
      await chat.flush()
      expect(chat.status$.value.connection).toBe('ready')
      expect(chat.status$.value.error).toBeUndefined()
      expect(seen).toEqual(['connecting', 'ready', 'reconnecting', 'ready'])
      expect(workers).toHaveLength(2)
      expect(rows.vanished).toEqual([])
      expect(chat.getState().mainChat.messages.map((m) => m.content)).toEqual(contents)

      const state = await stored()
      expect(state.mainChat.messages.map((m) => m.content)).toEqual(contents) // each once, in order
      expect(state.analytics.totalMessages).toBe(contents.length + 2)
      expect(state.tickets).toHaveLength(1)
      expect(state.tickets[0]).toMatchObject({ id: ticketId, priority: 'high', messageCount: 2 })
      expect(state.userContext['currentPage']).toBe('/orders')
      expect(state.tickets[0]!.draft).toBe('half typed')
    },
  )

  test('commands the lost worker committed but never answered are recognised: nothing is applied twice, not even what the main chat trimmed', async () => {
    const settled = new Set<string>()
    const { workers, open, stored } = setup({ settled: (ids) => ids.forEach((id) => settled.add(id)) })
    const chat = open({ config: { autoCleanupInterval: 0, maxMainChatMessages: 20 } })
    // Every emission of the main chat shows messages in the order they were sent.
    const disorder: string[][] = []
    chat.messages$.subscribe((messages) => {
      const order = messages.map((m) => (m.content === 'first' ? -1 : Number(m.content.slice('burst '.length))))
      if (order.some((n, i) => i > 0 && n <= order[i - 1]!)) disorder.push(messages.map((m) => m.content))
    })
    await chat.ready
    await chat.sendMainChatMessage('first')
    workers[0]!.postMessage('mute') // from now on every answer of this worker is lost
    const before = settled.size
    const contents = Array.from({ length: 50 }, (_, i) => `burst ${i}`)
    const sends = contents.map((content) => chat.sendMainChatMessage(content))
    const ticketId = chat.createTicket('support', 'Late parcel', 'Where is it?')
    const fromChat = chat.createTicketFromChatMessage(chat.getState().mainChat.messages.at(-1)!.id, 'product-inquiry', 'About this')
    const more = [chat.sendTicketMessage(ticketId, 'Any news?'), chat.resolveTicket(ticketId, 'Found it'), chat.markRead(ticketId)]
    // The engine commits all of it (52 commands and more); the client hears nothing.
    await expect.poll(() => settled.size - before, { timeout: 10_000 }).toBeGreaterThanOrEqual(55)
    expect(chat.status$.value.pendingWrites).toBeGreaterThanOrEqual(55)
    void workers[0]!.terminate()
    await Promise.all([...sends, ...more])
    expect(workers).toHaveLength(2)
    expect(disorder).toEqual([]) // a trimmed message sent again never showed up at the end

    const state = await stored()
    const main = state.mainChat.messages.map((m) => m.content)
    expect(main).toEqual(contents.slice(-20)) // the newest 20, each once: the trimmed ones did not come back
    expect([...counts(main).values()].every((n) => n === 1)).toBe(true)
    expect(state.analytics.totalMessages).toBe(1 + 50 + 1 + 1 + 1) // 'first', the burst, the ticket's first message, its copy, 'Any news?'
    expect(state.tickets.map((t) => t.id).sort()).toEqual([ticketId, fromChat].sort()) // no second ticket
    expect(state.tickets.find((t) => t.id === ticketId)).toMatchObject({ status: 'resolved', messageCount: 2 })
    expect(state.analytics.resolvedTickets).toBe(1)
  })

  test('a reply the lost worker had queued is answered once: the user messages sent again do not ask the assistant again', async () => {
    const asked: string[] = []
    const assistant: Assistant = {
      async *respond({ message }) {
        asked.push(message.content)
        yield { type: 'text', delta: `About ${message.content}` }
      },
    }
    const settled = new Set<string>()
    const { workers, open, stored } = setup({ settled: (ids) => ids.forEach((id) => settled.add(id)) })
    const chat = open({ assistant })
    await chat.ready
    workers[0]!.postMessage('mute')
    const questions = ['laptops?', 'under $1500?', 'in stock?']
    const sends = questions.map((q) => chat.sendMainChatMessage(q))
    await expect.poll(() => settled.size, { timeout: 10_000 }).toBeGreaterThanOrEqual(6) // each message and its queued reply
    void workers[0]!.terminate()
    await Promise.all(sends)
    const replies = await Promise.all(chat.getState().mainChat.messages.filter((m) => m.sender === 'user').map((m) => chat.waitForReply(m.id)))
    expect(replies.map((r) => r.content)).toEqual(questions.map((q) => `About ${q}`))
    expect(asked).toEqual(questions)
    await chat.flush() // the replies' last writes, shown already, commit
    const state = await stored()
    expect(state.mainChat.messages.map((m) => [m.sender, m.content])).toEqual(questions.flatMap((q) => [['user', q], ['assistant', `About ${q}`]]))
  })

  test('sends with files that the lost worker committed are recognised when sent again: not counted twice against the limits, their files kept', async () => {
    const settled = new Set<string>()
    const { workers, open, stored } = setup({ settled: (ids) => ids.forEach((id) => settled.add(id)) })
    const chat = open({ config: { autoCleanupInterval: 0, maxStoredAttachmentBytes: 100, maxMainChatMessages: 2 } })
    await chat.ready
    workers[0]!.postMessage('mute')
    // 'old' is trimmed by the time it is sent again (recognised by its recorded id), 'photo' is stored (by its row).
    const sends = [
      chat.sendMainChatMessage('old', { attachments: [new Blob([new Uint8Array(30)])] }),
      chat.sendMainChatMessage('photo', { attachments: [new Blob([new Uint8Array(60).fill(7)])] }),
      chat.sendMainChatMessage('a'),
    ]
    const photo = chat.getState().mainChat.messages.find((m) => m.content === 'photo')!
    await expect.poll(() => settled.size, { timeout: 10_000 }).toBe(3)
    void workers[0]!.terminate()
    // Staged again, 'photo' would pass the 100 bytes allowed: 60 stored, 30 + 60 more.
    await Promise.all(sends)
    expect(workers).toHaveLength(2)
    const state = await stored()
    expect(state.mainChat.messages.map((m) => m.content)).toEqual(['photo', 'a'])
    expect(new Uint8Array(await (await chat.readAttachment(photo.attachments![0]!.id)).arrayBuffer())).toEqual(new Uint8Array(60).fill(7))
  })
})

test('a ticket scrolled back keeps every page it showed across the reconnect', async () => {
  const { workers, open } = setup()
  const chat = open({ config: { autoCleanupInterval: 0, ticketWindow: 5 } })
  await chat.ready
  const ticketId = chat.createTicket('support', 'Long thread')
  await chat.sendTicketMessage(ticketId, 'message 0')
  for (let i = 1; i < 20; i++) await chat.sendTicketMessage(ticketId, `message ${i}`)
  const release = chat.watchTicket(ticketId)
  while ((await chat.loadOlder(ticketId, 5)).hasOlder);
  const all = Array.from({ length: 20 }, (_, i) => `message ${i}`)
  const shown = () => chat.getState().tickets.find((t) => t.id === ticketId)!.messages.map((m) => m.content)
  expect(shown()).toEqual(all)
  const fewer: number[] = []
  chat.tickets$.subscribe((tickets) => {
    const count = tickets.find((t) => t.id === ticketId)?.messages.length ?? 0
    if (count < 20) fewer.push(count)
  })
  const seen = connections(chat)
  void workers[0]!.terminate()
  await chat.sendTicketMessage(ticketId, 'after') // issued at once, committed by the new worker
  expect(seen).toEqual(['ready', 'reconnecting', 'ready'])
  expect(shown()).toEqual([...all, 'after'])
  expect(fewer).toEqual([])
  release()
})

test('a reply streaming while the worker dies goes on: its writes wait for the new worker, and it is stored once, whole', async () => {
  let release!: () => void
  const halfway = new Promise<void>((resolve) => (release = resolve))
  let asked = 0
  const assistant: Assistant = {
    async *respond() {
      asked++
      yield { type: 'text', delta: 'First half, ' }
      await halfway
      yield { type: 'text', delta: 'second half.' }
    },
  }
  const { workers, open, stored } = setup()
  const chat = open({ assistant, assistantOptions: { flushInterval: 10 } })
  await chat.ready
  await chat.sendMainChatMessage('tell me')
  const id = chat.getState().mainChat.messages[0]!.id
  const reply = chat.waitForReply(id)
  await expect.poll(() => chat.getState().mainChat.messages[1]?.content).toBe('First half, ')
  void workers[0]!.terminate()
  await expect.poll(() => chat.status$.value.connection).toBe('reconnecting')
  release()
  expect((await reply).content).toBe('First half, second half.')
  await chat.flush()
  expect(asked).toBe(1)
  const state = await stored()
  expect(state.mainChat.messages.map((m) => [m.sender, m.content, m.metadata?.['reply'] && (m.metadata['reply'] as { status: string }).status])).toEqual([
    ['user', 'tell me', undefined],
    ['assistant', 'First half, second half.', 'done'],
  ])
})

describe('a worker that fails or hangs', () => {
  test('a first worker that fails to start is replaced: ready resolves, and waitForReply called meanwhile finds the stored reply', async () => {
    const assistant: Assistant = {
      async *respond() {
        yield { type: 'text', delta: 'Here are three laptops' }
      },
    }
    const device = createDevice()
    const before = device.open({ assistant })
    await before.ready
    const sent = before.sendMainChatMessage('laptops?')
    const id = before.getState().mainChat.messages[0]!.id
    await sent
    await before.waitForReply(id)
    await before.close()

    let made = 0
    const chat = createChatClient({
      databaseName: device.databaseName,
      worker: () => (made++ === 0 ? new Worker('process.exit(1)', { eval: true }) : relayWorker(device.indexedDB)),
      assistant,
    })
    clients.push(chat)
    const seen = connections(chat)
    await expect.poll(() => chat.status$.value.connection).toBe('reconnecting')
    const reply = chat.waitForReply(id)
    await chat.ready
    expect((await reply).content).toBe('Here are three laptops')
    expect(seen).toEqual(['connecting', 'reconnecting', 'ready'])
  })

  test('a worker that dies on every start: the client gives up after reconnectAttempts new workers, with WorkerGoneError, and pending commands reject with it', async () => {
    const { workers, open } = setup({}, () => new Worker('process.exit(1)', { eval: true }))
    const chat = open()
    const seen = connections(chat)
    await chat.ready
    const pending = chat.sendMainChatMessage('never committed')
    await new Promise((resolve) => setImmediate(resolve))
    workers[0]!.postMessage('mute') // its answer is lost
    workers[0]!.postMessage('exit')
    const error = await pending.then(
      () => undefined,
      (reason: unknown) => reason,
    )
    expect(error).toBeInstanceOf(WorkerGoneError)
    expect(error).toMatchObject({ code: 'worker-gone', details: { attempts: 5 } })
    expect(workers).toHaveLength(1 + 5)
    expect(chat.status$.value).toMatchObject({ connection: 'failed', error })
    expect(seen).toEqual(['connecting', 'ready', 'reconnecting', 'failed'])
    expect(() => chat.sendMainChatMessage('after')).toThrow(WorkerGoneError)
    // What was on screen stays: the failure takes back only what never committed.
    expect(chat.getState().mainChat.messages).toEqual([])
  })

  test('a worker that never starts: ready rejects after the tries, with WorkerGoneError', async () => {
    const made: Worker[] = []
    const chat = createChatClient({
      databaseName: 'never-starts',
      worker: () => {
        const worker = new Worker('process.exit(1)', { eval: true })
        made.push(worker)
        return worker
      },
      reconnectAttempts: 2,
    })
    clients.push(chat)
    await expect(chat.ready).rejects.toMatchObject({ code: 'worker-gone', details: { attempts: 2 } })
    expect(made).toHaveLength(3)
    expect(chat.status$.value.connection).toBe('failed')
  })

  test('a worker that stops answering is ended and replaced; its commands commit once', async () => {
    const { workers, open, stored } = setup()
    const chat = open({ workerTimeout: 300 })
    const seen = connections(chat)
    await chat.ready
    await chat.sendMainChatMessage('one')
    workers[0]!.postMessage('hang')
    const later = [chat.sendMainChatMessage('two'), chat.sendMainChatMessage('three')]
    await Promise.all(later)
    expect(seen).toEqual(['connecting', 'ready', 'reconnecting', 'ready'])
    expect(workers).toHaveLength(2)
    expect(chat.getState().mainChat.messages.map((m) => m.content)).toEqual(['one', 'two', 'three'])
    expect((await stored()).mainChat.messages.map((m) => m.content)).toEqual(['one', 'two', 'three'])
    expect(await chat.searchMessages('three')).toHaveLength(1) // reads work on the new worker
  })

  test('close() while reconnecting waits for the new worker: pending writes commit, and later calls throw ClientClosedError', async () => {
    const { workers, open, stored } = setup()
    const chat = open()
    await chat.ready
    workers[0]!.postMessage('mute')
    const pending = chat.sendMainChatMessage('sent before the worker died')
    await new Promise((resolve) => setImmediate(resolve))
    let closing: Promise<void> | undefined
    let queued: Promise<void> | undefined
    chat.status$.subscribe(({ connection }) => {
      if (connection !== 'reconnecting' || closing) return
      queued = chat.sendMainChatMessage('sent while reconnecting')
      closing = chat.close()
    })
    void workers[0]!.terminate()
    await expect.poll(() => closing !== undefined).toBe(true)
    await closing
    await expect(pending).resolves.toBeUndefined()
    await expect(queued).resolves.toBeUndefined()
    expect(() => chat.sendMainChatMessage('after')).toThrow(ClientClosedError)
    await expect(chat.searchMessages('sent')).rejects.toBeInstanceOf(ClientClosedError)
    expect(chat.status$.value.connection).toBe('closed')
    expect((await stored()).mainChat.messages.map((m) => m.content)).toEqual(['sent before the worker died', 'sent while reconnecting'])
  })

  test('close() while reconnecting to workers that keep failing: pending writes reject when the client gives up, and close() returns', async () => {
    const { workers, open } = setup({}, () => new Worker('process.exit(1)', { eval: true }))
    const chat = open({ reconnectAttempts: 2 })
    await chat.ready
    workers[0]!.postMessage('mute')
    const pending = chat.sendMainChatMessage('stuck').then(
      () => undefined,
      (error: unknown) => error,
    )
    await new Promise((resolve) => setImmediate(resolve))
    void workers[0]!.terminate()
    await expect.poll(() => chat.status$.value.connection).toBe('reconnecting')
    await chat.close()
    expect(await pending).toMatchObject({ code: 'worker-gone', details: { attempts: 2 } })
    expect(chat.status$.value.connection).toBe('closed')
    expect(() => chat.sendMainChatMessage('after')).toThrow(ClientClosedError)
  })
})
