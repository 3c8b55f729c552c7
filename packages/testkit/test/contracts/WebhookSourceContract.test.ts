import { Effect, Layer } from "effect"
import { WebhookSource } from "@wedsync/core"
import { describe, expect, it } from "vitest"
import * as WebhookSourceContract from "../../src/contracts/WebhookSourceContract.ts"
import * as ResendSim from "../../src/simulators/resend.ts"
import * as StripeSim from "../../src/simulators/stripe.ts"
import * as ResendWebhooks from "../fixtures/webhooks/resend.ts"
import * as StripeWebhooks from "../fixtures/webhooks/stripe.ts"

const email: ResendSim.StoredEmail = {
  id: "4ef9a417-02e9-4d39-ad75-9611e0fcc33c",
  from: "planner@wedsync.test",
  to: ["couple@example.com"],
  subject: "Your final headcount is due Friday",
  createdAt: "2026-11-29T10:00:00.000Z",
  lastEvent: "delivered"
}

const resend: WebhookSourceContract.Options<ResendSim.State, ResendSim.Credentials> = {
  simulator: ResendSim.definition,
  layer: ResendWebhooks.layer,
  events: [ResendSim.events.email("delivered", email), ResendSim.events.email("bounced", email)]
}

WebhookSourceContract.suite("WebhookSourceContract: Resend reference source", resend)

const intent: StripeSim.PaymentIntent = {
  id: "pi_3QxWedsyncDeposit01",
  object: "payment_intent",
  amount: 250_000,
  amount_capturable: 0,
  amount_received: 250_000,
  allowed_payment_method_types: ["card"],
  automatic_payment_methods: null,
  canceled_at: null,
  cancellation_reason: null,
  capture_method: "automatic",
  client_secret: "pi_3QxWedsyncDeposit01_secret_test",
  confirmation_method: "automatic",
  created: 1_795_000_000,
  currency: "gbp",
  customer: null,
  description: "Venue deposit",
  last_payment_error: null,
  latest_charge: "ch_3QxWedsyncDeposit01",
  livemode: false,
  metadata: { weddingId: "w_contract" },
  next_action: null,
  payment_method: "pm_card_visa",
  payment_method_types: ["card"],
  receipt_email: null,
  status: "succeeded"
}

WebhookSourceContract.suite("WebhookSourceContract: Stripe reference source", {
  simulator: StripeSim.definition,
  layer: StripeWebhooks.layer,
  events: [StripeSim.events.paymentIntentSucceeded(intent), StripeSim.events.paymentIntentPaymentFailed(intent)]
})

const failedChecks = async (options: WebhookSourceContract.Options<ResendSim.State, ResendSim.Credentials>) =>
  (await WebhookSourceContract.verify(options)).filter((result) => !result.passed).map((result) => result.name)

describe("WebhookSourceContract fails against deliberately wrong sources", () => {
  it("a source that trusts every delivery", async () => {
    const trusting = Layer.succeed(
      WebhookSource.WebhookSource,
      WebhookSource.WebhookSource.of({
        provider: "resend",
        verify: (request) =>
          Effect.succeed({
            provider: "resend",
            id: request.headers["svix-id"] ?? "",
            type: "email",
            payload: request.body
          })
      })
    )
    const failed = await failedChecks({ ...resend, layer: () => trusting })
    expect(failed).toEqual([
      "refuses a delivery with a changed body as SignatureInvalid, revealing no secret",
      "refuses a delivery with a stale timestamp as SignatureInvalid, revealing no secret",
      "refuses a delivery with a wrong secret as SignatureInvalid, revealing no secret",
      "refuses a delivery with no signature header as SignatureInvalid, revealing no secret",
      "refuses an authentic but unreadable payload as PayloadInvalid"
    ])
  })

  it("a source that dedupes on a fresh id per delivery", async () => {
    let deliveries = 0
    const failed = await failedChecks({
      ...resend,
      layer: (target) =>
        Layer.effect(
          WebhookSource.WebhookSource,
          Effect.map(Effect.service(WebhookSource.WebhookSource), (original) => ({
            ...original,
            verify: (request: WebhookSource.WebhookRequest) =>
              Effect.map(original.verify(request), (event) => ({ ...event, id: `${event.id}-${++deliveries}` }))
          }))
        ).pipe(Layer.provide(ResendWebhooks.layer(target)))
    })
    expect(failed).toEqual(["a duplicate delivery has the same id"])
  })

  it("a source whose refusals quote the secret", async () => {
    const failed = await failedChecks({
      ...resend,
      layer: (target) =>
        Layer.effect(
          WebhookSource.WebhookSource,
          Effect.map(Effect.service(WebhookSource.WebhookSource), (original) => ({
            ...original,
            verify: (request: WebhookSource.WebhookRequest) =>
              original
                .verify(request)
                .pipe(
                  Effect.mapError((error) =>
                    Object.assign(error, { providerCode: `checked with ${target.credentials.webhookSecret}` })
                  )
                )
          }))
        ).pipe(Layer.provide(ResendWebhooks.layer(target)))
    })
    expect(failed).toContain("refuses a delivery with a wrong secret as SignatureInvalid, revealing no secret")
  })
})
