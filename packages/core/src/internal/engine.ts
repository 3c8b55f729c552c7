/**
 * The resilience engine behind `Resilience.protect`: per provider a circuit,
 * a bulkhead and a health window; per call a timeout that interrupts the work
 * (and so aborts its `AbortSignal`), a span, metrics and bounded in-call retry.
 *
 * The hot path is written against the fiber directly (one `Effect.callback`,
 * one forked fiber, one timer) because every generic combinator measured here
 * (`Effect.timeout`, `withSpan`, `CircuitBreaker.execute`) costs microseconds a
 * call; see docs/ARCHITECTURE.md and `pnpm bench`.
 *
 * @internal
 */
import { Cause, Clock, Context, Duration, Effect, Exit, Metric, References, Tracer } from "effect"
import type * as Fiber from "effect/Fiber"
import { CircuitBreaker } from "effect/persistence"
import * as IntegrationError from "../IntegrationError.ts"
import * as WeddingContext from "../WeddingContext.ts"
import { CorrelationId } from "../Correlation.ts"
import { decorrelatedJitter } from "../Retry.ts"
import { Bulkhead } from "./bulkhead.ts"
import { Circuit, CLOSED, HALF_OPEN, OPEN, PROBE, REJECT } from "./circuit.ts"
import { HealthWindow, type Status } from "./health.ts"
import { circuitOpen } from "./trusted.ts"

/** The part of a service policy the engine reads. @internal */
export interface EnginePolicy {
  readonly timeoutMillis: number
  readonly breaker: {
    readonly failureRateThreshold: number
    readonly windowSize: number
    readonly minimumCalls: number
    readonly openMillis: number
    readonly slowCallMillis: number
  }
  readonly inCall: { readonly maxAttempts: number; readonly baseDelayMillis: number; readonly maxDelayMillis: number }
  readonly bulkhead: { readonly maxConcurrent: number; readonly maxQueue: number }
}

/** A breaker state change, local or learned from the shared store. @internal */
export interface Transition {
  readonly key: string
  readonly service: string
  readonly provider: string
  readonly from: "closed" | "open" | "half_open"
  readonly to: "closed" | "open" | "half_open"
  readonly at: number
  readonly retryAfterMillis?: number | undefined
  readonly source: "local" | "store" | "override"
}

/** A provider's health status change. @internal */
export interface HealthChange {
  readonly service: string
  readonly provider: string
  readonly from: Status
  readonly to: Status
  readonly at: number
  readonly cause: "breaker" | "calls"
}

type StoreService = CircuitBreaker.CircuitBreakerStore["Service"]

const stateName = (state: number) => (state === CLOSED ? "closed" : state === OPEN ? "open" : "half_open")
const tripOnce = CircuitBreaker.consecutive(1)

const callsTotal = Metric.counter("wedsync_integration_calls_total", {
  description: "Protected integration calls by outcome",
  incremental: true
})
const failuresTotal = Metric.counter("wedsync_integration_failures_total", {
  description: "Failed integration calls by reason",
  incremental: true
})
const retriesTotal = Metric.counter("wedsync_integration_retries_total", {
  description: "In-call retries",
  incremental: true
})
const transitionsTotal = Metric.counter("wedsync_breaker_transitions_total", {
  description: "Circuit breaker transitions",
  incremental: true
})
/** @internal */
export const failoversTotal = Metric.counter("wedsync_failovers_total", {
  description: "Failovers from one provider to the next",
  incremental: true
})

/** Per service and provider: circuit, bulkhead, health. @internal */
export class ProviderState {
  readonly key: string
  readonly circuit: Circuit
  readonly bulkhead: Bulkhead
  readonly health: HealthWindow
  storeWarnedAt = Number.NEGATIVE_INFINITY
  /** Whether this instance has read the shared store for this circuit yet. */
  synced = false

  readonly service: string
  readonly provider: string
  readonly policy: EnginePolicy

