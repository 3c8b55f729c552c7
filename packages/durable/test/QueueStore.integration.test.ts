/**
 * `QueueStore.layerSql` on PostgreSQL through `@effect/sql-pg`: the
 * `PersistedQueue` store suite with its crash checks (worker processes
 * SIGKILLed while holding claims and right after an acknowledgement batch).
 *
 * Needs `DATABASE_URL` (default postgres://postgres@127.0.0.1:5432/test).
 * Without a reachable server the suite is skipped locally and fails on CI
 * (`CI=true`). Each run uses its own table, dropped afterwards.
 */
import { PgClient } from "@effect/sql-pg"
import { describe } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll } from "vitest"
import * as QueueStore from "../src/QueueStore.ts"
import { persistedQueueSuite } from "./fixtures/persistedQueueSuite.ts"
import { databaseUrl, postgresUp as reachable } from "@wedsync/test-fixtures/services"

const pg = PgClient.layer({ url: Redacted.make(databaseUrl) })
const tableName = `test_queue_store_${Date.now().toString(36)}_${process.pid}`

describe.skipIf(!reachable)("QueueStore on PostgreSQL", () => {
  afterAll(() =>
    Effect.runPromise(
      SqlClient.SqlClient.use(
        (sql) => sql`DROP TABLE IF EXISTS ${sql(tableName)}, ${sql(`${tableName}_migrations`)}`
      ).pipe(Effect.provide(pg))
    )
  )
  persistedQueueSuite("QueueStore.layerSql on PostgreSQL", pg, {
    tableName,
    store: (table) => QueueStore.layerSql({ tableName: table, pollInterval: "20 millis" }),
    crash: ["pg", databaseUrl]
  })
})
