/**
 * Operator overrides: the hand on the controls during an incident.
 *
 * - `ForceCircuit`: force a provider's circuit open (every call refused with
 *   `CircuitOpen`, unmade) or closed (every call admitted, even after the
 *   breaker tripped).
 * - `PinProvider`: a failover plan for the service starts at the pinned
 *   provider; the steps before it are skipped (the ones after stay as backups).
 * - `DisableIntegration`: a provider, or a whole service, refuses every call at
 *   once, unmade, so `Failover` moves on and, past the last step, the caller's
 *   degraded fallback answers.
 * - `PauseEndpoint`: an outbound webhook endpoint is paused; senders check
 *   `isPaused` / `checkEndpoint` before delivering.
 *
 * Each override carries who set it, why, when, and an optional `expiresAt`
 * (epoch ms) after which it stops applying by itself. One override per target:
 * a new one for the same circuit, pin, integration or endpoint replaces the
 * old. Every set and clear is written to the `Audit` trail (action
 * `overrides.set` / `overrides.clear`, target e.g. `circuit:email:resend`);
 * a change whose audit entry cannot be written is undone.
 *
 * A disabled provider's calls fail with the reason `Disabled` (family
 * `"operator"`: not retried, fails over, never counted against the provider's
 * health); {@link isDisabled} reads it. In a failover plan a disabled step is
 * skipped (attempt reason `"Disabled"`) and a pinned-past one too
 * (`"Pinned"`). The outbox holds deferred work refused this way and runs it
 * once the integration is enabled again; nothing is dead-lettered for it.
 *
 * Honouring an override costs a field read per call: each layer keeps a
 * snapshot in memory and applies it to the `Resilience` engine it is given
 * (provide both from the same layer, see the example). Layers:
 * - `layerMemory`: one process.
 * - `layerStore`: persisted in a store of your own, polled by other instances;
 *   `Overrides.layerSql` in `@wedsync/durable` is that for SQLite and
 *   PostgreSQL (a change applies everywhere within a second).
 * - `layerRedis`: pushed to every instance over pub/sub (milliseconds), resynced
 *   every second: the multi-instance setup, next to `Resilience.layerRedis`, with
 *   `Audit.layerSql` (`@wedsync/durable`) keeping the history. A flushed Redis
 *   forgets its overrides, which fails safe, and the audit trail says what they were.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { Audit, Overrides, Resilience } from "@wedsync/core"
 *
 * const live = Overrides.layerMemory.pipe(Layer.provideMerge(Resilience.layerMemory()), Layer.provide(Audit.layerMemory))
 *
 * const program = Effect.gen(function* () {
 *   const overrides = yield* Overrides.Overrides
 *   yield* overrides.set(
 *     { _tag: "ForceCircuit", service: "email", provider: "resend", state: "open", expiresAt: Date.now() + 3_600_000 },
 *     { actor: "ana@wedsync", reason: "Resend incident INC-42" }
 *   )
 * }).pipe(Effect.provide(live))
 * ```
 *
 * @since 0.1.0
 */
import { Context, Duration, Effect, Layer, type Scope } from "effect"
import type { Redis } from "effect/persistence"
import type { Audit } from "./Audit.ts"
import * as IntegrationError from "./IntegrationError.ts"
import type { Resilience } from "./Resilience.ts"
import type { StoreError } from "./StoreError.ts"
import { OVERRIDE_CODE } from "./internal/overrides/apply.ts"
import * as model from "./internal/overrides/model.ts"
import * as RedisStore from "./internal/overrides/redis.ts"
import { type Backend, make } from "./internal/overrides/service.ts"
import type * as snapshot from "./internal/overrides/snapshot.ts"
import * as stores from "./internal/overrides/stores.ts"

/**
 * Force a provider's circuit `"open"` or `"closed"`.
 *
 * @example
 * ```ts
 * const input: Overrides.Input = { _tag: "ForceCircuit", service: "sms", provider: "twilio", state: "open" }
 * ```
 * @since 0.1.0
 */
export const ForceCircuit = model.ForceCircuit

/** @since 0.1.0 */
export type ForceCircuit = typeof ForceCircuit.Type

/**
 * Start the service's failover plans at `provider`.
 *
 * @example
 * ```ts
 * const input: Overrides.Input = { _tag: "PinProvider", service: "email", provider: "postmark" }
 * ```
 * @since 0.1.0
 */
export const PinProvider = model.PinProvider

/** @since 0.1.0 */
export type PinProvider = typeof PinProvider.Type

/**
 * Refuse every call to `provider` of `service`, or to the whole service when `provider` is absent.
 *
 * @example
 * ```ts
 * const input: Overrides.Input = { _tag: "DisableIntegration", service: "calendar" }
 * ```
 * @since 0.1.0
 */
export const DisableIntegration = model.DisableIntegration

/** @since 0.1.0 */
export type DisableIntegration = typeof DisableIntegration.Type

