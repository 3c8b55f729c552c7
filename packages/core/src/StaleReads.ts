/**
 * Reads served stale: when a provider is down, answer its last good value
 * with its age instead of an error (SPEC-WS-198's cache fallback, "stale but
 * acceptable").
 *
 * Every read goes to the provider first. A success is stored with its time
 * and answered `Fresh`. A failure that means the provider is down — the
 * transient family (`Unavailable`, `TimedOut`, `RateLimited`, `CircuitOpen`,
 * `BulkheadFull`) or an operator's `Disabled` — is answered with the last good
 * value as `Stale` (with `ageMillis` and `storedAt`) when it is no older than
 * the policy's `maxStalenessMillis` (1 hour for `calendar` and `vendor_api`;
 * overridable per call); otherwise, and always for `Rejected`,
 * `InvalidRequest`, `Unauthorized` and `Misconfigured`, the original error
 * stands. The cache never changes an outcome for the worse: a store that
 * fails, or an entry that is corrupt or no longer decodes, is logged and
 * treated as a miss.
 *
 * Values are kept in the caller schema's JSON form on Effect's
 * `BackingPersistence`, so core stays free of drivers: `layerMemory` here,
 * SQLite/PostgreSQL (`layerBackingSql`) and Redis (`layerBackingRedis`)
 * through `@wedsync/durable`'s `StaleReads.layerSql` / `layerRedis`. Keys are
 * stored as `service:provider:sha256(key)`: a token in a key never reaches the
 * store. (Effect's `PersistedCache` answers from the cache *before* calling;
 * this is an outage fallback — see docs/ARCHITECTURE.md, "Reads served stale".)
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { StaleReads } from "@wedsync/core"
 *
 * const Slots = Schema.Array(Schema.String)
 * const answer = StaleReads.read(fetchSlots, { service: "vendor_api", provider: "venuebook", key: "slots:venue_12", schema: Slots })
 * // { _tag: "Fresh", value } or, while venuebook is down, { _tag: "Stale", value, ageMillis, storedAt }
 * const program = answer.pipe(Effect.provide(StaleReads.layerMemory()))
 * ```
 *
 * @since 0.1.0
 */
import { Context, Duration, Effect, Layer } from "effect"
import { Persistence } from "effect/persistence"
import type * as IntegrationError from "./IntegrationError.ts"
import * as Internal from "./internal/staleReads.ts"

export type { Answer, Fresh, ReadOptions, Stale } from "./internal/staleReads.ts"
export { servesStale, storageKey } from "./internal/staleReads.ts"

/**
 * The store id every layer uses unless told otherwise: the SQL store's
 * `store_id`, the Redis store's key prefix.
 *
 * @since 0.1.0
 */
export const defaultStoreId = "wedsync_stale_reads"

/**
 * The service: `read` runs a provider read with the stale fallback.
 *
 * @example
 * ```ts
 * const staleReads = yield* StaleReads.StaleReads
 * const answer = yield* staleReads.read(fetchSlots, { service: "calendar", provider: "google", key: "busy:ana", schema: Busy })
 * ```
 * @since 0.1.0
 */
export class StaleReads extends Context.Service<
  StaleReads,
  {
    readonly read: <A, R>(
      read: Effect.Effect<A, IntegrationError.IntegrationError, R>,
      options: Internal.ReadOptions<A>
    ) => Effect.Effect<Internal.Answer<A>, IntegrationError.IntegrationError, R>
  }
>()("@wedsync/core/StaleReads") {}

/**
 * Runs `read` through the {@link StaleReads} service in context.
 *
 * @example
 * ```ts
 * const answer = yield* StaleReads.read(fetchSlots, { service: "vendor_api", provider: "venuebook", key: "slots", schema: Slots })
 * if (answer._tag === "Stale") yield* Effect.log(`serving slots ${answer.ageMillis} ms old`)
 * ```
 * @since 0.1.0
 */
export const read = <A, R>(
  effect: Effect.Effect<A, IntegrationError.IntegrationError, R>,
  options: Internal.ReadOptions<A>
): Effect.Effect<Internal.Answer<A>, IntegrationError.IntegrationError, R | StaleReads> =>
  Effect.flatMap(Effect.service(StaleReads), (service) => service.read(effect, options))

/**
 * Options of {@link layer}.
 *
 * @example
 * ```ts
 * const options: StaleReads.Options = { storeId: "venue_cache", retain: "7 days" }
 * ```
 * @since 0.1.0
 */
export interface Options {
  /** The backing store's id (default {@link defaultStoreId}); no dots (SQL stores use it in a row, Redis in a prefix). */
  readonly storeId?: string | undefined
  /**
   * How long an entry is kept after its last fresh write (default 24 hours):
   * the store's own expiry, so keys no longer read do not pile up. Keep it at
   * least as long as the longest staleness any caller asks for.
   */
  readonly retain?: Duration.Input | undefined
}

/**
 * {@link StaleReads} on any `BackingPersistence` (Effect's memory, SQL or
 * Redis store, or your own).
 *
 * @example
 * ```ts
 * import { Persistence } from "effect/persistence"
 *
 * const staleReads = StaleReads.layer().pipe(Layer.provide(Persistence.layerBackingMemory))
 * ```
 * @since 0.1.0
 */
export const layer = (options: Options = {}): Layer.Layer<StaleReads, never, Persistence.BackingPersistence> =>
  Layer.effect(
    StaleReads,
    Effect.gen(function* () {
      const backing = yield* Persistence.BackingPersistence
      const store = yield* backing.make(options.storeId ?? defaultStoreId)
      const retain = Duration.fromInputUnsafe(options.retain ?? "24 hours")
      const ttl = Duration.isFinite(retain) ? retain : undefined
      return StaleReads.of({ read: (effect, readOptions) => Internal.readThrough(store, ttl, effect, readOptions) })
    })
  )

/**
 * {@link StaleReads} in this process's memory: one instance, gone on restart.
 *
 * @example
 * ```ts
 * program.pipe(Effect.provide(StaleReads.layerMemory()))
 * ```
 * @since 0.1.0
 */
export const layerMemory = (options: Options = {}): Layer.Layer<StaleReads> =>
  layer(options).pipe(Layer.provide(Persistence.layerBackingMemory))
