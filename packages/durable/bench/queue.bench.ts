/**
 * End-to-end outbox throughput (jobs/s): `Outbox.offer` N jobs, and
 * `Outbox.worker` runs every one through a no-op handler (dead letters and
 * audit in memory). Two shapes per queue: "then" (offer all, then process)
 * and "overlap" (the worker runs while the jobs are offered). Measured in this
 * one run: the outbox on `QueueStore.layerSql` over SQLite (a file in a temp
 * dir, WAL, durable through a process crash) and over PostgreSQL
 * (DATABASE_URL), on `PersistedQueue.layerStoreRedis` (REDIS_URL), and BullMQ
 * on the same Redis (its own job objects, no outbox around them). Reference
 * lines: bare `PersistedQueue`s without the outbox. Prints jobs/s, the ratios
 * and a verdict per target: the outbox on SQLite >= 5,000 jobs/s in both
 * shapes; the outbox on Redis >= 1.0x BullMQ. A queue whose service is
 * unreachable is skipped. Each queue first runs an unmeasured warm-up round
 * (`QUEUE_BENCH_WARMUP` jobs, default N). `QUEUE_BENCH_REFERENCE=0` skips the
 * reference lines.
 *
 * Every queue is a `Subject` (offer job i; start a worker that reports each
 * job done), so another queue is one more `measure` call.
 */
import { NodeRedis } from "@effect/platform-node"
import { PgClient } from "@effect/sql-pg"
import { Queue as BullQueue, Worker as BullWorker } from "bullmq"
import { Effect, Fiber, Layer, ManagedRuntime, Redacted, Schema } from "effect"
import { PersistedQueue } from "effect/persistence"
import { SqlClient } from "effect/sql"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { databaseUrl, postgresUp, redisUp, redisUrl } from "@wedsync/test-fixtures/services"
import { createClient } from "redis"
import * as Audit from "../src/Audit.ts"
import * as DeadLetters from "../src/DeadLetters.ts"
import * as Outbox from "../src/Outbox.ts"
import * as QueueStore from "../src/QueueStore.ts"
import * as Sqlite from "../src/Sqlite.ts"

const N = Number(process.env.QUEUE_BENCH_JOBS ?? 5_000)
/** In-flight offers (callers) and jobs processed at once (worker concurrency), the same for every queue. */
const OFFER_CONCURRENCY = 16
const WORKER_CONCURRENCY = 16
const run = `${Date.now().toString(36)}${process.pid}`

/** One queue under test. */
export interface Subject {
  readonly offer: (index: number) => Promise<void>
  /** Starts the worker; `processed` is called once per completed job. Resolves to a stop function. */
  readonly startWorker: (processed: () => void) => Promise<() => Promise<void>>
  readonly close: () => Promise<void>
}

const offerAll = async (subject: Subject, from: number, to: number) => {
  let next = from
  const lane = async () => {
    while (next < to) await subject.offer(next++)
  }
  await Promise.all(Array.from({ length: OFFER_CONCURRENCY }, lane))
}

const counter = () => {
  let count = 0
  let wake: (() => void) | undefined
  let target = Number.POSITIVE_INFINITY
  return {
    processed: () => {
      count++
      if (count >= target) wake?.()
    },
    reach: (n: number) =>
      new Promise<void>((resolve) => {
        target = n
        wake = resolve
        if (count >= n) resolve()
      })
  }
}

interface Result {
  readonly name: string
  readonly sequential: number
  readonly overlap: number
  readonly offerOnly: number
  readonly processOnly: number
}
const rate = (jobs: number, millis: number) => Math.round(jobs / (millis / 1_000))

/** Measures one queue: both shapes, N jobs each, on a fresh subject per shape. */
/**
 * Jobs of the unmeasured warm-up round each queue gets first (default N): the
 * JIT compiles each queue's paths before they are timed, so no queue pays for
 * being measured first.
 */
const WARMUP = Number(process.env.QUEUE_BENCH_WARMUP ?? N)

