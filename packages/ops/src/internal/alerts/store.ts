/**
 * Where open alerts are kept, so an incident raises one alert: in memory for
 * one process, or in a SQL table (SQLite or PostgreSQL) shared by every
 * instance. As the webhooks watchdog does, an alert is claimed by inserting
 * its row: the key is the primary key, so one insert wins however many
 * instances open it at once. A claim lasts a lease; one whose notices were
 * never sent (its instance died) can be claimed again once the lease lapses.
 * Resolving deletes the row and returns it, so one instance sends the
 * resolution, to the sinks that got the alert.
 *
 * @internal
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { StoreError } from "@wedsync/core"
import { Migrations } from "@wedsync/durable"
import type { Alert } from "./model.ts"

/** An open alert and the sinks that received it. @internal */
export interface Entry {
  readonly alert: Alert
  readonly sinks: ReadonlyArray<string>
}

/** @internal */
export interface Store {
  /** True when this caller raises the alert; false when it is open already. */
  readonly claim: (alert: Alert, now: number, leaseMillis: number) => Effect.Effect<boolean, StoreError.StoreError>
  readonly delivered: (key: string, sinks: ReadonlyArray<string>) => Effect.Effect<void, StoreError.StoreError>
  /** Closes the alert and returns it, to one caller only. */
  readonly release: (key: string) => Effect.Effect<Entry | undefined, StoreError.StoreError>
  readonly open: Effect.Effect<ReadonlyArray<Alert>, StoreError.StoreError>
}

/** One process's store. @internal */
export const memoryStore = (): Store => {
  const entries = new Map<string, { alert: Alert; sinks: ReadonlyArray<string> | undefined; until: number }>()
  return {
    claim: (alert, now, leaseMillis) =>
      Effect.sync(() => {
        const existing = entries.get(alert.key)
        if (existing !== undefined && (existing.sinks !== undefined || existing.until > now)) return false
        entries.set(alert.key, { alert, sinks: undefined, until: now + leaseMillis })
        return true
      }),
    delivered: (key, sinks) =>
      Effect.sync(() => {
        const existing = entries.get(key)
        if (existing !== undefined) entries.set(key, { ...existing, sinks })
      }),
    release: (key) =>
      Effect.sync(() => {
        const existing = entries.get(key)
        if (existing === undefined) return undefined
        entries.delete(key)
        return { alert: existing.alert, sinks: existing.sinks ?? [] }
      }),
    open: Effect.sync(() => [...entries.values()].map((entry) => entry.alert))
  }
}

const createTable = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE wedsync_ops_alerts (
    alert_key TEXT PRIMARY KEY, alert TEXT NOT NULL, sinks TEXT,
    claimed_until BIGINT NOT NULL, opened_at BIGINT NOT NULL)`
})

const parseSinks = (sinks: string | null): ReadonlyArray<string> =>
  sinks === null ? [] : (JSON.parse(sinks) as ReadonlyArray<string>)

/** The store in SQL; its table is created first. @internal */
export const sqlStore: Effect.Effect<Store, StoreError.StoreError, SqlClient.SqlClient> = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* Migrations.migrate("alerts.migrate", "wedsync_ops_alerts_migrations", { "1_create_alerts": createTable })
  const failing =
    (operation: string) =>
    <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      Effect.mapError(effect, StoreError.from(`alerts.${operation}`))
  return {
    claim: (alert, now, leaseMillis) =>
      sql<{ alert_key: string }>`INSERT INTO wedsync_ops_alerts (alert_key, alert, claimed_until, opened_at)
        VALUES (${alert.key}, ${JSON.stringify(alert)}, ${now + leaseMillis}, ${alert.openedAt})
        ON CONFLICT (alert_key) DO UPDATE SET alert = excluded.alert, claimed_until = excluded.claimed_until,
          opened_at = excluded.opened_at
        WHERE wedsync_ops_alerts.sinks IS NULL AND wedsync_ops_alerts.claimed_until <= ${now}
        RETURNING alert_key`.pipe(
        Effect.map((rows) => rows.length > 0),
        failing("claim")
      ),
    delivered: (key, sinks) =>
      sql`UPDATE wedsync_ops_alerts SET sinks = ${JSON.stringify(sinks)} WHERE alert_key = ${key}`.pipe(
        Effect.asVoid,
        failing("delivered")
      ),
    release: (key) =>
      sql<{ alert: string; sinks: string | null }>`DELETE FROM wedsync_ops_alerts WHERE alert_key = ${key}
        RETURNING alert, sinks`.pipe(
        Effect.map((rows) => {
          const row = rows[0]
          return row === undefined ? undefined : { alert: JSON.parse(row.alert) as Alert, sinks: parseSinks(row.sinks) }
        }),
        failing("release")
      ),
    open: sql<{ alert: string }>`SELECT alert FROM wedsync_ops_alerts ORDER BY opened_at LIMIT 1000`.pipe(
      Effect.map((rows) => rows.map((row) => JSON.parse(row.alert) as Alert)),
      failing("open")
    )
  } satisfies Store
})
