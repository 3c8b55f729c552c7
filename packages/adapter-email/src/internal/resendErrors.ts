/**
 * Classification of Resend's answers into `IntegrationError`s: pure functions
 * of the `{ error, headers }` the `resend` SDK returns (it never throws).
 *
 * Resend's SDK hands back its JSON error body unchanged, so the `name` (e.g.
 * `rate_limit_exceeded`) and `statusCode` come from the body, not from the HTTP
 * status; a network failure, a refusal or an abort is the generic
 * `application_error` with `statusCode: null`.
 *
 * @internal
 */
import type { Duration } from "effect"
import { IntegrationError, StatusReason } from "@wedsync/core"
import { parseRetryAfter, scrub } from "./answer.ts"

/** The `error` of a Resend SDK result. @internal */
export interface ResendError {
  readonly name?: string | undefined
  readonly statusCode?: number | null | undefined
  readonly message?: string | undefined
}

/** The lower-cased response headers of a Resend SDK result (`null` when no answer came). @internal */
export type Headers = Readonly<Record<string, string>> | null

/** What the adapter knows beyond the SDK's result. @internal */
export interface Context {
  /** The adapter's own timeout fired (not an interruption from above). */
  readonly timedOut?: boolean | undefined
  readonly timeout?: Duration.Duration | undefined
  /** Values that must never appear in the error (the API key). */
  readonly secrets?: ReadonlyArray<string> | undefined
  /** Reasons for error names that mean something else for this operation (a lookup's `not_found`). */
  readonly byName?: Readonly<Record<string, IntegrationError.AnswerReasonTag>> | undefined
  /** Whether the request reached the wire (`Wire.track`); `false`: nothing of it was written. */
  readonly written?: boolean | undefined
}

/**
 * The reason for each Resend error `name` whose meaning does not depend on the status.
 *
 * @internal
 */
export const reasonByName: Readonly<Record<string, IntegrationError.AnswerReasonTag>> = {
  rate_limit_exceeded: "RateLimited",
  // Another request with this idempotency key is still running: try again shortly.
  concurrent_idempotent_requests: "RateLimited",
  daily_quota_exceeded: "Misconfigured",
  monthly_quota_exceeded: "Misconfigured",
  invalid_from_address: "Misconfigured",
  invalid_region: "Misconfigured",
  // A 404 or 405 means we are not talking to Resend's API (a wrong base URL).
  not_found: "Misconfigured",
  method_not_allowed: "Misconfigured",
  missing_api_key: "Unauthorized",
  invalid_api_key: "Unauthorized",
  restricted_api_key: "Unauthorized",
  security_error: "Rejected",
  invalid_idempotency_key: "InvalidRequest",
  invalid_idempotent_request: "InvalidRequest",
  missing_required_field: "InvalidRequest",
  invalid_parameter: "InvalidRequest",
  invalid_attachment: "InvalidRequest",
  invalid_access: "InvalidRequest",
  internal_server_error: "Unavailable"
}

/** The reason for a status when the error name decides nothing: core's status ladder with Resend's exceptions. */
const reasonOfStatus = StatusReason.ladder({
  // Resend answers 403 for an invalid API key.
  403: "Unauthorized"
})

/**
 * The reason tag for a Resend error name and status.
 *
 * @example
 * ```ts
 * tagFor("rate_limit_exceeded", 429) // "RateLimited"
 * tagFor("validation_error", 403)    // "Misconfigured": unverified domain or test-only account
 * ```
 * @internal
 */
export const tagFor = (name: string | undefined, status: number | undefined): IntegrationError.AnswerReasonTag => {
  const known = name === undefined ? undefined : reasonByName[name]
  if (known !== undefined) return known
  // Resend answers 403 validation_error for an unverified domain or a test-only account.
  if (name === "validation_error") return status === 403 ? "Misconfigured" : "InvalidRequest"
  return reasonOfStatus(status)
}

/**
 * Classifies a failed Resend SDK result.
 *
 * @example
 * ```ts
 * classify("send", { name: "rate_limit_exceeded", statusCode: 429, message: "Too many requests" }, { "retry-after": "2" })
 * // IntegrationError { reason: RateLimited { retryAfter: 2 seconds }, status: 429, providerCode: "rate_limit_exceeded" }
 * ```
 * @internal
 */
export const classify = (
  operation: string,
  error: ResendError,
  headers: Headers,
  context: Context = {}
): IntegrationError.IntegrationError => {
  const status = typeof error.statusCode === "number" ? error.statusCode : undefined
  const details = {
    status,
    providerCode: error.name,
    requestId: headers?.["x-request-id"] ?? headers?.["x-resend-request-id"]
  }
  if (context.timedOut === true && context.timeout !== undefined) {
    const timedOut = new IntegrationError.TimedOut({ timeout: context.timeout })
    // Timed out connecting, nothing written: not sent.
    return IntegrationError.make("resend", operation, timedOut, {
      delivery: context.written === false ? "notSent" : "maybeSent"
    })
  }
  const override = error.name === undefined ? undefined : context.byName?.[error.name]
  const reason = IntegrationError.reasonFor(override ?? tagFor(error.name, status), {
    description: scrub(error.message, context.secrets ?? []),
    retryAfter: parseRetryAfter(headers?.["retry-after"])
  })
  return IntegrationError.make("resend", operation, reason, {
    ...details,
    delivery: deliveryFor(error.name, status, context.written)
  })
}

/**
 * Whether a failed Resend call may have reached Resend. With a status, by the
 * status: a 4xx (429 included) is a refusal, a 5xx may have been acted on.
 * Without one, the SDK's own checks refused the call before fetching (a named
 * error such as `missing_required_field`: not sent), or it saw no readable
 * answer: it folds a refused connection, a reset after the request was
 * written and an unreadable 2xx into one `application_error` with no cause to
 * tell them apart, so maybe sent (a repeat with the message's idempotency key
 * is accepted once by Resend), unless `written` (`Wire.track`) says no byte
 * of the request went out (a refused connection, a connect that timed out).
 *
 * @example
 * ```ts
 * deliveryFor("validation_error", 422)     // "notSent"
 * deliveryFor("missing_required_field")    // "notSent": the SDK refused it
 * deliveryFor("application_error")         // "maybeSent"
 * ```
 * @internal
 */
export const deliveryFor = (
  name: string | undefined,
  status?: number | undefined,
  written?: boolean | undefined
): IntegrationError.Delivery =>
  status !== undefined
    ? IntegrationError.deliveryOfStatus(status)
    : (name === undefined || name === "application_error") && written !== false
      ? "maybeSent"
      : "notSent"
