/**
 * How every call to an unreliable provider is made.
 *
 * `protect` wraps one provider call with, in order: the provider's circuit
 * (shared between instances through Effect's `CircuitBreakerStore`), its
 * bulkhead (a concurrency limit with a bounded queue), a timeout that really
 * interrupts the work — so the `AbortSignal` handed to `Effect.tryPromise`
 * aborts the SDK's HTTP request — and in-call retry of transient reasons within
 * the caller's deadline. Each attempt is a span and feeds metrics and `Health`.
 * An attempt's timeout is `min(policy timeoutMillis, what remains of the
 * deadline)`; a call whose deadline passes while it waits in the bulkhead's
 * queue is refused unmade (`BulkheadFull`), not counted against the provider.
 *
 * The numbers come from the service's `Policy`; wedding-day-critical work is
 * never retried here: it fails at once so `Failover` can move on. Operator
 * overrides (`Overrides`) apply here too: a forced circuit admits or refuses
 * as forced, a disabled provider's calls fail at once, unmade.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { IntegrationError, Resilience } from "@wedsync/core"
 *
 * const send = Effect.tryPromise({
 *   try: (signal) => fetch("http://127.0.0.1:4010/emails", { method: "POST", signal }),
 *   catch: () => IntegrationError.make("resend", "send", new IntegrationError.Unavailable({}))
 * }).pipe(Resilience.protect({ service: "email", provider: "resend", operation: "send" }))
 *
 * Effect.runPromise(send.pipe(Effect.provide(Resilience.layerMemory())))
 * ```
 *
 * @since 0.1.0
 */
import { Clock, Context, Duration, Effect, Layer, Schedule, Stream } from "effect"
import { dual } from "effect/Function"
import { CircuitBreaker, Redis } from "effect/persistence"
import type * as IntegrationError from "./IntegrationError.ts"
import * as Policy from "./Policy.ts"
import { Engine, type EngineOptions, type Transition as EngineTransition } from "./internal/engine.ts"
import type * as Incidents from "./internal/incidents.ts"
import * as Quorum from "./internal/quorum.ts"
import * as RedisWhenAvailable from "./internal/redisWhenAvailable.ts"
import * as Internal from "./internal/service.ts"
import { syncFromStore } from "./internal/sharedState.ts"

/** A circuit's state as callers see it. @since 0.1.0 */
export type CircuitState = "closed" | "open" | "half_open"

/** A breaker state change; `source` tells a local decision from one learned from the shared store. @since 0.1.0 */
export type Transition = EngineTransition

/**
 * A failed attempt (`Failure`: an attempt that reached the provider, or timed
 * out, and failed with an `IntegrationError`; refusals made unmade are not
 * one) or a `Failover.run` moving on from one provider to the next
 * (`Failover`: `from`, `to` and the failure's or skip's `reason`).
 *
 * @example
 * ```ts
 * const line = (incident: Resilience.Incident) =>
 *   incident._tag === "Failure" ? `${incident.provider} ${incident.reason}` : `${incident.from} → ${incident.to}`
 * ```
 * @since 0.3.0
 */
export type Incident = Incidents.Incident

/**
 * Which call is being protected: service, provider and operation; optionally
 * a deadline, an outer deadline, a named circuit, and whether it is idempotent
 * (each field documented on the interface it extends).
 *
 * @example
 * ```ts
 * const options: Resilience.ProtectOptions = { service: "sms", provider: "twilio", operation: "status", idempotent: true }
 * ```
 * @since 0.1.0
 */
export interface ProtectOptions extends Internal.ProtectOptions {}

/**
 * What a call to a provider would meet now, without making it: `"Admitted"`,
 * or skipped unmade because its circuit is open (`"CircuitOpen"`) or an
 * operator disabled it (`"Disabled"`).
 *
 * @example
 * ```ts
 * const resilience = yield* Resilience.Resilience
 * if (resilience.admit("sms", "twilio", "send", Date.now()) !== "Admitted") yield* Effect.log("Twilio is skipped")
 * ```
 * @since 0.1.0
 */
export type Admission = Internal.Admission

