/**
 * The Stripe webhook source: the webhook contract against the simulator's
 * signer (one secret, and two while rolling the secret), several `v1`
 * signatures in one header, the tolerance edges against `receivedAt`,
 * timestamps that are not plain digits (which the SDK's `constructEvent`
 * lets through), each event type decoded, unknown types recorded,
 * configuration errors, and agreement with the SDK on authentic deliveries.
 */
import { Config, ConfigProvider, type Duration, Effect, Exit, Layer, Redacted } from "effect"
import type { WebhookSource } from "@wedsync/core"
import { Webhooks, WebhookSourceContract } from "@wedsync/testkit"
import * as StripeSim from "@wedsync/testkit/simulators/stripe"
import StripeSdk from "stripe"
import { describe, expect, it } from "vitest"
import { StripeWebhooks } from "../src/index.ts"
import { sign } from "../src/internal/stripeSignature.ts"
import { failureOf, successOf, verifyWith } from "./fixtures/exits.ts"

const credentials = StripeSim.definition.credentials
const SECRET = credentials.webhookSecret
const OLD_SECRET = "whsec_OldEndpointSecretBeforeTheRoll000000"
const URL = "https://hooks.wedsync.test/stripe"
const T = 1_795_000_000

const intent = (status: string) =>
  ({
    id: "pi_3WedSyncDeposit0001",
    object: "payment_intent",
    amount: 50_000,
    amount_capturable: 0,
    amount_received: status === "succeeded" ? 50_000 : 0,
    capture_method: "automatic",
    client_secret: "pi_3WedSyncDeposit0001_secret_x",
    confirmation_method: "automatic",
    created: T - 60,
    currency: "gbp",
    customer: null,
    description: "Venue deposit",
    last_payment_error: null,
    latest_charge: "ch_3WedSyncCharge0001",
    livemode: false,
    metadata: { weddingId: "w_123", bookingId: "b_77" },
    payment_method: "pm_card_visa",
    status
  }) as unknown as StripeSim.PaymentIntent

const charge = {
  id: "ch_3WedSyncCharge0001",
  object: "charge",
  amount: 50_000,
  amount_refunded: 5_000,
  currency: "gbp",
  payment_intent: "pi_3WedSyncDeposit0001",
  refunded: false
} as unknown as StripeSim.Charge

/** An event of a type the simulator has no builder for, in Stripe's shape. */
const event = (type: string, object: Record<string, unknown>, id = `evt_${type.replace(/\W/g, "")}0001`) => {
  const body = {
    id,
    object: "event",
    api_version: "2026-10-28.endive",
    created: T,
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type
  }
  return { id, type, contentType: "application/json; charset=utf-8", body: JSON.stringify(body, null, 2) }
}

const dispute = event("charge.dispute.created", {
  id: "dp_1WedSyncDispute01",
  object: "dispute",
  amount: 50_000,
  currency: "gbp",
  charge: "ch_3WedSyncCharge0001",
  payment_intent: "pi_3WedSyncDeposit0001",
  reason: "fraudulent",
  status: "needs_response"
})

const source = (secret: string | ReadonlyArray<string>, tolerance?: Duration.Input) =>
  StripeWebhooks.layer({
    secret: typeof secret === "string" ? Redacted.make(secret) : secret.map((one) => Redacted.make(one)),
    ...(tolerance === undefined ? {} : { tolerance })
  })

WebhookSourceContract.suite("WebhookSourceContract: StripeWebhooks", {
  simulator: StripeSim.definition,
  layer: (target) => StripeWebhooks.layer({ secret: Redacted.make(target.credentials.webhookSecret) }),
  events: [
    StripeSim.events.paymentIntentSucceeded(intent("succeeded")),
    StripeSim.events.chargeRefunded(charge),
    dispute
  ]
})

WebhookSourceContract.suite("WebhookSourceContract: StripeWebhooks while rolling the secret", {
  simulator: StripeSim.definition,
  layer: (target) => source([OLD_SECRET, target.credentials.webhookSecret]),
  events: [
    StripeSim.events.paymentIntentPaymentFailed(intent("requires_payment_method")),
    StripeSim.events.paymentIntentRequiresAction(intent("requires_action"))
  ]
})

const succeeded = StripeSim.events.paymentIntentSucceeded(intent("succeeded"), {
  id: "evt_1WedSyncSucceeded01",
  created: T
})

const request = (body: string, header: string | undefined, receivedAtSeconds = T): WebhookSource.WebhookRequest =>
  Webhooks.toRequest(
    { url: URL, headers: header === undefined ? {} : { "stripe-signature": header }, body },
    { receivedAt: receivedAtSeconds * 1000 }
  )

const signed = (body: string, options: { readonly timestamp?: number; readonly secret?: string } = {}) => {
  const t = String(options.timestamp ?? T)
  return `t=${t},v1=${sign(options.secret ?? SECRET, t, body)}`
}

