/**
 * Privacy: what the panel remembers about the shopper, "Clear my preferences"
 * (`clearUserData`) and "Clear all my data" (`clearAllData`, after a confirmation).
 */
import { useChatClient, useChatSelector } from 'companion-chat/react'
import { useState } from 'react'
import { useNotices } from './NoticeProvider'

export function PrivacyPanel() {
  const client = useChatClient()
  const { run, notify } = useNotices()
  const userContext = useChatSelector((state) => state.userContext)
  const remembered = Object.keys(userContext).filter((key) => userContext[key] !== undefined)
  const [confirming, setConfirming] = useState(false)
  const syncing = client.sync$.value.state !== 'off' // configured at start: does not change but to 'off'

  const clearPreferences = () =>
    run(() => {
      void client.clearUserData()
      notify('info', 'Your preferences, history and personal info were cleared.')
    })
  const clearAll = () =>
    run(() => {
      setConfirming(false)
      void client.clearAllData()
      notify('info', 'All your chat data was deleted from this browser.')
    })

  return (
    <section className="privacy" aria-label="Privacy">
      {confirming ? (
        <div className="confirm" role="alertdialog" aria-label="Confirm deleting all data">
          <span>Delete every message, ticket and preference?</span>
          <button type="button" className="button button--secondary" onClick={() => setConfirming(false)}>
            Cancel
          </button>
          <button type="button" className="button button--danger" data-testid="confirm-clear" onClick={clearAll}>
            Delete everything
          </button>
        </div>
      ) : (
        <div className="privacy-actions">
          <span className="privacy-title">Privacy</span>
          <button type="button" className="button button--secondary" data-testid="clear-preferences" onClick={clearPreferences}>
            Clear my preferences
          </button>
          <button type="button" className="button button--danger-outline" data-testid="clear-all-data" onClick={() => setConfirming(true)}>
            Clear all my data
          </button>
        </div>
      )}
      <p className="muted privacy-remembered">
        {syncing
          ? 'Your messages and tickets are also sent to the shop’s server; clearing here does not erase them there (sync then stops).'
          : 'Stored only in this browser.'}{' '}
        {remembered.length > 0 ? `Remembered about you: ${remembered.join(', ')}.` : 'Nothing remembered about you.'}
      </p>
    </section>
  )
}
