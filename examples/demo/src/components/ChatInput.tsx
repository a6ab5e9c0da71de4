/** The main chat's input: Enter sends, Shift+Enter starts a new line. */
import { useChatClient } from 'companion-chat/react'
import { useState, type KeyboardEvent } from 'react'
import { useNotices } from './NoticeProvider'

export function ChatInput() {
  const client = useChatClient()
  const { run } = useNotices()
  const [text, setText] = useState('')
  const blank = text.trim() === ''

  const send = (event?: { preventDefault(): void }) => {
    event?.preventDefault()
    if (blank) return
    run(() => {
      void client.sendMainChatMessage(text.trim())
      setText('') // only once the client took it: bad input stays in the box
    })
  }
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) send(event)
  }

  return (
    <form className="composer" onSubmit={send}>
      <textarea
        data-testid="chat-input"
        aria-label="Message"
        placeholder="Type a message…"
        rows={2}
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
      />
      <button type="submit" className="button" data-testid="chat-send" disabled={blank}>
        Send
      </button>
    </form>
  )
}
