/**
 * An assistant backed by any server that speaks the OpenAI chat-completions API with
 * streaming (OpenAI, Azure OpenAI, OpenRouter, Ollama, vLLM, LM Studio, llama.cpp, …).
 */
import { AssistantError, ValidationError } from '../core/errors.js'
import type { Assistant, AssistantPart, AssistantRequest } from '../core/assistant.js'
import type { ChatMessage } from '../core/protocol.js'
import { readCompletionStream } from './read-completion-stream.js'
import { responseError } from './response-error.js'
import { describeAttachments, readImages, type ChatCompletionPart, type ImageOptions } from './image-parts.js'

export type { ChatCompletionPart, ImageOptions }

/** Options of `createOpenAICompatibleAssistant`. */
export interface OpenAICompatibleOptions {
  /** The API root, e.g. `'https://api.openai.com/v1'` or `'http://localhost:11434/v1'`. */
  readonly baseURL: string
  /** The model to ask, e.g. `'gpt-4o-mini'`. */
  readonly model: string
  /** Sent as `Authorization: Bearer <apiKey>`. Leave out for local servers, or set `headers` instead. */
  readonly apiKey?: string
  /** Extra request headers; they override the defaults (`content-type`, `accept`, `authorization`). */
  readonly headers?: Readonly<Record<string, string>>
  /** The first system message of every request. */
  readonly systemPrompt?: string
  /** The `fetch` to use; default `globalThis.fetch`. For proxies, tests or custom transports. */
  readonly fetch?: typeof globalThis.fetch
  /** Sampling temperature; the server's default when left out. */
  readonly temperature?: number
  /** How many of the most recent thread messages are sent, the current one included. Default 20. */
  readonly maxHistory?: number
  /** Shown in status and error messages. Default: the model name. */
  readonly name?: string
  /**
   * For models that see images: `true` (or options) sends the image attachments of the
   * user messages sent as `image_url` content parts with `data:` URLs. Default `false`:
   * only a line describing each attachment is sent (name, type, size), never its bytes.
   */
  readonly images?: boolean | ImageOptions
}

/** One message of a chat-completions request: text, or text and images (`images`). */
export interface ChatCompletionMessage {
  readonly role: 'system' | 'user' | 'assistant'
  readonly content: string | readonly ChatCompletionPart[]
}

const DEFAULT_MAX_HISTORY = 20

/**
 * Creates an assistant that streams its replies from an OpenAI-compatible
 * `POST {baseURL}/chat/completions` with `stream: true`.
 *
 * Each request carries the system prompt, the allowed user context (`request.userContext`)
 * as a system message of JSON, and the recent thread without `error` messages. Only message
 * contents leave the device, never their metadata. The reply streams as `text` parts.
 * Aborting `request.signal` closes the connection and ends the stream without an error.
 * Failures reject with an `AssistantError` whose `reason` is `unauthorized` (401, 403),
 * `rate-limited` (429, with `retryAfterMs`), `server` (5xx, or an error event mid-reply),
 * `bad-request` (other 4xx), `malformed` (a chunk that is not a chat-completion chunk) or
 * `network` (unreachable, or the connection broke before the reply was complete).
 *
 * @param options - where the server is, which model, and how to authenticate.
 * @returns an `Assistant` for the chat client.
 * @throws ValidationError when `baseURL` is not an http(s) URL, `model` is empty,
 *   `maxHistory` is not a positive integer or `temperature` is not a finite number.
 * @example
 * const assistant = createOpenAICompatibleAssistant({
 *   baseURL: 'https://api.openai.com/v1',
 *   model: 'gpt-4o-mini',
 *   apiKey: myKey,
 *   systemPrompt: 'You are the friendly shopping assistant of Example Store.',
 * })
 * for await (const part of assistant.respond(request)) if (part.type === 'text') process.stdout.write(part.delta)
 */
