/**
 * A {@link VoiceRecorder} on the browser's `MediaRecorder`: the microphone through
 * `getUserMedia`, the recording as one Blob, its duration from the clock.
 */
import { ValidationError } from '../core/errors.js'
import type { VoiceRecorder, VoiceRecording } from './voice-message.js'

/** Options of {@link createMediaRecorder}. */
export interface MediaRecorderOptions {
  /** The audio source; default: the microphone (`navigator.mediaDevices.getUserMedia({ audio: true })`). */
  readonly stream?: () => Promise<MediaStream>
  /** Preferred type, if the browser can record it (`MediaRecorder.isTypeSupported`); default: the browser's choice. */
  readonly mimeType?: string
  /** The clock of the duration. Default `performance.now`. */
  readonly now?: () => number
}

/**
 * Makes a recorder on `MediaRecorder`. The stream is asked for on each `start` and its tracks
 * stopped on `stop` or `cancel`, so the browser's recording indicator goes off.
 * @example
 * const recorder = createMediaRecorder()
 * await recorder.start()
 * // … later
 * await chat.sendVoiceMessage(await recorder.stop())
 */
export function createMediaRecorder(options: MediaRecorderOptions = {}): VoiceRecorder {
  const now = options.now ?? (() => performance.now())
  let active: { recorder: MediaRecorder; stream: MediaStream; chunks: Blob[]; startedAt: number } | undefined
  const release = () => {
    for (const track of active?.stream.getTracks() ?? []) track.stop()
    active = undefined
  }
  return {
    get recording() {
      return active !== undefined
    },
    async start() {
      if (active) throw new ValidationError('The recorder records already: stop or cancel it first')
      if (typeof MediaRecorder === 'undefined') throw new ValidationError('This platform has no MediaRecorder: pass a recorder of your own')
      const stream = await (options.stream ?? (() => navigator.mediaDevices.getUserMedia({ audio: true })))()
      const mimeType = options.mimeType && MediaRecorder.isTypeSupported(options.mimeType) ? options.mimeType : undefined
      const recorder = new MediaRecorder(stream, mimeType ? { mimeType } : {})
      const chunks: Blob[] = []
      recorder.addEventListener('dataavailable', (event) => {
        if (event.data.size > 0) chunks.push(event.data)
      })
      active = { recorder, stream, chunks, startedAt: now() }
      recorder.start()
    },
    stop(): Promise<VoiceRecording> {
      const current = active
      if (!current) return Promise.reject(new ValidationError('The recorder is not recording'))
      return new Promise((resolve, reject) => {
        current.recorder.addEventListener('stop', () => {
          const duration = Math.max(0, Math.round(now() - current.startedAt))
          resolve({ audio: new Blob(current.chunks, { type: current.recorder.mimeType || 'audio/webm' }), duration })
        }, { once: true })
        current.recorder.addEventListener('error', (event) => reject((event as { error?: unknown }).error ?? new Error('MediaRecorder failed')), { once: true })
        current.recorder.stop()
        release()
      })
    },
    cancel() {
      if (active?.recorder.state !== 'inactive') active?.recorder.stop()
      release()
    },
  }
}
