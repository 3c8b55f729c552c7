/**
 * The incident log in a SQL table (SQLite or PostgreSQL through `SqlClient`),
 * migrated with durable's `Migrations`. The filtered columns are columns; the
 * whole incident is kept as JSON beside them. Ids sort by time, so "newest
 * first" and the `before` cursor are orderings on the primary key.
 *
 * @internal
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { StoreError } from "@wedsync/core"
import { Migrations } from "@wedsync/durable"
import type { Incident } from "./types.ts"
import { type Group, HOUR, limitOf, sortViews, viewOf } from "./model.ts"
import type { Store } from "./store.ts"

const TABLE = "wedsync_incidents"

const createTable = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE wedsync_incidents (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    service TEXT NOT NULL,
    provider TEXT NULL,
    instance TEXT NOT NULL,
    wedding_id TEXT NULL,
    incident TEXT NOT NULL
  )`
  yield* sql`CREATE INDEX wedsync_incidents_at ON wedsync_incidents (at)`
  yield* sql`CREATE INDEX wedsync_incidents_provider ON wedsync_incidents (service, provider, kind, id)`
  yield* sql`CREATE INDEX wedsync_incidents_wedding ON wedsync_incidents (wedding_id, id)`
})

interface Row {
  readonly incident: string
}

interface GroupRow {
  readonly service: string
  readonly provider: string
  readonly instance: string
  readonly first_at: number | string
  readonly transition_id: string | null
  readonly error_id: string | null
  readonly failures: number | string | null
}

const incidentOf = (row: Row): Incident => JSON.parse(row.incident) as Incident

/** The SQL store; its table is created first. @internal */
export const sqlStore: Effect.Effect<Store, StoreError.StoreError, SqlClient.SqlClient> = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  // The failures an error incident stands for: the feed rolls repeats up into one row with `detail.count`.
  const failuresOf = sql.onDialectOrElse({
    pg: () => sql.literal(`COALESCE((incident::jsonb #>> '{detail,count}')::bigint, 1)`),
    orElse: () => sql.literal(`COALESCE(CAST(json_extract(incident, '$.detail.count') AS INTEGER), 1)`)
  })
  yield* Migrations.migrate("incidentLog.migrate", `${TABLE}_migrations`, { "1_create_incidents": createTable })
  const byIds = (ids: ReadonlyArray<string>) =>
    ids.length === 0
      ? Effect.succeed(new Map<string, Incident>())
      : Effect.map(
          sql<Row>`SELECT incident FROM wedsync_incidents WHERE ${sql.in("id", ids)}`,
          (rows) => new Map(rows.map(incidentOf).map((incident) => [incident.id, incident]))
        )
  return {
    insert: (incident) =>
      sql`INSERT INTO wedsync_incidents (id, at, kind, service, provider, instance, wedding_id, incident)
        VALUES (${incident.id}, ${incident.at}, ${incident.kind}, ${incident.service}, ${incident.provider ?? null},
          ${incident.instance}, ${incident.weddingId ?? null}, ${JSON.stringify(incident)})`.pipe(
        Effect.asVoid,
        Effect.mapError(StoreError.from("incidentLog.record"))
      ),
    list: (filter, floor) =>
      sql<Row>`SELECT incident FROM wedsync_incidents WHERE ${sql.and([
        sql`at >= ${Math.max(floor, filter.since ?? floor)}`,
        filter.kind === undefined ? sql`1 = 1` : sql`kind = ${filter.kind}`,
        filter.service === undefined ? sql`1 = 1` : sql`service = ${filter.service}`,
        filter.provider === undefined ? sql`1 = 1` : sql`provider = ${filter.provider}`,
        filter.weddingId === undefined ? sql`1 = 1` : sql`wedding_id = ${filter.weddingId}`,
        filter.until === undefined ? sql`1 = 1` : sql`at <= ${filter.until}`,
        filter.before === undefined ? sql`1 = 1` : sql`id < ${filter.before}`
      ])} ORDER BY id DESC LIMIT ${limitOf(filter)}`.pipe(
        Effect.map((rows) => rows.map(incidentOf)),
        Effect.mapError(StoreError.from("incidentLog.list"))
      ),
    providers: (now, floor) =>
      Effect.gen(function* () {
        const groups = yield* sql<GroupRow>`SELECT service, provider, instance, MIN(at) AS first_at,
            MAX(CASE WHEN kind = 'breaker_transition' THEN id END) AS transition_id,
            MAX(CASE WHEN kind = 'integration_error' THEN id END) AS error_id,
            SUM(CASE WHEN kind = 'integration_error' AND at >= ${now - HOUR} THEN ${failuresOf} ELSE 0 END) AS failures
          FROM wedsync_incidents
          WHERE provider IS NOT NULL AND kind IN ('breaker_transition', 'integration_error') AND at >= ${floor}
          GROUP BY service, provider, instance`
        const ids = groups.flatMap((group) => [group.transition_id, group.error_id]).filter((id) => id !== null)
        const incidents = yield* byIds(ids)
        const found = (id: string | null) => (id === null ? undefined : incidents.get(id))
        return sortViews(
          groups.map((row) =>
            viewOf({
              service: row.service,
              provider: row.provider,
              instance: row.instance,
              firstAt: Number(row.first_at),
              transition: found(row.transition_id),
              error: found(row.error_id),
              failuresLastHour: Number(row.failures ?? 0)
            } satisfies Group)
          )
        )
      }).pipe(Effect.mapError(StoreError.from("incidentLog.providers"))),
    purge: (olderThan) =>
      sql<{ id: string }>`DELETE FROM wedsync_incidents WHERE at < ${olderThan} RETURNING id`.pipe(
        Effect.map((rows) => rows.length),
        Effect.mapError(StoreError.from("incidentLog.purge"))
      )
  } satisfies Store
})
