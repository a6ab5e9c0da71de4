// @vitest-environment jsdom
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { act, fireEvent, render, renderHook, waitFor } from '@testing-library/react'
import { createElement, type ReactNode } from 'react'
import { afterEach, describe, expect, test } from 'vitest'
import { createChatClient, type Assistant, type ChatClient, type ChatClientOptions } from 'companion-chat'
import { CompanionPanelProvider, useChat, type UseChatResult } from 'companion-chat/react'

const clients: ChatClient[] = []
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()))
})

function freshWrapper(options: ChatClientOptions = {}) {
  const client = createChatClient({ indexedDB: new IDBFactory(), IDBKeyRange, databaseName: `use-chat-${Math.random()}`, ...options })
  clients.push(client)
  const wrapper = ({ children }: { children?: ReactNode }) => createElement(CompanionPanelProvider, { client }, children)
  return { client, wrapper }
}

/** Answers `You said: <text>` (`Again: <text>` from the second call on), holding the reply open until `finish()` or an abort. */
function heldAssistant() {
  let calls = 0
  let finish = () => {}
  const assistant: Assistant = {
    name: 'held',
    async *respond({ message, signal }) {
      yield { type: 'text', delta: `${++calls === 1 ? 'You said' : 'Again'}: ${message.content}` }
      await new Promise<void>((resolve) => {
        finish = resolve
        signal.addEventListener('abort', () => resolve(), { once: true })
      })
    },
  }
  return { assistant, finish: () => finish() }
}

const FUNCTIONS = ['setInput', 'handleInputChange', 'handleSubmit', 'send', 'stop', 'regenerate'] as const

