/**
 * The Twilio `WebhookSource`: Messaging status callbacks (form-encoded) and
 * Event Streams deliveries (JSON CloudEvents), checked against
 * `X-Twilio-Signature` with twilio's own validators.
 *
 * Twilio signs the PUBLIC URL it posted to. Behind a proxy or load balancer
 * the URL your server sees differs (`http://10.0.0.5:8080/twilio`), so give
 * `publicBaseUrl`, or let the source rebuild the URL from `X-Forwarded-Proto`
 * / `X-Forwarded-Host` with `trustForwardedHeaders` — only when your proxy
 * sets (overwrites) them; they are never trusted otherwise.
 *
 * Twilio's scheme has no timestamp, so a captured delivery verifies forever:
 * replay protection is deduplication on the event id. The id is therefore
 * built from signed content only — `<MessageSid>:<MessageStatus>` for a
 * callback, the CloudEvent id for Event Streams — never from the unsigned
 * `I-Twilio-Idempotency-Token` header, which a replayer could change to dodge
 * deduplication. Twilio's retries resend the same body, so they dedupe too.
 *
 * Twilio's signature covers `key1 + value1 + key2 + …` with no separator, so
 * a captured callback can be re-split (`MessageSid=SM…&MessageStatus=sent`
 * becomes `MessageSid=SM…MessageStatussent`) under the same signature. The
 * parameters the source reads (`MessageSid`, `SmsSid`, `MessageStatus`,
 * `SmsStatus`, `ErrorCode`, `AccountSid`, `ApiVersion`) must have Twilio's
 * shapes, no other parameter's name may run into theirs (`ErrorCode30003=`)
 * and no value may contain one of their names, so such a delivery is refused
 * as `PayloadInvalid`; the other parameters of a form callback (`To`, `Body`,
 * …) are only as trustworthy as Twilio's scheme (an inbound message whose
 * text contains `MessageSid` or another of those names is refused too).
 *
 * `layer` and `layerConfig` fail to build with `Misconfigured` naming the
 * option when `authToken` (or a given `sharedKeySecret`) is empty or blank or
 * `publicBaseUrl` is not an http(s) URL; a source from `make` refuses every
 * delivery such options cannot check, naming the option.
 *
 * @since 0.1.0
 */
import { type Config, type Layer, Redacted, Result, Schema } from "effect"
import { AdapterConfig, type DeliveryEvent, IntegrationError, WebhookSource } from "@wedsync/core"
import { CloudEvent, callbackStatus, decode, epochMillis, StatusCallback } from "./internal/twilioDelivery.ts"
import { bodyHashOf, check, signedUrl } from "./internal/twilioSignature.ts"
import { fromVerify, whenValid } from "./internal/webhookSource.ts"

/**
 * Options of the Twilio webhook source.
 *
 * @since 0.1.0
 */
export interface Options {
  /** Checks deliveries signed with the Auth Token (no settings header), HMAC-SHA1. */
  readonly authToken: Redacted.Redacted<string>
  /** Checks deliveries that name a SharedKey in `X-Twilio-Webhooks-Signature-Settings` (HMAC-SHA1 or HMAC-SHA256). */
  readonly sharedKeySecret?: Redacted.Redacted<string> | undefined
  /** The scheme and host Twilio posts to (`https://hooks.example.com`); the request's path and query are appended. */
  readonly publicBaseUrl?: string | undefined
  /** Rebuild the public URL from the first hop of `X-Forwarded-Proto` / `X-Forwarded-Host` (default false). */
  readonly trustForwardedHeaders?: boolean | undefined
}

const refuse = (description: string) =>
  IntegrationError.make("twilio", "webhook", new IntegrationError.SignatureInvalid({ description }))

const unreadable = (description: string) =>
  IntegrationError.make("twilio", "webhook", new IntegrationError.PayloadInvalid({ description }))

const EventStream = Schema.NonEmptyArray(CloudEvent)

