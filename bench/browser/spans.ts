/**
 * Loaded first in every benchmark worker (the SDK's, raw Dexie's, RxDB's): records when each
 * IndexedDB transaction of the worker starts and ends, in absolute time (`timeOrigin + now`,
 * comparable with the page's clock). The page asks for the span of the timed part — from the
 * first transaction started after the page's clock started to the last one that ended before
 * it stopped — and for the time IndexedDB was busy in it (the union of the transactions).
 * That is the "inside the worker" figure, measured the same way for every library without
 * touching the SDK's worker. Answers on a BroadcastChannel named by the worker URL's `spans`
 * parameter, so it never mixes with the library's own messages.
 */
import type { SpanAnswer, SpanQuestion } from './protocol.js'

const intervals: Array<[number, number]> = []
const clock = () => performance.timeOrigin + performance.now()
const original = IDBDatabase.prototype.transaction
IDBDatabase.prototype.transaction = function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
  const tx = original.apply(this, args)
  const start = clock()
  const done = () => void intervals.push([start, clock()])
  tx.addEventListener('complete', done)
  tx.addEventListener('abort', done)
  return tx
} as IDBDatabase['transaction']

const name = new URL(self.location.href).searchParams.get('spans')
if (name) {
  const channel = new BroadcastChannel(name)
  channel.onmessage = (event: MessageEvent<SpanQuestion>) => {
    const { from, to } = event.data
    const inside = intervals.filter(([start, end]) => start >= from && end <= to).sort((a, b) => a[0] - b[0])
    let busy = 0
    let reach = -Infinity
    for (const [start, end] of inside) {
      if (end <= reach) continue
      busy += end - Math.max(start, reach)
      reach = end
    }
    const answer: SpanAnswer =
      inside.length === 0
        ? { transactions: 0, span: 0, busy: 0 }
        : { transactions: inside.length, span: Math.max(...inside.map(([, end]) => end)) - inside[0]![0], busy }
    channel.postMessage(answer)
  }
}
