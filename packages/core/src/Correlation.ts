/**
 * Correlation ids: one id follows a wedding workflow across services, retries,
 * failovers, queues and webhooks, so an operator can see everything one
 * reminder or payment caused.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Correlation } from "@wedsync/core"
 *
 * const program = Correlation.current.pipe(Correlation.withId("corr_42"))
 * ```
 *
 * @since 0.1.0
 */
import { Context, Effect } from "effect"
import { randomUUID } from "node:crypto"

/** The correlation id of the current call, if any. @since 0.1.0 */
export const CorrelationId = Context.Reference<string | undefined>("@wedsync/core/Correlation/CorrelationId", {
  defaultValue: () => undefined
})

/** A new random correlation id. @since 0.1.0 */
export const make = (): string => `corr_${randomUUID()}`

/** The current correlation id, or `undefined`. @since 0.1.0 */
export const current: Effect.Effect<string | undefined> = Effect.service(CorrelationId)

/** Runs an effect under a correlation id. @since 0.1.0 */
export const withId =
  (id: string) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.provideService(effect, CorrelationId, id)

/** Runs an effect under the current correlation id, or a new one when there is none. @since 0.1.0 */
export const ensure = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(current, (id) => (id === undefined ? Effect.provideService(effect, CorrelationId, make()) : effect))