  constructor(service: string, provider: string, policy: EnginePolicy) {
    this.service = service
    this.provider = provider
    this.policy = policy
    this.key = `${service}:${provider}`
    this.circuit = new Circuit(this.key, policy.breaker)
    this.bulkhead = new Bulkhead(policy.bulkhead.maxConcurrent, policy.bulkhead.maxQueue)
    this.health = new HealthWindow(service, provider, 100)
  }
}

/** Per service, provider and operation: metrics bound to their attributes. @internal */
export class Guard {
  readonly success: Metric.Metric<number, unknown>
  readonly failure: Metric.Metric<number, unknown>
  readonly retry: Metric.Metric<number, unknown>
  readonly spanName: string
  private readonly reasons = new Map<string, Metric.Metric<number, unknown>>()

  readonly state: ProviderState
  readonly operation: string

  constructor(state: ProviderState, operation: string) {
    this.state = state
    this.operation = operation
    const attributes = { service: state.service, provider: state.provider, operation }
    this.success = Metric.withAttributes(callsTotal, { ...attributes, outcome: "success" })
    this.failure = Metric.withAttributes(callsTotal, { ...attributes, outcome: "failure" })
    this.retry = Metric.withAttributes(retriesTotal, attributes)
    this.spanName = `${state.service}.${state.provider}.${operation}`
  }

  reasonMetric(reason: string): Metric.Metric<number, unknown> {
    let metric = this.reasons.get(reason)
    if (metric === undefined) {
      metric = Metric.withAttributes(failuresTotal, {
        service: this.state.service,
        provider: this.state.provider,
        operation: this.operation,
        reason
      })
      this.reasons.set(reason, metric)
    }
    return metric
  }
}

/** @internal */
export interface EngineOptions {
  readonly policyFor: (service: string, provider: string) => EnginePolicy
  readonly store: StoreService
  readonly random?: (() => number) | undefined
  /** Read the shared store before a circuit's first call in this instance (set by `layerRedis`). */
  readonly syncOnFirstUse?: boolean | undefined
}

/** @internal */
export class Engine {
  private readonly providers = new Map<string, ProviderState>()
  private readonly guards = new Map<string, Map<string, Guard>>()
  readonly transitionListeners = new Set<(transition: Transition) => void>()
  readonly healthListeners = new Set<(change: HealthChange) => void>()
  readonly random: () => number

  readonly options: EngineOptions

  constructor(options: EngineOptions) {
    this.options = options
    this.random = options.random ?? Math.random
  }

  providerState(service: string, provider: string): ProviderState {
    const key = `${service}:${provider}`
    let state = this.providers.get(key)
    if (state === undefined) {
      state = new ProviderState(service, provider, this.options.policyFor(service, provider))
      this.providers.set(key, state)
    }
    return state
  }

  guard(service: string, provider: string, operation: string): Guard {
    let byOperation = this.guards.get(`${service}\u0000${provider}`)
    if (byOperation === undefined) {
      byOperation = new Map()
      this.guards.set(`${service}\u0000${provider}`, byOperation)
    }
    let guard = byOperation.get(operation)
    if (guard === undefined) {
      guard = new Guard(this.providerState(service, provider), operation)
      byOperation.set(operation, guard)
    }
    return guard
  }

  allProviders(): ReadonlyArray<ProviderState> {
    return [...this.providers.values()]
  }

  emitTransition(
    state: ProviderState,
    from: number,
    to: number,
    now: number,
    source: Transition["source"],
    context: Context.Context<never>
  ) {
    if (from === to) return
    const transition: Transition = {
      key: state.key,
      service: state.service,
      provider: state.provider,
      from: stateName(from),
      to: stateName(to),
      at: now,
      retryAfterMillis: to === OPEN ? state.circuit.retryAfter(now) : undefined,
      source
    }
    Metric.withAttributes(transitionsTotal, {
      service: state.service,
      provider: state.provider,
      to: transition.to
    }).updateUnsafe(1, context)
    for (const listener of this.transitionListeners) listener(transition)
    this.updateStatus(state, now, "breaker")
  }

