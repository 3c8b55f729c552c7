/**
 * What an HTTP status means as a reason, when nothing more specific decides.
 *
 * Every adapter classifies a provider's answer by the provider's own code
 * first (Twilio's 21610, Resend's `rate_limit_exceeded`, Postmark's
 * `ErrorCode`), and falls back to the HTTP status. That fallback is the same
 * ladder everywhere, so it lives here once; a provider whose statuses mean
 * something else lists those statuses as exceptions and keeps the rest:
 *
 * | status                     | reason         | why                                                   |
 * |----------------------------|----------------|-------------------------------------------------------|
 * | none (`undefined`, `0`)    | Unavailable    | no HTTP answer came: refused, reset, aborted          |
 * | 401                        | Unauthorized   | our credentials were refused                          |
 * | 403                        | Misconfigured  | credentials accepted, the account may not do this     |
 * | 429                        | RateLimited    | slow down (with the Retry-After, when there is one)   |
 * | 500-599                    | Unavailable    | the provider failed on its side                       |
 * | any other                  | InvalidRequest | the request itself is at fault                        |
 *
 * The exceptions sit in each adapter's errors table beside its vendor's
 * codes, each with the vendor quirk behind it (Twilio answers 403 for a
 * refused key, Vonage 402 for a spent balance, Stripe 402 for a declined card).
 *
 * 408 falls under "any other", as it did in every adapter but the Google
 * Calendar one (which lists it as Unavailable). The ladder never answers
 * `TimedOut`: that reason means our own timeout fired, and carries its length.
 *
 * @example
 * ```ts
 * import { IntegrationError, StatusReason } from "@wedsync/core"
 *
 * const byCode: Record<number, IntegrationError.AnswerReasonTag> = { 21610: "Rejected" }
 * // Twilio answers 403 for a refused key.
 * const ofStatus = StatusReason.ladder({ 403: "Unauthorized" })
 * const tag = byCode[error.code] ?? ofStatus(error.status)
 * IntegrationError.reasonFor(tag, { description: error.message, retryAfter })
 * ```
 *
 * @since 0.1.0
 */
import type { AnswerReasonTag } from "./IntegrationError.ts"

/** Statuses whose reason differs at one provider, e.g. `{ 403: "Unauthorized" }`. @since 0.1.0 */
export type Exceptions = Readonly<Partial<Record<number, AnswerReasonTag>>>

/**
 * The reason tag the shared ladder gives an HTTP status (see the module's table).
 *
 * @example
 * ```ts
 * import { StatusReason } from "@wedsync/core"
 *
 * StatusReason.tagFor(503)       // "Unavailable"
 * StatusReason.tagFor(403)       // "Misconfigured"
 * StatusReason.tagFor(undefined) // "Unavailable": no answer came
 * ```
 * @since 0.1.0
 */
export const tagFor = (status: number | undefined): AnswerReasonTag => {
  if (status === undefined || status === 0 || status >= 500) return "Unavailable"
  switch (status) {
    case 401:
      return "Unauthorized"
    case 403:
      return "Misconfigured"
    case 429:
      return "RateLimited"
    default:
      return "InvalidRequest"
  }
}

/**
 * A provider's ladder: its exceptions first, then the shared {@link tagFor}.
 *
 * @example
 * ```ts
 * import { StatusReason } from "@wedsync/core"
 *
 * // Vonage answers 402 when the balance cannot pay for the message.
 * const ofStatus = StatusReason.ladder({ 402: "Misconfigured" })
 * ofStatus(402) // "Misconfigured"
 * ofStatus(429) // "RateLimited", from the shared ladder
 * ```
 * @since 0.1.0
 */
export const ladder =
  (exceptions: Exceptions) =>
  (status: number | undefined): AnswerReasonTag =>
    (status === undefined ? undefined : exceptions[status]) ?? tagFor(status)
