/**
 * Classification of Postmark's failures into `IntegrationError`s: pure
 * functions of the `PostmarkError` the `postmark` SDK throws plus what the
 * adapter's `fetch` wrapper saw (status, Retry-After; the SDK's errors carry
 * no headers), and of the per-message `ErrorCode` in a batch answer.
 *
 * @internal
 */
import type { Duration } from "effect"
import { AdapterConfig, IntegrationError, StatusReason } from "@wedsync/core"
import { Errors } from "postmark"
import { scrub } from "./answer.ts"

/** What classification needs beyond the SDK's error: what the fetch wrapper saw. @internal */
export interface Observed {
  readonly status?: number | undefined
  readonly retryAfter?: Duration.Duration | undefined
  /** The SDK's own timeout fired (not an interruption from above). */
  readonly timedOut: boolean
  readonly timeout: Duration.Duration
  /** Values that must never appear in the error (the server token). */
  readonly secrets?: ReadonlyArray<string> | undefined
  /** Whether the SDK got as far as fetching; absent when unknown. */
  readonly requested?: boolean | undefined
  /** The code of the network error `fetch` rejected with (`ECONNREFUSED`, `ECONNRESET`…), if it did. */
  readonly networkCode?: string | undefined
  /** Whether the request reached the wire (`Wire.track`); `false`: nothing of it was written. */
  readonly written?: boolean | undefined
}

/**
 * The reason for each Postmark `ErrorCode` (on a 422, or inside a batch
 * answer); codes not listed are `InvalidRequest`.
 *
 * @internal
 */
export const reasonByCode: Readonly<Record<number, IntegrationError.AnswerReasonTag>> = {
  10: "Unauthorized", // bad or missing server token
  100: "Unavailable", // maintenance
  // Inactive (suppressed) recipient: hard bounce, spam complaint or manual suppression.
  406: "Rejected",
  400: "Misconfigured", // From is not a confirmed sender signature
  401: "Misconfigured", // sender signature not confirmed
  405: "Misconfigured", // account out of credits
  412: "Misconfigured", // pending account: may only send to its own domain
  413: "Misconfigured", // account not approved to send
  1235: "Misconfigured", // unknown MessageStream
  1236: "Misconfigured", // MessageStream cannot send this message
  1480: "Misconfigured", // sending from this account is blocked
  701: "Rejected" // no such message (a details lookup of an unknown MessageID)
}

/** The reason for a status without an `ErrorCode` to read: core's status ladder with Postmark's exceptions. */
const reasonOfStatus = StatusReason.ladder({
  // Postmark documents no 403: a stray one stays a refusal of this request, as this adapter always read it.
  403: "InvalidRequest",
  // A 404 means we are not talking to Postmark's API (a wrong base URL).
  404: "Misconfigured"
})

/**
 * The reason tag for an HTTP status and Postmark `ErrorCode`: the code decides
 * on a 422 (and inside a 200 batch answer), the status otherwise.
 *
 * @example
 * ```ts
 * tagFor(422, 406) // "Rejected": inactive recipient
 * tagFor(422, 405) // "Misconfigured": out of credits
 * tagFor(429, 0)   // "RateLimited"
 * ```
 * @internal
 */
export const tagFor = (status: number, code: number): IntegrationError.AnswerReasonTag =>
  status === 422 || status === 200 ? (reasonByCode[code] ?? "InvalidRequest") : reasonOfStatus(status)

/**
 * Classifies whatever a `postmark` SDK call rejected with.
 *
 * @example
 * ```ts
 * classify("send", error, { status: 422, timedOut: false, timeout: Duration.seconds(10) })
 * // 422 / ErrorCode 406 → IntegrationError { reason: Rejected, status: 422, providerCode: "406" }
 * ```
 * @internal
 */
export const classify = (operation: string, cause: unknown, observed: Observed): IntegrationError.IntegrationError => {
  const error = cause instanceof Errors.PostmarkError ? cause : undefined
  // The SDK or our code threw before any request: nothing Postmark did, and no retry will help.
  if (error === undefined && observed.requested === false) {
    const words = AdapterConfig.describeDefect(cause, observed.secrets)
    const reason = new IntegrationError.Misconfigured({ description: `no request was made: ${words}` })
    return IntegrationError.make("postmark", operation, reason, { delivery: "notSent" })
  }
  const status =
    error !== undefined && error.statusCode > 0 ? error.statusCode : observed.status === 0 ? undefined : observed.status
  const code = error !== undefined && error.code > 0 ? error.code : undefined
  const details = { status, providerCode: code === undefined ? undefined : String(code) }
  const description = scrub(error?.message, observed.secrets ?? [])
  if (observed.timedOut) {
    const timedOut = new IntegrationError.TimedOut({ timeout: observed.timeout })
    // Timed out connecting, nothing written: not sent.
    return IntegrationError.make("postmark", operation, timedOut, {
      delivery: observed.written === false ? "notSent" : "maybeSent"
    })
  }
  // Refused, reset, or a fetch failure: the SDK's statusCode 0.
  const reason =
    status === undefined
      ? new IntegrationError.Unavailable({ description: description ?? "request failed" })
      : IntegrationError.reasonFor(tagFor(status, code ?? 0), { description, retryAfter: observed.retryAfter })
  return IntegrationError.make("postmark", operation, reason, { ...details, delivery: deliveryFor(status, observed) })
}

/**
 * Whether a failed Postmark call may have reached Postmark: by the answer's
 * status when one came (a 4xx or 429 is a refusal, a 5xx may have been acted
 * on), else by the network error's code (a failure to connect is not sent; a
 * reset or an unknown failure may have come after the request was written).
 *
 * @example
 * ```ts
 * deliveryFor(422, { timedOut: false, timeout })                                // "notSent"
 * deliveryFor(undefined, { networkCode: "ECONNREFUSED", timedOut: false, timeout }) // "notSent"
 * deliveryFor(undefined, { networkCode: "UND_ERR_SOCKET", timedOut: false, timeout }) // "maybeSent"
 * ```
 * @internal
 */
export const deliveryFor = (status: number | undefined, observed: Observed): IntegrationError.Delivery =>
  status !== undefined
    ? IntegrationError.deliveryOfStatus(status)
    : observed.written === false
      ? "notSent"
      : IntegrationError.deliveryOfNetworkCode(observed.networkCode)

/**
 * Classifies one refused message of a batch: the batch answered HTTP 200 and
 * the refusal is only in the item's `ErrorCode`.
 *
 * @internal
 */
export const classifyBatchItem = (
  code: number,
  message: string | undefined,
  secrets: ReadonlyArray<string> = []
): IntegrationError.IntegrationError =>
  IntegrationError.make(
    "postmark",
    "sendBatch",
    IntegrationError.reasonFor(tagFor(200, code), { description: scrub(message, secrets) }),
    // Postmark refused this message in its answer: it was not sent.
    { providerCode: String(code), delivery: "notSent" }
  )

/**
 * The error for an answer the adapter cannot read (no MessageID, a wrong-sized batch).
 *
 * @internal
 */
export const malformed = (operation: string, status: number | undefined): IntegrationError.IntegrationError =>
  IntegrationError.make(
    "postmark",
    operation,
    new IntegrationError.Unavailable({ description: "Postmark answered with an unreadable body" }),
    // Postmark answered, maybe after sending: nothing says it did not.
    { status, delivery: "maybeSent" }
  )
