/**
 * The SQL store of operator overrides (SQLite or PostgreSQL through
 * `SqlClient`): one row per target (a new override replaces the old one), the
 * override kept as JSON in the codec of `@wedsync/core`'s `Overrides`, so its
 * schema may grow without migrations.
 *
 * @internal
 */
import { Overrides, type StoreError } from "@wedsync/core"
import { storeError } from "./storeCauses.ts"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { migrate } from "../Migrations.ts"

const { decode, decodeAll, encode } = Overrides

const createTable = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE wedsync_overrides (
    target TEXT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT
  )`
})

/** Overrides in a SQL table (SQLite or PostgreSQL); its migration runs first. @internal */
export const sqlStore: Effect.Effect<Overrides.Store, StoreError.StoreError, SqlClient.SqlClient> = Effect.gen(
  function* () {
    const sql = yield* SqlClient.SqlClient
    yield* migrate("overrides.migrate", "wedsync_overrides_migrations", { "1_create_overrides": createTable })
    const bodies = (rows: ReadonlyArray<{ readonly body: string }>) => decodeAll(rows.map((row) => row.body))
    return {
      load: sql<{ body: string }>`SELECT body FROM wedsync_overrides`.pipe(
        Effect.mapError(storeError("overrides.load")),
        Effect.flatMap(bodies)
      ),
      put: (override, target, now) =>
        sql
          .withTransaction(
            Effect.gen(function* () {
              const previous = yield* sql<{ body: string }>`SELECT body FROM wedsync_overrides WHERE target = ${target}`
              yield* sql`DELETE FROM wedsync_overrides WHERE expires_at IS NOT NULL AND expires_at <= ${now}`
              yield* sql`INSERT INTO wedsync_overrides (target, id, body, created_at, expires_at)
              VALUES (${target}, ${override.id}, ${encode(override)}, ${override.createdAt}, ${override.expiresAt ?? null})
              ON CONFLICT (target) DO UPDATE SET id = excluded.id, body = excluded.body,
                created_at = excluded.created_at, expires_at = excluded.expires_at`
              return previous
            })
          )
          .pipe(
            Effect.mapError(storeError("overrides.set")),
            Effect.flatMap((previous) => (previous[0] === undefined ? Effect.undefined : decode(previous[0].body)))
          ),
      remove: (id) =>
        sql<{ body: string }>`DELETE FROM wedsync_overrides WHERE id = ${id} RETURNING body`.pipe(
          Effect.mapError(storeError("overrides.clear")),
          Effect.flatMap((rows) => (rows[0] === undefined ? Effect.undefined : decode(rows[0].body)))
        )
    } satisfies Overrides.Store
  }
)
