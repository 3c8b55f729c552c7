/**
 * Classification of what a stripe-node call threw into an `IntegrationError`:
 * pure functions of a {@link StripeFailure}, the plain facts read off the SDK's
 * `StripeError` (body type, status, code, decline code, param, headers,
 * request id) or off the network error underneath a `StripeConnectionError`.
 *
 * Stripe's quirks, each with its row in {@link tagFor}:
 * - a declined card is HTTP 402 `card_error`; the decline code
 *   (`insufficient_funds`, `generic_decline`) is the provider code;
 * - `idempotency_error` (HTTP 400): the key was used with other parameters,
 *   a bug in the caller — never mint a new key to get past it;
 * - 409 `idempotency_key_in_use`: a request with the same key is still
 *   running at Stripe. This request did nothing (not sent) and the same key
 *   will replay the first one's answer shortly: `Unavailable` (in-call retry
 *   on Stripe, same key) with the code kept and `sameProviderOnly`, so it is
 *   never failed over (`canFailover` is false) and callers can tell it from
 *   an outage (`Stripe.isKeyInUse`);
 * - 429 `rate_limit` and `lock_timeout` are `RateLimited` with Retry-After;
 * - 401 (`api_key_expired` included) is `Unauthorized`; 403 and account codes
 *   (`account_invalid`, `testmode_charges_only`, `livemode_mismatch`,
 *   `secret_key_required`) are `Misconfigured`;
 * - a 404 without a code is a URL Stripe does not have (a wrong base URL):
 *   `Misconfigured`; a 404 `resource_missing` is a wrong id: `InvalidRequest`;
 * - 5xx, resets, and answers the SDK cannot read (a proxy's HTML 502, where
 *   the SDK gives no `statusCode`) are `Unavailable`.
 *
 * Delivery: a status decides (`IntegrationError.deliveryOfStatus`: 4xx, 429,
 * 503 not sent; 500, 502, 504 maybe sent); without one, nothing written is
 * not sent, a failure to connect is not sent, anything else maybe sent.
 *
 * @internal
 */
import { Duration } from "effect"
import { IntegrationError, Redaction, RetryAfter, StatusReason } from "@wedsync/core"

const PROVIDER = "stripe"

/** What the classification reads of a failed call. @internal */
export interface StripeFailure {
  /** The SDK's error class name (`StripeCardError`, `StripeConnectionError`, …). */
  readonly type?: string | undefined
  /** The body's `error.type` (`card_error`, `invalid_request_error`, `api_error`, `idempotency_error`). */
  readonly rawType?: string | undefined
  /** The HTTP status; `undefined` when no answer was read. */
  readonly statusCode?: number | undefined
  readonly code?: string | undefined
  readonly declineCode?: string | undefined
  readonly param?: string | undefined
  readonly message?: string | undefined
  /** Response headers, lower-case names. */
  readonly headers?: Readonly<Record<string, string>> | undefined
  readonly requestId?: string | undefined
  /** The socket's code under a connection error (`ECONNRESET`, `ECONNREFUSED`, `ETIMEDOUT`). */
  readonly networkCode?: string | undefined
}

/** What the adapter knows beyond the SDK's error. @internal */
export interface Context {
  /** The adapter's own timer fired (not an interruption from above). */
  readonly timedOut?: boolean | undefined
  readonly timeout?: Duration.Duration | undefined
  /** Whether the request reached the wire (`Wire.track`); `false`: no byte of it was written. */
  readonly written?: boolean | undefined
  /** Values that must never appear in the error (the secret key). */
  readonly secrets?: ReadonlyArray<string> | undefined
}

const text = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined)

const headersOf = (value: unknown): Record<string, string> | undefined => {
  if (typeof value !== "object" || value === null) return undefined
  const headers: Record<string, string> = {}
  for (const [name, entry] of Object.entries(value)) {
    const first = Array.isArray(entry) ? entry[0] : entry
    if (typeof first === "string") headers[name.toLowerCase()] = first
  }
  return headers
}

