/**
 * The call path behind `Resilience.protect`: admission, bulkhead, a timeout
 * that interrupts the work (and so aborts its `AbortSignal`), a span, metrics,
 * bounded in-call retry, and the probe once an open time is over. Everything
 * ends by the call's `deadlineAt`: an attempt gets `min(policy timeout, what
 * remains)`, and a call still queued in the bulkhead at its deadline is
 * refused unmade.
 *
 * It is written against the fiber directly (one `Effect.callback`, one forked
 * fiber, one timer) because every generic combinator measured here
 * (`Effect.timeout`, `withSpan`, `CircuitBreaker.execute`) costs microseconds a
 * call; see docs/ARCHITECTURE.md and `pnpm bench`.
 *
 * @internal
 */
import { Cause, Clock, Context, Duration, Effect, Exit, References, Tracer } from "effect"
import type * as Fiber from "effect/Fiber"
import * as IntegrationError from "../IntegrationError.ts"
import * as WeddingContext from "../WeddingContext.ts"
import { CorrelationId } from "../Correlation.ts"
import { decorrelatedJitter } from "../Retry.ts"
import { CLOSED, HALF_OPEN, OPEN, PROBE, REJECT } from "./circuit.ts"
import { bulkheadFull } from "./bulkhead.ts"
import type { Engine, Guard } from "./engine.ts"
import { disabledError } from "./overrides/apply.ts"
import { bounded, isOwnOpening, openForMillis, recordShared, syncFromStore, trip, warnStore } from "./sharedState.ts"
import { circuitOpen } from "./trusted.ts"

const correlation = (fiber: Fiber.Fiber<unknown, unknown>) => fiber.getRef(CorrelationId)

const rejection = (fiber: Fiber.Fiber<unknown, unknown>, guard: Guard, retryAfterMillis: number) =>
  circuitOpen(guard.state.provider, guard.operation, guard.state.key, retryAfterMillis, correlation(fiber))

/**
 * Runs `effect` under every guard, with in-call retry until `deadlineAt`.
 *
 * @internal
 */
export const run = <A, R>(
  engine: Engine,
  guard: Guard,
  effect: Effect.Effect<A, IntegrationError.IntegrationError, R>,
  deadlineAt: number
): Effect.Effect<A, IntegrationError.IntegrationError, R> => attempt(engine, guard, effect, 0, deadlineAt, 0)

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
    const disabled = guard.state.disabled
    // An operator disabled this provider (or its service): refuse unmade, without touching circuit or health.
    if (disabled !== undefined) {
      return Effect.fail(disabledError(guard.state.provider, guard.operation, disabled, correlation(fiber)))
    }
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
    if (admission === PROBE) return probe(engine, guard, effect, deadlineAt, n + 1, retry)
    return call(engine, guard, effect, deadlineAt, n + 1, false, retry)
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
    if (!error.isRetryable || error.refusedLocally || n + 1 >= policy.maxAttempts) {
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
  attemptNumber: number,
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
      // Set only while waiting in a full bulkhead's queue, which is off the happy path.
      let queued = false
      let queueTimer: ReturnType<typeof setTimeout> | undefined
      let queueClockTimer: Fiber.Fiber<void> | undefined

      const start = () => {
        const startedAt = clock.currentTimeMillisUnsafe()
        const remaining = deadlineAt - startedAt
        if (queueTimer !== undefined) {
          clearTimeout(queueTimer)
          queueTimer = undefined
        }
        if (queueClockTimer !== undefined) queueClockTimer.interruptUnsafe(fiber.id)
        if (remaining <= 0 && queued) {
          // Its deadline passed while it waited: refuse it unmade and hand the permit on.
          bulkhead.release()
          done = true
          resume(Effect.fail(bulkheadFull(state, guard.operation, correlation(fiber))))
          return
        }
        const limit = state.policy.timeoutMillis
        const timeout = Math.max(0, Math.min(limit, remaining))
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
          span.attribute("wedsync.attempt", attemptNumber)
          const wedding = fiber.getRef(WeddingContext.CurrentWedding)
          if (wedding !== undefined) {
            const resolved = WeddingContext.resolve(
              wedding,
              startedAt,
              fiber.getRef(WeddingContext.CriticalityThresholds)
            )
            span.attribute("wedsync.wedding_id", resolved.weddingId)
            span.attribute("wedsync.criticality", resolved.criticality)
          }
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
      } else if (bulkhead.enqueue(start)) {
        queued = true
        const expire = () => {
          if (done || child !== undefined) return
          bulkhead.cancel(start)
          done = true
          resume(Effect.fail(bulkheadFull(state, guard.operation, correlation(fiber))))
        }
        const wait = Math.max(0, deadlineAt - clock.currentTimeMillisUnsafe())
        if (isDefaultClock(clock)) queueTimer = setTimeout(expire, wait)
        else {
          queueClockTimer = Effect.runForkWith(fiber.context)(
            Effect.andThen(clock.sleep(Duration.millis(wait)), Effect.sync(expire))
          )
        }
      } else {
        resume(Effect.fail(bulkheadFull(state, guard.operation, correlation(fiber))))
        return
      }
      return Effect.sync(() => {
        if (done) return
        if (child === undefined) {
          if (queueTimer !== undefined) clearTimeout(queueTimer)
          if (queueClockTimer !== undefined) queueClockTimer.interruptUnsafe(fiber.id)
          bulkhead.cancel(start)
          return
        }
        if (timer !== undefined) clearTimeout(timer)
        if (clockTimer !== undefined) clockTimer.interruptUnsafe(fiber.id)
        child.interruptUnsafe(fiber.id)
      })
    })
  )

