/**
 * The main chat's input: Enter sends, Shift+Enter starts a new line. Files chosen with
 * "Attach" go with the next message; "Record" records a voice message from the microphone
 * and sends it when stopped.
 */
import { createMediaRecorder } from 'companion-chat'
import { useChatClient } from 'companion-chat/react'
import { useMemo, useRef, useState, type KeyboardEvent } from 'react'
import { formatSize } from '../format'
import { useNotices } from './NoticeProvider'
import { ToolIcon } from './ToolIcon'

export function ChatInput() {
  const client = useChatClient()
  const { run } = useNotices()
  const [text, setText] = useState('')
  const [files, setFiles] = useState<readonly File[]>([])
  const [recording, setRecording] = useState(false)
  const recorder = useMemo(() => createMediaRecorder(), [])
  const picker = useRef<HTMLInputElement>(null)
  const blank = text.trim() === '' && files.length === 0

  const send = (event?: { preventDefault(): void }) => {
    event?.preventDefault()
    if (blank) return
    run(() => {
      void client.sendMainChatMessage(text.trim(), files.length > 0 ? { attachments: files } : undefined)
      setText('') // only once the client took it: bad input (a file too large) stays in the box
      setFiles([])
    })
  }
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) send(event)
  }
  const toggleRecording = () => {
    if (!recording) {
      setRecording(true)
      recorder.start().catch((error: unknown) => {
        setRecording(false)
        run(() => {
          throw error
        })
      })
      return
    }
    setRecording(false)
    void recorder.stop().then((voice) => client.sendVoiceMessage(voice))
  }

  return (
    <form className="composer" onSubmit={send}>
      {files.length > 0 && (
        <ul className="composer-files" data-testid="chosen-files">
          {files.map((file, i) => (
            <li key={`${file.name}-${i}`} className="composer-file">
              <ToolIcon name="file" /> {file.name} <span className="attachment-size">{formatSize(file.size)}</span>
              <button type="button" className="link" aria-label={`Remove ${file.name}`} onClick={() => setFiles(files.filter((_, j) => j !== i))}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <textarea
        data-testid="chat-input"
        aria-label="Message"
        placeholder={recording ? 'Recording… press Stop to send' : 'Type a message…'}
        rows={2}
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
      />
      <div className="composer-buttons">
        <input
          ref={picker}
          type="file"
          multiple
          hidden
          data-testid="attach-input"
          onChange={(event) => {
            setFiles([...files, ...(event.target.files ?? [])])
            event.target.value = ''
          }}
        />
        <button type="button" className="button button--quiet" data-testid="attach" aria-label="Attach files" title="Attach files" onClick={() => picker.current?.click()}>
          <ToolIcon name="attach" />
        </button>
        <button
          type="button"
          className={`button button--quiet${recording ? ' button--recording' : ''}`}
          data-testid="record"
          aria-pressed={recording}
          aria-label={recording ? 'Stop and send the voice message' : 'Record a voice message'}
          title={recording ? 'Stop and send' : 'Record a voice message'}
          onClick={toggleRecording}
        >
          <ToolIcon name={recording ? 'stop' : 'mic'} />
        </button>
        <button type="submit" className="button" data-testid="chat-send" disabled={blank}>
          Send
        </button>
      </div>
    </form>
  )
}
