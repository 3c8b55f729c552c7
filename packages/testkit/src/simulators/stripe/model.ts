/**
 * The Stripe simulator's state and the objects it holds, in Stripe's own JSON
 * shapes (snake_case, `object` discriminators, unix-second `created`), plus
 * Stripe's documented test payment methods and what confirming each one does.
 *
 * @internal
 */
import { IdempotencyStore } from "../../internal/idempotency.ts"
import { own } from "../../internal/records.ts"

/** Credentials the simulator accepts and signs webhooks with. @since 0.1.0 */
export interface Credentials {
  /** The secret API key (`sk_test_…`) sent as `Authorization: Bearer`. */
  readonly secretKey: string
  /** The webhook endpoint's signing secret (`whsec_…`). */
  readonly webhookSecret: string
}

/** A PaymentIntent's status, as Stripe names it. @since 0.1.0 */
export type PaymentIntentStatus =
  | "requires_payment_method"
  | "requires_confirmation"
  | "requires_action"
  | "processing"
  | "requires_capture"
  | "canceled"
  | "succeeded"

/** A PaymentIntent in Stripe's JSON shape (the fields the simulator models). @since 0.1.0 */
export interface PaymentIntent {
  readonly id: string
  readonly object: "payment_intent"
  amount: number
  amount_capturable: number
  amount_received: number
  allowed_payment_method_types: Array<string> | null
  automatic_payment_methods: { readonly enabled: boolean; readonly allow_redirects?: string } | null
  canceled_at: number | null
  cancellation_reason: string | null
  capture_method: string
  readonly client_secret: string
  confirmation_method: string
  readonly created: number
  currency: string
  customer: string | null
  description: string | null
  last_payment_error: Record<string, unknown> | null
  latest_charge: string | Charge | null
  readonly livemode: false
  metadata: Record<string, string>
  next_action: Record<string, unknown> | null
  payment_method: string | null
  payment_method_types: Array<string>
  receipt_email: string | null
  status: PaymentIntentStatus
}

/** A Charge in Stripe's JSON shape. @since 0.1.0 */
export interface Charge {
  readonly id: string
  readonly object: "charge"
  readonly amount: number
  amount_captured: number
  amount_refunded: number
  readonly balance_transaction: string | null
  captured: boolean
  readonly created: number
  readonly currency: string
  readonly failure_code: string | null
  readonly failure_message: string | null
  readonly livemode: false
  readonly metadata: Record<string, string>
  readonly outcome: Record<string, unknown>
  readonly paid: boolean
  readonly payment_intent: string
  readonly payment_method: string
  readonly payment_method_details: Record<string, unknown>
  refunded: boolean
  readonly status: "succeeded" | "failed"
}

/** A Refund in Stripe's JSON shape. @since 0.1.0 */
export interface Refund {
  readonly id: string
  readonly object: "refund"
  readonly amount: number
  readonly balance_transaction: string
  readonly charge: string
  readonly created: number
  readonly currency: string
  readonly metadata: Record<string, string>
  readonly payment_intent: string
  readonly reason: string | null
  readonly receipt_number: null
  readonly status: "pending" | "succeeded" | "failed" | "canceled" | "requires_action"
}

/** A PaymentIntent and what the simulator keeps beside it. @internal */
export interface IntentRecord {
  readonly intent: PaymentIntent
  returnUrl: string | undefined
  /** When Stripe's search index shows it (epoch milliseconds). */
  readonly searchableAt: number
}

/**
 * The Stripe simulator's state. Tests may tune the two timing knobs after
 * `sim.reset()`.
 *
 * @since 0.1.0
 */
export interface State {
  readonly paymentIntents: Map<string, IntentRecord>
  readonly charges: Map<string, Charge>
  readonly refunds: Map<string, Refund>
  /** PaymentMethods minted from `pm_card_*` shortcuts → the test card they stand for. */
  readonly paymentMethods: Map<string, string>
  readonly idempotency: IdempotencyStore
  /** How long a POST holds its idempotency key in flight (a concurrent retry then gets 409). Default 0. */
  processingMillis: number
  /** How long a new PaymentIntent takes to appear in search (Stripe: under a minute). Default 0. */
  searchDelayMillis: number
}