/** An Event Streams delivery: a batch of CloudEvents (a lone object is taken as a batch of one). */
const streamEvent = (
  body: string,
  receivedAt: number
): WebhookSource.WebhookEvent | IntegrationError.IntegrationError => {
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    return unreadable("the body is not JSON")
  }
  const decoded = Schema.decodeUnknownResult(EventStream)(Array.isArray(parsed) ? parsed : [parsed])
  if (decoded._tag === "Failure") {
    return WebhookSource.payloadInvalid("twilio", "webhook", "not a batch of Twilio CloudEvents", decoded.failure.issue)
  }
  const events = decoded.success
  return {
    provider: "twilio",
    id: events.map((event) => event.id).join(","),
    type: events.length === 1 ? events[0].type : "com.twilio.batch",
    occurredAt: epochMillis(events[0].time) ?? receivedAt,
    payload: events
  }
}

/**
 * The shapes Twilio gives the parameters a callback is read by. Its signature
 * covers `key1 + value1 + key2 + …` with no separator, so the boundary
 * between a name and its value is not signed: `MessageSid=SM…&MessageStatus=sent`
 * and `MessageSid=SM…MessageStatussent` verify alike, and so do
 * `ErrorCode=30003` and `ErrorCode30003=`. Checking the shape of each
 * parameter read, that no other name runs into one of theirs and that no
 * value swallowed one, refuses such a re-split delivery instead of taking a
 * made-up SID (a new event id), a status from another field, or no error code.
 */
const shapes: ReadonlyArray<readonly [name: string, shape: RegExp, expected: string]> = [
  ["MessageSid", /^(?:SM|MM)[0-9a-f]{32}$/i, "a message SID (SM or MM and 32 hex digits)"],
  ["SmsSid", /^(?:SM|MM)[0-9a-f]{32}$/i, "a message SID (SM or MM and 32 hex digits)"],
  ["MessageStatus", /^[a-z_]{1,40}$/, "a lower-case status"],
  ["SmsStatus", /^[a-z_]{1,40}$/, "a lower-case status"],
  ["ErrorCode", /^[0-9]{1,6}$/, "a numeric error code"],
  ["AccountSid", /^AC[0-9a-f]{32}$/i, "an account SID"],
  ["ApiVersion", /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/, "a date"]
]

const readNames = shapes.map(([name]) => name)

/** Why a callback's parameters look re-split (see {@link shapes}), if they do. */
const shiftedField = (params: Readonly<Record<string, string>>): string | undefined => {
  for (const [name, shape, expected] of shapes) {
    const value = params[name]
    if (value !== undefined && !shape.test(value)) return `${name} is not ${expected}`
  }
  for (const [name, value] of Object.entries(params)) {
    const read = readNames.find(
      (candidate) => name !== candidate && (candidate.startsWith(name) || name.startsWith(candidate))
    )
    if (read !== undefined) return `a parameter name runs into ${read} (Twilio does not sign where names end)`
    const swallowed = readNames.find((candidate) => value.includes(candidate))
    if (swallowed !== undefined) return `a parameter value contains the name ${swallowed}`
  }
  return undefined
}

/** A Messaging status callback: form parameters (the first value of a repeated key). */
const callbackEvent = (
  body: string,
  receivedAt: number
): WebhookSource.WebhookEvent | IntegrationError.IntegrationError => {
  // Null prototype: a parameter named `__proto__`, `constructor` or `toString` is a parameter like any other.
  const params: Record<string, string> = Object.create(null)
  for (const [key, value] of new URLSearchParams(body)) params[key] ??= value
  const decoded = Schema.decodeUnknownResult(StatusCallback)(params)
  if (decoded._tag === "Failure") {
    return WebhookSource.payloadInvalid("twilio", "webhook", "not a Twilio status callback", decoded.failure.issue)
  }
  const status = callbackStatus(decoded.success)
  if (status === undefined) return unreadable("not a Twilio status callback: no MessageStatus or SmsStatus")
  const shifted = shiftedField(params)
  if (shifted !== undefined) return unreadable(`not a Twilio status callback: ${shifted}`)
  return {
    provider: "twilio",
    id: `${decoded.success.MessageSid}:${status}`,
    type: `message.${status}`,
    // Form callbacks carry no time; Twilio sends them as the status changes.
    occurredAt: receivedAt,
    payload: params
  }
}

/**
 * Builds the Twilio webhook source.
 *
 * @example
 * ```ts
 * const source = TwilioWebhooks.make({
 *   authToken: Redacted.make(process.env.TWILIO_AUTH_TOKEN!),
 *   publicBaseUrl: "https://hooks.wedsync.example"
 * })
 * const event = yield* source.verify(request) // event.id: "SM3f1c…:delivered"
 * ```
 * @since 0.1.0
 */
