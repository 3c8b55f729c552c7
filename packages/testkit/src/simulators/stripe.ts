/**
 * A Stripe simulator that the real `stripe` SDK talks to unchanged
 * (`new Stripe(key, { host: "127.0.0.1", port: sim.port, protocol: "http" })`).
 *
 * - Routes: `POST /v1/payment_intents` (with `confirm`, `capture_method`,
 *   `payment_method`, `metadata[...]`), `POST /v1/payment_intents/:id/confirm`,
 *   `POST /v1/payment_intents/:id/capture` (`amount_to_capture`),
 *   `POST /v1/payment_intents/:id/cancel` (`cancellation_reason`; a succeeded
 *   or canceled one is a 400 `payment_intent_unexpected_state`),
 *   `GET /v1/payment_intents/:id` (`expand[]=latest_charge`),
 *   `GET /v1/payment_intents/search` (Stripe's query language, e.g.
 *   `metadata['weddingId']:'w_1'`; `search_result` pages) and `POST /v1/refunds`.
 *   Form-encoded bodies; unknown parameters, missing or malformed ones get
 *   Stripe's 400s (`parameter_unknown`, `parameter_missing`,
 *   `parameter_invalid_integer`, `amount_too_small`, …).
 * - Statuses: `requires_payment_method` → `requires_confirmation` (a payment
 *   method given) → `succeeded`, or `requires_capture` with
 *   `capture_method=manual` until captured; `requires_action` for 3D Secure
 *   cards. As on Stripe's current API versions, PaymentIntents accept the
 *   Dashboard's payment methods by default, so confirming needs a `return_url`
 *   unless `automatic_payment_methods[allow_redirects]=never` or
 *   `payment_method_types` were given.
 * - Test cards: `pm_card_visa`, `pm_card_visa_debit`, `pm_card_mastercard`,
 *   `pm_card_amex`, `pm_card_discover` succeed; `pm_card_chargeDeclined` →
 *   402 `card_declined`/`generic_decline`; `…InsufficientFunds`, `…LostCard`,
 *   `…StolenCard`, `…Fraudulent` → `card_declined` with that decline code;
 *   `…ExpiredCard` → `expired_card`; `…IncorrectCvc` → `incorrect_cvc`;
 *   `…ProcessingError` → `processing_error`; `pm_card_authenticationRequired`
 *   and `pm_card_threeDSecure2Required` → `requires_action`. Any other
 *   PaymentMethod is `resource_missing`. Customers: any `cus_…` is accepted.
 * - Auth: `Authorization: Bearer sk_…` (or Basic); a wrong key → 401 with the
 *   key masked as Stripe prints it (`sk_test_****…abcd`).
 * - Every answer has `request-id` and `stripe-version`; POSTs echo
 *   `idempotency-key` and carry `original-request`.
 * - Idempotency as Stripe documents it (see `stripe/endpoint.ts`): replay with
 *   `Idempotent-Replayed: true`, 400 `idempotency_error` for other parameters,
 *   409 `idempotency_key_in_use` while the first is in flight (make the window
 *   observable with `sim.state.processingMillis`).
 * - Ledger side effects: `payment_intent` per create, `capture`, `refund`,
 *   each under the request's idempotency key (`key`), and `charge` per
 *   confirmation attempt (successful or declined), unkeyed so that one key
 *   counts one payment (its key is in `data.idempotencyKey`).
 * - Webhooks: `payment_intent.succeeded`, `.payment_failed`,
 *   `.amount_capturable_updated`, `.requires_action`, `charge.refunded`,
 *   signed with `Stripe-Signature` (`stripe.webhooks.constructEvent` verifies them).
 *
 * @example
 * ```ts
 * import StripeSdk from "stripe"
 * import { Simulator } from "@wedsync/testkit"
 * import * as Stripe from "@wedsync/testkit/simulators/stripe"
 *
 * const sim = await Simulator.start(Stripe.definition)
 * const stripe = new StripeSdk(sim.credentials.secretKey, {
 *   host: "127.0.0.1", port: sim.port, protocol: "http", maxNetworkRetries: 0, timeout: 5_000
 * })
 * const intent = await stripe.paymentIntents.create(
 *   { amount: 2000, currency: "usd", payment_method: "pm_card_visa", confirm: true,
 *     automatic_payment_methods: { enabled: true, allow_redirects: "never" }, metadata: { weddingId: "w_1" } },
 *   { idempotencyKey: "deposit-w_1" }
 * )
 * ```
 *
 * @since 0.1.0
 */
