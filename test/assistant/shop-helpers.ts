/**
 * Helpers for the assistant tests: build a request, run an assistant to the end, and
 * split its parts into what the user sees (reply text, suggestions, context changes).
 */
import type {
  Assistant,
  AssistantPart,
  ChatMessage,
  MessageAction,
  UserChatContext,
} from 'companion-chat'

export function userMessage(content: string, id = 'msg-1'): ChatMessage {
  return { id, content, sender: 'user', timestamp: 1_700_000_000_000, type: 'text' }
}

export interface AskOptions {
  readonly userContext?: UserChatContext
  readonly signal?: AbortSignal
  readonly thread?: readonly ChatMessage[]
}

/** Every part the assistant yields for `content`. */
export async function collect(assistant: Assistant, content: string, options: AskOptions = {}): Promise<AssistantPart[]> {
  const message = userMessage(content)
  const parts: AssistantPart[] = []
  const request = {
    message,
    thread: options.thread ?? [message],
    userContext: options.userContext ?? {},
    signal: options.signal ?? new AbortController().signal,
  }
  for await (const part of assistant.respond(request)) parts.push(part)
  return parts
}

export interface Reply {
  readonly text: string
  readonly textParts: number
  readonly suggestions: ReadonlyArray<{ content: string; actions: readonly MessageAction[] }>
  readonly actions: readonly MessageAction[]
  readonly context: UserChatContext | undefined
  /** Part types in the order they came, runs collapsed: e.g. `['text', 'suggestion', 'context']`. */
  readonly order: readonly string[]
}

/** What the user sees of an answer. */
export function reply(parts: readonly AssistantPart[]): Reply {
  let text = ''
  let textParts = 0
  const suggestions: Array<{ content: string; actions: readonly MessageAction[] }> = []
  const contexts: UserChatContext[] = []
  const order: string[] = []
  for (const part of parts) {
    if (order.at(-1) !== part.type) order.push(part.type)
    if (part.type === 'text') {
      text += part.delta
      textParts++
    } else if (part.type === 'suggestion') suggestions.push({ content: part.content, actions: part.actions })
    else contexts.push(part.patch)
  }
  return {
    text,
    textParts,
    suggestions,
    actions: suggestions.flatMap((suggestion) => suggestion.actions),
    context: contexts.length > 0 ? Object.assign({}, ...contexts) : undefined,
    order,
  }
}

/** Runs `assistant` on `content` and returns what the user sees. */
export async function ask(assistant: Assistant, content: string, options: AskOptions = {}): Promise<Reply> {
  return reply(await collect(assistant, content, options))
}
