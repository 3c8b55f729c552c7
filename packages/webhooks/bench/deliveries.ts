/**
 * Genuine signed Stripe deliveries for the ingestion bench, each a distinct
 * event (so de-duplication never turns the load into duplicates).
 *
 * One `payment_intent.succeeded` is built and signed by the testkit's Stripe
 * simulator (`Webhooks.build` with `StripeSim.signer`); every other delivery
 * is that body with its own fixed-width event id, signed again with the
 * simulator's `signature`: the same bytes and header the simulator would
 * produce for that id (checked on the first one), at a fraction of the cost,
 * so a large pool can be signed before the load starts. Past the pool, a
 * delivery is signed when it is asked for.
 */
import { Webhooks } from "@wedsync/testkit"
import * as StripeSim from "@wedsync/testkit/simulators/stripe"

/** One request, ready for autocannon (the body already bytes: the load generator does not encode it per request). */
export interface Delivery {
  readonly id: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: Buffer
}

/** The deliveries of one run: `at(index)` is the index-th distinct event. */
export interface Deliveries {
  readonly at: (index: number) => Delivery
  /** How many were signed before the load. */
  readonly pooled: number
  /** Size of each body in bytes. */
  readonly bodyBytes: number
  /** The index a delivery's event id was built from (`undefined` for an id not made here). */
  readonly indexOf: (eventId: string) => number | undefined
}

export const credentials = StripeSim.definition.credentials

const PREFIX = "evt_bench"
const WIDTH = 12
const eventId = (index: number) => `${PREFIX}${String(index).padStart(WIDTH, "0")}`

/** A succeeded deposit as Stripe sends it, about 2 KB pretty-printed with its event envelope. */
const intent: StripeSim.PaymentIntent = {
  id: "pi_3QwEdSyncDeposit000001",
  object: "payment_intent",
  amount: 250_000,
  amount_capturable: 0,
  amount_received: 250_000,
  allowed_payment_method_types: ["card", "link"],
  automatic_payment_methods: { enabled: true, allow_redirects: "never" },
  canceled_at: null,
  cancellation_reason: null,
  capture_method: "automatic_async",
  client_secret: "pi_3QwEdSyncDeposit000001_secret_Bq9vWm3sXk2LrT8yHn4cZp7Ed",
  confirmation_method: "automatic",
  created: 1_796_500_000,
  currency: "gbp",
  customer: "cus_RsWedSyncCouple0042",
  description: "Venue deposit — The Old Barn, Saturday 12 June, 120 guests",
  last_payment_error: null,
  latest_charge: "ch_3QwEdSyncDeposit000001",
  livemode: false,
  metadata: {
    weddingId: "w_01JH8Z6K4Q2B7M9X3C5V1N0P8R",
    bookingId: "b_01JH8Z7A2D4F6G8H0J2K4L6M8N",
    supplierId: "s_01JH8Z7T9W1Y3Z5A7C9E1G3I5K",
    invoiceNumber: "INV-2026-000417",
    instalment: "deposit-1-of-3",
    coupleEmail: "alex.and.sam@example.com",
    plannerId: "p_01JH8Z8B5D7F9H1J3L5N7P9R1T",
    weddingDate: "2027-06-12",
    vendorType: "venue",
    source: "wedsync-checkout",
    correlationId: "c_5f3b9a2e-8d41-4c67-b0a9-2e6f1d7c3b84"
  },
  next_action: null,
  payment_method: "pm_1QwEdSyncCardVisa4242",
  payment_method_types: ["card", "link"],
  receipt_email: "alex.and.sam@example.com",
  status: "succeeded"
}

const sign = (template: string, index: number, timestamp: number): Delivery => {
  const id = eventId(index)
  const body = template.replace(eventId(0), id)
  return {
    id,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
      "stripe-signature": StripeSim.signature(body, credentials.webhookSecret, timestamp)
    },
    body: Buffer.from(body)
  }
}

/**
 * Signs `pooled` deliveries now (distinct event ids `0..pooled-1`), signed
 * at the current time: Stripe's 5-minute tolerance covers the whole bench.
 */
export const make = (pooled: number, url: string): Deliveries => {
  const timestamp = Math.floor(Date.now() / 1000)
  const event = StripeSim.events.paymentIntentSucceeded(intent, {
    id: eventId(0),
    created: timestamp,
    request: { id: "req_WedSyncConfirm0001", idempotencyKey: "b_01JH8Z7A2D4F6G8H0J2K4L6M8N:deposit-1" }
  })
  const reference = Webhooks.build(StripeSim.signer, credentials, event, url, { timestamp })
  const template = reference.body
  const pool = Array.from({ length: pooled }, (_, index) => sign(template, index, timestamp))
  const first = pool[0] ?? sign(template, 0, timestamp)
  if (
    !first.body.equals(Buffer.from(reference.body)) ||
    JSON.stringify(first.headers) !== JSON.stringify(reference.headers)
  )
    throw new Error("a pooled delivery differs from the one the Stripe simulator builds")
  return {
    at: (index) => pool[index] ?? sign(template, index, Math.floor(Date.now() / 1000)),
    pooled,
    bodyBytes: Buffer.byteLength(template),
    indexOf: (id) => {
      if (!id.startsWith(PREFIX) || id.length !== PREFIX.length + WIDTH) return undefined
      const index = Number(id.slice(PREFIX.length))
      return Number.isInteger(index) ? index : undefined
    }
  }
}
