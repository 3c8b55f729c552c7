/**
 * The AbortSignal one HTTP call runs under: the caller's signal (an Effect's
 * interruption) joined with the adapter's own timeout and any signal an SDK
 * brings, so that whichever fires first aborts the request.
 *
 * Every adapter joined these with `AbortSignal.any`, each guarding its own way
 * against a missing signal or an infinite timeout; this module is the one way.
 *
 * @example
 * ```ts
 * import { Duration, Effect } from "effect"
 * import { AbortSignals } from "@wedsync/core"
 *
 * Effect.tryPromise((signal) => {
 *   const timer = AbortSignals.timeout(Duration.seconds(10))
 *   return fetch(url, { signal: AbortSignals.join(signal, timer) }) // timer.aborted tells a timeout from an interruption
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Duration } from "effect"
import { MAX_TIMER_MILLIS } from "./internal/timers.ts"

/** The longest delay a Node timer can wait (about 24.8 days); longer ones fire at once. */

/** A signal that never aborts. */
const never = (): AbortSignal => new AbortController().signal

/**
 * One signal that aborts when any of `signals` does, with that signal's
 * reason; `undefined` and `null` are skipped. With one signal left it is that
 * signal itself; with none, a signal that never aborts.
 *
 * @example
 * ```ts
 * import { AbortSignals } from "@wedsync/core"
 *
 * fetch(input, { ...init, signal: AbortSignals.join(init?.signal, effectSignal) })
 * ```
 * @since 0.1.0
 */
export const join = (...signals: ReadonlyArray<AbortSignal | null | undefined>): AbortSignal => {
  const present = signals.filter((signal): signal is AbortSignal => signal != null)
  if (present.length === 0) return never()
  return present.length === 1 ? (present[0] as AbortSignal) : AbortSignal.any(present)
}

/**
 * A signal that aborts with a `TimeoutError` after `duration`: never, for an
 * infinite one, and after the longest a timer can wait for a finite one
 * beyond it.
 *
 * @example
 * ```ts
 * import { Duration } from "effect"
 * import { AbortSignals } from "@wedsync/core"
 *
 * const timer = AbortSignals.timeout(Duration.seconds(10))
 * AbortSignals.timeout(Duration.infinity).aborted // false, forever
 * ```
 * @since 0.1.0
 */
export const timeout = (duration: Duration.Input): AbortSignal => {
  const resolved = Duration.fromInputUnsafe(duration)
  return Duration.isFinite(resolved)
    ? AbortSignal.timeout(Math.min(Math.max(0, Math.ceil(Duration.toMillis(resolved))), MAX_TIMER_MILLIS))
    : never()
}
