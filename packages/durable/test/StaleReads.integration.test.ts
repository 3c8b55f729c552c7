/**
 * The stale-reads suite on the shared stores: `StaleReads.layerSql` on
 * PostgreSQL (a fresh schema per test, through durable's checked
 * `Postgres.layer`) and `StaleReads.layerRedis` on Redis (a store id of its
 * own per test, through durable's bounded `RedisConnection.layer`; its keys
 * are deleted afterwards). Skipped when a service is down, except under
 * CI=true.
 */
import { randomBytes } from "node:crypto"
import { Effect, Layer } from "effect"
import { Persistence, Redis } from "effect/persistence"
import { SqlClient } from "effect/sql"
import { createClient } from "redis"
import { afterAll, describe } from "vitest"
import { databaseUrl, postgresUp, redisUp, redisUrl } from "@wedsync/test-fixtures/services"
import * as Postgres from "../src/Postgres.ts"
import * as RedisConnection from "../src/RedisConnection.ts"
import * as StaleReads from "../src/StaleReads.ts"
import { staleReadsSuite } from "./StaleReadsSuite.ts"

describe.skipIf(!postgresUp)("on PostgreSQL", () => {
  const sql = Effect.service(SqlClient.SqlClient)
  staleReadsSuite("PostgreSQL", {
    layer: () => {
      const schema = `stale_${randomBytes(6).toString("hex")}`
      const client = Layer.effect(
        SqlClient.SqlClient,
        Effect.gen(function* () {
          const client = yield* SqlClient.SqlClient
          yield* client.unsafe(`CREATE SCHEMA ${schema}`)
          yield* Effect.addFinalizer(() => Effect.ignore(client.unsafe(`DROP SCHEMA ${schema} CASCADE`)))
          return client
        })
      ).pipe(Layer.provide(Postgres.layer({ url: databaseUrl, startupParameters: { search_path: schema } })))
      return StaleReads.layerSql().pipe(Layer.provideMerge(Persistence.layerBackingSql), Layer.provideMerge(client))
    },
    storeId: () => StaleReads.defaultStoreId,
    keys: Effect.flatMap(sql, (client) =>
      Effect.map(
        client<{
          readonly id: string
        }>`SELECT id FROM effect_persistence WHERE store_id = ${StaleReads.defaultStoreId}`,
        (rows) => rows.map((row) => row.id)
      )
    ),
    writeRaw: (key, text) =>
      Effect.flatMap(sql, (client) =>
        Effect.asVoid(
          client`UPDATE effect_persistence SET value = ${text} WHERE store_id = ${StaleReads.defaultStoreId} AND id = ${key}`
        )
      )
  })
})

const storeIds: Array<string> = []

afterAll(async () => {
  if (!redisUp || storeIds.length === 0) return
  const redis = createClient({ url: redisUrl })
  await redis.connect()
  for (const storeId of storeIds) {
    for await (const keys of redis.scanIterator({ MATCH: `${storeId}:*`, COUNT: 500 })) {
      if (keys.length > 0) await redis.del(keys)
    }
  }
  await redis.quit()
})

describe.skipIf(!redisUp)("on Redis", () => {
  let current = ""
  const scan = Effect.gen(function* () {
    const redis = yield* Redis.Redis
    const found: Array<string> = []
    let cursor = "0"
    do {
      const [next, keys] = yield* redis.send<[string, Array<string>]>("SCAN", cursor, "MATCH", `${current}:*`)
      cursor = next
      found.push(...keys)
    } while (cursor !== "0")
    return found
  })
  staleReadsSuite("Redis", {
    layer: () => {
      current = `wedsync_stale_test_${randomBytes(6).toString("hex")}`
      storeIds.push(current)
      return StaleReads.layerRedis({ storeId: current }).pipe(
        Layer.provideMerge(Persistence.layerBackingRedis),
        Layer.provideMerge(RedisConnection.layer({ url: redisUrl }))
      )
    },
    storeId: () => current,
    keys: scan,
    writeRaw: (key, text) =>
      Effect.flatMap(Effect.service(Redis.Redis), (redis) =>
        Effect.asVoid(redis.send("SET", `${current}:${key}`, text))
      )
  })
})
