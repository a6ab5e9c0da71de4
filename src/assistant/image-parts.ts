/**
 * Images for OpenAI-compatible vision models: the image attachments of user messages as
 * `image_url` content parts holding `data:` URLs, the format OpenAI, Azure OpenAI,
 * OpenRouter, Ollama, vLLM and llama.cpp servers accept.
 */
import type { AssistantRequest } from '../core/assistant.js'
import type { AttachmentInfo, ChatMessage } from '../core/protocol.js'

/** One part of a message's content (the array form of `content`). */
export type ChatCompletionPart =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'image_url'; readonly image_url: { readonly url: string } }

/** How images are sent (`images` of `createOpenAICompatibleAssistant`). */
export interface ImageOptions {
  /** Most images per request, the newest first. Default 4. */
  readonly maxImages?: number
  /** Larger images are not sent (their description is). Default 5 MiB. */
  readonly maxBytes?: number
  /** Types sent as images. Default: PNG, JPEG, WebP and GIF, what OpenAI accepts. */
  readonly types?: readonly string[]
}

const DEFAULT_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif']

/** The line that tells the model what is attached (always sent, with or without the bytes). */
export function describeAttachments(attachments: readonly AttachmentInfo[]): string {
  return attachments
    .map((a) => `[Attached: ${a.name} (${a.type || 'unknown type'}, ${formatSize(a.size)}${a.width !== undefined ? `, ${a.width}×${a.height} px` : ''}${a.duration !== undefined ? `, ${(a.duration / 1000).toFixed(1)} s` : ''})]`)
    .join('\n')
}

/**
 * The images to send: the newest `maxImages` image attachments of the user messages among
 * `messages`, read through `request.readAttachment`, as data URLs by attachment id. An image
 * that cannot be read (gone since) is left out.
 */
export async function readImages(
  messages: readonly ChatMessage[],
  request: Pick<AssistantRequest, 'readAttachment'>,
  options: ImageOptions,
): Promise<Map<string, string>> {
  const read = request.readAttachment
  const out = new Map<string, string>()
  if (!read) return out
  const types = options.types ?? DEFAULT_TYPES
  const maxBytes = options.maxBytes ?? 5 * 1024 * 1024
  const wanted: AttachmentInfo[] = []
  for (const message of [...messages].reverse()) {
    if (message.sender !== 'user') continue
    for (const attachment of message.attachments ?? []) {
      if (types.includes(attachment.type) && attachment.size <= maxBytes) wanted.push(attachment)
    }
  }
  await Promise.all(
    wanted.slice(0, options.maxImages ?? 4).map(async (attachment) => {
      try {
        out.set(attachment.id, await dataUrl(await read(attachment.id), attachment.type))
      } catch {
        // Gone (trimmed) or unreadable: the description still says it was attached.
      }
    }),
  )
  return out
}

/** `data:<type>;base64,…` of a Blob, in slices (no call with millions of arguments). */
async function dataUrl(blob: Blob, type: string): Promise<string> {
  const bytes = new Uint8Array(await blob.arrayBuffer())
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return `data:${type};base64,${btoa(binary)}`
}

function formatSize(size: number): string {
  if (size < 1024) return `${size} B`
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(0)} KB`
  return `${(size / 1024 / 1024).toFixed(1)} MB`
}
