/**
 * Stripe webhook events and their signature.
 *
 * Events have Stripe's shape (`id: evt_…`, `object: "event"`, `type`,
 * `created`, `data.object`, `livemode`, `api_version`, `pending_webhooks`,
 * `request: { id, idempotency_key }`), pretty-printed as Stripe sends them.
 * Deliveries carry `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256(whsec_…,
 * "<t>.<raw body>")>`, which `stripe.webhooks.constructEvent` verifies.
 *
 * @since 0.1.0
 */
import { createHmac, randomBytes } from "node:crypto"
import type { Signer, WebhookEvent } from "../../Webhooks.ts"
import type { Charge, Credentials, PaymentIntent } from "./model.ts"
import { API_VERSION } from "./wire.ts"

/** Where an event came from and when. @since 0.1.0 */
export interface EventOptions {
  /** `evt_…`; random by default. */
  readonly id?: string
  /** Unix seconds; now by default. */
  readonly created?: number
  /** The API request that caused it (`null` id for events Stripe raises on its own). */
  readonly request?: { readonly id: string | null; readonly idempotencyKey: string | null }
  readonly apiVersion?: string
}

const eventId = () => `evt_${randomBytes(18).toString("base64url").replace(/[-_]/g, "x").slice(0, 24)}`

const event = (type: string, object: PaymentIntent | Charge, options: EventOptions = {}): WebhookEvent => {
  const id = options.id ?? eventId()
  const body = {
    id,
    object: "event",
    api_version: options.apiVersion ?? API_VERSION,
    created: options.created ?? Math.floor(Date.now() / 1000),
    data: { object: structuredClone(object) },
    livemode: false,
    pending_webhooks: 1,
    request: { id: options.request?.id ?? null, idempotency_key: options.request?.idempotencyKey ?? null },
    type
  }
  return {
    id,
    type,
    contentType: "application/json; charset=utf-8",
    body: JSON.stringify(body, null, 2),
    headers: { "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)" }
  }
}

/**
 * `payment_intent.succeeded`: the payment completed (captured).
 *
 * @example
 * ```ts
 * const delivery = sim.buildWebhook(Stripe.events.paymentIntentSucceeded(intent))
 * ```
 * @since 0.1.0
 */
export const paymentIntentSucceeded = (intent: PaymentIntent, options?: EventOptions): WebhookEvent =>
  event("payment_intent.succeeded", intent, options)

/** `payment_intent.payment_failed`: a confirmation was declined. @since 0.1.0 */
export const paymentIntentPaymentFailed = (intent: PaymentIntent, options?: EventOptions): WebhookEvent =>
  event("payment_intent.payment_failed", intent, options)

/** `payment_intent.amount_capturable_updated`: a manual-capture payment was authorised. @since 0.1.0 */
export const paymentIntentAmountCapturableUpdated = (intent: PaymentIntent, options?: EventOptions): WebhookEvent =>
  event("payment_intent.amount_capturable_updated", intent, options)

/** `payment_intent.requires_action`: the customer must authenticate (3D Secure). @since 0.1.0 */
export const paymentIntentRequiresAction = (intent: PaymentIntent, options?: EventOptions): WebhookEvent =>
  event("payment_intent.requires_action", intent, options)

/** `charge.refunded`: all or part of a charge was refunded. @since 0.1.0 */
export const chargeRefunded = (charge: Charge, options?: EventOptions): WebhookEvent =>
  event("charge.refunded", charge, options)

/**
 * The `Stripe-Signature` value for a raw body.
 *
 * @example
 * ```ts
 * const header = Stripe.signature(rawBody, "whsec_…", Math.floor(Date.now() / 1000))
 * stripe.webhooks.constructEvent(rawBody, header, "whsec_…")
 * ```
 * @since 0.1.0
 */
export const signature = (body: string, secret: string, timestamp: number): string =>
  `t=${timestamp},v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`, "utf8").digest("hex")}`

/**
 * Stripe's webhook signing scheme for the simulator's deliveries.
 *
 * @since 0.1.0
 */
export const signer: Signer<Credentials> = {
  secret: (credentials) => credentials.webhookSecret,
  wrongSecret: "whsec_WrongSecretNotTheEndpointsOne00000",
  signatureHeaders: ["stripe-signature"],
  timestamped: true,
  sign: ({ body, secret, timestamp }) => ({ headers: { "stripe-signature": signature(body, secret, timestamp) } })
}
