/**
 * The shop assistant and messages with files: a photo, a file or a voice message without a
 * transcript gets an answer about it, and a ticket the file goes with; a request it
 * understands is answered as such.
 */
import { createShopAssistant, type AssistantPart, type AttachmentInfo, type ChatMessage, type Product } from 'companion-chat'
import { describe, expect, it } from 'vitest'
import { reply } from './shop-helpers.js'

const catalogue: readonly Product[] = [{ id: 'hp-wireless', name: 'Silent Pro', category: 'headphones', price: 199, currency: 'USD', tags: ['wireless'] }]

const photo: AttachmentInfo = { id: 'a-photo', name: 'parcel.jpg', type: 'image/jpeg', size: 52_000, width: 800, height: 600 }
const invoice: AttachmentInfo = { id: 'a-invoice', name: 'invoice.pdf', type: 'application/pdf', size: 9_000 }
const voice: AttachmentInfo = { id: 'a-voice', name: 'voice-message.webm', type: 'audio/webm', size: 4_000, duration: 3_000 }

async function answer(content: string, attachments: readonly AttachmentInfo[], locale = 'en') {
  const message: ChatMessage = { id: 'msg-1', content, sender: 'user', timestamp: 1_700_000_000_000, type: 'text', attachments }
  const parts: AssistantPart[] = []
  const request = { message, thread: [message], userContext: {}, signal: new AbortController().signal }
  for await (const part of createShopAssistant({ catalogue, locale }).respond(request)) parts.push(part)
  return reply(parts)
}

const tickets = (actions: ReadonlyArray<{ type: string; payload?: unknown }>) => actions.filter((a) => a.type === 'open-ticket').map((a) => a.payload)

describe('the shop assistant and attachments', () => {
  it('answers a photo alone by acknowledging it and offering a ticket about a damaged parcel, the photo with it', async () => {
    const answered = await answer('', [photo])
    expect(answered.text).not.toMatch(/not sure I got that/)
    expect(answered.text).toMatch(/photo/)
    expect(tickets(answered.actions)).toEqual([{ ticketType: 'order-help', title: 'Damaged parcel', messageId: 'msg-1' }])
  })

  it('answers a file alone by naming it and offering a ticket', async () => {
    const answered = await answer('', [invoice])
    expect(answered.text).toMatch(/invoice\.pdf/)
    expect(tickets(answered.actions)).toEqual([{ ticketType: 'support', title: 'File from the chat', messageId: 'msg-1' }])
  })

  it('answers a voice message without a transcript by asking to type, and offers a ticket', async () => {
    const answered = await answer('', [voice])
    expect(answered.text).toMatch(/voice message/)
    expect(tickets(answered.actions)).toEqual([{ ticketType: 'support', title: 'Voice message from the chat', messageId: 'msg-1' }])
  })

  it('answers a greeting with a photo about the photo, and in German', async () => {
    expect((await answer('hi', [photo])).text).toMatch(/photo/)
    const german = await answer('', [photo], 'de')
    expect(german.text).toMatch(/Foto/)
    expect(tickets(german.actions)).toEqual([{ ticketType: 'order-help', title: 'Beschädigte Lieferung', messageId: 'msg-1' }])
  })

  it('answers what it understands as such: an order question, a product search, a transcribed voice message', async () => {
    const order = await answer('Where is my order?', [photo])
    expect(tickets(order.actions)).toEqual([{ ticketType: 'order-help', title: 'Where is my order?', messageId: 'msg-1' }])
    const search = await answer('wireless headphones like these', [photo])
    expect(search.actions.filter((a) => a.type === 'show-product').map((a) => a.payload)).toEqual([{ productId: 'hp-wireless' }])
    const spoken = await answer('Where is my order?', [{ ...voice, transcript: 'Where is my order?' }])
    expect(tickets(spoken.actions)).toEqual([{ ticketType: 'order-help', title: 'Where is my order?', messageId: 'msg-1' }])
  })
})