export const make = (options: Options): WebhookSource.WebhookSource["Service"] => {
  const verify = (
    request: WebhookSource.WebhookRequest
  ): WebhookSource.WebhookEvent | IntegrationError.IntegrationError => {
    const target = signedUrl(request, options)
    if ("refused" in target) return refuse(target.refused)
    const refused = check(
      { url: target.url, headers: request.headers, body: request.body },
      {
        authToken: Redacted.value(options.authToken),
        sharedKeySecret: options.sharedKeySecret === undefined ? undefined : Redacted.value(options.sharedKeySecret)
      }
    )
    if (refused !== undefined) return refuse(refused)
    return bodyHashOf(target.url) === undefined
      ? callbackEvent(request.body, request.receivedAt)
      : streamEvent(request.body, request.receivedAt)
  }
  const secrets = [options.authToken, options.sharedKeySecret].flatMap((secret) =>
    secret === undefined ? [] : [Redacted.value(secret)]
  )
  return fromVerify("twilio", verify, secrets)
}

/** The options a layer refuses to build with, as the first `Misconfigured` error. */
const checkOptions = (options: Options): AdapterConfig.Check<unknown> =>
  Result.all([
    AdapterConfig.nonEmptySecret("twilio", "authToken", options.authToken),
    options.sharedKeySecret === undefined
      ? Result.succeed(undefined)
      : AdapterConfig.nonEmptySecret("twilio", "sharedKeySecret", options.sharedKeySecret),
    options.publicBaseUrl === undefined
      ? Result.succeed(undefined)
      : AdapterConfig.baseUrl("twilio", "publicBaseUrl", options.publicBaseUrl)
  ])

const build = (options: Options) =>
  whenValid(
    "twilio",
    () => checkOptions(options),
    () => make(options)
  )

/**
 * The Twilio `WebhookSource` layer. Fails to build with `Misconfigured`,
 * naming the option, for an empty `authToken` or `sharedKeySecret` or a
 * `publicBaseUrl` that is not an http(s) URL.
 *
 * @example
 * ```ts
 * const TwilioHooks = TwilioWebhooks.layer({
 *   authToken: Redacted.make(process.env.TWILIO_AUTH_TOKEN!),
 *   trustForwardedHeaders: true // behind a proxy that sets X-Forwarded-Proto / -Host
 * })
 * ```
 * @since 0.1.0
 */
export const layer: (options: Options) => Layer.Layer<WebhookSource.WebhookSource, IntegrationError.IntegrationError> =
  WebhookSource.layerOf(build)

/**
 * The Twilio webhook source with its options read from `Config` (secrets as `Config.Redacted`).
 *
 * @example
 * ```ts
 * const TwilioHooks = TwilioWebhooks.layerConfig({
 *   authToken: Config.Redacted("TWILIO_AUTH_TOKEN"),
 *   publicBaseUrl: Config.String("PUBLIC_WEBHOOK_BASE_URL")
 * })
 * ```
 * @since 0.1.0
 */
export const layerConfig: (
  config: Config.Wrap<Options>
) => Layer.Layer<WebhookSource.WebhookSource, IntegrationError.IntegrationError> = WebhookSource.layerConfigOf(
  "twilio",
  build
)

/**
 * Turns a verified Twilio event into delivery events: `sent`, `delivered`,
 * `undelivered` and `failed` (with `ErrorCode` as `providerCode`, e.g. 30003),
 * `canceled` → `failed`, `read` → `opened`; `accepted` / `queued` / `sending`
 * (not yet with a carrier) and inbound statuses give none. Event ids are
 * `twilio:<MessageSid>:<status>`, the ids reconciliation gives the same news.
 *
 * @example
 * ```ts
 * const events = yield* TwilioWebhooks.deliveryEvents(yield* source.verify(request))
 * // [DeliveryEvent { id: "twilio:SM3f1c…:undelivered", status: "undelivered", providerCode: "30003", … }]
 * ```
 * @since 0.1.0
 */
export const deliveryEvents: DeliveryEvent.Decoder = decode
