/**
 * Dead letters and the audit trail on PostgreSQL (`layerSql` over
 * `@effect/sql-pg`): the shared contract, each test in a schema of its own
 * (`t_<random>`, set as the connections' search_path, dropped afterwards) so
 * concurrent runs never collide; plus the append-only audit table and
 * migrations racing from several instances.
 *
 * Needs `DATABASE_URL` (default postgres://postgres@127.0.0.1:5432/test).
 * Without a reachable PostgreSQL the suite is skipped locally and fails on CI.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import * as Audit from "../src/Audit.ts"
import * as DeadLetters from "../src/DeadLetters.ts"
import { deadLettersSuite } from "./DeadLettersSuite.ts"
import { recordingReplayer } from "./fixtures/deadLetters.ts"
import { freshSchema, postgresUp as reachable } from "@wedsync/test-fixtures/services"

const stores = DeadLetters.layerSql.pipe(Layer.provideMerge(Audit.layerSql))

describe.skipIf(!reachable)("on PostgreSQL", () => {
  deadLettersSuite("PostgreSQL", Layer.unwrap(Effect.sync(() => stores.pipe(Layer.provide(freshSchema())))))

  it.live("the audit table is append-only", () =>
    Effect.gen(function* () {
      const audit = yield* Audit.Audit
      yield* audit.record({ actor: "ana", action: "overrides.set", target: "email/resend", reason: "r" })
      const sql = yield* SqlClient.SqlClient
      const update = yield* Effect.exit(sql`UPDATE wedsync_audit SET actor = 'mallory'`)
      const remove = yield* Effect.exit(sql`DELETE FROM wedsync_audit`)
      assert.isTrue(update._tag === "Failure" && remove._tag === "Failure")
      assert.deepStrictEqual(
        (yield* audit.list({})).map((entry) => entry.actor),
        ["ana"]
      )
    }).pipe(Effect.provide(Audit.layerSql.pipe(Layer.provideMerge(freshSchema()))))
  )

  it.live("several instances migrating at once create the tables once", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      // four instances start together on one database: each builds its own layers over the shared client
      yield* Effect.all(
        Array.from({ length: 4 }, () =>
          Effect.provide(Effect.service(DeadLetters.DeadLetters), stores.pipe(Layer.provide(recordingReplayer)))
        ),
        { concurrency: "unbounded", discard: true }
      )
      const rows = yield* sql<{ readonly n: number | bigint | string }>`
        SELECT COUNT(*) AS n FROM wedsync_dead_letters_migrations`
      assert.strictEqual(Number(rows[0]?.n), 1)
      const indexes = yield* sql<{ readonly indexname: string }>`
        SELECT indexname FROM pg_indexes WHERE tablename = 'wedsync_dead_letters' ORDER BY indexname`
      assert.deepStrictEqual(
        indexes.map((row) => row.indexname),
        [
          "wedsync_dead_letters_dead_at",
          "wedsync_dead_letters_pkey",
          "wedsync_dead_letters_provider",
          "wedsync_dead_letters_reason",
          "wedsync_dead_letters_service",
          "wedsync_dead_letters_status",
          "wedsync_dead_letters_wedding_id"
        ]
      )
    }).pipe(Effect.provide(freshSchema()))
  )
})
