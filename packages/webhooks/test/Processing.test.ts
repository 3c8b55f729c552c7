/**
 * Processing received events from the inbox (`Inbound.worker`), over real
 * deliveries through the route handler and the outbox on SQLite: handlers by
 * provider and event type with a `"*"` fallback; an unhandled type is done;
 * a handler past the policy's timeout is a `TimedOut`, one that throws an
 * unknown error (`Unavailable`), both retried and then dead-lettered with
 * the original request, which replays; a handler's `PayloadInvalid` is never
 * retried; Stripe's events (a payment processor) and events of a wedding
 * within 7 days take the critical lane. The `webhook` policy's delays are
 * shortened here; its own numbers are checked in core's Retry tests.
 */
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { IntegrationError, Policy } from "@wedsync/core"
import { ResendWebhooks } from "@wedsync/adapter-email"
import { StripeWebhooks } from "@wedsync/adapter-stripe"
import { DeadLetters, Sqlite } from "@wedsync/durable"
import { Webhooks } from "@wedsync/testkit"
import * as ResendSim from "@wedsync/testkit/simulators/resend"
import * as StripeSim from "@wedsync/testkit/simulators/stripe"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Inbound } from "../src/index.ts"
import { forkWorker, type Inbox, inboxOn } from "./fixtures/inbox.ts"

const fast = { kind: "fixed", millis: 10 } as const
const overrides = Policy.PolicyOverrides.make({
  services: {
    webhook: {
      timeoutMillis: 100,
      deferred: {
        rules: [
          { reasons: ["TimedOut"], delay: fast, maxRetries: 2, maxRetriesByCriticality: { high: 4 } },
          { reasons: ["Unavailable", "RateLimited"], delay: fast, maxRetries: 1, maxRetriesByCriticality: { high: 3 } }
        ]
      }
    }
  }
})

const operator = { actor: "ops@wedsync.test", reason: "the handler is fixed" }
const stripeSecret = StripeSim.definition.credentials.webhookSecret
const today = new Date().toISOString().slice(0, 10)

const stripeEvent = (id: string, type: string, metadata: Record<string, string> = {}) => {
  const options = { id, created: Math.floor(Date.now() / 1000) }
  const intent = {
    id: `pi_${id}`,
    object: "payment_intent",
    amount: 50_000,
    currency: "gbp",
    metadata,
    status: "succeeded"
  }
  const charge = {
    id: `ch_${id}`,
    object: "charge",
    amount: 50_000,
    amount_refunded: 5_000,
    currency: "gbp",
    payment_intent: intent.id,
    refunded: false
  }
  switch (type) {
    case "payment_intent.payment_failed":
      return StripeSim.events.paymentIntentPaymentFailed(
        { ...intent, status: "requires_payment_method" } as unknown as StripeSim.PaymentIntent,
        options
      )
    case "charge.refunded":
      return StripeSim.events.chargeRefunded(charge as unknown as StripeSim.Charge, options)
    case "charge.dispute.created": {
      // the simulator has no builder for disputes: Stripe's shape, signed like any event
      const body = {
        id,
        object: "event",
        api_version: "2026-10-28.endive",
        created: options.created,
        data: {
          object: {
            id: `dp_${id}`,
            object: "dispute",
            amount: 50_000,
            currency: "gbp",
            charge: charge.id,
            payment_intent: intent.id,
            reason: "fraudulent",
            status: "needs_response"
          }
        },
        livemode: false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
        type
      }
      return { id, type, contentType: "application/json; charset=utf-8", body: JSON.stringify(body) }
    }
    default:
      return StripeSim.events.paymentIntentSucceeded(intent as unknown as StripeSim.PaymentIntent, options)
  }
}
const resendEvent = (id: string, tags: Record<string, string>) => {
  const event = ResendSim.events.email("delivered", {
    id,
    from: "planner@wedsync.test",
    to: ["couple@example.com"],
    subject: "Final headcount",
    createdAt: new Date().toISOString(),
    lastEvent: "delivered"
  })
  const body = JSON.parse(event.body) as Record<string, unknown>
  return { ...event, body: JSON.stringify({ ...body, metadata: tags }) }
}

