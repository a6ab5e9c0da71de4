/**
 * `useAttachmentUrl`: an object URL of a stored attachment while the component shows it.
 */
import { useEffect, useState } from 'react'
import { useChatClient } from './provider.js'

/**
 * An object URL of the attachment `id` (see `ChatClient.attachmentUrl`), made when the
 * component mounts (or `id` changes) and released when it unmounts: the page holds the
 * bytes of the attachments it shows, and of no other. `undefined` until the URL is made,
 * for `null`/`undefined`, and when the attachment is gone.
 *
 * @example
 * function Photo({ attachment }: { attachment: AttachmentInfo }) {
 *   const url = useAttachmentUrl(attachment.id)
 *   return url ? <img src={url} alt={attachment.name} width={attachment.width} height={attachment.height} /> : null
 * }
 */
export function useAttachmentUrl(id: string | null | undefined): string | undefined {
  const client = useChatClient()
  const [made, setMade] = useState<{ readonly id: string; readonly url: string } | undefined>(undefined)
  useEffect(() => {
    if (id === null || id === undefined) return
    let release: (() => void) | undefined
    let gone = false
    client.attachmentUrl(id).then(
      (url) => {
        if (gone) return url.release() // unmounted meanwhile
        release = url.release
        setMade({ id, url: url.url })
      },
      () => {
        if (!gone) setMade(undefined) // not stored (any more): nothing to show
      },
    )
    return () => {
      gone = true
      release?.()
    }
  }, [client, id])
  return made !== undefined && made.id === id ? made.url : undefined
}
