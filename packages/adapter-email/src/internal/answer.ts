/**
 * What both email adapters read from an HTTP answer the same way: the
 * Retry-After header, and text that must not carry a secret.
 *
 * @internal
 */
import { Duration } from "effect"

/**
 * Retry-After as delta seconds or an HTTP date (RFC 9110 §10.2.3).
 *
 * @internal
 */
export const parseRetryAfter = (
  value: string | null | undefined,
  now: number = Date.now()
): Duration.Duration | undefined => {
  if (value === null || value === undefined || value.trim() === "") return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return seconds >= 0 ? Duration.seconds(seconds) : undefined
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Duration.millis(Math.max(0, date - now))
}

/**
 * `text` with every secret replaced, so a provider that echoes a key back
 * cannot leak it into an error.
 *
 * @internal
 */
export const scrub = (text: string | undefined, secrets: ReadonlyArray<string>): string | undefined =>
  text === undefined
    ? undefined
    : secrets.reduce((result, secret) => (secret.length === 0 ? result : result.split(secret).join("[redacted]")), text)
