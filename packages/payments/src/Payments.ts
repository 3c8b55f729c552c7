/**
 * Payments that are never lost and never charged twice, over core's
 * `PaymentProvider` port (Stripe: `@wedsync/adapter-stripe`).
 *
 * `charge` makes one payment for one instalment of one booking:
 *
 * - **One key per business operation.** The idempotency key is derived from
 *   the booking and the instalment by core's `PaymentProvider.idempotencyKey`
 *   (`wedsync/createPayment/<booking>/<instalment>`, the rule the adapters
 *   use too): the same on every retry, from the outbox after a restart, and
 *   from an operator's replay, so the processor answers the first result
 *   instead of charging again. The adapter keeps it in the payment's metadata
 *   for the lookup after Stripe has forgotten the key (24 h).
 * - **Unknown is not failed.** A failure that may have reached the processor
 *   (a timeout or reset after the request was written, a 500) is resolved
 *   before anything else (`PaymentProvider.resolve`: Stripe replays the key,
 *   then searches the metadata). Found: the charge succeeded. Not found: the
 *   payment is `Unknown`, queued to be resolved again, never sent to another
 *   processor while its state is unknown.
 * - **Queued, not lost.** When the processor is down (or an operator disabled
 *   it) the charge is queued in the durable outbox under its key and the
 *   caller gets the spec's answer, "Payment processing temporarily
 *   unavailable. Your booking is secure.", with the reference to follow. The
 *   queued charge completes when the processor recovers (the handler in
 *   {@link handlers}), or is dead-lettered with a reason an operator can act on.
 * - **The wedding day waits for nothing.** On the day (criticality
 *   `wedding_day_critical`) a charge that cannot complete now is not retried:
 *   the booking is marked for manual processing at once
 *   (`manualProcessingRequired`) and the charge is put straight into the dead
 *   letters for an operator, so nothing charges it automatically behind their
 *   back; replaying the letter charges it under the same key.
 * - A refusal the customer must act on (a declined card: `Rejected` with the
 *   decline code; an invalid request) fails the call: no retry can help.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Payments } from "@wedsync/payments"
 *
 * const outcome = yield* Payments.charge({
 *   bookingId: "bk_4471",
 *   instalment: 1,
 *   amount: 50_000,
 *   currency: "gbp",
 *   wedding: { weddingId: "w_123", weddingDate: "2027-06-12", vendorType: "venue" }
 * })
 * if (outcome._tag === "Queued") console.log(outcome.message, outcome.reference)
 * // "Payment processing temporarily unavailable. Your booking is secure." "wedsync/createPayment/bk_4471/1"
 * ```
 *
 * @since 0.1.0
 */
import { Clock, Effect, Schema } from "effect"
import { Metadata, NonEmptyString } from "@wedsync/core/Fields"
import * as IntegrationError from "@wedsync/core/IntegrationError"
import * as MaybeSent from "@wedsync/core/MaybeSent"
import * as PaymentProvider from "@wedsync/core/PaymentProvider"
import * as Policy from "@wedsync/core/Policy"
import * as Resilience from "@wedsync/core/Resilience"
import * as Retry from "@wedsync/core/Retry"
import type * as StoreError from "@wedsync/core/StoreError"
import * as WeddingContext from "@wedsync/core/WeddingContext"
import type * as DeadLetters from "@wedsync/durable/DeadLetters"
import * as Outbox from "@wedsync/durable/Outbox"
import { manual } from "./internal/manual.ts"

/** The outbox operation of a queued charge. @since 0.1.0 */
export const operation = "payment.charge"

/** The spec's words to the couple when a charge is queued (SPEC-WS-198, the Stripe fallback). @since 0.1.0 */
export const QUEUED_MESSAGE = "Payment processing temporarily unavailable. Your booking is secure."

