/**
 * Stripe's webhooks as a core `WebhookSource`.
 *
 * A delivery passes when its `Stripe-Signature` has exactly one `t` (decimal
 * unix seconds; anything else, or none, is refused) within `tolerance`
 * (default 300 s, Stripe's) of `request.receivedAt` either way, and one of
 * its `v1` signatures is the HMAC-SHA256 of `"<t>.<raw body>"` under one of
 * the configured secrets: give the new and the old secret while Stripe rolls
 * the endpoint's secret, and deliveries signed with either pass. The raw body
 * is what is signed: hand `verify` the bytes as received (decoded as UTF-8),
 * never a re-serialised object. Checked with `node:crypto` in constant time,
 * not with the SDK's `constructEvent`, which reads `t` with `parseInt` (see
 * `internal/stripeSignature.ts`).
 *
 * Events are decoded with Schema: the envelope always, and the object of the
 * types WedSync acts on ({@link knownTypes}: `payment_intent.succeeded`,
 * `.payment_failed`, `.processing`, `.canceled`, `.requires_action`,
 * `charge.refunded`, `charge.dispute.created`); such an event whose object
 * does not decode is `PayloadInvalid`. Any other type is recorded, not
 * refused: it comes back as a `WebhookEvent` with its payload as sent. The
 * event id is Stripe's `evt_…`, the same on every redelivery.
 *
 * @example
 * ```ts
 * import { Config, Effect, Redacted } from "effect"
 * import { WebhookSource } from "@wedsync/core"
 * import { StripeWebhooks } from "@wedsync/adapter-stripe"
 *
 * const source = StripeWebhooks.layer({
 *   secret: [Redacted.make(process.env.STRIPE_WEBHOOK_SECRET ?? ""), Redacted.make(process.env.STRIPE_WEBHOOK_SECRET_OLD ?? "")]
 * })
 * const receive = (request: WebhookSource.WebhookRequest) =>
 *   Effect.flatMap(Effect.service(WebhookSource.WebhookSource), (stripe) => stripe.verify(request))
 * ```
 *
 * @since 0.1.0
 */
import { type Config, Duration, Effect, type Layer, Redacted, Result, Schema } from "effect"
import { AdapterConfig, IntegrationError, WebhookSource } from "@wedsync/core"
import {
  ChargeObject,
  DisputeObject,
  Envelope,
  isKnownType,
  type KnownType,
  objectOfType,
  PaymentIntentObject
} from "./internal/stripeEvents.ts"
import { matches, parseHeader } from "./internal/stripeSignature.ts"

const PROVIDER = "stripe"

/** Options of the Stripe webhook source. @since 0.1.0 */
export interface Options {
  /**
   * The endpoint's signing secret (`whsec_…`), or several while rolling it:
   * a delivery signed with any of them passes.
   */
  readonly secret: Redacted.Redacted<string> | ReadonlyArray<Redacted.Redacted<string>>
  /** How far `t` may be from `receivedAt`, either way (default 300 s; more than zero, at most 24.8 days). */
  readonly tolerance?: Duration.Input | undefined
}

/** Stripe's tolerance. @since 0.1.0 */
export const defaultTolerance: Duration.Duration = Duration.seconds(300)

/** The event types whose object is decoded (others are recorded as sent). @since 0.1.0 */
export const knownTypes: ReadonlyArray<KnownType> = Object.keys(objectOfType) as Array<KnownType>

/** The PaymentIntent in a `payment_intent.*` event's `data.object`. @since 0.1.0 */
export const PaymentIntent = PaymentIntentObject

/** The charge in a `charge.refunded` event's `data.object`. @since 0.1.0 */
export const Charge = ChargeObject

/** The dispute in a `charge.dispute.created` event's `data.object`. @since 0.1.0 */
export const Dispute = DisputeObject

const forged = (description: string) =>
  IntegrationError.make(PROVIDER, "webhook", new IntegrationError.SignatureInvalid({ description }))

const unreadable = (description: string) =>
  IntegrationError.make(PROVIDER, "webhook", new IntegrationError.PayloadInvalid({ description }))

const misconfigured = (description: string) =>
  IntegrationError.make(PROVIDER, "webhook.configure", new IntegrationError.Misconfigured({ description }))

const secretsOf = (secret: Options["secret"]): ReadonlyArray<Redacted.Redacted<string>> =>
  Redacted.isRedacted(secret) ? [secret] : secret

