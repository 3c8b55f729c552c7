/**
 * Dead letters in SQL (SQLite or PostgreSQL through `SqlClient`). One table;
 * the lists (`providers_tried`, `errors`), `payload` and `wedding` are JSON in
 * TEXT columns on both dialects: they are only shown, never queried, and the
 * one nested field filters use (`wedding.weddingId`) has its own column.
 * Filtering, ordering and keyset paging run in the database, on indexes that
 * lead with each filter column and end with (dead_at, id). On PostgreSQL `id`
 * uses the "C" collation so ids order by code point, as on SQLite and in memory.
 *
 * @internal
 */
import { Effect, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type * as StoreError from "@wedsync/core/StoreError"
import { storeError } from "../storeCauses.ts"
import { migrate } from "../../Migrations.ts"
import { DeadLetter, type Filter } from "./model.ts"
import { normalize, type Store } from "./store.ts"

const table = "wedsync_dead_letters"

const createTable = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const idType = sql.onDialectOrElse({ pg: () => sql.literal(`TEXT COLLATE "C"`), orElse: () => sql.literal("TEXT") })
  yield* sql`CREATE TABLE wedsync_dead_letters (
    id ${idType} NOT NULL PRIMARY KEY,
    service TEXT NOT NULL,
    operation TEXT NOT NULL,
    provider TEXT,
    providers_tried TEXT NOT NULL,
    reason TEXT NOT NULL,
    errors TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    payload TEXT NOT NULL,
    wedding TEXT,
    wedding_id TEXT,
    correlation_id TEXT NOT NULL,
    first_failure_at BIGINT NOT NULL,
    last_failure_at BIGINT NOT NULL,
    dead_at BIGINT NOT NULL,
    relevant_until BIGINT,
    status TEXT NOT NULL,
    replays INTEGER NOT NULL
  )`
  yield* sql`CREATE INDEX wedsync_dead_letters_dead_at ON wedsync_dead_letters (dead_at, id)`
  for (const column of ["service", "provider", "reason", "wedding_id", "status"]) {
    yield* sql`CREATE INDEX ${sql(`wedsync_dead_letters_${column}`)} ON wedsync_dead_letters (${sql(column)}, dead_at, id)`
  }
})

interface Row {
  readonly id: string
  readonly service: string
  readonly operation: string
  readonly provider: string | null
  readonly providers_tried: string
  readonly reason: string
  readonly errors: string
  readonly attempts: number | bigint
  readonly payload: string
  readonly wedding: string | null
  readonly correlation_id: string
  readonly first_failure_at: number | bigint | string
  readonly last_failure_at: number | bigint | string
  readonly dead_at: number | bigint | string
  readonly relevant_until: number | bigint | string | null
  readonly status: string
  readonly replays: number | bigint
}

const toRow = (letter: DeadLetter) => ({
  id: letter.id,
  service: letter.service,
  operation: letter.operation,
  provider: letter.provider ?? null,
  providers_tried: JSON.stringify(letter.providersTried),
  reason: letter.reason,
  errors: JSON.stringify(letter.errors),
  attempts: letter.attempts,
  payload: JSON.stringify(letter.payload),
  wedding: letter.wedding === undefined ? null : JSON.stringify(letter.wedding),
  wedding_id: letter.wedding?.weddingId ?? null,
  correlation_id: letter.correlationId,
  first_failure_at: letter.firstFailureAt,
  last_failure_at: letter.lastFailureAt,
  dead_at: letter.deadAt,
  relevant_until: letter.relevantUntil ?? null,
  status: letter.status,
  replays: letter.replays
})

const decodeLetter = Schema.decodeUnknownEffect(DeadLetter)

const fromRow = (row: Row) =>
  Effect.try({
    try: () => ({
      id: row.id,
      service: row.service,
      operation: row.operation,
      ...(row.provider === null ? {} : { provider: row.provider }),
      providersTried: JSON.parse(row.providers_tried),
      reason: row.reason,
      errors: JSON.parse(row.errors),
      attempts: Number(row.attempts),
      payload: JSON.parse(row.payload),
      ...(row.wedding === null ? {} : { wedding: JSON.parse(row.wedding) }),
      correlationId: row.correlation_id,
      firstFailureAt: Number(row.first_failure_at),
      lastFailureAt: Number(row.last_failure_at),
      deadAt: Number(row.dead_at),
      ...(row.relevant_until === null ? {} : { relevantUntil: Number(row.relevant_until) }),
      status: row.status,
      replays: Number(row.replays)
    }),
    catch: (error) => error
  }).pipe(Effect.flatMap(decodeLetter))

