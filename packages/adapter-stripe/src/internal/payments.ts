/**
 * Core's payment models to Stripe's parameters and back: pure functions, so
 * what goes over the wire is decided in one place and tested without a
 * server. No Stripe type crosses the seam: `Payment` and `Refund` are core's.
 *
 * Every PaymentIntent the adapter creates carries its idempotency key in
 * metadata ({@link KEY_METADATA}), so a payment whose create was maybe sent
 * can be found by Stripe's search when the key can no longer be replayed.
 *
 * @internal
 */
import { Redacted } from "effect"
import { PaymentProvider } from "@wedsync/core"
import type StripeSdk from "stripe"

const PROVIDER = "stripe"

/** The metadata key under which a PaymentIntent keeps the idempotency key of its create. @internal */
export const KEY_METADATA = "wedsync_idempotency_key"

const STATUSES: ReadonlyArray<string> = PaymentProvider.PaymentStatus.literals

/** Stripe's status; one this adapter does not know yet counts as `processing` (not settled). @internal */
export const statusOf = (status: string): PaymentProvider.PaymentStatus =>
  STATUSES.includes(status) ? (status as PaymentProvider.PaymentStatus) : "processing"

/** A PaymentIntent as core's `Payment`. @internal */
export const toPayment = (intent: StripeSdk.PaymentIntent): PaymentProvider.Payment => ({
  provider: PROVIDER,
  id: intent.id,
  status: statusOf(intent.status),
  amount: intent.amount,
  amountCaptured: intent.amount_received,
  currency: intent.currency,
  metadata: { ...intent.metadata },
  createdAt: intent.created * 1000,
  ...(intent.client_secret ? { clientSecret: Redacted.make(intent.client_secret) } : {})
})

const REFUND_STATUSES: ReadonlyArray<string> = ["pending", "requires_action", "succeeded", "failed", "canceled"]

/** A Stripe refund as core's `Refund`; `paymentId` is the request's when Stripe expanded or omitted it. @internal */
export const toRefund = (refund: StripeSdk.Refund, paymentId: string): PaymentProvider.Refund => ({
  provider: PROVIDER,
  id: refund.id,
  paymentId: typeof refund.payment_intent === "string" ? refund.payment_intent : paymentId,
  amount: refund.amount,
  status: REFUND_STATUSES.includes(refund.status ?? "")
    ? (refund.status as PaymentProvider.Refund["status"])
    : "pending"
})

/** The record without its `undefined` fields (Stripe's types take no `undefined`). */
type Defined<A> = { [K in keyof A]?: Exclude<A[K], undefined> }
const defined = <A extends Record<string, unknown>>(record: A): Defined<A> =>
  Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Defined<A>

/**
 * The `POST /v1/payment_intents` parameters of a create. Redirect-based
 * payment methods are off, so confirming needs no `return_url`.
 *
 * @internal
 */
export const createParams = (request: PaymentProvider.CreatePaymentRequest): StripeSdk.PaymentIntentCreateParams => ({
  amount: request.amount,
  currency: request.currency,
  metadata: { ...request.metadata, [KEY_METADATA]: request.idempotencyKey },
  capture_method: request.captureMethod,
  automatic_payment_methods: { enabled: true, allow_redirects: "never" },
  ...defined({
    customer: request.customer,
    payment_method: request.paymentMethod,
    description: request.description,
    confirm: request.confirm
  })
})

/** The parameters of a confirm. @internal */
export const confirmParams = (options: PaymentProvider.ConfirmPaymentOptions): StripeSdk.PaymentIntentConfirmParams =>
  defined({ payment_method: options.paymentMethod, return_url: options.returnUrl })

/** The parameters of a capture. @internal */
export const captureParams = (options: PaymentProvider.CapturePaymentOptions): StripeSdk.PaymentIntentCaptureParams =>
  options.amount === undefined ? {} : { amount_to_capture: options.amount }

/** The parameters of a cancellation. @internal */
export const cancelParams = (options: PaymentProvider.CancelPaymentOptions): StripeSdk.PaymentIntentCancelParams =>
  options.reason === undefined ? {} : { cancellation_reason: options.reason }

/** The parameters of a refund. @internal */
export const refundParams = (request: PaymentProvider.RefundRequest): StripeSdk.RefundCreateParams => ({
  payment_intent: request.paymentId,
  ...defined({
    amount: request.amount,
    reason: request.reason,
    metadata: request.metadata === undefined ? undefined : { ...request.metadata }
  })
})

/** A string literal of Stripe's search language. @internal */
export const quote = (value: string): string => `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`

/** The search query for payments whose `metadata[key]` is `value`. @internal */
export const metadataQuery = (key: string, value: string): string => `metadata[${quote(key)}]:${quote(value)}`
