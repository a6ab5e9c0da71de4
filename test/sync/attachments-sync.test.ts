/**
 * Attachments through sync, against a real pouchdb-server: a device's files travel as
 * CouchDB attachments of their message documents, another device of the same user gets the
 * messages with their files, and a file an agent attaches on the server reaches the device.
 */
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, expect, test, vi } from 'vitest'
import type { ChatClient, ChatClientOptions } from 'companion-chat'
import { createCouchDBSync } from 'companion-chat/couchdb'
import { createDevice } from '../helpers/client.js'
import { startCouchServer, type CouchServer } from '../helpers/couch-server.js'

let server: CouchServer
let count = 0
vi.setConfig({ testTimeout: 60_000, hookTimeout: 30_000 })

beforeAll(async () => {
  server = await startCouchServer({ persistent: true })
}, 60_000)
afterAll(async () => {
  await server?.stop()
})

const poll = <T>(read: () => T) => expect.poll(read, { timeout: 20_000, interval: 20 })

function userDatabase() {
  const url = server.database(`files-${++count}`)
  const options = (): ChatClientOptions => ({
    sync: createCouchDBSync({ url, createDatabase: true, longPollTimeout: 2_000, heartbeat: 500 }),
    syncOptions: { minRetryDelay: 50, maxRetryDelay: 400 },
    config: { autoCleanupInterval: 0 },
  })
  return { url, options }
}

async function delivered(chat: ChatClient): Promise<void> {
  await chat.flush()
  await poll(() => chat.outbox$.value.length).toBe(0)
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')
const photoBytes = new Uint8Array(5000).map((_, i) => (i * 7) % 251)

test('files go to the server as attachments of their message documents, and another device gets them', async () => {
  const { url, options } = userDatabase()
  const phone = createDevice().open(options())
  await phone.sendMainChatMessage('The parcel', { attachments: [new File([photoBytes], 'parcel.jpg', { type: 'image/jpeg' })] })
  const ticket = phone.createTicket('order-help', 'Refund')
  await phone.sendTicketMessage(ticket, 'The invoice', { attachments: [new File(['%PDF-1.4 invoice'], 'invoice.pdf', { type: 'application/pdf' })] })
  await delivered(phone)
  const sent = phone.getState().mainChat.messages.at(-1)!
  const photo = sent.attachments![0]!
  expect(photo.sha256).toBe(sha256(photoBytes))

  // On the server: the document's attachment holds the bytes, with the type.
  const doc = (await (await fetch(`${url}/message:${sent.id}`)).json()) as { type: string; _attachments: Record<string, { content_type: string; length: number }> }
  expect(doc.type).toBe('message')
  expect(doc._attachments[`file-${photo.id}`]).toMatchObject({ content_type: 'image/jpeg', length: 5000 })
  const stored = await fetch(`${url}/message:${sent.id}/file-${photo.id}`)
  expect(new Uint8Array(await stored.arrayBuffer())).toEqual(photoBytes)

  // The user's laptop: another device with the same server database.
  const laptop = createDevice().open(options())
  laptop.watchTicket(ticket)
  await poll(() => laptop.getState().mainChat.messages.map((m) => m.id)).toContain(sent.id)
  const arrived = laptop.getState().mainChat.messages.find((m) => m.id === sent.id)!
  expect(arrived.attachments).toEqual(sent.attachments)
  expect(new Uint8Array(await (await laptop.readAttachment(photo.id)).arrayBuffer())).toEqual(photoBytes)
  await poll(() => laptop.getState().tickets.find((t) => t.id === ticket)?.messages.at(-1)?.content).toBe('The invoice')
  const invoice = laptop.getState().tickets.find((t) => t.id === ticket)!.messages.at(-1)!.attachments![0]!
  expect(await (await laptop.readAttachment(invoice.id)).text()).toBe('%PDF-1.4 invoice')
  // The phone's own messages came back without a second copy of their files, and nothing was refused.
  const errors: unknown[] = []
  phone.errors$.subscribe((error) => errors.push(error))
  await poll(() => phone.sync$.value.state).toBe('online')
  expect(errors).toEqual([])
  expect(await (await phone.readAttachment(photo.id)).size).toBe(5000)
})

/**
 * A synced device with a watched ticket, and an agent's reply with `files` written on the
 * server (each file's `text` as its bytes, stored as `contentType`, by default its `type`):
 * answers the device and the reply as the device shows it, once pulled.
 */
async function agentReply(id: string, content: string, files: ReadonlyArray<{ id: string; name: string; type: string; contentType?: string; text: string }>) {
  const { url, options } = userDatabase()
  const chat = createDevice().open(options())
  const ticket = chat.createTicket('order-help', 'Agent reply')
  chat.watchTicket(ticket)
  await delivered(chat)
  await poll(() => chat.sync$.value.state).toBe('online')
  const response = await fetch(`${url}/message:${id}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      type: 'message',
      thread: ticket,
      message: {
        id,
        content,
        sender: 'assistant',
        timestamp: Date.now(),
        type: 'text',
        attachments: files.map((file) => ({ id: file.id, name: file.name, type: file.type, size: file.text.length })),
      },
      _attachments: Object.fromEntries(
        files.map((file) => [`file-${file.id}`, { content_type: file.contentType ?? file.type, data: Buffer.from(file.text).toString('base64') }]),
      ),
    }),
  })
  expect(response.ok).toBe(true)
  await poll(() => chat.getState().tickets.find((t) => t.id === ticket)?.lastMessage?.id).toBe(id)
  return { chat, message: chat.getState().tickets.find((t) => t.id === ticket)!.messages.find((m) => m.id === id)! }
}

test("a file an agent attaches on the server reaches the device with the reply", async () => {
  const label = 'RETURN LABEL 123'
  const { chat, message } = await agentReply('agent-label', 'Here is your label', [{ id: 'label-1', name: 'label.txt', type: 'text/plain', text: label }])
  expect(message.attachments).toEqual([{ id: 'label-1', name: 'label.txt', type: 'text/plain', size: label.length, sha256: sha256(new TextEncoder().encode(label)) }])
  expect(await (await chat.readAttachment('label-1')).text()).toBe(label)
})

test("a file an agent names with a slash or a control character still reaches the device, its name made safe", async () => {
  const invoice = 'INVOICE 03/2026'
  const { chat, message } = await agentReply('agent-invoice', 'Your invoice', [{ id: 'invoice-1', name: 'Invoice 03/2026\n.txt', type: 'text/plain', text: invoice }])
  expect(message.attachments).toMatchObject([{ id: 'invoice-1', name: 'Invoice 03_2026_.txt' }])
  expect(await (await chat.readAttachment('invoice-1')).text()).toBe(invoice)
})

test("a file an agent gives a type that is not printable ASCII still reaches the device, its type unknown ('')", async () => {
  const photo = 'JPEG BYTES'
  const { chat, message } = await agentReply('agent-photo', 'The photo of your parcel', [
    { id: 'photo-1', name: 'parcel.jpg', type: 'image/jpég', contentType: 'image/jpeg', text: photo },
    { id: 'photo-2', name: 'label.txt', type: 'text/plain\n', contentType: 'text/plain', text: photo },
  ])
  expect(message.attachments).toMatchObject([
    { id: 'photo-1', name: 'parcel.jpg', type: '', size: photo.length },
    { id: 'photo-2', name: 'label.txt', type: '', size: photo.length },
  ])
  expect(await (await chat.readAttachment('photo-1')).text()).toBe(photo)
})
