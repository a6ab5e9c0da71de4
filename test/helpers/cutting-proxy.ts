/**
 * A TCP proxy on 127.0.0.1 in front of a local server that can cut every open connection at
 * once: requests and answers are lost mid-flight, as when a network drops. For the sync
 * tests and the sync benchmark.
 */
import { Socket, createServer } from 'node:net'

export async function cuttingProxy(target: number): Promise<{ url: string; cut(): number; close(): Promise<void> }> {
  const sockets = new Set<Socket>()
  const proxy = createServer((client) => {
    const upstream = new Socket()
    upstream.connect(target, '127.0.0.1')
    sockets.add(client).add(upstream)
    client.pipe(upstream).pipe(client)
    const drop = () => {
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    client.on('error', drop).on('close', drop)
    upstream.on('error', drop).on('close', drop)
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  const address = proxy.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const cut = () => {
    const open = sockets.size
    for (const socket of sockets) socket.destroy()
    sockets.clear()
    return open
  }
  return {
    url: `http://127.0.0.1:${port}`,
    /** Cuts every open connection; answers how many there were. */
    cut,
    /** Stops listening and cuts what is still open. */
    close: () =>
      new Promise((resolve) => {
        proxy.close(() => resolve())
        cut()
      }),
  }
}

