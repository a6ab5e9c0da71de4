/** The main chat: its messages, the typing indicator and the input. */
import { ChatInput } from './ChatInput'
import { MessageList } from './MessageList'
import { TypingIndicator } from './TypingIndicator'

export function ChatView() {
  return (
    <section className="chat" aria-label="Chat">
      <MessageList />
      <TypingIndicator />
      <ChatInput />
    </section>
  )
}
