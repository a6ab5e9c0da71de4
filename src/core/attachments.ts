/**
 * Attachments as commands carry them: the metadata on the message, checked and copied, and
 * the files of a send, held to the config's limits. Shared by the client (before the
 * optimistic update, so a file over a limit is refused before anything is written) and the
 * engine (which checks every command again).
 */
import { AttachmentLimitError, ValidationError } from './errors.js'
import type { AttachmentInfo, ChatConfig } from './protocol.js'
import { checkId, describe } from './validate.js'
import { readArgument } from './plain-data.js'

/** Longest attachment name and MIME type, in characters. */
export const MAX_ATTACHMENT_NAME = 255

const SHA256 = /^[0-9a-f]{64}$/

/**
 * What an attachment's name must not hold: path separators (a name is not a path, whatever
 * saves or shows it), control characters (a line break would start a new line of the text
 * an assistant reads), and the bidirectional controls that make `invoice\u202Efdp.exe` show
 * as `invoiceexe.pdf`.
 */
const UNSAFE_NAME = /[/\\\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/
const UNSAFE_NAME_ALL = new RegExp(UNSAFE_NAME.source, 'g')
/** A MIME type is printable ASCII (what a Blob's `type` is made of). */
const MIME_TYPE = /^[\u0020-\u007e]*$/

/**
 * A File's own name, made safe to keep: each unsafe character (see `UNSAFE_NAME`) becomes
 * `_`, and a name longer than {@link MAX_ATTACHMENT_NAME} loses the end of its stem, keeping
 * its extension.
 */
export function safeFileName(name: string): string {
  const clean = name.replace(UNSAFE_NAME_ALL, '_')
  if (clean.length <= MAX_ATTACHMENT_NAME) return clean
  const dot = clean.lastIndexOf('.')
  const extension = dot > 0 && clean.length - dot <= 16 ? clean.slice(dot) : ''
  return clean.slice(0, MAX_ATTACHMENT_NAME - extension.length) + extension
}

/** Blob's own `size` getter: it throws for anything that is not a Blob, whatever its prototype or tag says. */
const blobSize = typeof Blob === 'undefined' ? undefined : Object.getOwnPropertyDescriptor(Blob.prototype, 'size')?.get

/**
 * Whether `value` is a Blob (a File is one) of this realm or of another (an iframe's). An
 * object that only says it is one (`Symbol.toStringTag`, a prototype set to `Blob.prototype`)
 * is not: its bytes could not reach the worker.
 */
export function isBlob(value: unknown): value is Blob {
  if (typeof value !== 'object' || value === null) return false
  const tag = Object.prototype.toString.call(value)
  if (tag !== '[object Blob]' && tag !== '[object File]') return false
  if (!blobSize) return true // no Blob here to check against
  try {
    blobSize.call(value)
    return true
  } catch {
    return false
  }
}

/**
 * A message's attachments: an array of well-formed {@link AttachmentInfo}, copied field by
 * field (nothing else a caller put on them travels). `at` prefixes the paths.
 */
export function checkAttachmentInfos(value: unknown, at: string, config: ChatConfig): AttachmentInfo[] {
  const path = `${at}.attachments`
  if (!Array.isArray(value)) throw new ValidationError(`${path}: must be an array, got ${describe(value)}`, { path })
  if (value.length > config.maxAttachmentsPerMessage) {
    throw limit(`${path}: at most ${config.maxAttachmentsPerMessage} attachments per message, got ${value.length}`, path, 'maxAttachmentsPerMessage', config.maxAttachmentsPerMessage, value.length)
  }
  const ids = new Set<string>()
  let sum = 0
  const out = value.map((item: unknown, i): AttachmentInfo => {
    const p = `${path}[${i}]`
    if (typeof item !== 'object' || item === null) throw new ValidationError(`${p}: must be an object, got ${describe(item)}`, { path: p })
    const info = item as Partial<Record<keyof AttachmentInfo, unknown>>
    const id = checkId(info.id, p, 'id')
    if (ids.has(id)) throw new ValidationError(`${p}.id: ${id} appears twice`, { path: `${p}.id` })
    ids.add(id)
    const name = checkName(info.name, `${p}.name`, false)
    if (UNSAFE_NAME.test(name)) throw new ValidationError(`${p}.name: must not hold path separators or control characters`, { path: `${p}.name` })
    const type = checkName(info.type, `${p}.type`, true)
    if (!MIME_TYPE.test(type)) throw new ValidationError(`${p}.type: must be printable ASCII`, { path: `${p}.type` })
    const size = checkCount(info.size, `${p}.size`)
    if (size > config.maxAttachmentBytes) {
      throw limit(`${p}: larger than maxAttachmentBytes (${config.maxAttachmentBytes} bytes): ${size}`, p, 'maxAttachmentBytes', config.maxAttachmentBytes, size)
    }
    sum += size
    if (info.sha256 !== undefined && (typeof info.sha256 !== 'string' || !SHA256.test(info.sha256))) {
      throw new ValidationError(`${p}.sha256: must be 64 lowercase hex digits`, { path: `${p}.sha256` })
    }
    if (info.transcript !== undefined && (typeof info.transcript !== 'string' || info.transcript.length > config.maxContentLength)) {
      throw new ValidationError(`${p}.transcript: must be a string of at most ${config.maxContentLength} characters`, { path: `${p}.transcript`, limit: config.maxContentLength })
    }
    if (info.duration !== undefined && (typeof info.duration !== 'number' || !Number.isFinite(info.duration) || info.duration < 0)) {
      throw new ValidationError(`${p}.duration: must be a non-negative number of milliseconds, got ${describe(info.duration)}`, { path: `${p}.duration` })
    }
    return {
      id,
      name,
      type,
      size,
      ...(info.sha256 !== undefined ? { sha256: info.sha256 as string } : {}),
      ...(info.width !== undefined ? { width: checkCount(info.width, `${p}.width`) } : {}),
      ...(info.height !== undefined ? { height: checkCount(info.height, `${p}.height`) } : {}),
      ...(info.duration !== undefined ? { duration: info.duration as number } : {}),
      ...(info.transcript !== undefined ? { transcript: info.transcript as string } : {}),
    }
  })
  if (sum > config.maxMessageAttachmentBytes) {
    throw limit(`${path}: together larger than maxMessageAttachmentBytes (${config.maxMessageAttachmentBytes} bytes): ${sum}`, path, 'maxMessageAttachmentBytes', config.maxMessageAttachmentBytes, sum)
  }
  return out
}

/** The files of a send: one Blob per attachment, of the attachment's size. */
export function checkFiles(files: unknown, attachments: readonly AttachmentInfo[], at: string): readonly Blob[] {
  const path = `${at}.attachments`
  if (!Array.isArray(files) || files.length !== attachments.length) {
    throw new ValidationError(`${path}: the send must carry one file per attachment`, { path })
  }
  files.forEach((file: unknown, i) => {
    if (!isBlob(file)) throw new ValidationError(`${path}[${i}]: must be a Blob or File, got ${describe(file)}`, { path: `${path}[${i}]` })
    if (file.size !== attachments[i]!.size) throw new ValidationError(`${path}[${i}]: the file's size is not the attachment's`, { path: `${path}[${i}]` })
  })
  return files as readonly Blob[]
}

/**
 * The attachments a send call was given, as the message's metadata (ids from `newId`) and
 * the files, in order. Only the Blobs' own `size`, `type` and `name` are read: the bytes
 * stay where they are until the worker stores them.
 */
export function readAttachmentInputs(
  inputs: unknown,
  path: string,
  config: ChatConfig,
  newId: () => string,
): { readonly attachments: AttachmentInfo[]; readonly files: Blob[] } {
  if (!Array.isArray(inputs)) throw new ValidationError(`${path}: must be an array of Blobs or Files, got ${describe(inputs)}`, { path })
  const files: Blob[] = []
  const list: unknown[] = readArgument(path, () => [...(inputs as unknown[])])
  const infos = list.map((input: unknown, i): AttachmentInfo => {
    const p = `${path}[${i}]`
    // Read once, guarded: a getter or Proxy trap that throws is a ValidationError at its place.
    const { file, name, duration, transcript, fileName, type, size } = readArgument(p, () => {
      const given = (isBlob(input) ? { file: input } : typeof input === 'object' && input !== null ? input : {}) as Partial<Record<'file' | 'name' | 'duration' | 'transcript', unknown>>
      const { file, name, duration, transcript } = given
      if (!isBlob(file)) return { file: undefined, name, duration, transcript, fileName: undefined, type: '', size: 0 }
      return { file, name, duration, transcript, fileName: (file as Partial<File>).name, type: file.type, size: file.size }
    })
    if (!file) throw new ValidationError(`${p}: must be a Blob, a File, or { file, name?, duration?, transcript? }, got ${describe(input)}`, { path: p })
    if (size === 0) throw new ValidationError(`${p}: the file is empty (0 bytes)`, { path: p })
    if (!cloneable(file)) throw new ValidationError(`${p}: this Blob cannot be copied to the worker (in Node, a Blob of fs.openAsBlob: read it into a Blob of its bytes)`, { path: p })
    files.push(file)
    return {
      id: newId(),
      // A name given is checked as it is; the File's own (the user's file system's) is made safe.
      name: name !== undefined ? (name as string) : typeof fileName === 'string' && fileName.length > 0 ? safeFileName(fileName) : 'attachment',
      type: type.slice(0, MAX_ATTACHMENT_NAME),
      size,
      ...(duration !== undefined ? { duration: duration as number } : {}),
      ...(transcript !== undefined ? { transcript: transcript as string } : {}),
    }
  })
  return { attachments: checkAttachmentInfos(infos, path.replace(/\.attachments$/, ''), config), files }
}

/**
 * Whether the structured clone takes `file` (a Blob's clone shares its bytes: nothing is
 * copied). Every browser Blob is; Node refuses the file-backed ones of `fs.openAsBlob`.
 */
function cloneable(file: Blob): boolean {
  if (typeof structuredClone !== 'function') return true
  try {
    structuredClone(file)
    return true
  } catch {
    return false
  }
}

/**
 * A pulled message's attachments with their metadata made safe to keep: a name a support
 * desk gave (`Invoice 03/2026.pdf`) is kept in that form ({@link safeFileName}), and a type
 * that is missing or not a printable ASCII string of at most {@link MAX_ATTACHMENT_NAME} characters
 * becomes `''` (unknown), as the `Blob` constructor does with such a type, instead of
 * refusing the message and its files. Anything else is left for the checks.
 */
export function withSafeMetadata(attachments: unknown): unknown {
  if (!Array.isArray(attachments)) return attachments
  return attachments.map((item: unknown) => {
    if (typeof item !== 'object' || item === null) return item
    const { name, type } = item as { name?: unknown; type?: unknown }
    return {
      ...item,
      ...(typeof name === 'string' ? { name: safeFileName(name) } : {}),
      ...(typeof type !== 'string' || type.length > MAX_ATTACHMENT_NAME || !MIME_TYPE.test(type) ? { type: '' } : {}),
    }
  })
}

function checkName(value: unknown, path: string, allowEmpty: boolean): string {
  if (typeof value !== 'string' || (!allowEmpty && value.length === 0) || value.length > MAX_ATTACHMENT_NAME) {
    throw new ValidationError(`${path}: must be a ${allowEmpty ? '' : 'non-empty '}string of at most ${MAX_ATTACHMENT_NAME} characters, got ${describe(value)}`, { path })
  }
  return value
}

function checkCount(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new ValidationError(`${path}: must be a whole number of at least 0, got ${describe(value)}`, { path })
  }
  return value
}

function limit(message: string, path: string, name: string, max: number, size: number): AttachmentLimitError {
  return new AttachmentLimitError(message, { path, limit: name, max, size })
}