/** The SQL store; runs its migrations first. @internal */
export const make: Effect.Effect<Store, StoreError.StoreError, SqlClient.SqlClient> = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* migrate("deadLetters.migrate", "wedsync_dead_letters_migrations", { "1_create_dead_letters": createTable })

  const where = (filter: Filter) => [
    ...(filter.service === undefined ? [] : [sql`service = ${filter.service}`]),
    ...(filter.provider === undefined ? [] : [sql`provider = ${filter.provider}`]),
    ...(filter.reason === undefined ? [] : [sql`reason = ${filter.reason}`]),
    ...(filter.weddingId === undefined ? [] : [sql`wedding_id = ${filter.weddingId}`]),
    ...(filter.from === undefined ? [] : [sql`dead_at >= ${filter.from}`]),
    ...(filter.to === undefined ? [] : [sql`dead_at <= ${filter.to}`]),
    ...(filter.status === undefined ? [] : [sql`status = ${filter.status}`])
  ]

  const letters = (operation: string) => (rows: ReadonlyArray<Row>) =>
    Effect.forEach(rows, fromRow).pipe(Effect.mapError(storeError(operation)))

  // Keeps the larger replay count and the earlier first failure when the outbox dead-letters the same job again.
  const put = (letter: DeadLetter) =>
    sql`INSERT INTO ${sql(table)} ${sql.insert(toRow(normalize(letter)))}
      ON CONFLICT (id) DO UPDATE SET
        service = excluded.service, operation = excluded.operation, provider = excluded.provider,
        providers_tried = excluded.providers_tried, reason = excluded.reason, errors = excluded.errors,
        attempts = excluded.attempts, payload = excluded.payload, wedding = excluded.wedding,
        wedding_id = excluded.wedding_id, correlation_id = excluded.correlation_id,
        first_failure_at = CASE WHEN excluded.first_failure_at < ${sql(table)}.first_failure_at
          THEN excluded.first_failure_at ELSE ${sql(table)}.first_failure_at END,
        last_failure_at = excluded.last_failure_at, dead_at = excluded.dead_at,
        relevant_until = excluded.relevant_until, status = excluded.status,
        replays = CASE WHEN excluded.replays > ${sql(table)}.replays
          THEN excluded.replays ELSE ${sql(table)}.replays END`.pipe(
      Effect.asVoid,
      Effect.mapError(storeError("deadLetters.add"))
    )

  const store: Store = {
    put,
    find: (id) =>
      sql<Row>`SELECT * FROM ${sql(table)} WHERE id = ${id}`.pipe(
        Effect.mapError(storeError("deadLetters.get")),
        Effect.flatMap(letters("deadLetters.get")),
        Effect.map((found) => found[0])
      ),
    page: (filter, after, limit) =>
      sql<Row>`SELECT * FROM ${sql(table)}
        WHERE ${sql.and([...where(filter), ...(after === undefined ? [] : [sql`(dead_at, id) < (${after.deadAt}, ${after.id})`])])}
        ORDER BY dead_at DESC, id DESC LIMIT ${limit}`.pipe(
        Effect.mapError(storeError("deadLetters.list")),
        Effect.flatMap(letters("deadLetters.list"))
      ),
    replayable: (filter, limit) =>
      sql<Row>`SELECT * FROM ${sql(table)} WHERE ${sql.and([...where(filter), sql`status = ${"dead"}`])}
        ORDER BY dead_at ASC, id ASC LIMIT ${limit}`.pipe(
        Effect.mapError(storeError("deadLetters.replayWhere")),
        Effect.flatMap(letters("deadLetters.replayWhere"))
      ),
    transition: (id, to) =>
      sql`UPDATE ${sql(table)} SET status = ${to}, replays = replays + ${to === "replayed" ? 1 : 0}
        WHERE id = ${id} AND status = ${"dead"} RETURNING id`.pipe(
        Effect.map((rows) => rows.length > 0),
        Effect.mapError(storeError("deadLetters.replay"))
      ),
    revert: (id) =>
      sql`UPDATE ${sql(table)} SET status = ${"dead"}, replays = replays - 1
        WHERE id = ${id} AND status = ${"replayed"}`.pipe(
        Effect.asVoid,
        Effect.mapError(storeError("deadLetters.replay"))
      ),
    remove: (filter) =>
      sql`DELETE FROM ${sql(table)} WHERE ${sql.and(where(filter))} RETURNING id`.pipe(
        Effect.map((rows) => rows.length),
        Effect.mapError(storeError("deadLetters.purge"))
      ),
    removeBefore: (cutoff) =>
      sql`DELETE FROM ${sql(table)} WHERE dead_at < ${cutoff} RETURNING id`.pipe(
        Effect.map((rows) => rows.length),
        Effect.mapError(storeError("deadLetters.purgeOlderThan"))
      )
  }
  return store
})
