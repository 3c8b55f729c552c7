/**
 * The Vonage `WebhookSource`: Messages API signed webhooks and SMS API
 * delivery receipts, both authenticated with the account's signature secret.
 *
 * - A delivery with `Authorization: Bearer <JWT>` (Messages API) must carry
 *   an HS256 JWT that `@vonage/jwt` `verifySignature` accepts, whose
 *   `payload_hash` is the hex SHA-256 of the raw body and whose `iat` lies
 *   within `maxAge` of when the delivery was received, either way (the SDK
 *   checks neither). A missing or non-numeric `iat` is refused.
 * - A delivery without one (SMS API receipts, which `Vonage.layer` sends
 *   produce) must carry a `sig` parameter made with `smsSignatureMethod` (the
 *   method chosen in the account's API settings, `md5hash` by default) and a
 *   `timestamp` within `maxAge`. Receipts come POST-JSON, POST-form or GET.
 *
 * Event ids come from the signed body, not from the JWT's `jti`: Vonage
 * signs each attempt afresh, so a retried webhook gets a new `jti` but keeps
 * its body. They are `<message_uuid>:<status>` (Messages API),
 * `<messageId>:<status>` (receipts) and `<message_uuid>` (inbound messages).
 *
 * `layer` and `layerConfig` fail to build with `Misconfigured` naming the
 * option when `signatureSecret` is empty or blank, `maxAge` is not a duration
 * more than zero and within 24.8 days, or `smsSignatureMethod` is not one of
 * Vonage's; a source from `make` refuses every delivery such options cannot
 * check, naming the option.
 *
 * @since 0.1.0
 */
import { type Config, Duration, type Layer, Redacted, Result, Schema } from "effect"
import { AdapterConfig, type DeliveryEvent, IntegrationError, WebhookSource } from "@wedsync/core"
import { decode, Inbound, isoTime, MessageStatus, Receipt, receiptTime } from "./internal/vonageDelivery.ts"
import { checkJwt, checkSig, type SmsSignatureMethod, type Window } from "./internal/vonageSignature.ts"
import { fromVerify, whenValid } from "./internal/webhookSource.ts"
import type * as VonageReceipts from "./VonageReceipts.ts"

/** How old (or how far ahead) a signature may be unless the options say otherwise. @since 0.1.0 */
export const DEFAULT_MAX_AGE: Duration.Duration = Duration.minutes(5)

/**
 * Options of the Vonage webhook source.
 *
 * @since 0.1.0
 */
export interface Options {
  /** The account's signature secret (Dashboard → API settings). */
  readonly signatureSecret: Redacted.Redacted<string>
  /** How far `iat` / `timestamp` may be from the time of receipt, either way (default 5 minutes; more than zero, at most 24.8 days). */
  readonly maxAge?: Duration.Input | undefined
  /** How SMS API webhooks are signed: `md5hash` (default), `md5hmac`, `sha1hmac`, `sha256hmac` or `sha512hmac`. */
  readonly smsSignatureMethod?: SmsSignatureMethod | undefined
  /** Every verified receipt is noted here, so `Vonage`'s `resolve` (given the same registry) can find it. */
  readonly receipts?: VonageReceipts.Registry | undefined
}

type Verified = WebhookSource.WebhookEvent | IntegrationError.IntegrationError

const refuse = (description: string) =>
  IntegrationError.make("vonage", "webhook", new IntegrationError.SignatureInvalid({ description }))

const unreadable = (description: string) =>
  IntegrationError.make("vonage", "webhook", new IntegrationError.PayloadInvalid({ description }))

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/**
 * Parameters as a null-prototype map: one named `__proto__`, `constructor` or
 * `toString` is a parameter like any other (a plain object dropped the first
 * from the signed set, refusing genuine receipts and ignoring it when added
 * after signing).
 */
const paramMap = (entries: Iterable<readonly [string, string]>): Record<string, string> => {
  const params: Record<string, string> = Object.create(null)
  for (const [key, value] of entries) params[key] = value
  return params
}

