/**
 * The wedding directory's contract on every store (memory, SQLite,
 * PostgreSQL): `upcoming` is the `days` days from `from` (that day included)
 * in date order, optionally only weddings depending on a service (whole
 * names: "sms" is not "sms_backup"); `upsert` adds or replaces. And a
 * deployment's own view, read through `layerSql({ table })`.
 *
 * PostgreSQL needs `DATABASE_URL`: without it that part is left out locally
 * and fails the run under CI=true (`@wedsync/test-fixtures/services`).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { Sqlite } from "@wedsync/durable"
import { freshSchema, postgresUp } from "@wedsync/test-fixtures/services"
import * as WeddingDirectory from "../src/WeddingDirectory.ts"

const seed: ReadonlyArray<WeddingDirectory.Wedding> = [
  { weddingId: "w_c", weddingDate: "2026-06-08", services: ["email"] },
  { weddingId: "w_a", weddingDate: "2026-06-01", services: ["sms", "email"], couple: "Ana & Ben" },
  { weddingId: "w_b", weddingDate: "2026-06-07", services: ["sms_backup"], workflows: ["rsvp", "seating"] },
  { weddingId: "w_0", weddingDate: "2026-05-31", services: ["sms"] }
]

const ids = (weddings: ReadonlyArray<WeddingDirectory.Wedding>) => weddings.map((wedding) => wedding.weddingId)

const directorySuite = (name: string, layer: () => Layer.Layer<WeddingDirectory.WeddingDirectory, unknown>) =>
  describe(`WeddingDirectory on ${name}`, () => {
    it.live("lists the window in date order, filtered by service, and upserts", () =>
      Effect.gen(function* () {
        const directory = yield* WeddingDirectory.WeddingDirectory
        yield* Effect.forEach(seed, directory.upsert, { discard: true })
        const week = yield* directory.upcoming({ from: "2026-06-01", days: 7 })
        assert.deepStrictEqual(ids(week), ["w_a", "w_b"])
        assert.deepStrictEqual(week[0], {
          weddingId: "w_a",
          weddingDate: "2026-06-01",
          couple: "Ana & Ben",
          services: ["sms", "email"],
          workflows: undefined
        })
        assert.deepStrictEqual(week[1]!.workflows, ["rsvp", "seating"])
        assert.deepStrictEqual(ids(yield* directory.upcoming({ from: "2026-06-01", days: 8 })), ["w_a", "w_b", "w_c"])
        assert.deepStrictEqual(ids(yield* directory.upcoming({ from: "2026-05-01", days: 60, service: "sms" })), [
          "w_0",
          "w_a"
        ])
        assert.deepStrictEqual(ids(yield* directory.upcoming({ from: "2026-06-01", days: 0 })), [])
        yield* directory.upsert({ weddingId: "w_c", weddingDate: "2026-06-02", services: ["sms"] })
        assert.deepStrictEqual(ids(yield* directory.upcoming({ from: "2026-06-01", days: 7, service: "sms" })), [
          "w_a",
          "w_c"
        ])
      }).pipe(Effect.provide(layer()))
    )
  })

describe("WeddingDirectory on memory (seeded)", () => {
  it.effect("starts with the weddings it is given", () =>
    Effect.gen(function* () {
      const directory = yield* WeddingDirectory.WeddingDirectory
      assert.deepStrictEqual(ids(yield* directory.upcoming({ from: "2026-05-31", days: 8 })), ["w_0", "w_a", "w_b"])
    }).pipe(Effect.provide(WeddingDirectory.layerMemory(seed)))
  )
})

directorySuite("memory", () => WeddingDirectory.layerMemory())
directorySuite("SQLite", () => WeddingDirectory.layerSql().pipe(Layer.provide(Sqlite.layerMemory)))
if (postgresUp) directorySuite("PostgreSQL", () => WeddingDirectory.layerSql().pipe(Layer.provide(freshSchema())))

describe("WeddingDirectory on a deployment's view", () => {
  it.live("reads a view of the deployment's own bookings, not migrated", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`CREATE TABLE bookings (id TEXT, event_date TEXT, couple_name TEXT, services TEXT)`
      yield* sql`INSERT INTO bookings VALUES ('b_1', '2026-06-03', 'Cy & Di', 'sms,email'), ('b_2', '2026-07-01', NULL, 'email')`
      yield* sql`CREATE VIEW ops_weddings AS SELECT id AS wedding_id, event_date AS wedding_date, couple_name AS couple,
        ',' || services || ',' AS services, NULL AS workflows FROM bookings`
      const directory = yield* Effect.provide(
        Effect.service(WeddingDirectory.WeddingDirectory),
        WeddingDirectory.layerSql({ table: "ops_weddings" }).pipe(
          Layer.provide(Layer.succeed(SqlClient.SqlClient, sql))
        )
      )
      assert.deepStrictEqual(yield* directory.upcoming({ from: "2026-06-01", days: 14, service: "sms" }), [
        {
          weddingId: "b_1",
          weddingDate: "2026-06-03",
          couple: "Cy & Di",
          services: ["sms", "email"],
          workflows: undefined
        }
      ])
      const tables = yield* sql<{ name: string }>`SELECT name FROM sqlite_master WHERE name LIKE 'wedsync_weddings%'`
      assert.deepStrictEqual(tables, [], "the default table is not created for a deployment's view")
    }).pipe(Effect.provide(Sqlite.layerMemory))
  )
})
