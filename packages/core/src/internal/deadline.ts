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

/**
 * What a timer on the real clock keeps back of the time it was given, so the
 * caller has its answer by the time it was promised, never just after: after
 * the timer fires, building the failure and resuming the caller (and starting
 * the failover that follows) take 0.3–0.8 ms on these machines, most of it a
 * CPU gone cold while it waited; and a Node timer fires up to a millisecond
 * late, since libuv counts whole milliseconds from the start of its loop turn.
 * One millisecond let a plan of four hanging providers end up to 0.7 ms past
 * a 120 ms deadline, and left the first call after a hang 0.05–0.5 ms inside
 * a 50 ms timeout; two cover both.
 *
 * @internal
 */
export const ANSWER_RESERVE_MILLIS = 2

/**
 * The reserve an attempt's own policy timeout keeps on the real clock:
 * `ANSWER_RESERVE_MILLIS` once that is at most 5 % of it, none for shorter
 * timeouts, where it would cut real work.
 *
 * @internal
 */
export const answerReserve = (timeoutMillis: number): number =>
  timeoutMillis >= 20 * ANSWER_RESERVE_MILLIS ? ANSWER_RESERVE_MILLIS : 0

/** @internal */
export interface Deadline {
  /** Whole milliseconds left before the deadline, never more than are really left; 0 or less once it has passed. */
  readonly remaining: () => number
  /**
   * The least time left in which a step is started, on this clock (none on a
   * `TestClock`): on the real one twice `ANSWER_RESERVE_MILLIS`. With less,
   * its attempt would be armed for at most `ANSWER_RESERVE_MILLIS`, in which
   * no provider answers over a network, and its answer could only be late: a
   * plan of four hanging providers that started its last step with 3 ms left
   * ended 0.3 ms past its deadline.
   */
  readonly minimumStep: number
}

/** @internal The deadline `millis` from now on `clock`. */
export const deadlineIn = (clock: Clock.Clock, millis: number): Deadline => {
  if (isDefaultClock(clock)) {
    const at = performance.now() + millis
    return { remaining: () => Math.floor(at - performance.now()), minimumStep: 2 * ANSWER_RESERVE_MILLIS }
  }
  const at = clock.currentTimeMillisUnsafe() + millis
  return { remaining: () => at - clock.currentTimeMillisUnsafe(), minimumStep: 0 }
}
