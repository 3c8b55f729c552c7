/**
 * The Stripe `PaymentProvider`, on the official `stripe` SDK: create, confirm
 * and capture PaymentIntents, refund, retrieve, search by our metadata, and
 * resolve a create that was maybe sent.
 *
 * Never charge twice: every mutating call carries the request's
 * `idempotencyKey`, which callers derive from the business operation with
 * {@link idempotencyKey} (booking id + instalment, refund id), so it is the
 * same on every retry, every process and after a restart. The SDK's own
 * retries are off (`maxNetworkRetries: 0`: retry lives in core); the SDK
 * still replays a reset connection once with the same key, which Stripe
 * answers with the first result. Each request is aborted when the Effect is
 * interrupted or the adapter's `timeout` passes, and tracked with core's
 * `Wire`, so a timeout before any byte was written is not sent.
 *
 * Never lose a booking: every failure is an `IntegrationError` classified by a
 * pure table (`internal/stripeErrors.ts`: a decline is `Rejected` with the
 * decline code, 409 `idempotency_key_in_use` is `Unavailable` and not sent
 * but see {@link isKeyInUse}, 5xx and resets are `Unavailable` and maybe
 * sent), and `resolve` tells a maybe-sent create apart: replaying the key
 * while Stripe keeps it (the first answer, or the charge made now, once),
 * then a search by the key, which every PaymentIntent carries in metadata.
 *
 * Options are checked before any request: an empty `secretKey`, a `baseUrl`
 * that is not an http(s) origin or a `timeout` no timer can hold fails `layer`
 * and `layerConfig` to build as `Misconfigured`, naming the option; `make`'s
 * calls fail with that error instead.
 *
 * @example
 * ```ts
 * import { Config, Effect, Redacted } from "effect"
 * import { PaymentProvider } from "@wedsync/core"
 * import { Stripe } from "@wedsync/adapter-stripe"
 *
 * const payments = Stripe.layerConfig({ secretKey: Config.Redacted("STRIPE_SECRET_KEY") })
 * const deposit = Effect.gen(function* () {
 *   const stripe = yield* PaymentProvider.PaymentProvider
 *   return yield* stripe.createPayment(new PaymentProvider.CreatePaymentRequest({
 *     amount: 50_000, currency: "gbp", paymentMethod: "pm_card_visa", confirm: true,
 *     captureMethod: "automatic", metadata: { weddingId: "w_123", bookingId: "b_77" },
 *     idempotencyKey: Stripe.idempotencyKey({ operation: "createPayment", bookingId: "b_77", instalment: "deposit" })
 *   }))
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Clock, type Config, Duration, Effect, Layer, type Redacted, Result } from "effect"
import { AdapterConfig, type IntegrationError, MaybeSent, PaymentProvider } from "@wedsync/core"
import {
  cancelParams,
  captureParams,
  confirmParams,
  createParams,
  KEY_METADATA,
  metadataQuery,
  refundParams,
  toPayment,
  toRefund
} from "./internal/payments.ts"
import { type Call, connect, failing, defaultBaseUrl as stripeApi } from "./internal/stripeClient.ts"
import { defaultTimeout as stripeTimeout, isKeyInUse as keyInUse } from "./internal/stripeErrors.ts"

const PROVIDER = "stripe"

/** Stripe's API. @since 0.1.0 */
export const defaultBaseUrl = stripeApi

/** The adapter's own timeout when the options give none (15 s, the payment policy's). @since 0.1.0 */
export const defaultTimeout: Duration.Duration = stripeTimeout

/**
 * How long after a maybe-sent create `resolve` still replays its key: Stripe
 * may prune a key once it is 24 hours old, and a replay after that would
 * charge again, so an hour is kept in hand. Later, only the search is asked.
 *
 * @since 0.1.0
 */
export const replayWindow: Duration.Duration = Duration.hours(23)

/** The metadata key every created PaymentIntent keeps its idempotency key under (searchable). @since 0.1.0 */
export const keyMetadata = KEY_METADATA

