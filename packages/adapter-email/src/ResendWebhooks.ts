/**
 * Resend's webhooks as a `WebhookSource`, and the `DeliveryEvent.Decoder` for
 * them.
 *
 * Resend signs the Standard Webhooks (svix) way: `svix-id`, `svix-timestamp`,
 * `svix-signature` (`v1,<base64 HMAC-SHA256>`, several separated by spaces);
 * the unbranded `webhook-id`, `webhook-timestamp`, `webhook-signature` are
 * read when the branded ones are absent, as svix's verifier does.
 * A delivery passes when any signature matches any configured secret (so a
 * secret can be rotated without downtime) and its timestamp is within the
 * tolerance (default 5 minutes, both ways) of `request.receivedAt`. A
 * timestamp that is not plain digits is refused, never read as "recent". The
 * check runs on `node:crypto` in constant time rather than on the SDK's
 * `webhooks.verify`, which reads `"1767225600abc"` as a valid timestamp and
 * can only compare with the wall clock (see `internal/svixSignature.ts`).
 *
 * The event id is `svix-id`: Resend retries a delivery with the same one.
 * A `tolerance` that is not more than zero and within 24.8 days fails the
 * source to build as `Misconfigured`; nothing thrown while verifying escapes
 * as a defect (it is `PayloadInvalid`).
 *
 * @example
 * ```ts
 * import { Config, Effect, Redacted } from "effect"
 * import { WebhookSource } from "@wedsync/core"
 * import { ResendWebhooks } from "@wedsync/adapter-email"
 *
 * const source = ResendWebhooks.layerConfig({ secret: Config.Redacted("RESEND_WEBHOOK_SECRET") })
 * const receive = (request: WebhookSource.WebhookRequest) =>
 *   Effect.gen(function* () {
 *     const resend = yield* WebhookSource.WebhookSource
 *     const event = yield* resend.verify(request)
 *     return yield* ResendWebhooks.deliveryEvents(event)
 *   })
 * ```
 *
 * @since 0.1.0
 */
import { type Config, Duration, Effect, type Layer, Redacted, Result, Schema } from "effect"
import { type DeliveryEvent, type IntegrationError, WebhookSource } from "@wedsync/core"
import { deliveryEvents as decodeDeliveryEvents, Envelope, epochMillis } from "./internal/resendEvents.ts"
import { decodeSecret, matches, parseTimestamp, signedHeaders } from "./internal/svixSignature.ts"
import { forged, guarded, misconfigured, unreadable, window } from "./internal/webhookAuth.ts"

const PROVIDER = "resend"

/** Options of the Resend webhook source. @since 0.1.0 */
export interface Options {
  /**
   * The endpoint's signing secret (`whsec_…`), or several while rotating:
   * a delivery signed with any of them passes.
   */
  readonly secret: Redacted.Redacted<string> | ReadonlyArray<Redacted.Redacted<string>>
  /** How far `svix-timestamp` may be from `receivedAt`, either way (default 5 minutes; more than zero, at most 24.8 days). */
  readonly tolerance?: Duration.Input | undefined
}

/** Resend's (and Svix's) tolerance. @since 0.1.0 */
export const defaultTolerance: Duration.Duration = Duration.minutes(5)

/** The secrets as given, checked as `unknown`: plain JavaScript may pass `undefined`, a string or a list of them. */
const secretsOf = (secret: unknown): ReadonlyArray<unknown> => (Array.isArray(secret) ? secret : [secret])

/** The HMAC key of one secret, or why it is unusable (never its value). */
const keyOf = (secret: unknown, name: string): Buffer | string => {
  if (secret === undefined || secret === null) return `${name} is missing`
  if (!Redacted.isRedacted(secret)) return `${name} is not a Redacted value (wrap it with Redacted.make)`
  const text: unknown = Redacted.value(secret)
  if (text === undefined || text === null) return `${name} is missing`
  if (typeof text !== "string") return `${name} is not text`
  if (text.trim() === "") return `${name} is empty`
  return decodeSecret(text) ?? `${name} is not whsec_ followed by base64`
}

const parse = (request: WebhookSource.WebhookRequest, id: string) =>
  Effect.try({
    try: (): unknown => JSON.parse(request.body),
    catch: () => unreadable(PROVIDER, "webhook", "the body is not JSON")
  }).pipe(
    Effect.flatMap((payload) =>
      Schema.decodeUnknownEffect(Envelope)(payload).pipe(
        Effect.mapError((error) =>
          WebhookSource.payloadInvalid(PROVIDER, "webhook", "not a Resend event", error.issue)
        ),
        Effect.flatMap((envelope) => {
          const occurredAt = epochMillis(envelope.created_at)
          return occurredAt === undefined
            ? Effect.fail(unreadable(PROVIDER, "webhook", "created_at is not a time"))
            : Effect.succeed({ provider: PROVIDER, id, type: envelope.type, occurredAt, payload })
        })
      )
    )
  )

