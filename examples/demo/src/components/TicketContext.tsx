/** The ticket's context (given at creation or inherited from the user context), as key–value chips. */
import type { JsonValue } from 'companion-chat'
import { describeValue } from '../format'

type Context = { readonly [key: string]: JsonValue | undefined }

export function TicketContext({ context }: { readonly context: Context }) {
  const entries = Object.entries(context).filter((entry): entry is [string, JsonValue] => entry[1] !== undefined)
  if (entries.length === 0) return null
  return (
    <dl className="ticket-context" aria-label="Ticket context">
      {entries.map(([key, value]) => (
        <div key={key} className="context-entry">
          <dt>{key}</dt>
          <dd title={JSON.stringify(value)}>{describeValue(value)}</dd>
        </div>
      ))}
    </dl>
  )
}
