import { describe, expect, test } from 'vitest'
import { ValidationError, type ChatClient } from 'companion-chat'
import { createDevice, loadEveryTicket, thrownBy } from '../helpers/client.js'

const cyclic: Record<string, unknown> = { a: 1 }
cyclic['self'] = cyclic
class Product {
  id = 'p1'
}
const fakeNode = Object.create({ nodeType: 1, nodeName: 'DIV' }) as object
const polluted = JSON.parse('{"nested": {"__proto__": {"admin": true}}}') as Record<string, unknown>
const deep = (n: number): unknown => (n === 0 ? 'leaf' : { next: deep(n - 1) })

// Each row: a call a careless app might make. Every one must throw ValidationError at once.
const badCalls: Array<[string, (chat: ChatClient, ticketId: string) => unknown]> = [
  ['empty content', (c) => c.sendMainChatMessage('')],
  ['white-space content', (c) => c.sendMainChatMessage('   \n ')],
  ['content that is not a string', (c) => c.sendMainChatMessage(42 as unknown as string)],
  ['oversized content', (c) => c.sendMainChatMessage('x'.repeat(10_001))],
  ['unknown sender', (c) => c.sendMainChatMessage('hi', { sender: 'robot' as 'user' })],
  ['unknown message type', (c) => c.sendMainChatMessage('hi', { type: 'html' as 'text' })],
  ['unknown option', (c) => c.sendMainChatMessage('hi', { colour: 'red' } as never)],
  ['a function in metadata', (c) => c.sendMainChatMessage('hi', { metadata: { context: (() => 1) as never } })],
  ['a symbol in metadata', (c) => c.sendMainChatMessage('hi', { metadata: { context: Symbol('x') as never } })],
  ['a class instance in metadata', (c) => c.sendMainChatMessage('hi', { metadata: { context: new Product() as never } })],
  ['a DOM-like node in context', (c) => c.createTicket('support', 'Title', undefined, { node: fakeNode as never })],
  ['a Map in context', (c) => c.createTicket('support', 'Title', undefined, { map: new Map() as never })],
  ['a cycle in context', (c) => c.createTicket('support', 'Title', undefined, cyclic as never)],
  ['__proto__ in context', (c) => c.createTicket('support', 'Title', undefined, polluted as never)],
  ['constructor key in user context', (c) => c.updateUserContext(JSON.parse('{"constructor": {"x": 1}}'))],
  ['prototype key deep in user context', (c) => c.updateUserContext({ preferences: JSON.parse('{"a": {"prototype": 1}}') })],
  ['too deep context', (c) => c.updateUserContext({ personalInfo: deep(40) as never })],
  ['oversized context', (c) => c.updateUserContext({ history: ['y'.repeat(70_000)] })],
  ['a bigint in context', (c) => c.updateUserContext({ sessionStart: 1n as never })],
  ['user context that is an array', (c) => c.updateUserContext([] as never)],
  ['unknown ticket type', (c) => c.createTicket('complaint' as 'support', 'Title')],
  ['empty ticket title', (c) => c.createTicket('support', '')],
  ['oversized ticket title', (c) => c.createTicket('support', 't'.repeat(201))],
  ['unknown status', (c, id) => c.updateTicketStatus(id, 'done' as 'open')],
  ['unknown priority', (c, id) => c.updateTicketPriority(id, 'critical' as 'high')],
  ['unknown view', (c) => c.switchChatView('settings' as 'chat')],
  ['typing flag that is not a boolean', (c) => c.setMainChatTyping('yes' as unknown as boolean)],
  ['ticket id that is not a string', (c) => c.sendTicketMessage(7 as unknown as string, 'hi')],
  ['context keys that are not an array', (c, id) => c.inheritContextToTicket(id, 'preferences' as never)],
  ['__proto__ as a context key', (c, id) => c.inheritContextToTicket(id, ['__proto__'])],
  ['a batch with one bad message', (c) => c.sendMainChatMessages(['fine', ''])],
]

describe('bad input', () => {
  test.each(badCalls)('refuses %s with a ValidationError before writing anything', async (_name, call) => {
    const device = createDevice()
    const chat = device.open()
    const ticketId = chat.createTicket('support', 'Existing', 'first')
    await chat.sendMainChatMessage('before')
    await chat.flush()
    const before = chat.getState()

    const thrown = await thrownBy(() => call(chat, ticketId))
    expect(thrown).toBeInstanceOf(ValidationError)
    expect((thrown as ValidationError).code).toBe('validation')
    expect(chat.getState()).toBe(before) // not even an optimistic change

    await chat.flush()
    await chat.close()
    const reopened = device.open()
    await loadEveryTicket(reopened)
    expect(reopened.getState().mainChat.messages).toEqual(before.mainChat.messages)
    expect(reopened.getState().tickets).toEqual(before.tickets)
    expect(reopened.getState().userContext).toEqual(before.userContext)
    expect(reopened.getState().analytics.totalMessages).toBe(2)
  })

  test('names the offending item of a batch', () => {
    const chat = createDevice().open()
    const pathOf = (call: () => unknown) => {
      try {
        call()
      } catch (error) {
        return (error as ValidationError).details
      }
      return expect.unreachable()
    }
    expect(pathOf(() => chat.sendMainChatMessages(['fine', 'also fine', ' ']))).toMatchObject({ path: 'messages[2]' })
    expect(pathOf(() => chat.sendMainChatMessages(['fine', { content: 'x'.repeat(10_001) }]))).toMatchObject({ path: 'messages[1].content', limit: 10_000 })
    expect(chat.getState().mainChat.messages).toEqual([])
  })

  test('names the offending field in the error', () => {
    const chat = createDevice().open()
    try {
      chat.createTicket('support', 'Title', undefined, polluted as never)
      expect.unreachable()
    } catch (error) {
      expect((error as ValidationError).details).toMatchObject({ path: 'context.nested.__proto__' })
      expect((error as Error).message).toContain('forbidden key')
    }
  })
})
