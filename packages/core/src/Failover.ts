/**
 * Failover across providers of one port: a declarative, ordered plan of
 * provider layers (Resend then Postmark; Twilio then Vonage).
 *
 * Each step runs under `Resilience.protect` with its own circuit key
 * (`service:provider`). A step is left only for a transient reason
 * (`RateLimited`, `Unavailable`, `TimedOut`, `CircuitOpen`, `BulkheadFull`) or a
 * provider-permanent one (`Unauthorized`, `Misconfigured`: the backup has its
 * own account); `Rejected` and `InvalidRequest` stop the plan, since the backup
 * would say the same. A step whose circuit is open is skipped without being
 * called. The result names the provider that served and every attempt; when
 * every step fails the `FailoverError` does the same.
 *
 * Operator overrides (`Overrides`) are honoured: a pinned provider starts the
 * plan (the steps before it are skipped, reason `"Pinned"`), a disabled one is
 * skipped (reason `"Disabled"`), a forced circuit is admitted or skipped as forced.
 *
 * The plan is the model of Effect's `ExecutionPlan` (ordered steps that provide
 * layers), run as a plain loop over pre-built services: measured, the loop costs
 * a fraction of `withExecutionPlan` per call (docs/ARCHITECTURE.md).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { EmailProvider, Failover } from "@wedsync/core"
 *
 * const program = Effect.gen(function*() {
 *   const plan = yield* Failover.plan(EmailProvider.EmailProvider, {
 *     service: "email",
 *     steps: [Resend.layer(resendOptions), Postmark.layer(postmarkOptions)]
 *   })
 *   const sent = yield* Failover.run(plan, "send", (email) => email.send(message))
 *   sent.provider // "postmark" when Resend is down
 *   sent.attempts // [{ provider: "resend", outcome: "failed", reason: "Unavailable" }, { provider: "postmark", outcome: "success" }]
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Clock, Context, Deferred, Duration, Effect, Layer, Schema, type Scope } from "effect"
import * as IntegrationError from "./IntegrationError.ts"
import type * as Policy from "./Policy.ts"
import { REJECT } from "./internal/circuit.ts"
import { type Engine, failoversTotal } from "./internal/engine.ts"
import { disabledError } from "./internal/overrides/apply.ts"
import { circuitOpen } from "./internal/trusted.ts"
import { CorrelationId } from "./Correlation.ts"
import { protect, Resilience } from "./Resilience.ts"

/** Any port: a service that names its provider. @since 0.1.0 */
export interface Port {
  readonly provider: string
}

/** What happened at one step. @since 0.1.0 */
export const Attempt = Schema.Struct({
  provider: Schema.String,
  outcome: Schema.Literals(["success", "failed", "skipped"]),
  reason: Schema.optional(Schema.String),
  durationMillis: Schema.Number
})

/** @since 0.1.0 */
export type Attempt = typeof Attempt.Type

/** A successful failover run: the value, who served it, and everything tried. @since 0.1.0 */
export interface Served<A> {
  readonly value: A
  readonly provider: string
  readonly attempts: ReadonlyArray<Attempt>
}

/**
 * Every step failed, or one failed for a reason no backup can fix. `reason` is
 * the deciding reason (so `Effect.catchReason("FailoverError", "Rejected", …)`
 * works); `lastError` is the full error of the last step tried.
 *
 * @since 0.1.0
 */
export class FailoverError extends Schema.TaggedError<FailoverError>("@wedsync/core/Failover/FailoverError")(
  "FailoverError",
  {
    service: Schema.String,
    operation: Schema.String,
    reason: IntegrationError.Reason,
    attempts: Schema.Array(Attempt),
    lastError: IntegrationError.IntegrationError
  }
) {
  override get message(): string {
    const tried = this.attempts.map((attempt) => `${attempt.provider}: ${attempt.reason ?? attempt.outcome}`).join(", ")
    return `${this.service}.${this.operation} failed on every provider (${tried})`
  }
}

/** An ordered plan of built providers for one port. @since 0.1.0 */
export interface Plan<S extends Port> {
  readonly service: Policy.ServiceType
  readonly steps: ReadonlyArray<S>
}

