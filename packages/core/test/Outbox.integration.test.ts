/**
 * The outbox suite on the shared stores: `QueueStore.layerSql` on PostgreSQL
 * and Effect's `PersistedQueue.layerStoreRedis` on Redis. Choosing a store is
 * choosing a layer; the behaviour is the same. Skipped when a service is down,
 * except under CI=true.
 */
import { randomUUID } from "node:crypto"
import { NodeRedis } from "@effect/platform-node"
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Redacted } from "effect"
import { PersistedQueue } from "effect/persistence"
import { afterAll, describe } from "vitest"
import * as QueueStore from "../src/QueueStore.ts"
import { databaseUrl, postgresUp, redisUp, redisUrl } from "./fixtures/services.ts"
import { outboxSuite } from "./OutboxSuite.ts"

const tables: Array<string> = []
const postgres = PgClient.layer({ url: Redacted.make(databaseUrl) })

afterAll(async () => {
  if (!postgresUp || tables.length === 0) return
  await Effect.gen(function* () {
    const sql = yield* PgClient.PgClient
    for (const table of tables) yield* sql.unsafe(`DROP TABLE IF EXISTS ${table}`)
  }).pipe(Effect.provide(postgres), Effect.runPromise)
})

describe.skipIf(!postgresUp)("on PostgreSQL", () => {
  outboxSuite("QueueStore.layerSql on PostgreSQL", () => {
    const tableName = `outbox_test_${randomUUID().replaceAll("-", "").slice(0, 12)}`
    tables.push(tableName)
    return QueueStore.layerSql({ tableName, pollInterval: "10 millis" }).pipe(Layer.provide(postgres), Layer.orDie)
  })
})

describe.skipIf(!redisUp)("on Redis", () => {
  outboxSuite("PersistedQueue.layerStoreRedis", () =>
    PersistedQueue.layerStoreRedis({ prefix: `wedsync:outbox-test:${randomUUID()}:`, pollInterval: "10 millis" }).pipe(
      Layer.provide(NodeRedis.layer({ url: redisUrl }))
    )
  )
})
