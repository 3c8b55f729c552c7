/**
 * Classification of what a `@googleapis/calendar` call rejected with into an
 * `IntegrationError`: pure functions of a {@link GoogleFailure}, the plain
 * facts read off gaxios' `GaxiosError` (status, Google's `errors[0].reason`,
 * headers) or off the network error underneath it.
 *
 * Google's quirks, each with its row in {@link tagFor}:
 * - 403 means two unrelated things, told apart by `errors[0].reason` and
 *   never by the message: `rateLimitExceeded` / `userRateLimitExceeded` are
 *   `RateLimited` (slow down, then the same request works), while
 *   `dailyLimitExceeded`, `quotaExceeded`, `insufficientPermissions`,
 *   `forbidden` and `requiredAccessLevel` are the account's or project's
 *   standing (`Misconfigured`: another account may still work);
 * - 403 reasons about one event (`forbiddenForNonOrganizer`: only the
 *   organizer may change it; `cannotChangeOrganizer`) are `Rejected`: this
 *   request can never succeed, and no other account would make it;
 * - 409 `duplicate`: the event id is taken. With our own deterministic id
 *   that is an earlier attempt's success; `GoogleCalendar` answers it with the
 *   existing event, so it never reaches the caller from an insert with an id;
 * - 410: `fullSyncRequired` (a sync token expired), `updatedMinTooLongAgo`,
 *   `deleted` (the event is deleted already). `InvalidRequest` with status
 *   410 and the reason as provider code, as the core port promises; the sync
 *   reads it through {@link isFullSyncRequired};
 * - 408 is the front end giving up on a slow request: `Unavailable`.
 *
 * Delivery: a status decides (`IntegrationError.deliveryOfStatus`: 4xx, 429,
 * 503 not sent; 500, 502, 504 maybe sent); without one, nothing written is
 * not sent, a failure to connect (refused, DNS) is not sent, anything else
 * (a reset after the write) maybe sent.
 *
 * @internal
 */
import type { Duration } from "effect"
import { IntegrationError, Redaction, RetryAfter, StatusReason } from "@wedsync/core"

/** The provider name every error carries. @internal */
export const PROVIDER = "google"

/** What the classification reads of a failed call. @internal */
export interface GoogleFailure {
  /** The HTTP status; `undefined` when no answer was read. */
  readonly status?: number | undefined
  /** Google's `error.errors[0].reason` (`rateLimitExceeded`, `duplicate`, `fullSyncRequired`). */
  readonly reason?: string | undefined
  /** `error.errors[0].location`: the parameter or field at fault. */
  readonly location?: string | undefined
  readonly message?: string | undefined
  /** Response headers, lower-case names. */
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** The socket's code when no answer came (`ECONNRESET`, `ECONNREFUSED`, `ENOTFOUND`). */
  readonly networkCode?: string | undefined
}

/** What the adapter knows beyond the SDK's error. @internal */
export interface Context {
  /** The adapter's own timer fired (not an interruption from above). */
  readonly timedOut?: boolean | undefined
  readonly timeout?: Duration.Duration | undefined
  /** Whether the request reached the wire (`Wire.track`); `false`: no byte of it was written. */
  readonly written?: boolean | undefined
  /** Values that must never appear in the error (the access token). */
  readonly secrets?: ReadonlyArray<string> | undefined
}

const text = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined)

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null

const headersOf = (value: unknown): Record<string, string> | undefined => {
  if (!isRecord(value)) return undefined
  const headers: Record<string, string> = {}
  // gaxios 8 answers fetch `Headers`; older versions a plain record.
  const entries: Iterable<[string, unknown]> =
    typeof (value as { entries?: unknown }).entries === "function"
      ? (value as unknown as Headers).entries()
      : Object.entries(value)
  for (const [name, entry] of entries) {
    const first = Array.isArray(entry) ? entry[0] : entry
    if (typeof first === "string") headers[name.toLowerCase()] = first
  }
  return headers
}

