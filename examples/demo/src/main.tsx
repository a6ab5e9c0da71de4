/**
 * The demo's entry: makes the chat client on the package's public entries, exactly as a
 * shop's app would, and renders the shop page with its companion panel.
 */
import { createChatClient, type ChatClient } from 'companion-chat'
import { createCouchDBSync, userDatabaseUrl } from 'companion-chat/couchdb'
import { CompanionPanelProvider } from 'companion-chat/react'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { createDemoAssistant } from './assistant'
import { App } from './components/App'
import { NoticeProvider } from './components/NoticeProvider'
import { readDemoOptions, type DemoHost } from './url-options'

declare global {
  interface Window {
    /** The demo's chat client, for the console and the browser tests. */
    companionChat: ChatClient
  }
}

const { databaseName, host, syncUser } = readDemoOptions(location.search)

// Vite finds `new Worker(new URL(…, import.meta.url))` and bundles the worker entry; the
// expression must stay literally in this shape. The client says which kind it wants: a
// dedicated worker instead of a shared one where the browser has no SharedWorker.
function makeWorker(kind: DemoHost): Worker | SharedWorker {
  return kind === 'shared-worker'
    ? new SharedWorker(new URL('companion-chat/worker', import.meta.url), { type: 'module', name: `companion-chat:${databaseName}` })
    : new Worker(new URL('companion-chat/worker', import.meta.url), { type: 'module' })
}

const client = createChatClient({
  databaseName,
  host,
  worker: makeWorker,
  // The assistant wiring: the SDK's offline shop assistant over the demo catalogue.
  assistant: createDemoAssistant(),
  // `npm run start:sync` serves a local PouchDB Server under /couch (same origin: no CORS).
  ...(syncUser ? { sync: createCouchDBSync({ url: userDatabaseUrl(`${location.origin}/couch`, syncUser), createDatabase: true }) } : {}),
})
window.companionChat = client

const root = document.getElementById('root')
if (!root) throw new Error('index.html has no #root element')
createRoot(root).render(
  <StrictMode>
    <CompanionPanelProvider client={client}>
      <NoticeProvider>
        <App />
      </NoticeProvider>
    </CompanionPanelProvider>
  </StrictMode>,
)
