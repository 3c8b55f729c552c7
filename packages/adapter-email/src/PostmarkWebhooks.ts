/**
 * Postmark's webhooks as a `WebhookSource`, and the `DeliveryEvent.Decoder` for
 * them.
 *
 * Postmark signs nothing. A webhook is protected by HTTP Basic credentials
 * (`https://user:pass@host/path` or the webhook's `HttpAuth`), optionally a
 * custom header (`HttpHeaders`), and optionally an allowlist of Postmark's
 * addresses. The source checks each one it is given, comparing credentials in
 * constant time (SHA-256 digests, so neither content nor length leaks). Nothing
 * covers the body and there is no timestamp: a changed body or a replay with
 * the right credentials cannot be told apart, which is why the allowlist and
 * HTTPS matter.
 *
 * Postmark sends no event id, so one is built from the record type, the
 * message id and the record's own id or time (`Bounce:<MessageID>:<ID>`,
 * `Delivery:<MessageID>:<Recipient>:<DeliveredAt>`, …): a retried delivery
 * carries the same body and gets the same id.
 *
 * @example
 * ```ts
 * import { Config } from "effect"
 * import { PostmarkWebhooks } from "@wedsync/adapter-email"
 *
 * const source = PostmarkWebhooks.layerConfig({
 *   basicAuth: { username: Config.String("POSTMARK_WEBHOOK_USER"), password: Config.Redacted("POSTMARK_WEBHOOK_PASSWORD") }
 * })
 * ```
 *
 * @since 0.1.0
 */
import { type Config, Effect, type Layer, Redacted } from "effect"
import { type DeliveryEvent, type IntegrationError, WebhookSource } from "@wedsync/core"
import {
  decodeRecord,
  deliveryEvents as decodeDeliveryEvents,
  eventId,
  occurredAtText,
  parseBody
} from "./internal/postmarkEvents.ts"
import {
  type Allowlist,
  allowlist,
  basicCredentials,
  constantTimeEqual,
  forged,
  guarded,
  misconfigured,
  senderAddress,
  unreadable
} from "./internal/webhookAuth.ts"

const PROVIDER = "postmark"

/** The Basic credentials set on the webhook (in its URL or as `HttpAuth`). @since 0.1.0 */
export interface BasicAuth {
  readonly username: string
  readonly password: Redacted.Redacted<string>
}

/** A custom header set on the webhook (`HttpHeaders`), e.g. `X-Webhook-Token`. @since 0.1.0 */
export interface Header {
  readonly name: string
  readonly value: Redacted.Redacted<string>
}

interface Common {
  /**
   * Addresses deliveries may come from: exact IPv4/IPv6 addresses and CIDR
   * ranges (Postmark publishes its webhook IPs). Absent: any address.
   */
  readonly allowedIps?: ReadonlyArray<string> | undefined
  /**
   * Read the sender from the first `X-Forwarded-For` hop instead of the
   * socket. Only behind a proxy that sets that header itself: otherwise any
   * sender can claim an allowed address.
   */
  readonly trustForwardedFor?: boolean | undefined
}

/**
 * Options of the Postmark webhook source: Basic credentials, a custom header,
 * or both (the type requires one; Postmark signs nothing, so a source with
 * neither would accept anyone), plus an optional IP allowlist.
 *
 * @since 0.1.0
 */
export type Options =
  | (Common & { readonly basicAuth: BasicAuth; readonly header?: Header | undefined })
  | (Common & { readonly basicAuth?: BasicAuth | undefined; readonly header: Header })

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/** What is wrong with the options, if anything (checked at runtime too: `layerConfig` input is not typed). */
const problemOf = (options: Options): string | Allowlist | undefined => {
  const { basicAuth, header } = options
  if (basicAuth === undefined && header === undefined) {
    return "Postmark signs nothing: give basicAuth, header, or both"
  }
  if (basicAuth !== undefined && (basicAuth.username.includes(":") || Redacted.value(basicAuth.password) === "")) {
    return "basicAuth needs a username without ':' and a non-empty password"
  }
  if (header !== undefined && (!TOKEN.test(header.name) || Redacted.value(header.value) === "")) {
    return "header needs an HTTP header name and a non-empty value"
  }
  if (options.allowedIps === undefined) return undefined
  if (options.allowedIps.length === 0) return "allowedIps is empty, so every delivery would be refused"
  const list = allowlist(options.allowedIps)
  return "invalid" in list ? `allowedIps has entries that are not IPs or CIDR ranges: ${list.invalid.join(", ")}` : list
}

