/**
 * "Assistant is typing…", only while the main chat's `isTyping` is on (in any tab on this
 * database), with "Stop" when this tab's assistant is the one answering.
 */
import { useAssistant, useChatClient, useChatSelector } from 'companion-chat/react'

export function TypingIndicator() {
  const client = useChatClient()
  const typing = useChatSelector((state) => state.mainChat.isTyping)
  const activity = useAssistant()
  if (!typing) return null
  const answering = activity.state === 'thinking' || activity.state === 'streaming'
  return (
    <div className="typing" data-testid="typing-indicator" role="status">
      <span className="typing-dots" aria-hidden="true">
        <span />
        <span />
        <span />
      </span>
      Assistant is typing…
      {answering && (
        <button type="button" className="link typing-stop" onClick={() => client.stopAssistant()}>
          Stop
        </button>
      )}
    </div>
  )
}
