/**
 * "Make a ticket" on a chat message: `createTicketFromChatMessage` with the type in the
 * picker next to it (preset from the message's words) and a title from its first line.
 */
import type { ChatMessage, TicketType } from 'companion-chat'
import { useChatClient } from 'companion-chat/react'
import { useState } from 'react'
import { TICKET_TYPE_LABELS } from '../format'
import { guessTicketType, titleFromMessage } from '../ticket-from-message'
import { useNotices } from './NoticeProvider'

const TYPES = Object.keys(TICKET_TYPE_LABELS) as TicketType[]

export function MakeTicketButton({ message }: { readonly message: ChatMessage }) {
  const client = useChatClient()
  const { run, notify } = useNotices()
  const [type, setType] = useState<TicketType>(() => guessTicketType(message.content))

  const make = () =>
    run(() => {
      const title = titleFromMessage(message.content)
      client.createTicketFromChatMessage(message.id, type, title)
      notify('info', `Ticket created: ${title}`)
    })

  return (
    <span className="make-ticket">
      <button type="button" className="link" data-testid="make-ticket" onClick={make}>
        Make a ticket
      </button>
      <select aria-label="Ticket type" value={type} onChange={(event) => setType(event.target.value as TicketType)}>
        {TYPES.map((value) => (
          <option key={value} value={value}>
            {TICKET_TYPE_LABELS[value]}
          </option>
        ))}
      </select>
    </span>
  )
}
