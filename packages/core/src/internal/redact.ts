/**
 * Secret scrubbing for what the durable stores keep (dead-letter payloads,
 * audit details): `Redacted` values and values under secret-looking keys
 * become `"<redacted>"`, and the result is plain JSON data.
 *
 * @internal
 */
import { Redacted } from "effect"

/** What a scrubbed secret reads as. @internal */
export const REDACTED = "<redacted>"

// "card" covers cardNumber, card_cvc...; api[-_]?key covers apiKey, api_key, x-api-key
const secretKey =
  /secret|token|password|passwd|api[-_]?key|authorization|cookie|card|cvc|cvv|credential|private[-_]?key/i

/** Whether a property name looks like it holds a secret. @internal */
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
 * @internal
 */
export const redact = (value: unknown): unknown => scrub(value, new WeakSet())
