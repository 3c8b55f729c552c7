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
 * The same work also comes in two steps ({@link Source}), which
 * `@wedsync/webhooks` finds by name (`Inbound.TwoStepSource`): `identify`, the
 * signature and only the envelope's `id`, `type` and `created`, before the
 * 2xx; `decode`, the whole event from the stored request, in the worker.
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
import { AdapterConfig, IntegrationError, WebhookSource } from "@wedsync/core"
import { type Config, Duration, Effect, type Layer, Redacted, Result } from "effect"
import {
  authenticate,
  decodeEvent,
  type Identified as IdentifiedDelivery,
  identify as identifyBody,
  PROVIDER,
  unreadable
} from "./internal/stripeDelivery.ts"
import {
  ChargeObject,
  DisputeObject,
  type KnownType,
  objectOfType,
  PaymentIntentObject
} from "./internal/stripeEvents.ts"

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

const misconfigured = (description: string) =>
  IntegrationError.make(PROVIDER, "webhook.configure", new IntegrationError.Misconfigured({ description }))

const secretsOf = (secret: Options["secret"]): ReadonlyArray<Redacted.Redacted<string>> =>
  Redacted.isRedacted(secret) ? [secret] : secret

/**
 * What the two-step pipeline's `identify` finds in an authentic delivery:
 * Stripe's event id (`evt_…`), its type, `created` in epoch milliseconds, and
 * the body as parsed (read for the wedding its metadata names).
 *
 * @example
 * ```ts
 * const found: StripeWebhooks.Identified = { id: "evt_1", type: "payment_intent.succeeded", occurredAt: 1767225600000, payload }
 * ```
 * @since 0.1.0
 */
export type Identified = IdentifiedDelivery

/**
 * The Stripe webhook source: core's `WebhookSource` (`verify`: the signature
 * and the whole event, at once), and the same work in two steps, which
 * `@wedsync/webhooks` finds by these names (`Inbound.TwoStepSource`):
 * `identify` (the same signature checks, then only `id`, `type` and
 * `created`: what the 2xx needs) and `decode` (the whole event from the
 * stored request, without checking its signature again). `decode` of an
 * identified delivery is what `verify` returns for it.
 *
 * @example
 * ```ts
 * const stripe = yield* StripeWebhooks.make({ secret })
 * const found = yield* stripe.identify(request) // before the 2xx
 * const event = yield* stripe.decode(request) // in the worker
 * ```
 * @since 0.1.0
 */
export type Source = WebhookSource.WebhookSource["Service"] & {
  /** Checks the signature, then reads only the envelope; fails as `verify` does on a forgery or a body that is no Stripe event. */
  readonly identify: (
    request: WebhookSource.WebhookRequest
  ) => Effect.Effect<Identified, IntegrationError.IntegrationError>
  /** Decodes the whole event of a stored request that `identify` accepted; does not check the signature. */
  readonly decode: (request: {
    readonly body: string
  }) => Effect.Effect<WebhookSource.WebhookEvent, IntegrationError.IntegrationError>
}

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
export const make = (options: Options): Effect.Effect<Source, IntegrationError.IntegrationError> =>
  Effect.suspend(() => {
    const secrets = secretsOf(options.secret).map((secret) => Redacted.value(secret))
    if (secrets.length === 0) return Effect.fail(misconfigured("no webhook secret given"))
    const bad = secrets.findIndex((secret) => !/^whsec_\S+$/.test(secret))
    if (bad >= 0) return Effect.fail(misconfigured(`webhook secret #${bad + 1} is not whsec_ followed by the secret`))
    const checked = AdapterConfig.timeout(PROVIDER, "tolerance", options.tolerance ?? defaultTolerance)
    if (Result.isFailure(checked)) return Effect.fail(misconfigured(checked.failure.reason.message))
    const tolerance = Duration.toMillis(checked.success)
    // Nothing thrown while reading a delivery escapes as a defect: it is PayloadInvalid, the secrets scrubbed.
    const unexpected = (defect: unknown) => unreadable(`unexpected ${AdapterConfig.describeDefect(defect, secrets)}`)
    const { verify } = WebhookSource.guarded(
      PROVIDER,
      (request) => {
        const refused = authenticate(secrets, tolerance, request)
        return refused === undefined ? decodeEvent(request.body) : Effect.fail(refused)
      },
      secrets
    )
    // Synchronous to its end, so a try/catch guards it without an extra fiber step per delivery.
    const identify = (request: WebhookSource.WebhookRequest) => {
      try {
        const refused = authenticate(secrets, tolerance, request)
        return refused === undefined ? identifyBody(request.body) : Effect.fail(refused)
      } catch (defect) {
        return Effect.fail(unexpected(defect))
      }
    }
    const decode = (request: { readonly body: string }) =>
      Effect.suspend(() => decodeEvent(request.body)).pipe(
        Effect.catchDefect((defect) => Effect.fail(unexpected(defect)))
      )
    return Effect.succeed<Source>({ provider: PROVIDER, verify, identify, decode })
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
