/**
 * A `WebhookSource` for any sender that signs the Standard Webhooks way
 * (https://www.standardwebhooks.com): Supabase hooks, Clerk, Svix-powered
 * senders and others. One source per sender, named by `provider`.
 *
 * A delivery passes when its `webhook-id`, `webhook-timestamp` and
 * `webhook-signature` headers (or the branded `svix-*` ones) are present, the
 * timestamp is plain unix seconds within `tolerance` (default 5 minutes, both
 * ways) of `request.receivedAt`, and one `v1,` signature in the header
 * matches under one of the secrets (several while rotating). Secrets are
 * `whsec_` + base64, padded or not. The check is our own constant-time HMAC
 * rather than the `standardwebhooks` library's, which lets
 * `"1614265330abc"` through as a timestamp and can compare only with the wall
 * clock (see `internal/standardWebhooksSignature.ts`).
 *
 * The body must be JSON. By default the event id is `webhook-id` (a sender
 * retries with the same one), the type is the body's `type` field and the
 * time its ISO `timestamp` field, as the specification's payload structure
 * has them; a sender whose JSON differs gives a `payload` Schema and a
 * `describe` function. Options a source cannot work with (a secret that is
 * missing, empty or not base64, a tolerance no timer can hold) fail `make`
 * with `Misconfigured`, also when called from plain JavaScript; nothing
 * thrown while verifying escapes as a defect.
 *
 * @example
 * ```ts
 * import { Redacted, Schema } from "effect"
 * import { Inbound, StandardWebhooks } from "@wedsync/webhooks"
 *
 * const SendSms = Schema.Struct({ user: Schema.Struct({ phone: Schema.String }), sms: Schema.Struct({ otp: Schema.String }) })
 * const supabase = StandardWebhooks.make({
 *   provider: "supabase-auth",
 *   secret: Redacted.make(process.env.SEND_SMS_HOOK_SECRET ?? ""),
 *   payload: SendSms,
 *   describe: () => ({ type: "auth.send_sms" })
 * })
 * export const POST = Inbound.webHandler(supabase, OutboxLive).handler
 * ```
 *
 * @since 0.1.0
 */
import { Duration, Effect, Layer, Result, Schema } from "effect"
import type { Redacted } from "effect"
import { IntegrationError, WebhookSource } from "@wedsync/core"
import { checkOptions, type Checked } from "./internal/standardWebhooksOptions.ts"
import { matches, parseTimestamp, signedHeaders } from "./internal/standardWebhooksSignature.ts"

/**
 * What a verified delivery is, as `describe` reads it from the payload.
 *
 * @example
 * ```ts
 * const described: StandardWebhooks.Described = { type: "user.created", occurredAt: Date.parse("2026-12-06T10:00:00Z") }
 * ```
 * @since 0.1.0
 */
export interface Described {
  /** The sender's event id; `webhook-id` when absent. */
  readonly id?: string | undefined
  /** The sender's event type, e.g. `"user.created"`. */
  readonly type: string
  /** When the event happened, epoch milliseconds. */
  readonly occurredAt?: number | undefined
}

/**
 * The signed headers of a verified delivery, given to `describe`.
 *
 * @example
 * ```ts
 * const describe = (payload: unknown, delivery: StandardWebhooks.Delivery) => ({ type: "hook", occurredAt: delivery.timestamp * 1000 })
 * ```
 * @since 0.1.0
 */
export interface Delivery {
  /** `webhook-id` (or `svix-id`). */
  readonly id: string
  /** `webhook-timestamp` (or `svix-timestamp`), unix seconds. */
  readonly timestamp: number
}

/**
 * Options of a Standard Webhooks source.
 *
 * @example
 * ```ts
 * const options: StandardWebhooks.Options = {
 *   provider: "clerk",
 *   secret: [Redacted.make("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), Redacted.make("whsec_dGhlLW9sZC1zZWNyZXQ")]
 * }
 * ```
 * @since 0.1.0
 */
export interface Options<A = unknown> {
  /** The sender's name: the events' `provider`, and part of their inbox job ids. */
  readonly provider: string
  /** The signing secret (`whsec_…`), or several while rotating: a delivery signed with any of them passes. */
  readonly secret: Redacted.Redacted<string> | ReadonlyArray<Redacted.Redacted<string>>
  /** How far the timestamp may be from `receivedAt`, either way (default 5 minutes; more than zero, at most 24.8 days). */
  readonly tolerance?: Duration.Input | undefined
  /** The payload's shape: a body that does not decode is `PayloadInvalid` naming the field (default: any JSON). */
  readonly payload?: Schema.Decoder<A> | undefined
  /** The event's id, type and time (default: `webhook-id`, the `type` field, the ISO `timestamp` field). */
  readonly describe?: ((payload: A, delivery: Delivery) => Described | undefined) | undefined
}

/**
 * The specification's (and Svix's) tolerance: 5 minutes.
 *
 * @example
 * ```ts
 * StandardWebhooks.defaultTolerance // Duration.minutes(5)
 * ```
 * @since 0.1.0
 */
export const defaultTolerance: Duration.Duration = Duration.minutes(5)

const forged = (provider: string, description: string) =>
  IntegrationError.make(provider, "webhook", new IntegrationError.SignatureInvalid({ description }))

const unreadable = (provider: string, description: string) =>
  IntegrationError.make(provider, "webhook", new IntegrationError.PayloadInvalid({ description }))

const Typed = Schema.Struct({ type: Schema.String })