/**
 * Builds a plan from provider layers, in the order they should be tried. The
 * layers are built once, in the current scope.
 *
 * @since 0.1.0
 */
export const plan = <I, S extends Port, E, R>(
  tag: Context.Key<I, S>,
  options: {
    readonly service: Policy.ServiceType
    readonly steps: readonly [Layer.Layer<I, E, R>, ...Array<Layer.Layer<I, E, R>>]
  }
): Effect.Effect<Plan<S>, E, R | Scope.Scope> =>
  Effect.map(
    Effect.forEach(options.steps, (step) => Effect.map(Layer.build(step), (context) => Context.get(context, tag))),
    (steps) => ({ service: options.service, steps })
  )

/**
 * Builds a plan from services already at hand (tests, or providers built elsewhere).
 *
 * @since 0.1.0
 */
export const fromServices = <S extends Port>(
  service: Policy.ServiceType,
  steps: readonly [S, ...Array<S>]
): Plan<S> => ({ service, steps })

const lastStep = (error: IntegrationError.IntegrationError) => !error.canFailover

/** Where a run starts: at the provider an operator pinned, noting the steps before it as skipped. */
const startOf = (engine: Engine, plan: Plan<Port>, attempts: Array<Attempt>): number => {
  const pinned = engine.overrides.pinned
  if (pinned.size === 0) return 0
  const provider = pinned.get(plan.service)
  if (provider === undefined) return 0
  const index = plan.steps.findIndex((step) => step.provider === provider)
  for (let i = 0; i < index; i++) {
    attempts.push({ provider: plan.steps[i]!.provider, outcome: "skipped", reason: "Pinned", durationMillis: 0 })
  }
  return Math.max(0, index)
}

/**
 * Runs `use` against each step in order until one serves.
 *
 * @since 0.1.0
 */
export const run = <S extends Port, A, R>(
  plan: Plan<S>,
  operation: string,
  use: (service: S) => Effect.Effect<A, IntegrationError.IntegrationError, R>
): Effect.Effect<Served<A>, FailoverError, R | Resilience> =>
  Effect.withFiber((fiber) => {
    const { engine } = Context.getUnsafe(fiber.context, Resilience)
    const attempts: Array<Attempt> = []
    let lastError: IntegrationError.IntegrationError | undefined
    const step = (index: number): Effect.Effect<Served<A>, FailoverError, R | Resilience> => {
      if (index >= plan.steps.length) {
        return Effect.fail(exhausted(plan, operation, attempts, lastError!))
      }
      const service = plan.steps[index]!
      const guard = engine.guard(plan.service, service.provider, operation)
      const disabled = guard.state.disabled
      if (disabled !== undefined) {
        attempts.push({ provider: service.provider, outcome: "skipped", reason: "Disabled", durationMillis: 0 })
        if (index + 1 < plan.steps.length) failoversTotal.updateUnsafe(1, fiber.context)
        if (lastError === undefined && index + 1 >= plan.steps.length) {
          lastError = disabledError(service.provider, operation, disabled, fiber.getRef(CorrelationId))
        }
        return step(index + 1)
      }
      const clock = fiber.getRef(Clock.Clock)
      const startedAt = clock.currentTimeMillisUnsafe()
      if (guard.state.circuit.admit(startedAt) === REJECT) {
        // Skipped without building an error: the common case while a provider is down.
        attempts.push({ provider: service.provider, outcome: "skipped", reason: "CircuitOpen", durationMillis: 0 })
        if (index + 1 < plan.steps.length) failoversTotal.updateUnsafe(1, fiber.context)
        if (lastError === undefined && index + 1 >= plan.steps.length) {
          lastError = circuitOpen(
            service.provider,
            operation,
            guard.state.key,
            guard.state.circuit.retryAfter(startedAt),
            fiber.getRef(CorrelationId)
          )
        }
        return step(index + 1)
      }
      return Effect.matchEffect(
        protect(use(service), { service: plan.service, provider: service.provider, operation }),
        {
          onSuccess: (value) => {
            attempts.push({
              provider: service.provider,
              outcome: "success",
              durationMillis: clock.currentTimeMillisUnsafe() - startedAt
            })
            return Effect.succeed({ value, provider: service.provider, attempts })
          },
          onFailure: (error) => {
            lastError = error
            attempts.push({
              provider: service.provider,
              outcome: "failed",
              reason: error.reason._tag,
              durationMillis: clock.currentTimeMillisUnsafe() - startedAt
            })
            if (lastStep(error)) return Effect.fail(exhausted(plan, operation, attempts, error))
            if (index + 1 < plan.steps.length) failoversTotal.updateUnsafe(1, fiber.context)
            return step(index + 1)
          }
        }
      )
    }
    return step(startOf(engine, plan, attempts))
  })