export const measure = async (name: string, make: () => Promise<Subject>): Promise<Result> => {
  if (WARMUP > 0) {
    const warm = await make()
    const warmed = counter()
    const stop = await warm.startWorker(warmed.processed)
    await offerAll(warm, 0, WARMUP)
    await warmed.reach(WARMUP)
    await stop()
    await warm.close()
  }
  const sequential = await make()
  const done = counter()
  const start = performance.now()
  await offerAll(sequential, 0, N)
  const offered = performance.now()
  const stopFirst = await sequential.startWorker(done.processed)
  await done.reach(N)
  const end = performance.now()
  await stopFirst()
  await sequential.close()

  const overlapped = await make()
  const both = counter()
  const stopSecond = await overlapped.startWorker(both.processed)
  const startBoth = performance.now()
  await offerAll(overlapped, 0, N)
  await both.reach(N)
  const endBoth = performance.now()
  await stopSecond()
  await overlapped.close()

  const result = {
    name,
    sequential: rate(N, end - start),
    overlap: rate(N, endBoth - startBoth),
    offerOnly: rate(N, offered - start),
    processOnly: rate(N, end - offered)
  }
  console.log(
    `${name.padEnd(22)} then ${String(result.sequential).padStart(6)} jobs/s  overlap ${String(result.overlap).padStart(6)} jobs/s` +
      `   (offer ${result.offerOnly}/s, process ${result.processOnly}/s)`
  )
  return result
}

const Job = Schema.Struct({ index: Schema.Number, to: Schema.String })
const payload = (index: number) => ({ index, to: `guest-${index}@example.com` })

/** `PersistedQueue` on the store `layer` provides; each job's id is its business key. */
const persistedQueue =
  <E>(store: () => Layer.Layer<PersistedQueue.PersistedQueueStore, E>) =>
  async (): Promise<Subject> => {
    const runtime = ManagedRuntime.make(PersistedQueue.layer.pipe(Layer.provide(store())))
    const name = `bench-${run}-${Math.random().toString(36).slice(2)}`
    const queue = await runtime.runPromise(PersistedQueue.make({ name, schema: Job }))
    return {
      offer: (index) => runtime.runPromise(Effect.asVoid(queue.offer(payload(index), { id: `job-${index}` }))),
      startWorker: async (processed) => {
        const take = queue.take(() => Effect.sync(processed))
        const fibers = Array.from({ length: WORKER_CONCURRENCY }, () => runtime.runFork(Effect.forever(take)))
        return () => runtime.runPromise(Fiber.interruptAll(fibers))
      },
      close: () => runtime.dispose()
    }
  }

/** The outbox on the store `layer` provides: `Outbox.offer` each job, `Outbox.worker` with a no-op handler. */
const outbox =
  <E>(store: () => Layer.Layer<PersistedQueue.PersistedQueueStore, E>) =>
  async (): Promise<Subject> => {
    const name = `bench_${run}_${Math.random().toString(36).slice(2)}`
    const runtime = ManagedRuntime.make(
      DeadLetters.layerMemory.pipe(
        Layer.provideMerge(Outbox.layer({ name })),
        Layer.provideMerge(Audit.layerMemory),
        Layer.provide(PersistedQueue.layer),
        Layer.provide(store())
      )
    )
    const service = await runtime.runPromise(Effect.service(Outbox.Outbox))
    return {
      offer: (index) =>
        runtime.runPromise(
          Effect.asVoid(
            service.offer({ id: `job-${index}`, service: "email", operation: "bench.noop", payload: payload(index) })
          )
        ),
      startWorker: async (processed) => {
        const handlers = { "bench.noop": () => Effect.sync(processed) }
        const concurrency = { standard: WORKER_CONCURRENCY, critical: 1 }
        const fiber = runtime.runFork(
          Effect.scoped(Effect.andThen(Outbox.worker(handlers, { concurrency }), Effect.never))
        )
        return () => runtime.runPromise(Fiber.interrupt(fiber))
      },
      close: () => runtime.dispose()
    }
  }

const bullmq = async (): Promise<Subject> => {
  const connection = createClient({ url: redisUrl })
  const prefix = `bullbench-${run}`
  const name = `bench-${Math.random().toString(36).slice(2)}`
  const queue = new BullQueue(name, { connection, prefix })
  return {
    offer: async (index) => {
      await queue.add("job", payload(index), { jobId: `job-${index}` })
    },
    startWorker: async (processed) => {
      const worker = new BullWorker(name, async () => processed(), {
        connection,
        prefix,
        concurrency: WORKER_CONCURRENCY
      })
      await worker.waitUntilReady()
      return () => worker.close()
    },
    close: async () => {
      await queue.obliterate({ force: true })
      await queue.close()
      // BullMQ leaves a client it was given open.
      if (connection.isOpen) await connection.close()
    }
  }
}

