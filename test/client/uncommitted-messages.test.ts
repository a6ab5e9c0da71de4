import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { ValidationError, type ChatClient } from 'companion-chat'
import { createDevice, loadEveryTicket } from '../helpers/client.js'

const lastMainId = (chat: ChatClient): string => chat.getState().mainChat.messages.at(-1)!.id

describe('a main-chat message shown but not committed yet', () => {
  test('can be turned into a ticket at once', async () => {
    const device = createDevice()
    const chat = device.open()
    await chat.ready
    const sending = chat.sendMainChatMessage('my order is late')
    const messageId = lastMainId(chat)
    const ticketId = chat.createTicketFromChatMessage(messageId, 'order-help', 'Late order')

    const shown = chat.getState()
    expect(shown.tickets.map((t) => [t.id, t.context])).toEqual([[ticketId, { sourceMessageId: messageId }]])
    expect(shown.mainChat.messages[0]!.metadata).toEqual({ ticketId })
    await sending
    await chat.flush()

    const reader = device.open()
    await loadEveryTicket(reader)
    const stored = reader.getState()
    expect(stored.tickets.map((t) => [t.id, t.messages.map((m) => m.content)])).toEqual([[ticketId, ['my order is late']]])
    expect(stored.mainChat.messages.map((m) => m.metadata)).toEqual([{ ticketId }])
  })

  test('can be turned into a ticket from a batch not committed yet', async () => {
    const chat = createDevice().open()
    await chat.ready
    void chat.sendMainChatMessages(['one', 'two'])
    const [first] = chat.getState().mainChat.messages
    const ticketId = chat.createTicketFromChatMessage(first!.id, 'support', 'From the batch')
    await chat.flush()
    expect(chat.getState().tickets.map((t) => t.id)).toEqual([ticketId])
    expect(chat.getState().mainChat.messages.map((m) => m.metadata)).toEqual([{ ticketId }, undefined])
  })

  test('refuses its id for other content at once, and takes it again for the same content (a retry)', async () => {
    const device = createDevice()
    const chat = device.open()
    await chat.ready
    const sending = chat.sendMainChatMessage('original')
    const id = lastMainId(chat)
    const before = chat.getState()
    expect(() => chat.sendMainChatMessage('impostor', { id })).toThrow(ValidationError)
    expect(chat.getState()).toBe(before)
    const retry = chat.sendMainChatMessage('original', { id })
    await Promise.all([sending, retry])
    expect(chat.getState().mainChat.messages.map((m) => m.content)).toEqual(['original'])
  })

  test('behaves in any sequence of sends and tickets as when every send was awaited', async () => {
    // Each step: send a message (awaited or not), or open a ticket from the n-th message sent so far.
    const step = fc.oneof(
      fc.record({ send: fc.constantFrom('a', 'b', 'c'), wait: fc.boolean() }),
      fc.record({ ticketFrom: fc.nat() }),
    )
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
        const run = async (awaitAll: boolean) => {
          const chat = createDevice().open({ config: { autoCleanupInterval: 0 } })
          await chat.ready
          const outcomes: string[] = []
          for (const s of steps) {
            if ('send' in s) {
              const sent = chat.sendMainChatMessage(s.send)
              if (awaitAll || s.wait) await sent
              continue
            }
            const messages = chat.getState().mainChat.messages
            if (messages.length === 0) continue
            try {
              chat.createTicketFromChatMessage(messages[s.ticketFrom % messages.length]!.id, 'support', 'T')
              outcomes.push('ticket')
            } catch (error) {
              outcomes.push((error as ValidationError).code)
            }
          }
          await chat.flush()
          const state = chat.getState()
          const result = {
            outcomes,
            main: state.mainChat.messages.map((m) => [m.content, m.metadata?.ticketId !== undefined]),
            tickets: state.tickets.length,
          }
          await chat.close()
          return result
        }
        expect(await run(false)).toEqual(await run(true))
      }),
      { seed: 20261129, numRuns: 30 },
    )
  }, 60_000)
})
