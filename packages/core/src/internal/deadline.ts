/**
 * A plan's deadline, read to the whole millisecond it has left.
 *
 * On Effect's default clock the time is `performance.now()`, not `Date.now()`:
 * two reads of a whole-millisecond clock can each be up to a millisecond
 * behind, so a step armed for "what remains" could run up to a millisecond
 * past the deadline before its own timer is even late. What remains is
 * rounded down, so a step's timer never outlasts the deadline; it can only
 * fire as late as any Node timer does. On any other clock (a `TestClock`)
 * that clock is read, as before.
 *
 * @internal
 */
import type { Clock } from "effect"
import { isDefaultClock } from "./defaultClock.ts"

/** @internal */
export interface Deadline {
  /** Whole milliseconds left before the deadline, never more than are really left; 0 or less once it has passed. */
  readonly remaining: () => number
}

/** @internal The deadline `millis` from now on `clock`. */
export const deadlineIn = (clock: Clock.Clock, millis: number): Deadline => {
  if (isDefaultClock(clock)) {
    const at = performance.now() + millis
    return { remaining: () => Math.floor(at - performance.now()) }
  }
  const at = clock.currentTimeMillisUnsafe() + millis
  return { remaining: () => at - clock.currentTimeMillisUnsafe() }
}
