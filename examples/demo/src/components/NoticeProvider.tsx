/**
 * Short-lived notices for the status line: every error of `errors$` (a command that was
 * rolled back), errors thrown at once by a command (bad input), and confirmations.
 */
import { useChatClient } from 'companion-chat/react'
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react'

export interface Notice {
  readonly kind: 'info' | 'error'
  readonly text: string
}

interface NoticeApi {
  readonly notice: Notice | null
  /** Shows `text` for a few seconds. */
  notify(kind: Notice['kind'], text: string): void
  /** Runs a command; an error it throws at once becomes an error notice instead of a crash. */
  run(command: () => unknown): void
}

const NOTICE_MS = 6000
const NoticeContext = createContext<NoticeApi | null>(null)

export function NoticeProvider({ children }: { readonly children?: ReactNode }) {
  const client = useChatClient()
  const [notice, setNotice] = useState<Notice | null>(null)
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined)

  const notify = useCallback((kind: Notice['kind'], text: string) => {
    clearTimeout(timer.current)
    setNotice({ kind, text })
    timer.current = setTimeout(() => setNotice(null), NOTICE_MS)
  }, [])

  const run = useCallback(
    (command: () => unknown) => {
      try {
        command()
      } catch (error) {
        notify('error', error instanceof Error ? error.message : String(error))
      }
    },
    [notify],
  )

  useEffect(() => {
    const subscription = client.errors$.subscribe((error) => notify('error', error.message))
    return () => {
      subscription.unsubscribe()
      clearTimeout(timer.current)
    }
  }, [client, notify])

  const api = useMemo(() => ({ notice, notify, run }), [notice, notify, run])
  return <NoticeContext.Provider value={api}>{children}</NoticeContext.Provider>
}

/** The notice shown now, `notify` and `run`. */
export function useNotices(): NoticeApi {
  const api = useContext(NoticeContext)
  if (!api) throw new Error('useNotices must be used inside <NoticeProvider>')
  return api
}
