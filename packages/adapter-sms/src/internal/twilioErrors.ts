/**
 * Classification of Twilio failures into `IntegrationError`: pure functions
 * from what a call left behind (the thrown value and the headers of the last
 * response) to a reason. Twilio's `RestException` carries no headers, so the
 * adapter hands over `lastResponse.headers` for Retry-After and
 * `Twilio-Request-Id`. Messages never carry credentials: only Twilio's own
 * error text, an axios error code, or (for a throw before any request) the
 * thrown words with the secrets taken out.
 */
import { Duration } from "effect"
import { AdapterConfig, IntegrationError, RetryAfter, StatusReason } from "@wedsync/core"
import twilio from "twilio"

/** What a failed call left behind: the thrown value and the headers of the answer, if one came. */
export interface Failure {
  readonly cause: unknown
  readonly headers?: Readonly<Record<string, unknown>> | undefined
  /** Whether a request went out; `false` when the SDK or our code threw first. */
  readonly sent?: boolean | undefined
  /** Whether the request reached the wire (`Wire.track`); `false`: a timeout or abort came before any byte went out. */
  readonly written?: boolean | undefined
  /** Values that must never appear in the error (the Auth Token). */
  readonly secrets?: ReadonlyArray<string> | undefined
}

/**
 * Twilio error codes and the reason each means.
 *
 * @example
 * ```ts
 * codeReasons[21610] // "Rejected": the recipient replied STOP
 * ```
 */
export const codeReasons: Readonly<Record<number, IntegrationError.AnswerReasonTag>> = {
  20003: "Unauthorized",
  20005: "Misconfigured", // account suspended
  20429: "RateLimited",
  21611: "RateLimited", // the From number's queue is full
  20500: "Unavailable",
  20503: "Unavailable",
  21212: "Misconfigured", // invalid From number
  21408: "Misconfigured", // region not enabled for this account
  21606: "Misconfigured", // From number not SMS-capable
  21608: "Misconfigured", // trial account, unverified recipient
  21612: "Misconfigured",
  21211: "Rejected", // invalid To number
  21610: "Rejected", // unsubscribed recipient
  21614: "Rejected", // To is not a mobile number
  21601: "InvalidRequest",
  21602: "InvalidRequest",
  21603: "InvalidRequest",
  21604: "InvalidRequest",
  21617: "InvalidRequest" // body too long
}

/**
 * The reason an HTTP status means when Twilio gave no known code: core's
 * status ladder with Twilio's exceptions.
 *
 * @example
 * ```ts
 * reasonOfStatus(503) // "Unavailable"
 * reasonOfStatus(403) // "Unauthorized"
 * ```
 */
export const reasonOfStatus: (status: number) => IntegrationError.AnswerReasonTag = StatusReason.ladder({
  // Twilio's 403 refuses what these credentials may do: read as Unauthorized, like its 401.
  403: "Unauthorized"
})

const header = (headers: Failure["headers"], name: string): string | undefined => {
  const value = headers?.[name] ?? headers?.[name.toLowerCase()]
  return typeof value === "string" ? value : Array.isArray(value) && typeof value[0] === "string" ? value[0] : undefined
}

interface AxiosLike {
  readonly isAxiosError: true
  readonly code?: string
}

const isAxiosError = (cause: unknown): cause is AxiosLike =>
  typeof cause === "object" && cause !== null && (cause as { isAxiosError?: unknown }).isAxiosError === true

const isCanceled = (cause: unknown): boolean =>
  typeof cause === "object" &&
  cause !== null &&
  ((cause as { code?: unknown }).code === "ERR_CANCELED" || (cause as { name?: unknown }).name === "CanceledError")

/**
 * Classifies what a Twilio call threw: `RestException` by Twilio code (then by
 * HTTP status), axios timeouts as TimedOut, a throw before any request went
 * out (the SDK's `accountSid must start with AC`) as Misconfigured, every
 * other network failure and a garbled answer as Unavailable. `codes` replaces the code table for an
 * operation where a code means something else (20404 on a lookup).
 *
 * @example
 * ```ts
 * classify("send", { cause: restException, headers: { "retry-after": "2" } }, 10_000)
 * ```
 */
export const classify = (
  operation: string,
  failure: Failure,
  timeoutMillis: number,
  now: number = Date.now(),
  codes: Readonly<Record<number, IntegrationError.AnswerReasonTag>> = codeReasons
): IntegrationError.IntegrationError => {
  const { cause, headers } = failure
  const requestId = header(headers, "twilio-request-id")
  if (cause instanceof twilio.RestException) {
    const code = typeof cause.code === "number" ? cause.code : undefined
    const tag = (code === undefined ? undefined : codes[code]) ?? reasonOfStatus(cause.status)
    const description = typeof cause.message === "string" ? cause.message : `HTTP ${cause.status}`
    return IntegrationError.make(
      "twilio",
      operation,
      IntegrationError.reasonFor(tag, {
        description,
        retryAfter: RetryAfter.parse(header(headers, "retry-after"), now)
      }),
      {
        status: cause.status,
        providerCode: code === undefined ? undefined : String(code),
        requestId,
        delivery: IntegrationError.deliveryOfStatus(cause.status)
      }
    )
  }
  if (isAxiosError(cause) && (cause.code === "ECONNABORTED" || cause.code === "ETIMEDOUT")) {
    return IntegrationError.make(
      "twilio",
      operation,
      new IntegrationError.TimedOut({ timeout: Duration.millis(timeoutMillis) }),
      // Timed out connecting, nothing written: not sent.
      { delivery: failure.written === false ? "notSent" : "maybeSent" }
    )
  }
  if (failure.sent === false && !isAxiosError(cause) && !isCanceled(cause)) {
    const words = AdapterConfig.describeDefect(cause, failure.secrets)
    const reason = new IntegrationError.Misconfigured({ description: `no request was made: ${words}` })
    return IntegrationError.make("twilio", operation, reason, { delivery: "notSent" })
  }
  const description = isCanceled(cause)
    ? "request aborted"
    : isAxiosError(cause)
      ? `network error ${cause.code ?? "unknown"}`
      : cause instanceof SyntaxError
        ? "Twilio answered with a body that is not JSON"
        : "Twilio answered with something unexpected"
  return IntegrationError.make("twilio", operation, new IntegrationError.Unavailable({ description }), {
    requestId,
    delivery: deliveryOfFailure(failure)
  })
}

/**
 * Whether a call that got no classified answer may have reached Twilio: a
 * network error by its code (a failure to connect is not sent, a reset may
 * come after the request was written); nothing went out when the SDK or our
 * code threw first; an abort or an unreadable answer after a request went out
 * may have been acted on.
 *
 * @example
 * ```ts
 * deliveryOfFailure({ cause: axiosError("ECONNREFUSED"), sent: true }) // "notSent"
 * deliveryOfFailure({ cause: new SyntaxError("Unexpected token"), sent: true }) // "maybeSent"
 * ```
 */
export const deliveryOfFailure = (failure: Failure): IntegrationError.Delivery =>
  failure.sent === false || failure.written === false
    ? "notSent"
    : isAxiosError(failure.cause)
      ? IntegrationError.deliveryOfNetworkCode(failure.cause.code)
      : "maybeSent"