/** Options of the Stripe adapter. @since 0.1.0 */
export interface Options {
  /** The secret (`sk_…`) or restricted (`rk_…`) key. */
  readonly secretKey: Redacted.Redacted<string>
  /** An http(s) origin, default {@link defaultBaseUrl}; a simulator's URL in tests. */
  readonly baseUrl?: string | undefined
  /**
   * Aborts a request still running after this long, connecting included
   * (default 15 s; more than zero, at most 24.8 days); core's policy usually
   * interrupts first. Also the SDK's own `timeout`.
   */
  readonly timeout?: Duration.Input | undefined
  /** Pins the `Stripe-Version` sent; the SDK's own pin by default. */
  readonly apiVersion?: string | undefined
}

/** A business operation whose idempotency key {@link idempotencyKey} derives. @since 0.1.0 */
export type KeyedOperation = PaymentProvider.KeyedOperation

/**
 * The idempotency key of a business operation: `wedsync/<operation>/<booking
 * id>/<instalment>` or `wedsync/refund/<refund id>`, percent-encoded, hashed
 * past 255 characters. The same inputs give the same key on every retry and
 * after a restart; a different instalment, step or refund gives another.
 * Throws a `RangeError` for an empty part. The rule lives in core
 * (`PaymentProvider.idempotencyKey`), which `@wedsync/payments` uses too.
 *
 * @example
 * ```ts
 * Stripe.idempotencyKey({ operation: "createPayment", bookingId: "b_77", instalment: 2 })
 * // "wedsync/createPayment/b_77/2"
 * Stripe.idempotencyKey({ operation: "refund", refundId: "rf_9" }) // "wedsync/refund/rf_9"
 * ```
 * @since 0.1.0
 */
export const idempotencyKey: (operation: KeyedOperation) => string = PaymentProvider.idempotencyKey

/**
 * Whether a Stripe error is 409 `idempotency_key_in_use`: a request with the
 * same key is still running at Stripe. The error is `Unavailable` and not sent
 * (this request did nothing; core retries it on Stripe with the same key), but
 * the payment's fate is the other request's: never hand it to anything but
 * Stripe under the same key until that is known.
 *
 * @example
 * ```ts
 * Effect.catchIf(charge, Stripe.isKeyInUse, (error) => queueForStripe(request, error))
 * ```
 * @since 0.1.0
 */
export const isKeyInUse = (error: IntegrationError.IntegrationError): boolean => keyInUse(error)

