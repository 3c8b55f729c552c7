/**
 * SQL migrations per module: each store (queue, dead letters, audit,
 * overrides, deliveries) runs its own with effect's `Migrator`, recorded in a
 * migrations table of its own, so modules evolve independently and a
 * failure is a `StoreError` that keeps the driver's cause.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { SqlClient } from "effect/sql"
 * import { Migrations } from "@wedsync/durable"
 *
 * const ready = Migrations.migrate("deliveries.migrate", "wedsync_deliveries_migrations", {
 *   "1_create_deliveries": Effect.flatMap(SqlClient.SqlClient, (sql) => sql`CREATE TABLE deliveries (id TEXT PRIMARY KEY)`)
 * })
 * ```
 *
 * @since 0.1.0
 */
import type { StoreError } from "@wedsync/core"
import { Effect } from "effect"
import { Migrator, type SqlClient } from "effect/sql"
import { storeError } from "./internal/storeCauses.ts"

const run = Migrator.make({})

/**
 * Applies the pending migrations of `migrations` (keyed `<id>_<name>`), recorded in `table`.
 *
 * @example
 * ```ts
 * yield* Migrations.migrate("audit.migrate", "wedsync_audit_migrations", { "1_create_audit": createTable })
 * ```
 * @since 0.1.0
 */
export const migrate = (
  operation: string,
  table: string,
  migrations: Record<string, Effect.Effect<void, unknown, SqlClient.SqlClient>>
): Effect.Effect<void, StoreError.StoreError, SqlClient.SqlClient> =>
  run({ loader: Migrator.fromRecord(migrations), table }).pipe(Effect.asVoid, Effect.mapError(storeError(operation)))
