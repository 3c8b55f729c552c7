/**
 * End-to-end queue throughput (jobs/s): offer N jobs, a worker takes and
 * completes every one. Two shapes per queue: "then" (offer all, then process)
 * and "overlap" (the worker runs while the jobs are offered). Queues measured
 * in this one run: `PersistedQueue` on SQLite (a file in a temp dir), on
 * PostgreSQL (DATABASE_URL) and on Redis (REDIS_URL), and BullMQ on the same
 * Redis. Prints jobs/s, the Redis/BullMQ ratio and whether SQLite reaches
 * 5,000 jobs/s. A queue whose service is unreachable is skipped.
 *
 * Every queue is a `Subject` (offer job i; start a worker that reports each
 * job done), so another queue, e.g. the Outbox, is one more `measure` call.
 */
import { NodeRedis } from "@effect/platform-node"
import { PgClient } from "@effect/sql-pg"
import { Queue as BullQueue, Worker as BullWorker } from "bullmq"
import { Effect, Fiber, Layer, ManagedRuntime, Redacted, Schema } from "effect"
import { PersistedQueue } from "effect/persistence"
import { SqlClient } from "effect/sql"
import { mkdtempSync, rmSync } from "node:fs"
import * as net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createClient } from "redis"
import * as Sqlite from "../src/Sqlite.ts"

const N = Number(process.env.QUEUE_BENCH_JOBS ?? 5_000)
/** In-flight offers (callers) and jobs processed at once (worker concurrency), the same for every queue. */
const OFFER_CONCURRENCY = 16
const WORKER_CONCURRENCY = 16
const databaseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379"
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
export const measure = async (name: string, make: () => Promise<Subject>): Promise<Result> => {
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

const reachable = (url: string, defaultPort: number): Promise<boolean> =>
  new Promise((resolve) => {
    const { hostname, port } = new URL(url)
    const socket = net.connect({ host: hostname, port: Number(port || defaultPort) })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(1_000, () => done(false))
    socket.once("error", () => done(false))
    socket.once("connect", () => done(true))
  })

const directory = mkdtempSync(join(tmpdir(), "wedsync-queue-bench-"))
let files = 0
const pgTable = `bench_queue_${run}`
const redisPrefix = `effectq-bench-${run}:`

console.log(
  `queue throughput: ${N} jobs, ${OFFER_CONCURRENCY} concurrent offers, worker concurrency ${WORKER_CONCURRENCY}`
)
const results: Array<Result> = []
try {
  results.push(
    await measure(
      "PersistedQueue/SQLite",
      persistedQueue(() =>
        PersistedQueue.layerStoreSql().pipe(
          Layer.provide(Sqlite.layer({ filename: join(directory, `queue-${files++}.sqlite`) }))
        )
      )
    )
  )
  // The same without the driver's group commit: one COMMIT per statement, as plain autocommit.
  results.push(
    await measure(
      "  without group commit",
      persistedQueue(() =>
        PersistedQueue.layerStoreSql().pipe(
          Layer.provide(Sqlite.layer({ filename: join(directory, `queue-${files++}.sqlite`), groupCommit: false }))
        )
      )
    )
  )
  const pg = PgClient.layer({ url: Redacted.make(databaseUrl) })
  if (await reachable(databaseUrl, 5432)) {
    results.push(
      await measure(
        "PersistedQueue/Postgres",
        persistedQueue(() => PersistedQueue.layerStoreSql({ tableName: pgTable }).pipe(Layer.provide(pg)))
      )
    )
  } else console.log(`PersistedQueue/Postgres skipped: ${databaseUrl} unreachable`)
  if (await reachable(redisUrl, 6379)) {
    const redis = NodeRedis.layer({ url: redisUrl })
    results.push(
      await measure(
        "PersistedQueue/Redis",
        persistedQueue(() => PersistedQueue.layerStoreRedis({ prefix: redisPrefix }).pipe(Layer.provide(redis)))
      )
    )
    results.push(await measure("BullMQ/Redis", bullmq))
  } else console.log(`Redis and BullMQ skipped: ${redisUrl} unreachable`)
} finally {
  rmSync(directory, { recursive: true, force: true })
  if (await reachable(databaseUrl, 5432)) {
    await Effect.runPromise(
      SqlClient.SqlClient.use((sql) => sql`DROP TABLE IF EXISTS ${sql(pgTable)}, ${sql(`${pgTable}_migrations`)}`).pipe(
        Effect.provide(PgClient.layer({ url: Redacted.make(databaseUrl) })),
        Effect.ignore
      )
    )
  }
  if (await reachable(redisUrl, 6379)) {
    const client = await createClient({ url: redisUrl }).connect()
    for await (const keys of client.scanIterator({ MATCH: `${redisPrefix}*`, COUNT: 1000 })) {
      if (keys.length > 0) await client.del(keys)
    }
    await client.close()
  }
}

const byName = (name: string) => results.find((result) => result.name === name)
const redis = byName("PersistedQueue/Redis")
const bull = byName("BullMQ/Redis")
if (redis && bull) {
  console.log(
    `Redis / BullMQ: then ${(redis.sequential / bull.sequential).toFixed(2)}x, overlap ${(redis.overlap / bull.overlap).toFixed(2)}x (target >= 1.0x)`
  )
}
const sqlite = byName("PersistedQueue/SQLite")
if (sqlite) {
  const worst = Math.min(sqlite.sequential, sqlite.overlap)
  console.log(`SQLite >= 5,000 jobs/s: ${worst >= 5_000 ? "yes" : "NO"} (worst shape ${worst} jobs/s)`)
}
