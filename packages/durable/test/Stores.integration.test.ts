/**
 * `PersistedQueue.layerStoreSql` on PostgreSQL through `@effect/sql-pg`: the
 * same suite `Sqlite.test.ts` runs on SQLite.
 *
 * Needs `DATABASE_URL` (default postgres://postgres@127.0.0.1:5432/test).
 * Without a reachable server the suite is skipped locally and fails on CI
 * (`CI=true`). Each run uses its own table, dropped afterwards, so parallel
 * runs do not collide.
 */
import { PgClient } from "@effect/sql-pg"
import { describe } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll } from "vitest"
import { persistedQueueSuite } from "./fixtures/persistedQueueSuite.ts"
import { databaseUrl, postgresUp as reachable } from "@wedsync/test-fixtures/services"

const pg = PgClient.layer({ url: Redacted.make(databaseUrl) })
const tableName = `test_queue_${Date.now().toString(36)}_${process.pid}`

describe.skipIf(!reachable)("PostgreSQL stores", () => {
  afterAll(() =>
    Effect.runPromise(
      SqlClient.SqlClient.use(
        (sql) => sql`DROP TABLE IF EXISTS ${sql(tableName)}, ${sql(`${tableName}_migrations`)}`
      ).pipe(Effect.provide(pg))
    )
  )
  persistedQueueSuite("PersistedQueue.layerStoreSql on PostgreSQL", pg, { tableName })
})
