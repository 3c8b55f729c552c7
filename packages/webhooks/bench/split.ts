/**
 * Where a delivery's CPU goes, in-process: `Inbound.receive`'s handler and
 * its parts, each run with 50 in flight on the inbox of the ingestion bench
 * (SQLite file, durable defaults), reported as CPU µs per operation (this
 * process's, every thread). No HTTP server: requests are Web `Request`s
 * turned into `HttpServerRequest`s, as `Inbound.webHandler` does.
 *
 * Parts (`SPLIT_PARTS`, comma-separated; default all):
 * - `handler`: the whole handler with `StripeWebhooks` as a one-step source
 *   (`verify` only: the signature and the whole decode before the 2xx);
 * - `read`: `fromWeb` and reading the body;
 * - `verify`: `StripeWebhooks`' `verify` alone;
 * - `identify`: `StripeWebhooks`' `identify` alone;
 * - `offer`: `outbox.offer` of what the pipeline stores (the parsed event and
 *   the raw request), and of the raw request only;
 * - `two-step`: the handler with `StripeWebhooks` as it is, a two-step
 *   source (`Inbound.TwoStepSource`: `identify` before the 2xx, the request
 *   stored once, `decode` left to a worker, which does not run here).
 *
 * `SPLIT_N` operations per part (default 20000), after a quarter as many
 * unmeasured. Run from packages/webhooks: `node bench/split.ts`.
 */
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { HttpServerRequest } from "effect/http"
import { PersistedQueue } from "effect/persistence"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { StripeWebhooks } from "@wedsync/adapter-stripe"
import { WebhookSource } from "@wedsync/core"
import { Audit, Outbox, QueueStore, Sqlite } from "@wedsync/durable"
import { Inbound, Quarantine } from "../src/index.ts"
import * as Deliveries from "./deliveries.ts"

const N = Number(process.env.SPLIT_N ?? 20_000)
const parts = (process.env.SPLIT_PARTS ?? "handler,read,verify,identify,offer,two-step").split(",")
const url = "http://127.0.0.1/webhooks/stripe"
const secret = Deliveries.credentials.webhookSecret
const deliveries = Deliveries.make(Math.ceil(N * 1.25) * parts.length * 2, url)
const directory = mkdtempSync(join(tmpdir(), "wedsync-split-"))

const runtime = ManagedRuntime.make(
  Layer.mergeAll(
    Outbox.layer().pipe(Layer.provide(PersistedQueue.layer), Layer.provide(QueueStore.layerSql())),
    Quarantine.layerSql().pipe(Layer.provide(Audit.layerSql))
  ).pipe(Layer.provide(Sqlite.layer({ filename: join(directory, "inbox.db") })))
)
// Typed as the pipeline's two-step source: a compile-time check that the adapter's members fit it.
const stripe: Inbound.TwoStepSource = await Effect.runPromise(StripeWebhooks.make({ secret: Redacted.make(secret) }))
const oneStep: WebhookSource.WebhookSource["Service"] = { provider: stripe.provider, verify: stripe.verify }
const outbox = await runtime.runPromise(Effect.service(Outbox.Outbox))

let next = 0
const fresh = () => deliveries.at(next++)
const requests = (count: number) =>
  Array.from({ length: count }, () => {
    const delivery = fresh()
    return new Request(url, {
      method: "POST",
      headers: delivery.headers,
      body: new Uint8Array(delivery.body)
    })
  })
const webhookRequests = (count: number) =>
  Array.from({ length: count }, () => {
    const delivery = fresh()
    return new WebhookSource.WebhookRequest({
      method: "POST",
      url,
      headers: delivery.headers,
      body: delivery.body.toString(),
      receivedAt: Date.now()
    })
  })

/** Runs `op(0..)` with 50 in flight: a quarter of `N` unmeasured, then `N` measured. */
const measure = async (name: string, op: (index: number) => Effect.Effect<unknown, unknown>) => {
  let index = 0
  const run = (count: number) => {
    const end = index + count
    const loop = (): Effect.Effect<void, unknown> =>
      index >= end ? Effect.void : Effect.andThen(op(index++), Effect.suspend(loop))
    return runtime.runPromise(
      Effect.forEach(Array.from({ length: 50 }), () => Effect.suspend(loop), {
        concurrency: "unbounded",
        discard: true
      })
    )
  }
  await run(N / 4)
  const started = process.cpuUsage()
  await run(N)
  const used = process.cpuUsage(started)
  console.log(`${name.padEnd(32)} ${((used.user + used.system) / N).toFixed(1).padStart(7)} µs/op`)
}

const count = Math.ceil(N * 1.25)
for (const part of parts) {
  if (part === "handler") {
    const handler = await runtime.runPromise(Inbound.receive(oneStep))
    const all = requests(count)
    await measure("handler, one-step Stripe", (index) => handler(HttpServerRequest.fromWeb(all[index]!)))
  } else if (part === "read") {
    const all = requests(count)
    await measure("fromWeb + read the body", (index) => HttpServerRequest.fromWeb(all[index]!).arrayBuffer)
  } else if (part === "verify") {
    const all = webhookRequests(count)
    await measure("Stripe verify", (index) => stripe.verify(all[index]!))
  } else if (part === "identify") {
    const all = webhookRequests(count)
    await measure("Stripe identify", (index) => stripe.identify(all[index]!))
  } else if (part === "offer") {
    const all = webhookRequests(count * 2)
    const offer = (request: WebhookSource.WebhookRequest, event: object) =>
      outbox.offer({
        id: Inbound.jobId("stripe", `${next++}`),
        service: "webhook",
        operation: Inbound.operation("stripe"),
        critical: true,
        payload: { event, request: { ...request } }
      })
    await measure("offer: parsed event + request", (index) => {
      const request = all[index]!
      return offer(request, { provider: "stripe", id: "evt", type: "x", payload: JSON.parse(request.body) })
    })
    await measure("offer: request only", (index) =>
      offer(all[count + index]!, { provider: "stripe", id: "evt", type: "x" })
    )
  } else if (part === "two-step") {
    const handler = await runtime.runPromise(Inbound.receive(stripe, { twoStep: true }))
    const all = requests(count)
    await measure("handler, two-step Stripe", (index) => handler(HttpServerRequest.fromWeb(all[index]!)))
  } else {
    throw new Error(`no part ${part}`)
  }
}
await runtime.dispose()
rmSync(directory, { recursive: true, force: true })