/**
 * Builds the Resend webhook source. Fails with `Misconfigured` when no secret
 * is given (also an `undefined` one from plain JavaScript), one is not
 * `whsec_` + base64 (padded or not), or `tolerance` is not a duration more
 * than zero and within 24.8 days.
 *
 * @example
 * ```ts
 * const source = yield* ResendWebhooks.make({ secret: Redacted.make("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") })
 * ```
 * @since 0.1.0
 */
export const make = (
  options: Options
): Effect.Effect<WebhookSource.WebhookSource["Service"], IntegrationError.IntegrationError> =>
  Effect.suspend(() => {
    const secrets = secretsOf((options as Partial<Options> | undefined)?.secret)
    if (secrets.length === 0) return Effect.fail(misconfigured(PROVIDER, "no webhook secret given"))
    const keys: Array<Buffer> = []
    for (const [index, secret] of secrets.entries()) {
      const key = keyOf(secret, `webhook secret #${index + 1}`)
      if (typeof key === "string") return Effect.fail(misconfigured(PROVIDER, key))
      keys.push(key)
    }
    const checked = window(PROVIDER, "tolerance", options.tolerance ?? defaultTolerance)
    if (Result.isFailure(checked)) return Effect.fail(checked.failure)
    const tolerance = Duration.toMillis(checked.success)
    const verify = (request: WebhookSource.WebhookRequest) => {
      const { id, timestamp, signatures } = signedHeaders(request.headers)
      if (id === "" || timestamp === "" || signatures === "") {
        return Effect.fail(forged(PROVIDER, "svix-id, svix-timestamp or svix-signature (or webhook-*) is missing"))
      }
      const seconds = parseTimestamp(timestamp)
      if (seconds === undefined) return Effect.fail(forged(PROVIDER, "svix-timestamp is not unix seconds"))
      if (!(Math.abs(request.receivedAt - seconds * 1000) <= tolerance)) {
        return Effect.fail(forged(PROVIDER, "svix-timestamp is outside the tolerance"))
      }
      if (!matches(keys, { id, timestamp, body: request.body, signatures })) {
        return Effect.fail(forged(PROVIDER, "no svix-signature matches"))
      }
      return parse(request, id)
    }
    const secretTexts = secrets.map((secret) => Redacted.value(secret as Redacted.Redacted<string>))
    return Effect.succeed(
      WebhookSource.WebhookSource.of({ provider: PROVIDER, verify: guarded(PROVIDER, secretTexts, verify) })
    )
  })

/**
 * The Resend webhook source layer.
 *
 * @example
 * ```ts
 * const source = ResendWebhooks.layer({
 *   secret: [Redacted.make(process.env.RESEND_WEBHOOK_SECRET ?? ""), Redacted.make(process.env.RESEND_WEBHOOK_SECRET_OLD ?? "")]
 * })
 * ```
 * @since 0.1.0
 */
export const layer: (options: Options) => Layer.Layer<WebhookSource.WebhookSource, IntegrationError.IntegrationError> =
  WebhookSource.layerOf(make)

/**
 * The Resend webhook source with its options read from `Config`.
 *
 * @example
 * ```ts
 * const source = ResendWebhooks.layerConfig({
 *   secret: Config.Array(Schema.Redacted(Schema.String), "RESEND_WEBHOOK_SECRETS"),
 *   tolerance: Config.Duration("RESEND_WEBHOOK_TOLERANCE").pipe(Config.withDefault(ResendWebhooks.defaultTolerance))
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

/**
 * The delivery events in a verified Resend event: `email.sent` → sent,
 * `email.delivered` → delivered, `email.delivery_delayed` → delayed,
 * `email.bounced` → bounced (hard for a `Permanent` bounce, soft otherwise),
 * `email.complained` → complained, `email.opened` → opened, `email.clicked` →
 * clicked (with the link), `email.failed` and `email.suppressed` → failed;
 * none for other types. `messageId` is `data.email_id`, the id Resend's send
 * answered with. An event's id is `resend:<email id>:<status>`, with the
 * `svix-id` appended for opens, clicks and delays, which can happen many times.
 *
 * @example
 * ```ts
 * const events = yield* ResendWebhooks.deliveryEvents(yield* source.verify(request))
 * // [DeliveryEvent { status: "bounced", bounce: "hard", messageId: "4ef9a417-…", source: "webhook" }]
 * ```
 * @since 0.1.0
 */
export const deliveryEvents: DeliveryEvent.Decoder = decodeDeliveryEvents
