/**
 * How a vendor's HTTP answer or transport failure becomes an
 * `IntegrationError`: a pure table by status (core's shared ladder plus the
 * exceptions below), the `Retry-After` header through core's parser, the
 * delivery from the status or the network error's code. Classified here,
 * once, at the adapter's edge.
 *
 * | status              | reason         | delivery  | why                                                  |
 * |---------------------|----------------|-----------|------------------------------------------------------|
 * | 400, 404, 422       | InvalidRequest | notSent   | the request is malformed or names nothing there      |
 * | 409                 | Rejected       | notSent   | refused on its merits: the slot is taken             |
 * | 401                 | Unauthorized   | notSent   | our token was refused                                |
 * | 403                 | Misconfigured  | notSent   | the token is fine, the account may not do this       |
 * | 408, 429            | RateLimited    | notSent   | overloaded: wait (`Retry-After`) and try again        |
 * | 503                 | Unavailable    | notSent   | declined to handle it at all (RFC 9110)              |
 * | other 5xx           | Unavailable    | maybeSent | failed part-way; a write may have happened           |
 * | refused, DNS, TLS   | Unavailable    | notSent   | no byte left this process                            |
 * | reset, other        | Unavailable    | maybeSent | the request may have been written                    |
 *
 * @internal
 */
import { IntegrationError, RetryAfter, StatusReason } from "@wedsync/core"

/** 408 is a server shedding load (not our timeout, which is `TimedOut`); 409 a conflict with the vendor's state. */
const vendorExceptions: StatusReason.Exceptions = { 408: "RateLimited", 409: "Rejected" }

/** The reason tag for a status, with a vendor's own exceptions on top of ours. @internal */
export const tagOfStatus = (
  status: number,
  exceptions: StatusReason.Exceptions = {}
): IntegrationError.AnswerReasonTag => StatusReason.ladder({ ...vendorExceptions, ...exceptions })(status)

/** What the vendor said, in a few words: `{ error: { code, message } }`, `{ message }`, or the text's start. */
const describeBody = (text: string): { readonly code?: string; readonly message?: string } => {
  try {
    const body: unknown = JSON.parse(text)
    if (typeof body !== "object" || body === null) return {}
    const record = body as Record<string, unknown>
    const inner =
      typeof record.error === "object" && record.error !== null ? (record.error as Record<string, unknown>) : record
    return {
      ...(typeof inner.code === "string" ? { code: inner.code } : {}),
      ...(typeof inner.message === "string" ? { message: inner.message.slice(0, 200) } : {})
    }
  } catch {
    return {}
  }
}

/** A failed answer (any status outside 2xx) as an error. @internal */
export const fromStatus = (
  vendor: string,
  operation: string,
  answer: {
    readonly status: number
    readonly retryAfter: string | undefined
    readonly requestId: string | undefined
    readonly body: string
  },
  exceptions?: StatusReason.Exceptions,
  now: number = Date.now()
): IntegrationError.IntegrationError => {
  const { code, message } = describeBody(answer.body)
  const tag = tagOfStatus(answer.status, exceptions)
  const retryAfter = RetryAfter.parse(answer.retryAfter, now)
  return IntegrationError.make(
    vendor,
    operation,
    IntegrationError.reasonFor(tag, { description: message ?? `HTTP ${answer.status}`, retryAfter }),
    {
      status: answer.status,
      providerCode: code,
      requestId: answer.requestId,
      delivery: IntegrationError.deliveryOfStatus(answer.status)
    }
  )
}

/** A request that got no answer: refused, reset, DNS. @internal */
export const fromTransport = (vendor: string, operation: string, cause: unknown): IntegrationError.IntegrationError => {
  const code = IntegrationError.networkCodeOf(cause)
  return IntegrationError.make(
    vendor,
    operation,
    new IntegrationError.Unavailable({
      description: code === undefined ? "no answer from the vendor" : `no answer from the vendor (${code})`
    }),
    { delivery: IntegrationError.deliveryOfNetworkCode(code) }
  )
}

/**
 * A 2xx whose body is not JSON or does not match the caller's schema:
 * `Unavailable`, since the vendor did not answer usefully (a proxy's page, a
 * truncated body, a changed shape), so a cached read may stand in. The
 * description names the field. A 2xx took effect: maybe sent.
 *
 * @internal
 */
export const unreadable = (
  vendor: string,
  operation: string,
  status: number,
  problem: string,
  requestId: string | undefined
): IntegrationError.IntegrationError =>
  IntegrationError.make(
    vendor,
    operation,
    new IntegrationError.Unavailable({ description: `unreadable answer: ${problem}` }),
    { status, providerCode: "wedsync.vendor.unreadable_body", requestId, delivery: "maybeSent" }
  )
