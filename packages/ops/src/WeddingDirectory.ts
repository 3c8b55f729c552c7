/**
 * Which weddings are coming up and which integrations each depends on: the
 * port `Impact` reads to tell who a failing provider affects.
 *
 * The SQL default keeps a `wedsync_weddings` table of its own (migrated on
 * build): `wedding_id` TEXT, `wedding_date` TEXT `YYYY-MM-DD`, `couple` TEXT
 * NULL, `services` TEXT and `workflows` TEXT NULL, the lists comma-separated
 * and wrapped in commas (`,sms,email,`). A WedSync deployment that already
 * keeps bookings points `layerSql({ table })` at a view of its own with those
 * five columns instead (not migrated; read-only, so `upsert` fails there):
 *
 * ```sql
 * CREATE VIEW ops_weddings AS
 *   SELECT b.id AS wedding_id, to_char(b.event_date, 'YYYY-MM-DD') AS wedding_date,
 *          b.couple_name AS couple, ',' || string_agg(s.service_type, ',') || ',' AS services,
 *          NULL AS workflows
 *   FROM bookings b JOIN booking_services s ON s.booking_id = b.id GROUP BY b.id
 * ```
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { WeddingDirectory } from "@wedsync/ops"
 *
 * const soon = Effect.flatMap(Effect.service(WeddingDirectory.WeddingDirectory), (directory) =>
 *   directory.upcoming({ from: "2026-06-01", days: 14, service: "sms" })
 * )
 * ```
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer } from "effect"
import type { SqlClient } from "effect/sql"
import type { StoreError } from "@wedsync/core"
import type { Service, Wedding } from "./internal/weddingDirectory/types.ts"
import { byDate, inWindow, normalized } from "./internal/weddingDirectory/model.ts"
import { DEFAULT_TABLE, sqlDirectory } from "./internal/weddingDirectory/sql.ts"

export type { Service, Wedding } from "./internal/weddingDirectory/types.ts"

/**
 * The directory port: weddings in the `days` days from `from` (that day
 * included), in date order, optionally only those depending on `service`.
 *
 * @example
 * ```ts
 * const weddings = yield* Effect.flatMap(Effect.service(WeddingDirectory.WeddingDirectory), (d) => d.upcoming({ from: "2026-06-01", days: 7 }))
 * ```
 * @since 0.1.0
 */
export class WeddingDirectory extends Context.Service<WeddingDirectory, Service>()("@wedsync/ops/WeddingDirectory") {}

/**
 * The SQL default on the provided `SqlClient` (SQLite or PostgreSQL): the
 * `wedsync_weddings` table, migrated on build, or `table` — a deployment's
 * own table or view with the same columns, not migrated.
 *
 * @example
 * ```ts
 * WeddingDirectory.layerSql({ table: "ops_weddings" }).pipe(Layer.provide(Postgres.layer({ url })))
 * ```
 * @since 0.1.0
 */
export const layerSql = (options?: {
  readonly table?: string | undefined
}): Layer.Layer<WeddingDirectory, StoreError.StoreError, SqlClient.SqlClient> =>
  Layer.effect(WeddingDirectory, Effect.map(sqlDirectory(options?.table ?? DEFAULT_TABLE), WeddingDirectory.of))

/**
 * The directory in memory, seeded with `weddings` (tests, demos).
 *
 * @example
 * ```ts
 * WeddingDirectory.layerMemory([{ weddingId: "w_1", weddingDate: "2026-06-01", services: ["sms"] }])
 * ```
 * @since 0.1.0
 */
export const layerMemory = (weddings: ReadonlyArray<Wedding> = []): Layer.Layer<WeddingDirectory> =>
  Layer.effect(
    WeddingDirectory,
    Effect.sync(() => {
      const kept = new Map(weddings.map((wedding) => [wedding.weddingId, normalized(wedding)]))
      return WeddingDirectory.of({
        upcoming: (query) => Effect.sync(() => [...kept.values()].filter(inWindow(query)).sort(byDate)),
        upsert: (wedding) =>
          Effect.sync(() => {
            kept.set(wedding.weddingId, normalized(wedding))
          })
      })
    })
  )
