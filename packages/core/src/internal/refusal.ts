/**
 * What the call path and the probe both need to refuse a call: the caller's
 * correlation id, read off the fiber, and the `CircuitOpen` rejection built
 * from trusted parts (see `trusted.ts`).
 *
 * @internal
 */
import type * as Fiber from "effect/Fiber"
import { CorrelationId } from "../Correlation.ts"
import type { Guard } from "./engine.ts"
import { circuitOpen } from "./trusted.ts"

/** The correlation id of the calling fiber, if any. @internal */
export const correlation = (fiber: Fiber.Fiber<unknown, unknown>) => fiber.getRef(CorrelationId)

/** An open circuit's refusal of a call, unmade. @internal */
export const rejection = (fiber: Fiber.Fiber<unknown, unknown>, guard: Guard, retryAfterMillis: number) =>
  circuitOpen(guard.state.provider, guard.operation, guard.state.key, retryAfterMillis, correlation(fiber))