describe("StripeWebhooks signatures", () => {
  it("accepts any v1 among several, under any configured secret, and refuses when none matches", async () => {
    const body = succeeded.body
    const both = `t=${T},v1=${sign(OLD_SECRET, String(T), body)},v1=${sign(SECRET, String(T), body)},v0=00`
    for (const secret of [SECRET, OLD_SECRET]) {
      expect(successOf(await verifyWith(source(secret), request(body, both))).id).toBe("evt_1WedSyncSucceeded01")
    }
    const refused = failureOf(await verifyWith(source("whsec_ThirdSecretNobodySignedWith00000"), request(body, both)))
    expect(refused.reason._tag).toBe("SignatureInvalid")
  })

  it("keeps Stripe's 300 s tolerance either way of receivedAt, and a configured one", async () => {
    const body = succeeded.body
    const header = signed(body)
    for (const offset of [-300, 0, 300]) {
      expect(Exit.isSuccess(await verifyWith(source(SECRET), request(body, header, T + offset)))).toBe(true)
    }
    for (const offset of [-301, 301]) {
      const refused = failureOf(await verifyWith(source(SECRET), request(body, header, T + offset)))
      expect(refused.reason).toMatchObject({ _tag: "SignatureInvalid" })
      expect(refused.message).toContain("tolerance")
    }
    expect(Exit.isSuccess(await verifyWith(source(SECRET, "10 minutes"), request(body, header, T + 599)))).toBe(true)
  })

  it("refuses a missing, non-numeric, doubled or signature-less timestamp, which the SDK lets through", async () => {
    const body = succeeded.body
    const sdk = new StripeSdk("sk_test_unused")
    // Signed over "NaN.<body>": the SDK reads t=abc as NaN, signs with it, and no age check refuses NaN.
    const nan = `t=abc,v1=${sign(SECRET, "NaN", body)}`
    expect(sdk.webhooks.constructEvent(body, nan, SECRET).id).toBe("evt_1WedSyncSucceeded01")
    const suffixed = `t=${T}abc,v1=${sign(SECRET, String(T), body)}`
    const headers = [
      nan,
      suffixed,
      `t=-${T},v1=${sign(SECRET, `-${T}`, body)}`,
      `t=${T}.5,v1=${sign(SECRET, `${T}.5`, body)}`,
      `v1=${sign(SECRET, String(T), body)}`,
      `t=${T},t=${T},v1=${sign(SECRET, String(T), body)}`,
      `t=${T}`,
      ""
    ]
    for (const header of headers) {
      const refused = failureOf(await verifyWith(source(SECRET), request(body, header)))
      expect([header, refused.reason._tag]).toEqual([header, "SignatureInvalid"])
      expect(refused.message.includes(SECRET)).toBe(false)
    }
    expect(failureOf(await verifyWith(source(SECRET), request(body, undefined))).reason._tag).toBe("SignatureInvalid")
  })

  it("agrees with the SDK's constructEvent on authentic deliveries", async () => {
    const sdk = new StripeSdk("sk_test_unused")
    for (const delivery of [succeeded, StripeSim.events.chargeRefunded(charge), dispute]) {
      const now = Math.floor(Date.now() / 1000)
      const header = sdk.webhooks.generateTestHeaderString({ payload: delivery.body, secret: SECRET, timestamp: now })
      expect(sdk.webhooks.constructEvent(delivery.body, header, SECRET).id).toBe(delivery.id)
      expect(successOf(await verifyWith(source(SECRET), request(delivery.body, header, now))).id).toBe(delivery.id)
    }
  })
})

describe("StripeWebhooks events", () => {
  const verified = async (delivery: { readonly body: string }) =>
    successOf(await verifyWith(source(SECRET), request(delivery.body, signed(delivery.body))))

  it.each(StripeWebhooks.knownTypes)("decodes %s", async (type) => {
    const object = type.startsWith("payment_intent.")
      ? intent(type === "payment_intent.succeeded" ? "succeeded" : "processing")
      : type === "charge.refunded"
        ? charge
        : JSON.parse(dispute.body).data.object
    const verifiedEvent = await verified(event(type, object as unknown as Record<string, unknown>))
    expect(verifiedEvent).toMatchObject({ provider: "stripe", type, occurredAt: T * 1000 })
  })

  it("records an unknown event type as it came, not as an error", async () => {
    const unknown = event("customer.subscription.paused", { id: "sub_1", object: "subscription" })
    const verifiedEvent = await verified(unknown)
    expect(verifiedEvent).toMatchObject({ id: unknown.id, type: "customer.subscription.paused" })
    expect(verifiedEvent.payload).toMatchObject({ data: { object: { id: "sub_1" } } })
  })

  it("refuses a known type without its object, and a body that is not a Stripe event, as PayloadInvalid", async () => {
    for (const body of [
      event("payment_intent.succeeded", { id: "ch_wrong", object: "charge" }).body,
      JSON.stringify({ id: "nope", type: "payment_intent.succeeded" }),
      "[1, 2"
    ]) {
      const error = failureOf(await verifyWith(source(SECRET), request(body, signed(body))))
      expect(error.reason._tag).toBe("PayloadInvalid")
    }
  })
})

describe("StripeWebhooks configuration", () => {
  it("refuses no secret, a secret that is not whsec_, and a tolerance no timer can hold, as Misconfigured", async () => {
    for (const layer of [
      source([]),
      source("sk_test_notAWebhookSecret"),
      source(" "),
      source(SECRET, "-5 seconds"),
      source(SECRET, "0 seconds")
    ]) {
      const exit = await Effect.runPromiseExit(Layer.build(layer).pipe(Effect.scoped))
      const error = failureOf(exit)
      expect(error.reason._tag).toBe("Misconfigured")
      expect(error.message.includes("sk_test_notAWebhookSecret")).toBe(false)
    }
  })

  it("reads its secrets from Config", async () => {
    const layer = StripeWebhooks.layerConfig({ secret: Config.Redacted("STRIPE_WEBHOOK_SECRET") }).pipe(
      Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ STRIPE_WEBHOOK_SECRET: SECRET })))
    )
    expect(successOf(await verifyWith(layer, request(succeeded.body, signed(succeeded.body)))).id).toBe(succeeded.id)
    const missing = StripeWebhooks.layerConfig({ secret: Config.Redacted("STRIPE_WEBHOOK_SECRET") }).pipe(
      Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({})))
    )
    expect(failureOf(await verifyWith(missing, request(succeeded.body, signed(succeeded.body)))).reason._tag).toBe(
      "Misconfigured"
    )
  })
})