/**
 * The facts of whatever a gaxios call rejected with: the answer's status,
 * Google's error body and headers, or (no answer) the network code.
 *
 * @internal
 */
export const failureOf = (cause: unknown): GoogleFailure => {
  if (!isRecord(cause)) return { message: String(cause) }
  const response = isRecord(cause.response) ? cause.response : undefined
  const status = typeof response?.status === "number" ? response.status : undefined
  const body = isRecord(response?.data) && isRecord(response.data.error) ? response.data.error : undefined
  const first = Array.isArray(body?.errors) && isRecord(body.errors[0]) ? body.errors[0] : undefined
  return {
    status,
    reason: text(first?.reason),
    location: text(first?.location),
    message: text(body?.message) ?? text(cause.message),
    headers: headersOf(response?.headers),
    networkCode: status === undefined ? IntegrationError.networkCodeOf(cause.cause ?? cause) : undefined
  }
}

/** Google's `errors[0].reason` values whose reason does not follow the status. @internal */
export const reasonByCode: Readonly<Record<string, IntegrationError.AnswerReasonTag>> = {
  // Google answers 403 for rate limits: slow down and the same request works.
  rateLimitExceeded: "RateLimited",
  userRateLimitExceeded: "RateLimited",
  // The project's daily quota or the account's Calendar usage limits are spent: until tomorrow.
  dailyLimitExceeded: "Misconfigured",
  quotaExceeded: "Misconfigured",
  // The token lacks the calendar scope; the account may not do this; the calendar is shared read-only.
  insufficientPermissions: "Misconfigured",
  forbidden: "Misconfigured",
  requiredAccessLevel: "Misconfigured",
  // A service account may not invite attendees without domain-wide delegation: set-up, not this event.
  forbiddenForServiceAccounts: "Misconfigured",
  // Only the organizer may change this event: no retry, and no other account would be the organizer.
  forbiddenForNonOrganizer: "Rejected",
  cannotChangeOrganizer: "Rejected",
  cannotChangeOrganizerOfInstance: "Rejected"
}

/** Core's status ladder with Google's exceptions. */
const reasonOfStatus = StatusReason.ladder({
  // The front end gave up on a slow request: transient.
  408: "Unavailable"
})

/**
 * The reason tag of a failed call: Google's `errors[0].reason` first, then
 * the status.
 *
 * @example
 * ```ts
 * tagFor({ status: 403, reason: "rateLimitExceeded" })       // "RateLimited"
 * tagFor({ status: 403, reason: "forbiddenForNonOrganizer" }) // "Rejected"
 * tagFor({ status: 410, reason: "fullSyncRequired" })         // "InvalidRequest"
 * tagFor({ networkCode: "ECONNREFUSED" })                     // "Unavailable"
 * ```
 * @internal
 */
export const tagFor = (failure: GoogleFailure): IntegrationError.AnswerReasonTag => {
  const status = failure.status
  if (status === undefined || status >= 500) return "Unavailable"
  if (status === 401) return "Unauthorized"
  if (status === 429) return "RateLimited"
  const byCode = failure.reason === undefined ? undefined : reasonByCode[failure.reason]
  // Google's reasons decide only on the statuses that carry them (403), never turning a 400 into a rate limit.
  if (byCode !== undefined && status === 403) return byCode
  return reasonOfStatus(status)
}

/**
 * Whether a failed call may have reached Google and been acted on.
 *
 * @example
 * ```ts
 * deliveryFor({ status: 500 })                 // "maybeSent"
 * deliveryFor({ status: 503 })                 // "notSent"
 * deliveryFor({ networkCode: "ECONNREFUSED" }) // "notSent"
 * deliveryFor({ networkCode: "ECONNRESET" })   // "maybeSent"
 * deliveryFor({}, false)                       // "notSent": nothing was written
 * ```
 * @internal
 */
