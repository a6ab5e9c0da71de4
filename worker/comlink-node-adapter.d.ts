// Comlink ships the node adapter without a declaration next to its .mjs file.
// eslint-disable-next-line -- `any` matches the listener types of Node and DOM ports alike; not public API.
declare module 'comlink/dist/esm/node-adapter.mjs' {
  import type { Endpoint } from 'comlink'
  export interface NodeEndpoint {
    postMessage(message: unknown, transfer?: readonly unknown[]): void
    on(type: string, listener: (value: any) => void): unknown
    off(type: string, listener: (value: any) => void): unknown
    start?: () => void
  }
  export default function nodeEndpoint(endpoint: NodeEndpoint): Endpoint
}
