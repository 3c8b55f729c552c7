/**
 * The payment port: what core asks of any payment provider, and the requests
 * and payments that cross the seam.
 *
 * A payment must never be lost and never be charged twice, so every mutating
 * operation takes a required `idempotencyKey`: a retry, a replay from the
 * outbox, or an SDK's own replay after a socket reset all reuse it, and the
 * provider answers the first result again. After an ambiguous failure (the
 * request may or may not have committed), {@link PaymentProvider} also finds
 * payments by a metadata key such as `weddingId`.
 *
 * Amounts are integers in the currency's minor unit (cents, pence); currencies
 * are ISO 4217 codes in lower case; timestamps are epoch milliseconds (UTC).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { PaymentProvider } from "@wedsync/core"
 *
 * const deposit = Effect.gen(function*() {
 *   const payments = yield* PaymentProvider.PaymentProvider
 *   return yield* payments.createPayment(new PaymentProvider.CreatePaymentRequest({
 *     amount: 50_000,
 *     currency: "gbp",
 *     metadata: { weddingId: "w_123", kind: "deposit" },
 *     captureMethod: "automatic",
 *     idempotencyKey: "deposit-w_123"
 *   }))
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Context, type Effect, Schema } from "effect"
import type { IntegrationError } from "./IntegrationError.ts"
import type * as MaybeSent from "./MaybeSent.ts"
import { EpochMillis, HeaderText, Metadata, NonEmptyString } from "./Fields.ts"
import { named, reportingAll } from "./internal/construct.ts"

/**
 * A positive amount in the currency's minor unit: 2000 is £20.00 in `gbp`.
 *
 * @example
 * ```ts
 * Schema.decodeUnknownSync(PaymentProvider.Amount)(2000)
 * ```
 * @since 0.1.0
 */
export const Amount = Schema.Int.check(Schema.isGreaterThan(0))

/**
 * An ISO 4217 currency code in lower case (`usd`, `gbp`, `eur`), as Stripe
 * takes and returns it.
 *
 * @example
 * ```ts
 * Schema.decodeUnknownSync(PaymentProvider.Currency)("eur")
 * ```
 * @since 0.1.0
 */
export const Currency = Schema.String.check(
  Schema.isPattern(/^[a-z]{3}$/, { message: "expected a three-letter lower-case currency code like gbp" })
)

/**
 * A key that makes a mutating call safe to repeat: the provider answers a
 * repeat with the first result (Stripe keeps keys for at least 24 hours).
 * 1 to 255 characters; it travels in a header, so no control characters.
 *
 * @example
 * ```ts
 * const key: string = Schema.decodeUnknownSync(PaymentProvider.IdempotencyKey)("deposit-w_123")
 * ```
 * @since 0.1.0
 */
export const IdempotencyKey = HeaderText.check(Schema.isMinLength(1), Schema.isMaxLength(255))

const CreatePaymentRequestFields = Schema.Struct({
  amount: Amount,
  currency: Currency,
  /** The provider's customer id. */
  customer: Schema.optional(NonEmptyString),
  /** The provider's payment method id. */
  paymentMethod: Schema.optional(NonEmptyString),
  description: Schema.optional(Schema.String),
  /** Searchable with `findPaymentsByMetadata`; put the `weddingId` here. */
  metadata: Metadata,
  captureMethod: Schema.Literals(["automatic", "manual"]),
  confirm: Schema.optional(Schema.Boolean),
  idempotencyKey: IdempotencyKey
})

/**
 * A payment to create. With `captureMethod: "manual"` the funds are only
 * authorised until {@link PaymentProvider} `capturePayment`; with
 * `confirm: true` the provider confirms it at once with `paymentMethod`.
 * A bad field makes the constructor throw `Fields.InvalidFields` naming it.
 *
 * @example
 * ```ts
 * const request = new PaymentProvider.CreatePaymentRequest({
 *   amount: 120_000,
 *   currency: "usd",
 *   customer: "cus_9s6XKzkNRiz8i3",
 *   description: "Venue balance",
 *   metadata: { weddingId: "w_123" },
 *   captureMethod: "manual",
 *   idempotencyKey: "balance-w_123"
 * })
 * ```
 * @since 0.1.0
 */
export class CreatePaymentRequest extends Schema.Class<CreatePaymentRequest>(
  "@wedsync/core/PaymentProvider/CreatePaymentRequest"
)(CreatePaymentRequestFields) {
  /** Checks every field; throws `Fields.InvalidFields` naming each bad one. */
  constructor(input: (typeof CreatePaymentRequestFields)["~type.make.in"], options?: Schema.MakeOptions) {
    try {
      super(input, reportingAll(options))
    } catch (cause) {
      throw named("CreatePaymentRequest", cause)
    }
  }
  /** As `new CreatePaymentRequest(input)` (an instance is returned as it is). */
  static override make(
    input: (typeof CreatePaymentRequestFields)["~type.make.in"],
    options?: Schema.MakeOptions
  ): CreatePaymentRequest {
    return input instanceof CreatePaymentRequest ? input : new CreatePaymentRequest(input, options)
  }
}

