/**
 * Calls after `close()` throw `ClientClosedError` whatever else they would have checked,
 * and a sparse array of messages is a `ValidationError` at the call.
 */
import { expect, test } from 'vitest'
import { ClientClosedError, ValidationError, createShopAssistant } from 'companion-chat'
import { createDevice } from '../helpers/client.js'

test('assistant commands and runAction of a closed client fail with ClientClosedError', async () => {
  const chat = createDevice().open({ assistant: createShopAssistant() })
  await chat.sendMainChatMessage('hello', { id: 'q1' })
  await chat.close()
  expect(() => chat.regenerate()).toThrow(ClientClosedError)
  expect(() => chat.retry('reply:q1')).toThrow(ClientClosedError)
  expect(() => chat.continueReply('reply:q1')).toThrow(ClientClosedError)
  await expect(chat.runAction('reply:q1', 'open-ticket')).rejects.toBeInstanceOf(ClientClosedError)
})

test('a sparse array of messages is a ValidationError naming the hole, and nothing is written', async () => {
  const chat = createDevice().open()
  await chat.ready
  // eslint-disable-next-line no-sparse-arrays
  const sparse = [, 'a'] as unknown as string[]
  expect(() => chat.sendMainChatMessages(sparse)).toThrow(ValidationError)
  expect(() => chat.sendMainChatMessages(sparse)).toThrow(/messages\[0\]/)
  await chat.flush()
  expect(chat.getState().mainChat.messages).toEqual([])
})