const directory = mkdtempSync(join(tmpdir(), "wedsync-queue-bench-"))
let files = 0
const sqliteFile = (options: Partial<Sqlite.Options> = {}) =>
  Sqlite.layer({ filename: join(directory, `queue-${files++}.sqlite`), ...options })
const pgTable = `bench_queue_${run}`
const redisPrefix = `effectq-bench-${run}:`
const reference = process.env.QUEUE_BENCH_REFERENCE !== "0"

console.log(
  `outbox throughput: ${N} jobs, ${OFFER_CONCURRENCY} concurrent offers, worker concurrency ${WORKER_CONCURRENCY}`
)
const results: Array<Result> = []
const pgUp = postgresUp
try {
  results.push(
    await measure(
      "Outbox/SQLite",
      outbox(() => QueueStore.layerSql().pipe(Layer.provide(sqliteFile())))
    )
  )
  const pg = PgClient.layer({ url: Redacted.make(databaseUrl) })
  if (pgUp) {
    const store = () => QueueStore.layerSql({ tableName: pgTable }).pipe(Layer.provide(pg))
    results.push(await measure("Outbox/Postgres", outbox(store)))
  } else console.log(`Outbox/Postgres skipped: ${databaseUrl} unreachable`)
  const redis = NodeRedis.layer({ url: redisUrl })
  const redisStore = () => PersistedQueue.layerStoreRedis({ prefix: redisPrefix }).pipe(Layer.provide(redis))
  if (redisUp) {
    results.push(await measure("Outbox/Redis", outbox(redisStore)))
    results.push(await measure("BullMQ/Redis", bullmq))
  } else console.log(`Redis and BullMQ skipped: ${redisUrl} unreachable`)
  if (reference) {
    console.log("reference, PersistedQueue alone (no outbox):")
    results.push(
      await measure(
        "  QueueStore/SQLite",
        persistedQueue(() => QueueStore.layerSql().pipe(Layer.provide(sqliteFile())))
      )
    )
    results.push(
      await measure(
        "  layerStoreSql/SQLite",
        persistedQueue(() => PersistedQueue.layerStoreSql().pipe(Layer.provide(sqliteFile())))
      )
    )
    if (pgUp) {
      const store = () => QueueStore.layerSql({ tableName: pgTable }).pipe(Layer.provide(pg))
      results.push(await measure("  QueueStore/Postgres", persistedQueue(store)))
    }
    if (redisUp) results.push(await measure("  layerStoreRedis", persistedQueue(redisStore)))
  }
} finally {
  rmSync(directory, { recursive: true, force: true })
  if (pgUp) {
    await Effect.runPromise(
      SqlClient.SqlClient.use((sql) => sql`DROP TABLE IF EXISTS ${sql(pgTable)}, ${sql(`${pgTable}_migrations`)}`).pipe(
        Effect.provide(PgClient.layer({ url: Redacted.make(databaseUrl) })),
        Effect.ignore
      )
    )
  }
  if (redisUp) {
    const client = await createClient({ url: redisUrl }).connect()
    for await (const keys of client.scanIterator({ MATCH: `${redisPrefix}*`, COUNT: 1000 })) {
      if (keys.length > 0) await client.del(keys)
    }
    await client.close()
  }
}

const byName = (name: string) => results.find((result) => result.name === name)
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`
const bull = byName("BullMQ/Redis")
if (bull) {
  for (const name of ["Outbox/SQLite", "Outbox/Postgres", "Outbox/Redis"]) {
    const result = byName(name)
    if (result) {
      console.log(
        `${name} / BullMQ: then ${ratio(result.sequential, bull.sequential)}, overlap ${ratio(result.overlap, bull.overlap)}`
      )
    }
  }
}
const redis = byName("Outbox/Redis")
if (redis && bull) {
  const worst = Math.min(redis.sequential / bull.sequential, redis.overlap / bull.overlap)
  console.log(`verdict Redis >= 1.0x BullMQ: ${worst >= 1 ? "yes" : "NO"} (worst shape ${worst.toFixed(2)}x)`)
}
const sqlite = byName("Outbox/SQLite")
if (sqlite) {
  const worst = Math.min(sqlite.sequential, sqlite.overlap)
  console.log(`verdict SQLite >= 5,000 jobs/s: ${worst >= 5_000 ? "yes" : "NO"} (worst shape ${worst} jobs/s)`)
}
