/**
 * The watchdog's SQL store (SQLite or PostgreSQL through `SqlClient`): the
 * bookings and their steps with deadlines, the timeline, aliases (message
 * id → booking) and the alerts. Everything a check needs is in these
 * tables, so any instance picks up the deadlines of another, or of one that
 * restarted. An alert is claimed by inserting its (booking, step, kind) row:
 * the primary key lets one insert win however many instances check at once.
 *
 * @internal
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { StoreError } from "@wedsync/core"
import { Migrations } from "@wedsync/durable"
import type { Alert, AlertKind, Entry, Match, StepStatus } from "./watchdogModel.ts"

/** A due step, with its booking's wedding. @internal */
export interface DueStep extends StepStatus {
  readonly key: string
  readonly weddingId?: string | undefined
}

/** @internal */
export interface Store {
  /** Declares a booking; false when it was declared already (the first plan stands). */
  readonly declare: (
    key: string,
    weddingId: string | undefined,
    startedAt: number,
    steps: ReadonlyArray<StepStatus>
  ) => Effect.Effect<boolean, StoreError.StoreError>
  readonly weddingOf: (key: string) => Effect.Effect<string | undefined, StoreError.StoreError>
  readonly resolve: (alias: string) => Effect.Effect<string | undefined, StoreError.StoreError>
  readonly link: (alias: string, key: string) => Effect.Effect<void, StoreError.StoreError>
  readonly seen: (key: string, eventId: string) => Effect.Effect<boolean, StoreError.StoreError>
  /** Appends an entry; false when its event was recorded already. */
  readonly record: (entry: Entry) => Effect.Effect<boolean, StoreError.StoreError>
  readonly steps: (key: string) => Effect.Effect<ReadonlyArray<StepStatus>, StoreError.StoreError>
  /** Marks a step arrived (false when it had already), and sets the next step's deadline. */
  readonly arrive: (
    key: string,
    index: number,
    at: number,
    next: { readonly index: number; readonly dueAt: number } | undefined
  ) => Effect.Effect<boolean, StoreError.StoreError>
  /** Pending steps due at `now` with no `Missing` alert yet, earliest first. */
  readonly due: (now: number, limit: number) => Effect.Effect<ReadonlyArray<DueStep>, StoreError.StoreError>
  /** Inserts the alert's row claimed until `until`; false when it exists (someone raised it). */
  readonly claim: (alert: Alert, until: number) => Effect.Effect<boolean, StoreError.StoreError>
  readonly hasAlert: (key: string, index: number, kind: AlertKind) => Effect.Effect<boolean, StoreError.StoreError>
  /** Alerts claimed and not raised whose claim lapsed (a crash, a failed port), claimed again. */
  readonly reclaim: (now: number, until: number) => Effect.Effect<ReadonlyArray<Alert>, StoreError.StoreError>
  readonly raised: (alert: Alert, at: number) => Effect.Effect<void, StoreError.StoreError>
  /** Entries of a key and of the bookings of a wedding whose id it is, in order. */
  readonly timeline: (key: string) => Effect.Effect<ReadonlyArray<Entry>, StoreError.StoreError>
}

