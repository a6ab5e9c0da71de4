/**
 * Reads the server-sent events of a streamed chat completion and yields the text deltas.
 * The SSE framing is parsed by `eventsource-parser`; this file only reads the events.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser'
import { AssistantError } from '../core/errors.js'
import { isRecord } from './is-record.js'

/** Longest event (or unterminated line) buffered; a stream that needs more is refused as malformed. */
const MAX_EVENT_CHARS = 1 << 20

/**
 * Yields `choices[0].delta.content` of every event until `data: [DONE]`.
 *
 * Invariants: it never throws after `signal` aborted (it just returns); it releases the
 * body on every exit (done, error, abort, or the consumer stopping early), which closes
 * the connection of an unfinished response. Throws `AssistantError`: `malformed` for an
 * event that is not JSON or not a chat-completion chunk, `server` for an error event,
 * `network` when the connection breaks or the body ends before the reply is complete.
 * A reply is complete at `[DONE]`, or at the end of the body once a choice has reported
 * its `finish_reason` (some servers leave out `[DONE]`).
 */
export async function* readCompletionStream(
  body: ReadableStream<Uint8Array>,
  signal: AbortSignal,
): AsyncGenerator<string, void, undefined> {
  const reader = body.getReader()
  const release = () => {
    reader.cancel().catch(() => {}) // cancelling a broken stream may reject; nothing is left to do then
  }
  const decoder = new TextDecoder()
  const events: EventSourceMessage[] = []
  let overflow = false
  const parser = createParser({
    onEvent: (event) => {
      events.push(event)
    },
    onError: (error) => {
      if (error.type === 'max-buffer-size-exceeded') overflow = true // unknown fields are ignored, as SSE says
    },
    maxBufferSize: MAX_EVENT_CHARS,
  })
  // A custom `fetch` may not tie the body to the signal; cancelling wakes a pending read either way.
  signal.addEventListener('abort', release, { once: true })
  let finishReported = false
  try {
    while (!signal.aborted) {
      let chunk: ReadableStreamReadResult<Uint8Array>
      try {
        chunk = await reader.read()
      } catch (error) {
        if (signal.aborted) return
        throw new AssistantError('network', 'The connection to the assistant server broke off mid-reply', { cause: error })
      }
      if (signal.aborted) return
      if (chunk.done) {
        if (finishReported) return
        throw new AssistantError('network', 'The assistant server closed the connection before the reply was complete')
      }
      parser.feed(decoder.decode(chunk.value, { stream: true }))
      if (overflow) throw new AssistantError('malformed', `The assistant server sent an event longer than ${MAX_EVENT_CHARS} characters`)
      for (let index = 0; index < events.length; index++) {
        const event = events[index]
        if (!event) continue
        if (event.data.trim() === '[DONE]') return
        const chunkData = readChunk(event)
        finishReported ||= chunkData.finished
        if (chunkData.content) {
          if (signal.aborted) return
          yield chunkData.content
        }
      }
      events.length = 0
    }
  } finally {
    signal.removeEventListener('abort', release)
    release()
  }
}

/** The text and end-of-choice flag of one event, or an error when the event is not a chunk. */
function readChunk(event: EventSourceMessage): { content: string | undefined; finished: boolean } {
  let json: unknown
  try {
    json = JSON.parse(event.data)
  } catch (error) {
    throw new AssistantError('malformed', `The assistant server sent an event that is not JSON: ${preview(event.data)}`, { cause: error })
  }
  if (event.event === 'error' || (isRecord(json) && json['error'] != null)) {
    const error = isRecord(json) ? json['error'] : undefined
    const message = isRecord(error) && typeof error['message'] === 'string' ? error['message'] : preview(event.data)
    throw new AssistantError('server', `The assistant server reported an error mid-reply: ${message}`)
  }
  if (!isRecord(json) || !Array.isArray(json['choices'])) {
    throw new AssistantError('malformed', `The assistant server sent an event without choices: ${preview(event.data)}`)
  }
  const choice: unknown = json['choices'][0]
  if (choice === undefined) return { content: undefined, finished: false } // e.g. a usage-only chunk
  const delta = isRecord(choice) ? choice['delta'] : undefined
  const content = isRecord(delta) ? delta['content'] : undefined
  const validDelta = delta === undefined || delta === null || isRecord(delta)
  const validContent = content === undefined || content === null || typeof content === 'string'
  if (!isRecord(choice) || !validDelta || !validContent) {
    throw new AssistantError('malformed', `The assistant server sent a chunk of the wrong shape: ${preview(event.data)}`)
  }
  const finishReason = choice['finish_reason']
  return {
    content: typeof content === 'string' ? content : undefined,
    finished: typeof finishReason === 'string' && finishReason !== '',
  }
}

function preview(data: string): string {
  return data.length > 120 ? `${data.slice(0, 120)}…` : data
}