/** An SMS API webhook's parameters: the JSON object, the form, or (for a GET) the query. */
const paramsOf = (request: WebhookSource.WebhookRequest): Readonly<Record<string, string>> | undefined => {
  const body = request.body.trim()
  if (body === "") {
    const query = request.url.indexOf("?")
    return paramMap(query === -1 ? [] : new URLSearchParams(request.url.slice(query + 1)))
  }
  if (!body.startsWith("{")) return paramMap(new URLSearchParams(body))
  try {
    const parsed: unknown = JSON.parse(body)
    if (!isRecord(parsed)) return undefined
    const params: Record<string, string> = Object.create(null)
    for (const [key, value] of Object.entries(parsed)) {
      // Only flat parameters are signed; anything else is not a receipt.
      if (typeof value === "object" && value !== null) return undefined
      params[key] = String(value)
    }
    return params
  } catch {
    return undefined
  }
}

const receiptEvent = (params: Readonly<Record<string, string>>, receivedAt: number): Verified => {
  const decoded = Schema.decodeUnknownResult(Receipt)(params)
  if (decoded._tag === "Failure") {
    return WebhookSource.payloadInvalid("vonage", "webhook", "not a Vonage delivery receipt", decoded.failure.issue)
  }
  const { messageId, status } = decoded.success
  const signedAt = Number(decoded.success.timestamp)
  return {
    provider: "vonage",
    id: `${messageId}:${status}`,
    type: `sms.dlr.${status}`,
    occurredAt:
      receiptTime(decoded.success["message-timestamp"]) ??
      (Number.isSafeInteger(signedAt) && signedAt >= 0 ? signedAt * 1000 : receivedAt),
    payload: params
  }
}

const messagesEvent = (body: string, iat: number, receivedAt: number): Verified => {
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    return unreadable("the body is not JSON")
  }
  const status = Schema.decodeUnknownOption(MessageStatus)(parsed)
  if (status._tag === "Some") {
    return {
      provider: "vonage",
      id: `${status.value.message_uuid}:${status.value.status}`,
      type: `message.${status.value.status}`,
      occurredAt: isoTime(status.value.timestamp) ?? (iat >= 0 ? Math.floor(iat * 1000) : receivedAt),
      payload: parsed
    }
  }
  if (isRecord(parsed) && typeof parsed.messageId === "string") {
    const params = paramMap(Object.entries(parsed).map(([key, value]) => [key, String(value)] as const))
    return receiptEvent(params, receivedAt)
  }
  const inbound = Schema.decodeUnknownResult(Inbound)(parsed)
  if (inbound._tag === "Failure") {
    // Neither a status nor a receipt: named against the inbound message, the last shape tried.
    return WebhookSource.payloadInvalid("vonage", "webhook", "not a Vonage Messages API webhook", inbound.failure.issue)
  }
  return {
    provider: "vonage",
    id: inbound.success.message_uuid,
    type: "message.inbound",
    occurredAt: receivedAt,
    payload: parsed
  }
}

/**
 * Builds the Vonage webhook source.
 *
 * @example
 * ```ts
 * const source = VonageWebhooks.make({ signatureSecret: Redacted.make(process.env.VONAGE_SIGNATURE_SECRET!) })
 * const event = yield* source.verify(request) // event.id: "aaaaaaaa-…:delivered"
 * ```
 * @since 0.1.0
 */
export const make = (options: Options): WebhookSource.WebhookSource["Service"] => {
  const checked = Result.all({ maxAge: maxAgeOf(options), method: methodOf(options) })
  const secret = Redacted.value(options.signatureSecret)
  if (Result.isFailure(checked)) {
    const refusal = refuse(checked.failure.reason.message)
    return fromVerify("vonage", () => refusal)
  }
  const maxAgeMillis = Duration.toMillis(checked.success.maxAge)
  const method = checked.success.method
  const verify = (request: WebhookSource.WebhookRequest): Verified => {
    // An empty secret would make md5hash signatures computable by anyone.
    if (secret === "") return refuse("no signatureSecret is configured")
    const window: Window = { receivedAt: request.receivedAt, maxAgeMillis }
    const authorization = request.headers.authorization
    if (authorization !== undefined) {
      const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1]
      if (bearer === undefined) return refuse("Authorization is not a Bearer token")
      const checked = checkJwt(bearer, request.body, secret, window)
      if ("refused" in checked) return refuse(checked.refused)
      return messagesEvent(request.body, checked.claims.iat as number, request.receivedAt)
    }
    const params = paramsOf(request)
    if (params === undefined) return refuse("no Authorization bearer token and no sig parameter")
    const refused = checkSig(params, secret, method, window)
    return refused === undefined ? receiptEvent(params, request.receivedAt) : refuse(refused)
  }
  const receipts = options.receipts
  const noting =
    receipts === undefined
      ? verify
      : (request: WebhookSource.WebhookRequest): Verified => {
          const verified = verify(request)
          if (!IntegrationError.isIntegrationError(verified)) receipts.record(verified)
          return verified
        }
  return fromVerify("vonage", noting, [secret])
}

