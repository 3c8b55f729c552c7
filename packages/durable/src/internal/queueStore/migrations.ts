/**
 * The queue table of `QueueStore.layerSql`, for SQLite and PostgreSQL.
 *
 * One row per offered element, kept after completion so that an id offered
 * again is still recognised; a completed row's element is cleared (`null`)
 * and a failed row's redacted, so no finished job keeps a raw secret. Times
 * are epoch milliseconds read from the database's clock, so that every
 * instance agrees on them. A claimed row's
 * `visible_at` is its lock's expiry (a visibility timeout): a claimable row is
 * simply a pending row whose `visible_at` has passed, which one partial index
 * answers whether it was never claimed, is due for a retry, or was held by a
 * worker that died.
 *
 * @internal
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { migrate } from "../../Migrations.ts"

/** The dialects the store speaks. @internal */
export type Dialect = "sqlite" | "pg"

const createTable = (tableName: string) =>
  Effect.gen(function* () {
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    const table = sql(tableName)
    yield* sql.onDialectOrElse({
      pg: () => sql`CREATE TABLE IF NOT EXISTS ${table} (
        sequence BIGSERIAL PRIMARY KEY,
        queue_name TEXT NOT NULL,
        id TEXT NOT NULL,
        element TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_failure TEXT NULL,
        visible_at BIGINT NOT NULL,
        acquired_by TEXT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      )`,
      // a plain INTEGER PRIMARY KEY is the rowid: no AUTOINCREMENT bookkeeping per insert
      orElse: () => sql`CREATE TABLE IF NOT EXISTS ${table} (
        sequence INTEGER PRIMARY KEY,
        queue_name TEXT NOT NULL,
        id TEXT NOT NULL,
        element TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_failure TEXT NULL,
        visible_at INTEGER NOT NULL,
        acquired_by TEXT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      )`
    })
    yield* sql`CREATE UNIQUE INDEX IF NOT EXISTS ${sql(`${tableName}_id`)} ON ${table} (queue_name, id)`
    // claims read pending rows in order of visibility; completed and failed rows never enter this index
    yield* sql`CREATE INDEX IF NOT EXISTS ${sql(`${tableName}_take`)} ON ${table} (queue_name, visible_at, sequence)
      WHERE state = 'pending'`
  })

/**
 * Creates the table and its indexes if missing; each table records its own
 * migrations in `<tableName>_migrations`.
 *
 * @internal
 */
export const run = (tableName: string) =>
  migrate("queueStore.migrate", `${tableName}_migrations`, { "1_create_table": createTable(tableName) })
