/**
 * The step of `Failover.run` that resolves a maybe-sent failure before
 * anything is repeated: the caller's resolver under the provider's `"status"`
 * circuit, bounded by `resolveWithinMillis` and half of what remains of the
 * deadline; and the wedding whose criticality picks the `MaybeSent` policy.
 *
 * @internal
 */
import { Clock, Effect, type Fiber } from "effect"
import type * as IntegrationError from "../IntegrationError.ts"
import * as MaybeSent from "../MaybeSent.ts"
import type * as Policy from "../Policy.ts"
import { Resilience } from "../Resilience.ts"
import * as WeddingContext from "../WeddingContext.ts"
import type { Port } from "./failoverModel.ts"
import type { Deadline } from "./deadline.ts"

const RESOLVE_WITHIN_MILLIS = 3_000

/** The resolver and its bound, as `Failover.RunOptions` gives them. @internal */
export interface ResolveOptions<S, A, R> {
  readonly resolve?:
    | ((
        service: S,
        error: IntegrationError.IntegrationError,
        since: number
      ) => Effect.Effect<MaybeSent.Resolution<A>, IntegrationError.IntegrationError, R>)
    | undefined
  readonly resolveWithinMillis?: number | undefined
}

export const weddingOf = (fiber: Fiber.Fiber<unknown, unknown>) => {
  const wedding = fiber.getRef(WeddingContext.CurrentWedding)
  if (wedding === undefined) return undefined
  const now = fiber.getRef(Clock.Clock).currentTimeMillisUnsafe()
  return WeddingContext.resolve(wedding, now, fiber.getRef(WeddingContext.CriticalityThresholds))
}

/** @internal A maybe-sent failure's resolution: the caller's resolver on the `"status"` circuit, bounded; else unknown. */
export const resolving = <S extends Port, A, R>(
  resilience: Resilience["Service"],
  service: Policy.ServiceType,
  step: S,
  operation: string,
  error: IntegrationError.IntegrationError,
  since: number,
  deadline: Deadline | undefined,
  options: ResolveOptions<S, A, R> | undefined
): Effect.Effect<MaybeSent.Resolution<A>, never, R> =>
  Effect.suspend(() => {
    const resolve = options?.resolve
    if (resolve === undefined) return Effect.succeed(MaybeSent.unknown())
    const within = options?.resolveWithinMillis ?? RESOLVE_WITHIN_MILLIS
    // At most half of what remains: a backup the policy may fail over to still has time to serve.
    const left = deadline === undefined ? within : Math.min(within, Math.floor(deadline.remaining() / 2))
    if (left <= 0) return Effect.succeed(MaybeSent.unknown())
    return MaybeSent.ask(resolve(step, error, since), {
      service,
      provider: step.provider,
      operation: `${operation}.resolve`,
      withinMillis: left
    }).pipe(Effect.provideService(Resilience, resilience))
  })