  updateStatus(state: ProviderState, now: number, cause: HealthChange["cause"]) {
    const health = state.health
    const circuit = state.circuit
    const next: Status =
      circuit.state === OPEN || circuit.forced === "open"
        ? "down"
        : circuit.state === HALF_OPEN ||
            (health.calls >= 5 && 1 - health.successRate() >= state.policy.breaker.failureRateThreshold / 2)
          ? "degraded"
          : "healthy"
    if (next === health.status) return
    const change: HealthChange = {
      service: state.service,
      provider: state.provider,
      from: health.status,
      to: next,
      at: now,
      cause
    }
    health.status = next
    for (const listener of this.healthListeners) listener(change)
  }
}

/** @internal */
export interface CallOptions {
  readonly deadlineAt: number
}

const correlation = (fiber: Fiber.Fiber<unknown, unknown>) => fiber.getRef(CorrelationId)

const rejection = (fiber: Fiber.Fiber<unknown, unknown>, guard: Guard, retryAfterMillis: number) =>
  circuitOpen(guard.state.provider, guard.operation, guard.state.key, retryAfterMillis, correlation(fiber))

/**
 * Runs `effect` under every guard, with in-call retry.
 *
 * @internal
 */
export const run = <A, R>(
  engine: Engine,
  guard: Guard,
  effect: Effect.Effect<A, IntegrationError.IntegrationError, R>,
  deadlineMillis: number | undefined
): Effect.Effect<A, IntegrationError.IntegrationError, R> =>
  Effect.withFiber((fiber) => {
    const clock = fiber.getRef(Clock.Clock)
    const deadlineAt = clock.currentTimeMillisUnsafe() + (deadlineMillis ?? guard.state.policy.timeoutMillis)
    return attempt(engine, guard, effect, 0, deadlineAt, 0)
  })

const attempt = <A, R>(
  engine: Engine,
  guard: Guard,
  effect: Effect.Effect<A, IntegrationError.IntegrationError, R>,
  n: number,
  deadlineAt: number,
  previousDelay: number
): Effect.Effect<A, IntegrationError.IntegrationError, R> =>
  Effect.withFiber((fiber) => {
    const clock = fiber.getRef(Clock.Clock)
    const now = clock.currentTimeMillisUnsafe()
    const circuit = guard.state.circuit
    if (!guard.state.synced && engine.options.syncOnFirstUse === true) {
      // A fresh instance learns an opening decided elsewhere before its first call.
      guard.state.synced = true
      return Effect.andThen(
        syncFromStore(engine, guard.state),
        attempt(engine, guard, effect, n, deadlineAt, previousDelay)
      )
    }
    const admission = circuit.admit(now)
    if (admission === REJECT) return Effect.fail(rejection(fiber, guard, circuit.retryAfter(now)))
    const retry = (error: IntegrationError.IntegrationError) =>
      retryOrFail(engine, guard, effect, n, deadlineAt, previousDelay, error)
    if (admission === PROBE) return probe(engine, guard, effect, deadlineAt, retry)
    return call(engine, guard, effect, deadlineAt, false, retry)
  })