/**
 * The engine's methods: `protect` a call; `admit` (would a call be let
 * through now) and `refusal` (the error a skipped call stands for); `pinned`
 * (an operator's pin); `circuitState`, `health`, `providers`, `transitions`,
 * `healthEvents`, `incidents` to watch; `applyOverrides` / `overrides` for the operator's
 * controls. The engine's state stays behind these.
 *
 * @example
 * ```ts
 * const resilience = yield* Resilience.Resilience
 * resilience.circuitState("email", "resend") // "closed"
 * ```
 * @since 0.1.0
 */
export interface Service extends Internal.Service {}

/**
 * The resilience engine: circuits, bulkheads and health per provider.
 *
 * @example
 * ```ts
 * const resilience = yield* Resilience.Resilience
 * const sent = yield* resilience.protect(send, { service: "email", provider: "resend", operation: "send" })
 * ```
 * @since 0.1.0
 */
export class Resilience extends Context.Service<Resilience, Service>()("@wedsync/core/Resilience") {}

/**
 * Runs a provider call under its service's policy.
 *
 * @example
 * ```ts
 * const receipt = yield* resend.send(message).pipe(
 *   Resilience.protect({ service: "email", provider: "resend", operation: "send" })
 * )
 * ```
 * @since 0.1.0
 */
export const protect: {
  (
    options: ProtectOptions
  ): <A, R>(
    effect: Effect.Effect<A, IntegrationError.IntegrationError, R>
  ) => Effect.Effect<A, IntegrationError.IntegrationError, R | Resilience>
  <A, R>(
    effect: Effect.Effect<A, IntegrationError.IntegrationError, R>,
    options: ProtectOptions
  ): Effect.Effect<A, IntegrationError.IntegrationError, R | Resilience>
} = dual(
  2,
  <A, R>(
    effect: Effect.Effect<A, IntegrationError.IntegrationError, R>,
    options: ProtectOptions
  ): Effect.Effect<A, IntegrationError.IntegrationError, R | Resilience> =>
    Effect.withFiber((fiber) => {
      const service = Context.getUnsafe(fiber.context, Resilience)
      const engine = Internal.engineOf(service)
      return engine === undefined
        ? service.protect(effect, options)
        : Internal.protectOn(engine, fiber, effect, options)
    })
)

/** Options of the engine's layers. @since 0.1.0 */
export interface Options {
  /** Randomness for jitter; inject a seeded one in tests. */
  readonly random?: (() => number) | undefined
}

const makeEngine = (options: Options | undefined, syncOnFirstUse = false) =>
  Effect.gen(function* () {
    const store = yield* CircuitBreaker.CircuitBreakerStore
    const policies = yield* Policy.Policies
    const engineOptions: EngineOptions = {
      store,
      policyFor: (service, provider) => policies.get(service as Policy.ServiceType, provider),
      random: options?.random,
      syncOnFirstUse
    }
    return new Engine(engineOptions)
  })

/**
 * The engine over whatever `CircuitBreakerStore` is provided: use it to bring
 * your own store; `layerMemory` and `layerRedis` cover the usual two.
 *
 * @since 0.1.0
 */
export const layer = (options?: Options): Layer.Layer<Resilience, never, CircuitBreaker.CircuitBreakerStore> =>
  Layer.effect(Resilience, Effect.map(makeEngine(options), Internal.make))

/**
 * One instance: circuit state in this process.
 *
 * @example
 * ```ts
 * program.pipe(Effect.provide(Resilience.layerMemory()))
 * ```
 * @since 0.1.0
 */
export const layerMemory = (options?: Options): Layer.Layer<Resilience> =>
  layer(options).pipe(Layer.provide(CircuitBreaker.layerStoreMemory()))

/**
 * Options of `layerRedis`.
 *
 * @example
 * ```ts
 * const options: Resilience.RedisOptions = { prefix: "wedsync:circuit:", quorum: 2, quorumWindow: "1 minute" }
 * ```
 * @since 0.1.0
 */
