/**
 * `useChat`: the main chat as one hook, in the manner of the Vercel AI SDK's `useChat` —
 * the messages, a controlled input, send, stop, regenerate, and whether the assistant is
 * busy. Every function keeps its identity across renders.
 */
import { nanoid } from 'nanoid'
import { useCallback, useMemo, useRef, useState } from 'react'
import type { ChatClient, ChatStatus } from '../client/types.js'
import { ChatError } from '../core/errors.js'
import { replyInfo } from '../core/plan.js'
import type { ChatMessage, ChatSystemState } from '../core/protocol.js'
import { useAssistant, useChatSelector, useMainChatMessages, useStatus } from './hooks.js'
import { useChatClient } from './provider.js'

/**
 * What {@link useChat} returns. Its functions never throw: a call the client refuses (e.g.
 * content over the length limit, a storage failure, regenerate without an assistant)
 * sets `error` instead, and the next accepted call clears it.
 */
export interface UseChatResult {
  /**
   * The main chat's messages, oldest first: the user's, the assistant's replies (one per
   * user message, growing while it streams), its suggestions, and notices.
   */
  readonly messages: readonly ChatMessage[]
  /** The text of the input box (kept by the hook, not stored). */
  readonly input: string
  /** Sets the input box's text. */
  setInput(value: string): void
  /** An `onChange` handler for an `<input>` or `<textarea>` bound to `input`. */
  handleInputChange(event: { readonly target: { readonly value: string } }): void
  /** An `onSubmit` handler for the form around the input: prevents the page load and calls `send()`. */
  handleSubmit(event?: { preventDefault(): void }): void
  /**
   * Sends `text`, or without it the input's text, which is cleared once the client accepted
   * it (refused text stays in the box). A non-string argument counts as none, so
   * `onClick={send}` works. The text is trimmed; blank text sends nothing.
   * Resolves once the message is committed with its id (pass it to `client.waitForReply`),
   * or with `undefined` when nothing was sent (blank, or refused: see `error`). Never rejects.
   */
  send(text?: string): Promise<string | undefined>
  /** Stops the reply being written; what arrived stays, marked stopped. Nothing happens when none runs. */
  stop(): void
  /**
   * Answers again, replacing the reply: the latest one, or the one of `messageId` (a reply or
   * its user message). A non-string argument counts as none, so `onClick={regenerate}` works.
   */
  regenerate(messageId?: string): void
  /**
   * Whether an answer is on its way: a reply is queued, or this client's assistant is
   * thinking or streaming. Made for disabling the send button or showing a stop button.
   */
  readonly busy: boolean
  /** The client's connection and storage health (as {@link useStatus}). */
  readonly status: ChatStatus
  /** Why the latest send, regenerate or commit of this hook failed; cleared by the next accepted call. */
  readonly error: ChatError | undefined
}

/**
 * The main chat with a controlled input, for a chat box in a few lines.
 *
 * @example
 * function ChatBox() {
 *   const { messages, input, handleInputChange, handleSubmit, busy, stop, error } = useChat()
 *   return (
 *     <form onSubmit={handleSubmit}>
 *       {messages.map((m) => <p key={m.id} className={m.sender}>{m.content}</p>)}
 *       {error && <p role="alert">{error.message}</p>}
 *       <input value={input} onChange={handleInputChange} />
 *       {busy ? <button type="button" onClick={stop}>Stop</button> : <button>Send</button>}
 *     </form>
 *   )
 * }
 */
export function useChat(): UseChatResult {
  const client = useChatClient()
  const messages = useMainChatMessages()
  const status = useStatus()
  const activity = useAssistant()
  const queued = useChatSelector(hasQueuedReply)
  const busy = queued || activity.state === 'thinking' || activity.state === 'streaming'
  const [input, setInputState] = useState('')
  const [error, setError] = useState<ChatError | undefined>(undefined)
  // `send()` reads the input from here, so that it does not change identity with every keystroke.
  const inputRef = useRef(input)

  const setInput = useCallback((value: string) => {
    inputRef.current = value
    setInputState(value)
  }, [])
  const handleInputChange = useCallback((event: { readonly target: { readonly value: string } }) => setInput(event.target.value), [setInput])
  const send = useCallback(
    (text?: string) => {
      // Not a string (e.g. the click event of `onClick={send}`): send the input, as without an argument.
      if (typeof text !== 'string') return sendText(client, inputRef.current, () => setInput(''), setError)
      return sendText(client, text, undefined, setError)
    },
    [client, setInput],
  )
  const handleSubmit = useCallback(
    (event?: { preventDefault(): void }) => {
      event?.preventDefault()
      void send()
    },
    [send],
  )
  const stop = useCallback(() => client.stopAssistant(), [client])
  const regenerate = useCallback(
    (messageId?: string) => {
      try {
        client.regenerate(typeof messageId === 'string' ? messageId : undefined) // `onClick={regenerate}` passes an event
        setError(undefined)
      } catch (failure) {
        setError(asChatError(failure))
      }
    },
    [client],
  )

  return useMemo(
    () => ({ messages, input, setInput, handleInputChange, handleSubmit, send, stop, regenerate, busy, status, error }),
    [messages, input, setInput, handleInputChange, handleSubmit, send, stop, regenerate, busy, status, error],
  )
}

/** Sends one message; `accepted` runs once the client took it (before the commit). */
async function sendText(
  client: ChatClient,
  text: string,
  accepted: (() => void) | undefined,
  setError: (error: ChatError | undefined) => void,
): Promise<string | undefined> {
  const content = text.trim()
  if (content === '') return undefined
  const id = nanoid() // ours, so that the caller can wait for the reply to this message
  let committed: Promise<void>
  try {
    committed = client.sendMainChatMessage(content, { id })
  } catch (failure) {
    setError(asChatError(failure)) // refused at once: the text stays in the box
    return undefined
  }
  accepted?.()
  setError(undefined)
  try {
    await committed
    return id
  } catch (failure) {
    setError(asChatError(failure))
    return undefined
  }
}

/** Whether a reply slot of the main chat waits for an assistant to take it. */
const hasQueuedReply = (state: ChatSystemState): boolean =>
  state.mainChat.messages.some((m) => m.id.startsWith('reply:') && replyInfo(m)?.status === 'queued')

const asChatError = (failure: unknown): ChatError =>
  failure instanceof ChatError ? failure : new ChatError('internal', failure instanceof Error ? failure.message : String(failure), undefined, { cause: failure })
