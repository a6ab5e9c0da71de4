/**
 * The support desk of the sync demo: a page that works on the server only, as a shop's
 * back office would. It reads the user's CouchDB database (served under /couch by
 * `npm run start:sync`), follows it live with `_changes?feed=longpoll`, answers a ticket by
 * writing a message document into its thread, and changes its status by writing the ticket
 * document on its current revision. The customer's panel gets both live.
 */
import type { ChatMessage, TicketFields, TicketStatus } from 'companion-chat'
import { userDatabaseUrl } from 'companion-chat/couchdb'

interface TicketDoc {
  _id: string
  _rev: string
  type: 'ticket'
  ticket: TicketFields
}
interface MessageDoc {
  _id: string
  type: 'message'
  thread: string
  seq?: number
  message: ChatMessage
}

const user = new URLSearchParams(location.search).get('user')?.trim() || 'demo'
const db = userDatabaseUrl(`${location.origin}/couch`, user)
const tickets = new Map<string, TicketDoc>()
const messages = new Map<string, MessageDoc>()
let selected: string | null = null

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T
$('where').textContent = `The server database of “${user}”: ${db}`

async function couch<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${db}/${path}`, { ...init, headers: { 'Content-Type': 'application/json', Accept: 'application/json' } })
  if (!response.ok && response.status !== 404) throw new Error(`${response.status} ${await response.text()}`)
  return (await response.json()) as T
}

function take(doc: unknown): void {
  const d = doc as { _id: string; type?: string; ticket?: TicketFields }
  if (d.type === 'ticket' && d.ticket) tickets.set(d.ticket.id, d as TicketDoc)
  else if (d.type === 'message') messages.set(d._id, d as MessageDoc)
}

function render(): void {
  const list = $('tickets')
  list.replaceChildren(
    ...[...tickets.values()]
      .sort((a, b) => b.ticket.updatedAt - a.ticket.updatedAt)
      .map(({ ticket }) => {
        const item = document.createElement('li')
        const button = document.createElement('button')
        button.textContent = `${ticket.title} · ${ticket.status}`
        button.setAttribute('aria-current', String(ticket.id === selected))
        button.onclick = () => {
          selected = ticket.id
          render()
        }
        item.append(button)
        return item
      }),
  )
  const doc = selected ? tickets.get(selected) : undefined
  $('ticket').hidden = !doc
  if (!doc) return
  $('title').textContent = doc.ticket.title
  $('status').textContent = doc.ticket.status
  $('priority').textContent = doc.ticket.priority
  const thread = [...messages.values()]
    .filter((m) => m.thread === doc.ticket.id)
    .sort((a, b) => a.message.timestamp - b.message.timestamp || (a.seq ?? 0) - (b.seq ?? 0))
  $('messages').replaceChildren(
    ...thread.map(({ message }) => {
      const item = document.createElement('li')
      item.className = message.sender === 'user' ? 'from-user' : 'from-desk'
      item.textContent = `${message.sender === 'user' ? 'Customer' : 'Support'}: ${message.content}`
      return item
    }),
  )
}

/** Reads everything, then follows the changes live. */
async function follow(): Promise<void> {
  let since = '0'
  for (;;) {
    try {
      const body = await couch<{ results: Array<{ doc?: unknown }>; last_seq: unknown }>(
        `_changes?include_docs=true&feed=longpoll&timeout=25000&heartbeat=10000&since=${encodeURIComponent(since)}`,
      )
      for (const row of body.results ?? []) if (row.doc) take(row.doc)
      since = typeof body.last_seq === 'string' ? body.last_seq : JSON.stringify(body.last_seq ?? since)
      render()
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 2_000)) // the database may not exist until the panel's first push
    }
  }
}

$<HTMLFormElement>('reply').onsubmit = async (event) => {
  event.preventDefault()
  const input = $<HTMLInputElement>('text')
  if (!selected || !input.value.trim()) return
  const id = `desk-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
  const message: ChatMessage = { id, content: input.value.trim(), sender: 'assistant', timestamp: Date.now(), type: 'text', metadata: { agent: 'Support desk' } }
  await couch(`message:${id}`, { method: 'PUT', body: JSON.stringify({ type: 'message', thread: selected, message }) })
  input.value = ''
}

for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-status]')) {
  button.onclick = async () => {
    const doc = selected ? tickets.get(selected) : undefined
    if (!doc) return
    const status = button.dataset['status'] as TicketStatus
    const now = Date.now()
    const ticket: TicketFields = {
      ...doc.ticket,
      status,
      updatedAt: now,
      ...(status === 'resolved' ? { resolvedAt: now, summary: 'Resolved by the support desk' } : {}),
    }
    // Written on the revision read: a 409 means the customer's device wrote meanwhile; the next change brings it.
    await couch(`ticket:${doc.ticket.id}`, { method: 'PUT', body: JSON.stringify({ ...doc, ticket }) }).catch((error: unknown) => alert(String(error)))
  }
}

void follow()
