/**
 * The watchdog behind the real inbound pipeline: a Stripe delivery, signed
 * by the simulator, posted to `Inbound.webHandler` over the outbox on a
 * SQLite file, processed by `Inbound.worker` with `Watchdog.onWebhook()`,
 * completes the booking's deposit step (read from the payment intent's
 * `metadata.bookingId`); the provider's retry of the same event is one
 * timeline entry.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Layer, ManagedRuntime, Redacted } from "effect"
import { StripeWebhooks } from "@wedsync/adapter-stripe"
import { Sqlite } from "@wedsync/durable"
import { Webhooks } from "@wedsync/testkit"
import * as StripeSim from "@wedsync/testkit/simulators/stripe"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Inbound from "../src/Inbound.ts"
import * as Watchdog from "../src/Watchdog.ts"
import { forkWorker, type Inbox, inboxOn } from "./fixtures/inbox.ts"
import { recording } from "./WatchdogSuite.ts"

const credentials = StripeSim.definition.credentials
const URL = "https://hooks.wedsync.test/api/webhooks/stripe"
const intent = {
  id: "pi_3WedSyncWatchdogInbound",
  object: "payment_intent",
  amount: 50_000,
  currency: "gbp",
  metadata: { bookingId: "b_inbound", weddingId: "w_inbound" },
  status: "succeeded"
} as unknown as StripeSim.PaymentIntent

const requestOf = (id: string) => {
  const event = StripeSim.events.paymentIntentSucceeded(intent, { id, created: Math.floor(Date.now() / 1000) })
  const sent = Webhooks.build(StripeSim.signer, credentials, event, URL)
  return new Request(sent.url, { method: "POST", headers: sent.headers, body: sent.body })
}

const recorder = recording()
let directory: string
let runtime: ManagedRuntime.ManagedRuntime<Inbox | Watchdog.Watchdog, unknown>
let stripe: ReturnType<typeof Inbound.webHandler>
let stopWorker: () => Promise<void>

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), "wedsync-watchdog-inbound-"))
  runtime = ManagedRuntime.make(
    Watchdog.layerSql().pipe(
      Layer.provide(recorder.layer),
      Layer.provideMerge(inboxOn(Sqlite.layer({ filename: join(directory, "inbox.db") })))
    )
  )
  const services = await runtime.context()
  stripe = Inbound.webHandler(
    StripeWebhooks.make({ secret: Redacted.make(credentials.webhookSecret) }),
    Layer.succeedContext(services)
  )
  stopWorker = await forkWorker(runtime, Inbound.worker({ stripe: { "*": Watchdog.onWebhook() } }))
})

afterAll(async () => {
  await stopWorker()
  await stripe.dispose()
  await runtime.dispose()
  rmSync(directory, { recursive: true, force: true })
})

const until = async (condition: () => Promise<boolean>, millis = 5_000) => {
  const started = Date.now()
  while (!(await condition())) {
    if (Date.now() - started > millis) throw new Error("timed out waiting")
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe("Watchdog.onWebhook behind Inbound.worker", () => {
  it("completes the booking's step from a received Stripe event, once", async () => {
    await runtime.runPromise(
      Watchdog.declare(
        "b_inbound",
        [{ name: "deposit", match: { provider: "stripe", kind: "payment_intent.succeeded" }, within: "1 hour" }],
        { weddingId: "w_inbound" }
      )
    )
    expect((await stripe.handler(requestOf("evt_watchdog_inbound_1"))).status).toBe(200)
    await until(async () => {
      const steps = await runtime.runPromise(Watchdog.status("b_inbound"))
      return steps[0]?.arrivedAt !== undefined
    })
    // a retry of the event by the provider is a duplicate for the inbox; the watchdog would record it once anyway
    expect((await stripe.handler(requestOf("evt_watchdog_inbound_1"))).status).toBe(200)
    const timeline = await runtime.runPromise(Watchdog.timeline("w_inbound"))
    expect(timeline.map((entry) => [entry.key, entry.provider, entry.kind, entry.outcome, entry.step])).toEqual([
      ["b_inbound", "stripe", "payment_intent.succeeded", "received", "deposit"]
    ])
    expect(recorder.alerts).toEqual([])
  })
})