/**
 * Options of `confirmPayment`.
 *
 * @example
 * ```ts
 * const options: PaymentProvider.ConfirmPaymentOptions = {
 *   idempotencyKey: "confirm-w_123",
 *   paymentMethod: "pm_card_visa"
 * }
 * ```
 * @since 0.1.0
 */
export const ConfirmPaymentOptions = Schema.Struct({
  idempotencyKey: IdempotencyKey,
  paymentMethod: Schema.optional(NonEmptyString),
  /** Where the customer returns after a redirect-based authentication. */
  returnUrl: Schema.optional(NonEmptyString)
})

/** @since 0.1.0 */
export type ConfirmPaymentOptions = typeof ConfirmPaymentOptions.Type

/**
 * Options of `capturePayment`. Without `amount` the whole authorised amount
 * is captured.
 *
 * @example
 * ```ts
 * const options: PaymentProvider.CapturePaymentOptions = { idempotencyKey: "capture-w_123", amount: 100_000 }
 * ```
 * @since 0.1.0
 */
export const CapturePaymentOptions = Schema.Struct({
  idempotencyKey: IdempotencyKey,
  amount: Schema.optional(Amount)
})

/** @since 0.1.0 */
export type CapturePaymentOptions = typeof CapturePaymentOptions.Type

/**
 * Options of `cancelPayment`: releases an authorisation or abandons a payment
 * not yet made. A payment that already succeeded cannot be cancelled (refund it).
 *
 * @example
 * ```ts
 * const options: PaymentProvider.CancelPaymentOptions = { idempotencyKey: "wedsync/cancelPayment/bk_1/1", reason: "requested_by_customer" }
 * ```
 * @since 0.1.0
 */
export const CancelPaymentOptions = Schema.Struct({
  idempotencyKey: IdempotencyKey,
  reason: Schema.optional(Schema.Literals(["duplicate", "fraudulent", "requested_by_customer", "abandoned"]))
})

/** @since 0.1.0 */
export type CancelPaymentOptions = typeof CancelPaymentOptions.Type

/**
 * Where a payment stands (Stripe's PaymentIntent states). `requires_action`
 * means the customer must authenticate, using `clientSecret` in the browser.
 *
 * @example
 * ```ts
 * const settled = (status: PaymentProvider.PaymentStatus) => status === "succeeded" || status === "canceled"
 * ```
 * @since 0.1.0
 */
export const PaymentStatus = Schema.Literals([
  "requires_payment_method",
  "requires_confirmation",
  "requires_action",
  "processing",
  "requires_capture",
  "canceled",
  "succeeded"
])

/** @since 0.1.0 */
export type PaymentStatus = typeof PaymentStatus.Type

/**
 * A payment as the provider holds it.
 *
 * @example
 * ```ts
 * const payment: PaymentProvider.Payment = {
 *   provider: "stripe", id: "pi_3MtwBw", status: "succeeded", amount: 2000, amountCaptured: 2000,
 *   currency: "usd", metadata: { weddingId: "w_123" }, createdAt: 1767225600000
 * }
 * ```
 * @since 0.1.0
 */
