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
 * hash and, for images, width and height: from the header of a PNG, GIF, JPEG or WebP (no
 * decoding), else through `createImageBitmap` where the platform has it. An image whose size
 * cannot be read has none.
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
  const fromHeader = headerSize(new DataView(bytes))
  if (fromHeader || typeof createImageBitmap !== 'function') return fromHeader
  try {
    const bitmap = await createImageBitmap(blob) // decodes: only for formats without a header read here (AVIF, BMP, …)
    const size = { width: bitmap.width, height: bitmap.height }
    bitmap.close()
    return size
  } catch {
    return undefined // not decodable here (a format the platform lacks, or broken)
  }
}

/** Width and height from the header of a PNG (IHDR), GIF, JPEG (the first SOF marker) or WebP; undefined for other formats. */
function headerSize(view: DataView): { width: number; height: number } | undefined {
  const length = view.byteLength
  if (length >= 24 && view.getUint32(0) === 0x89504e47 && view.getUint32(12) === 0x49484452) return { width: view.getUint32(16), height: view.getUint32(20) }
  if (length >= 10 && view.getUint32(0) === 0x47494638) return { width: view.getUint16(6, true), height: view.getUint16(8, true) }
  if (length >= 4 && view.getUint16(0) === 0xffd8) return jpegSize(view)
  if (length >= 30 && view.getUint32(0) === 0x52494646 && view.getUint32(8) === 0x57454250) return webpSize(view)
  return undefined
}

function jpegSize(view: DataView): { width: number; height: number } | undefined {
  let at = 2
  while (at + 9 < view.byteLength) {
    if (view.getUint8(at) !== 0xff) return undefined
    const marker = view.getUint8(at + 1)
    if (marker === 0xff) {
      at++ // fill byte
      continue
    }
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc
    if (isFrame) return { width: view.getUint16(at + 7), height: view.getUint16(at + 5) }
    at += 2 + view.getUint16(at + 2)
  }
  return undefined
}

function webpSize(view: DataView): { width: number; height: number } | undefined {
  const chunk = view.getUint32(12)
  if (chunk === 0x56503820) return { width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff } // 'VP8 ': lossy
  if (chunk === 0x5650384c) {
    const bits = view.getUint32(21, true) // 'VP8L': lossless, 14-bit sizes minus one
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 }
  }
  if (chunk === 0x56503858) return { width: 1 + (view.getUint32(24, true) & 0xffffff), height: 1 + (view.getUint32(27, true) & 0xffffff) } // 'VP8X': 24-bit sizes minus one
  return undefined
}