const parse = (request: WebhookSource.WebhookRequest) =>
  Effect.try({
    try: () => parseBody(request.body),
    catch: () => unreadable(PROVIDER, "webhook", "the body is not JSON")
  }).pipe(
    Effect.flatMap((payload) =>
      Effect.map(decodeRecord(payload, "webhook"), ({ record, type }) => {
        const occurredAt = record === undefined ? Number.NaN : Date.parse(occurredAtText(record))
        return {
          provider: PROVIDER,
          id: eventId(record, { type, body: request.body }),
          type,
          ...(Number.isNaN(occurredAt) || occurredAt < 0 ? {} : { occurredAt }),
          payload
        }
      })
    )
  )

/**
 * Builds the Postmark webhook source. Fails with `Misconfigured` when neither
 * `basicAuth` nor `header` is given, or an `allowedIps` entry is not an IP or
 * CIDR range.
 *
 * @example
 * ```ts
 * const source = yield* PostmarkWebhooks.make({
 *   header: { name: "X-Webhook-Token", value: Redacted.make("9f2c…") },
 *   allowedIps: ["3.134.147.250", "50.31.156.6", "50.31.156.77", "18.217.206.57"]
 * })
 * ```
 * @since 0.1.0
 */
export const make = (
  options: Options
): Effect.Effect<WebhookSource.WebhookSource["Service"], IntegrationError.IntegrationError> =>
  Effect.suspend(() => {
    const checked = problemOf(options)
    if (typeof checked === "string") return Effect.fail(misconfigured(PROVIDER, checked))
    const { basicAuth, header } = options
    const expectedPair = basicAuth && `${basicAuth.username}:${Redacted.value(basicAuth.password)}`
    const refusal = (request: WebhookSource.WebhookRequest): string | undefined => {
      if (checked !== undefined) {
        const address = senderAddress(request, options.trustForwardedFor === true)
        if (address === undefined) return "no sender address to check against allowedIps"
        if (!checked.allows(address)) return `sender ${address} is not in allowedIps`
      }
      if (expectedPair !== undefined) {
        const pair = basicCredentials(request.headers.authorization)
        if (pair === undefined) return "no Basic Authorization header"
        if (!constantTimeEqual(pair, expectedPair)) return "the Basic credentials do not match"
      }
      if (header !== undefined) {
        const given = request.headers[header.name.toLowerCase()]
        if (given === undefined) return `no ${header.name} header`
        if (!constantTimeEqual(given, Redacted.value(header.value))) return `the ${header.name} header does not match`
      }
      return undefined
    }
    const secrets = [basicAuth && Redacted.value(basicAuth.password), header && Redacted.value(header.value)]
    return Effect.succeed(
      WebhookSource.WebhookSource.of({
        provider: PROVIDER,
        verify: guarded(
          PROVIDER,
          secrets.filter((secret) => secret !== undefined),
          (request) => {
            const refused = refusal(request)
            return refused === undefined ? parse(request) : Effect.fail(forged(PROVIDER, refused))
          }
        )
      })
    )
  })

/**
 * The Postmark webhook source layer.
 *
 * @example
 * ```ts
 * const source = PostmarkWebhooks.layer({
 *   basicAuth: { username: "postmark", password: Redacted.make(process.env.POSTMARK_WEBHOOK_PASSWORD ?? "") },
 *   allowedIps: ["50.31.156.6", "50.31.156.77", "18.217.206.57", "3.134.147.250"]
 * })
 * ```
 * @since 0.1.0
 */
export const layer: (options: Options) => Layer.Layer<WebhookSource.WebhookSource, IntegrationError.IntegrationError> =
  WebhookSource.layerOf(make)

/**
 * The Postmark webhook source with its options read from `Config`.
 *
 * @example
 * ```ts
 * const source = PostmarkWebhooks.layerConfig({
 *   header: { name: Config.succeed("X-Webhook-Token"), value: Config.Redacted("POSTMARK_WEBHOOK_TOKEN") },
 *   allowedIps: Config.Array(Schema.String, "POSTMARK_WEBHOOK_IPS")
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
 * The delivery events in a verified Postmark record: `Delivery` → delivered,
 * `Bounce` → bounced (hard for `HardBounce`, `BadEmailAddress`, `Blocked`,
 * `ManuallyDeactivated`, `DMARCPolicy`, `SpamNotification` or a deactivated
 * address, soft otherwise; `TypeCode` as `providerCode`), `SpamComplaint` →
 * complained, `Open` → opened, `Click` → clicked (`OriginalLink`); none for
 * `SubscriptionChange` and other types. Bounce and complaint ids are
 * Postmark's bounce id, shared with `PostmarkStatus` lookups.
 *
 * @example
 * ```ts
 * const events = yield* PostmarkWebhooks.deliveryEvents(yield* source.verify(request))
 * // [DeliveryEvent { id: "postmark:bounce:4323372036", status: "bounced", bounce: "hard", providerCode: "1" }]
 * ```
 * @since 0.1.0
 */
export const deliveryEvents: DeliveryEvent.Decoder = (event) => decodeDeliveryEvents(event.payload)
