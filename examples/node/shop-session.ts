/**
 * A shop session in Node, through the specification's integration patterns: shopping
 * assistance, a product inquiry ticket, an escalation, a resolution, analytics, a reload,
 * and the privacy wipe. It prints what the observables emit.
 *
 * Run: npm run example:node
 */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { distinctUntilChanged, map } from 'rxjs'
import { createChatClient, type ChatClient } from 'companion-chat'

// Node has no IndexedDB: an in-memory one stands in for the browser's, so that the
// "reload" below finds the data again. Without it the SDK would keep data in memory
// and say so on status$.
const indexedDB = new IDBFactory()
const open = (): ChatClient => createChatClient({ databaseName: 'shop-demo', indexedDB, IDBKeyRange, host: 'in-process' })

const log = (label: string, value: unknown) => console.log(`${label.padEnd(14)} ${typeof value === 'string' ? value : JSON.stringify(value)}`)

async function main(): Promise<void> {
  const chat = open()
  chat.status$
    .pipe(
      map((status) => `${status.connection}, storage: ${status.storage}`),
      distinctUntilChanged(),
    )
    .subscribe((status) => log('status$', status))
  chat.messages$.subscribe((messages) => {
    const last = messages.at(-1)
    if (last) log('messages$', `${messages.length} message(s); last: [${last.sender}] ${last.content}`)
  })
  chat.tickets$.subscribe((tickets) =>
    log('tickets$', tickets.map((t) => `${t.title} (${t.status}, ${t.priority}, ${t.messages.length} msg)`).join('; ') || '(none)'),
  )
  chat.typing$.subscribe((typing) => log('typing$', typing ? 'assistant is typing…' : 'idle'))
  chat.errors$.subscribe((error) => log('errors$', `${error.name} (${error.code}): ${error.message}`))
  await chat.ready

  console.log('\n— Shopping assistance')
  await chat.updateUserContext({ shoppingIntent: 'gaming laptops', sessionStart: Date.now() })
  await chat.sendMainChatMessage("I'm looking for gaming laptops under $1500")
  await chat.setMainChatTyping(true)
  await chat.sendMainChatMessage('Here are three gaming laptops under $1,500.', { sender: 'assistant' })
  await chat.setMainChatTyping(false)

  console.log('\n— Product inquiry ticket')
  await chat.updateUserContext({ currentProducts: ['laptop-1'], shoppingIntent: 'inquiry' })
  const inquiry = chat.createTicket('product-inquiry', 'Question about laptop-1', 'Does it have a backlit keyboard?', {
    productId: 'laptop-1',
    source: 'product-page',
  })
  await chat.sendTicketMessage(inquiry, 'Yes, RGB backlit.', { sender: 'assistant' })

  console.log('\n— Escalation from the chat')
  const complaint = chat.getState().mainChat.messages[0]!
  const escalated = chat.createTicketFromChatMessage(complaint.id, 'support', 'Escalated from chat')
  await chat.updateTicketPriority(escalated, 'high')
  await chat.inheritContextToTicket(escalated, ['currentProducts', 'shoppingIntent'])
  log('context', chat.getState().tickets.find((t) => t.id === escalated)?.context)

  console.log('\n— Resolution and analytics')
  await chat.resolveTicket(inquiry, 'Customer found a suitable laptop')
  log('analytics', chat.getChatAnalytics())

  console.log('\n— Reload: a new client on the same database')
  await chat.close()
  const again = open()
  await again.ready
  const state = again.getState()
  log('restored', `${state.mainChat.messages.length} messages, ${state.tickets.length} tickets, intent: ${state.userContext.shoppingIntent}`)

  console.log('\n— Privacy')
  await again.clearUserData()
  log('userContext', again.getState().userContext)
  await again.clearAllData()
  log('after wipe', `${again.getState().mainChat.messages.length} messages, ${again.getState().tickets.length} tickets`)
  log('databases', (await indexedDB.databases()).map((d) => d.name))
  await again.close()
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
