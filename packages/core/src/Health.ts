/**
 * Provider health: per provider a rolling window (the last 100 calls) of
 * success rate and p50/p95/p99 latency, the last success and failure, and the
 * circuit state, summed up as `healthy`, `degraded` or `down`.
 *
 * - `down`: the circuit is open (or forced open).
 * - `degraded`: the circuit is probing, or the window's failure rate has reached
 *   half of the policy's trip threshold.
 * - `healthy`: otherwise.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { Health } from "@wedsync/core"
 *
 * const dashboard = Effect.gen(function*() {
 *   const providers = yield* Health.snapshot
 *   yield* Stream.runForEach(Health.changes, (event) => Effect.log(event))
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Effect, Stream } from "effect"
import type { Status } from "./internal/health.ts"
import { addListener, type HealthChange, listen, type ProviderState } from "./internal/engine.ts"
import { view as circuitView } from "./internal/circuit.ts"
import { Resilience, type Transition } from "./Resilience.ts"

export type { Status }

/** One provider's health at a moment. @since 0.1.0 */
export interface ProviderHealth {
  readonly service: string
  readonly provider: string
  readonly status: Status
  readonly breaker: "closed" | "open" | "half_open"
  /** Calls in the window (at most 100). */
  readonly calls: number
  /** Share of calls in the window the provider answered well (request-level refusals count as answered). */
  readonly successRate: number
  readonly latency: { readonly p50: number; readonly p95: number; readonly p99: number }
  readonly lastSuccessAt: number | undefined
  readonly lastFailureAt: number | undefined
  readonly lastFailureReason: string | undefined
}

/** A change worth telling an operator about. @since 0.1.0 */
export type Event =
  | ({ readonly _tag: "StatusChanged" } & HealthChange)
  | ({ readonly _tag: "BreakerTransition" } & Transition)

const view = (state: ProviderState): ProviderHealth => {
  const health = state.health
  return {
    service: state.service,
    provider: state.provider,
    status: health.status,
    breaker: circuitView(state.circuit),
    calls: health.calls,
    successRate: health.successRate(),
    latency: health.percentiles(),
    lastSuccessAt: health.lastSuccessAt,
    lastFailureAt: health.lastFailureAt,
    lastFailureReason: health.lastFailureReason
  }
}

/** Every provider this instance has called, now. @since 0.1.0 */
export const snapshot: Effect.Effect<ReadonlyArray<ProviderHealth>, never, Resilience> = Effect.map(
  Effect.service(Resilience),
  ({ engine }) => engine.allProviders().map(view)
)

/** One provider's health, now. @since 0.1.0 */
export const get = (service: string, provider: string): Effect.Effect<ProviderHealth, never, Resilience> =>
  Effect.map(Effect.service(Resilience), ({ engine }) => view(engine.providerState(service, provider)))

/** Status changes and breaker transitions as they happen. @since 0.1.0 */
export const changes: Stream.Stream<Event, never, Resilience> = Stream.unwrap(
  Effect.map(Effect.service(Resilience), ({ engine }) =>
    listen<Event>((emit) => {
      const removeStatus = addListener(engine.healthListeners, (change) => emit({ _tag: "StatusChanged", ...change }))
      const removeTransition = addListener(engine.transitionListeners, (transition) =>
        emit({ _tag: "BreakerTransition", ...transition })
      )
      return () => {
        removeStatus()
        removeTransition()
      }
    })
  )
)
