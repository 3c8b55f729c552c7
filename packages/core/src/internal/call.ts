/**
 * The call path behind `Resilience.protect`: admission, bulkhead, a timeout
 * that interrupts the work (and so aborts its `AbortSignal`), a span, metrics,
 * bounded in-call retry, and (in `probe.ts`) the probe once an open time is
 * over. Everything ends by the call's `deadlineAt`: an attempt gets
 * `min(policy timeout, what remains)`, and a call still queued in the bulkhead
 * at its deadline is refused unmade. A hang trip (consecutive slow calls)
 * releases the attempts still waiting on the provider (`inFlight.ts`).
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
import { decorrelatedJitter } from "../Retry.ts"
import { HANG_TRIP, NO_TRIP, PROBE, REJECT, type TripDecision } from "./circuit.ts"
import { bulkheadFull } from "./bulkhead.ts"
import type { Engine, Guard } from "./engine.ts"
import { disabledError } from "./overrides/apply.ts"
import type { Attempt } from "./inFlight.ts"
import { emitFailure } from "./incidents.ts"
import { answerReserve } from "./deadline.ts"
import { isDefaultClock } from "./defaultClock.ts"
import { probe } from "./probe.ts"
import { correlation, rejection } from "./refusal.ts"
import { syncFromStore, trip } from "./sharedState.ts"
import { progressOf, timedOut as timedOutDelivery } from "../Wire.ts"

/**
 * Runs `effect` under every guard, with in-call retry until `deadlineAt`.
 *
 * @internal
 */
export const run = <A, R>(
  engine: Engine,
  guard: Guard,
  effect: Effect.Effect<A, IntegrationError.IntegrationError, R>,
  deadlineAt: number,
  idempotent = false,
  now?: number
): Effect.Effect<A, IntegrationError.IntegrationError, R> =>
  attempt(engine, guard, effect, 0, deadlineAt, 0, idempotent, now)

const attempt = <A, R>(
  engine: Engine,
  guard: Guard,
  effect: Effect.Effect<A, IntegrationError.IntegrationError, R>,
  n: number,
  deadlineAt: number,
  previousDelay: number,
  idempotent: boolean,
  // The caller's reading of the clock in this same synchronous step, when it has one: a clock read
  // costs about 0.15 µs on these machines, and a failing call over two providers made a dozen.
  knownNow?: number
): Effect.Effect<A, IntegrationError.IntegrationError, R> =>
  Effect.withFiber((fiber) => {
    const clock = fiber.getRef(Clock.Clock)
    const now = knownNow ?? clock.currentTimeMillisUnsafe()
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
        attempt(engine, guard, effect, n, deadlineAt, previousDelay, idempotent)
      )
    }
    const admission = circuit.admit(now)
    if (admission === REJECT) return Effect.fail(rejection(fiber, guard, circuit.retryAfter(now)))
    const retry = (error: IntegrationError.IntegrationError) =>
      retryOrFail(engine, guard, effect, n, deadlineAt, previousDelay, idempotent, error)
    if (admission === PROBE) return probe(call, engine, guard, effect, deadlineAt, n + 1, retry)
    return call(engine, guard, effect, deadlineAt, n + 1, false, retry, undefined, now)
  })

const retryOrFail = <A, R>(
  engine: Engine,
  guard: Guard,
  effect: Effect.Effect<A, IntegrationError.IntegrationError, R>,
  n: number,
  deadlineAt: number,
  previousDelay: number,
  idempotent: boolean,
  error: IntegrationError.IntegrationError
): Effect.Effect<A, IntegrationError.IntegrationError, R> => {
  const policy = guard.state.policy.inCall
  // A request that may have reached a provider without an idempotency key is not repeated here:
  // the caller resolves it first (`Failover.run`'s `resolve`). Decided before reading the fiber:
  // the common failure, which is not retried, resumes with its exit at once.
  if (!error.isRetryable || error.refusedLocally || n + 1 >= policy.maxAttempts || (error.maybeSent && !idempotent)) {
    return Exit.fail(error)
  }
  return Effect.withFiber((fiber) => {
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
      attempt(engine, guard, effect, n + 1, deadlineAt, delay, idempotent)
    )
  })
}

