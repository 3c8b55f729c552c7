/**
 * The `Resilience` service's methods over one engine: everything outside the
 * engine (Failover, Health, Overrides, the module functions of `Resilience`)
 * goes through these, never through the engine's fields.
 *
 * @internal
 */
import { Clock, type Context, Effect, type Stream } from "effect"
import type * as Fiber from "effect/Fiber"
import type * as IntegrationError from "../IntegrationError.ts"
import type * as Policy from "../Policy.ts"
import { run } from "./call.ts"
import { ANSWER_RESERVE_MILLIS } from "./deadline.ts"
import { isDefaultClock } from "./defaultClock.ts"
import { REJECT, view } from "./circuit.ts"
import {
  addListener,
  type Engine,
  failoversTotal,
  type HealthChange,
  listen,
  type ProviderState,
  type Transition
} from "./engine.ts"
import type { Status } from "./health.ts"
import { emitFailover, type Incident } from "./incidents.ts"
import { apply, disabledError } from "./overrides/apply.ts"
import type { Snapshot } from "./overrides/snapshot.ts"
import { circuitOpen } from "./trusted.ts"

/** One provider's health at a moment. @internal */
export interface ProviderHealth {
  readonly service: string
  readonly provider: string
  readonly status: Status
  readonly breaker: "closed" | "open" | "half_open"
  /** Calls in the window (at most 100). */
  readonly calls: number
  /** Share of calls in the window the provider answered well (request-level refusals count as answered). */
  readonly successRate: number
  readonly latency: { readonly p50: number; readonly p95: number; readonly p99: number }
  readonly lastSuccessAt: number | undefined
  readonly lastFailureAt: number | undefined
  readonly lastFailureReason: string | undefined
}

/** A health status change or a breaker transition, in the order they happened. @internal */
export type HealthEvent =
  | ({ readonly _tag: "StatusChanged" } & HealthChange)
  | ({ readonly _tag: "BreakerTransition" } & Transition)

/** What a call to a provider would meet now: admitted, or skipped unmade and why. @internal */
export type Admission = "Admitted" | "CircuitOpen" | "Disabled"

/** Which call is being protected; `Resilience.ProtectOptions`. @internal */
export interface ProtectOptions {
  readonly service: Policy.ServiceType
  /** The provider's name, e.g. `"resend"`; one circuit per service and provider. */
  readonly provider: string
  /** The operation, e.g. `"send"`; spans and metrics are per operation. */
  readonly operation: string
  /**
   * Total time for every attempt and the waits between them; defaults to the
   * policy's `timeoutMillis`. One attempt never runs longer than the policy's
   * `timeoutMillis` nor past this deadline.
   */
  readonly deadlineMillis?: number | undefined
  /**
   * The time left of an outer deadline (a `Failover` plan's, a notification's):
   * the call, retries included, ends within it even when `deadlineMillis` or
   * the policy allows more. `Failover.run` sets it from its `deadlineMillis`.
   * When it is what cuts the call short, the call's own timer is armed 2 ms
   * early on the real clock: the time to build the failure and resume the
   * caller, and a timer's lateness, so that the answer arrives by the outer
   * deadline, not just after.
   */
  readonly withinMillis?: number | undefined
  /**
   * A circuit of its own for this kind of call, apart from the provider's
   * main one: its own breaker, bulkhead and health window, keyed
   * `service:provider:circuit`. Status lookups use `"status"`, so a rate limit
   * on a provider's status API never opens the circuit its sends go through.
   * Omitted: the provider's main circuit (`service:provider`), which
   * `circuitState`, `Health` and `Failover` report. A named circuit honours a
   * `DisableIntegration` override of its provider but not a forced circuit.
   *
   * @example
   * ```ts
   * lookup.pipe(Resilience.protect({ service: "sms", provider: "twilio", operation: "status", circuit: "status" }))
   * ```
   */
  readonly circuit?: string | undefined
  /**
   * Whether repeating the call is harmless even when an earlier attempt may
   * have reached the provider: a read (a status lookup), or a write the
   * provider deduplicates by a key we send. Omitted or `false`: a failure
   * that says `maybeSent` is not retried in the call, since a second request
   * may duplicate the message; the caller resolves it first (`Failover.run`'s
   * `resolve`). Failures that were certainly not sent are retried either way.
   *
   * @example
   * ```ts
   * lookup.pipe(Resilience.protect({ service: "sms", provider: "twilio", operation: "status", circuit: "status", idempotent: true }))
   * ```
   */
  readonly idempotent?: boolean | undefined
}

/** The service's shape: methods only. @internal */
export interface Service {
  readonly protect: <A, R>(
    effect: Effect.Effect<A, IntegrationError.IntegrationError, R>,
    options: ProtectOptions
  ) => Effect.Effect<A, IntegrationError.IntegrationError, R>
  readonly admit: (service: Policy.ServiceType, provider: string, operation: string, now: number) => Admission
  readonly refusal: (
    service: Policy.ServiceType,
    provider: string,
    operation: string,
    now: number,
    correlationId: string | undefined
  ) => IntegrationError.IntegrationError
  readonly pinned: (service: Policy.ServiceType) => string | undefined
  /**
   * Counts a `Failover.run` moving on from step `from` to the next, `to`
   * (failed or skipped for `reason`), and tells `incidents` of it. Positional,
   * so nothing is built when nobody listens.
   */
  readonly countFailover: (
    context: Context.Context<never>,
    service: Policy.ServiceType,
    operation: string,
    from: string,
    to: string,
    reason: string | undefined,
    at: number
  ) => void
  readonly circuitState: (service: Policy.ServiceType, provider: string) => "closed" | "open" | "half_open"
  readonly health: (service: Policy.ServiceType, provider: string) => ProviderHealth
  readonly providers: () => ReadonlyArray<ProviderHealth>
  readonly transitions: Stream.Stream<Transition>
  readonly healthEvents: Stream.Stream<HealthEvent>
  /** Failed attempts and failovers, from when it is subscribed. */
  readonly incidents: Stream.Stream<Incident>
  readonly overrides: () => Snapshot
  readonly applyOverrides: (snapshot: Snapshot) => Effect.Effect<void>
  readonly retune: (policies: Policy.PolicyLookup) => Effect.Effect<void>
}

