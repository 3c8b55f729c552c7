/**
 * The inbound webhook port: what core asks of any provider whose webhooks we
 * receive. A source checks that a delivery really comes from its provider
 * (signature, timestamp, credentials) and decodes it into an event with the
 * provider's own id, the key deliveries are deduplicated on.
 *
 * A source never throws: a forged, stale or unsigned delivery fails with the
 * reason `SignatureInvalid`, an authentic but unreadable one with
 * `PayloadInvalid`. The webhook pipeline keeps both for review instead of
 * dropping them.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { WebhookSource } from "@wedsync/core"
 *
 * const receive = (request: WebhookSource.WebhookRequest) =>
 *   Effect.gen(function*() {
 *     const source = yield* WebhookSource.WebhookSource
 *     const event = yield* source.verify(request)
 *     return event.id // dedupe on this
 *   })
 * ```
 *
 * @since 0.1.0
 */
import { type Config, Context, Effect, Layer, Schema, type SchemaIssue } from "effect"
import * as AdapterConfig from "./AdapterConfig.ts"
import * as IntegrationErrors from "./IntegrationError.ts"
import type { IntegrationError } from "./IntegrationError.ts"
import { EpochMillis, NonEmptyString } from "./Fields.ts"
import { describeIssues, fieldIssues } from "./internal/schemaIssues.ts"

/**
 * A delivery exactly as it arrived: the raw body (signatures cover bytes, not
 * parsed JSON), header names in lower case, and the public URL the provider
 * posted to (Twilio signs the URL).
 *
 * @example
 * ```ts
 * const request = new WebhookSource.WebhookRequest({
 *   method: "POST",
 *   url: "https://hooks.wedsync.example/stripe",
 *   headers: { "stripe-signature": "t=1767225600,v1=5257a869…" },
 *   body: rawBody,
 *   receivedAt: Date.now()
 * })
 * ```
 * @since 0.1.0
 */
export class WebhookRequest extends Schema.Class<WebhookRequest>("@wedsync/core/WebhookSource/WebhookRequest")({
  method: Schema.String,
  url: Schema.String,
  headers: Schema.Record(Schema.String, Schema.String),
  body: Schema.String,
  /** The sender's address, for IP allowlists (Postmark). */
  remoteAddress: Schema.optional(Schema.String),
  receivedAt: EpochMillis
}) {}

/**
 * An authentic, decoded provider event.
 *
 * @example
 * ```ts
 * const event: WebhookSource.WebhookEvent = {
 *   provider: "stripe",
 *   id: "evt_1QxY2",
 *   type: "payment_intent.succeeded",
 *   occurredAt: 1767225600000,
 *   payload: { id: "evt_1QxY2" }
 * }
 * ```
 * @since 0.1.0
 */
export const WebhookEvent = Schema.Struct({
  provider: Schema.String,
  /** The provider's id for this event: two deliveries with the same id are one event. */
  id: NonEmptyString,
  /** The provider's event type, e.g. `"payment_intent.succeeded"`, `"email.bounced"`. */
  type: Schema.String,
  /** When the provider says the event happened, epoch milliseconds (UTC). */
  occurredAt: Schema.optional(EpochMillis),
  /** The decoded body (or, for header-only deliveries such as Google's, the headers that carry the event). */
  payload: Schema.Unknown
})

/** @since 0.1.0 */
export type WebhookEvent = typeof WebhookEvent.Type

/**
 * The webhook port. One layer per provider; the webhook pipeline routes a
 * delivery to its source by path.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { WebhookSource } from "@wedsync/core"
 *
 * const layer = Layer.succeed(
 *   WebhookSource.WebhookSource,
 *   WebhookSource.WebhookSource.of({
 *     provider: "console",
 *     verify: (request) => Effect.succeed({ provider: "console", id: request.body, type: "test", payload: null })
 *   })
 * )
 * ```
 * @since 0.1.0
 */