/**
 * Interrupts timed-out work two event-loop turns from now. Effect resumes the caller on the
 * next turn (its scheduler is `setImmediate`), and a backup answering from a promise resumes
 * it once more on the turn after; the teardown waits behind both.
 */
const interruptLater = (work: Fiber.Fiber<unknown, unknown>, by: number) => {
  setImmediate(interruptNow, work, by)
}
const interruptNow = (work: Fiber.Fiber<unknown, unknown>, by: number) => {
  work.interruptUnsafe(by)
}

const releaseInFlight = (state: Guard["state"]) => {
  state.inFlight.release()
}

/** Whether the tracer in use is Effect's own, which keeps its spans in memory and exports none. */
const isNativeTracer = (tracer: Tracer.Tracer) => tracer === Tracer.nativeTracer

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
  onProbeDone?: (failed: boolean, error: IntegrationError.IntegrationError | undefined) => Effect.Effect<void>,
  admittedAt?: number
): Effect.Effect<A, IntegrationError.IntegrationError, R> =>
  Effect.withFiber((fiber) =>
    Effect.callback<A, IntegrationError.IntegrationError, R>((resume) => {
      const state = guard.state
      const bulkhead = state.bulkhead
      const clock = fiber.getRef(Clock.Clock)
      let child: Fiber.Fiber<A, IntegrationError.IntegrationError> | undefined
      let timer: ReturnType<typeof setTimeout> | undefined
      // Its entry among the circuit's attempts in flight, holding its timer when it gets its full policy timeout.
      let inFlight: Attempt | undefined
      let clockTimer: Fiber.Fiber<void> | undefined
      let timedOut = false
      // Stopped by a hang trip (`inFlight.ts`), not by its own timer.
      let released = false
      let done = false
      // Set only while waiting in a full bulkhead's queue, which is off the happy path.
      let queued = false
      let queueTimer: ReturnType<typeof setTimeout> | undefined
      let queueClockTimer: Fiber.Fiber<void> | undefined

      const start = () => {
        // Started at once, in the step that admitted it, unless it waited for a permit.
        const startedAt = !queued && admittedAt !== undefined ? admittedAt : clock.currentTimeMillisUnsafe()
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
        if (queued && !isProbe && state.circuit.admit(startedAt) === REJECT) {
          // The circuit opened while it waited (a hang trip frees permits at once): refuse it unmade.
          bulkhead.release()
          done = true
          resume(Effect.fail(rejection(fiber, guard, state.circuit.retryAfter(startedAt))))
          return
        }
        const limit = state.policy.timeoutMillis
        // A release shortens it to the time actually waited, which is what the TimedOut reports.
        let timeout = Math.max(0, Math.min(limit, remaining))
        let context = fiber.context
        let span: Tracer.Span | undefined
        const tracer = fiber.getRef(Tracer.Tracer)
        // Effect's default tracer exports nothing: its span, attributes and end would be work no one sees.
        if (!isNativeTracer(tracer) && fiber.getRef(References.TracerEnabled)) {
          span = tracer.span({
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
        const onDefaultClock = isDefaultClock(clock)
        const onTimeout = () => {
          if (timedOut || done) return
          timedOut = true
          if (state.inFlight.releasing) {
            released = true
            timeout = clock.currentTimeMillisUnsafe() - startedAt
          }
          if (!onDefaultClock) {
            current.interruptUnsafe(fiber.id)
            return
          }
          // The caller is answered first and the work interrupted on the next turn: aborting a request
          // (its AbortSignal's DOMException, the client's teardown) costs about half a millisecond,
          // which a caller failing over to a healthy backup would otherwise wait for.
          finish(Exit.interrupt(fiber.id), false)
          setImmediate(interruptLater, current, fiber.id)
        }
        // The full policy timeout keeps its reserve back on the real clock, so the caller is answered, and
        // fails over, within it; a timeout an outer deadline cut was armed with the reserve already.
        inFlight = state.inFlight.begin(
          onTimeout,
          onDefaultClock && timeout === limit ? limit - answerReserve(limit) : undefined
        )
        if (onDefaultClock) {
          if (timeout !== limit) timer = setTimeout(onTimeout, timeout)
        } else {
          clockTimer = Effect.runForkWith(context)(
            Effect.andThen(clock.sleep(Duration.millis(timeout)), Effect.sync(onTimeout))
          )
        }
        current.addObserver((exit) => {
          state.inFlight.end(inFlight!)
          if (timer !== undefined) clearTimeout(timer)
          if (clockTimer !== undefined) clockTimer.interruptUnsafe(fiber.id)
          // Answered at its timeout already: only its permit was still held.
          if (done) bulkhead.release()
          else finish(exit, true)
        })
        /** Records the attempt's end and resumes the caller; `releasePermit` is false while the work still runs. */
        function finish(exit: Exit.Exit<A, IntegrationError.IntegrationError>, releasePermit: boolean) {
          done = true
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
                // Not sent when the adapter tracked its request and nothing of it was written.
                { correlationId: correlation(fiber), delivery: timedOutDelivery(progressOf(current)) }
              )
            } else {
              const found = Cause.findErrorOption(exit.cause)
              if (found._tag === "Some") error = found.value
            }
          }
          const interrupted = error === undefined && Exit.isFailure(exit)
          const providerFailed = error !== undefined && (error.family === "transient" || error.family === "provider")
          // A timeout a short deadline cut below the policy's is no evidence of a hang; a full one is.
          const slow =
            !interrupted && (millis >= state.policy.breaker.slowCallMillis || (timedOut && timeout === limit))
          const failed = providerFailed || slow
          if (span !== undefined) {
            span.attribute(
              "wedsync.outcome",
              error === undefined ? (interrupted ? "interrupted" : "success") : error.reason._tag
            )
            // Whether a failed request may have reached the provider: what a retry or failover must weigh.
            const delivery = error === undefined ? undefined : IntegrationError.deliveryOf(error)
            if (delivery !== undefined) span.attribute("wedsync.delivery", delivery)
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
          if (error !== undefined && !released && engine.incidentListeners.size > 0) {
            emitFailure(engine.incidentListeners, guard, error, endedAt, fiber)
          }
          let follow: Effect.Effect<void> | undefined
          // A released attempt is the trip's consequence, not more evidence: the circuit does not hear of it.
          const tripped: TripDecision =
            isProbe || interrupted || released ? NO_TRIP : state.circuit.record(failed, slow)
          if (isProbe) {
            if (onProbeDone !== undefined && !interrupted) follow = onProbeDone(failed, error)
          } else if (tripped === HANG_TRIP) {
            // Opened now, before this permit is handed on, so a queued call finds it open; everyone
            // already waiting on the provider would wait out its timeout too, so they are released.
            // The fork runs the local opening synchronously; its store write (bounded to 1 s, a failure
            // logged) goes on without this caller, who has waited out a hang already and fails over now,
            // and on the real clock starts on a later macrotask, off this caller's turn.
            Effect.runForkWith(fiber.context)(
              trip(engine, state, error, fiber.context, releaseInFlight, onDefaultClock)
            )
          } else if (tripped !== NO_TRIP) {
            follow = trip(engine, state, error, fiber.context)
          } else if (!interrupted) {
            engine.updateStatus(state, endedAt, "calls")
          }
          if (releasePermit) bulkhead.release()
          // Released: fail over now; an in-call retry would only meet the open circuit after its delay.
          if (error !== undefined) outcome = released ? Exit.fail(error) : retry(error)
          resume(follow === undefined ? outcome : Effect.andThen(follow, outcome))
        }
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
        // Its own timeout no longer applies; the entry is ended when the work has.
        if (inFlight !== undefined) inFlight.stop = undefined
        if (clockTimer !== undefined) clockTimer.interruptUnsafe(fiber.id)
        child.interruptUnsafe(fiber.id)
      })
    })
  )