const exhausted = (
  plan: Plan<Port>,
  operation: string,
  attempts: ReadonlyArray<Attempt>,
  lastError: IntegrationError.IntegrationError
) =>
  new FailoverError({
    service: plan.service,
    operation,
    reason: lastError.reason,
    attempts: [...attempts],
    lastError
  })

/**
 * Hedged mode for idempotent reads: the next step starts after `delay` (or at
 * once when the current one fails for a reason a backup can fix); the first
 * success wins and the others are interrupted, which aborts their requests. A
 * `Rejected` or `InvalidRequest` answer ends the hedge at once, as in `run`.
 *
 * @example
 * ```ts
 * const events = yield* Failover.hedge(calendars, "listEvents", (calendar) => calendar.listEvents("primary", {}), {
 *   delay: "300 millis"
 * })
 * ```
 * @since 0.1.0
 */
export const hedge = <S extends Port, A, R>(
  plan: Plan<S>,
  operation: string,
  use: (service: S) => Effect.Effect<A, IntegrationError.IntegrationError, R>,
  options: { readonly delay: Duration.Input }
): Effect.Effect<Served<A>, FailoverError, R | Resilience> =>
  Effect.withFiber((fiber) => {
    const { engine } = Context.getUnsafe(fiber.context, Resilience)
    const attempts: Array<Attempt> = []
    const errors: Array<IntegrationError.IntegrationError> = []
    const delay = Duration.fromInputUnsafe(options.delay)
    // A reason no backup can fix wins the race as a value, so the other steps are interrupted at once.
    type Outcome = Served<A> | { readonly stop: IntegrationError.IntegrationError }
    const from = (index: number): Effect.Effect<Outcome, void, R | Resilience> => {
      const service = plan.steps[index]!
      const attempt = Effect.gen(function* () {
        const startedAt = yield* Clock.currentTimeMillis
        return yield* protect(use(service), { service: plan.service, provider: service.provider, operation }).pipe(
          Effect.matchEffect({
            onSuccess: (value) =>
              Effect.map(Clock.currentTimeMillis, (now): Outcome => {
                attempts.push({ provider: service.provider, outcome: "success", durationMillis: now - startedAt })
                return { value, provider: service.provider, attempts }
              }),
            onFailure: (error) =>
              Effect.flatMap(Clock.currentTimeMillis, (now): Effect.Effect<Outcome, void> => {
                errors.push(error)
                attempts.push({
                  provider: service.provider,
                  outcome: "failed",
                  reason: error.reason._tag,
                  durationMillis: now - startedAt
                })
                return error.canFailover ? Effect.fail(undefined) : Effect.succeed({ stop: error })
              })
          })
        )
      })
      if (index + 1 >= plan.steps.length) return attempt
      return Effect.gen(function* () {
        const startNext = yield* Deferred.make<void>()
        const current = attempt.pipe(Effect.onError(() => Deferred.succeed(startNext, undefined)))
        const next = Effect.race(Deferred.await(startNext), Effect.sleep(delay)).pipe(Effect.andThen(from(index + 1)))
        return yield* Effect.race(current, next)
      })
    }
    return Effect.matchEffect(from(startOf(engine, plan, attempts)), {
      onSuccess: (outcome) =>
        "stop" in outcome ? Effect.fail(exhausted(plan, operation, attempts, outcome.stop)) : Effect.succeed(outcome),
      onFailure: () => Effect.fail(exhausted(plan, operation, attempts, errors[errors.length - 1]!))
    })
  })
