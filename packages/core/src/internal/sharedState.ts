/**
 * The shared-store protocol: how a local decision is written to Effect's
 * `CircuitBreakerStore` and how what other instances decided is read back.
 * The store stays the source of truth for shared state; every call to it is
 * bounded in time and a store that does not answer leaves the decision to the
 * local circuit (logged at most every 10 s per circuit).
 *
 * With a quorum (`quorum.ts`) a trip opens this instance's circuit and casts a
 * vote; the opening is written to the store only when the vote completes the
 * quorum. A store that says "closed" does not close an opening of this
 * instance it has not confirmed (short of the quorum, or still being written:
 * a sync read racing the trip's write once closed a fresh opening).
 *
 * @internal
 */
import { Cause, Clock, type Context, Duration, Effect, Exit } from "effect"
import { CircuitBreaker } from "effect/persistence"
import type * as IntegrationError from "../IntegrationError.ts"
import { CLOSED, OPEN } from "./circuit.ts"
import type { Engine, ProviderState } from "./engine.ts"
import { quorumOf } from "./quorum.ts"

const tripOnce = CircuitBreaker.consecutive(1)

/** How long an opening lasts: the policy's open time, or a longer Retry-After. @internal */
export const openForMillis = (state: ProviderState, error: IntegrationError.IntegrationError | undefined) => {
  const retryAfter = error?.retryAfter === undefined ? 0 : Duration.toMillis(error.retryAfter)
  // A Retry-After may lengthen an opening, capped at an hour as Effect's breaker does.
  return Math.max(state.policy.breaker.openMillis, Math.min(retryAfter, 3_600_000))
}

export const warnStore = (state: ProviderState, now: number, cause: Cause.Cause<unknown>) => {
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
export const bounded = <A, R>(
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

/**
 * Records an outcome for an admission the store gave out. A store that does
 * not answer is logged; the local circuit has already decided.
 *
 * @internal
 */
export const recordShared = (
  engine: Engine,
  state: ProviderState,
  generation: number,
  outcome: "Success" | "Failure" | "Ignored",
  openForMillis: number,
  now: number
): Effect.Effect<void> =>
  Effect.catchCause(
    Effect.asVoid(
      bounded(
        engine.options.store.record({
          key: state.key,
          generation,
          outcome,
          tripPolicy: tripOnce,
          openFor: Duration.millis(openForMillis)
        })
      )
    ),
    (cause) => warnStore(state, now, cause)
  )

/**
 * Openings this instance made that the store has not confirmed yet, by
 * circuit (the open-until time each was set with): a vote short of its
 * quorum, a write in flight, a write the store did not answer. A store that
 * says "closed" does not close them; one that says "open" confirms them.
 */
const ownOpenings = new WeakMap<ProviderState, number>()

/** Whether `state`'s circuit is open on this instance's evidence alone, as far as the store has said. @internal */
export const isOwnOpening = (state: ProviderState): boolean =>
  state.circuit.state === OPEN && ownOpenings.get(state) === state.circuit.openUntil

/** Records an opening in the shared store: admit, then a `Failure` under `consecutive(1)`. */
const openShared = (engine: Engine, state: ProviderState, openFor: number, now: number): Effect.Effect<void> =>
  Effect.scoped(
    Effect.flatMap(Effect.exit(bounded(engine.options.store.admit(state.key))), (admitted) => {
      if (Exit.isSuccess(admitted)) {
        return recordShared(engine, state, admitted.value.generation, "Failure", openFor, now)
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

/**
 * Opens a circuit locally at once, then shares the opening: at once without a
 * quorum; with one, only when this instance's vote completes it (until then,
 * and when the vote store does not answer, the opening is this instance's own).
 * `onOpened` runs right after the local opening, before any store call (a hang
 * trip releases the calls still waiting on the provider there). With
 * `shareLater`, the store hears of it from a later macrotask, for a caller
 * that does not wait for the write (the hang trip, on the real clock).
 */
export const trip = (
  engine: Engine,
  state: ProviderState,
  error: IntegrationError.IntegrationError | undefined,
  context: Context.Context<never>,
  onOpened?: (state: ProviderState) => void,
  shareLater = false
): Effect.Effect<void> =>
  Effect.withFiber((fiber) => {
    const clock = fiber.getRef(Clock.Clock)
    const now = clock.currentTimeMillisUnsafe()
    const openFor = openForMillis(state, error)
    const from = state.circuit.state
    state.circuit.open(now + openFor)
    engine.emitTransition(state, from, OPEN, now, "local", context)
    // Run once the circuit is open, before the store write: what it frees must find the circuit open.
    onOpened?.(state)
    // Marked before the store hears of it: a sync reading "closed" meanwhile must not close it.
    ownOpenings.set(state, state.circuit.openUntil)
    const quorum = quorumOf(engine)
    const share: Effect.Effect<void> =
      quorum === undefined
        ? openShared(engine, state, openFor, now)
        : Effect.catchCause(
            Effect.flatMap(
              bounded(quorum.votes.vote(state.key, quorum.instance, quorum.size, quorum.windowMillis)),
              (votes) => (votes >= quorum.size ? openShared(engine, state, openFor, now) : Effect.void)
            ),
            (cause) => warnStore(state, now, cause)
          )
    // Even in a fiber of its own, the write's first synchronous steps (scope, bound, the memory store's admit)
    // took 0.2-0.4 ms of a hang trip's caller's turn, on a CPU cold from waiting out the hang.
    return shareLater ? Effect.andThen(nextMacrotask, share) : share
  })

const nextMacrotask: Effect.Effect<void> = Effect.callback<void>((resume) => {
  const timer = setTimeout(() => resume(Effect.void), 0)
  return Effect.sync(() => clearTimeout(timer))
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
          const own = isOwnOpening(state)
          if (shared._tag === "Open" && circuit.state === CLOSED) {
            const remaining = Duration.toMillis(shared.retryAfter)
            if (remaining <= 0) return
            circuit.open(now + remaining)
            engine.emitTransition(state, CLOSED, OPEN, now, "store", fiber.context)
          } else if (shared._tag === "Open" && own) {
            // The store holds it now (written here, or a quorum completed elsewhere).
            ownOpenings.delete(state)
            circuit.openUntil = Math.max(circuit.openUntil, now + Duration.toMillis(shared.retryAfter))
          } else if (shared._tag === "Closed" && circuit.state === OPEN && !own) {
            circuit.close()
            engine.emitTransition(state, OPEN, CLOSED, now, "store", fiber.context)
          }
        })
      ),
      (cause) => warnStore(state, fiber.getRef(Clock.Clock).currentTimeMillisUnsafe(), cause)
    )
  })
