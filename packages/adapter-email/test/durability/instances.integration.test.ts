/**
 * Several instances: three worker processes share one outbox on the real
 * PostgreSQL (queue rows claimed with row locks) and their circuits through
 * the real Redis, and process 5,000 jobs while the Resend simulator fails a
 * fifth of all sends. Every job ends sent or dead-lettered; none is lost;
 * none is sent twice.
 *
 * Needs DATABASE_URL and REDIS_URL; skipped when they do not answer, except
 * under CI=true where that fails the run.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { PgClient } from "@effect/sql-pg"
import { Outbox, QueueStore } from "@wedsync/durable"
import { Effect, Layer, Redacted } from "effect"
import { PersistedQueue } from "effect/persistence"
import { createClient } from "redis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Faults, Simulator } from "@wedsync/testkit"
import * as Resend from "@wedsync/testkit/simulators/resend"
import { deadLetterIds, queueOptions } from "../fixtures/outboxSetup.ts"

const JOBS = 5_000
const WORKERS = 3
const databaseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379"
const run = `t${Date.now().toString(36)}${process.pid}`
const worker = fileURLToPath(new URL("../fixtures/outboxWorker.ts", import.meta.url))

const withDatabase = (url: string, name: string) => {
  const parsed = new URL(url)
  parsed.pathname = `/${name}`
  return parsed.toString()
}
const runUrl = withDatabase(databaseUrl, run)

const admin = <A>(statement: (sql: PgClient.PgClient) => Effect.Effect<A, unknown>) =>
  Effect.flatMap(Effect.service(PgClient.PgClient), statement).pipe(
    Effect.provide(PgClient.layer({ url: Redacted.make(databaseUrl) })),
    Effect.runPromise
  )

const reachable = async (): Promise<boolean> => {
  try {
    await admin((sql) => sql`SELECT 1`)
    const redis = createClient({ url: redisUrl, socket: { connectTimeout: 1_000, reconnectStrategy: false } })
    await redis.connect()
    await redis.ping()
    await redis.quit()
    return true
  } catch (cause) {
    if (process.env.CI === "true") throw new Error(`CI=true but PostgreSQL or Redis is unreachable: ${String(cause)}`)
    return false
  }
}

const available = await reachable()

let sim: Simulator.Running<Resend.State, Resend.Credentials>
let directory: string
const children: Array<ChildProcess> = []

beforeAll(async () => {
  if (!available) return
  await admin((sql) => sql.unsafe(`CREATE DATABASE ${run}`))
  sim = await Simulator.start(Resend.definition, { seed: 23 })
  sim.faults.add(Faults.rule(Faults.error("unavailable"), { rate: 0.2 }))
  directory = mkdtempSync(join(tmpdir(), "wedsync-instances-"))
})

afterAll(async () => {
  if (!available) return
  for (const child of children) child.kill("SIGKILL")
  await sim.stop()
  rmSync(directory, { recursive: true, force: true })
  await admin((sql) => sql.unsafe(`DROP DATABASE IF EXISTS ${run} WITH (FORCE)`))
})

const store = () => PgClient.layer({ url: Redacted.make(runUrl) })
const jobId = (n: number) => `reminder:instances:${n}`
const refused = (n: number) => n % 50 === 0

const offerAll = () =>
  Effect.gen(function* () {
    const outbox = yield* Outbox.Outbox
    yield* Effect.forEach(
      Array.from({ length: JOBS }, (_, n) => n),
      (n) =>
        outbox.offer({
          id: jobId(n),
          service: "email",
          operation: "reminder.email",
          payload: {
            to: `guest${n}@example.com`,
            from: refused(n) ? "planner@unverified.example" : "planner@wedsync.test"
          }
        }),
      { concurrency: 16, discard: true }
    )
  }).pipe(
    Effect.provide(
      Outbox.layer().pipe(
        Layer.provide(PersistedQueue.layer),
        Layer.provide(QueueStore.layerSql(queueOptions)),
        Layer.provide(store())
      )
    ),
    Effect.runPromise
  )

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis))

describe.skipIf(!available)("three outbox workers on PostgreSQL and Redis", () => {
  it("process 5,000 jobs under 20 % failures: none lost, none sent twice", { timeout: 300_000 }, async () => {
    await offerAll()
    for (let i = 0; i < WORKERS; i++) {
      const ready = join(directory, `ready-${i}`)
      children.push(
        spawn(process.execPath, [worker], {
          env: {
            ...process.env,
            STORE: "pg",
            DATABASE_URL: runUrl,
            REDIS_URL: redisUrl,
            REDIS_PREFIX: `wedsync:${run}:`,
            SIM_URL: sim.url,
            API_KEY: sim.credentials.apiKey,
            READY_FILE: ready,
            WORKER_ID: String(i)
          },
          stdio: ["ignore", "ignore", "inherit"]
        })
      )
      while (!existsSync(ready)) await sleep(20)
    }
    const expected = JOBS - Array.from({ length: JOBS }, (_, n) => n).filter(refused).length
    const sent = () => new Set(sim.ledger.sideEffects("email").map((effect) => effect.key))
    const deadline = Date.now() + 240_000
    while (sent().size < expected && Date.now() < deadline) await sleep(200)
    await sleep(1_000)
    for (const child of children) child.kill("SIGTERM")

    const all = Array.from({ length: JOBS }, (_, n) => jobId(n))
    const done = sent()
    const dead = new Set(await deadLetterIds(store()))
    expect(all.filter((id) => !done.has(id) && !dead.has(id))).toEqual([])
    expect([...dead].sort()).toEqual(all.filter((_, n) => refused(n)).sort())
    expect([...sim.ledger.byKey("email")].filter(([, effects]) => effects.length > 1)).toEqual([])
    // all three instances did a share of the work (each signs its subject lines)
    const workers = new Set(
      sim.ledger
        .sideEffects("email")
        .map((effect) => /worker (\d+)/.exec((effect.data as { subject: string }).subject)?.[1])
    )
    expect([...workers].sort()).toEqual(["0", "1", "2"])
  })
})