/**
 * A charge: one instalment of one booking. `instalment` is the instalment's
 * number or name (`1`, `"deposit"`); with `bookingId` it makes the key.
 *
 * @example
 * ```ts
 * const input: Payments.ChargeInput = { bookingId: "bk_4471", instalment: "deposit", amount: 50_000, currency: "gbp" }
 * ```
 * @since 0.1.0
 */
export const ChargeInput = Schema.Struct({
  bookingId: NonEmptyString.check(Schema.isPattern(/^[^:\s]+$/, { message: "a booking id has no ':' or spaces" })),
  instalment: Schema.Union([
    Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)),
    NonEmptyString.check(Schema.isPattern(/^[^:\s]+$/, { message: "an instalment has no ':' or spaces" }))
  ]),
  amount: PaymentProvider.Amount,
  currency: PaymentProvider.Currency,
  customer: Schema.optional(NonEmptyString),
  paymentMethod: Schema.optional(NonEmptyString),
  description: Schema.optional(Schema.String),
  metadata: Schema.optional(Metadata),
  wedding: Schema.optional(WeddingContext.Wedding)
})

/** @since 0.1.0 */
export type ChargeInput = typeof ChargeInput.Encoded

/**
 * The key of a booking's instalment: the same for every attempt, ever (core's
 * `PaymentProvider.idempotencyKey` of its `createPayment`).
 *
 * @example
 * ```ts
 * Payments.keyOf("bk_4471", 1) // "wedsync/createPayment/bk_4471/1"
 * ```
 * @since 0.1.0
 */
export const keyOf = (bookingId: string, instalment: number | string): string =>
  PaymentProvider.idempotencyKey({ operation: "createPayment", bookingId, instalment })

/**
 * What became of a charge: made (`Charged`; `resolution: "found"` when a
 * maybe-sent attempt turned out to have charged), queued under its key
 * (`Queued`; `state: "unknown"` when the processor may have charged and will
 * be asked again first), or handed to an operator on the wedding day
 * (`ManualProcessing`).
 *
 * @since 0.1.0
 */
export type Outcome =
  | {
      readonly _tag: "Charged"
      readonly payment: PaymentProvider.Payment
      readonly resolution?: "found" | undefined
    }
  | {
      readonly _tag: "Queued"
      readonly reference: string
      readonly state: "unavailable" | "unknown"
      readonly retryAt: number
      readonly message: typeof QUEUED_MESSAGE
      readonly paymentQueued: true
      readonly manualProcessingRequired: false
      readonly failure: IntegrationError.IntegrationError
    }
  | {
      readonly _tag: "ManualProcessing"
      readonly reference: string
      readonly state: "unavailable" | "unknown"
      readonly message: typeof QUEUED_MESSAGE
      readonly paymentQueued: true
      readonly manualProcessingRequired: true
      readonly failure: IntegrationError.IntegrationError
    }

const Payload = Schema.Struct({
  input: ChargeInput,
  /** When an attempt that may have charged began: the next run resolves it before charging. */
  maybeSentSince: Schema.optional(Schema.Number)
})
const decodeInput = Schema.decodeUnknownEffect(ChargeInput)
const decodePayload = Schema.decodeUnknownEffect(Payload)

const requestOf = (input: typeof ChargeInput.Type, key: string) =>
  PaymentProvider.CreatePaymentRequest.make({
    amount: input.amount,
    currency: input.currency,
    ...(input.customer === undefined ? {} : { customer: input.customer }),
    ...(input.paymentMethod === undefined ? {} : { paymentMethod: input.paymentMethod, confirm: true }),
    ...(input.description === undefined ? {} : { description: input.description }),
    metadata: {
      ...input.metadata,
      wedsync_booking: input.bookingId,
      ...(input.wedding === undefined ? {} : { weddingId: input.wedding.weddingId })
    },
    captureMethod: "automatic",
    idempotencyKey: key
  })

/**
 * What a payment found after an ambiguous failure means: the request reached
 * the processor, but a PaymentIntent that still wants a payment method was
 * declined, and a canceled one will never be paid. Those are the customer's
 * to act on, not a charge; anything else is the charge's outcome.
 */