export class WebhookSource extends Context.Service<
  WebhookSource,
  {
    /** The provider's name, e.g. `"stripe"`. */
    readonly provider: string
    /** Authenticates and decodes one delivery; fails with `SignatureInvalid` or `PayloadInvalid`. */
    readonly verify: (request: WebhookRequest) => Effect.Effect<WebhookEvent, IntegrationError>
  }
>()("@wedsync/core/WebhookSource") {}

/**
 * The `PayloadInvalid` error of an authentic delivery that does not decode,
 * naming what is wrong: `what` alone, or followed by every bad field of the
 * Schema issue (`"not a Stripe event: id: Expected string, got 42"`), which
 * the webhook pipeline answers as a 400. Field values are never quoted, so a
 * payload's contents do not reach logs through it.
 *
 * @example
 * ```ts
 * Schema.decodeUnknownEffect(Envelope)(json).pipe(
 *   Effect.mapError((error) => WebhookSource.payloadInvalid("stripe", "webhook", "not a Stripe event", error.issue))
 * )
 * ```
 * @since 0.1.0
 */
export const payloadInvalid = (
  provider: string,
  operation: string,
  what: string,
  issue?: SchemaIssue.Issue | undefined
): IntegrationError => {
  const fields = issue === undefined ? [] : fieldIssues(issue)
  const description =
    fields.length === 0
      ? what
      : `${what}: ${describeIssues(fields.map((field) => ({ ...field, message: withoutValue(field.message) })))}`
  return IntegrationErrors.make(provider, operation, new IntegrationErrors.PayloadInvalid({ description }))
}

// Schema's messages quote the value they got ("Expected string, got 42"); a payload may carry personal data.
const withoutValue = (message: string): string => message.replace(/, got [\s\S]*$/, "")

/**
 * A source from its `verify`, with the port's promise kept for it: nothing
 * thrown while verifying (a parser's defect, a lookup's) escapes as a
 * defect; it is refused as `PayloadInvalid`, with the `secrets` scrubbed
 * from its description.
 *
 * @example
 * ```ts
 * const source = WebhookSource.guarded("stripe", (request) => verifySignature(request), [secret])
 * ```
 * @since 0.1.0
 */
export const guarded = (
  provider: string,
  verify: (request: WebhookRequest) => Effect.Effect<WebhookEvent, IntegrationError>,
  secrets: ReadonlyArray<string> = []
): WebhookSource["Service"] =>
  WebhookSource.of({
    provider,
    verify: (request) =>
      Effect.suspend(() => verify(request)).pipe(
        Effect.catchDefect((defect) =>
          Effect.fail(
            IntegrationErrors.make(
              provider,
              "webhook",
              new IntegrationErrors.PayloadInvalid({
                description: `unexpected ${AdapterConfig.describeDefect(defect, secrets)}`
              })
            )
          )
        )
      )
  })

/**
 * A source's `layer` from its `make`.
 *
 * @example
 * ```ts
 * export const layer = WebhookSource.layerOf(make)
 * ```
 * @since 0.1.0
 */
export const layerOf =
  <O>(make: (options: O) => Effect.Effect<WebhookSource["Service"], IntegrationError>) =>
  (options: O): Layer.Layer<WebhookSource, IntegrationError> =>
    Layer.effect(WebhookSource, make(options))

/**
 * A source's `layerConfig` from its `make`: its options read from `Config`,
 * a value that cannot be read failing as the provider's `Misconfigured`
 * (operation `webhook.configure`).
 *
 * @example
 * ```ts
 * export const layerConfig = WebhookSource.layerConfigOf("stripe", make)
 * ```
 * @since 0.1.0
 */
export const layerConfigOf =
  <O>(provider: string, make: (options: O) => Effect.Effect<WebhookSource["Service"], IntegrationError>) =>
  (config: Config.Wrap<O>): Layer.Layer<WebhookSource, IntegrationError> =>
    Layer.effect(WebhookSource, Effect.flatMap(AdapterConfig.unwrap(provider, config, "webhook.configure"), make))