/**
 * Pause deliveries to an outbound webhook endpoint.
 *
 * @example
 * ```ts
 * const input: Overrides.Input = { _tag: "PauseEndpoint", endpointId: "ep_123", expiresAt: Date.now() + 600_000 }
 * ```
 * @since 0.1.0
 */
export const PauseEndpoint = model.PauseEndpoint

/** @since 0.1.0 */
export type PauseEndpoint = typeof PauseEndpoint.Type

/**
 * An override as stored: its target plus `id`, `reason`, `actor`, `createdAt` and optional `expiresAt` (epoch ms).
 *
 * @example
 * ```ts
 * const describe = (override: Overrides.Override) => `${override._tag} by ${override.actor}: ${override.reason}`
 * ```
 * @since 0.1.0
 */
export const Override = model.Override

/** @since 0.1.0 */
export type Override = model.Override

/**
 * What `set` takes: a target and an optional `expiresAt`; who and why come from the operator.
 *
 * @example
 * ```ts
 * const input: Overrides.Input = { _tag: "DisableIntegration", service: "sms", provider: "vonage" }
 * ```
 * @since 0.1.0
 */
export const Input = model.Input

/** @since 0.1.0 */
export type Input = model.Input

/**
 * The overrides in force in this instance, indexed: what the engine reads.
 *
 * @example
 * ```ts
 * const pinned = overrides.current().pinned.get("email") // "postmark" | undefined
 * ```
 * @since 0.1.0
 */
export type Snapshot = snapshot.Snapshot

/**
 * An override was refused: `issues` names each bad field (an unknown service,
 * an empty provider, an `expiresAt` in the past, a missing actor or reason).
 *
 * @example
 * ```ts
 * overrides.set(input, operator).pipe(Effect.catchTag("OverrideInvalid", (error) => Effect.logWarning(error.message)))
 * ```
 * @since 0.1.0
 */
export const OverrideInvalid = model.OverrideInvalid

/** @since 0.1.0 */
export type OverrideInvalid = model.OverrideInvalid

/**
 * `clear` was given an id that is not in force (never set, cleared, or replaced).
 *
 * @example
 * ```ts
 * overrides.clear(id, operator).pipe(Effect.catchTag("OverrideNotFound", () => Effect.void))
 * ```
 * @since 0.1.0
 */
export const OverrideNotFound = model.OverrideNotFound

/** @since 0.1.0 */
export type OverrideNotFound = model.OverrideNotFound

/**
 * The typed refusal of a delivery to a paused endpoint, with who paused it, why and until when.
 *
 * @example
 * ```ts
 * yield* overrides.checkEndpoint(endpoint.id) // fails with EndpointPaused while paused
 * ```
 * @since 0.1.0
 */
export const EndpointPaused = model.EndpointPaused

/** @since 0.1.0 */
export type EndpointPaused = model.EndpointPaused

/**
 * The operations: `set` (replaces the override with the same target),
 * `clear`, `list` (from the store), `current` (this instance's snapshot,
 * synchronous), `isPaused` (synchronous), `checkEndpoint` (the typed refusal)
 * and `refresh` (read the store now instead of at the next poll or message).
 *
 * @example
 * ```ts
 * const active: Effect.Effect<ReadonlyArray<Overrides.Override>, StoreError.StoreError, Overrides.Overrides> =
 *   Effect.flatMap(Effect.service(Overrides.Overrides), (overrides) => overrides.list())
 * ```
 * @since 0.1.0
 */
export type Service = model.Service

/**
 * The overrides service.
 *
 * @example
 * ```ts
 * const overrides = yield* Overrides.Overrides
 * const set = yield* overrides.set({ _tag: "PinProvider", service: "email", provider: "postmark" }, operator)
 * yield* overrides.clear(set.id, operator)
 * ```
 * @since 0.1.0
 */
export class Overrides extends Context.Service<Overrides, Service>()("@wedsync/core/Overrides") {}

/**
 * The target key of an override (one override per key), also its audit entry's `target`.
 *
 * @example
 * ```ts
 * Overrides.targetOf({ _tag: "ForceCircuit", service: "email", provider: "resend", state: "open" }) // "circuit:email:resend"
 * ```
 * @since 0.1.0
 */
export const targetOf: (override: Input | Override) => string = model.targetOf

/**
 * The `providerCode` a disabled provider's errors still carry.
 *
 * @deprecated Read the reason instead: `error.reason._tag === "Disabled"` or {@link isDisabled}.
 * @example
 * ```ts
 * error.providerCode === Overrides.DisabledCode
 * ```
 * @since 0.1.0
 */
export const DisabledCode: string = OVERRIDE_CODE

/**
 * Whether an error is an operator's `DisableIntegration` refusal (reason `Disabled`).
 *
 * @example
 * ```ts
 * Effect.catchIf(call, Overrides.isDisabled, () => fallback)
 * ```
 * @since 0.1.0
 */
