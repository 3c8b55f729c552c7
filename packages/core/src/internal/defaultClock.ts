/**
 * Effect's own clock, told apart from any other (a `TestClock`): on it the
 * engine arms Node timers directly and reads `performance.now()`.
 *
 * @internal
 */
import { Clock, Effect } from "effect"

const defaultClock = Effect.runSync(Effect.withFiber((fiber) => Effect.succeed(fiber.getRef(Clock.Clock))))

/** @internal */
export const isDefaultClock = (clock: Clock.Clock): boolean => clock === defaultClock