const healthOf = (state: ProviderState): ProviderHealth => {
  const health = state.health
  return {
    service: state.service,
    provider: state.provider,
    status: health.status,
    breaker: view(state.circuit),
    calls: health.calls,
    successRate: health.successRate(),
    latency: health.percentiles(),
    lastSuccessAt: health.lastSuccessAt,
    lastFailureAt: health.lastFailureAt,
    lastFailureReason: health.lastFailureReason
  }
}

// A virtual clock (TestClock) fires exactly and answers in no time: nothing to keep back.
const reserveOn = (clock: Clock.Clock) => (isDefaultClock(clock) ? ANSWER_RESERVE_MILLIS : 0)

/** One protected call on `engine`, for a fiber already at hand. @internal */
export const protectOn = <A, R>(
  engine: Engine,
  fiber: Fiber.Fiber<unknown, unknown>,
  effect: Effect.Effect<A, IntegrationError.IntegrationError, R>,
  options: ProtectOptions,
  // The caller's reading of the clock in this same synchronous step, when it has one.
  knownNow?: number
): Effect.Effect<A, IntegrationError.IntegrationError, R> => {
  const guard = engine.guard(options.service, options.provider, options.operation, options.circuit)
  const clock = fiber.getRef(Clock.Clock)
  const now = knownNow ?? clock.currentTimeMillisUnsafe()
  const own = options.deadlineMillis ?? guard.state.policy.timeoutMillis
  const within = options.withinMillis
  return run(
    engine,
    guard,
    effect,
    // Cut by an outer deadline: answer by it, so on the real clock the timer leaves room to answer.
    now + (within === undefined || within > own ? own : Math.max(0, within - reserveOn(clock))),
    options.idempotent === true,
    now
  )
}

const engines = new WeakMap<Service, Engine>()

/**
 * The engine behind a service this module made, so `Resilience.protect` (the
 * hot path) runs on it without a second fiber step; a service of another make
 * (a test double) goes through its `protect` method.
 *
 * @internal
 */
export const engineOf = (service: Service): Engine | undefined => engines.get(service)

/** The service over `engine`. @internal */
export const make = (engine: Engine): Service => {
  const service = makeService(engine)
  engines.set(service, engine)
  return service
}

const makeService = (engine: Engine): Service => ({
  protect: (effect, options) => Effect.withFiber((fiber) => protectOn(engine, fiber, effect, options)),
  admit: (service, provider, operation, now) => {
    // Through the guard's nested maps: the hot path builds no key string.
    const state = engine.guard(service, provider, operation).state
    if (state.disabled !== undefined) return "Disabled"
    return state.circuit.admit(now) === REJECT ? "CircuitOpen" : "Admitted"
  },
  refusal: (service, provider, operation, now, correlationId) => {
    const state = engine.guard(service, provider, operation).state
    return state.disabled !== undefined
      ? disabledError(provider, operation, state.disabled, correlationId)
      : circuitOpen(provider, operation, state.key, state.circuit.retryAfter(now), correlationId)
  },
  pinned: (service) => (engine.overrides.pinned.size === 0 ? undefined : engine.overrides.pinned.get(service)),
  countFailover: (context, service, operation, from, to, reason, at) => {
    failoversTotal.updateUnsafe(1, context)
    emitFailover(engine.incidentListeners, service, operation, from, to, reason, at)
  },
  circuitState: (service, provider) => view(engine.providerState(service, provider).circuit),
  health: (service, provider) => healthOf(engine.providerState(service, provider)),
  // A named circuit (status lookups) is not the provider's health: that is its sends'.
  providers: () => engine.allProviders().flatMap((state) => (state.scope === undefined ? [healthOf(state)] : [])),
  transitions: listen<Transition>((emit) => addListener(engine.transitionListeners, emit)),
  // One subscription to both, so a transition and the status change it causes keep their order.
  healthEvents: listen<HealthEvent>((emit) => {
    const removeStatus = addListener(engine.healthListeners, (change) => emit({ _tag: "StatusChanged", ...change }))
    const removeTransition = addListener(engine.transitionListeners, (transition) =>
      emit({ _tag: "BreakerTransition", ...transition })
    )
    return () => {
      removeStatus()
      removeTransition()
    }
  }),
  incidents: listen<Incident>((emit) => addListener(engine.incidentListeners, emit)),
  overrides: () => engine.overrides,
  retune: (policies) =>
    Effect.sync(() => engine.retune((service, provider) => policies.get(service as Policy.ServiceType, provider))),
  applyOverrides: (snapshot) =>
    Effect.withFiber((fiber) =>
      Effect.sync(() => apply(engine, snapshot, fiber.getRef(Clock.Clock).currentTimeMillisUnsafe(), fiber.context))
    )
})