const networkCodeOf = (detail: unknown): string | undefined =>
  typeof detail === "object" && detail !== null ? IntegrationError.networkCodeOf(detail) : undefined

/**
 * The facts of whatever a stripe-node call rejected with: a `StripeError`'s
 * fields, or (anything else) its message and network code.
 *
 * @internal
 */
export const failureOf = (cause: unknown): StripeFailure => {
  if (typeof cause !== "object" || cause === null) return { message: String(cause) }
  const error = cause as Record<string, unknown>
  const status = error.statusCode
  return {
    type: text(error.type),
    rawType: text(error.rawType),
    statusCode: typeof status === "number" ? status : undefined,
    code: text(error.code),
    declineCode: text(error.decline_code),
    param: text(error.param),
    message: text(error.message),
    headers: headersOf(error.headers),
    requestId: text(error.requestId),
    networkCode: error.type === "StripeConnectionError" ? networkCodeOf(error.detail) : networkCodeOf(error)
  }
}

/** Codes whose reason does not depend on the status. @internal */
export const reasonByCode: Readonly<Record<string, IntegrationError.AnswerReasonTag>> = {
  // Another request with this key is still running at Stripe: the same key replays its answer later.
  idempotency_key_in_use: "Unavailable",
  rate_limit: "RateLimited",
  // Another request or Stripe process holds the object; Stripe says to retry.
  lock_timeout: "RateLimited",
  api_key_expired: "Unauthorized",
  platform_api_key_expired: "Unauthorized",
  // The key has no access to the account (revoked, closed): another account may still charge.
  account_invalid: "Misconfigured",
  // A publishable key where a secret key is needed.
  secret_key_required: "Misconfigured",
  // An account not yet activated can only make test charges.
  testmode_charges_only: "Misconfigured",
  // A test key asked about a live object, or the other way round.
  livemode_mismatch: "Misconfigured"
}

/** Core's status ladder with Stripe's exceptions. */
const reasonOfStatus = StatusReason.ladder({
  // Card errors: the bank declined this card; no other processor should try it.
  402: "Rejected",
  // A conflict with a request still running under the same idempotency key.
  409: "Unavailable"
})

/**
 * The reason tag of a failed call.
 *
 * @example
 * ```ts
 * tagFor({ statusCode: 402, rawType: "card_error", code: "card_declined" }) // "Rejected"
 * tagFor({ statusCode: 409, code: "idempotency_key_in_use" })              // "Unavailable"
 * tagFor({ type: "StripeAPIError" })                                       // "Unavailable": no status read
 * ```
 * @internal
 */
export const tagFor = (failure: StripeFailure): IntegrationError.AnswerReasonTag => {
  const status = failure.statusCode
  // No answer read: refused, reset, or a body the SDK could not parse (a proxy's HTML 502).
  if (status === undefined) return "Unavailable"
  if (status >= 500) return "Unavailable"
  if (failure.rawType === "idempotency_error" || failure.type === "StripeIdempotencyError") return "InvalidRequest"
  if (failure.rawType === "card_error") return "Rejected"
  const byCode = failure.code === undefined ? undefined : reasonByCode[failure.code]
  if (byCode !== undefined) return byCode
  // A URL Stripe does not know answers 404 without a code: we are not talking to Stripe's API.
  if (status === 404 && failure.code === undefined) return "Misconfigured"
  if (failure.type === "StripeRateLimitError") return "RateLimited"
  return reasonOfStatus(status)
}

/**
 * Whether a failed call may have reached Stripe and been acted on.
 *
 * @example
 * ```ts
 * deliveryFor({ statusCode: 500 })               // "maybeSent"
 * deliveryFor({ statusCode: 409 })               // "notSent": the other request with the key may act, this one did not
 * deliveryFor({ networkCode: "ECONNREFUSED" })   // "notSent"
 * deliveryFor({ networkCode: "ECONNRESET" })     // "maybeSent"
 * deliveryFor({}, false)                         // "notSent": nothing was written
 * ```
 * @internal
 */
