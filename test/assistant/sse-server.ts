/**
 * A scripted chat-completions server on 127.0.0.1 for the adapter tests. Each test sets
 * `script`, which answers the requests; the server records every request it received and
 * reports when a response's connection closes. Nothing here reaches beyond this machine.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface RecordedRequest {
  readonly method: string | undefined
  readonly url: string | undefined
  readonly headers: IncomingHttpHeaders
  readonly body: unknown
}

export type Script = (request: IncomingMessage, response: ServerResponse) => void

export interface SseServer {
  /** `http://127.0.0.1:<port>/v1` */
  readonly baseURL: string
  readonly requests: RecordedRequest[]
  script: Script
  /**
   * Resolves when the response to the next request (one arriving after this call) closes;
   * `ended` tells whether the server had finished it, or the connection was cut.
   */
  nextClose(): Promise<{ ended: boolean }>
  close(): Promise<void>
}

/** Starts the server on an ephemeral port. */
export async function startSseServer(): Promise<SseServer> {
  const closeWaiters: Array<(value: { ended: boolean }) => void> = []
  const state: SseServer = {
    baseURL: '',
    requests: [],
    script: (_request, response) => {
      response.writeHead(500).end()
    },
    nextClose: () => new Promise((resolve) => closeWaiters.push(resolve)),
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      state.requests.push({ method: request.method, url: request.url, headers: request.headers, body: text ? JSON.parse(text) : undefined })
      const waiter = closeWaiters.shift()
      response.on('close', () => waiter?.({ ended: response.writableFinished }))
      state.script(request, response)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return Object.assign(state, { baseURL: `http://127.0.0.1:${port}/v1` })
}

/** A chat-completion chunk carrying `content`. */
export function chunk(content: string | null, finishReason: string | null = null): string {
  return JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    model: 'test-model',
    choices: [{ index: 0, delta: content === null ? {} : { content }, finish_reason: finishReason }],
  })
}

/** Starts an event stream. */
export function openStream(response: ServerResponse): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
}

/** Writes one SSE event per data string. */
export function send(response: ServerResponse, ...data: string[]): void {
  for (const item of data) response.write(`data: ${item}\n\n`)
}

/** Answers with an error status and an OpenAI-style error body. */
export function fail(response: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers })
  response.end(JSON.stringify({ error: { message, type: 'test_error' } }))
}
