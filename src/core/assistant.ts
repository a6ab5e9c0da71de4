/**
 * The assistant interface: what an assistant is given for a turn and what it yields. It
 * runs on the main thread next to the client and never crosses to the worker (it carries an
 * `AbortSignal`), so it lives apart from the wire types of `protocol.ts`.
 */
import type { ChatMessage, MessageAction, UserChatContext } from './protocol.js'

/** What an assistant is given for one turn. Runs on the main thread, next to the client. */
export interface AssistantRequest {
  /** The user message to answer. */
  readonly message: ChatMessage
  /** The recent main-chat thread, oldest first, ending with `message`. */
  readonly thread: readonly ChatMessage[]
  /** The user context, reduced to the keys the app allows the assistant to see. */
  readonly userContext: UserChatContext
  /** Aborted when the reply is stopped, replaced, or the client closes. */
  readonly signal: AbortSignal
  /**
   * Set when continuing an interrupted reply: the text already shown. An assistant that
   * can continue yields only what follows it; the SDK appends what it yields.
   */
  readonly partial?: string
  /**
   * The bytes of an attachment of a message in `thread` (messages carry their attachments'
   * metadata: `message.attachments`). Assistants get the bytes only by asking; absent where
   * the caller has no store to read from.
   */
  readonly readAttachment?: (id: string) => Promise<Blob>
}

/** One piece of an assistant's streamed answer. */
export type AssistantPart =
  /** More text of the reply; the reply message grows by `delta`. */
  | { readonly type: 'text'; readonly delta: string }
  /** A suggestion shown as its own `type: 'suggestion'` message with actions. */
  | { readonly type: 'suggestion'; readonly content: string; readonly actions: readonly MessageAction[] }
  /** A change to the user context the assistant proposes (merged like `updateUserContext`). */
  | { readonly type: 'context'; readonly patch: UserChatContext }

/**
 * Who answers main-chat messages. `respond` yields parts as they arrive and must stop
 * promptly when `request.signal` aborts. Throwing (or rejecting) records an error message.
 *
 * @example
 * const echo: Assistant = {
 *   name: 'echo',
 *   async *respond({ message }) { yield { type: 'text', delta: `You said: ${message.content}` } },
 * }
 */
export interface Assistant {
  /** Shown in status and error messages. */
  readonly name?: string
  /**
   * Whether answering needs the network. When it does and the device is offline, the turn
   * waits (a notice says so) and runs once the network returns.
   */
  readonly requiresNetwork?: boolean
  respond(request: AssistantRequest): AsyncIterable<AssistantPart>
}
