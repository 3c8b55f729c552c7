/**
 * What `Resilience.incidents` streams: a failed attempt (`Failure`) and a
 * plan moving on from one provider to the next (`Failover`). Both are built
 * only when someone listens: the call path and `Failover.run` check the
 * listener set's size first, so with no listener they cost a size check.
 *
 * @internal
 */
import type * as Fiber from "effect/Fiber"
import { CorrelationId } from "../Correlation.ts"
import type * as IntegrationError from "../IntegrationError.ts"

/** A protected attempt that failed with an `IntegrationError` (not one refused unmade). @internal */
export interface Failure {
  readonly _tag: "Failure"
  readonly service: string
  readonly provider: string
  readonly operation: string
  /** The `IntegrationError` reason's `_tag`. */
  readonly reason: string
  readonly family: IntegrationError.Family
  readonly status?: number | undefined
  /** Epoch milliseconds, when the attempt ended. */
  readonly at: number
  readonly correlationId?: string | undefined
}

/** A `Failover.run` leaving one step for the next, after a failure or a skip. @internal */
export interface Failover {
  readonly _tag: "Failover"
  readonly service: string
  readonly operation: string
  /** The provider left. */
  readonly from: string
  /** The next step's provider. */
  readonly to: string
  /** Why: the failure's reason `_tag`, or the skip's (`"CircuitOpen"`, `"Disabled"`). */
  readonly reason?: string | undefined
  readonly at: number
}

/** A failed attempt or a failover, in the order they happened. @internal */
export type Incident = Failure | Failover

/** Listeners of incidents. @internal */
export type Listeners = Set<(incident: Incident) => void>

/** The engine's guard as far as a failure reads it (structurally, so the engine can import this module). */
interface Attempted {
  readonly state: { readonly service: string; readonly provider: string }
  readonly operation: string
}

/** Tells `listeners` of a failed attempt; the caller has checked that there are some. @internal */
export const emitFailure = (
  listeners: Listeners,
  guard: Attempted,
  error: IntegrationError.IntegrationError,
  at: number,
  fiber: Fiber.Fiber<unknown, unknown>
): void => {
  const failure: Failure = {
    _tag: "Failure",
    service: guard.state.service,
    provider: guard.state.provider,
    operation: guard.operation,
    reason: error.reason._tag,
    family: error.family,
    status: error.status,
    at,
    correlationId: error.correlationId ?? fiber.getRef(CorrelationId)
  }
  for (const listener of listeners) listener(failure)
}

/** Tells `listeners` of a failover; builds nothing when there are none. @internal */
export const emitFailover = (
  listeners: Listeners,
  service: string,
  operation: string,
  from: string,
  to: string,
  reason: string | undefined,
  at: number
): void => {
  if (listeners.size === 0) return
  const failover: Failover = { _tag: "Failover", service, operation, from, to, reason, at }
  for (const listener of listeners) listener(failover)
}
