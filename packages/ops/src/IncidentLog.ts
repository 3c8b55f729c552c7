/**
 * The incident log: what went wrong with integrations and what was done
 * about it — integration errors, breaker transitions, health changes,
 * fallbacks used and operator overrides — persisted on the configured store
 * with a retention, so every instance (and the admin API) reads the same
 * history. Health across instances comes from here ({@link IncidentLog}'s
 * `providers`: each instance's latest circuit per provider) and Redis, not
 * from one process's memory. {@link feed} records them on their own from
 * `Resilience` (integration errors and fallbacks rolled up to at most two
 * incidents a minute per key) and the engine's overrides.
 *
 * Every incident's summary and detail are redacted (`Redaction.redact` of
 * `@wedsync/core`) before they are kept. Ids sort by time, so `list` pages
 * newest first with an id as the `before` cursor. Time is Effect's `Clock`.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { Sqlite } from "@wedsync/durable"
 * import { IncidentLog } from "@wedsync/ops"
 *
 * const log = IncidentLog.layerSql({ retention: "30 days" }).pipe(Layer.provide(Sqlite.layer({ filename: "wedsync.db" })))
 * const recent = Effect.flatMap(Effect.service(IncidentLog.IncidentLog), (incidents) =>
 *   incidents.list({ service: "email", kind: "breaker_transition", limit: 20 })
 * ).pipe(Effect.provide(log))
 * ```
 *
 * @since 0.1.0
 */
import { Clock, Context, Duration, Effect, Layer, Schedule, Stream } from "effect"
import type { SqlClient } from "effect/sql"
import { Correlation, type IntegrationError, Resilience, type StoreError, WeddingContext } from "@wedsync/core"
import {
  incidentOfError,
  incidentOfEvent,
  incidentOfRolled,
  overrideChanges,
  rollupKey
} from "./internal/incidentLog/feed.ts"
import { complete, defaultInstance } from "./internal/incidentLog/model.ts"
import { type Rolled, Rollup } from "./internal/incidentLog/rollup.ts"
import { sqlStore } from "./internal/incidentLog/sql.ts"
import { memoryStore, type Store } from "./internal/incidentLog/store.ts"
import type { Filter, Incident, NewIncident, ProviderView } from "./internal/incidentLog/types.ts"

export type { Filter, Incident, Kind, NewIncident, ProviderView } from "./internal/incidentLog/types.ts"

/**
 * The incident log.
 *
 * @example
 * ```ts
 * const views = yield* Effect.flatMap(Effect.service(IncidentLog.IncidentLog), (log) => log.providers)
 * ```
 * @since 0.1.0
 */
export class IncidentLog extends Context.Service<
  IncidentLog,
  {
    /** Keeps an incident (redacted), stamped with this instance and, unless given, the time now. */
    readonly record: (incident: NewIncident) => Effect.Effect<Incident, StoreError.StoreError>
    /** Incidents matching the filter and within retention, newest first. */
    readonly list: (filter: Filter) => Effect.Effect<ReadonlyArray<Incident>, StoreError.StoreError>
    /** Health across instances, from the log: one view per service, provider and instance. */
    readonly providers: Effect.Effect<ReadonlyArray<ProviderView>, StoreError.StoreError>
    /** Deletes incidents older than `olderThan` (epoch ms); how many. */
    readonly purge: (olderThan: number) => Effect.Effect<number, StoreError.StoreError>
    /** Deletes what is past the layer's retention now; how many (`feed` runs it periodically). */
    readonly purgeExpired: Effect.Effect<number, StoreError.StoreError>
    /** This instance's name, stamped on every incident it records. */
    readonly instance: string
  }
>()("@wedsync/ops/IncidentLog") {}

/**
 * Options of the log's layers.
 *
 * @example
 * ```ts
 * const options: IncidentLog.Options = { retention: "14 days", instance: "api-1" }
 * ```
 * @since 0.1.0
 */
export interface Options {
  /** How long incidents are kept (default 30 days). */
  readonly retention?: Duration.Input | undefined
  /** This instance's name (default hostname and pid). */
  readonly instance?: string | undefined
}

const make = (store: Store, options: Options | undefined): IncidentLog["Service"] => {
  const retentionMillis = Duration.toMillis(Duration.fromInputUnsafe(options?.retention ?? "30 days"))
  const instance = options?.instance ?? defaultInstance()
  const floor = Effect.map(Clock.currentTimeMillis, (now) => now - retentionMillis)
  return IncidentLog.of({
    instance,
    record: (incident) =>
      Effect.gen(function* () {
        const at = incident.at ?? (yield* Clock.currentTimeMillis)
        const kept = complete(incident, at, instance)
        yield* store.insert(kept)
        return kept
      }),
    list: (filter) => Effect.flatMap(floor, (edge) => store.list(filter, edge)),
    providers: Effect.flatMap(Clock.currentTimeMillis, (now) => store.providers(now, now - retentionMillis)),
    purge: store.purge,
    purgeExpired: Effect.flatMap(floor, store.purge)
  })
}

/**
 * The log in a SQL table, `wedsync_incidents` (SQLite or PostgreSQL through
 * `SqlClient`), migrated on build. Instances sharing the database share the log.
 *
 * @example
 * ```ts
 * IncidentLog.layerSql({ instance: "worker-2" }).pipe(Layer.provide(Postgres.layer({ url: Redacted.make(url) })))
 * ```
 * @since 0.1.0
 */
export const layerSql = (options?: Options): Layer.Layer<IncidentLog, StoreError.StoreError, SqlClient.SqlClient> =>
  Layer.effect(
    IncidentLog,
    Effect.map(sqlStore, (store) => make(store, options))
  )