const METHODS: ReadonlyArray<SmsSignatureMethod> = ["md5hash", "md5hmac", "sha1hmac", "sha256hmac", "sha512hmac"]

const maxAgeOf = (options: Options) => AdapterConfig.timeout("vonage", "maxAge", options.maxAge ?? DEFAULT_MAX_AGE)

const methodOf = (options: Options): AdapterConfig.Check<SmsSignatureMethod> => {
  const method = options.smsSignatureMethod ?? "md5hash"
  return METHODS.includes(method)
    ? Result.succeed(method)
    : Result.fail(
        AdapterConfig.misconfigured("vonage", "smsSignatureMethod", `is not one of Vonage's: ${METHODS.join(", ")}`)
      )
}

const build = (options: Options) =>
  whenValid(
    "vonage",
    () =>
      Result.all([
        AdapterConfig.nonEmptySecret("vonage", "signatureSecret", options.signatureSecret),
        maxAgeOf(options),
        methodOf(options)
      ]),
    () => make(options)
  )

/**
 * The Vonage `WebhookSource` layer. Fails to build with `Misconfigured`,
 * naming the option, for an empty `signatureSecret`, a `maxAge` no timer can
 * hold or an unknown `smsSignatureMethod`.
 *
 * @example
 * ```ts
 * const VonageHooks = VonageWebhooks.layer({
 *   signatureSecret: Redacted.make(process.env.VONAGE_SIGNATURE_SECRET!),
 *   maxAge: "2 minutes"
 * })
 * ```
 * @since 0.1.0
 */
export const layer: (options: Options) => Layer.Layer<WebhookSource.WebhookSource, IntegrationError.IntegrationError> =
  WebhookSource.layerOf(build)

/**
 * The Vonage webhook source with its options read from `Config` (the secret as `Config.Redacted`).
 *
 * @example
 * ```ts
 * const VonageHooks = VonageWebhooks.layerConfig({
 *   signatureSecret: Config.Redacted("VONAGE_SIGNATURE_SECRET"),
 *   maxAge: Config.Duration("VONAGE_WEBHOOK_MAX_AGE").pipe(Config.withDefault(VonageWebhooks.DEFAULT_MAX_AGE))
 * })
 * ```
 * @since 0.1.0
 */
export const layerConfig: (
  config: Config.Wrap<Options>
) => Layer.Layer<WebhookSource.WebhookSource, IntegrationError.IntegrationError> = WebhookSource.layerConfigOf(
  "vonage",
  build
)

/**
 * Turns a verified Vonage event into delivery events. Messages API:
 * `submitted` → `sent`, `delivered`, `rejected` → `failed`, `undeliverable` →
 * `undelivered`, `read` → `opened`, the error code as `providerCode`. SMS
 * receipts: `accepted` → `sent`, `buffered` → `delayed`, `delivered`,
 * `expired` / `failed` → `undelivered`, `rejected` → `failed`, `unknown` →
 * none, a non-zero `err-code` as `providerCode`. Ids are
 * `vonage:<message id>:<status>`.
 *
 * @example
 * ```ts
 * const events = yield* VonageWebhooks.deliveryEvents(yield* source.verify(request))
 * // [DeliveryEvent { status: "undelivered", providerCode: "2", description: "Absent subscriber - temporary", … }]
 * ```
 * @since 0.1.0
 */
export const deliveryEvents: DeliveryEvent.Decoder = decode