export interface RedisOptions extends Options {
  /** Prefix of every key in Redis; default `"wedsync:circuit:"`. */
  readonly prefix?: string | undefined
  /** How often shared state is read back; default 250 ms. */
  readonly syncInterval?: Duration.Input | undefined
  /**
   * How many distinct instances must trip a circuit, within `quorumWindow`,
   * before it opens for every instance; default 1 (off: the first trip opens
   * it everywhere, right for a single instance). With N > 1 an instance that
   * trips opens its own circuit at once and votes; the others keep calling
   * until N have voted. A whole number of at least 1.
   */
  readonly quorum?: number | undefined
  /** How long a vote counts; default 1 minute. */
  readonly quorumWindow?: Duration.Input | undefined
}

/**
 * Several instances: circuit state shared through Redis.
 *
 * A trip, a probe and its outcome are written to Effect's Redis store at once;
 * what other instances decided is read back every `syncInterval` (default
 * 250 ms) and on every probe. When Redis cannot be reached each instance keeps
 * protecting itself on its local state and logs a warning (at most every 10 s
 * per circuit): calls are neither all let through unrecorded nor all refused.
 * Every store call is bounded to 1 s, so a reconnecting client never holds a
 * call. Provide the connection through `redisWhenAvailable` so that a Redis
 * outage at start does not stop the service either: `NodeRedis.layer` alone
 * fails to build when Redis does not answer.
 *
 * One instance's trip may be its own fault (its network, its DNS). With
 * `quorum: N` (off by default for a single instance: 1) a trip opens that
 * instance's circuit only and records its vote (instance id, Redis time) under
 * `<prefix>quorum:<service>:<provider>`; the circuit opens for every instance
 * when N distinct instances voted within `quorumWindow` (default 1 minute).
 * Votes expire with the window and are cleared when they open the circuit. A
 * vote Redis does not answer leaves the opening local. A `quorum` that is not
 * a whole number of at least 1, or a `quorumWindow` outside 1 ms to 2^31-1 ms,
 * is a defect when the layer is built.
 *
 * @example
 * ```ts
 * import { NodeRedis } from "@effect/platform-node"
 * const live = Resilience.layerRedis({ quorum: 2, quorumWindow: "1 minute" }).pipe(
 *   Layer.provide(Resilience.redisWhenAvailable(NodeRedis.layer({ url: "redis://127.0.0.1:6379" })))
 * )
 * ```
 * @since 0.1.0
 */
export const layerRedis = (options?: RedisOptions): Layer.Layer<Resilience, never, Redis.Redis> =>
  Layer.effect(
    Resilience,
    Effect.gen(function* () {
      const prefix = options?.prefix ?? "wedsync:circuit:"
      const quorum = options?.quorum ?? 1
      const quorumWindow = Duration.toMillis(Duration.fromInputUnsafe(options?.quorumWindow ?? "1 minute"))
      if (!Number.isInteger(quorum) || quorum < 1) {
        return yield* Effect.die(
          new RangeError(`Resilience.layerRedis: quorum must be a whole number ≥ 1, got ${quorum}`)
        )
      }
      // A timer's bound, as for every policy duration: Redis' PEXPIRE takes no infinity.
      if (!(quorumWindow >= 1 && quorumWindow <= 2_147_483_647)) {
        return yield* Effect.die(
          new RangeError(
            `Resilience.layerRedis: quorumWindow must be between 1 ms and 2^31-1 ms, got ${quorumWindow} ms`
          )
        )
      }
      const engine = yield* makeEngine(options, true)
      if (quorum > 1) {
        const votes = Quorum.redisVotes(yield* Redis.Redis, prefix)
        Quorum.register(engine, Quorum.make({ size: quorum, windowMillis: quorumWindow, votes }))
      }
      const syncInterval = Duration.fromInputUnsafe(options?.syncInterval ?? "250 millis")
      const idle = 60_000
      yield* Effect.forkScoped(
        Effect.repeat(
          Effect.gen(function* () {
            const now = yield* Clock.currentTimeMillis
            for (const state of engine.allProviders()) {
              if (now - state.circuit.lastUsed < idle) yield* syncFromStore(engine, state)
            }
          }),
          Schedule.spaced(syncInterval)
        )
      )
      return Internal.make(engine)
    })
  ).pipe(Layer.provide(CircuitBreaker.layerStoreRedis({ prefix: options?.prefix ?? "wedsync:circuit:" })))

