/**
 * What the worker learns of a file as it stores it: the SHA-256 of its bytes and, for an
 * image the platform can decode, its size in pixels.
 */

/** The metadata `describeFile` adds to an attachment. */
export interface FileFacts {
  readonly sha256: string
  readonly width?: number
  readonly height?: number
}

/**
 * Reads `blob` once, unless its `bytes` are given (in the worker: the main thread never holds them), and answers its
 * hash and, for images, width and height: through `createImageBitmap` where the platform has
 * it, else from a PNG's or GIF's header. An image that cannot be decoded has no size.
 */
export async function describeFile(blob: Blob, bytes?: ArrayBuffer): Promise<FileFacts> {
  bytes ??= await blob.arrayBuffer()
  const [digest, size] = await Promise.all([crypto.subtle.digest('SHA-256', bytes), blob.type.startsWith('image/') ? imageSize(blob, bytes) : undefined])
  return { sha256: hex(digest), ...size }
}

function hex(buffer: ArrayBuffer): string {
  let out = ''
  for (const byte of new Uint8Array(buffer)) out += byte.toString(16).padStart(2, '0')
  return out
}

async function imageSize(blob: Blob, bytes: ArrayBuffer): Promise<{ width: number; height: number } | undefined> {
  if (typeof createImageBitmap === 'function') {
    try {
      const bitmap = await createImageBitmap(blob)
      const size = { width: bitmap.width, height: bitmap.height }
      bitmap.close()
      return size
    } catch {
      return headerSize(bytes) // not decodable here (a format the platform lacks, or broken)
    }
  }
  return headerSize(bytes)
}

/** Width and height from a PNG's IHDR or a GIF's logical screen; undefined for other formats. */
function headerSize(bytes: ArrayBuffer): { width: number; height: number } | undefined {
  const view = new DataView(bytes)
  if (bytes.byteLength >= 24 && view.getUint32(0) === 0x89504e47 && view.getUint32(12) === 0x49484452) {
    return { width: view.getUint32(16), height: view.getUint32(20) }
  }
  if (bytes.byteLength >= 10 && view.getUint32(0) === 0x47494638) return { width: view.getUint16(6, true), height: view.getUint16(8, true) }
  return undefined
}
