/**
 * Operator overrides with their SQL store: `@wedsync/core`'s `Overrides` (the
 * service, `layerMemory`, `layerRedis`, `layerStore`) plus `layerSql`,
 * persisted in the SQLite or PostgreSQL database of the provided `SqlClient`.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { Resilience } from "@wedsync/core"
 * import { Audit, Overrides, Sqlite } from "@wedsync/durable"
 *
 * const live = Overrides.layerSql().pipe(
 *   Layer.provideMerge(Resilience.layerMemory()),
 *   Layer.provide(Audit.layerSql),
 *   Layer.provideMerge(Sqlite.layer({ filename: "wedsync.db" }))
 * )
 * ```
 *
 * @since 0.1.0
 */
import { type Audit, Overrides, type Resilience, type StoreError } from "@wedsync/core"
import type { Duration, Layer } from "effect"
import type { SqlClient } from "effect/sql"
import { sqlStore } from "./internal/overridesSql.ts"

export * from "@wedsync/core/Overrides"

/**
 * Overrides persisted in the SQL database of the provided `SqlClient` (SQLite
 * or PostgreSQL; the table is created on start). Other instances on the same
 * database read it every `pollInterval` (default 250 ms; keep it at most
 * 500 ms for the one-second promise). Fails to build when the database cannot
 * be read at start.
 *
 * @example
 * ```ts
 * const live = Overrides.layerSql().pipe(
 *   Layer.provideMerge(Resilience.layerMemory()),
 *   Layer.provide(Audit.layerSql),
 *   Layer.provide(Sqlite.layer({ filename: "wedsync.db" }))
 * )
 * ```
 * @since 0.1.0
 */
export const layerSql = (options?: {
  readonly pollInterval?: Duration.Input | undefined
}): Layer.Layer<
  Overrides.Overrides,
  StoreError.StoreError,
  Resilience.Resilience | Audit.Audit | SqlClient.SqlClient
> => Overrides.layerStore(sqlStore, options)
