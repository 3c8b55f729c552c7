/**
 * Network conditions below HTTP, for the failure a simulator cannot stage:
 * a timeout that fires **before any byte of the request is written**, so the
 * request certainly did not reach the provider ("not sent", safe to retry),
 * as opposed to a timeout after the request was written ("maybe sent").
 *
 * {@link unreachable} gives an address on 127.0.0.1 where a TCP connect never
 * completes: a listener with a backlog of 1 whose thread never calls
 * `accept()` (a worker blocked in `Atomics.wait`), its accept queue filled by
 * filler connections, so the kernel drops every further SYN and `connect()`
 * stays pending until the client gives up. No root, no firewall rules, no
 * network beyond loopback.
 *
 * What clients report when their timeout fires there (Node 24, Linux; seen in
 * this package's tests):
 * - `fetch` with `AbortSignal.timeout(ms)`: a `DOMException` named
 *   `TimeoutError` (code 23), "The operation was aborted due to timeout", the
 *   same error as after the request was written, so the signal alone does not
 *   tell "not sent" from "maybe sent";
 * - `fetch` through an undici `Agent` with `connect: { timeout }`: a
 *   `TypeError` "fetch failed" whose `cause` is a `ConnectTimeoutError` with
 *   code `UND_ERR_CONNECT_TIMEOUT`, which only the connect phase produces;
 * - axios (the `twilio` SDK) with `timeout`: an `AxiosError` with code
 *   `ECONNABORTED`, "timeout of 300ms exceeded", in both phases alike.
 *
 * @example
 * ```ts
 * import { Network } from "@wedsync/testkit"
 *
 * const blackhole = await Network.unreachable()
 * await fetch(blackhole.url, { signal: AbortSignal.timeout(300) }) // rejects: TimeoutError, nothing was sent
 * const { bytesReceived } = await blackhole.close() // 0
 * ```
 *
 * @since 0.1.0
 */
import { connect, type Socket } from "node:net"
import { Worker } from "node:worker_threads"
import { Effect, type Scope } from "effect"

/**
 * The listener's thread: listen with a backlog of 1, report the port, then
 * block (no event loop turn, so no `accept()`) until woken; once woken, accept
 * what the kernel queued, count the bytes any of it carried, and report.
 */
const LISTENER = `
const { parentPort, workerData } = require("node:worker_threads")
const net = require("node:net")
const server = net.createServer()
const sockets = new Set()
let bytesReceived = 0
server.listen({ host: "127.0.0.1", port: 0, backlog: 1 }, () => {
  parentPort.postMessage({ port: server.address().port })
  Atomics.wait(new Int32Array(workerData.flag), 0, 0)
  server.on("connection", (socket) => {
    sockets.add(socket)
    socket.on("data", (chunk) => { bytesReceived += chunk.length })
    socket.on("error", () => {})
  })
  setTimeout(() => {
    parentPort.postMessage({ bytesReceived })
    for (const socket of sockets) socket.destroy()
    server.close()
  }, workerData.drainMillis)
})
`

/** How many filler connections may be needed before the accept queue is full. */
const MAX_FILLERS = 8

/** How long a filler connect may take on loopback before it counts as dropped. */
const FILLER_WAIT_MILLIS = 250

/** How long the woken listener reads what was queued before it reports. */
const DRAIN_MILLIS = 50

/** What the listener saw once it was woken, for asserting that nothing was sent. @since 0.1.0 */
export interface Report {
  /** Request bytes that reached the listener (the fillers send none): 0 when no request was ever written. */
  readonly bytesReceived: number
}

/** An address where TCP connects hang. @since 0.1.0 */
export interface Unreachable {
  /** `http://127.0.0.1:<port>`: point an SDK or `fetch` here. */
  readonly url: string
  readonly host: "127.0.0.1"
  readonly port: number
  /**
   * Frees the listener's thread and the filler sockets (no handle is left
   * behind) and reports what reached the listener. Calling it again returns
   * the same report. One never closed does not keep the process alive (its
   * thread and sockets are unreferenced), but close it all the same.
   */
  readonly close: () => Promise<Report>
}

const fill = (port: number, fillers: Array<Socket>): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port })
    socket.on("error", () => {})
    socket.unref()
    fillers.push(socket)
    // A late timer (a busy event loop) is no proof: I/O already completed is handled before the next setImmediate.
    const timer = setTimeout(() => setImmediate(() => resolve(false)), FILLER_WAIT_MILLIS)
    socket.once("connect", () => {
      clearTimeout(timer)
      resolve(true)
    })
  })

/**
 * Starts an address where a TCP connect never completes, so a client's
 * timeout fires before any byte of its request is written. Rejects when the
 * accept queue cannot be filled (a kernel that accepts regardless).
 *
 * @example
 * ```ts
 * const blackhole = await Network.unreachable()
 * const twilioClient = twilio(sid, token, { httpClient: new twilio.RequestClient({ timeout: 300 }) })
 * twilioClient.api.baseUrl = blackhole.url
 * // messages.create rejects with AxiosError ECONNABORTED; nothing reached any server
 * await blackhole.close()
 * ```
 * @since 0.1.0
 */
export const unreachable = async (): Promise<Unreachable> => {
  const flag = new SharedArrayBuffer(4)
  const worker = new Worker(LISTENER, { eval: true, workerData: { flag, drainMillis: DRAIN_MILLIS } })
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()))
  const messages: Array<{ readonly port?: number; readonly bytesReceived?: number }> = []
  const waiters: Array<() => void> = []
  worker.on("message", (message: { readonly port?: number; readonly bytesReceived?: number }) => {
    messages.push(message)
    for (const wake of waiters.splice(0)) wake()
  })
  const next = async () => {
    while (messages.length === 0) {
      await Promise.race([new Promise<void>((resolve) => waiters.push(resolve)), exited])
      if (messages.length === 0) throw new Error("the unreachable listener's thread exited before it reported")
    }
    return messages.shift() ?? {}
  }
  const fillers: Array<Socket> = []
  let report: Promise<Report> | undefined
  const close = (): Promise<Report> => {
    report ??= (async () => {
      worker.ref()
      const cell = new Int32Array(flag)
      Atomics.store(cell, 0, 1)
      Atomics.notify(cell, 0)
      const { bytesReceived = 0 } = await next().catch(() => ({ bytesReceived: 0 }))
      for (const socket of fillers) socket.destroy()
      await exited
      return { bytesReceived }
    })()
    return report
  }
  const { port } = await next()
  if (port === undefined) throw new Error("the unreachable listener reported no port")
  // A blackhole left open must not keep the process (or vitest) alive; close() holds it again while it drains.
  worker.unref()
  for (let i = 0; i < MAX_FILLERS; i++) {
    if (!(await fill(port, fillers))) {
      return { url: `http://127.0.0.1:${port}`, host: "127.0.0.1", port, close }
    }
  }
  await close()
  throw new Error(`could not fill the accept queue of 127.0.0.1:${port} with ${MAX_FILLERS} connections`)
}

/**
 * {@link unreachable} for the life of a scope.
 *
 * @example
 * ```ts
 * const program = Effect.gen(function* () {
 *   const blackhole = yield* Network.unreachableScoped
 *   // point the adapter at blackhole.url: its timeout fires before anything is sent
 * }).pipe(Effect.scoped)
 * ```
 * @since 0.1.0
 */
export const unreachableScoped: Effect.Effect<Unreachable, never, Scope.Scope> = Effect.acquireRelease(
  Effect.promise(() => unreachable()),
  (blackhole) => Effect.promise(() => blackhole.close())
)