export const Payment = Schema.Struct({
  /** Who holds the payment, e.g. `"stripe"`. */
  provider: Schema.String,
  /** The provider's payment id (Stripe `pi_…`). */
  id: NonEmptyString,
  status: PaymentStatus,
  amount: Amount,
  amountCaptured: Schema.optional(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  currency: Currency,
  metadata: Metadata,
  /** When the provider created the payment, epoch milliseconds (UTC). */
  createdAt: EpochMillis,
  /** The secret the browser needs to finish `requires_action`; never logged. */
  clientSecret: Schema.optional(Schema.Redacted(Schema.String))
})

/** @since 0.1.0 */
export type Payment = typeof Payment.Type

const RefundRequestFields = Schema.Struct({
  paymentId: NonEmptyString,
  amount: Schema.optional(Amount),
  reason: Schema.optional(Schema.Literals(["duplicate", "fraudulent", "requested_by_customer"])),
  metadata: Schema.optional(Metadata),
  idempotencyKey: IdempotencyKey
})

/**
 * A refund to make. Without `amount` the whole captured amount is refunded.
 * A bad field makes the constructor throw `Fields.InvalidFields` naming it.
 *
 * @example
 * ```ts
 * const request = new PaymentProvider.RefundRequest({
 *   paymentId: "pi_3MtwBw",
 *   amount: 500,
 *   reason: "requested_by_customer",
 *   idempotencyKey: "refund-w_123-1"
 * })
 * ```
 * @since 0.1.0
 */
export class RefundRequest extends Schema.Class<RefundRequest>("@wedsync/core/PaymentProvider/RefundRequest")(
  RefundRequestFields
) {
  /** Checks every field; throws `Fields.InvalidFields` naming each bad one. */
  constructor(input: (typeof RefundRequestFields)["~type.make.in"], options?: Schema.MakeOptions) {
    try {
      super(input, reportingAll(options))
    } catch (cause) {
      throw named("RefundRequest", cause)
    }
  }
  /** As `new RefundRequest(input)` (an instance is returned as it is). */
  static override make(
    input: (typeof RefundRequestFields)["~type.make.in"],
    options?: Schema.MakeOptions
  ): RefundRequest {
    return input instanceof RefundRequest ? input : new RefundRequest(input, options)
  }
}

/**
 * A refund as the provider holds it.
 *
 * @example
 * ```ts
 * const refund: PaymentProvider.Refund = {
 *   provider: "stripe", id: "re_1Nisp", paymentId: "pi_3MtwBw", amount: 500, status: "succeeded"
 * }
 * ```
 * @since 0.1.0
 */
export const Refund = Schema.Struct({
  provider: Schema.String,
  id: NonEmptyString,
  paymentId: NonEmptyString,
  amount: Amount,
  status: Schema.Literals(["pending", "requires_action", "succeeded", "failed", "canceled"])
})

/** @since 0.1.0 */
export type Refund = typeof Refund.Type

/**
 * The payment port. Every operation fails with an `IntegrationError` (a
 * declined card is `Rejected`, never retried and never failed over).
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { IntegrationError, PaymentProvider } from "@wedsync/core"
 *
 * const unavailable = (operation: string) =>
 *   Effect.fail(IntegrationError.make("offline", operation, new IntegrationError.Unavailable({})))
 * const layer = Layer.succeed(
 *   PaymentProvider.PaymentProvider,
 *   PaymentProvider.PaymentProvider.of({
 *     provider: "offline",
 *     createPayment: () => unavailable("createPayment"),
 *     confirmPayment: () => unavailable("confirmPayment"),
 *     capturePayment: () => unavailable("capturePayment"),
 *     cancelPayment: () => unavailable("cancelPayment"),
 *     refund: () => unavailable("refund"),
 *     retrievePayment: () => unavailable("retrievePayment"),
 *     findPaymentsByMetadata: () => Effect.succeed([])
 *   })
 * )
 * ```
 * @since 0.1.0
 */
export class PaymentProvider extends Context.Service<
  PaymentProvider,
  {
    /** The provider's name, e.g. `"stripe"`; failover reports it as who served. */
    readonly provider: string
    /** Creates a payment; a repeat with the same `idempotencyKey` answers the first payment. */
    readonly createPayment: (request: CreatePaymentRequest) => Effect.Effect<Payment, IntegrationError>
    /** Confirms a payment created without `confirm: true`. */
    readonly confirmPayment: (id: string, options: ConfirmPaymentOptions) => Effect.Effect<Payment, IntegrationError>
    /** Captures an authorised (`requires_capture`) payment. */
    readonly capturePayment: (id: string, options: CapturePaymentOptions) => Effect.Effect<Payment, IntegrationError>
    /** Cancels a payment that has not succeeded (an authorisation is released). */
    readonly cancelPayment: (id: string, options: CancelPaymentOptions) => Effect.Effect<Payment, IntegrationError>
    /** Refunds all or part of a captured payment. */
    readonly refund: (request: RefundRequest) => Effect.Effect<Refund, IntegrationError>
    /** Reads a payment's current state. */
    readonly retrievePayment: (id: string) => Effect.Effect<Payment, IntegrationError>
    /**
     * Payments whose `metadata[key]` equals `value` (Stripe's search), used to
     * recover after an ambiguous create. The index is eventually consistent
     * (Stripe: up to about a minute), so an empty answer does not prove the
     * payment was not made: prefer repeating the create with the same
     * idempotency key while it is still valid.
     */
    readonly findPaymentsByMetadata: (
      key: string,
      value: string
    ) => Effect.Effect<ReadonlyArray<Payment>, IntegrationError>
    /**
     * Whether a `createPayment` that failed as maybe sent made the payment
     * after all (`MaybeSent`): Stripe replays the create under the same
     * idempotency key (the first answer, never a second charge) while the key
     * is kept, then searches by the key in metadata. Absent when the provider
     * cannot be asked.
     */
    readonly resolve?: MaybeSent.Resolver<CreatePaymentRequest, Payment> | undefined
  }
>()("@wedsync/core/PaymentProvider") {}

export { idempotencyKey, type KeyedOperation } from "./internal/paymentKeys.ts"
