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
import type * as Policy from "./Policy.ts"
import type { Status } from "./internal/health.ts"
import type * as Internal from "./internal/service.ts"
import { Resilience } from "./Resilience.ts"

export type { Status }

/** One provider's health at a moment. @since 0.1.0 */
export interface ProviderHealth extends Internal.ProviderHealth {}

/** A change worth telling an operator about. @since 0.1.0 */
export type Event = Internal.HealthEvent

/** Every provider this instance has called, now. @since 0.1.0 */
export const snapshot: Effect.Effect<ReadonlyArray<ProviderHealth>, never, Resilience> = Effect.map(
  Effect.service(Resilience),
  (resilience) => resilience.providers()
)

/** One provider's health, now. @since 0.1.0 */
export const get = (service: Policy.ServiceType, provider: string): Effect.Effect<ProviderHealth, never, Resilience> =>
  Effect.map(Effect.service(Resilience), (resilience) => resilience.health(service, provider))

/** Status changes and breaker transitions as they happen. @since 0.1.0 */
export const changes: Stream.Stream<Event, never, Resilience> = Stream.unwrap(
  Effect.map(Effect.service(Resilience), (resilience) => resilience.healthEvents)
)
