/**
 * The wedding directory on SQL: the `wedsync_weddings` table (migrated with
 * durable's `Migrations`), or a deployment's own table or view of the same
 * columns (not migrated).
 *
 * @internal
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { StoreError } from "@wedsync/core"
import { Migrations } from "@wedsync/durable"
import type { Service } from "./types.ts"
import { addDays, listText, type Row, weddingOf } from "./model.ts"

/** The table this module owns and migrates. @internal */
export const DEFAULT_TABLE = "wedsync_weddings"

const createTable = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE wedsync_weddings (
    wedding_id TEXT PRIMARY KEY,
    wedding_date TEXT NOT NULL,
    couple TEXT NULL,
    services TEXT NOT NULL,
    workflows TEXT NULL
  )`
  yield* sql`CREATE INDEX wedsync_weddings_date ON wedsync_weddings (wedding_date)`
})

/** The directory over `table`; the default table is created first. @internal */
export const sqlDirectory = (table: string): Effect.Effect<Service, StoreError.StoreError, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    if (table === DEFAULT_TABLE) {
      yield* Migrations.migrate("weddingDirectory.migrate", `${DEFAULT_TABLE}_migrations`, {
        "1_create_weddings": createTable
      })
    }
    const name = sql(table)
    return {
      upcoming: (query) =>
        sql<Row>`SELECT wedding_id, wedding_date, couple, services, workflows FROM ${name} WHERE ${sql.and([
          sql`wedding_date >= ${query.from}`,
          sql`wedding_date < ${addDays(query.from, query.days)}`,
          query.service === undefined ? sql`1 = 1` : sql`services LIKE ${`%,${query.service},%`}`
        ])} ORDER BY wedding_date, wedding_id`.pipe(
          Effect.map((rows) => rows.map(weddingOf)),
          Effect.mapError(StoreError.from("weddingDirectory.upcoming"))
        ),
      upsert: (wedding) => {
        const workflows = wedding.workflows === undefined ? null : listText(wedding.workflows)
        return sql`INSERT INTO ${name} (wedding_id, wedding_date, couple, services, workflows)
          VALUES (${wedding.weddingId}, ${wedding.weddingDate}, ${wedding.couple ?? null}, ${listText(wedding.services)}, ${workflows})
          ON CONFLICT (wedding_id) DO UPDATE SET wedding_date = excluded.wedding_date, couple = excluded.couple,
            services = excluded.services, workflows = excluded.workflows`.pipe(
          Effect.asVoid,
          Effect.mapError(StoreError.from("weddingDirectory.upsert"))
        )
      }
    }
  })
