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
 * What a timer on the real clock keeps back of the time it was given: after
 * it fires, building the failure and resuming the caller (and the failover
 * that follows) take ~0.3–0.8 ms on these machines, most of it a CPU gone
 * cold while it waited, and a Node timer fires a fraction of a millisecond
 * late. Kept back so the caller has its answer by the time it was promised.
 *
 * @internal
 */
export const ANSWER_RESERVE_MILLIS = 1

/**
 * What a call cut short by an outer deadline keeps back from it on the real
 * clock. The deadline is a bound never to pass, not a median to meet: on top
 * of the time to answer it covers a timer's worst lateness, up to a
 * millisecond, since libuv counts whole milliseconds from the start of its
 * loop turn. One millisecond let a plan of four hanging providers end up to
 * 0.7 ms past a 120 ms deadline; two kept every run within it.
 *
 * @internal
 */
export const DEADLINE_RESERVE_MILLIS = 2

/**
 * The reserve an attempt's own policy timeout keeps on the real clock:
 * `ANSWER_RESERVE_MILLIS` once that is at most 5 % of it, none for shorter
 * timeouts, where a millisecond would cut real work.
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
   * What an attempt keeps back of the time left on this clock
   * (`DEADLINE_RESERVE_MILLIS` on the real one, none on a `TestClock`): a
   * step with no more than this left is not started, since its timer could
   * only fire after the deadline.
   */
  readonly reserve: number
}

/** @internal The deadline `millis` from now on `clock`. */
export const deadlineIn = (clock: Clock.Clock, millis: number): Deadline => {
  if (isDefaultClock(clock)) {
    const at = performance.now() + millis
    return { remaining: () => Math.floor(at - performance.now()), reserve: DEADLINE_RESERVE_MILLIS }
  }
  const at = clock.currentTimeMillisUnsafe() + millis
  return { remaining: () => at - clock.currentTimeMillisUnsafe(), reserve: 0 }
}