export const isDisabled = (error: unknown): error is IntegrationError.IntegrationError =>
  IntegrationError.isIntegrationError(error) && error.reason._tag === "Disabled"

/**
 * Overrides in this process only (tests, a single instance without persistence).
 *
 * @example
 * ```ts
 * const live = Overrides.layerMemory.pipe(Layer.provideMerge(Resilience.layerMemory()), Layer.provide(Audit.layerMemory))
 * ```
 * @since 0.1.0
 */
export const layerMemory: Layer.Layer<Overrides, never, Resilience | Audit> = Layer.effect(
  Overrides,
  // A store per build; it cannot fail.
  Effect.orDie(Effect.suspend(() => make(stores.memory())))
)

/**
 * What a store of overrides does; the service around it (validation, audit,
 * expiry, applying to `Resilience`) is the same for every store. One override
 * per target: `put` replaces the one with the same target and returns it.
 *
 * @example
 * ```ts
 * const store: Overrides.Store = {
 *   load: Effect.succeed([]),
 *   put: (override, target, now) => Effect.succeed(undefined),
 *   remove: (id) => Effect.succeed(undefined)
 * }
 * ```
 * @since 0.1.0
 */
export type Store = Backend

/**
 * Overrides over a store of your own (the SQL one is `Overrides.layerSql` in
 * `@wedsync/durable`). Other instances on the same store read it every
 * `pollInterval` (default 250 ms; keep it at most 500 ms for the one-second
 * promise). Fails to build when the store cannot be read at start.
 *
 * @example
 * ```ts
 * const live = Overrides.layerStore(myStore, { pollInterval: "250 millis" }).pipe(
 *   Layer.provideMerge(Resilience.layerMemory()),
 *   Layer.provide(Audit.layerMemory)
 * )
 * ```
 * @since 0.1.0
 */
export const layerStore = <E, R>(
  store: Effect.Effect<Store, E, R>,
  options?: { readonly pollInterval?: Duration.Input | undefined }
): Layer.Layer<Overrides, E | StoreError, Resilience | Audit | Exclude<R, Scope.Scope>> =>
  Layer.effect(
    Overrides,
    Effect.flatMap(store, (backend) => make(backend, { watch: stores.poll(options?.pollInterval ?? "250 millis") }))
  )

/**
 * The JSON text a store keeps for an override.
 *
 * @example
 * ```ts
 * yield* sql`INSERT INTO overrides (id, body) VALUES (${override.id}, ${Overrides.encode(override)})`
 * ```
 * @since 0.1.0
 */
export const encode: (override: Override) => string = stores.encode

/**
 * Reads stored JSON back: `undefined`, with a warning, for a value that no
 * longer decodes (a store never fails on one bad row).
 *
 * @example
 * ```ts
 * const override = yield* Overrides.decode(row.body)
 * ```
 * @since 0.1.0
 */
export const decode: (text: string) => Effect.Effect<Override | undefined> = stores.decode

/**
 * Reads every stored text back, leaving out what no longer decodes.
 *
 * @example
 * ```ts
 * const all = yield* Overrides.decodeAll(rows.map((row) => row.body))
 * ```
 * @since 0.1.0
 */
export const decodeAll: (texts: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<Override>> = stores.decodeAll

/**
 * Overrides persisted in Redis and pushed to every instance over pub/sub, with
 * a full resync every `resyncInterval` (default 1 s) for messages missed while
 * a subscriber reconnected. Keys start with `prefix` (default `"wedsync:"`).
 * When Redis does not answer at start the layer still builds, with no
 * overrides, and picks them up once it does: provide the connection through
 * `Resilience.redisWhenAvailable`, as for `Resilience.layerRedis`.
 *
 * @example
 * ```ts
 * import { NodeRedis } from "@effect/platform-node"
 * const redis = Resilience.redisWhenAvailable(NodeRedis.layer({ url: process.env.REDIS_URL }))
 * const live = Overrides.layerRedis().pipe(
 *   Layer.provideMerge(Resilience.layerRedis()),
 *   Layer.provide([redis, Audit.layerSql]),
 *   Layer.provide(PgClient.layer({ url: Redacted.make(process.env.DATABASE_URL!) }))
 * )
 * ```
 * @since 0.1.0
 */
export const layerRedis = (options?: {
  readonly prefix?: string | undefined
  readonly resyncInterval?: Duration.Input | undefined
}): Layer.Layer<Overrides, never, Resilience | Audit | Redis.Redis> =>
  Layer.effect(
    Overrides,
    Effect.flatMap(
      RedisStore.make({
        prefix: options?.prefix ?? "wedsync:",
        resyncInterval: Duration.fromInputUnsafe(options?.resyncInterval ?? "1 second")
      }),
      ({ backend, watch }) => Effect.orDie(make(backend, { watch, tolerateStoreAtStart: true }))
    )
  )