const retryOrFail = <A, R>(
  engine: Engine,
  guard: Guard,
  effect: Effect.Effect<A, IntegrationError.IntegrationError, R>,
  n: number,
  deadlineAt: number,
  previousDelay: number,
  error: IntegrationError.IntegrationError
): Effect.Effect<A, IntegrationError.IntegrationError, R> =>
  Effect.withFiber((fiber) => {
    const policy = guard.state.policy.inCall
    const tag = error.reason._tag
    if (!error.isRetryable || tag === "CircuitOpen" || tag === "BulkheadFull" || n + 1 >= policy.maxAttempts) {
      return Effect.fail(error)
    }
    const wedding = fiber.getRef(WeddingContext.CurrentWedding)
    const clock = fiber.getRef(Clock.Clock)
    const now = clock.currentTimeMillisUnsafe()
    if (wedding !== undefined) {
      const resolved = WeddingContext.resolve(wedding, now, fiber.getRef(WeddingContext.CriticalityThresholds))
      // On the wedding day nothing waits: the caller fails over at once.
      if (resolved.criticality === "wedding_day_critical") return Effect.fail(error)
    }
    const jittered = decorrelatedJitter(policy.baseDelayMillis, policy.maxDelayMillis, previousDelay, engine.random)
    const retryAfter = error.retryAfter === undefined ? 0 : Duration.toMillis(error.retryAfter)
    const delay = Math.max(jittered, retryAfter)
    if (now + delay >= deadlineAt) return Effect.fail(error)
    guard.retry.updateUnsafe(1, fiber.context)
    return Effect.flatMap(Effect.sleep(Duration.millis(delay)), () =>
      attempt(engine, guard, effect, n + 1, deadlineAt, delay)
    )
  })

const isDefaultClock = (clock: Clock.Clock) => clock === defaultClock
const defaultClock = Effect.runSync(Effect.withFiber((fiber) => Effect.succeed(fiber.getRef(Clock.Clock))))

/**
 * One guarded attempt: bulkhead permit, span, forked work with a timeout,
 * then synchronous bookkeeping (circuit, health, metrics) before resuming.
 */