/**
 * The log in this process's memory (tests, one-process deployments).
 *
 * @example
 * ```ts
 * program.pipe(Effect.provide(IncidentLog.layerMemory({ retention: "1 day" })))
 * ```
 * @since 0.1.0
 */
export const layerMemory = (options?: Options): Layer.Layer<IncidentLog> =>
  Layer.effect(
    IncidentLog,
    Effect.sync(() => make(memoryStore(), options))
  )

/**
 * Records an integration error: provider, operation, reason and family from
 * the error; the wedding and correlation id from the context (or the current
 * `WeddingContext` / `Correlation`). Without a `service` it is `"unknown"`:
 * the error itself does not say which service the provider served.
 *
 * @example
 * ```ts
 * send.pipe(Effect.tapError((error) => IncidentLog.recordError(error, { service: "sms", weddingId: "w_1" })))
 * ```
 * @since 0.1.0
 */
export const recordError = (
  error: IntegrationError.IntegrationError,
  context?: { readonly service?: string | undefined; readonly weddingId?: string | undefined }
): Effect.Effect<Incident, StoreError.StoreError, IncidentLog> =>
  Effect.gen(function* () {
    const log = yield* IncidentLog
    const wedding = yield* WeddingContext.CurrentWedding
    const correlationId = yield* Correlation.current
    const weddingId = context?.weddingId ?? wedding?.weddingId
    return yield* log.record(incidentOfError(error, context?.service ?? "unknown", weddingId, correlationId))
  })

/**
 * Records that work moved from one provider (or channel) to another.
 *
 * @example
 * ```ts
 * yield* IncidentLog.recordFallback({ service: "sms", from: "twilio", to: "email", weddingId: "w_1", summary: "SMS reminder sent by email" })
 * ```
 * @since 0.1.0
 */
export const recordFallback = (input: {
  readonly service: string
  readonly from: string
  readonly to: string
  readonly weddingId?: string | undefined
  readonly summary: string
}): Effect.Effect<Incident, StoreError.StoreError, IncidentLog> =>
  Effect.gen(function* () {
    const log = yield* IncidentLog
    return yield* log.record({
      kind: "fallback_used",
      service: input.service,
      provider: input.from,
      summary: input.summary,
      detail: { from: input.from, to: input.to },
      weddingId: input.weddingId,
      correlationId: yield* Correlation.current
    })
  })

const PURGE_EVERY = Duration.hours(1)
/** How often the feed reads the overrides in force and ends the rolled-up minutes that are over. */
const TICK = Duration.seconds(1)
const ROLLUP_MILLIS = 60_000

const logged =
  (what: string) =>
  <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<void> =>
    effect.pipe(
      Effect.asVoid,
      Effect.catchCause((cause) => Effect.logWarning(`incident log: ${what} failed`, cause))
    )

/**
 * A scoped daemon that records on its own what `Resilience` sees, and purges
 * what is past the retention at start and every hour:
 * - every breaker transition and health status change (`Health.changes`);
 * - integration errors (`Resilience.incidents`' failures): at most two a
 *   minute per service, provider and reason — the first at once, then, when
 *   its minute is over, one "N more <reason> from <provider> in the last
 *   minute" (`detail.count` N) if more came;
 * - fallbacks used (`Failover.run` moving on to the next provider), rolled up
 *   the same way per service, from and to;
 * - operator overrides (ForceCircuit, PinProvider, DisableIntegration,
 *   PauseEndpoint) set, cleared or expired, read from the engine's overrides
 *   every second (those in force when the feed starts are not recorded).
 * A failing write is logged, never ends the daemon. Subscribed by the time
 * the layer is built.
 *
 * @example
 * ```ts
 * const ops = IncidentLog.feed.pipe(Layer.provideMerge(IncidentLog.layerSql()), Layer.provideMerge(Resilience.layerMemory()))
 * ```
 * @since 0.1.0
 */
export const feed: Layer.Layer<never, never, IncidentLog | Resilience.Resilience> = Layer.effectDiscard(
  Effect.gen(function* () {
    const log = yield* IncidentLog
    const resilience = yield* Resilience.Resilience
    yield* Stream.runForEach(resilience.healthEvents, (event) =>
      logged("recording a health event")(log.record(incidentOfEvent(event)))
    ).pipe(Effect.forkScoped({ startImmediately: true }))
    const rollup = new Rollup<Resilience.Incident>(ROLLUP_MILLIS)
    const recordRolled = (rolled: ReadonlyArray<Rolled<Resilience.Incident>>) =>
      Effect.forEach(rolled, (one) => logged("recording an incident")(log.record(incidentOfRolled(one))), {
        discard: true
      })
    yield* Stream.runForEach(resilience.incidents, (incident) =>
      Effect.suspend(() => recordRolled(rollup.add(rollupKey(incident), incident, incident.at)))
    ).pipe(Effect.forkScoped({ startImmediately: true }))
    let overrides = resilience.overrides().overrides
    const tick = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      yield* recordRolled(rollup.sweep(now))
      const current = resilience.overrides().overrides
      if (current === overrides) return
      const changes = overrideChanges(overrides, current, now)
      overrides = current
      yield* Effect.forEach(changes, (change) => logged("recording an override")(log.record(change)), {
        discard: true
      })
    })
    yield* tick.pipe(Effect.repeat(Schedule.spaced(TICK)), Effect.forkScoped)
    yield* logged("the retention purge")(log.purgeExpired).pipe(
      Effect.repeat(Schedule.spaced(PURGE_EVERY)),
      Effect.forkScoped
    )
  })
)