/** A fresh, empty state. @internal */
export const emptyState = (): State => ({
  paymentIntents: new Map(),
  charges: new Map(),
  refunds: new Map(),
  paymentMethods: new Map(),
  idempotency: new IdempotencyStore(),
  processingMillis: 0,
  searchDelayMillis: 0
})

/** What confirming with a test card does. @internal */
export type CardOutcome =
  | { readonly _tag: "Succeed" }
  | { readonly _tag: "RequireAction" }
  | {
      readonly _tag: "Decline"
      readonly code: string
      readonly declineCode: string
      readonly message: string
      readonly param?: string
    }

/** One of Stripe's test cards. @internal */
export interface TestCard {
  readonly brand: string
  readonly last4: string
  readonly funding: "credit" | "debit"
  readonly outcome: CardOutcome
}

const succeed: CardOutcome = { _tag: "Succeed" }
const declined = (declineCode: string, message = "Your card was declined."): CardOutcome => ({
  _tag: "Decline",
  code: "card_declined",
  declineCode,
  message
})
const visa = (last4: string, outcome: CardOutcome): TestCard => ({ brand: "visa", last4, funding: "credit", outcome })

/**
 * Stripe's test PaymentMethods (https://docs.stripe.com/testing) and their outcome on confirmation.
 *
 * @internal
 */
export const testCards: Readonly<Record<string, TestCard>> = {
  pm_card_visa: visa("4242", succeed),
  pm_card_visa_debit: { brand: "visa", last4: "5556", funding: "debit", outcome: succeed },
  pm_card_mastercard: { brand: "mastercard", last4: "4444", funding: "credit", outcome: succeed },
  pm_card_amex: { brand: "amex", last4: "8431", funding: "credit", outcome: succeed },
  pm_card_discover: { brand: "discover", last4: "1117", funding: "credit", outcome: succeed },
  pm_card_chargeDeclined: visa("0002", declined("generic_decline")),
  pm_card_chargeDeclinedInsufficientFunds: visa(
    "9995",
    declined("insufficient_funds", "Your card has insufficient funds.")
  ),
  pm_card_chargeDeclinedLostCard: visa("9987", declined("lost_card")),
  pm_card_chargeDeclinedStolenCard: visa("9979", declined("stolen_card")),
  pm_card_chargeDeclinedFraudulent: visa("0019", declined("fraudulent")),
  pm_card_chargeDeclinedExpiredCard: visa("0069", {
    _tag: "Decline",
    code: "expired_card",
    declineCode: "expired_card",
    message: "Your card has expired.",
    param: "exp_month"
  }),
  pm_card_chargeDeclinedIncorrectCvc: visa("0127", {
    _tag: "Decline",
    code: "incorrect_cvc",
    declineCode: "incorrect_cvc",
    message: "Your card's security code is incorrect.",
    param: "cvc"
  }),
  pm_card_chargeDeclinedProcessingError: visa("0119", {
    _tag: "Decline",
    code: "processing_error",
    declineCode: "processing_error",
    message: "An error occurred while processing your card. Try again in a little bit."
  }),
  pm_card_authenticationRequired: visa("3184", { _tag: "RequireAction" }),
  pm_card_threeDSecure2Required: visa("3220", { _tag: "RequireAction" })
}

/** The test card behind a PaymentMethod id (a `pm_card_*` shortcut or one minted from it). @internal */
export const cardOf = (
  state: State,
  paymentMethod: string
): { readonly name: string; readonly card: TestCard } | undefined => {
  const name = own(testCards, paymentMethod) === undefined ? state.paymentMethods.get(paymentMethod) : paymentMethod
  const card = name === undefined ? undefined : own(testCards, name)
  return name === undefined || card === undefined ? undefined : { name, card }
}

/** Stripe's PaymentMethod object for a test card, as card errors embed it. @internal */
export const paymentMethodObject = (id: string, card: TestCard, created: number): Record<string, unknown> => ({
  id,
  object: "payment_method",
  billing_details: { address: null, email: null, name: null, phone: null },
  card: {
    brand: card.brand,
    country: "US",
    exp_month: 12,
    exp_year: new Date().getUTCFullYear() + 3,
    funding: card.funding,
    last4: card.last4
  },
  created,
  customer: null,
  livemode: false,
  metadata: {},
  type: "card"
})

/** Unix seconds now. @internal */
export const nowSeconds = (): number => Math.floor(Date.now() / 1000)