const call = <A, R>(
  engine: Engine,
  guard: Guard,
  effect: Effect.Effect<A, IntegrationError.IntegrationError, R>,
  deadlineAt: number,
  isProbe: boolean,
  retry: (error: IntegrationError.IntegrationError) => Effect.Effect<A, IntegrationError.IntegrationError, R>,
  onProbeDone?: (failed: boolean, error: IntegrationError.IntegrationError | undefined) => Effect.Effect<void>
): Effect.Effect<A, IntegrationError.IntegrationError, R> =>
  Effect.withFiber((fiber) =>
    Effect.callback<A, IntegrationError.IntegrationError, R>((resume) => {
      const state = guard.state
      const bulkhead = state.bulkhead
      const clock = fiber.getRef(Clock.Clock)
      let child: Fiber.Fiber<A, IntegrationError.IntegrationError> | undefined
      let timer: ReturnType<typeof setTimeout> | undefined
      let clockTimer: Fiber.Fiber<void> | undefined
      let timedOut = false
      let done = false

      const start = () => {
        const startedAt = clock.currentTimeMillisUnsafe()
        const timeout = Math.max(0, deadlineAt - startedAt)
        const tracing = fiber.getRef(References.TracerEnabled)
        let context = fiber.context
        let span: Tracer.Span | undefined
        if (tracing) {
          span = fiber.getRef(Tracer.Tracer).span({
            name: guard.spanName,
            parent: Context.getOption(context, Tracer.ParentSpan),
            annotations: Context.empty(),
            links: [],
            startTime: clock.currentTimeNanosUnsafe(),
            kind: "client",
            root: false,
            sampled: true
          })
          span.attribute("wedsync.service", state.service)
          span.attribute("wedsync.provider", state.provider)
          span.attribute("wedsync.operation", guard.operation)
          context = Context.add(context, Tracer.ParentSpan, span)
        }
        const current = Effect.runForkWith(context as Context.Context<R>)(effect)
        child = current
        const onTimeout = () => {
          timedOut = true
          current.interruptUnsafe(fiber.id)
        }
        if (isDefaultClock(clock)) {
          timer = setTimeout(onTimeout, timeout)
        } else {
          clockTimer = Effect.runForkWith(context)(
            Effect.andThen(clock.sleep(Duration.millis(timeout)), Effect.sync(onTimeout))
          )
        }
        current.addObserver((exit) => {
          if (timer !== undefined) clearTimeout(timer)
          if (clockTimer !== undefined) clockTimer.interruptUnsafe(fiber.id)
          done = true
          bulkhead.release()
          const endedAt = clock.currentTimeMillisUnsafe()
          const millis = endedAt - startedAt
          let error: IntegrationError.IntegrationError | undefined
          let outcome:
            | Exit.Exit<A, IntegrationError.IntegrationError>
            | Effect.Effect<A, IntegrationError.IntegrationError, R> = exit
          if (Exit.isFailure(exit)) {
            if (timedOut && Cause.hasInterruptsOnly(exit.cause)) {
              error = IntegrationError.make(
                state.provider,
                guard.operation,
                new IntegrationError.TimedOut({ timeout: Duration.millis(timeout) }),
                { correlationId: correlation(fiber) }
              )
            } else {
              const found = Cause.findErrorOption(exit.cause)
              if (found._tag === "Some") error = found.value
            }
          }
          const interrupted = error === undefined && Exit.isFailure(exit)
          const providerFailed = error !== undefined && (error.family === "transient" || error.family === "provider")
          const failed = providerFailed || (!interrupted && millis >= state.policy.breaker.slowCallMillis)
          if (span !== undefined) {
            span.attribute(
              "wedsync.outcome",
              error === undefined ? (interrupted ? "interrupted" : "success") : error.reason._tag
            )
            span.end(clock.currentTimeNanosUnsafe(), error === undefined ? exit : Exit.fail(error))
          }
          if (!interrupted) {
            state.health.record(!providerFailed, millis, endedAt, error?.reason._tag)
            if (error === undefined) guard.success.updateUnsafe(1, fiber.context)
            else {
              guard.failure.updateUnsafe(1, fiber.context)
              guard.reasonMetric(error.reason._tag).updateUnsafe(1, fiber.context)
            }
          }
          let follow: Effect.Effect<void> | undefined
          if (isProbe) {
            if (onProbeDone !== undefined && !interrupted) follow = onProbeDone(failed, error)
          } else if (!interrupted && state.circuit.record(failed)) {
            follow = trip(engine, state, error, fiber.context)
          } else if (!interrupted) {
            engine.updateStatus(state, endedAt, "calls")
          }
          if (error !== undefined) outcome = retry(error)
          resume(follow === undefined ? outcome : Effect.andThen(follow, outcome))
        })
      }

      if (bulkhead.tryAcquire()) {
        start()
      } else if (!bulkhead.enqueue(start)) {
        resume(
          Effect.fail(
            IntegrationError.make(
              state.provider,
              guard.operation,
              new IntegrationError.BulkheadFull({
                key: state.key,
                limit: bulkhead.maxConcurrent,
                queue: bulkhead.maxQueue
              }),
              { correlationId: correlation(fiber) }
            )
          )
        )
        return
      }
      return Effect.sync(() => {
        if (done) return
        if (child === undefined) {
          bulkhead.cancel(start)
          return
        }
        if (timer !== undefined) clearTimeout(timer)
        if (clockTimer !== undefined) clockTimer.interruptUnsafe(fiber.id)
        child.interruptUnsafe(fiber.id)
      })
    })
  )

const openForMillis = (state: ProviderState, error: IntegrationError.IntegrationError | undefined) => {
  const retryAfter = error?.retryAfter === undefined ? 0 : Duration.toMillis(error.retryAfter)
  // A Retry-After may lengthen an opening, capped at an hour as Effect's breaker does.
  return Math.max(state.policy.breaker.openMillis, Math.min(retryAfter, 3_600_000))
}

const warnStore = (state: ProviderState, now: number, cause: Cause.Cause<unknown>) => {
  if (now - state.storeWarnedAt < 10_000) return Effect.void
  state.storeWarnedAt = now
  return Effect.logWarning(
    `circuit store unreachable for ${state.key}: deciding on local state until it answers`,
    cause
  )
}