describe('useChat', () => {
  test('send() sends the input, clears it, resolves with the id; the reply arrives in messages', async () => {
    const held = heldAssistant()
    const { client, wrapper } = freshWrapper({ assistant: held.assistant })
    const { result } = renderHook(() => useChat(), { wrapper })
    expect(result.current).toMatchObject({ messages: [], input: '', busy: false, error: undefined })
    act(() => result.current.handleInputChange({ target: { value: '  Hello there \n' } }))
    expect(result.current.input).toBe('  Hello there \n')
    let id: string | undefined
    await act(async () => {
      id = await result.current.send()
    })
    expect(result.current.input).toBe('')
    expect(id).toEqual(expect.any(String))
    expect(result.current.messages[0]).toMatchObject({ id, content: 'Hello there', sender: 'user' })
    await waitFor(() => expect(result.current.busy).toBe(true))
    act(() => held.finish())
    const reply = await client.waitForReply(id!)
    expect(reply.content).toBe('You said: Hello there')
    await waitFor(() => expect(result.current.busy).toBe(false))
    expect(result.current.messages.map((m) => m.content)).toEqual(['Hello there', 'You said: Hello there'])
  })

  test('send(text) sends that text and leaves the input alone; blank text sends nothing', async () => {
    const { wrapper } = freshWrapper()
    const { result } = renderHook(() => useChat(), { wrapper })
    act(() => result.current.setInput('draft'))
    await act(async () => {
      await result.current.send('from a button')
    })
    expect(result.current.input).toBe('draft')
    expect(result.current.messages.map((m) => m.content)).toEqual(['from a button'])
    act(() => result.current.setInput('   '))
    let sent: string | undefined = 'not called'
    await act(async () => {
      sent = await result.current.send()
    })
    expect(sent).toBeUndefined()
    expect(result.current.messages).toHaveLength(1)
    expect(result.current.error).toBeUndefined()
  })

  test('a refused send keeps the text in the box and sets error; the next accepted send clears it', async () => {
    const { wrapper } = freshWrapper({ config: { maxContentLength: 10 } })
    const { result } = renderHook(() => useChat(), { wrapper })
    act(() => result.current.setInput('far too long for the limit'))
    let sent: string | undefined = 'not called'
    await act(async () => {
      sent = await result.current.send()
    })
    expect(sent).toBeUndefined()
    expect(result.current.input).toBe('far too long for the limit')
    expect(result.current.error).toMatchObject({ name: 'ValidationError', code: 'validation' })
    act(() => result.current.setInput('short'))
    await act(async () => {
      await result.current.send()
    })
    expect(result.current.error).toBeUndefined()
    expect(result.current.messages.map((m) => m.content)).toEqual(['short'])
  })

  test('busy is on while a reply is written; stop() ends it and keeps the text, marked stopped', async () => {
    const held = heldAssistant()
    const { client, wrapper } = freshWrapper({ assistant: held.assistant })
    const { result } = renderHook(() => useChat(), { wrapper })
    let id: string | undefined
    await act(async () => {
      id = await result.current.send('Hi')
    })
    await waitFor(() => expect(result.current.busy).toBe(true))
    const ended = client.waitForReply(id!).catch((error: unknown) => error)
    act(() => result.current.stop())
    expect(await ended).toMatchObject({ code: 'reply-ended', status: 'stopped' })
    await waitFor(() => expect(result.current.busy).toBe(false))
    await waitFor(() => expect(result.current.messages.at(-1)?.content).toBe('You said: Hi'))
  })

  test('regenerate() answers the latest message again in place; without an assistant it sets error instead of throwing', async () => {
    const held = heldAssistant()
    const { client, wrapper } = freshWrapper({ assistant: held.assistant })
    const { result } = renderHook(() => useChat(), { wrapper })
    let id: string | undefined
    await act(async () => {
      id = await result.current.send('Hi')
    })
    await waitFor(() => expect(result.current.busy).toBe(true))
    act(() => held.finish())
    await client.waitForReply(id!)
    // As `onClick={regenerate}` calls it: with the click event.
    act(() => result.current.regenerate(new MouseEvent('click') as unknown as string))
    await waitFor(() => expect(result.current.messages.at(-1)?.content).toBe('Again: Hi'), { timeout: 10_000 }) // a loaded machine may take more than the default second
    expect(result.current.messages).toHaveLength(2)
    act(() => held.finish())

    const plain = freshWrapper()
    const { result: without } = renderHook(() => useChat(), { wrapper: plain.wrapper })
    act(() => without.current.regenerate())
    expect(without.current.error).toMatchObject({ code: 'validation' })
  })

  test('status is the client status', async () => {
    const { client, wrapper } = freshWrapper()
    const { result } = renderHook(() => useChat(), { wrapper })
    await waitFor(() => expect(result.current.status.connection).toBe('ready'))
    expect(result.current.status).toBe(client.status$.value)
  })

  test('keeps its functions the same across renders, input changes and new messages', async () => {
    const { wrapper } = freshWrapper()
    const { result } = renderHook(() => useChat(), { wrapper })
    const before: UseChatResult = result.current
    act(() => result.current.setInput('typing'))
    await act(async () => {
      await result.current.send()
    })
    expect(result.current.messages).toHaveLength(1)
    for (const name of FUNCTIONS) expect(result.current[name], name).toBe(before[name])
  })

  test('works as a form: onChange, onSubmit, and onClick={send}', async () => {
    const { wrapper } = freshWrapper()
    function ChatBox() {
      const { messages, input, handleInputChange, handleSubmit, send } = useChat()
      return createElement(
        'form',
        { onSubmit: handleSubmit },
        createElement('ol', null, ...messages.map((m) => createElement('li', { key: m.id }, m.content))),
        createElement('input', { 'aria-label': 'Message', value: input, onChange: handleInputChange }),
        createElement('button', { type: 'submit' }, 'Send'),
        createElement('button', { type: 'button', onClick: send }, 'Send by click'),
      )
    }
    const view = render(createElement(ChatBox), { wrapper })
    const box = view.getByLabelText('Message') as HTMLInputElement
    fireEvent.change(box, { target: { value: 'first' } })
    await act(async () => {
      fireEvent.submit(box.form!)
    })
    await waitFor(() => expect(view.container.querySelectorAll('li')).toHaveLength(1))
    expect(box.value).toBe('')
    fireEvent.change(box, { target: { value: 'second' } })
    await act(async () => {
      fireEvent.click(view.getByText('Send by click'))
    })
    await waitFor(() => expect([...view.container.querySelectorAll('li')].map((li) => li.textContent)).toEqual(['first', 'second']))
    expect(box.value).toBe('')
  })
})
