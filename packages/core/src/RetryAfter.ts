/**
 * The `Retry-After` header (RFC 9110 §10.2.3), read one way for every adapter.
 *
 * Adapters hand the wait a provider asks for to the reason they classify
 * (`RateLimited`, `Unavailable`), and retry, breaker and outbox honour it. Each
 * adapter used to read the header itself, and the copies disagreed on
 * fractions and negatives; this is the one reading:
 *
 * | value                                      | wait                                   |
 * |--------------------------------------------|----------------------------------------|
 * | `"120"` (delta-seconds)                    | 120 s                                  |
 * | `"1.5"` (a fraction, outside the RFC)      | 1500 ms, rounded up to the millisecond |
 * | an HTTP-date (any of its three forms)      | from `now` until then                  |
 * | an HTTP-date in the past                   | zero: the wait has already run out     |
 * | `"-1"`, `"1e3"`, `"0x10"`, `"+5"`, `".5"`  | `undefined`: not delta-seconds         |
 * | an ISO 8601 or other non-HTTP date         | `undefined`                            |
 * | `null`, `undefined`, `""`, garbage         | `undefined`                            |
 *
 * A negative delta is `undefined` rather than zero: it is malformed (the
 * grammar has no sign), and "no instruction" leaves the retry table's delay in
 * force where zero would invite an immediate retry against a rate limit. A
 * past date is well-formed, so it means "retry now".
 *
 * @example
 * ```ts
 * import { RetryAfter } from "@wedsync/core"
 *
 * RetryAfter.parse("2")                                     // Duration.seconds(2)
 * RetryAfter.parse("Thu, 01 Jan 1970 00:00:10 GMT", 4_000)  // Duration.millis(6_000)
 * RetryAfter.parse("soon")                                  // undefined
 * ```
 *
 * @since 0.1.0
 */
import { Duration } from "effect"

const DELTA_SECONDS = /^(\d+)(?:\.(\d+))?$/

const DAY = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
const DAY_LONG = "(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
const MONTH = "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
const TIME = "(\\d{2}):(\\d{2}):(\\d{2})"
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

/** `Sun, 06 Nov 1994 08:49:37 GMT`, the form senders must use. */
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`)
/** `Sunday, 06-Nov-94 08:49:37 GMT`, obsolete but still to be accepted. */
const RFC850_DATE = new RegExp(`^${DAY_LONG}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`)
/** `Sun Nov  6 08:49:37 1994`, ANSI C's asctime(), obsolete but still to be accepted. */
const ASCTIME_DATE = new RegExp(`^${DAY} ${MONTH} ( \\d|\\d{2}) ${TIME} (\\d{4})$`)

/** Delta-seconds as whole milliseconds, a fraction rounded up so the wait is never shorter than asked. */
const deltaMillis = (whole: string, fraction: string): number =>
  Number(whole) * 1000 + Number(fraction.slice(0, 3).padEnd(3, "0")) + (/[1-9]/.test(fraction.slice(3)) ? 1 : 0)

/** Epoch millis of a calendar date and time in UTC, or `undefined` when no such moment exists (Feb 30, 25:00). */
const utc = (year: number, month: number, day: number, hour: number, minute: number, second: number) => {
  // 60 is a leap second, which the RFC's grammar allows.
  if (hour > 23 || minute > 59 || second > 60) return undefined
  const date = new Date(0)
  // setUTCFullYear, unlike Date.UTC, does not read years 0-99 as 1900-1999.
  date.setUTCFullYear(year, month, day)
  if (date.getUTCMonth() !== month || date.getUTCDate() !== day) return undefined
  return date.getTime() + ((hour * 60 + minute) * 60 + second) * 1000
}

/** RFC 9110 §5.6.7: a two-digit year more than 50 years ahead is the last such year in the past. */
const fullYear = (twoDigits: number, now: number): number => {
  const current = new Date(now).getUTCFullYear()
  const year = current - (current % 100) + twoDigits
  return year > current + 50 ? year - 100 : year
}

/** Epoch millis of an HTTP-date in any of its three forms, or `undefined`. */
const httpDate = (value: string, now: number): number | undefined => {
  const fixdate = IMF_FIXDATE.exec(value)
  if (fixdate !== null) {
    const [, day, month, year, hour, minute, second] = fixdate
    return utc(Number(year), MONTHS.indexOf(month ?? ""), Number(day), Number(hour), Number(minute), Number(second))
  }
  const rfc850 = RFC850_DATE.exec(value)
  if (rfc850 !== null) {
    const [, day, month, year, hour, minute, second] = rfc850
    const full = fullYear(Number(year), now)
    return utc(full, MONTHS.indexOf(month ?? ""), Number(day), Number(hour), Number(minute), Number(second))
  }
  const asctime = ASCTIME_DATE.exec(value)
  if (asctime !== null) {
    const [, month, day, hour, minute, second, year] = asctime
    return utc(Number(year), MONTHS.indexOf(month ?? ""), Number(day), Number(hour), Number(minute), Number(second))
  }
  return undefined
}

/**
 * The wait a `Retry-After` value asks for, or `undefined` when there is no
 * value or it cannot be read (see the module's table). Pure: the date form is
 * measured from `now` (epoch milliseconds, `Date.now()` by default).
 * Surrounding whitespace is ignored.
 *
 * @example
 * ```ts
 * import { RetryAfter } from "@wedsync/core"
 *
 * RetryAfter.parse(response.headers.get("retry-after"))      // Duration | undefined
 * RetryAfter.parse("1.5")                                     // Duration.millis(1_500)
 * RetryAfter.parse("-1")                                      // undefined
 * RetryAfter.parse(new Date(10_000).toUTCString(), 4_000)     // Duration.millis(6_000)
 * ```
 * @since 0.1.0
 */
export const parse = (value: string | null | undefined, now: number = Date.now()): Duration.Duration | undefined => {
  const trimmed = value?.trim()
  if (trimmed === undefined || trimmed === "") return undefined
  const delta = DELTA_SECONDS.exec(trimmed)
  if (delta !== null) {
    const millis = deltaMillis(delta[1] ?? "", delta[2] ?? "")
    // So many digits that no number holds them is no usable wait.
    return Number.isFinite(millis) ? Duration.millis(millis) : undefined
  }
  const date = httpDate(trimmed, now)
  return date === undefined ? undefined : Duration.millis(Math.max(0, date - now))
}