export function createOpenAICompatibleAssistant(options: OpenAICompatibleOptions): Assistant {
  const url = endpoint(options.baseURL)
  if (options.model.trim() === '') throw new ValidationError('The model must not be empty', { path: 'model' })
  const maxHistory = options.maxHistory ?? DEFAULT_MAX_HISTORY
  if (!Number.isInteger(maxHistory) || maxHistory < 1) {
    throw new ValidationError('maxHistory must be a positive integer', { path: 'maxHistory' })
  }
  if (options.temperature !== undefined && !Number.isFinite(options.temperature)) {
    throw new ValidationError('temperature must be a finite number', { path: 'temperature' })
  }
  const images = options.images === true ? {} : options.images === false || options.images === undefined ? undefined : options.images
  const send = options.fetch ?? ((input, init) => globalThis.fetch(input, init)) // looked up per call, so a polyfill installed later is used
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'text/event-stream',
    ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
  }
  // Lower-cased, so that `Authorization` replaces the default instead of joining it.
  for (const [name, value] of Object.entries(options.headers ?? {})) headers[name.toLowerCase()] = value

  return {
    name: options.name ?? options.model,
    requiresNetwork: true,
    async *respond(request: AssistantRequest): AsyncGenerator<AssistantPart, void, undefined> {
      const { signal } = request
      if (signal.aborted) return
      const messages = toChatMessages(request, options.systemPrompt, maxHistory)
      const body = JSON.stringify({
        model: options.model,
        messages: images ? await withImages(messages, request, maxHistory, images) : messages,
        stream: true,
        ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
      })
      let response: Response | undefined
      const pending = send(url, { method: 'POST', headers, body, signal })
      try {
        response = await unlessAborted(pending, signal)
      } catch (error) {
        if (signal.aborted) return
        const reason = error instanceof Error ? error.message : String(error)
        throw new AssistantError('network', `Could not reach the assistant server at ${url}: ${reason}`, { cause: error })
      }
      if (response === undefined) {
        // Aborted before the answer: a `fetch` that ignores the signal may still answer; drop that body.
        pending.then((late) => late.body?.cancel().catch(() => {}), () => {})
        return
      }
      if (!response.ok) {
        const error = await unlessAborted(responseError(response), signal)
        if (error === undefined || signal.aborted) {
          response.body?.cancel().catch(() => {})
          return
        }
        throw error
      }
      if (signal.aborted || !response.body) {
        response.body?.cancel().catch(() => {})
        if (signal.aborted) return
        throw new AssistantError('malformed', 'The assistant server answered without a body', { status: response.status })
      }
      if (response.headers.get('content-type')?.includes('application/json')) {
        // The server ignored `stream: true`; its JSON is not an event stream.
        response.body.cancel().catch(() => {})
        throw new AssistantError('malformed', 'The assistant server answered with JSON instead of an event stream', {
          status: response.status,
        })
      }
      for await (const delta of readCompletionStream(response.body, signal)) yield { type: 'text', delta }
    },
  }
}

/**
 * The messages of a request: the system prompt, the user context, then the most recent
 * `maxHistory` messages of the thread (senders map to roles one to one). `error` messages
 * and empty ones are left out: they record failures, not conversation.
 */
export function toChatMessages(
  request: Pick<AssistantRequest, 'message' | 'thread' | 'userContext'>,
  systemPrompt: string | undefined,
  maxHistory: number,
): ChatCompletionMessage[] {
  const messages: ChatCompletionMessage[] = []
  if (systemPrompt) messages.push({ role: 'system', content: systemPrompt })
  const context = JSON.stringify(request.userContext)
  if (context !== '{}') messages.push({ role: 'system', content: `User context (JSON): ${context}` })
  const thread = request.thread.some((message) => message.id === request.message.id)
    ? request.thread
    : [...request.thread, request.message] // the runner should include it; the question must be sent anyway
  for (const message of history(thread, maxHistory)) messages.push({ role: message.sender, content: textOf(message) })
  return messages
}

/** The thread's messages that are sent: the newest `maxHistory`, without errors and empty ones. */
function history(thread: readonly ChatMessage[], maxHistory: number): ChatMessage[] {
  const kept = thread.filter((message: ChatMessage) => message.type !== 'error' && (message.content.trim() !== '' || message.attachments !== undefined))
  return kept.slice(-maxHistory)
}

/** A message's text, with a line per attachment (what it is, not its bytes). */
function textOf(message: ChatMessage): string {
  if (message.attachments === undefined) return message.content
  const described = describeAttachments(message.attachments)
  return message.content.trim() === '' ? described : `${message.content}\n${described}`
}

/**
 * `messages` (from `toChatMessages`) with the images of the sent user messages as content
 * parts after their text: the history's messages are the last ones, in order.
 */
async function withImages(
  messages: ChatCompletionMessage[],
  request: AssistantRequest,
  maxHistory: number,
  options: ImageOptions,
): Promise<ChatCompletionMessage[]> {
  const thread = request.thread.some((message) => message.id === request.message.id) ? request.thread : [...request.thread, request.message]
  const sent = history(thread, maxHistory)
  const urls = await readImages(sent, request, options)
  if (urls.size === 0) return messages
  const offset = messages.length - sent.length
  return messages.map((entry, i) => {
    const message = sent[i - offset]
    const images = (message?.attachments ?? []).flatMap((a) => (urls.has(a.id) ? [{ type: 'image_url' as const, image_url: { url: urls.get(a.id)! } }] : []))
    return images.length === 0 ? entry : { role: entry.role, content: [{ type: 'text' as const, text: entry.content as string }, ...images] }
  })
}

/** Settles like `promise`, or with `undefined` as soon as `signal` aborts, whichever is first. */
function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = () => resolve(undefined)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}

/** `{baseURL}/chat/completions`, after checking that `baseURL` is an http(s) URL. */
function endpoint(baseURL: string): string {
  let parsed: URL
  try {
    parsed = new URL(baseURL)
  } catch {
    throw new ValidationError(`baseURL is not a URL: ${JSON.stringify(baseURL)}`, { path: 'baseURL' })
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ValidationError('baseURL must be an http: or https: URL', { path: 'baseURL' })
  }
  return `${baseURL.replace(/\/+$/, '')}/chat/completions`
}