/**
 * A store call bounded in time: a Redis client that is reconnecting queues
 * commands until it is back, and the caller of a tripping or probing call must
 * not wait for that. A timeout counts as the store not answering.
 */
const storeTimeout = Duration.millis(1_000)
const bounded = <A, R>(
  effect: Effect.Effect<A, CircuitBreaker.CircuitBreakerError, R>
): Effect.Effect<A, CircuitBreaker.CircuitBreakerError, R> =>
  Effect.timeoutOrElse(effect, {
    duration: storeTimeout,
    orElse: () =>
      Effect.fail(
        new CircuitBreaker.CircuitBreakerError({
          reason: new CircuitBreaker.CircuitBreakerStoreError({
            message: `The circuit store did not answer within ${Duration.format(storeTimeout)}`
          })
        })
      )
  })

/** Opens a circuit locally at once, then records the opening in the shared store. */
const trip = (
  engine: Engine,
  state: ProviderState,
  error: IntegrationError.IntegrationError | undefined,
  context: Context.Context<never>
): Effect.Effect<void> =>
  Effect.withFiber((fiber) => {
    const clock = fiber.getRef(Clock.Clock)
    const now = clock.currentTimeMillisUnsafe()
    const openFor = openForMillis(state, error)
    const from = state.circuit.state
    state.circuit.open(now + openFor)
    engine.emitTransition(state, from, OPEN, now, "local", context)
    const store = engine.options.store
    return Effect.scoped(
      Effect.flatMap(Effect.exit(bounded(store.admit(state.key))), (admitted) => {
        if (Exit.isSuccess(admitted)) {
          return Effect.asVoid(
            Effect.catchCause(
              bounded(
                store.record({
                  key: state.key,
                  generation: admitted.value.generation,
                  outcome: "Failure",
                  tripPolicy: tripOnce,
                  openFor: Duration.millis(openFor)
                })
              ),
              (cause) => warnStore(state, now, cause)
            )
          )
        }
        const reason = Cause.findErrorOption(admitted.cause)
        if (reason._tag === "Some" && reason.value.reason._tag === "CircuitOpen") {
          // Another instance opened it first: keep the longer of the two.
          const remaining = Duration.toMillis(reason.value.reason.retryAfter)
          state.circuit.openUntil = Math.max(state.circuit.openUntil, now + remaining)
          return Effect.void
        }
        return warnStore(state, now, admitted.cause)
      })
    )
  })

/**
 * The open time is over: take the probe permit from the shared store (one
 * probe across every instance), run the call, and record its outcome there.
 */
