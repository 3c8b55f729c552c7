/**
 * Reads a `Retry-After` header (delta-seconds or an HTTP date), shared by the
 * Twilio and Vonage classifications. Pure: the clock is a parameter.
 */
import { Duration } from "effect"

/**
 * The wait a `Retry-After` value asks for, or `undefined` when absent or unreadable.
 *
 * @example
 * ```ts
 * parseRetryAfter("2") // Duration.seconds(2)
 * ```
 */
export const parseRetryAfter = (value: string | undefined, now: number = Date.now()): Duration.Duration | undefined => {
  const trimmed = value?.trim()
  if (trimmed === undefined || trimmed === "") return undefined
  const seconds = /^\d+$/.test(trimmed) ? Number(trimmed) : (Date.parse(trimmed) - now) / 1000
  return Number.isFinite(seconds) ? Duration.seconds(Math.max(0, seconds)) : undefined
}