const foundAs = (provider: string, payment: PaymentProvider.Payment) => {
  if (payment.status === "requires_payment_method" || payment.status === "canceled") {
    const description =
      payment.status === "canceled"
        ? `payment ${payment.id} was canceled`
        : `payment ${payment.id} was declined (found after its answer was lost)`
    return Effect.fail(IntegrationError.make(provider, "createPayment", new IntegrationError.Rejected({ description })))
  }
  return Effect.succeed({ payment, resolution: "found" as const })
}

/** Creates the payment under the processor's circuit; a maybe-sent failure is resolved before it is reported. */
const attempt = (
  payments: PaymentProvider.PaymentProvider["Service"],
  request: PaymentProvider.CreatePaymentRequest,
  maybeSentSince: number | undefined
) =>
  Effect.gen(function* () {
    const resolveAt = (since: number) =>
      payments.resolve === undefined
        ? Effect.succeed(MaybeSent.unknown())
        : MaybeSent.ask(payments.resolve(request, since), {
            service: "payment",
            provider: payments.provider,
            operation: "createPayment.resolve"
          })
    // An earlier run may have charged: ask before charging again.
    if (maybeSentSince !== undefined) {
      const earlier = yield* resolveAt(maybeSentSince)
      if (earlier._tag === "Found") return yield* foundAs(payments.provider, earlier.value)
    }
    const startedAt = yield* Clock.currentTimeMillis
    const created = yield* Effect.result(
      payments.createPayment(request).pipe(
        // A processor's key makes a repeat safe: Stripe answers the first result for the same key.
        Resilience.protect({
          service: "payment",
          provider: payments.provider,
          operation: "createPayment",
          idempotent: true
        })
      )
    )
    if (created._tag === "Success") return { payment: created.success, resolution: undefined }
    const error = created.failure
    if (!error.maybeSent) return yield* error
    const resolution = yield* resolveAt(startedAt)
    if (resolution._tag === "Found") return yield* foundAs(payments.provider, resolution.value)
    return yield* new Unknown({ error, since: startedAt })
  })

/**
 * The processor may have charged and nobody could tell: the payment's state
 * is unknown, and it is resolved again before anything else happens.
 *
 * @since 0.1.0
 */
export class Unknown extends Schema.TaggedError<Unknown>("@wedsync/payments/Payments/Unknown")("Unknown", {
  error: IntegrationError.IntegrationError,
  since: Schema.Number
}) {
  override get message(): string {
    return `the payment may have been made (${this.error.message}); its state is unknown until the processor is asked again`
  }
}

/** A refusal the customer must act on: a declined card, an invalid request. */
const customerMustAct = (error: IntegrationError.IntegrationError) => error.family === "request"

/**
 * Charges one instalment now; when the processor cannot complete it now, the
 * charge is queued (or, on the wedding day, handed to an operator) and never
 * lost. Fails only with a refusal the customer must act on (`Rejected`: a
 * declined card, with the decline code; `InvalidRequest`), or when the charge
 * could not be stored.
 *
 * @example
 * ```ts
 * const outcome = yield* Payments.charge({ bookingId: "bk_4471", instalment: 1, amount: 50_000, currency: "gbp" })
 * outcome._tag // "Charged" | "Queued" | "ManualProcessing"
 * ```
 * @since 0.1.0
 */
export const charge = (
  given: ChargeInput
): Effect.Effect<
  Outcome,
  IntegrationError.IntegrationError | StoreError.StoreError | Schema.SchemaError,
  PaymentProvider.PaymentProvider | Resilience.Resilience | Outbox.Outbox | DeadLetters.DeadLetters
