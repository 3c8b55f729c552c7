/**
 * Deliveries the pipeline refused — a missing or bad signature, a body that
 * does not decode, one past the size limit or not UTF-8 — kept for security
 * review and recovery instead of dropped: the headers (secret ones
 * redacted), the raw body up to the size limit (none for a body past it: only
 * its declared length), the reason, the sender's address and the time.
 *
 * Bounded, so a flood of forged requests cannot fill the disk: at most
 * `maxPerProvider` entries per provider (the oldest dropped first, counted in
 * `wedsync_webhook_quarantine_dropped_total`), none older than `retention`.
 * Reading entries and re-injecting them (`Inbound.reinject`) are operator
 * actions, audited with the actor.
 *
 * @example
 * ```ts
 * const held = yield* Quarantine.list({ provider: "stripe", reason: "SignatureInvalid" }, operator)
 * ```
 *
 * @since 0.1.0
 */
import { Context, Duration, Effect, Layer, Metric, Schema } from "effect"
import type { SqlClient } from "effect/sql"
import { Audit, type StoreError } from "@wedsync/core"
import type { Entry, Filter, NewEntry } from "./internal/quarantineModel.ts"
import { memoryStore, type Store, sqlStore } from "./internal/quarantineStore.ts"

export { Entry, type Filter, type NewEntry, Reason } from "./internal/quarantineModel.ts"

/** No entry has this id. @example `error._tag === "QuarantineNotFound"` @since 0.1.0 */
export class QuarantineNotFound extends Schema.TaggedError<QuarantineNotFound>("@wedsync/webhooks/QuarantineNotFound")(
  "QuarantineNotFound",
  { id: Schema.String }
) {}

/** An operator: who acts and why, for the audit trail. @since 0.1.0 */
export interface Operator {
  readonly actor: string
  readonly reason: string
}

/**
 * The quarantine.
 *
 * @example
 * ```ts
 * const entry = yield* Effect.flatMap(Effect.service(Quarantine.Quarantine), (q) => q.get(id, operator))
 * ```
 * @since 0.1.0
 */
export class Quarantine extends Context.Service<
  Quarantine,
  {
    /** Keeps a refused delivery (the pipeline's; not an operator action). */
    readonly add: (entry: NewEntry) => Effect.Effect<void, StoreError.StoreError>
    readonly list: (filter: Filter, operator: Operator) => Effect.Effect<ReadonlyArray<Entry>, StoreError.StoreError>
    readonly get: (id: string, operator: Operator) => Effect.Effect<Entry, QuarantineNotFound | StoreError.StoreError>
    /** Marks an entry re-injected (after `Inbound.reinject` wrote it to the inbox). */
    readonly markReinjected: (id: string) => Effect.Effect<void, StoreError.StoreError>
  }
>()("@wedsync/webhooks/Quarantine") {}

/**
 * Bounds of the quarantine.
 *
 * @example
 * ```ts
 * Quarantine.layerSql({ maxPerProvider: 5_000, retention: "14 days" })
 * ```
 * @since 0.1.0
 */
export interface Options {
  /** Most entries kept per provider (default 10,000); past it the oldest are dropped. */
  readonly maxPerProvider?: number | undefined
  /** How long an entry is kept (default 30 days). */
  readonly retention?: Duration.Input | undefined
}

const quarantinedTotal = Metric.counter("wedsync_webhook_quarantined_total", {
  description: "Webhook deliveries refused and kept in quarantine",
  incremental: true
})
const droppedTotal = Metric.counter("wedsync_webhook_quarantine_dropped_total", {
  description: "Quarantined deliveries dropped to keep a provider under its cap (oldest first)",
  incremental: true
})

const serviceOf = (store: Store, audit: Audit.Audit["Service"], options: Options | undefined) => {
  const cap = Math.max(1, Math.floor(options?.maxPerProvider ?? 10_000))
  const retentionMillis = Duration.toMillis(Duration.fromInputUnsafe(options?.retention ?? "30 days"))
  const audited = (operator: Operator, action: string, target: string) =>
    audit.record({ actor: operator.actor, reason: operator.reason, action: `quarantine.${action}`, target })
  return Quarantine.of({
    add: (entry) =>
      Effect.gen(function* () {
        const dropped = yield* store.add(entry, cap, entry.receivedAt - retentionMillis)
        yield* Metric.update(
          Metric.withAttributes(quarantinedTotal, { provider: entry.provider, reason: entry.reason }),
          1
        )
        if (dropped > 0)
          yield* Metric.update(Metric.withAttributes(droppedTotal, { provider: entry.provider }), dropped)
      }),
    list: (filter, operator) => Effect.andThen(audited(operator, "list", JSON.stringify(filter)), store.list(filter)),
    get: (id, operator) =>
      Effect.andThen(
        audited(operator, "get", id),
        Effect.flatMap(store.get(id), (entry) =>
          entry === undefined ? Effect.fail(new QuarantineNotFound({ id })) : Effect.succeed(entry)
        )
      ),
    markReinjected: store.markReinjected
  })
}

/**
 * The quarantine in a SQL table (SQLite or PostgreSQL through `SqlClient`),
 * created on build; operator actions audited.
 *
 * @example
 * ```ts
 * Quarantine.layerSql().pipe(Layer.provide(Audit.layerSql), Layer.provide(Sqlite.layer({ filename: "wedsync.db" })))
 * ```
 * @since 0.1.0
 */
export const layerSql = (
  options?: Options
): Layer.Layer<Quarantine, StoreError.StoreError, SqlClient.SqlClient | Audit.Audit> =>
  Layer.effect(
    Quarantine,
    Effect.gen(function* () {
      const store = yield* sqlStore
      return serviceOf(store, yield* Effect.service(Audit.Audit), options)
    })
  )

/**
 * The quarantine in this process's memory (tests, the playground).
 *
 * @example
 * ```ts
 * Quarantine.layerMemory().pipe(Layer.provide(Audit.layerMemory))
 * ```
 * @since 0.1.0
 */
export const layerMemory = (options?: Options): Layer.Layer<Quarantine, never, Audit.Audit> =>
  Layer.effect(
    Quarantine,
    Effect.map(Effect.service(Audit.Audit), (audit) => serviceOf(memoryStore(), audit, options))
  )
