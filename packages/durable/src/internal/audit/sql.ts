/**
 * The audit trail in SQL (SQLite or PostgreSQL through `SqlClient`): one
 * append-only table, guarded by triggers that refuse UPDATE and DELETE.
 * `details` is JSON in a TEXT column on both dialects (never queried, only shown).
 *
 * @internal
 */
import { Clock, Effect } from "effect"
import { SqlClient } from "effect/sql"
import { Audit, type StoreError } from "@wedsync/core"
import { migrate } from "../../Migrations.ts"
import { storeError } from "../storeCauses.ts"

const createTable = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const seq = sql.onDialectOrElse({
    pg: () => sql.literal("seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"),
    orElse: () => sql.literal("seq INTEGER PRIMARY KEY AUTOINCREMENT")
  })
  yield* sql`CREATE TABLE wedsync_audit (
    ${seq},
    id TEXT NOT NULL UNIQUE,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    reason TEXT NOT NULL,
    details TEXT
  )`
  yield* sql`CREATE INDEX wedsync_audit_at ON wedsync_audit (at)`
  yield* sql`CREATE INDEX wedsync_audit_actor_at ON wedsync_audit (actor, at)`
  yield* sql`CREATE INDEX wedsync_audit_action_at ON wedsync_audit (action, at)`
  yield* sql`CREATE INDEX wedsync_audit_target_at ON wedsync_audit (target, at)`
  yield* sql.onDialectOrElse({
    pg: () =>
      Effect.andThen(
        sql`CREATE FUNCTION wedsync_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN RAISE EXCEPTION 'wedsync_audit is append-only'; END $$`,
        sql`CREATE TRIGGER wedsync_audit_append_only BEFORE UPDATE OR DELETE ON wedsync_audit
          FOR EACH ROW EXECUTE FUNCTION wedsync_audit_append_only()`
      ),
    orElse: () =>
      Effect.andThen(
        sql`CREATE TRIGGER wedsync_audit_no_update BEFORE UPDATE ON wedsync_audit
          BEGIN SELECT RAISE(ABORT, 'wedsync_audit is append-only'); END`,
        sql`CREATE TRIGGER wedsync_audit_no_delete BEFORE DELETE ON wedsync_audit
          BEGIN SELECT RAISE(ABORT, 'wedsync_audit is append-only'); END`
      )
  })
})

interface Row {
  readonly id: string
  readonly at: number | bigint | string
  readonly actor: string
  readonly action: string
  readonly target: string
  readonly reason: string
  readonly details: string | null
}

/** The SQL audit service; runs its migrations first. @internal */
export const make: Effect.Effect<Audit.Service, StoreError.StoreError, SqlClient.SqlClient> = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* migrate("audit.migrate", "wedsync_audit_migrations", { "1_create_audit": createTable })
  return {
    record: (input) =>
      Effect.gen(function* () {
        const entry = Audit.entryOf(input, yield* Clock.currentTimeMillis)
        yield* sql`INSERT INTO wedsync_audit (id, at, actor, action, target, reason, details) VALUES (
          ${entry.id}, ${entry.at}, ${entry.actor}, ${entry.action}, ${entry.target}, ${entry.reason},
          ${entry.details === undefined ? null : JSON.stringify(entry.details)})`
        return entry
      }).pipe(Effect.mapError(storeError("audit.record"))),
    list: (filter) => {
      const clauses = [
        ...(filter.action === undefined ? [] : [sql`action = ${filter.action}`]),
        ...(filter.target === undefined ? [] : [sql`target = ${filter.target}`]),
        ...(filter.actor === undefined ? [] : [sql`actor = ${filter.actor}`]),
        ...(filter.since === undefined ? [] : [sql`at >= ${filter.since}`]),
        ...(filter.until === undefined ? [] : [sql`at <= ${filter.until}`])
      ]
      return sql<Row>`SELECT id, at, actor, action, target, reason, details FROM wedsync_audit
        WHERE ${sql.and(clauses)} ORDER BY at DESC, seq DESC LIMIT ${Audit.limitOf(filter)}`.pipe(
        Effect.map((rows) =>
          rows.map((row) => {
            const entry = {
              id: row.id,
              at: Number(row.at),
              actor: row.actor,
              action: row.action,
              target: row.target,
              reason: row.reason
            }
            return row.details === null ? entry : { ...entry, details: JSON.parse(row.details) as unknown }
          })
        ),
        Effect.mapError(storeError("audit.list"))
      )
    }
  }
})
