/**
 * The facade against the real adapters pointed at testkit's simulators:
 * notify (sent, failed over, queued or failed with reason/family/attempts),
 * pay (charged once, declined), the Stripe webhook route handler (signed →
 * 200 and handled by the workers, forged → 401), the per-process registry
 * (same name and configuration → same runtime; another configuration closes
 * the old one) and close.
 */
import { inspect } from "node:util"
import { Webhooks } from "@wedsync/testkit"
import * as StripeSim from "@wedsync/testkit/simulators/stripe"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { ClosedError, createIntegrations, type Integrations, type Options, type Results } from "../src/index.ts"
import { configFor, down, secretsOf, startWorld } from "./fixtures/world.ts"

let world: Awaited<ReturnType<typeof startWorld>>
const opened: Array<Integrations.Integrations> = []
let names = 0

/** Integrations of their own (name and SQLite file), closed after the test. */
const fresh = (patch: (options: ReturnType<typeof configFor>) => ReturnType<typeof configFor> = (o) => o) => {
  const integrations = createIntegrations(patch(configFor(world.simulators, `test-${++names}`, world.file())))
  opened.push(integrations)
  return integrations
}

beforeAll(async () => {
  world = await startWorld()
})
afterEach(async () => {
  for (const simulator of Object.values(world.simulators)) simulator.faults.clear()
  await Promise.all(opened.splice(0).map((integrations) => integrations.close()))
})
afterAll(() => world.stop())

const ana = { name: "Ana Lopez", email: "ana@example.com", phone: "+447700900123" }
const reminder = { subject: "Your tasting is tomorrow", text: "See you at 3 pm at Villa Rosa." }

const expectNoSecret = (value: unknown) => {
  const printed = `${JSON.stringify(value)}\n${inspect(value, { depth: 10 })}`
  for (const secret of secretsOf(world.simulators)) expect(printed).not.toContain(secret)
}

describe("notify", () => {
  it("sends through the first provider of the first channel", async () => {
    const integrations = fresh()
    const r = await integrations.notify({ to: ana, message: reminder, channels: ["email"], idempotencyKey: "n:1" })
    expect(r).toMatchObject({ ok: true, status: "sent", channel: "email", provider: "resend" })
    if (r.ok && r.status === "sent") {
      expect(r.id).not.toBe("")
      expect(r.attempts).toEqual([
        expect.objectContaining({ channel: "email", provider: "resend", outcome: "success" })
      ])
    }
    expectNoSecret(r)
  })

  it("fails over to the backup provider when the primary is down", async () => {
    const integrations = fresh()
    down(world.simulators.twilio)
    const r = await integrations.notify({
      to: ana,
      message: reminder,
      channels: ["sms", "email"],
      idempotencyKey: "n:2"
    })
    expect(r).toMatchObject({ ok: true, status: "sent", channel: "sms", provider: "vonage" })
    if (r.ok && r.status === "sent") {
      expect(r.attempts.map((attempt) => [attempt.provider, attempt.outcome, attempt.reason])).toEqual([
        ["twilio", "failed", "Unavailable"],
        ["vonage", "success", undefined]
      ])
    }
  })

  it("falls back to email when every SMS provider is down, and says so", async () => {
    const integrations = fresh()
    down(world.simulators.twilio)
    down(world.simulators.vonage)
    const r = await integrations.notify({
      to: ana,
      message: reminder,
      channels: ["sms", "email"],
      idempotencyKey: "n:3"
    })
    expect(r).toMatchObject({
      ok: true,
      status: "sent",
      channel: "email",
      fallback: { from: "sms", message: "SMS temporarily unavailable, email notification sent instead" }
    })
  })

  it("queues what no provider can take now, with every attempt", async () => {
    const integrations = fresh()
    for (const simulator of [world.simulators.resend, world.simulators.postmark]) down(simulator)
    const r = await integrations.notify({ to: ana, message: reminder, channels: ["email"], idempotencyKey: "n:4" })
    expect(r).toMatchObject({ ok: true, status: "queued", reference: "n:4" })
    if (r.ok && r.status === "queued") {
      expect(r.message).toBe("Email queued for delivery when service is restored")
      expect(r.retryAt).toBeGreaterThan(Date.now())
      expect(r.attempts.map((attempt) => attempt.provider)).toEqual(["resend", "postmark"])
    }
  })

  it("answers a failure with reason, family and attempts when it may not queue", async () => {
    const integrations = fresh()
    for (const simulator of [world.simulators.resend, world.simulators.postmark]) down(simulator)
    const r = await integrations.notify({ to: ana, message: reminder, channels: ["email"], queue: false })
    expect(r).toMatchObject({ ok: false, reason: "Unavailable", family: "transient", service: "email" })
    if (!r.ok) expect(r.attempts).toHaveLength(2)
    expectNoSecret(r)
  })

  it("refuses a recipient with no usable address as a request failure", async () => {
    const integrations = fresh()
    const r = await integrations.notify({ to: { name: "Ana" }, message: reminder, channels: ["sms", "email"] })
    expect(r).toMatchObject({ ok: false, reason: "InvalidRequest", family: "request" })
  })
})