/**
 * The Redis connection for `layerRedis`, available even while Redis is not.
 *
 * Tries to build `redis` at start (each try bounded by `connectTimeout`,
 * default 2 s) and, when that fails, again every `retryEvery` (default 1 s)
 * in the background. Until then every command fails at once, so circuits
 * decide on local state; once connected they are shared again. Each command
 * is bounded by `commandTimeout` (default 5 s), and every `RedisError` it
 * fails with has a message (`Redis is not connected yet (EVALSHA); the last
 * attempt: connect ECONNREFUSED 127.0.0.1:6379`, `Redis did not answer PING
 * within 5s (commandTimeout)`).
 *
 * Give it a connection layer that bounds itself: `NodeRedis.layer` facing a
 * Redis that accepts the connection and never answers cannot be stopped (its
 * finalizer waits for the reply), so such an attempt is left to end in the
 * background and its socket stays open until the server closes it.
 * `RedisConnection.layer` from `@wedsync/durable` bounds connecting and every
 * command; keep its `connectTimeout` at most this one's.
 *
 * @example
 * ```ts
 * import { RedisConnection } from "@wedsync/durable"
 * const redis = Resilience.redisWhenAvailable(
 *   RedisConnection.layer({ url: process.env.REDIS_URL, connectTimeout: "2 seconds" }),
 *   { commandTimeout: "1 second" }
 * )
 * const live = Resilience.layerRedis().pipe(Layer.provide(redis))
 * ```
 * @since 0.1.0
 */
export const redisWhenAvailable: <E, R>(
  redis: Layer.Layer<Redis.Redis, E, R>,
  options?: {
    readonly retryEvery?: Duration.Input | undefined
    readonly connectTimeout?: Duration.Input | undefined
    readonly commandTimeout?: Duration.Input | undefined
  }
) => Layer.Layer<Redis.Redis, never, R> = RedisWhenAvailable.make

/**
 * The local view of a provider's circuit (what this instance admits now).
 *
 * @since 0.1.0
 */
export const circuitState = (
  service: Policy.ServiceType,
  provider: string
): Effect.Effect<CircuitState, never, Resilience> =>
  Effect.map(Effect.service(Resilience), (resilience) => resilience.circuitState(service, provider))

/**
 * Puts `policies` in force from now on for every circuit of this instance:
 * those already running take their new timeouts, retries and trip settings at
 * the next call (a circuit's window of recent outcomes is kept when its size is
 * unchanged; its state is kept; bulkheads keep their size), and circuits not
 * seen yet get them when they first are. Peak mode uses it to lower trip
 * thresholds on a Saturday and raise them again after.
 *
 * @example
 * ```ts
 * const peak = yield* Policy.make({ services: { sms: { breaker: { failureRateThreshold: 0.2, minimumCalls: 5 } } } })
 * yield* Resilience.retune(peak)
 * ```
 * @since 0.1.0
 */
export const retune = (policies: Policy.PolicyLookup): Effect.Effect<void, never, Resilience> =>
  Effect.flatMap(Effect.service(Resilience), (resilience) => resilience.retune(policies))

/**
 * Every breaker transition this instance makes or learns of, as it happens.
 *
 * @since 0.1.0
 */
export const transitions: Stream.Stream<Transition, never, Resilience> = Stream.unwrap(
  Effect.map(Effect.service(Resilience), (resilience) => resilience.transitions)
)

/**
 * Every failed attempt and every failover of this instance, as it happens,
 * from when the stream is subscribed. Nothing is built for it while nobody
 * is subscribed: the call path checks for a listener first.
 *
 * @example
 * ```ts
 * yield* Stream.runForEach(Resilience.incidents, (incident) =>
 *   incident._tag === "Failover" ? Effect.log(`${incident.service}: ${incident.from} → ${incident.to}`) : Effect.void
 * ).pipe(Effect.forkScoped)
 * ```
 * @since 0.3.0
 */
export const incidents: Stream.Stream<Incident, never, Resilience> = Stream.unwrap(
  Effect.map(Effect.service(Resilience), (resilience) => resilience.incidents)
)