const service = (call: Call): PaymentProvider.PaymentProvider["Service"] => {
  const create = (operation: string, request: PaymentProvider.CreatePaymentRequest) =>
    call(operation, (sdk) =>
      sdk.paymentIntents.create(createParams(request), { idempotencyKey: request.idempotencyKey })
    ).pipe(Effect.map(toPayment))
  const search = (operation: string, key: string, value: string) =>
    Effect.gen(function* () {
      const query = metadataQuery(key, value)
      const payments: Array<PaymentProvider.Payment> = []
      let page: string | undefined
      // At most ten pages of 100: a wedding has a handful of payments, not thousands.
      for (let pages = 0; pages < 10; pages++) {
        const next = page
        const result = yield* call(operation, (sdk) =>
          sdk.paymentIntents.search({ query, limit: 100, ...(next === undefined ? {} : { page: next }) })
        )
        payments.push(...result.data.map(toPayment))
        if (!result.has_more || result.next_page === null) break
        page = result.next_page
      }
      return payments
    })
  const resolve = (request: PaymentProvider.CreatePaymentRequest, since: number) =>
    Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      if (now - since < Duration.toMillis(replayWindow)) {
        const replay = yield* Effect.result(create("resolve", request))
        if (Result.isSuccess(replay)) return MaybeSent.found(replay.success)
        const error = replay.failure
        // Still running under the same key: its outcome is not known yet.
        if (keyInUse(error)) return MaybeSent.unknown(error)
        // Stripe ran the first request and the bank declined: nothing was charged.
        if (error.reason._tag === "Rejected") return MaybeSent.notFound
        // Not maybe sent again (rate limited, a refused key, other parameters): Stripe did not say.
        if (!error.maybeSent) return MaybeSent.unknown(error)
        // A replayed 500 or another reset: ask the search below.
      }
      const found = yield* Effect.result(search("resolve", KEY_METADATA, request.idempotencyKey))
      if (Result.isFailure(found)) return MaybeSent.unknown(found.failure)
      const [payment] = found.success
      // Search lags (under a minute, up to an hour in outages): absent is weak evidence.
      return payment === undefined ? MaybeSent.notFound : MaybeSent.found(payment)
    })
  return PaymentProvider.PaymentProvider.of({
    provider: PROVIDER,
    createPayment: (request) => create("createPayment", request),
    confirmPayment: (id, options) =>
      call("confirmPayment", (sdk) =>
        sdk.paymentIntents.confirm(id, confirmParams(options), { idempotencyKey: options.idempotencyKey })
      ).pipe(Effect.map(toPayment)),
    capturePayment: (id, options) =>
      call("capturePayment", (sdk) =>
        sdk.paymentIntents.capture(id, captureParams(options), { idempotencyKey: options.idempotencyKey })
      ).pipe(Effect.map(toPayment)),
    cancelPayment: (id, options) =>
      call("cancelPayment", (sdk) =>
        sdk.paymentIntents.cancel(id, cancelParams(options), { idempotencyKey: options.idempotencyKey })
      ).pipe(Effect.map(toPayment)),
    refund: (request) =>
      call("refund", (sdk) =>
        sdk.refunds.create(refundParams(request), { idempotencyKey: request.idempotencyKey })
      ).pipe(Effect.map((refund) => toRefund(refund, request.paymentId))),
    retrievePayment: (id) =>
      call("retrievePayment", (sdk) => sdk.paymentIntents.retrieve(id)).pipe(Effect.map(toPayment)),
    findPaymentsByMetadata: (key, value) => search("findPaymentsByMetadata", key, value),
    resolve
  })
}

/**
 * Builds the Stripe `PaymentProvider` service. With options that fail their
 * check every call fails with the `Misconfigured` error naming the option;
 * `layer` fails to build instead.
 *
 * @example
 * ```ts
 * const payments = Stripe.make({ secretKey: Redacted.make("sk_test_…"), baseUrl: "http://127.0.0.1:12111" })
 * ```
 * @since 0.1.0
 */
export const make = (options: Options): PaymentProvider.PaymentProvider["Service"] =>
  service(Result.getOrElse(connect(options), failing))

const build = (options: Options) =>
  Effect.map(
    Effect.suspend(() => Effect.fromResult(connect(options))),
    service
  )

/**
 * The Stripe `PaymentProvider` layer. Fails to build with `Misconfigured`,
 * naming the option, when `secretKey` is empty or blank, `baseUrl` is not an
 * http(s) origin or `timeout` is not a duration a timer can hold.
 *
 * @example
 * ```ts
 * const payments = Stripe.layer({ secretKey: Redacted.make(process.env.STRIPE_SECRET_KEY ?? ""), timeout: "10 seconds" })
 * ```
 * @since 0.1.0
 */
export const layer = (
  options: Options
): Layer.Layer<PaymentProvider.PaymentProvider, IntegrationError.IntegrationError> =>
  Layer.effect(PaymentProvider.PaymentProvider, build(options))

/**
 * The Stripe layer with its options read from `Config`. A value that cannot be
 * read (a missing `STRIPE_SECRET_KEY`) or fails its check fails the layer as
 * `Misconfigured`, naming the variable or the option.
 *
 * @example
 * ```ts
 * const payments = Stripe.layerConfig({
 *   secretKey: Config.Redacted("STRIPE_SECRET_KEY"),
 *   baseUrl: Config.String("STRIPE_BASE_URL").pipe(Config.withDefault(Stripe.defaultBaseUrl))
 * })
 * ```
 * @since 0.1.0
 */
export const layerConfig = (
  config: Config.Wrap<Options>
): Layer.Layer<PaymentProvider.PaymentProvider, IntegrationError.IntegrationError> =>
  Layer.effect(PaymentProvider.PaymentProvider, Effect.flatMap(AdapterConfig.unwrap(PROVIDER, config), build))
