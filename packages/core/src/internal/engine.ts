/**
 * The resilience engine's state: per service and provider a circuit, a
 * bulkhead and a health window; per operation the metrics bound to their
 * attributes; and the listeners that `Health.changes`,
 * `Resilience.transitions` and `Resilience.incidents` stream from. The call
 * path is in `call.ts`, the shared-store protocol in `sharedState.ts`.
 *
 * @internal
 */
import { type Context, Effect, Metric, Queue, Stream } from "effect"
import type { CircuitBreaker } from "effect/persistence"
import { Bulkhead } from "./bulkhead.ts"
import { Circuit, type CircuitState, HALF_OPEN, OPEN, stateName } from "./circuit.ts"
import { HealthWindow, type Status } from "./health.ts"
import type { Listeners as IncidentListeners } from "./incidents.ts"
import { InFlight } from "./inFlight.ts"
import { type Disabled, disabledFor, empty as noOverrides, type Snapshot } from "./overrides/snapshot.ts"

/** The part of a service policy the engine reads. @internal */
export interface EnginePolicy {
  readonly timeoutMillis: number
  readonly breaker: {
    readonly failureRateThreshold: number
    readonly windowSize: number
    readonly minimumCalls: number
    readonly openMillis: number
    readonly slowCallMillis: number
    readonly consecutiveSlowCalls: number
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

/**
 * The per-operation series are counters of their own, built once per guard
 * with their attributes: one shared counter behind `Metric.withAttributes`
 * caches its series key for one attribute set at a time, so alternating
 * outcomes or providers rebuilt the key (a sort and a JSON.stringify) and the
 * context on every update. Same names, descriptions and attributes, so the
 * same series in the registry.
 */
const CALLS_TOTAL = "wedsync_integration_calls_total"
const CALLS_DESCRIPTION = "Protected integration calls by outcome"
const FAILURES_TOTAL = "wedsync_integration_failures_total"
const FAILURES_DESCRIPTION = "Failed integration calls by reason"
const RETRIES_TOTAL = "wedsync_integration_retries_total"
const RETRIES_DESCRIPTION = "In-call retries"
const series = (id: string, description: string, attributes: Metric.Metric.AttributeSet) =>
  Metric.counter(id, { description, incremental: true, attributes })
const transitionsTotal = Metric.counter("wedsync_breaker_transitions_total", {
  description: "Circuit breaker transitions",
  incremental: true
})
/** @internal */
export const failoversTotal = Metric.counter("wedsync_failovers_total", {
  description: "Failovers from one provider to the next",
  incremental: true
})

/** Per service and provider (and named circuit, if any): circuit, bulkhead, health. @internal */
export class ProviderState {
  readonly key: string
  readonly circuit: Circuit
  readonly bulkhead: Bulkhead
  readonly health: HealthWindow
  /** Attempts started and not yet ended, released when consecutive slow calls trip the circuit. */
  readonly inFlight = new InFlight()
  storeWarnedAt = Number.NEGATIVE_INFINITY
  /** Whether this instance has read the shared store for this circuit yet. */
  synced = false
  /** Set by an operator's `DisableIntegration`: every call fails at once, unmade. */
  disabled: Disabled | undefined = undefined

  readonly service: string
  readonly provider: string
  /** Replaced by {@link Engine.retune}; read at each call, never cached. */
  policy: EnginePolicy
  /** A named circuit of this provider apart from its main one (`"status"` lookups), or undefined for the main one. */
  readonly scope: string | undefined

  constructor(service: string, provider: string, policy: EnginePolicy, scope?: string) {
    this.service = service
    this.provider = provider
    this.policy = policy
    this.scope = scope
    this.key = scope === undefined ? `${service}:${provider}` : `${service}:${provider}:${scope}`
    this.circuit = new Circuit(this.key, policy.breaker)
    this.bulkhead = new Bulkhead(policy.bulkhead.maxConcurrent, policy.bulkhead.maxQueue)
    this.health = new HealthWindow(service, provider, 100)
  }

  /** New policy from the next call: timeouts, retries and trip settings; the bulkhead keeps its size. */
  retune(policy: EnginePolicy): void {
    this.policy = policy
    this.circuit.retune(policy.breaker)
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
    this.success = series(CALLS_TOTAL, CALLS_DESCRIPTION, { ...attributes, outcome: "success" })
    this.failure = series(CALLS_TOTAL, CALLS_DESCRIPTION, { ...attributes, outcome: "failure" })
    this.retry = series(RETRIES_TOTAL, RETRIES_DESCRIPTION, attributes)
    this.spanName = `${state.service}.${state.provider}.${operation}`
  }

  reasonMetric(reason: string): Metric.Metric<number, unknown> {
    let metric = this.reasons.get(reason)
    if (metric === undefined) {
      metric = series(FAILURES_TOTAL, FAILURES_DESCRIPTION, {
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
  private readonly guards = new Map<string, Map<string, Map<string, Guard>>>()
  private readonly scoped = new Map<string, Guard>()
  readonly transitionListeners = new Set<(transition: Transition) => void>()
  readonly healthListeners = new Set<(change: HealthChange) => void>()
  /** Failed attempts and failovers (`incidents.ts`): emitted only while this set is non-empty. */
  readonly incidentListeners: IncidentListeners = new Set()
  readonly random: () => number
  /** The operator overrides in force (see `Overrides`); read on the hot path as plain fields. */
  overrides: Snapshot = noOverrides

  readonly options: EngineOptions
  /** The policy of a circuit not seen yet; replaced by {@link retune}. */
  private policyFor: (service: string, provider: string) => EnginePolicy

  constructor(options: EngineOptions) {
    this.options = options
    this.random = options.random ?? Math.random
    this.policyFor = options.policyFor
  }

  /**
   * Policies from now on, for every circuit: those already running take theirs
   * at once (peak mode lowering trip thresholds on a Saturday), those not seen
   * yet when they first are.
   */
  retune(policyFor: (service: string, provider: string) => EnginePolicy): void {
    this.policyFor = policyFor
    for (const state of this.providers.values()) state.retune(policyFor(state.service, state.provider))
  }

  providerState(service: string, provider: string, scope?: string): ProviderState {
    const key = scope === undefined ? `${service}:${provider}` : `${service}:${provider}:${scope}`
    let state = this.providers.get(key)
    if (state === undefined) {
      state = new ProviderState(service, provider, this.policyFor(service, provider), scope)
      state.circuit.forced = this.overrides.forced.get(key)
      state.disabled = disabledFor(this.overrides, service, provider)
      this.providers.set(key, state)
    }
    return state
  }

  guard(service: string, provider: string, operation: string, scope?: string): Guard {
    if (scope !== undefined) return this.scopedGuard(service, provider, operation, scope)
    // Nested maps: a lookup on the hot path builds no key string.
    let byProvider = this.guards.get(service)
    if (byProvider === undefined) {
      byProvider = new Map()
      this.guards.set(service, byProvider)
    }
    let byOperation = byProvider.get(provider)
    if (byOperation === undefined) {
      byOperation = new Map()
      byProvider.set(provider, byOperation)
    }
    let guard = byOperation.get(operation)
    if (guard === undefined) {
      guard = new Guard(this.providerState(service, provider), operation)
      byOperation.set(operation, guard)
    }
    return guard
  }

  /** A guard on a named circuit (`Resilience.ProtectOptions.circuit`): off the main path, so a key string is fine. */
  private scopedGuard(service: string, provider: string, operation: string, scope: string): Guard {
    const key = `${service}:${provider}:${scope}:${operation}`
    let guard = this.scoped.get(key)
    if (guard === undefined) {
      guard = new Guard(this.providerState(service, provider, scope), operation)
      this.scoped.set(key, guard)
    }
    return guard
  }

  allProviders(): ReadonlyArray<ProviderState> {
    return [...this.providers.values()]
  }

  emitTransition(
    state: ProviderState,
    from: CircuitState,
    to: CircuitState,
    now: number,
    source: Transition["source"],
    context: Context.Context<never>
  ) {
    if (from === to) return
    this.emitView(state, stateName(from), stateName(to), now, source, context)
  }

  /** Emits a change of what the circuit admits, by name (an override changes the view, not the state). */
  emitView(
    state: ProviderState,
    from: Transition["from"],
    to: Transition["to"],
    now: number,
    source: Transition["source"],
    context: Context.Context<never>
  ) {
    if (from === to) return
    const transition: Transition = {
      key: state.key,
      service: state.service,
      provider: state.provider,
      from,
      to,
      at: now,
      retryAfterMillis: to === "open" ? state.circuit.retryAfter(now) : undefined,
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
      circuit.forced === "open" || (circuit.state === OPEN && circuit.forced !== "closed")
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

/**
 * A stream of what `subscribe` emits, in emission order, for as long as it is
 * consumed; `subscribe` returns its own unsubscribe.
 *
 * @internal
 */
export const listen = <A>(subscribe: (emit: (value: A) => void) => () => void): Stream.Stream<A> =>
  Stream.callback<A>((queue) =>
    Effect.acquireRelease(
      Effect.sync(() =>
        subscribe((value) => {
          Queue.offerUnsafe(queue, value)
        })
      ),
      (unsubscribe) => Effect.sync(unsubscribe)
    )
  )

/** Adds a listener to a set; returns its removal. @internal */
export const addListener = <A>(listeners: Set<(value: A) => void>, listener: (value: A) => void): (() => void) => {
  listeners.add(listener)
  return () => listeners.delete(listener)
}