export const deliveryFor = (failure: GoogleFailure, written?: boolean): IntegrationError.Delivery => {
  if (failure.status !== undefined) return IntegrationError.deliveryOfStatus(failure.status)
  if (written === false) return "notSent"
  return IntegrationError.deliveryOfNetworkCode(failure.networkCode)
}

const BEARER = /\bya29\.[A-Za-z0-9._-]+/g

/** `value` without the adapter's secrets, Google access tokens or anything `Redaction` knows. @internal */
export const scrub = (value: string | undefined, secrets: ReadonlyArray<string>): string | undefined =>
  value === undefined
    ? undefined
    : Redaction.redactText(
        secrets
          .reduce((result, secret) => (secret === "" ? result : result.split(secret).join(Redaction.REDACTED)), value)
          .replace(BEARER, "<access token>")
      )

/**
 * Classifies a failed Google Calendar call.
 *
 * @example
 * ```ts
 * classify("insertEvent", { status: 403, reason: "userRateLimitExceeded", message: "User Rate Limit Exceeded" })
 * // IntegrationError { reason: RateLimited, status: 403, providerCode: "userRateLimitExceeded", delivery: "notSent" }
 * ```
 * @internal
 */
export const classify = (
  operation: string,
  failure: GoogleFailure,
  context: Context = {}
): IntegrationError.IntegrationError => {
  const secrets = context.secrets ?? []
  if (context.timedOut === true && context.timeout !== undefined) {
    return IntegrationError.make(PROVIDER, operation, new IntegrationError.TimedOut({ timeout: context.timeout }), {
      delivery: context.written === false ? "notSent" : "maybeSent"
    })
  }
  const tag = tagFor(failure)
  const description =
    tag === "Unauthorized"
      ? "access token refused by Google"
      : failure.status === undefined
        ? `no answer from Google${failure.networkCode === undefined ? "" : ` (${failure.networkCode})`}`
        : scrub(failure.message, secrets)
  const reason =
    tag === "InvalidRequest"
      ? new IntegrationError.InvalidRequest({
          ...(description === undefined ? {} : { description }),
          ...(failure.location === undefined ? {} : { field: failure.location })
        })
      : IntegrationError.reasonFor(tag, { description, retryAfter: RetryAfter.parse(failure.headers?.["retry-after"]) })
  return IntegrationError.make(PROVIDER, operation, reason, {
    status: failure.status,
    providerCode: failure.reason,
    delivery: deliveryFor(failure, context.written)
  })
}

/**
 * An answer Google gave that is not what the operation answers (an HTML
 * page, a body that is not JSON): `Unavailable`, and maybe sent, since a 2xx
 * came back.
 *
 * @internal
 */
export const malformed = (operation: string, status: number): IntegrationError.IntegrationError =>
  IntegrationError.make(
    PROVIDER,
    operation,
    new IntegrationError.Unavailable({ description: "Google answered a body that is not a calendar resource" }),
    { status, delivery: IntegrationError.deliveryOfStatus(status) }
  )

/**
 * Whether an error is Google's 409 `duplicate`: the event id is taken.
 *
 * @internal
 */
export const isDuplicate = (error: IntegrationError.IntegrationError): boolean =>
  error.provider === PROVIDER && error.status === 409 && error.providerCode === "duplicate"

/**
 * Whether an error says the sync token can no longer be used and the
 * calendar must be listed again from scratch: a 410 on a listing
 * (`fullSyncRequired`, `updatedMinTooLongAgo`), or `fullSyncRequired` anywhere.
 *
 * @internal
 */
export const isFullSyncRequired = (error: IntegrationError.IntegrationError): boolean =>
  error.status === 410 && (error.providerCode === "fullSyncRequired" || error.operation === "listEvents")

/**
 * Whether a delete failed because the event is already gone (410 `deleted`,
 * or 404): deleting is done.
 *
 * @internal
 */
export const isGone = (error: IntegrationError.IntegrationError): boolean =>
  error.provider === PROVIDER && (error.status === 404 || error.status === 410)