> =>
  Effect.gen(function* () {
    const input = yield* decodeInput(given)
    const key = keyOf(input.bookingId, input.instalment)
    const payments = yield* PaymentProvider.PaymentProvider
    const request = requestOf(input, key)
    const run = attempt(payments, request, undefined)
    const result = yield* Effect.result(
      input.wedding === undefined ? run : run.pipe(WeddingContext.provide(input.wedding))
    )
    if (result._tag === "Success") {
      const { payment, resolution } = result.success
      return resolution === undefined
        ? { _tag: "Charged" as const, payment }
        : { _tag: "Charged" as const, payment, resolution }
    }
    const failed = result.failure
    const error = failed instanceof Unknown ? failed.error : failed
    if (!(failed instanceof Unknown) && customerMustAct(error)) return yield* error
    const state = failed instanceof Unknown ? ("unknown" as const) : ("unavailable" as const)
    const now = yield* Clock.currentTimeMillis
    const payload = {
      input: given,
      ...(failed instanceof Unknown ? { maybeSentSince: failed.since } : {})
    }
    const wedding = input.wedding === undefined ? undefined : WeddingContext.resolve(input.wedding, now)
    if (wedding?.criticality === "wedding_day_critical") {
      yield* manual(operation, key, payments.provider, error, payload, wedding, now)
      return {
        _tag: "ManualProcessing" as const,
        reference: key,
        state,
        message: QUEUED_MESSAGE,
        paymentQueued: true as const,
        manualProcessingRequired: true as const,
        failure: error
      }
    }
    const policy = (yield* Policy.Policies).get("payment", payments.provider)
    const decision = Retry.decide(error, policy, wedding, 0)
    const delayMillis = decision.retry ? decision.delayMillis : 0
    const outbox = yield* Outbox.Outbox
    yield* outbox.offer({
      id: key,
      service: "payment",
      operation,
      payload,
      ...(input.wedding === undefined ? {} : { wedding: given.wedding }),
      delayMillis,
      failedWith: error
    })
    return {
      _tag: "Queued" as const,
      reference: key,
      state,
      retryAt: now + delayMillis,
      message: QUEUED_MESSAGE,
      paymentQueued: true as const,
      manualProcessingRequired: false as const,
      failure: error
    }
  })

/**
 * The outbox handler for queued charges, keyed by {@link operation}: it
 * resolves an earlier attempt that may have charged before anything else,
 * then charges under the same key. A payment whose state stays unknown fails
 * the run as `Unavailable` (maybe sent), so the outbox asks again later.
 *
 * @example
 * ```ts
 * yield* Outbox.worker({ ...Payments.handlers, ...Notifications.handlers })
 * ```
 * @since 0.1.0
 */
export const handlers: {
  readonly [operation]: Outbox.Handler<PaymentProvider.PaymentProvider | Resilience.Resilience>
} = {
  [operation]: (job, context) =>
    Effect.gen(function* () {
      const payload = yield* Effect.mapError(decodePayload(job.payload), (schemaError) =>
        IntegrationError.make(
          "payments",
          operation,
          new IntegrationError.InvalidRequest({ description: `a stored charge is unreadable: ${schemaError.message}` })
        )
      )
      const input = yield* Effect.mapError(decodeInput(payload.input), (schemaError) =>
        IntegrationError.make(
          "payments",
          operation,
          new IntegrationError.InvalidRequest({ description: `a stored charge is invalid: ${schemaError.message}` })
        )
      )
      const payments = yield* PaymentProvider.PaymentProvider
      const earlier = context.failures
        .filter((failure) => failure.delivery === "maybeSent")
        .map((failure) => failure.at)
      const since =
        payload.maybeSentSince ?? (earlier.length === 0 ? undefined : Math.min(...earlier) - ATTEMPT_SPAN_MILLIS)
      const done = yield* attempt(payments, requestOf(input, job.id), since).pipe(
        Effect.catchTag("Unknown", (unknown) => Effect.fail(unknown.error))
      )
      return done.payment
    })
}

/** How long before its record an attempt may have started: the payment policy's timeout with slack. */
const ATTEMPT_SPAN_MILLIS = 60_000
