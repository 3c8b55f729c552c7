/**
 * Runs one module's SQL migrations with effect's `Migrator`, each module with
 * its own migrations table, failing with a `StoreError` that keeps the cause.
 *
 * @internal
 */
import { Effect } from "effect"
import { Migrator, type SqlClient } from "effect/sql"
import { StoreError } from "../StoreError.ts"

const run = Migrator.make({})

/** Applies the pending migrations of `migrations` (keyed `<id>_<name>`), recorded in `table`. @internal */
export const migrate = (
  operation: string,
  table: string,
  migrations: Record<string, Effect.Effect<void, unknown, SqlClient.SqlClient>>
): Effect.Effect<void, StoreError, SqlClient.SqlClient> =>
  run({ loader: Migrator.fromRecord(migrations), table }).pipe(
    Effect.asVoid,
    Effect.mapError((error) => {
      const cause = "cause" in error && error.cause instanceof Error ? `: ${error.cause.message}` : ""
      return new StoreError({ operation, cause: `${error.message}${cause}` })
    })
  )