const createTables = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE wedsync_watchdog_bookings (
    booking TEXT PRIMARY KEY, wedding_id TEXT, started_at BIGINT NOT NULL)`
  yield* sql`CREATE INDEX wedsync_watchdog_bookings_wedding ON wedsync_watchdog_bookings (wedding_id)`
  yield* sql`CREATE TABLE wedsync_watchdog_steps (
    booking TEXT NOT NULL, step_index INTEGER NOT NULL, step TEXT NOT NULL,
    due_at BIGINT, arrived_at BIGINT, PRIMARY KEY (booking, step_index))`
  yield* sql`CREATE INDEX wedsync_watchdog_steps_due ON wedsync_watchdog_steps (due_at) WHERE arrived_at IS NULL`
  yield* sql`CREATE TABLE wedsync_watchdog_timeline (
    id TEXT PRIMARY KEY, booking TEXT NOT NULL, event_id TEXT, entry TEXT NOT NULL)`
  yield* sql`CREATE INDEX wedsync_watchdog_timeline_booking ON wedsync_watchdog_timeline (booking, id)`
  yield* sql`CREATE UNIQUE INDEX wedsync_watchdog_timeline_event ON wedsync_watchdog_timeline (booking, event_id)`
  yield* sql`CREATE TABLE wedsync_watchdog_links (alias TEXT PRIMARY KEY, booking TEXT NOT NULL)`
  yield* sql`CREATE TABLE wedsync_watchdog_alerts (
    booking TEXT NOT NULL, step_index INTEGER NOT NULL, kind TEXT NOT NULL, alert TEXT NOT NULL,
    claimed_until BIGINT NOT NULL, raised_at BIGINT, PRIMARY KEY (booking, step_index, kind))`
  yield* sql`CREATE INDEX wedsync_watchdog_alerts_pending ON wedsync_watchdog_alerts (claimed_until) WHERE raised_at IS NULL`
})

interface StepRow {
  readonly booking: string
  readonly step_index: number | string
  readonly step: string
  readonly due_at: number | string | null
  readonly arrived_at: number | string | null
  readonly wedding_id?: string | null
}

// PostgreSQL answers BIGINT as a string.
const numberOr = (value: number | string | null | undefined) =>
  value === null || value === undefined ? undefined : Number(value)

const stepOf = (row: StepRow): DueStep => {
  const stored = JSON.parse(row.step) as { name: string; match: Match; withinMillis?: number; from: StepStatus["from"] }
  return {
    key: row.booking,
    index: Number(row.step_index),
    name: stored.name,
    match: stored.match,
    withinMillis: stored.withinMillis,
    from: stored.from,
    dueAt: numberOr(row.due_at),
    arrivedAt: numberOr(row.arrived_at),
    weddingId: row.wedding_id ?? undefined
  }
}

const stepJson = (step: StepStatus) =>
  JSON.stringify({ name: step.name, match: step.match, withinMillis: step.withinMillis, from: step.from })

/** The SQL store; its tables are created first. @internal */
export const sqlStore: Effect.Effect<Store, StoreError.StoreError, SqlClient.SqlClient> = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* Migrations.migrate("watchdog.migrate", "wedsync_watchdog_migrations", { "1_create_watchdog": createTables })
  const failing =
    (operation: string) =>
    <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      Effect.mapError(effect, StoreError.from(`watchdog.${operation}`))
  return {
    declare: (key, weddingId, startedAt, steps) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            const inserted = yield* sql<{ booking: string }>`INSERT INTO wedsync_watchdog_bookings
              (booking, wedding_id, started_at) VALUES (${key}, ${weddingId ?? null}, ${startedAt})
              ON CONFLICT DO NOTHING RETURNING booking`
            if (inserted.length === 0) return false
            for (const step of steps) {
              yield* sql`INSERT INTO wedsync_watchdog_steps (booking, step_index, step, due_at, arrived_at)
                VALUES (${key}, ${step.index}, ${stepJson(step)}, ${step.dueAt ?? null}, NULL)`
            }
            return true
          })
        )
        .pipe(failing("declare")),
    weddingOf: (key) =>
      sql<{ wedding_id: string | null }>`SELECT wedding_id FROM wedsync_watchdog_bookings WHERE booking = ${key}`.pipe(
        Effect.map((rows) => rows[0]?.wedding_id ?? undefined),
        failing("wedding")
      ),
    resolve: (alias) =>
      sql<{ booking: string }>`SELECT booking FROM wedsync_watchdog_links WHERE alias = ${alias}`.pipe(
        Effect.map((rows) => rows[0]?.booking),
        failing("resolve")
      ),
    link: (alias, key) =>
      sql`INSERT INTO wedsync_watchdog_links (alias, booking) VALUES (${alias}, ${key})
        ON CONFLICT (alias) DO UPDATE SET booking = excluded.booking`.pipe(Effect.asVoid, failing("link")),
    seen: (key, eventId) =>
      sql<{
        id: string
      }>`SELECT id FROM wedsync_watchdog_timeline WHERE booking = ${key} AND event_id = ${eventId}`.pipe(
        Effect.map((rows) => rows.length > 0),
        failing("seen")
      ),
    record: (entry) =>
      sql<{ id: string }>`INSERT INTO wedsync_watchdog_timeline (id, booking, event_id, entry)
        VALUES (${entry.id}, ${entry.key}, ${entry.eventId ?? null}, ${JSON.stringify(entry)})
        ON CONFLICT DO NOTHING RETURNING id`.pipe(
        Effect.map((rows) => rows.length > 0),
        failing("record")
      ),
    steps: (key) =>
      sql<StepRow>`SELECT booking, step_index, step, due_at, arrived_at FROM wedsync_watchdog_steps
        WHERE booking = ${key} ORDER BY step_index`.pipe(
        Effect.map((rows) => rows.map(stepOf)),
        failing("steps")
      ),
    arrive: (key, index, at, next) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            const won = yield* sql<{ booking: string }>`UPDATE wedsync_watchdog_steps SET arrived_at = ${at}
              WHERE booking = ${key} AND step_index = ${index} AND arrived_at IS NULL RETURNING booking`
            if (won.length === 0) return false
            if (next !== undefined) {
              yield* sql`UPDATE wedsync_watchdog_steps SET due_at = ${next.dueAt}
                WHERE booking = ${key} AND step_index = ${next.index} AND arrived_at IS NULL AND due_at IS NULL`
            }
            return true
          })
        )
        .pipe(failing("arrive")),
    due: (now, limit) =>
      sql<StepRow>`SELECT s.booking, s.step_index, s.step, s.due_at, s.arrived_at, b.wedding_id
        FROM wedsync_watchdog_steps s JOIN wedsync_watchdog_bookings b ON b.booking = s.booking
        WHERE s.arrived_at IS NULL AND s.due_at IS NOT NULL AND s.due_at <= ${now}
        AND NOT EXISTS (SELECT 1 FROM wedsync_watchdog_alerts a
          WHERE a.booking = s.booking AND a.step_index = s.step_index AND a.kind = 'Missing')
        ORDER BY s.due_at LIMIT ${limit}`.pipe(
        Effect.map((rows) => rows.map(stepOf)),
        failing("due")
      ),
    claim: (alert, until) =>
      sql<{ booking: string }>`INSERT INTO wedsync_watchdog_alerts (booking, step_index, kind, alert, claimed_until)
        VALUES (${alert.key}, ${alert.index}, ${alert.kind}, ${JSON.stringify(alert)}, ${until})
        ON CONFLICT DO NOTHING RETURNING booking`.pipe(
        Effect.map((rows) => rows.length > 0),
        failing("claim")
      ),
    hasAlert: (key, index, kind) =>
      sql<{ kind: string }>`SELECT kind FROM wedsync_watchdog_alerts
        WHERE booking = ${key} AND step_index = ${index} AND kind = ${kind}`.pipe(
        Effect.map((rows) => rows.length > 0),
        failing("alerts")
      ),
    reclaim: (now, until) =>
      sql<{ alert: string }>`UPDATE wedsync_watchdog_alerts SET claimed_until = ${until}
        WHERE raised_at IS NULL AND claimed_until <= ${now} RETURNING alert`.pipe(
        Effect.map((rows) => rows.map((row) => JSON.parse(row.alert) as Alert)),
        failing("reclaim")
      ),
    raised: (alert, at) =>
      sql`UPDATE wedsync_watchdog_alerts SET raised_at = ${at}
        WHERE booking = ${alert.key} AND step_index = ${alert.index} AND kind = ${alert.kind}`.pipe(
        Effect.asVoid,
        failing("raised")
      ),
    timeline: (key) =>
      sql<{ entry: string }>`SELECT entry FROM wedsync_watchdog_timeline WHERE booking = ${key}
        OR booking IN (SELECT booking FROM wedsync_watchdog_bookings WHERE wedding_id = ${key})
        ORDER BY id LIMIT 10000`.pipe(
        Effect.map((rows) => rows.map((row) => JSON.parse(row.entry) as Entry)),
        failing("timeline")
      )
  } satisfies Store
})
