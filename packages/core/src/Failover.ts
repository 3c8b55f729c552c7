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
 * One provider's fault never fails the whole call: a step whose layer failed
 * to build with an `IntegrationError` (an empty key, a negative timeout) is a
 * {@link BrokenStep} that fails every call at once with that error, and a
 * defect inside a step (an SDK's or our own throw) is that provider's
 * `Misconfigured` failure, logged with its cause.
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
import { Clock, Context, Deferred, Duration, Effect, type Layer, type Scope } from "effect"
import type * as IntegrationError from "./IntegrationError.ts"
import * as MaybeSent from "./MaybeSent.ts"
import type * as Policy from "./Policy.ts"
import { CorrelationId } from "./Correlation.ts"
import { Resilience } from "./Resilience.ts"
import { deadlineIn } from "./internal/deadline.ts"
import { resolving, weddingOf } from "./internal/failoverResolve.ts"
import {
  asProviderFailure,
  BrokenStep,
  buildSteps,
  callOf,
  failedAttempt,
  pastDeadline,
  skipRest
} from "./internal/failoverSteps.ts"

export { BrokenStep } from "./internal/failoverSteps.ts"
export {
  Attempt,
  AttemptReason,
  FailoverError,
  isProviderFailure,
  SkipReason
} from "./internal/failoverModel.ts"
export type { Plan, Port, ProviderFailure, Served } from "./internal/failoverModel.ts"
import { type Attempt, FailoverError, type Plan, type Port, type Served } from "./internal/failoverModel.ts"

/**
 * Builds a plan from provider layers, in the order they should be tried. The
 * layers are built once, in the current scope. A layer that fails with an
 * `IntegrationError` becomes a {@link BrokenStep} (logged as a warning); the
 * plan fails, with the first error, only when no layer builds.
 *
 * @example
 * ```ts
 * const plan = yield* Failover.plan(EmailProvider.EmailProvider, {
 *   service: "email",
 *   steps: [Resend.layer({ apiKey: Redacted.make("") }), Postmark.layer(postmarkOptions)]
 * })
 * // plan.steps[0]: BrokenStep "resend.configure: apiKey is empty"; every send goes to Postmark
 * ```
 * @since 0.1.0
 */
export const plan = <I, S extends Port, E, R>(
  tag: Context.Key<I, S>,
  options: {
    readonly service: Policy.ServiceType
    readonly steps: readonly [Layer.Layer<I, E, R>, ...Array<Layer.Layer<I, E, R>>]
  }
): Effect.Effect<Plan<S>, E, R | Scope.Scope> =>
  Effect.map(buildSteps(tag, options.service, options.steps), (steps) => ({ service: options.service, steps }))

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
const startOf = (resilience: Resilience["Service"], plan: Plan<Port>, attempts: Array<Attempt>): number => {
  const provider = resilience.pinned(plan.service)
  if (provider === undefined) return 0
  const index = plan.steps.findIndex((step) => step.provider === provider)
  for (let i = 0; i < index; i++) {
    attempts.push({ provider: plan.steps[i]!.provider, outcome: "skipped", reason: "Pinned", durationMillis: 0 })
  }
  return Math.max(0, index)
}

/**
 * Options of {@link run}.
 *
 * @example
 * ```ts
 * const options: Failover.RunOptions = { deadlineMillis: 10_000 }
 * ```
 * @since 0.1.0
 */
export interface RunOptions<S extends Port = Port, A = unknown, R = never> {
  /**
   * The whole plan's deadline, from the start of the run. Each step's call,
   * its attempt timeout and in-call retries included, gets at most
   * `min(its policy's timeoutMillis, what remains)`; a step reached after the
   * deadline is skipped unmade (`"DeadlineExceeded"`). Omitted: each step gets
   * its full policy timeout.
   */
  readonly deadlineMillis?: number | undefined
  /**
   * Resolves a maybe-sent failure of `service` before anything is repeated
   * (`MaybeSent`): looks the message up, replays it with the same key or
   * waits for its receipt. `since` is when the failed attempt started. It
   * runs under the provider's `"status"` circuit, for at most
   * `resolveWithinMillis` and half of what remains of the deadline (so a
   * backup still has time); a failure of its own counts as `"unknown"`.
   * Omitted: every maybe-sent failure is unresolved.
   */
  readonly resolve?:
    | ((
        service: S,
        error: IntegrationError.IntegrationError,
        since: number
      ) => Effect.Effect<MaybeSent.Resolution<A>, IntegrationError.IntegrationError, R>)
    | undefined
  /** The longest a resolution may take (default 3 000 ms). */
  readonly resolveWithinMillis?: number | undefined
  /**
   * What to do when a maybe-sent failure stays unresolved; by default the
   * `MaybeSent.Policy` in context decides by the current wedding's criticality.
   */
  readonly whenUnresolved?: MaybeSent.WhenUnresolved | undefined
  /**
   * With `"failover"`: how many unresolved failures this run may pass over
   * (each may have delivered a copy); by default the policy's `maxDuplicates`.
   * A caller running several plans for one message passes what is left.
   */
  readonly maxDuplicates?: number | undefined
}

/**
 * Runs `use` against each step in order until one serves, within the plan's
 * `deadlineMillis` when one is given.
 *
 * @example
 * ```ts
 * const sent = yield* Failover.run(plan, "send", (email) => email.send(message), { deadlineMillis: 10_000 })
 * // four hanging providers: every step shares the 10 s, the run fails by then with
 * // attempts [..., { provider: "postmark", outcome: "skipped", reason: "DeadlineExceeded" }]
 * ```
 * @since 0.1.0
 */
export const run = <S extends Port, A, R>(
  plan: Plan<S>,
  operation: string,
  use: (service: S) => Effect.Effect<A, IntegrationError.IntegrationError, R>,
  options?: RunOptions<S, A, R>
): Effect.Effect<Served<A>, FailoverError, R | Resilience> =>
  Effect.withFiber((fiber) => {
    const resilience = Context.getUnsafe(fiber.context, Resilience)
    const attempts: Array<Attempt> = []
    let lastError: IntegrationError.IntegrationError | undefined
    let unresolved = 0
    const clock = fiber.getRef(Clock.Clock)
    const deadlineMillis = options?.deadlineMillis
    const deadline = deadlineMillis === undefined ? undefined : deadlineIn(clock, deadlineMillis)
    const step = (index: number): Effect.Effect<Served<A>, FailoverError, R> => {
      if (index >= plan.steps.length) {
        return Effect.fail(exhausted(plan, operation, attempts, lastError!))
      }
      const service = plan.steps[index]!
      const startedAt = clock.currentTimeMillisUnsafe()
      const remaining = deadline?.remaining()
      if (remaining !== undefined && (remaining <= 0 || remaining < deadline!.minimumStep)) {
        lastError ??= pastDeadline(service.provider, operation, deadlineMillis!, fiber.getRef(CorrelationId))
        skipRest(plan.steps, index, attempts)
        return Effect.fail(exhausted(plan, operation, attempts, lastError))
      }
      const admission = resilience.admit(plan.service, service.provider, operation, startedAt)
      if (admission !== "Admitted") {
        // Skipped without building an error: the common case while a provider is down.
        attempts.push({ provider: service.provider, outcome: "skipped", reason: admission, durationMillis: 0 })
        const last = index + 1 >= plan.steps.length
        if (!last) {
          const to = plan.steps[index + 1]!.provider
          resilience.countFailover(fiber.context, plan.service, operation, service.provider, to, admission, startedAt)
        }
        if (lastError === undefined && last) {
          lastError = resilience.refusal(
            plan.service,
            service.provider,
            operation,
            startedAt,
            fiber.getRef(CorrelationId)
          )
        }
        return step(index + 1)
      }
      return Effect.matchCauseEffect(
        callOf(resilience, plan.service, service, operation, use, remaining, undefined, startedAt),
        {
          onSuccess: (value) => {
            attempts.push({
              provider: service.provider,
              outcome: "success",
              durationMillis: clock.currentTimeMillisUnsafe() - startedAt
            })
            return Effect.succeed({ value, provider: service.provider, attempts })
          },
          onFailure: (cause) =>
            asProviderFailure(cause, service.provider, operation, (error) => {
              lastError = error
              const endedAt = clock.currentTimeMillisUnsafe()
              const failed = failedAttempt(service.provider, error, endedAt - startedAt)
              if (lastStep(error)) {
                attempts.push(failed)
                return Effect.fail(exhausted(plan, operation, attempts, error))
              }
              const next = () => {
                if (index + 1 < plan.steps.length) {
                  const to = plan.steps[index + 1]!.provider
                  const reason = error.reason._tag
                  resilience.countFailover(
                    fiber.context,
                    plan.service,
                    operation,
                    service.provider,
                    to,
                    reason,
                    endedAt
                  )
                }
                return step(index + 1)
              }
              if (!error.maybeSent || service instanceof BrokenStep) {
                attempts.push(failed)
                return next()
              }
              // It may have been sent: find out before repeating it anywhere.
              return Effect.flatMap(
                resolving(resilience, plan.service, service, operation, error, startedAt, deadline, options),
                (resolution) => {
                  attempts.push({ ...failed, resolution: MaybeSent.outcomeOf(resolution) })
                  if (resolution._tag === "Found") {
                    return Effect.succeed({ value: resolution.value, provider: service.provider, attempts })
                  }
                  const table = fiber.getRef(MaybeSent.Policy)
                  const decision = options?.whenUnresolved ?? MaybeSent.decide(table, weddingOf(fiber))
                  const allowed = options?.maxDuplicates ?? table.maxDuplicates
                  if (decision === "hold" || unresolved >= allowed) {
                    return Effect.fail(exhausted(plan, operation, attempts, error))
                  }
                  unresolved++
                  return next()
                }
              )
            })
        }
      )
    }
    return step(startOf(resilience, plan, attempts))
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
 * With `deadlineMillis`, every call ends by the deadline (each gets
 * `min(its policy's timeout, what remains)`) and a step due after it is
 * skipped unmade (`"DeadlineExceeded"`).
 *
 * @example
 * ```ts
 * const events = yield* Failover.hedge(calendars, "listEvents", (calendar) => calendar.listEvents("primary", {}), {
 *   delay: "300 millis",
 *   deadlineMillis: 2_000
 * })
 * ```
 * @since 0.1.0
 */
export const hedge = <S extends Port, A, R>(
  plan: Plan<S>,
  operation: string,
  use: (service: S) => Effect.Effect<A, IntegrationError.IntegrationError, R>,
  options: Pick<RunOptions, "deadlineMillis"> & { readonly delay: Duration.Input }
): Effect.Effect<Served<A>, FailoverError, R | Resilience> =>
  Effect.withFiber((fiber) => {
    const resilience = Context.getUnsafe(fiber.context, Resilience)
    const attempts: Array<Attempt> = []
    const errors: Array<IntegrationError.IntegrationError> = []
    const delay = Duration.fromInputUnsafe(options.delay)
    const deadlineMillis = options.deadlineMillis
    const deadline = deadlineMillis === undefined ? undefined : deadlineIn(fiber.getRef(Clock.Clock), deadlineMillis)
    // A reason no backup can fix wins the race as a value, so the other steps are interrupted at once.
    type Outcome = Served<A> | { readonly stop: IntegrationError.IntegrationError }
    const from = (index: number): Effect.Effect<Outcome, void, R> => {
      const service = plan.steps[index]!
      const attempt = Effect.gen(function* () {
        const startedAt = yield* Clock.currentTimeMillis
        const remaining = deadline?.remaining()
        if (remaining !== undefined && (remaining <= 0 || remaining < deadline!.minimumStep)) {
          errors.push(pastDeadline(service.provider, operation, deadlineMillis!, fiber.getRef(CorrelationId)))
          skipRest([service], 0, attempts)
          return yield* Effect.fail(undefined)
        }
        return yield* callOf(resilience, plan.service, service, operation, use, remaining, true).pipe(
          Effect.matchCauseEffect({
            onSuccess: (value) =>
              Effect.map(Clock.currentTimeMillis, (now): Outcome => {
                attempts.push({ provider: service.provider, outcome: "success", durationMillis: now - startedAt })
                return { value, provider: service.provider, attempts }
              }),
            onFailure: (cause) =>
              asProviderFailure(cause, service.provider, operation, (error) =>
                Effect.flatMap(Clock.currentTimeMillis, (now): Effect.Effect<Outcome, void> => {
                  errors.push(error)
                  attempts.push(failedAttempt(service.provider, error, now - startedAt))
                  return error.canFailover ? Effect.fail(undefined) : Effect.succeed({ stop: error })
                })
              )
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
    return Effect.matchEffect(from(startOf(resilience, plan, attempts)), {
      onSuccess: (outcome) =>
        "stop" in outcome ? Effect.fail(exhausted(plan, operation, attempts, outcome.stop)) : Effect.succeed(outcome),
      onFailure: () => Effect.fail(exhausted(plan, operation, attempts, errors[errors.length - 1]!))
    })
  })