const decode = (
  request: WebhookSource.WebhookRequest
): Effect.Effect<WebhookSource.WebhookEvent, IntegrationError.IntegrationError> =>
  Effect.try({
    try: (): unknown => JSON.parse(request.body),
    catch: () => unreadable("the body is not JSON")
  }).pipe(
    Effect.flatMap((payload) =>
      Schema.decodeUnknownEffect(Envelope)(payload).pipe(
        Effect.mapError((error) =>
          WebhookSource.payloadInvalid(PROVIDER, "webhook", "not a Stripe event", error.issue)
        ),
        Effect.flatMap((envelope) => {
          const event = (object: unknown): WebhookSource.WebhookEvent => ({
            provider: PROVIDER,
            id: envelope.id,
            type: envelope.type,
            occurredAt: envelope.created * 1000,
            payload: { ...(payload as object), data: { ...envelope.data, object } }
          })
          if (!isKnownType(envelope.type)) return Effect.succeed(event(envelope.data.object))
          return Schema.decodeUnknownEffect(objectOfType[envelope.type] as Schema.Codec<unknown>)(
            envelope.data.object
          ).pipe(
            Effect.mapError(() => unreadable(`${envelope.type} without the object it must carry`)),
            Effect.map(event)
          )
        })
      )
    )
  )

/**
 * Builds the Stripe webhook source. Fails with `Misconfigured` when no secret
 * is given, one is blank or not `whsec_…`, or `tolerance` is not a duration
 * more than zero and within 24.8 days.
 *
 * @example
 * ```ts
 * const source = yield* StripeWebhooks.make({ secret: Redacted.make("whsec_…"), tolerance: "5 minutes" })
 * ```
 * @since 0.1.0
 */
export const make = (
  options: Options
): Effect.Effect<WebhookSource.WebhookSource["Service"], IntegrationError.IntegrationError> =>
  Effect.suspend(() => {
    const secrets = secretsOf(options.secret).map((secret) => Redacted.value(secret))
    if (secrets.length === 0) return Effect.fail(misconfigured("no webhook secret given"))
    const bad = secrets.findIndex((secret) => !/^whsec_\S+$/.test(secret))
    if (bad >= 0) return Effect.fail(misconfigured(`webhook secret #${bad + 1} is not whsec_ followed by the secret`))
    const checked = AdapterConfig.timeout(PROVIDER, "tolerance", options.tolerance ?? defaultTolerance)
    if (Result.isFailure(checked)) return Effect.fail(misconfigured(checked.failure.reason.message))
    const tolerance = Duration.toMillis(checked.success)
    const verify = (request: WebhookSource.WebhookRequest) => {
      const signature = request.headers["stripe-signature"]
      if (signature === undefined || signature === "") return Effect.fail(forged("Stripe-Signature is missing"))
      const header = parseHeader(signature)
      if (header === undefined) {
        return Effect.fail(forged("Stripe-Signature has no single numeric t, or no v1 signature"))
      }
      if (Math.abs(request.receivedAt - Number(header.timestamp) * 1000) > tolerance) {
        return Effect.fail(forged("Stripe-Signature's timestamp is outside the tolerance"))
      }
      if (!matches(secrets, header, request.body)) return Effect.fail(forged("no v1 signature matches"))
      return decode(request)
    }
    // Nothing thrown while verifying escapes as a defect.
    return Effect.succeed(WebhookSource.guarded(PROVIDER, verify, secrets))
  })

/**
 * The Stripe webhook source layer.
 *
 * @example
 * ```ts
 * const source = StripeWebhooks.layer({ secret: Redacted.make(process.env.STRIPE_WEBHOOK_SECRET ?? "") })
 * ```
 * @since 0.1.0
 */
export const layer: (options: Options) => Layer.Layer<WebhookSource.WebhookSource, IntegrationError.IntegrationError> =
  WebhookSource.layerOf(make)

/**
 * The Stripe webhook source with its options read from `Config`.
 *
 * @example
 * ```ts
 * const source = StripeWebhooks.layerConfig({
 *   secret: Config.Array(Schema.Redacted(Schema.String), "STRIPE_WEBHOOK_SECRETS"),
 *   tolerance: Config.Duration("STRIPE_WEBHOOK_TOLERANCE").pipe(Config.withDefault(StripeWebhooks.defaultTolerance))
 * })
 * ```
 * @since 0.1.0
 */
export const layerConfig: (
  config: Config.Wrap<Options>
) => Layer.Layer<WebhookSource.WebhookSource, IntegrationError.IntegrationError> = WebhookSource.layerConfigOf(
  PROVIDER,
  make
)