const isoTime = (value: unknown): number | undefined => {
  const parsed = typeof value === "string" ? Date.parse(value) : Number.NaN
  return Number.isFinite(parsed) && parsed >= 0 ? parsed : undefined
}

/** The default description: the `type` field (required) and the ISO `timestamp` field (optional). */
const describeDefault = (
  provider: string,
  payload: unknown
): Result.Result<Described, IntegrationError.IntegrationError> => {
  const typed = Schema.decodeUnknownResult(Typed)(payload)
  if (Result.isFailure(typed)) {
    return Result.fail(
      WebhookSource.payloadInvalid(provider, "webhook", `not a ${provider} event`, typed.failure.issue)
    )
  }
  const occurredAt = isoTime((payload as { readonly timestamp?: unknown }).timestamp)
  return Result.succeed({ type: typed.success.type, ...(occurredAt === undefined ? {} : { occurredAt }) })
}

const eventOf = <A>(
  checked: Checked<A>,
  payload: A,
  delivery: Delivery
): Effect.Effect<WebhookSource.WebhookEvent, IntegrationError.IntegrationError> => {
  const { provider, describe } = checked
  let described: Result.Result<Described, IntegrationError.IntegrationError>
  if (describe === undefined) described = describeDefault(provider, payload)
  else {
    const given = describe(payload, delivery)
    described =
      given === undefined || typeof given.type !== "string"
        ? Result.fail(unreadable(provider, `not a ${provider} event: describe found no type`))
        : Result.succeed(given)
  }
  if (Result.isFailure(described)) return Effect.fail(described.failure)
  const { id = delivery.id, type, occurredAt } = described.success
  if (typeof id !== "string" || id === "") return Effect.fail(unreadable(provider, `not a ${provider} event: no id`))
  if (occurredAt !== undefined && !(Number.isSafeInteger(occurredAt) && occurredAt >= 0)) {
    return Effect.fail(unreadable(provider, `not a ${provider} event: occurredAt is not epoch milliseconds`))
  }
  return Effect.succeed({ provider, id, type, ...(occurredAt === undefined ? {} : { occurredAt }), payload })
}

const decode = <A>(checked: Checked<A>, body: string, delivery: Delivery) => {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    return Effect.fail(unreadable(checked.provider, "the body is not JSON"))
  }
  const schema = checked.payload
  if (schema === undefined) return eventOf(checked, json as A, delivery)
  return Schema.decodeUnknownEffect(schema)(json).pipe(
    Effect.mapError((error) =>
      WebhookSource.payloadInvalid(checked.provider, "webhook", `not a ${checked.provider} event`, error.issue)
    ),
    Effect.flatMap((payload) => eventOf(checked, payload, delivery))
  )
}

const source = <A>(checked: Checked<A>): WebhookSource.WebhookSource["Service"] => {
  const { provider, keys, secrets, toleranceMillis } = checked
  const verify = (request: WebhookSource.WebhookRequest) => {
    const { id, timestamp, signatures } = signedHeaders(request.headers)
    if (id === undefined || id === "" || timestamp === undefined || timestamp === "" || !signatures) {
      return Effect.fail(forged(provider, "webhook-id, webhook-timestamp or webhook-signature (or svix-*) is missing"))
    }
    const seconds = parseTimestamp(timestamp)
    if (seconds === undefined) return Effect.fail(forged(provider, "webhook-timestamp is not unix seconds"))
    // Written so that a NaN receivedAt is outside the tolerance too.
    if (!(Math.abs(request.receivedAt - seconds * 1000) <= toleranceMillis)) {
      return Effect.fail(forged(provider, "webhook-timestamp is outside the tolerance"))
    }
    if (!matches(keys, { id, timestamp, body: request.body, signatures })) {
      return Effect.fail(forged(provider, "no v1 signature in webhook-signature matches"))
    }
    return decode(checked, request.body, { id, timestamp: seconds })
  }
  return WebhookSource.guarded(provider, (request) => Effect.suspend(() => verify(request)), secrets)
}

/**
 * Builds a Standard Webhooks source. Fails with `Misconfigured` when the
 * provider name is empty, no secret is given, one is not `whsec_` + base64,
 * `tolerance` is not a duration more than zero and within 24.8 days, or
 * `payload` is not a Schema.
 *
 * @example
 * ```ts
 * const clerk = yield* StandardWebhooks.make({ provider: "clerk", secret: Redacted.make("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") })
 * const event = yield* clerk.verify(request) // { provider: "clerk", id: "msg_…", type: "user.created", … }
 * ```
 * @since 0.1.0
 */
export const make = <A = unknown>(
  options: Options<A>
): Effect.Effect<WebhookSource.WebhookSource["Service"], IntegrationError.IntegrationError> =>
  Effect.suspend(() => {
    const checked = checkOptions(options, defaultTolerance)
    return Result.isFailure(checked) ? Effect.fail(checked.failure) : Effect.succeed(source(checked.success))
  })

/**
 * A Standard Webhooks source as a layer of the core `WebhookSource` port.
 *
 * @example
 * ```ts
 * const ClerkHooks = StandardWebhooks.layer({
 *   provider: "clerk",
 *   secret: [Redacted.make(process.env.CLERK_WEBHOOK_SECRET ?? ""), Redacted.make(process.env.CLERK_WEBHOOK_SECRET_OLD ?? "")],
 *   tolerance: "2 minutes"
 * })
 * ```
 * @since 0.1.0
 */
export const layer = <A = unknown>(
  options: Options<A>
): Layer.Layer<WebhookSource.WebhookSource, IntegrationError.IntegrationError> =>
  Layer.effect(WebhookSource.WebhookSource, make(options))
