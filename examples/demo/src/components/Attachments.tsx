/**
 * A message's attachments: images and voice messages shown from object URLs made while
 * they are on screen (`useAttachmentUrl`), other files as a link that reads them on click.
 */
import type { AttachmentInfo } from 'companion-chat'
import { useAttachmentUrl, useChatClient } from 'companion-chat/react'
import { formatSize } from '../format'
import { ToolIcon } from './ToolIcon'

export function Attachments({ attachments }: { readonly attachments: readonly AttachmentInfo[] | undefined }) {
  if (!attachments || attachments.length === 0) return null
  return (
    <ul className="attachments" data-testid="attachments">
      {attachments.map((attachment) => (
        <li key={attachment.id} className="attachment">
          {attachment.type.startsWith('image/') ? (
            <Picture attachment={attachment} />
          ) : attachment.type.startsWith('audio/') ? (
            <Voice attachment={attachment} />
          ) : (
            <FileLink attachment={attachment} />
          )}
        </li>
      ))}
    </ul>
  )
}

function Picture({ attachment }: { readonly attachment: AttachmentInfo }) {
  const url = useAttachmentUrl(attachment.id)
  const ratio = attachment.width && attachment.height ? `${attachment.width} / ${attachment.height}` : undefined
  return url ? (
    <img className="attachment-image" data-testid="attachment-image" src={url} alt={attachment.name} style={ratio ? { aspectRatio: ratio } : undefined} />
  ) : (
    <span className="attachment-placeholder" style={ratio ? { aspectRatio: ratio } : undefined} />
  )
}

function Voice({ attachment }: { readonly attachment: AttachmentInfo }) {
  const url = useAttachmentUrl(attachment.id)
  const seconds = attachment.duration !== undefined ? `${(attachment.duration / 1000).toFixed(1)} s` : formatSize(attachment.size)
  return (
    <span className="attachment-voice" data-testid="attachment-voice">
      <ToolIcon name="mic" />
      {url && <audio controls preload="metadata" src={url} aria-label={`Voice message, ${seconds}`} />}
      <span className="attachment-size">{seconds}</span>
    </span>
  )
}

function FileLink({ attachment }: { readonly attachment: AttachmentInfo }) {
  const client = useChatClient()
  const open = async () => {
    const { url, release } = await client.attachmentUrl(attachment.id)
    const link = document.createElement('a')
    link.href = url
    link.download = attachment.name
    link.click()
    setTimeout(release, 10_000) // the download has started by then
  }
  return (
    <button type="button" className="link attachment-file" data-testid="attachment-file" onClick={() => void open()}>
      <ToolIcon name="file" /> {attachment.name} <span className="attachment-size">{formatSize(attachment.size)}</span>
    </button>
  )
}
