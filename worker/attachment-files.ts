/**
 * The folder of one database's attachment bytes in the Origin Private File System: one file
 * per attachment, named by its id, under `companion-chat/<database name>/`. Where the
 * browser has no OPFS (Node, Firefox's private windows, older Safari), `openAttachmentFolder`
 * answers undefined and the bytes go into IndexedDB rows instead.
 *
 * Files are written before the transaction that stores their message (a file cannot be part
 * of an IndexedDB transaction), and removed after the transaction that deletes their last
 * message: a message never points at a missing file. A file whose transaction never
 * committed (the worker died in between) has no row, and is removed when the database next
 * opens with no other engine on it (`sweep`).
 */

/** The part of the File System Access API this file uses (not every lib has every member). */
interface FileHandle {
  getFile(): Promise<File>
  createWritable?(): Promise<{ write(data: Blob | ArrayBuffer): Promise<void>; close(): Promise<void>; abort(): Promise<void> }>
  createSyncAccessHandle?(): Promise<{ write(data: ArrayBufferView, options: { at: number }): number; truncate(size: number): void; flush(): void; close(): void }>
}
interface FolderHandle {
  getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<FolderHandle>
  getFileHandle(name: string, options?: { create?: boolean }): Promise<FileHandle>
  removeEntry(name: string, options?: { recursive?: boolean }): Promise<void>
  keys(): AsyncIterableIterator<string>
}

/** The top folder of every database's attachments in the origin's private file system. */
export const ATTACHMENT_FOLDER = 'companion-chat'

/** The OPFS root, or undefined where the browser has none or refuses it (private windows). */
async function opfsRoot(): Promise<FolderHandle | undefined> {
  const storage = (globalThis as { navigator?: { storage?: { getDirectory?: () => Promise<unknown> } } }).navigator?.storage
  if (typeof storage?.getDirectory !== 'function') return undefined
  try {
    return (await storage.getDirectory()) as FolderHandle
  } catch {
    return undefined // SecurityError in Firefox's private windows: IndexedDB it is
  }
}

/** One database's attachment files. */
export class AttachmentFolder {
  readonly #root: FolderHandle
  readonly #name: string

  constructor(root: FolderHandle, databaseName: string) {
    this.#root = root
    this.#name = encodeURIComponent(databaseName)
  }

  /**
   * The folder, looked up each time: one that `clear` removed (here or in another tab) is made
   * again by the next write. Reads do not make it (NotFoundError when it is missing).
   */
  async #open(create = false): Promise<FolderHandle> {
    const top = await this.#root.getDirectoryHandle(ATTACHMENT_FOLDER, { create })
    return top.getDirectoryHandle(this.#name, { create })
  }

  /**
   * Writes `data` as the file `id`, whole or not at all (a writable stream swaps the file in on
   * close). `writing` is called once the bytes are on their way (the file made and opened):
   * work that keeps this thread busy, begun then, does not delay the round trips before.
   */
  async write(id: string, data: Blob | ArrayBuffer, writing?: () => void): Promise<void> {
    const handle = await (await this.#open(true)).getFileHandle(id, { create: true })
    if (handle.createWritable) {
      const writable = await handle.createWritable()
      try {
        const written = writable.write(data)
        writing?.()
        await written
        await writable.close()
      } catch (error) {
        await writable.abort().catch(() => {})
        throw error
      }
      return
    }
    // Safari before createWritable: the synchronous handle of dedicated workers, chunk by chunk.
    if (!handle.createSyncAccessHandle) throw new Error('This browser cannot write files to the origin private file system')
    const access = await handle.createSyncAccessHandle()
    writing?.()
    try {
      access.truncate(0)
      if (data instanceof ArrayBuffer) access.write(new Uint8Array(data), { at: 0 })
      else {
        let at = 0
        const reader = data.stream().getReader()
        for (let read = await reader.read(); !read.done; read = await reader.read()) at += access.write(read.value, { at })
      }
      access.flush()
    } finally {
      access.close()
    }
  }

  /** The file `id`: a Blob backed by the disk. */
  async read(id: string): Promise<File> {
    return (await (await this.#open()).getFileHandle(id)).getFile()
  }

  /** Removes the files `ids`; one that is gone already is skipped. */
  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return
    const folder = await this.#open().catch(() => undefined)
    if (!folder) return // no folder, no files
    await Promise.all(ids.map((id) => folder.removeEntry(id).catch(() => {})))
  }

  /** The names of the files in the folder. */
  async list(): Promise<string[]> {
    const names: string[] = []
    const folder = await this.#open().catch(() => undefined)
    if (!folder) return names
    for await (const name of folder.keys()) names.push(name)
    return names
  }

  /** Removes the folder with every file in it (`clearAllData`). */
  async clear(): Promise<void> {
    try {
      const top = await this.#root.getDirectoryHandle(ATTACHMENT_FOLDER)
      await top.removeEntry(this.#name, { recursive: true })
    } catch (error) {
      if ((error as { name?: unknown })?.name !== 'NotFoundError') throw error
    }
  }
}

/**
 * The attachment folder of `databaseName`, or undefined where there is no OPFS or no way to
 * write a file in it from here: `createWritable` (Chromium, Firefox, recent Safari) or the
 * synchronous access handle, which only dedicated workers have (older Safari).
 */
export async function openAttachmentFolder(databaseName: string): Promise<AttachmentFolder | undefined> {
  if (!canWriteFiles()) return undefined
  const root = await opfsRoot()
  return root && new AttachmentFolder(root, databaseName)
}

function canWriteFiles(): boolean {
  const scope = globalThis as { FileSystemFileHandle?: { prototype: object }; DedicatedWorkerGlobalScope?: abstract new () => unknown }
  const handle = scope.FileSystemFileHandle?.prototype as Partial<FileHandle> | undefined
  if (typeof handle?.createWritable === 'function') return true
  const dedicated = scope.DedicatedWorkerGlobalScope !== undefined && globalThis instanceof scope.DedicatedWorkerGlobalScope
  return typeof handle?.createSyncAccessHandle === 'function' && dedicated
}