describe("pay", () => {
  const deposit = (bookingId: string, paymentMethod = "pm_card_visa"): Results.PayInput => ({
    bookingId,
    instalment: "deposit",
    amount: 50_000,
    currency: "gbp",
    customer: "cus_9s6XKzkNRiz8i3",
    paymentMethod
  })

  it("charges once, and the same instalment again is the same payment", async () => {
    const integrations = fresh()
    const first = await integrations.pay(deposit("bk_once"))
    expect(first).toMatchObject({
      ok: true,
      status: "charged",
      reference: "wedsync/createPayment/bk_once/deposit",
      paymentStatus: "succeeded",
      amount: 50_000
    })
    const second = await integrations.pay(deposit("bk_once"))
    expect(second.ok && second.status === "charged" && first.ok && first.status === "charged").toBe(true)
    if (first.ok && first.status === "charged" && second.ok && second.status === "charged") {
      expect(second.paymentId).toBe(first.paymentId)
    }
    const intents = world.simulators.stripe.ledger
      .sideEffects("payment_intent")
      .filter((effect) => effect.key === "wedsync/createPayment/bk_once/deposit")
    expect(intents).toHaveLength(1)
    expectNoSecret(first)
  })

  it("answers a declined card with Rejected and the decline code", async () => {
    const integrations = fresh()
    const p = await integrations.pay(deposit("bk_declined", "pm_card_chargeDeclined"))
    expect(p).toMatchObject({ ok: false, reason: "Rejected", family: "request", declineCode: "generic_decline" })
    expectNoSecret(p)
  })

  it("queues a charge Stripe cannot take now", async () => {
    const integrations = fresh()
    down(world.simulators.stripe)
    const p = await integrations.pay(deposit("bk_queued"))
    expect(p).toMatchObject({ ok: true, status: "queued", reference: "wedsync/createPayment/bk_queued/deposit" })
    if (p.ok && p.status === "queued") expect(p.message).toContain("Your booking is secure")
  })
})

const URL = "https://hooks.wedsync.test/api/webhooks/stripe"
const requestOf = (id: string, tamper?: Webhooks.Tamper) => {
  const intent = {
    id: "pi_3WedSyncIntegrations",
    object: "payment_intent",
    amount: 50_000,
    currency: "gbp",
    metadata: { bookingId: "bk_hook" },
    status: "succeeded"
  } as unknown as StripeSim.PaymentIntent
  const event = StripeSim.events.paymentIntentSucceeded(intent, { id, created: Math.floor(Date.now() / 1000) })
  const credentials = world.simulators.stripe.credentials
  const sent = Webhooks.build(StripeSim.signer, credentials, event, URL, tamper === undefined ? {} : { tamper })
  return new Request(sent.url, { method: "POST", headers: sent.headers, body: sent.body })
}

