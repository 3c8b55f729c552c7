/**
 * How `Failover` keeps one provider's fault inside its step: a layer that
 * failed to build with an `IntegrationError` becomes a step that fails every
 * call at once, and a defect inside a step becomes that provider's
 * `Misconfigured` failure. Only the failure path pays for either.
 *
 * @internal
 */
import { Cause, Context, Duration, Effect, Layer, Result } from "effect"
import { fromDefect } from "../AdapterConfig.ts"
import * as IntegrationError from "../IntegrationError.ts"
import type * as Policy from "../Policy.ts"
import type { Resilience } from "../Resilience.ts"
import { engineOf, protectOn } from "./service.ts"

/**
 * A provider whose layer failed to build with `error` (its provider's
 * `Misconfigured` for an empty key): every call to it fails at once with that
 * error, so the plan goes on to the next step.
 *
 * @example
 * ```ts
 * const step = plan.steps[0]
 * if (step instanceof Failover.BrokenStep) yield* Effect.logWarning(step.error.message)
 * ```
 * @since 0.1.0
 */
export class BrokenStep {
  readonly provider: string
  readonly error: IntegrationError.IntegrationError
  constructor(error: IntegrationError.IntegrationError) {
    this.provider = error.provider
    this.error = error
  }
}

/**
 * Builds each layer in order; one that fails with an `IntegrationError` is a
 * {@link BrokenStep}, logged as a warning. Fails with the first such error
 * only when every layer does; any other error fails at once, as before.
 *
 * @internal
 */
export const buildSteps = <I, S extends { readonly provider: string }, E, R>(
  tag: Context.Key<I, S>,
  service: Policy.ServiceType,
  layers: ReadonlyArray<Layer.Layer<I, E, R>>
) =>
  Effect.suspend(() => {
    const broken: Array<E & IntegrationError.IntegrationError> = []
    const isIntegrationError = (error: E): error is E & IntegrationError.IntegrationError =>
      IntegrationError.isIntegrationError(error)
    const build = (layer: Layer.Layer<I, E, R>) =>
      Layer.build(layer).pipe(
        Effect.map((context): S | BrokenStep => Context.get(context, tag)),
        Effect.catchIf(isIntegrationError, (error) => {
          broken.push(error)
          const warning = `${service} plan: ${error.provider} is skipped on every call: ${error.message}`
          return Effect.as(Effect.logWarning(warning), new BrokenStep(error))
        })
      )
    return Effect.flatMap(Effect.forEach(layers, build), (steps) =>
      broken.length === steps.length ? Effect.fail(broken[0]!) : Effect.succeed(steps)
    )
  })

/**
 * One step's call: a broken step fails at once, without touching its circuit.
 *
 * @internal
 */
export const callOf = <S extends { readonly provider: string }, A, R>(
  resilience: Resilience["Service"],
  service: Policy.ServiceType,
  step: S | BrokenStep,
  operation: string,
  use: (service: S) => Effect.Effect<A, IntegrationError.IntegrationError, R>,
  withinMillis?: number,
  idempotent?: boolean,
  now?: number
): Effect.Effect<A, IntegrationError.IntegrationError, R> => {
  if (step instanceof BrokenStep) return Effect.fail(step.error)
  const options = { service, provider: step.provider, operation, withinMillis, idempotent }
  const engine = engineOf(resilience)
  // On the engine directly, with the step's own reading of the clock: the hot path reads it once.
  return engine === undefined
    ? resilience.protect(use(step), options)
    : Effect.withFiber((fiber) => protectOn(engine, fiber, use(step), options, now))
}

/**
 * The error a plan whose deadline passed before `provider`'s step stands
 * for: a `TimedOut` of the whole plan's deadline, built only on that path.
 *
 * @internal
 */
export const pastDeadline = (
  provider: string,
  operation: string,
  deadlineMillis: number,
  correlationId: string | undefined
): IntegrationError.IntegrationError =>
  IntegrationError.make(
    provider,
    operation,
    new IntegrationError.TimedOut({ timeout: Duration.millis(deadlineMillis) }),
    // The step was never called.
    { correlationId, delivery: "notSent" }
  )

/**
 * The attempt of a step that failed with `error`: its reason's tag and, when
 * the error says, whether the request may have reached the provider.
 *
 * @internal
 */
export const failedAttempt = (
  provider: string,
  error: IntegrationError.IntegrationError,
  durationMillis: number
): {
  provider: string
  outcome: "failed"
  reason: IntegrationError.ReasonTag
  delivery?: IntegrationError.Delivery
  durationMillis: number
} => {
  const delivery = IntegrationError.deliveryOf(error)
  return delivery === undefined
    ? { provider, outcome: "failed", reason: error.reason._tag, durationMillis }
    : { provider, outcome: "failed", reason: error.reason._tag, delivery, durationMillis }
}

/**
 * Notes every step from `index` on as skipped unmade because the plan's
 * deadline has passed: none of them is called.
 *
 * @internal
 */
export const skipRest = (
  steps: ReadonlyArray<{ readonly provider: string }>,
  index: number,
  attempts: {
    readonly push: (attempt: {
      provider: string
      outcome: "skipped"
      reason: "DeadlineExceeded"
      durationMillis: number
    }) => number
  }
): void => {
  for (let i = index; i < steps.length; i++) {
    attempts.push({ provider: steps[i]!.provider, outcome: "skipped", reason: "DeadlineExceeded", durationMillis: 0 })
  }
}

/**
 * A step's failed exit as that provider's error, handed to `then`: its typed
 * error, or a defect (a bug or a misconfiguration of that adapter) as
 * `Misconfigured`, logged with its cause. Only an interruption is passed on.
 *
 * @internal
 */
export const asProviderFailure = <B, E, R>(
  cause: Cause.Cause<IntegrationError.IntegrationError>,
  provider: string,
  operation: string,
  then: (error: IntegrationError.IntegrationError) => Effect.Effect<B, E, R>
): Effect.Effect<B, E, R> => {
  const found = Cause.findError(cause)
  if (Result.isSuccess(found)) return then(found.success)
  const defect = Cause.findDefect(found.failure)
  if (Result.isFailure(defect)) return Effect.failCause(found.failure)
  const logged = Effect.logError(`${provider}.${operation} died; failing over as Misconfigured`, found.failure)
  return Effect.andThen(
    logged,
    Effect.suspend(() => then(fromDefect(provider, operation, defect.success)))
  )
}
