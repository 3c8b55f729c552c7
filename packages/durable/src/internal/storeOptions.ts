/**
 * Checks of a store layer's options, made before anything connects: a
 * timeout a timer can hold, a URL that parses and names the right server. A
 * problem fails the layer with a `StoreError` whose words name the field
 * (`postgres.configure: connectTimeout must be …`), never a password.
 *
 * @internal
 */
import { StoreError } from "@wedsync/core/StoreError"
import { Duration, Effect, Option, Redacted } from "effect"
import { maxTimerMillis, scrub } from "./storeCauses.ts"

/** A positive duration a timer can hold, `fallback` when not given. */
export const timeout = (
  operation: string,
  name: string,
  input: Duration.Input | undefined,
  fallback: Duration.Input
): Effect.Effect<Duration.Duration, StoreError> => {
  const decoded = Duration.fromInput(input ?? fallback)
  if (Option.isNone(decoded)) {
    return Effect.fail(
      new StoreError({ operation, cause: `${name} is not a duration (${String(input)}); write e.g. "5 seconds"` })
    )
  }
  const millis = Duration.toMillis(decoded.value)
  if (!(millis > 0) || millis > maxTimerMillis) {
    return Effect.fail(
      new StoreError({
        operation,
        cause: `${name} must be a positive duration of at most 24.8 days (a timer's limit), got ${Duration.format(decoded.value)}`
      })
    )
  }
  return Effect.succeed(decoded.value)
}

/** The URL behind `input`, parsed; it must use one of `protocols`. Its text is never repeated (it may hold a password). */
export const url = (
  operation: string,
  name: string,
  input: string | Redacted.Redacted<string>,
  protocols: ReadonlyArray<string>
): Effect.Effect<URL, StoreError> => {
  const value = Redacted.isRedacted(input) ? Redacted.value(input) : input
  const expected = protocols.map((protocol) => `${protocol}//`).join(" or ")
  if (value.trim() === "")
    return Effect.fail(new StoreError({ operation, cause: `${name} is empty; expected ${expected}…` }))
  let parsed: URL
  try {
    parsed = new URL(value)
  } catch {
    return Effect.fail(new StoreError({ operation, cause: `${name} does not parse as a URL; expected ${expected}…` }))
  }
  if (!protocols.includes(parsed.protocol)) {
    return Effect.fail(
      new StoreError({ operation, cause: scrub(`${name} must start with ${expected}, got ${parsed.protocol}//`) })
    )
  }
  return Effect.succeed(parsed)
}

/** `500ms`, `5s`: how a bound is written in error messages. */
export const words = (duration: Duration.Duration): string => Duration.format(duration)
