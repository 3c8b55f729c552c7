/**
 * `QueueStore.layerSql` on SQLite: the `PersistedQueue` store suite on a file
 * (with the crash checks: a worker process SIGKILLed while holding claims and
 * right after an acknowledgement batch) and in memory, plus what only this
 * store promises (batched claims, cleanup keeping de-duplication until the
 * time to live).
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Layer, Schema } from "effect"
import { PersistedQueue } from "effect/persistence"
import { SqlClient } from "effect/sql"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"
import * as QueueStore from "../src/QueueStore.ts"
import * as Sqlite from "../src/Sqlite.ts"
import { persistedQueueSuite } from "./fixtures/persistedQueueSuite.ts"

const directory = mkdtempSync(join(tmpdir(), "wedsync-queue-store-"))
afterAll(() => rmSync(directory, { recursive: true, force: true }))

const store = (tableName: string) => QueueStore.layerSql({ tableName, pollInterval: "20 millis" })
const file = join(directory, "queue.sqlite")

persistedQueueSuite("QueueStore.layerSql on a SQLite file", Sqlite.layer({ filename: file }), {
  tableName: "wedsync_queue",
  store,
  crash: ["sqlite", file]
})
persistedQueueSuite("QueueStore.layerSql on SQLite in memory", Sqlite.layerMemory, {
  tableName: "wedsync_queue",
  store
})

const Job = Schema.Struct({ n: Schema.Number })
const memory = () =>
  PersistedQueue.layer.pipe(Layer.provideMerge(store("wedsync_queue")), Layer.provideMerge(Sqlite.layerMemory))

describe("QueueStore.layerSql", () => {
  it.live("claims for all waiting takers in one statement and acknowledges them together", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const queue = yield* PersistedQueue.make({ name: "batched", schema: Job })
      yield* Effect.forEach(
        Array.from({ length: 32 }, (_, n) => n),
        (n) => queue.offer({ n }, { id: `j${n}` }),
        { concurrency: "unbounded", discard: true }
      )
      const locks = yield* Effect.forEach(
        Array.from({ length: 32 }),
        () =>
          queue.take((_, { id }) =>
            Effect.map(
              sql<{ acquired_by: string }>`SELECT acquired_by FROM wedsync_queue WHERE id = ${id}`,
              ([row]) => row?.acquired_by
            )
          ),
        { concurrency: "unbounded" }
      )
      // one lock per claim statement: far fewer claims than jobs
      assert.isAtMost(new Set(locks).size, 4)
      const states = yield* sql<{
        state: string
        n: number
      }>`SELECT state, COUNT(*) AS n FROM wedsync_queue GROUP BY state`
      assert.deepStrictEqual(states, [{ state: "completed", n: 32 }])
    }).pipe(Effect.provide(memory()))
  )

  it.live("cleanup removes completed rows past their time to live, and with them their de-duplication", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const queueStore = yield* PersistedQueue.PersistedQueueStore
      const queue = yield* PersistedQueue.make({ name: "cleaned", schema: Job, maxAttempts: 1 })
      yield* queue.offer({ n: 1 }, { id: "once" })
      yield* queue.take(() => Effect.void)
      yield* queue.offer({ n: 2 }, { id: "failing" })
      yield* Effect.flip(queue.take(() => Effect.fail("no")))
      const ids = sql<{ id: string }>`SELECT id FROM wedsync_queue ORDER BY id`.pipe(
        Effect.map((rows) => rows.map((row) => row.id))
      )
      yield* queueStore.cleanup({ timeToLive: Duration.hours(1), failedTimeToLive: undefined })
      assert.deepStrictEqual(yield* ids, ["failing", "once"])
      yield* queueStore.cleanup({ timeToLive: Duration.zero, failedTimeToLive: undefined })
      assert.deepStrictEqual(yield* ids, ["failing"])
      yield* queueStore.cleanup({ timeToLive: Duration.zero, failedTimeToLive: Duration.zero })
      assert.deepStrictEqual(yield* ids, [])
      yield* queue.offer({ n: 3 }, { id: "once" })
      assert.strictEqual(yield* queue.take((value) => Effect.succeed(value.n)), 3)
    }).pipe(Effect.provide(memory()))
  )

  it.live("writes an offer made inside a transaction in that transaction", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const queue = yield* PersistedQueue.make({ name: "transactional", schema: Job })
      const rolledBack = yield* Effect.flip(
        sql.withTransaction(Effect.andThen(queue.offer({ n: 1 }, { id: "rolled-back" }), Effect.fail("abort")))
      )
      assert.strictEqual(rolledBack, "abort")
      yield* sql.withTransaction(queue.offer({ n: 2 }, { id: "committed" }))
      assert.deepStrictEqual(yield* sql`SELECT id FROM wedsync_queue`, [{ id: "committed" }])
      assert.strictEqual(yield* queue.take((value) => Effect.succeed(value.n)), 2)
    }).pipe(Effect.provide(memory()))
  )
})
