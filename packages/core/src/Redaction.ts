/**
 * Secret scrubbing for what is kept or shown (dead-letter payloads, audit
 * details, quarantined requests): `Redacted` values and values under
 * secret-looking keys become `"<redacted>"`, and the result is plain JSON data.
 * Every store of the durable tier and every operator view scrubs through here,
 * so one rule decides what a secret looks like.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Redaction } from "@wedsync/core"
 *
 * Redaction.redact({ to: "ana@example.com", apiKey: "re_123", token: Redacted.make("t") })
 * // { to: "ana@example.com", apiKey: "<redacted>", token: "<redacted>" }
 * ```
 *
 * @since 0.1.0
 */
import { Redacted } from "effect"

/** What a scrubbed secret reads as. @since 0.1.0 */
export const REDACTED = "<redacted>"

// "card" covers cardNumber, card_cvc...; api[-_]?key covers apiKey, api_key, x-api-key
const secretKey =
  /secret|token|password|passwd|api[-_]?key|authorization|cookie|card|cvc|cvv|credential|private[-_]?key/i

/**
 * Whether a property name looks like it holds a secret.
 *
 * @example
 * ```ts
 * Redaction.isSecretKey("x-api-key") // true
 * ```
 * @since 0.1.0
 */
export const isSecretKey = (key: string): boolean => secretKey.test(key)

const scrub = (value: unknown, seen: WeakSet<object>): unknown => {
  if (Redacted.isRedacted(value)) return REDACTED
  if (value === null || value === undefined) return value
  switch (typeof value) {
    case "bigint":
      return value.toString()
    case "function":
    case "symbol":
      return undefined
    case "object":
      break
    default:
      return value
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString()
  if (seen.has(value)) return "<circular>"
  seen.add(value)
  try {
    if (Array.isArray(value)) return value.map((item) => scrub(item, seen) ?? null)
    if (value instanceof Map) return scrub(Object.fromEntries(value), seen)
    if (value instanceof Set) return scrub([...value], seen)
    const out: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) {
      const scrubbed = isSecretKey(key) ? REDACTED : scrub(item, seen)
      if (scrubbed !== undefined) out[key] = scrubbed
    }
    return out
  } finally {
    seen.delete(value)
  }
}

/**
 * A copy of `value` as JSON data with every secret replaced by `"<redacted>"`.
 * Idempotent: redacting a redacted value changes nothing.
 *
 * @example
 * ```ts
 * const kept = Redaction.redact(job.payload) // safe to store or show
 * ```
 * @since 0.1.0
 */
export const redact = (value: unknown): unknown => scrub(value, new WeakSet())