describe("webhookHandler", () => {
  it("accepts a signed event (200), runs its handler once, and refuses a forged one (401)", async () => {
    const seen: Array<string> = []
    const integrations = fresh((options) => ({
      ...options,
      webhooks: {
        stripe: {
          secrets: [world.simulators.stripe.credentials.webhookSecret],
          on: { "payment_intent.succeeded": async (event) => void seen.push(event.id) }
        }
      }
    }))
    const POST = integrations.webhookHandler("stripe")
    expect((await POST(requestOf("evt_integrations_1"))).status).toBe(200)
    expect((await POST(requestOf("evt_integrations_1"))).status).toBe(200)
    expect((await POST(requestOf("evt_integrations_2", "wrongSecret"))).status).toBe(401)
    expect((await POST(requestOf("evt_integrations_3", "body"))).status).toBe(401)
    const started = Date.now()
    while (seen.length === 0 && Date.now() - started < 5_000) await new Promise((resolve) => setTimeout(resolve, 20))
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(seen).toEqual(["evt_integrations_1"])
  })

  it("throws a ConfigError naming a source that is not configured", () => {
    const integrations = fresh()
    expect(() => integrations.webhookHandler("twilio")).toThrow(
      expect.objectContaining({ _tag: "IntegrationsConfigError", field: "webhooks.twilio" })
    )
  })
})

describe("the registry and close", () => {
  it("returns the same runtime for the same name and configuration (hot reload)", async () => {
    const file = world.file()
    const first = createIntegrations(configFor(world.simulators, "hot-reload", file))
    opened.push(first)
    await first.start()
    // a module re-evaluated: a new options object and new handler functions, the same configuration
    const again = createIntegrations(configFor(world.simulators, "hot-reload", file))
    expect(again).toBe(first)
    expect(again.runtime).toBe(first.runtime)
  })

  it("runs the newest webhook handlers after a hot reload, on the same runtime", async () => {
    const file = world.file()
    const seen: Array<string> = []
    const withHandler = (label: string): Options.Options => {
      const options = configFor(world.simulators, "hot-handlers", file)
      return {
        ...options,
        webhooks: {
          stripe: {
            secrets: [world.simulators.stripe.credentials.webhookSecret],
            on: { "*": async (event) => void seen.push(`${label}:${event.id}`) }
          }
        }
      }
    }
    const first = createIntegrations(withHandler("old"))
    opened.push(first)
    const POST = first.webhookHandler("stripe")
    const reloaded = createIntegrations(withHandler("new"))
    expect(reloaded.runtime).toBe(first.runtime)
    expect((await POST(requestOf("evt_hot_1"))).status).toBe(200)
    const started = Date.now()
    while (seen.length === 0 && Date.now() - started < 5_000) await new Promise((resolve) => setTimeout(resolve, 20))
    expect(seen).toEqual(["new:evt_hot_1"])
  })

  it("closes the old runtime when the same name comes with another configuration", async () => {
    const file = world.file()
    const first = createIntegrations(configFor(world.simulators, "reconfigured", file))
    await first.start()
    const changed = configFor(world.simulators, "reconfigured", file)
    const second = createIntegrations({ ...changed, sms: undefined })
    opened.push(second)
    expect(second).not.toBe(first)
    await expect(first.notify({ to: ana, message: reminder })).rejects.toBeInstanceOf(ClosedError)
    expect(await second.notify({ to: ana, message: reminder, channels: ["email"] })).toMatchObject({ ok: true })
  })

  it("after close: calls reject with ClosedError, the webhook route answers 503, the name is free", async () => {
    const options = configFor(world.simulators, "closing", world.file())
    const integrations = createIntegrations(options)
    const POST = integrations.webhookHandler("stripe")
    await integrations.close()
    await integrations.close()
    const rejected = await integrations.notify({ to: ana, message: reminder }).catch((error: unknown) => error)
    expect(rejected).toMatchObject({ _tag: "IntegrationsClosedError" })
    await expect(integrations.pay({ bookingId: "b", instalment: 1, amount: 1, currency: "gbp" })).rejects.toThrow(
      /closed/
    )
    const answer = await POST(new Request("https://hooks.wedsync.test/", { method: "POST", body: "{}" }))
    expect(answer.status).toBe(503)
    expect(answer.headers.get("retry-after")).toBe("30")
    const reopened = createIntegrations(options)
    opened.push(reopened)
    expect(reopened).not.toBe(integrations)
  })

  it("never prints a secret: not in JSON, not in util.inspect", async () => {
    const integrations = fresh()
    await integrations.start()
    expectNoSecret(integrations)
    expect(JSON.parse(JSON.stringify(integrations))).toMatchObject({ _id: "Integrations", closed: false })
  })
})