const probe = <A, R>(
  engine: Engine,
  guard: Guard,
  effect: Effect.Effect<A, IntegrationError.IntegrationError, R>,
  deadlineAt: number,
  retry: (error: IntegrationError.IntegrationError) => Effect.Effect<A, IntegrationError.IntegrationError, R>
): Effect.Effect<A, IntegrationError.IntegrationError, R> =>
  Effect.withFiber((fiber) => {
    const state = guard.state
    const circuit = state.circuit
    const store = engine.options.store
    const clock = fiber.getRef(Clock.Clock)
    const now = clock.currentTimeMillisUnsafe()
    circuit.halfOpen()
    engine.emitTransition(state, OPEN, HALF_OPEN, now, "local", fiber.context)
    const finish = (
      failed: boolean,
      error: IntegrationError.IntegrationError | undefined,
      generation: number | undefined
    ) =>
      Effect.withFiber((inner) => {
        const at = inner.getRef(Clock.Clock).currentTimeMillisUnsafe()
        const openFor = openForMillis(state, error)
        if (failed) circuit.open(at + openFor)
        else circuit.close()
        engine.emitTransition(state, HALF_OPEN, failed ? OPEN : CLOSED, at, "local", inner.context)
        if (generation === undefined) return Effect.void
        return Effect.catchCause(
          Effect.asVoid(
            bounded(
              store.record({
                key: state.key,
                generation,
                outcome: failed ? "Failure" : "Success",
                tripPolicy: tripOnce,
                openFor: Duration.millis(openFor)
              })
            )
          ),
          (cause) => warnStore(state, at, cause)
        )
      })
    // An interrupted probe proves nothing: the next call probes again (the store slot is freed by "Ignored" below).
    const release = Effect.sync(() => {
      if (circuit.state !== HALF_OPEN) return
      const at = clock.currentTimeMillisUnsafe()
      circuit.open(at)
      engine.emitTransition(state, HALF_OPEN, OPEN, at, "local", fiber.context)
    })
    const probing = Effect.scoped(
      Effect.flatMap(Effect.exit(bounded(store.admit(state.key))), (admitted) => {
        if (Exit.isSuccess(admitted)) {
          if (!admitted.value.probe) {
            // Another instance's probe already closed it.
            circuit.close()
            engine.emitTransition(state, HALF_OPEN, CLOSED, now, "store", fiber.context)
            return call(engine, guard, effect, deadlineAt, false, retry)
          }
          const generation = admitted.value.generation
          return Effect.onInterrupt(
            call(engine, guard, effect, deadlineAt, true, retry, (failed, error) => finish(failed, error, generation)),
            () =>
              Effect.catchCause(
                Effect.asVoid(
                  bounded(
                    store.record({
                      key: state.key,
                      generation,
                      outcome: "Ignored",
                      tripPolicy: tripOnce,
                      openFor: Duration.millis(state.policy.breaker.openMillis)
                    })
                  )
                ),
                (cause) => warnStore(state, now, cause)
              )
          )
        }
        const found = Cause.findErrorOption(admitted.cause)
        if (found._tag === "Some" && found.value.reason._tag !== "CircuitBreakerStoreError") {
          const remaining =
            found.value.reason._tag === "CircuitOpen"
              ? Duration.toMillis(found.value.reason.retryAfter)
              : // Another instance holds the probe: look again shortly.
                Math.min(1_000, state.policy.breaker.openMillis)
          circuit.open(now + remaining)
          engine.emitTransition(state, HALF_OPEN, OPEN, now, "store", fiber.context)
          return Effect.fail(rejection(fiber, guard, remaining))
        }
        // The store cannot answer: probe on local state alone.
        return Effect.andThen(
          warnStore(state, now, admitted.cause),
          call(engine, guard, effect, deadlineAt, true, retry, (failed, error) => finish(failed, error, undefined))
        )
      })
    )
    return Effect.onInterrupt(probing, () => release)
  })

/** Reads the shared store and adopts what other instances decided. @internal */
export const syncFromStore = (engine: Engine, state: ProviderState): Effect.Effect<void> =>
  Effect.withFiber((fiber) => {
    const circuit = state.circuit
    const stateBefore = circuit.state
    const openUntilBefore = circuit.openUntil
    return Effect.catchCause(
      Effect.flatMap(bounded(engine.options.store.state(state.key)), (shared) =>
        Effect.sync(() => {
          state.synced = true
          // The circuit moved locally while the store was read: the answer is stale.
          if (circuit.state !== stateBefore || circuit.openUntil !== openUntilBefore) return
          const now = fiber.getRef(Clock.Clock).currentTimeMillisUnsafe()
          if (shared._tag === "Open" && circuit.state === CLOSED) {
            const remaining = Duration.toMillis(shared.retryAfter)
            if (remaining <= 0) return
            circuit.open(now + remaining)
            engine.emitTransition(state, CLOSED, OPEN, now, "store", fiber.context)
          } else if (shared._tag === "Closed" && circuit.state === OPEN) {
            circuit.close()
            engine.emitTransition(state, OPEN, CLOSED, now, "store", fiber.context)
          }
        })
      ),
      (cause) => warnStore(state, fiber.getRef(Clock.Clock).currentTimeMillisUnsafe(), cause)
    )
  })