let directory: string
let runtime: ManagedRuntime.ManagedRuntime<Inbox, unknown>
let stripe: ReturnType<typeof Inbound.webHandler>
let resend: ReturnType<typeof Inbound.webHandler>
let stopWorker: () => Promise<void>
const runs = new Map<string, number>()
const seen: Array<string> = []
let broken = true
const count = (id: string) => runs.set(id, (runs.get(id) ?? 0) + 1)

const post = async (handler: ReturnType<typeof Inbound.webHandler>, sent: Webhooks.WebhookDelivery) =>
  (await handler.handler(new Request(sent.url, { method: "POST", headers: sent.headers, body: sent.body }))).status

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), "wedsync-processing-"))
  runtime = ManagedRuntime.make(
    inboxOn(Sqlite.layer({ filename: join(directory, "inbox.db") })).pipe(Layer.provideMerge(Policy.layer(overrides)))
  )
  const inbox = Layer.succeedContext(await runtime.context())
  stripe = Inbound.webHandler(StripeWebhooks.make({ secret: Redacted.make(stripeSecret) }), inbox)
  resend = Inbound.webHandler(
    ResendWebhooks.make({ secret: Redacted.make(ResendSim.definition.credentials.webhookSecret) }),
    inbox
  )
  stopWorker = await forkWorker(
    runtime,
    Inbound.worker({
      stripe: {
        "payment_intent.succeeded": (event) => Effect.sync(() => seen.push(`succeeded:${event.id}`)),
        "payment_intent.payment_failed": (event) =>
          Effect.suspend(() => {
            count(event.id)
            // hangs past the policy's 100 ms
            return Effect.never
          }),
        "charge.refunded": (event) =>
          Effect.sync(() => {
            count(event.id)
            if (broken) throw new Error("the booking system's client is not configured")
            seen.push(`refunded:${event.id}`)
          }),
        "charge.dispute.created": (event) =>
          Effect.suspend(() => {
            count(event.id)
            return Effect.fail(
              IntegrationError.make(
                "stripe",
                "webhook.process",
                new IntegrationError.PayloadInvalid({ description: "no charge" })
              )
            )
          })
      },
      resend: { "*": (event) => Effect.sync(() => seen.push(`resend:${event.type}:${event.id}`)) }
    })
  )
})

afterAll(async () => {
  await stopWorker()
  await stripe.dispose()
  await resend.dispose()
  await runtime.dispose()
  rmSync(directory, { recursive: true, force: true })
})