import type { Definition } from "../Simulator.ts"
import { defaultErrors, errors } from "./stripe/catalogue.ts"
import * as Events from "./stripe/events.ts"
import { type Credentials, emptyState, type State } from "./stripe/model.ts"
import { routes as paymentIntentRoutes } from "./stripe/paymentIntents.ts"
import { route as refundRoute } from "./stripe/refunds.ts"
import { route as searchRoute } from "./stripe/search.ts"
import { invalidApiKey, presentedKey, responseHeaders, stripeError } from "./stripe/wire.ts"

export type { Charge, Credentials, PaymentIntent, PaymentIntentStatus, Refund, State } from "./stripe/model.ts"
export type { EventOptions } from "./stripe/events.ts"

/** The operations faults can target. @since 0.1.0 */
export const operations = [
  "payment_intents.create",
  "payment_intents.confirm",
  "payment_intents.capture",
  "payment_intents.cancel",
  "payment_intents.retrieve",
  "payment_intents.search",
  "refunds.create"
] as const

/**
 * Builders of the Stripe events the simulator sends, for tests that deliver
 * their own (`sim.deliver(sim.buildWebhook(Stripe.events.paymentIntentSucceeded(intent)))`).
 *
 * @since 0.1.0
 */
export const events = {
  paymentIntentSucceeded: Events.paymentIntentSucceeded,
  paymentIntentPaymentFailed: Events.paymentIntentPaymentFailed,
  paymentIntentAmountCapturableUpdated: Events.paymentIntentAmountCapturableUpdated,
  paymentIntentRequiresAction: Events.paymentIntentRequiresAction,
  chargeRefunded: Events.chargeRefunded
} as const

/** Stripe's `Stripe-Signature` scheme. @since 0.1.0 */
export const signer = Events.signer

/** The `Stripe-Signature` header value for a raw body, secret and unix timestamp. @since 0.1.0 */
export const signature = Events.signature

/**
 * The Stripe simulator.
 *
 * @example
 * ```ts
 * const sim = await Simulator.start(Stripe.definition, { seed: 7, webhookUrl: "http://127.0.0.1:4000/hooks" })
 * sim.faults.add(Faults.rule(Faults.error("card_declined"), { operation: "payment_intents.create", times: 1 }))
 * ```
 * @since 0.1.0
 */
export const definition: Definition<State, Credentials> = {
  provider: "stripe",
  credentials: {
    secretKey: "sk_test_51SimWedSyncKey0000000000000000000000000000000000000000000000000000000000000000",
    webhookSecret: "whsec_SimWedSyncEndpointSecret00000000000"
  },
  state: emptyState,
  routes: [searchRoute, ...paymentIntentRoutes, refundRoute],
  authenticate: (request, credentials) =>
    presentedKey(request) === credentials.secretKey ? undefined : invalidApiKey(request),
  errors,
  defaultErrors,
  notFound: (request) =>
    stripeError(request, 404, {
      type: "invalid_request_error",
      message:
        `Unrecognized request URL (${request.method}: ${request.path}). Please see https://stripe.com/docs ` +
        "or we can help at https://support.stripe.com/."
    }),
  invalidBody: (request) =>
    stripeError(request, 400, {
      type: "invalid_request_error",
      message:
        "Invalid request (check that your POST content type is application/x-www-form-urlencoded). " +
        "If you have any questions, we can help at https://support.stripe.com/."
    }),
  responseHeaders,
  signer
}
