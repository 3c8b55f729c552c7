/**
 * The probe behind an open circuit whose open time is over: take the probe
 * permit from the shared store (one probe across every instance), run the
 * call once, and record its outcome there. Kept apart from `call.ts`, which
 * reaches it only from admission, so each file reads as one path.
 *
 * @internal
 */
import { Cause, Clock, Duration, Effect, Exit } from "effect"
import type * as IntegrationError from "../IntegrationError.ts"
import { CLOSED, HALF_OPEN, OPEN } from "./circuit.ts"
import type { Engine, Guard } from "./engine.ts"
import { rejection } from "./refusal.ts"
import { bounded, isOwnOpening, openForMillis, recordShared, warnStore } from "./sharedState.ts"

/**
 * The guarded attempt of `call.ts`, passed in so this module needs no import
 * back into the call path.
 *
 * @internal
 */
export type GuardedCall = <A, R>(
  engine: Engine,
  guard: Guard,
  effect: Effect.Effect<A, IntegrationError.IntegrationError, R>,
  deadlineAt: number,
  attemptNumber: number,
  isProbe: boolean,
  retry: (error: IntegrationError.IntegrationError) => Effect.Effect<A, IntegrationError.IntegrationError, R>,
  onProbeDone?: (failed: boolean, error: IntegrationError.IntegrationError | undefined) => Effect.Effect<void>
) => Effect.Effect<A, IntegrationError.IntegrationError, R>

/**
 * The open time is over: take the probe permit from the shared store (one
 * probe across every instance), run the call, and record its outcome there.
 *
 * @internal
 */
export const probe = <A, R>(
  call: GuardedCall,
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
