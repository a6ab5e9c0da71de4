/**
 * The main chat's messages, oldest first. The list stays scrolled to the newest message
 * unless the reader scrolled up to read older ones.
 */
import { useChatSelector, useMainChatMessages } from 'companion-chat/react'
import { useLayoutEffect, useRef } from 'react'
import { ChatMessageItem } from './ChatMessageItem'

/** Within this many pixels of the end, the list counts as scrolled to the end. */
const STICK_PX = 80

export function MessageList() {
  const messages = useMainChatMessages()
  const typing = useChatSelector((state) => state.mainChat.isTyping)
  const list = useRef<HTMLOListElement>(null)
  const stick = useRef(true)
  const last = messages.at(-1)

  // Scroll the list itself (not the page); the typing indicator below it shrinks it too.
  // Sending a message always brings the reader back to the end. Once a frame, before it is
  // painted: reading scrollHeight lays the list out, and a streamed reply changes it many
  // times a frame.
  useLayoutEffect(() => {
    if (last?.sender === 'user') stick.current = true
    if (!stick.current) return
    const frame = requestAnimationFrame(() => {
      const element = list.current
      if (element && stick.current) element.scrollTop = element.scrollHeight
    })
    return () => cancelAnimationFrame(frame)
  }, [messages, typing, last])

  const onScroll = () => {
    const element = list.current
    if (element) stick.current = element.scrollHeight - element.scrollTop - element.clientHeight < STICK_PX
  }

  if (messages.length === 0) {
    return (
      <div className="empty chat-empty">
        <p className="empty-title">How can we help?</p>
        <p>
          Ask the shop assistant about products, an order or a problem, e.g. “gaming laptops under $1500”. Any message can
          become a support ticket with “Make a ticket”.
        </p>
        <p className="muted">Messages and tickets are saved in this browser and survive a reload.</p>
      </div>
    )
  }
  return (
    <ol ref={list} className="messages" aria-label="Messages" onScroll={onScroll}>
      {messages.map((message) => (
        <ChatMessageItem key={message.id} message={message} />
      ))}
    </ol>
  )
}
