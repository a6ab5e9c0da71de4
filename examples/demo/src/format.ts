/** How the panel shows times, durations, prices, context values and the SDK's enum values. */
import type { ChatMessage, JsonValue, MessageSender, TicketPriority, TicketStatus, TicketType } from 'companion-chat'

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' })
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })

/** "14:05" today, "Mar 3, 14:05" on another day. */
export function formatTime(timestamp: number, now = Date.now()): string {
  const sameDay = new Date(timestamp).toDateString() === new Date(now).toDateString()
  return (sameDay ? timeFormat : dateTimeFormat).format(timestamp)
}

/** A duration in the largest units that matter: "40 s", "12 min", "3 h 5 min", "2 d 4 h". */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${Math.max(1, Math.round(ms / 1000))} s`
  const minutes = Math.round(ms / 60_000)
  if (minutes < 60) return `${minutes} min`
  const hours = Math.floor(minutes / 60)
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`
  const days = Math.floor(hours / 24)
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`
}

const priceFormats = new Map<string, Intl.NumberFormat>()

/** "$1,299". */
export function formatPrice(price: number, currency: string): string {
  const digits = Number.isInteger(price) ? 0 : 2
  const key = `${currency}|${digits}`
  let format = priceFormats.get(key)
  if (!format) {
    format = new Intl.NumberFormat('en-US', { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits })
    priceFormats.set(key, format)
  }
  return format.format(price)
}

export const TICKET_TYPE_LABELS: Readonly<Record<TicketType, string>> = {
  support: 'Support',
  'product-inquiry': 'Product question',
  'order-help': 'Order help',
  technical: 'Technical',
}

export const STATUS_LABELS: Readonly<Record<TicketStatus, string>> = {
  open: 'Open',
  'in-progress': 'In progress',
  resolved: 'Resolved',
  closed: 'Closed',
}

export const PRIORITY_LABELS: Readonly<Record<TicketPriority, string>> = {
  low: 'Low',
  medium: 'Medium',
  high: 'High',
  urgent: 'Urgent',
}

export const SENDER_LABELS: Readonly<Record<MessageSender, string>> = {
  user: 'You',
  assistant: 'Assistant',
  system: 'System',
}

/** Context data for people: `budget: max 1500; categories: laptop` rather than JSON. */
export function describeValue(value: JsonValue | undefined): string {
  if (value === undefined || value === null) return '—'
  if (Array.isArray(value)) return value.map((item: JsonValue) => describeValue(item)).join(', ')
  if (typeof value === 'object') {
    return Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .map(([key, item]) => (typeof item === 'object' && item !== null && !Array.isArray(item) ? `${key}: ${describeValue(item).replaceAll(': ', ' ')}` : `${key}: ${describeValue(item)}`))
      .join('; ')
  }
  return String(value)
}

const REPLY_NOTES: Readonly<Record<string, string>> = {
  stopped: 'stopped',
  interrupted: 'interrupted',
  waiting: 'waiting for the network',
  queued: 'queued',
  error: 'failed',
}

/** How an assistant's reply that did not finish normally is marked (from `metadata.reply.status`). */
export function replyNote(message: ChatMessage): string | undefined {
  const reply = message.metadata?.['reply']
  if (typeof reply !== 'object' || reply === null || Array.isArray(reply)) return undefined
  const status = (reply as { readonly status?: unknown }).status
  return typeof status === 'string' ? REPLY_NOTES[status] : undefined
}

/** A file size for people: `812 B`, `14 KB`, `2.3 MB`. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}