export const deliveryFor = (failure: StripeFailure, written?: boolean): IntegrationError.Delivery => {
  if (failure.statusCode !== undefined) return IntegrationError.deliveryOfStatus(failure.statusCode)
  if (written === false) return "notSent"
  return IntegrationError.deliveryOfNetworkCode(failure.networkCode)
}

const KEY = /\b(sk|rk|pk)_(test|live)_[A-Za-z0-9*]+/g

/** `text` without the adapter's secrets, Stripe keys (masked ones too) or anything `Redaction` knows. @internal */
export const scrub = (value: string | undefined, secrets: ReadonlyArray<string>): string | undefined =>
  value === undefined
    ? undefined
    : Redaction.redactText(
        secrets
          .reduce((result, secret) => (secret === "" ? result : result.split(secret).join(Redaction.REDACTED)), value)
          .replace(KEY, "<api key>")
      )

const describe = (tag: IntegrationError.AnswerReasonTag, failure: StripeFailure, secrets: ReadonlyArray<string>) => {
  if (tag === "Unauthorized") return "API key refused by Stripe"
  const message = scrub(failure.message, secrets)
  const replayed =
    failure.headers?.["idempotent-replayed"] === "true" ? " (Stripe replayed the key's first answer)" : ""
  return message === undefined ? undefined : `${message}${replayed}`
}

const isTimeout = (failure: StripeFailure) => failure.networkCode === "ETIMEDOUT"

/**
 * Classifies a failed Stripe call.
 *
 * @example
 * ```ts
 * classify("createPayment", { statusCode: 402, rawType: "card_error", code: "card_declined", declineCode: "insufficient_funds" })
 * // IntegrationError { reason: Rejected, status: 402, providerCode: "insufficient_funds", delivery: "notSent" }
 * ```
 * @internal
 */
export const classify = (
  operation: string,
  failure: StripeFailure,
  context: Context = {}
): IntegrationError.IntegrationError => {
  const secrets = context.secrets ?? []
  const status = failure.statusCode
  const requestId = failure.requestId ?? failure.headers?.["request-id"]
  if ((context.timedOut === true || (status === undefined && isTimeout(failure))) && context.timeout !== undefined) {
    return IntegrationError.make(PROVIDER, operation, new IntegrationError.TimedOut({ timeout: context.timeout }), {
      requestId,
      delivery: context.written === false ? "notSent" : "maybeSent"
    })
  }
  const tag = tagFor(failure)
  const description = describe(tag, failure, secrets)
  const providerCode = tag === "Rejected" ? (failure.declineCode ?? failure.code) : (failure.code ?? failure.rawType)
  const reason =
    tag === "InvalidRequest"
      ? new IntegrationError.InvalidRequest({
          ...(description === undefined ? {} : { description }),
          ...(failure.param === undefined ? {} : { field: failure.param })
        })
      : IntegrationError.reasonFor(tag, {
          description,
          retryAfter: RetryAfter.parse(failure.headers?.["retry-after"])
        })
  return IntegrationError.make(PROVIDER, operation, reason, {
    status,
    providerCode,
    requestId,
    delivery: deliveryFor(failure, context.written),
    // The first request with this key is still running at Stripe: only Stripe can finish it.
    ...(providerCode === "idempotency_key_in_use" ? { sameProviderOnly: true } : {})
  })
}

/**
 * Whether an error is Stripe's 409 `idempotency_key_in_use`: a request with
 * the same key is still running at Stripe, so the payment's fate is that
 * request's, not known yet.
 *
 * @internal
 */
export const isKeyInUse = (error: IntegrationError.IntegrationError): boolean =>
  error.provider === PROVIDER && error.providerCode === "idempotency_key_in_use"

/** The default timeout when the options give none. @internal */
export const defaultTimeout: Duration.Duration = Duration.seconds(15)
