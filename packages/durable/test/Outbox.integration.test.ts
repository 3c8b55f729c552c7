/**
 * The outbox suite on the shared stores: `QueueStore.layerSql` on PostgreSQL
 * and Effect's `PersistedQueue.layerStoreRedis` on Redis, each over Effect's
 * own connection layer and over durable's bounded one (`Postgres.layer`,
 * `RedisConnection.layer`). Choosing a store is choosing a layer; the
 * behaviour is the same. Skipped when a service is down,
 * except under CI=true.
 */
import { randomUUID } from "node:crypto"
import { NodeRedis } from "@effect/platform-node"
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Redacted } from "effect"
import { PersistedQueue } from "effect/persistence"
import { createClient } from "redis"
import { afterAll, describe } from "vitest"
import * as Postgres from "../src/Postgres.ts"
import * as QueueStore from "../src/QueueStore.ts"
import * as RedisConnection from "../src/RedisConnection.ts"
import { databaseUrl, postgresUp, redisUp, redisUrl } from "@wedsync/test-fixtures/services"
import { outboxHoldSuite } from "./OutboxHoldSuite.ts"
import { outboxSuite } from "./OutboxSuite.ts"

const tables: Array<string> = []
const prefixes: Array<string> = []
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
  outboxSuite("QueueStore.layerSql on Postgres.layer (checked at start, bounded connect)", () => {
    const tableName = `outbox_test_${randomUUID().replaceAll("-", "").slice(0, 12)}`
    tables.push(tableName)
    return QueueStore.layerSql({ tableName, pollInterval: "10 millis" }).pipe(
      Layer.provide(Postgres.layer({ url: databaseUrl })),
      Layer.orDie
    )
  })
  outboxHoldSuite("QueueStore.layerSql on PostgreSQL", () => {
    const tableName = `outbox_test_${randomUUID().replaceAll("-", "").slice(0, 12)}`
    tables.push(tableName)
    return QueueStore.layerSql({ tableName, pollInterval: "10 millis" }).pipe(Layer.provide(postgres), Layer.orDie)
  })
})

afterAll(async () => {
  if (!redisUp || prefixes.length === 0) return
  const redis = createClient({ url: redisUrl })
  await redis.connect()
  for (const prefix of prefixes) {
    for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
      if (keys.length > 0) await redis.del(keys)
    }
  }
  await redis.quit()
})

describe.skipIf(!redisUp)("on Redis", () => {
  outboxSuite("PersistedQueue.layerStoreRedis", () => {
    const prefix = `wedsync:outbox-test:${randomUUID()}:`
    prefixes.push(prefix)
    return PersistedQueue.layerStoreRedis({ prefix, pollInterval: "10 millis" }).pipe(
      Layer.provide(NodeRedis.layer({ url: redisUrl }))
    )
  })
  outboxSuite("PersistedQueue.layerStoreRedis on RedisConnection.layer (bounded connect and commands)", () => {
    const prefix = `wedsync:outbox-test:${randomUUID()}:`
    prefixes.push(prefix)
    return PersistedQueue.layerStoreRedis({ prefix, pollInterval: "10 millis" }).pipe(
      Layer.provide(RedisConnection.layer({ url: redisUrl }))
    )
  })
  outboxHoldSuite("PersistedQueue.layerStoreRedis", () => {
    const prefix = `wedsync:outbox-test:${randomUUID()}:`
    prefixes.push(prefix)
    return PersistedQueue.layerStoreRedis({ prefix, pollInterval: "10 millis" }).pipe(
      Layer.provide(NodeRedis.layer({ url: redisUrl }))
    )
  })
})
