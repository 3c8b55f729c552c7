/**
 * Reads served stale, kept where several instances share them: core's
 * `StaleReads` (the fallback, its memory store, and the service) plus its
 * SQL store (SQLite or PostgreSQL, Effect's `Persistence.layerBackingSql`:
 * one `effect_persistence` table, rows keyed by store id and key) and its
 * Redis store (`Persistence.layerBackingRedis`: one string per key under
 * `<storeId>:`). Values are JSON in the caller schema's encoded form; keys are
 * `service:provider:sha256(key)`, so no secret of a caller's key is stored.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { Postgres, RedisConnection, Sqlite, StaleReads } from "@wedsync/durable"
 *
 * const onSqlite = StaleReads.layerSql().pipe(Layer.provide(Sqlite.layer({ filename: "./wedsync.db" })))
 * const onPostgres = StaleReads.layerSql().pipe(Layer.provide(Postgres.layer({ url: process.env.DATABASE_URL })))
 * const onRedis = StaleReads.layerRedis().pipe(Layer.provide(RedisConnection.layer({ url: process.env.REDIS_URL })))
 * ```
 *
 * @since 0.1.0
 */
import { StaleReads } from "@wedsync/core"
import { Layer } from "effect"
import { Persistence, type Redis } from "effect/persistence"
import type { SqlClient } from "effect/sql"

export * from "@wedsync/core/StaleReads"

/**
 * {@link StaleReads.StaleReads} on SQL: SQLite (`Sqlite.layer`) or
 * PostgreSQL (`Postgres.layer`). Creates Effect's `effect_persistence` table
 * when missing; expired rows (past `retain`) are swept every 5 minutes.
 *
 * @example
 * ```ts
 * const staleReads = StaleReads.layerSql({ retain: "7 days" }).pipe(Layer.provide(Sqlite.layer({ filename: "./wedsync.db" })))
 * ```
 * @since 0.1.0
 */
export const layerSql = (
  options?: StaleReads.Options
): Layer.Layer<StaleReads.StaleReads, never, SqlClient.SqlClient> =>
  StaleReads.layer(options).pipe(Layer.provide(Persistence.layerBackingSql))

/**
 * {@link StaleReads.StaleReads} on Redis, shared by every instance on it; an
 * entry expires `retain` after its last fresh write (Redis' own expiry).
 *
 * @example
 * ```ts
 * const staleReads = StaleReads.layerRedis().pipe(Layer.provide(RedisConnection.layer({ url: "redis://127.0.0.1:6379" })))
 * ```
 * @since 0.1.0
 */
export const layerRedis = (options?: StaleReads.Options): Layer.Layer<StaleReads.StaleReads, never, Redis.Redis> =>
  StaleReads.layer(options).pipe(Layer.provide(Persistence.layerBackingRedis))