/**
 * The open time is over: take the probe permit from the shared store (one
 * probe across every instance), run the call, and record its outcome there.
 */
const probe = <A, R>(
  engine: Engine,
  guard: Guard,
  effect: Effect.Effect<A, IntegrationError.IntegrationError, R>,
  deadlineAt: number,
  attemptNumber: number,
  retry: (error: IntegrationError.IntegrationError) => Effect.Effect<A, IntegrationError.IntegrationError, R>
): Effect.Effect<A, IntegrationError.IntegrationError, R> =>
  Effect.withFiber((fiber) => {
    const state = guard.state
    const circuit = state.circuit
    const store = engine.options.store
    const clock = fiber.getRef(Clock.Clock)
    const now = clock.currentTimeMillisUnsafe()
    // An opening only this instance made (short of a quorum) is probed here: the store still says closed.
    const ownOpening = isOwnOpening(state)
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
        return generation === undefined
          ? Effect.void
          : recordShared(engine, state, generation, failed ? "Failure" : "Success", openFor, at)
      })
    // An interrupted probe proves nothing: the next call probes again (the store slot is freed by "Ignored" below).
    const release = Effect.sync(() => {
      if (circuit.state !== HALF_OPEN) return
      const at = clock.currentTimeMillisUnsafe()
      circuit.open(at)
      engine.emitTransition(state, HALF_OPEN, OPEN, at, "local", fiber.context)
    })
    // A probe the bulkhead refused (its deadline passed in the queue) proved nothing either: release it the same way.
    const refused = (generation: number | undefined) => (error: IntegrationError.IntegrationError) =>
      !error.refusedLocally || circuit.state !== HALF_OPEN
        ? Effect.void
        : generation === undefined
          ? release
          : Effect.andThen(
              release,
              recordShared(engine, state, generation, "Ignored", state.policy.breaker.openMillis, now)
            )
    const probeLocally = Effect.tapError(
      call(engine, guard, effect, deadlineAt, attemptNumber, true, retry, (failed, error) =>
        finish(failed, error, undefined)
      ),
      refused(undefined)
    )
    const probing = ownOpening
      ? probeLocally
      : Effect.scoped(
          Effect.flatMap(Effect.exit(bounded(store.admit(state.key))), (admitted) => {
            if (Exit.isSuccess(admitted)) {
              if (!admitted.value.probe) {
                // Another instance's probe already closed it.
                circuit.close()
                engine.emitTransition(state, HALF_OPEN, CLOSED, now, "store", fiber.context)
                return call(engine, guard, effect, deadlineAt, attemptNumber, false, retry)
              }
              const generation = admitted.value.generation
              return Effect.onInterrupt(
                Effect.tapError(
                  call(engine, guard, effect, deadlineAt, attemptNumber, true, retry, (failed, error) =>
                    finish(failed, error, generation)
                  ),
                  refused(generation)
                ),
                () => recordShared(engine, state, generation, "Ignored", state.policy.breaker.openMillis, now)
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
            return Effect.andThen(warnStore(state, now, admitted.cause), probeLocally)
          })
        )
    return Effect.onInterrupt(probing, () => release)
  })
