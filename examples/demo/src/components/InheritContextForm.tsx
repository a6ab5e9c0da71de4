/** Copies chosen keys of the user context into the ticket (`inheritContextToTicket`). */
import { useChatClient, useChatSelector } from 'companion-chat/react'
import { useState, type FormEvent } from 'react'
import { useNotices } from './NoticeProvider'

export function InheritContextForm({ ticketId }: { readonly ticketId: string }) {
  const client = useChatClient()
  const { run, notify } = useNotices()
  const userContext = useChatSelector((state) => state.userContext)
  const keys = Object.keys(userContext).filter((key) => userContext[key] !== undefined)
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set())
  const selected = keys.filter((key) => chosen.has(key))

  const toggle = (key: string) =>
    setChosen((previous) => {
      const next = new Set(previous)
      if (!next.delete(key)) next.add(key)
      return next
    })
  const inherit = (event: FormEvent) => {
    event.preventDefault()
    run(() => {
      void client.inheritContextToTicket(ticketId, selected)
      notify('info', `Added ${selected.join(', ')} to the ticket`)
      setChosen(new Set())
    })
  }

  return (
    <form className="inherit-form" onSubmit={inherit}>
      <fieldset>
        <legend>Inherit context</legend>
        {keys.length === 0 ? (
          <p className="muted">Nothing to share yet: pick a budget or ask about a product in the shop.</p>
        ) : (
          <>
            {keys.map((key) => (
              <label key={key} className="checkbox">
                <input type="checkbox" data-context-key={key} checked={chosen.has(key)} onChange={() => toggle(key)} />
                {key}
              </label>
            ))}
            <button type="submit" className="button button--secondary" disabled={selected.length === 0}>
              Add to ticket
            </button>
          </>
        )}
      </fieldset>
    </form>
  )
}
