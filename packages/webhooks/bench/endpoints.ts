/**
 * The vendor endpoints of the outbound delivery bench, in their own process
 * (forked by `outbound.bench.ts` with a {@link Spec} as its argument): one
 * `node:http` server per endpoint, each on its own port of 127.0.0.1, so each
 * endpoint is its own origin — its own connection pool in undici, as distinct
 * vendors are — while one process keeps the 2 cores for the sender and this.
 *
 * A healthy endpoint reads the body, checks the Standard Webhooks signature
 * (HMAC-SHA256 with node:crypto, as a receiver would) and answers 204; a
 * hanging one reads the body and never answers. Each receipt is counted by
 * `webhook-id`, and a healthy one's latency is taken from the `sentAt` the
 * payload carries (epoch ms, `performance.timeOrigin + performance.now()`
 * in both processes). Messages: sends `{ ports }` once listening; answers
 * `"count"` with `{ healthy, last }` (receipts at healthy endpoints, the
 * latest receipt's time) and `"report"` with a {@link Report}; on `"stop"`
 * closes every server and exits.
 */
import { createHmac, timingSafeEqual } from "node:crypto"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"

/** What the child serves. */
export interface Spec {
  readonly count: number
  /** Indexes of the endpoints that never answer. */
  readonly hanging: ReadonlyArray<number>
  /** The Standard Webhooks secret every endpoint shares (`whsec_…`). */
  readonly secret: string
}

/** What the endpoints saw. */
export interface Report {
  /** Per endpoint: how many requests carried each `webhook-id`. */
  readonly receipts: ReadonlyArray<Record<string, number>>
  /** Per endpoint: latencies (ms, `sentAt` to receipt) of what it answered (none at a hanging one). */
  readonly latencies: ReadonlyArray<ReadonlyArray<number>>
  readonly badSignatures: number
}

const now = () => performance.timeOrigin + performance.now()

const spec = JSON.parse(process.argv[2] ?? "{}") as Spec
const key = Buffer.from(spec.secret.replace(/^whsec_/, ""), "base64")
const hanging = new Set(spec.hanging)
const receipts: Array<Record<string, number>> = Array.from({ length: spec.count }, () => ({}))
const latencies: Array<Array<number>> = Array.from({ length: spec.count }, () => [])
let healthy = 0
let last = 0
let badSignatures = 0

const signed = (id: string, timestamp: string, signatures: string, body: string) => {
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest()
  return signatures.split(" ").some((entry) => {
    const given = Buffer.from(entry.slice(entry.indexOf(",") + 1), "base64")
    return given.length === expected.length && timingSafeEqual(given, expected)
  })
}

const serve = (index: number): Server =>
  createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      const at = now()
      const id = String(request.headers["webhook-id"])
      const body = Buffer.concat(chunks).toString("utf8")
      const counts = receipts[index]!
      counts[id] = (counts[id] ?? 0) + 1
      if (hanging.has(index)) return
      const valid = signed(
        id,
        String(request.headers["webhook-timestamp"]),
        String(request.headers["webhook-signature"]),
        body
      )
      if (!valid) badSignatures++
      const sentAt = (JSON.parse(body) as { data: { sentAt: number } }).data.sentAt
      latencies[index]!.push(at - sentAt)
      healthy++
      last = at
      response.writeHead(valid ? 204 : 401)
      response.end()
    })
  })

const servers = Array.from({ length: spec.count }, (_, index) => serve(index))
const ports = await Promise.all(
  servers.map(
    (server) =>
      new Promise<number>((resolve, reject) => {
        server.once("error", reject)
        server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port))
      })
  )
)

process.on("message", (message) => {
  if (message === "count") process.send?.({ healthy, last })
  if (message === "report") process.send?.({ receipts, latencies, badSignatures } satisfies Report)
  if (message === "stop") {
    for (const server of servers) {
      server.closeAllConnections()
      server.close()
    }
    process.exit(0)
  }
})
process.send?.({ ports })
