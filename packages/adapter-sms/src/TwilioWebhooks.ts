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
 * @since 0.1.0
 */
import { Config, Effect, Layer, Redacted, Schema } from "effect"
import { type DeliveryEvent, IntegrationError, WebhookSource } from "@wedsync/core"
import { CloudEvent, callbackStatus, decode, epochMillis, StatusCallback } from "./internal/twilioDelivery.ts"
import { bodyHashOf, check, signedUrl } from "./internal/twilioSignature.ts"
import { fromVerify } from "./internal/webhookSource.ts"

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
  const decoded = Schema.decodeUnknownOption(EventStream)(Array.isArray(parsed) ? parsed : [parsed])
  if (decoded._tag === "None") return unreadable("not a batch of Twilio CloudEvents")
  const events = decoded.value
  return {
    provider: "twilio",
    id: events.map((event) => event.id).join(","),
    type: events.length === 1 ? events[0].type : "com.twilio.batch",
    occurredAt: epochMillis(events[0].time) ?? receivedAt,
    payload: events
  }
}

/** A Messaging status callback: form parameters (the first value of a repeated key). */
const callbackEvent = (
  body: string,
  receivedAt: number
): WebhookSource.WebhookEvent | IntegrationError.IntegrationError => {
  const params: Record<string, string> = {}
  for (const [key, value] of new URLSearchParams(body)) params[key] ??= value
  const decoded = Schema.decodeUnknownOption(StatusCallback)(params)
  const status = decoded._tag === "Some" ? callbackStatus(decoded.value) : undefined
  if (decoded._tag === "None" || status === undefined) return unreadable("not a Twilio status callback")
  return {
    provider: "twilio",
    id: `${decoded.value.MessageSid}:${status}`,
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
  return fromVerify("twilio", verify)
}

/**
 * The Twilio `WebhookSource` layer.
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
export const layer = (options: Options): Layer.Layer<WebhookSource.WebhookSource> =>
  Layer.succeed(WebhookSource.WebhookSource, make(options))

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
export const layerConfig = (
  config: Config.Wrap<Options>
): Layer.Layer<WebhookSource.WebhookSource, Config.ConfigError> =>
  Layer.effect(WebhookSource.WebhookSource, Effect.map(Config.unwrap(config), make))

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
