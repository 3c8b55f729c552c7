/**
 * Alerts on PostgreSQL: two instances (two connection pools on one schema)
 * opening the same key at once raise one alert and send one resolution.
 *
 * Needs `DATABASE_URL`. Without a reachable PostgreSQL the suite is skipped
 * locally and fails under CI=true (`@wedsync/test-fixtures/services`).
 */
import { randomBytes } from "node:crypto"
import { PgClient } from "@effect/sql-pg"
import { describe, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { databaseUrl, freshSchema, postgresUp } from "@wedsync/test-fixtures/services"
import { acrossInstances } from "./AlertsSuite.ts"

describe.skipIf(!postgresUp)("Alerts on PostgreSQL", () => {
  it.live("two instances on one database raise one alert and send one resolution", () =>
    Effect.gen(function* () {
      const schema = `t_${randomBytes(6).toString("hex")}`
      // The first pool makes (and at the end drops) the schema; the second is another instance on it.
      const first = yield* Layer.build(freshSchema(schema))
      const second = PgClient.layer({ url: Redacted.make(databaseUrl), startupParameters: { search_path: schema } })
      yield* acrossInstances(Layer.succeedContext(first), second)
    }).pipe(Effect.scoped)
  )
})
