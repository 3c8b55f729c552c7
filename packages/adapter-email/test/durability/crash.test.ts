/**
 * Crash safety of the outbox on its embedded store (one SQLite file): worker
 * processes are SIGKILLed in the middle of jobs, several times; after the
 * restarts every job is completed or dead-lettered, none is lost, and the
 * Resend simulator's ledger shows no email sent twice.
 */
import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, Layer } from "effect"
import { PersistedQueue } from "effect/persistence"
import { Audit, DeadLetters, Outbox, QueueStore, Sqlite } from "@wedsync/durable"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Faults, Simulator } from "@wedsync/testkit"
import * as Resend from "@wedsync/testkit/simulators/resend"
import { deadLetterIds, queueOptions } from "../fixtures/outboxSetup.ts"

const JOBS = 240
const KILLS = 4
const worker = fileURLToPath(new URL("../fixtures/outboxWorker.ts", import.meta.url))

let sim: Simulator.Running<Resend.State, Resend.Credentials>
let directory: string

beforeAll(async () => {
  sim = await Simulator.start(Resend.definition, { seed: 17 })
  // a fifth of all sends meet a 5xx and are retried later; every tenth job has a sender domain Resend refuses (not verified)
  sim.faults.add(Faults.rule(Faults.error("unavailable"), { rate: 0.2 }))
  // and every send takes a little while, so a kill always finds some in flight
  // (long enough that a request in flight when its worker is killed is still unanswered when the socket closes)
  sim.faults.add(Faults.latency({ min: 30, max: 80 }))
  directory = mkdtempSync(join(tmpdir(), "wedsync-crash-"))
})

afterAll(async () => {
  await sim.stop()
  rmSync(directory, { recursive: true, force: true })
})

const store = (file: string) => Sqlite.layer({ filename: file })

const outboxLayer = (file: string) =>
  DeadLetters.layerSql.pipe(
    Layer.provideMerge(Outbox.layer()),
    Layer.provideMerge(Audit.layerSql),
    Layer.provide(PersistedQueue.layer),
    Layer.provide(QueueStore.layerSql(queueOptions)),
    Layer.provide(store(file))
  )

const jobId = (n: number) => `reminder:crash:${n}`
const refused = (n: number) => n % 10 === 0

const offerAll = (file: string) =>
  Effect.gen(function* () {
    const outbox = yield* Outbox.Outbox
    for (let n = 0; n < JOBS; n++) {
      yield* outbox.offer({
        id: jobId(n),
        service: "email",
        operation: "reminder.email",
        payload: {
          to: `guest${n}@example.com`,
          from: refused(n) ? "planner@unverified.example" : "planner@wedsync.test"
        }
      })
    }
  }).pipe(Effect.provide(outboxLayer(file)), Effect.runPromise)

const startWorker = (file: string, ready: string) =>
  spawn(process.execPath, [worker], {
    env: {
      ...process.env,
      STORE: "sqlite",
      DB_FILE: file,
      SIM_URL: sim.url,
      API_KEY: sim.credentials.apiKey,
      READY_FILE: ready
    },
    stdio: ["ignore", "ignore", "inherit"]
  })

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis))

const sentIds = () => new Set(sim.ledger.sideEffects("email").map((effect) => effect.key))

describe("the outbox survives SIGKILLed workers", () => {
  it("completes or dead-letters every job, losing none and sending none twice", { timeout: 120_000 }, async () => {
    const file = join(directory, "outbox.db")
    await offerAll(file)
    for (let kill = 0; kill < KILLS; kill++) {
      const ready = join(directory, `ready-${kill}`)
      const child = startWorker(file, ready)
      while (!existsSync(ready)) await sleep(20)
      // let it get well into the jobs, then kill it mid-flight
      const before = sim.ledger.requests().length
      while (sim.ledger.requests().length < before + 25) await sleep(5)
      child.kill("SIGKILL")
      await new Promise((resolve) => child.once("exit", resolve))
    }
    expect(sentIds().size).toBeLessThan(JOBS)

    const last = startWorker(file, join(directory, "ready-last"))
    const expected = JOBS - Array.from({ length: JOBS }, (_, n) => n).filter(refused).length
    const deadline = Date.now() + 90_000
    while (sentIds().size < expected && Date.now() < deadline) await sleep(100)
    await sleep(500)
    last.kill("SIGTERM")
    await new Promise((resolve) => last.once("exit", resolve))

    const sent = sentIds()
    const dead = new Set(await deadLetterIds(store(file)))
    const all = Array.from({ length: JOBS }, (_, n) => jobId(n))
    const lost = all.filter((id) => !sent.has(id) && !dead.has(id))
    expect(lost).toEqual([])
    // a refused address is dead-lettered, never sent; every other job is sent and never dead-lettered
    expect([...dead].sort()).toEqual(all.filter((_, n) => refused(n)).sort())
    const twice = [...sim.ledger.byKey("email")].filter(([, effects]) => effects.length > 1).map(([key]) => key)
    expect(twice).toEqual([])
    // the kills really cut work off mid-flight: the simulator saw requests whose client vanished
    expect(sim.ledger.requests({ outcome: "clientAborted" }).length).toBeGreaterThan(0)
  })
})
