/**
 * Voice messages: a recording (from a {@link VoiceRecorder} or the app's own) checked, named
 * and sent as a message with one audio attachment; its transcript is added when it comes.
 */
import { ChatError, TimeoutError, ValidationError } from '../core/errors.js'
import { isBlob } from '../core/attachments.js'
import { MAIN_THREAD, type MessageMetadata, type ThreadId } from '../core/protocol.js'
import { checkId, describe } from '../core/validate.js'

/** A finished recording. */
export interface VoiceRecording {
  /** The encoded audio (e.g. `audio/webm;codecs=opus` from Chromium's MediaRecorder). */
  readonly audio: Blob
  /** Its length in milliseconds. */
  readonly duration: number
}

/**
 * Records audio. {@link createMediaRecorder} makes one on `MediaRecorder`; tests and other
 * platforms (React Native, Electron with a native recorder) pass their own.
 */
export interface VoiceRecorder {
  /** Starts recording (asks for the microphone the first time). */
  start(): Promise<void>
  /** Stops and answers the recording. */
  stop(): Promise<VoiceRecording>
  /** Stops and throws the recording away. */
  cancel(): void
  /** Whether it records now. */
  readonly recording: boolean
}

/** Options of `sendVoiceMessage`. */
export interface VoiceMessageOptions {
  /** Where to send it: `'main'` (the default) or a ticket id. */
  readonly threadId?: ThreadId
  /** Give the message this id instead of a generated one. */
  readonly id?: string
  readonly metadata?: MessageMetadata
}

/** Turns speech into text, e.g. through a server or the Web Speech API. */
export type Transcribe = (audio: Blob) => Promise<string>

const VOICE_OPTIONS = new Set(['threadId', 'id', 'metadata'])

/** The recording and options of a `sendVoiceMessage` call, checked. */
export function readVoiceMessage(
  recording: unknown,
  options: unknown,
): { audio: Blob; duration: number; thread: ThreadId; rest: { id?: string; metadata?: MessageMetadata } } {
  const { audio, duration } = (typeof recording === 'object' && recording !== null ? recording : {}) as Partial<Record<keyof VoiceRecording, unknown>>
  if (!isBlob(audio)) throw new ValidationError(`recording.audio: must be a Blob, got ${describe(audio)}`, { path: 'recording.audio' })
  if (audio.size === 0) throw new ValidationError('recording.audio: the recording is empty (0 bytes)', { path: 'recording.audio' })
  if (typeof duration !== 'number' || !Number.isFinite(duration) || duration < 0) {
    throw new ValidationError(`recording.duration: must be a non-negative number of milliseconds, got ${describe(duration)}`, { path: 'recording.duration' })
  }
  if (options !== undefined && (typeof options !== 'object' || options === null)) throw new ValidationError(`options: must be an object, got ${describe(options)}`, { path: 'options' })
  const given = (options ?? {}) as VoiceMessageOptions
  for (const key of Object.keys(given)) if (!VOICE_OPTIONS.has(key)) throw new ValidationError(`options.${key}: is not a known option`, { path: `options.${key}` })
  const thread = given.threadId === undefined ? MAIN_THREAD : given.threadId === MAIN_THREAD ? MAIN_THREAD : checkId(given.threadId, 'options.threadId')
  return {
    audio,
    duration,
    thread,
    rest: { ...(given.id !== undefined ? { id: given.id } : {}), ...(given.metadata !== undefined ? { metadata: given.metadata } : {}) },
  }
}

/** How long `transcribe` may take by default before the voice message is left without a transcript. */
export const DEFAULT_TRANSCRIBE_TIMEOUT = 60_000

/**
 * The transcript, or undefined when the hook fails, answers more than `maxLength` characters
 * (the message's content limit) or takes longer than `timeout` ms: reported (a
 * `TimeoutError` for the last), and the voice message stays without one.
 */
export async function transcribeOrReport(transcribe: Transcribe, audio: Blob, maxLength: number, timeout: number, report: (error: ChatError) => void): Promise<string | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TimeoutError(`transcribe took longer than ${timeout} ms; the voice message stays without a transcript`, { timeout })), timeout)
    })
    const text = await Promise.race([Promise.resolve().then(() => transcribe(audio)), late])
    if (typeof text !== 'string') throw new TypeError(`transcribe answered ${describe(text)}, not a string`)
    if (text.length > maxLength) throw new RangeError(`transcribe answered ${text.length} characters, more than maxContentLength (${maxLength})`)
    return text.trim() === '' ? undefined : text
  } catch (error) {
    report(error instanceof TimeoutError ? error : new ChatError('internal', `transcribe failed: ${error instanceof Error ? error.message : String(error)}; the voice message stays without a transcript`))
    return undefined
  } finally {
    clearTimeout(timer)
  }
}

/** A file name for a recording, after its type: `voice-message.webm`. */
export function voiceFileName(audio: Blob): string {
  const subtype = /^audio\/([a-z0-9.+-]+)/i.exec(audio.type)?.[1]?.toLowerCase()
  const extension = subtype === undefined ? 'audio' : subtype === 'mpeg' ? 'mp3' : subtype === 'mp4' || subtype === 'aac' ? 'm4a' : subtype.replace(/^x-/, '')
  return `voice-message.${extension}`
}