const until = async (condition: () => boolean | Promise<boolean>, millis = 10_000) => {
  const started = Date.now()
  while (!(await condition())) {
    if (Date.now() - started > millis) throw new Error("timed out waiting")
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
const letterOf = (id: string) =>
  runtime.runPromise(
    Effect.flatMap(Effect.service(DeadLetters.DeadLetters), (letters) =>
      letters.get(Inbound.jobId("stripe", id), operator)
    ).pipe(Effect.option)
  )
const laneOf = (id: string) => {
  const db = new DatabaseSync(join(directory, "inbox.db"), { readOnly: true })
  try {
    const row = db.prepare("select queue_name from wedsync_queue where id = ?").get(id) as
      | { queue_name: string }
      | undefined
    return row?.queue_name
  } finally {
    db.close()
  }
}
const signed = (event: Webhooks.WebhookEvent) =>
  Webhooks.build(StripeSim.signer, StripeSim.definition.credentials, event, "https://hooks.wedsync.test/stripe")

describe("Inbound.worker", () => {
  it("hands each event to the handler of its provider and type, and a '*' handler takes the rest", async () => {
    expect(await post(stripe, signed(stripeEvent("evt_paid_1", "payment_intent.succeeded")))).toBe(200)
    const sent = Webhooks.build(
      ResendSim.definition.signer as Webhooks.Signer<ResendSim.Credentials>,
      ResendSim.definition.credentials,
      resendEvent("re_1", {}),
      "https://hooks.wedsync.test/resend"
    )
    expect(await post(resend, sent)).toBe(200)
    await until(
      () => seen.includes("succeeded:evt_paid_1") && seen.some((entry) => entry.startsWith("resend:email.delivered"))
    )
  })

  it("retries a handler past the policy's timeout as TimedOut, then keeps it as a dead letter with its request", async () => {
    expect(await post(stripe, signed(stripeEvent("evt_hangs", "payment_intent.payment_failed")))).toBe(200)
    await until(async () => (await letterOf("evt_hangs"))._tag === "Some")
    const letter = await letterOf("evt_hangs")
    if (letter._tag !== "Some") throw new Error("no dead letter")
    expect(letter.value.reason).toBe("TimedOut")
    // Stripe is a payment processor: critical, so the critical retry budget (4) applies
    expect(runs.get("evt_hangs")).toBe(5)
    const kept = letter.value.payload as Inbound.Received
    expect(kept.event.id).toBe("evt_hangs")
    expect(kept.request.headers["stripe-signature"]).toMatch(/^t=\d+,v1=/)
    expect(kept.request.body).toContain("evt_hangs")
  })

  it("retries a handler that throws (an unknown error), and a replay of its dead letter runs once it is fixed", async () => {
    expect(await post(stripe, signed(stripeEvent("evt_refund", "charge.refunded")))).toBe(200)
    await until(async () => (await letterOf("evt_refund"))._tag === "Some")
    const letter = await letterOf("evt_refund")
    if (letter._tag !== "Some") throw new Error("no dead letter")
    expect(letter.value.reason).toBe("Unavailable")
    expect(letter.value.errors.at(-1)?.providerCode).toBe("wedsync.webhook.handler_defect")
    expect(runs.get("evt_refund")).toBe(4)
    broken = false
    await runtime.runPromise(
      Effect.flatMap(Effect.service(DeadLetters.DeadLetters), (letters) =>
        letters.replay(Inbound.jobId("stripe", "evt_refund"), operator)
      )
    )
    await until(() => seen.includes("refunded:evt_refund"))
  })

  it("never retries a handler's PayloadInvalid", async () => {
    expect(await post(stripe, signed(stripeEvent("evt_dispute", "charge.dispute.created")))).toBe(200)
    await until(async () => (await letterOf("evt_dispute"))._tag === "Some")
    const letter = await letterOf("evt_dispute")
    expect(letter._tag === "Some" && letter.value.reason).toBe("PayloadInvalid")
    expect(runs.get("evt_dispute")).toBe(1)
  })

  it("puts a payment processor's events and a close wedding's in the critical lane, others in the standard one", async () => {
    expect(await post(stripe, signed(stripeEvent("evt_lane_stripe", "payment_intent.succeeded")))).toBe(200)
    const wedding = { weddingId: "w_ava_sam", weddingDate: today, vendorType: "florist" }
    const close = Webhooks.build(
      ResendSim.definition.signer as Webhooks.Signer<ResendSim.Credentials>,
      ResendSim.definition.credentials,
      resendEvent("re_close", wedding),
      "https://hooks.wedsync.test/resend"
    )
    const far = Webhooks.build(
      ResendSim.definition.signer as Webhooks.Signer<ResendSim.Credentials>,
      ResendSim.definition.credentials,
      resendEvent("re_far", { ...wedding, weddingDate: "2099-06-12" }),
      "https://hooks.wedsync.test/resend"
    )
    expect(await post(resend, close)).toBe(200)
    expect(await post(resend, far)).toBe(200)
    const idOf = (sent: Webhooks.WebhookDelivery) => Inbound.jobId("resend", sent.headers["svix-id"]!)
    expect(laneOf(Inbound.jobId("stripe", "evt_lane_stripe"))).toMatch(/critical/)
    expect(laneOf(idOf(close))).toMatch(/critical/)
    expect(laneOf(idOf(far))).toMatch(/standard/)
  })
})
