/**
 * The step before a batch's transaction for sends that carry files: each file is held to the
 * stored total and to the browser's quota, hashed (and measured, for images), and its bytes
 * written to the OPFS folder (they cannot be part of the IndexedDB transaction). The sends
 * come out with their attachments' metadata completed; a send whose files cannot all be
 * stored is refused, and its files that were written are removed.
 */
import { AttachmentLimitError, StorageFullError, classifyStorageError, toSerializedError } from '../src/core/errors.js'
import type { ChatConfig, Command, CommandOutcome } from '../src/core/protocol.js'
import type { AttachmentFolder } from './attachment-files.js'
import type { ChatDatabase } from './database.js'
import type { StagedBytes } from './attachment-rows.js'
import { describeFile, type FileFacts } from './describe-file.js'

type Send = Extract<Command, { kind: 'sendMessage' }>

/** What staging made of a batch. */
export interface Staged {
  /** The batch, sends with files completed, refused ones left out. */
  readonly commands: Command[]
  readonly refused: CommandOutcome[]
  /** The bytes of each new attachment, by id: the transaction makes their rows. */
  readonly bytes: Map<string, StagedBytes>
}

/** Whether a command carries files to store. */
export const carriesFiles = (command: Command): command is Send & { files: readonly Blob[] } => command.kind === 'sendMessage' && command.files !== undefined

/**
 * A resent batch (sent before to an engine whose answer was lost) without the files of the
 * sends that were stored then: such a send is done already (the batch recognises it by its
 * message row, or by its recorded id once the row is gone), and staging its files again would
 * count them twice against `maxStoredAttachmentBytes` and the quota, refusing a message that
 * is stored, and write over the files of its stored attachments. Runs in a read transaction.
 */
export async function withoutStoredFiles(db: ChatDatabase, commands: readonly Command[]): Promise<Command[]> {
  const sends = commands.filter(carriesFiles)
  if (sends.length === 0) return [...commands]
  const [rows, applied] = await Promise.all([db.messages.bulkGet(sends.map((send) => send.message.id)), db.applied.bulkGet(sends.map((send) => send.commandId))])
  const stored = new Set(sends.filter((send, i) => rows[i]?.command === send.commandId || applied[i] !== undefined))
  if (stored.size === 0) return [...commands]
  return commands.map((command) => {
    if (!stored.has(command as Send & { files: readonly Blob[] })) return command
    const { files: _files, ...send } = command as Send
    return send
  })
}

/**
 * Stages the files of `commands`. `storedBytes` reads the total stored now
 * (`Counters.attachmentBytes`); `folder` is the OPFS folder, or undefined to keep the bytes in
 * IndexedDB. The stored total, the browser's estimate and the folder are asked for together.
 * A file is read for its hash only once its send passed the checks and its file is open for
 * writing: in Chromium the read of a large Blob keeps the worker busy, and the round trips
 * that overlapped it (the stored total's read transaction, making and opening the file)
 * waited for it, 40–80 ms for 10 MB.
 */
export async function stageAttachments(
  commands: readonly Command[],
  config: ChatConfig,
  storedBytes: () => Promise<number>,
  folder: Promise<AttachmentFolder | undefined>,
): Promise<Staged> {
  const out: Command[] = []
  const refused: CommandOutcome[] = []
  const bytes = new Map<string, StagedBytes>()
  const [stored, free, files] = await Promise.all([storedBytes(), freeSpace(), folder])
  let total = stored
  let room = free
  for (const command of commands) {
    if (!carriesFiles(command)) {
      out.push(command)
      continue
    }
    let described: Promise<FileFacts[]> | undefined
    const size = command.files.reduce((sum, file) => sum + file.size, 0)
    const written: string[] = []
    try {
      if (total + size > config.maxStoredAttachmentBytes) {
        throw new AttachmentLimitError(`Storing these attachments would pass maxStoredAttachmentBytes (${config.maxStoredAttachmentBytes} bytes): ${total} stored, ${size} more`, {
          path: 'options.attachments',
          limit: 'maxStoredAttachmentBytes',
          max: config.maxStoredAttachmentBytes,
          size: total + size,
        })
      }
      if (size > room) throw new StorageFullError(`Storage is full: ${size} bytes of attachments do not fit in the ${Math.max(0, room)} bytes the browser allows`, { size, available: Math.max(0, room) })
      // The browser copies each Blob into its file without it passing through JavaScript
      // (faster than writing an ArrayBuffer in Chromium); the hashing reads it meanwhile.
      let opened = 0
      const writes = Promise.all(
        command.files.map((file, i) => {
          if (!files) return undefined
          const id = command.message.attachments![i]!.id
          written.push(id) // before the write: a write that fails can leave a file (an empty one)
          return files.write(id, file, () => {
            if (++opened === command.files.length) described = describeAll(command)
          })
        }),
      )
      if (!files) described = describeAll(command)
      await writes // a write that fails goes to the catch, which waits for the hashing begun
      const facts = await (described ?? describeAll(command))
      const attachments = command.message.attachments!.map((attachment, i) => ({ ...attachment, ...facts[i] }))
      command.message.attachments!.forEach((attachment, i) =>
        bytes.set(attachment.id, files ? { size: attachment.size, type: attachment.type, store: 'opfs' } : { size: attachment.size, type: attachment.type, store: 'indexeddb', blob: command.files[i]! }),
      )
      const { files: _bytes, ...send } = command
      out.push({ ...send, message: { ...command.message, attachments } })
      total += size
      room -= size
    } catch (error) {
      await described?.catch(() => {}) // its reads finish before the files go
      await files?.remove(written).catch(() => {}) // swept at the next open if this fails too
      refused.push({ commandId: command.commandId, error: toSerializedError(classifyStorageError(error) ?? error) })
    }
  }
  return { commands: out, refused, bytes }
}

/** The hash (and image size) of each file of `send`, begun now; a failure is handled where it is awaited. */
function describeAll(send: Send & { files: readonly Blob[] }): Promise<FileFacts[]> {
  const described = Promise.all(send.files.map((file) => describeFile(file)))
  described.catch(() => {}) // handled where it is awaited
  return described
}

/** What the browser still lets this origin store (`navigator.storage.estimate()`); unlimited where it cannot say. */
async function freeSpace(): Promise<number> {
  const storage = (globalThis as { navigator?: { storage?: { estimate?: () => Promise<{ quota?: number; usage?: number }> } } }).navigator?.storage
  if (typeof storage?.estimate !== 'function') return Number.POSITIVE_INFINITY
  try {
    const { quota, usage } = await storage.estimate()
    return quota === undefined ? Number.POSITIVE_INFINITY : quota - (usage ?? 0)
  } catch {
    return Number.POSITIVE_INFINITY
  }
}
