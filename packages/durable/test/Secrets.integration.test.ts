/**
 * The secrets suite on the shared stores: everything in SQL on PostgreSQL (a
 * fresh schema per layer), and the outbox on Effect's
 * `PersistedQueue.layerStoreRedis` (dead letters and audit in memory), where
 * every key under the test's prefix is read back — Redis deletes a completed
 * job's payload, keeping only its id for de-duplication. Skipped when a
 * service is down, except under CI=true.
 */
import { randomUUID } from "node:crypto"
import { NodeRedis } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { PersistedQueue, Redis } from "effect/persistence"
import { createClient } from "redis"
import { afterAll, describe } from "vitest"
import { freshSchema, postgresUp, redisUp, redisUrl } from "@wedsync/test-fixtures/services"
import * as Audit from "../src/Audit.ts"
import * as DeadLetters from "../src/DeadLetters.ts"
import * as Outbox from "../src/Outbox.ts"
import { secretsSuite, sqlStore } from "./SecretsSuite.ts"

describe.skipIf(!postgresUp)("on PostgreSQL", () => {
  secretsSuite(
    "PostgreSQL",
    sqlStore(() => freshSchema()),
    30
  )
})

const prefixes: Array<string> = []

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

/** Every key under the prefix with its value, whatever its type. */
const redisKept = (prefix: () => string) =>
  Effect.gen(function* () {
    const redis = yield* Redis.Redis
    const lines: Array<string> = []
    let cursor = "0"
    do {
      const [next, keys] = yield* redis.send<[string, Array<string>]>("SCAN", cursor, "MATCH", `${prefix()}*`)
      cursor = next
      for (const key of keys) {
        const type = yield* redis.send<string>("TYPE", key)
        const read: Record<string, ReadonlyArray<string>> = {
          string: ["GET", key],
          list: ["LRANGE", key, "0", "-1"],
          hash: ["HGETALL", key],
          zset: ["ZRANGE", key, "0", "-1", "WITHSCORES"],
          set: ["SMEMBERS", key]
        }
        const [command, ...args] = read[type] ?? ["TYPE", key]
        lines.push(`${key} ${JSON.stringify(yield* redis.send(command ?? "TYPE", ...args))}`)
      }
    } while (cursor !== "0")
    return lines.join("\n")
  })

describe.skipIf(!redisUp)("on Redis", () => {
  let current = ""
  const lanes = ["wedsync_outbox_critical", "wedsync_outbox_standard"]
  secretsSuite(
    "Redis",
    {
      layer: () => {
        current = `wedsync:secrets-test:${randomUUID()}:`
        prefixes.push(current)
        const store = PersistedQueue.layerStoreRedis({ prefix: current, pollInterval: "10 millis" })
        return DeadLetters.layerMemory.pipe(
          Layer.provideMerge(Outbox.layer().pipe(Layer.provide(PersistedQueue.layer))),
          Layer.provideMerge(Audit.layerMemory),
          Layer.provideMerge(store),
          Layer.provideMerge(NodeRedis.layer({ url: redisUrl }))
        )
      },
      kept: redisKept(() => current),
      idle: Effect.gen(function* () {
        const redis = yield* Redis.Redis
        for (const lane of lanes) {
          const key = `${current}${lane}`
          const sizes = [
            yield* redis.send<number>("LLEN", key),
            yield* redis.send<number>("HLEN", `${key}:pending`),
            yield* redis.send<number>("ZCARD", `${key}:delayed`)
          ]
          if (sizes.some((size) => Number(size) > 0)) return false
        }
        return true
      })
    },
    30
  )
})
