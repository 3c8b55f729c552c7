/**
 * Delivery tracking on PostgreSQL (`layerSql` over `@effect/sql-pg`): the
 * shared contract, each test in a schema of its own (`t_<random>`, set as the
 * connections' search_path, dropped afterwards) so concurrent runs never
 * collide; plus migrations racing from several instances, the indexes, and
 * recorders racing on one message from separate connections.
 *
 * Needs `DATABASE_URL` (default postgres://postgres@127.0.0.1:5432/test).
 * Without a reachable PostgreSQL the suite is skipped locally and fails on CI.
 */
import { randomBytes } from "node:crypto"
import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import * as Deliveries from "../src/Deliveries.ts"
import { event, T, tracked } from "./DeliveriesFixtures.ts"
import { deliveriesSuite } from "./DeliveriesSuite.ts"
import { databaseUrl as url, freshSchema, postgresUp as reachable } from "@wedsync/test-fixtures/services"

describe.skipIf(!reachable)("on PostgreSQL", () => {
  deliveriesSuite("PostgreSQL", Layer.unwrap(Effect.sync(() => Deliveries.layerSql.pipe(Layer.provide(freshSchema())))))

  it.live("several instances migrating at once create the tables and indexes once", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* Effect.all(
        Array.from({ length: 4 }, () => Effect.provide(Effect.service(Deliveries.Deliveries), Deliveries.layerSql)),
        { concurrency: "unbounded", discard: true }
      )
      const rows = yield* sql<{ readonly n: number | bigint | string }>`
        SELECT COUNT(*) AS n FROM wedsync_deliveries_migrations`
      assert.strictEqual(Number(rows[0]?.n), 1)
      const indexes = yield* sql<{ readonly indexname: string; readonly indexdef: string }>`
        SELECT indexname, indexdef FROM pg_indexes
        WHERE tablename IN ('wedsync_deliveries', 'wedsync_delivery_events') AND schemaname = current_schema()
        ORDER BY indexname`
      assert.deepStrictEqual(
        indexes.map((row) => row.indexname),
        [
          "wedsync_deliveries_overdue",
          "wedsync_deliveries_pkey",
          "wedsync_delivery_events_id_key",
          "wedsync_delivery_events_message",
          "wedsync_delivery_events_pkey"
        ]
      )
      assert.include(indexes[0]?.indexdef ?? "", "WHERE (state = 'pending'::text)")
    }).pipe(Effect.provide(freshSchema()))
  )

  it.live("recorders on separate connections racing on one message keep one copy and the highest status", () =>
    Effect.gen(function* () {
      const schema = `t_${randomBytes(6).toString("hex")}`
      // one client per recorder, so the race happens in PostgreSQL and not in one connection's queue
      const instance = Deliveries.layerSql.pipe(
        Layer.provide(PgClient.layer({ url: Redacted.make(url), startupParameters: { search_path: schema } }))
      )
      const admin = yield* SqlClient.SqlClient
      yield* Effect.acquireRelease(admin.unsafe(`CREATE SCHEMA ${schema}`), () =>
        Effect.ignore(admin.unsafe(`DROP SCHEMA ${schema} CASCADE`))
      )
      yield* Effect.provide(
        Effect.flatMap(Effect.service(Deliveries.Deliveries), (deliveries) => deliveries.track(tracked("SM_pg", T))),
        instance
      )
      const events = [
        event("SM_pg", "sent", T + 1),
        event("SM_pg", "delivered", T + 2),
        event("SM_pg", "sent", T + 1),
        event("SM_pg", "delivered", T + 2)
      ]
      const outcomes = yield* Effect.forEach(
        events,
        (item) =>
          Effect.provide(
            Effect.flatMap(Effect.service(Deliveries.Deliveries), (d) => d.record(item)),
            instance
          ),
        { concurrency: "unbounded" }
      )
      const delivery = yield* Effect.provide(
        Effect.flatMap(Effect.service(Deliveries.Deliveries), (deliveries) => deliveries.get("twilio", "SM_pg")),
        instance
      )
      assert.strictEqual(outcomes.filter((outcome) => outcome === "recorded").length, 2)
      assert.isTrue(Option.isSome(delivery))
      if (Option.isSome(delivery)) {
        assert.strictEqual(delivery.value.status, "delivered")
        assert.strictEqual(delivery.value.state, "settled")
        assert.deepStrictEqual(
          delivery.value.events.map((e) => e.status),
          ["sent", "delivered"]
        )
      }
    }).pipe(Effect.scoped, Effect.provide(PgClient.layer({ url: Redacted.make(url) })))
  )
})
