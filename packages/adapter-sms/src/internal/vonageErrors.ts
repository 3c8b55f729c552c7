/**
 * Classification of Vonage SMS API failures into `IntegrationError`: pure
 * functions from what a call left behind to a reason. The SMS API answers a
 * refused message with HTTP 200 and a non-zero per-message `status`, which the
 * SDK throws as `MessageSendPartialFailure` / `MessageSendAllFailure` (both
 * `SMSFailure`); the status decides the reason. Non-2xx answers come as
 * `VetchError` with the fetch `Response`, whose status, Retry-After and
 * problem+json body the adapter reads while it can still await them.
 */
import { SMSFailure } from "@vonage/sms"
import { Duration } from "effect"
import { AdapterConfig, IntegrationError, RetryAfter, StatusReason } from "@wedsync/core"

/** What a failed call left behind: the thrown value, and for an HTTP error its status, headers and body. */
export interface Failure {
  readonly cause: unknown
  readonly status?: number | undefined
  readonly headers?: Headers | undefined
  readonly body?: string | undefined
  /** Whether a request went out; `false` when the SDK or our code threw first. */
  readonly sent?: boolean | undefined
  /** Whether the request reached the wire (`Wire.track`); `false`: a timeout or abort came before any byte went out. */
  readonly written?: boolean | undefined
  /** Values that must never appear in the error (the API secret). */
  readonly secrets?: ReadonlyArray<string> | undefined
}

/**
 * SMS API per-message statuses and the reason each means.
 *
 * @example
 * ```ts
 * statusReasons["1"] // "RateLimited": throttled
 * ```
 */
export const statusReasons: Readonly<Record<string, IntegrationError.AnswerReasonTag>> = {
  "1": "RateLimited", // throttled
  "10": "RateLimited", // too many existing binds
  "5": "Unavailable", // internal error
  "13": "Unavailable", // communication failed
  "4": "Unauthorized", // invalid credentials
  "14": "Unauthorized", // invalid signature
  "8": "Misconfigured", // partner account barred
  "9": "Misconfigured", // partner quota exceeded (out of credit)
  "11": "Misconfigured", // account not enabled for HTTP
  "15": "Misconfigured", // illegal sender address
  "19": "Misconfigured", // facility not allowed
  "29": "Misconfigured", // non-whitelisted destination
  "32": "Misconfigured",
  "2": "InvalidRequest", // missing parameters
  "3": "InvalidRequest", // invalid parameters
  "12": "InvalidRequest", // message too long
  "16": "InvalidRequest",
  "20": "InvalidRequest",
  "23": "InvalidRequest",
  "6": "Rejected", // invalid message (unroutable)
  "7": "Rejected", // number barred
  "33": "Rejected" // number de-activated
}

/** Problem types (`…#low-balance`) that the HTTP status alone does not decide. */
export const typeReasons: Readonly<Record<string, IntegrationError.AnswerReasonTag>> = {
  "1040": "Rejected",
  "1050": "Rejected",
  "1060": "Misconfigured",
  "1120": "Misconfigured",
  forbidden: "Misconfigured",
  "low-balance": "Misconfigured"
}

/**
 * The reason an HTTP status means when no problem type decides: core's status
 * ladder with Vonage's exceptions.
 *
 * @example
 * ```ts
 * reasonOfStatus(402) // "Misconfigured"
 * ```
 */
export const reasonOfStatus: (status: number) => IntegrationError.AnswerReasonTag = StatusReason.ladder({
  // The Messages API answers 402 when the balance cannot pay for the message.
  402: "Misconfigured"
})

const parseProblem = (body: string | undefined): Record<string, unknown> => {
  try {
    const value: unknown = JSON.parse(body ?? "")
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

const classifyHttp = (operation: string, failure: Failure & { readonly status: number }, now: number) => {
  const problem = parseProblem(failure.body)
  const type = typeof problem.type === "string" ? problem.type : undefined
  const code = type?.split("#")[1]
  const tag = (code === undefined ? undefined : typeReasons[code]) ?? reasonOfStatus(failure.status)
  const title = typeof problem.title === "string" ? problem.title : `HTTP ${failure.status}`
  const detail = typeof problem.detail === "string" ? `: ${problem.detail}` : ""
  const retryAfter = RetryAfter.parse(failure.headers?.get("retry-after"), now)
  return IntegrationError.make(
    "vonage",
    operation,
    IntegrationError.reasonFor(tag, { description: title + detail, retryAfter }),
    {
      status: failure.status,
      providerCode: code,
      requestId: typeof problem.instance === "string" ? problem.instance : undefined,
      delivery: IntegrationError.deliveryOfStatus(failure.status)
    }
  )
}

/**
 * Classifies what an SMS API call threw: a per-message status by its number,
 * an HTTP error by problem type then status, a timeout as TimedOut, a throw
 * before any request went out as Misconfigured, any other network failure or
 * garbled answer as Unavailable.
 *
 * @example
 * ```ts
 * classify("send", { cause: partialFailure }, 10_000) // status "9" → Misconfigured
 * ```
 */
export const classify = (
  operation: string,
  failure: Failure,
  timeoutMillis: number,
  now: number = Date.now()
): IntegrationError.IntegrationError => {
  const { cause } = failure
  if (cause instanceof SMSFailure) {
    const failed = cause.getFailedMessages()[0]
    const status = String(failed?.status ?? "")
    const description = `status ${status}: ${failed?.errorText ?? "refused"}`
    return IntegrationError.make(
      "vonage",
      operation,
      IntegrationError.reasonFor(statusReasons[status] ?? "Unavailable", { description }),
      // Vonage answered and refused the message: even status 5 (internal error) sent nothing.
      { status: 200, providerCode: status, delivery: "notSent" }
    )
  }
  if (failure.status !== undefined) return classifyHttp(operation, { ...failure, status: failure.status }, now)
  const name = typeof cause === "object" && cause !== null ? (cause as { name?: unknown }).name : undefined
  if (name === "TimeoutError" || name === "AbortError") {
    return IntegrationError.make(
      "vonage",
      operation,
      new IntegrationError.TimedOut({ timeout: Duration.millis(timeoutMillis) }),
      // Timed out connecting, nothing written: not sent.
      { delivery: failure.written === false ? "notSent" : "maybeSent" }
    )
  }
  if (failure.sent === false) {
    const words = AdapterConfig.describeDefect(cause, failure.secrets)
    const reason = new IntegrationError.Misconfigured({ description: `no request was made: ${words}` })
    return IntegrationError.make("vonage", operation, reason, { delivery: "notSent" })
  }
  const network = cause instanceof TypeError && cause.message === "fetch failed"
  const description = network ? "network error" : "Vonage answered with something unexpected"
  // By the network error's code, not its words; an unreadable answer (no code) came after the request: maybe sent.
  const delivery =
    failure.written === false
      ? "notSent"
      : IntegrationError.deliveryOfNetworkCode(IntegrationError.networkCodeOf(cause))
  return IntegrationError.make("vonage", operation, new IntegrationError.Unavailable({ description }), { delivery })
}
