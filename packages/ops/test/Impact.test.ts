/**
 * Impact assessment: the ranking table (today, tomorrow, in 10 days, outside
 * the horizon, a service the wedding does not use → excluded; within a day,
 * more waiting work first; criticality from core's thresholds) on the memory
 * directory with fixed counts; and `countsFromStores` against real durable
 * stores on SQLite — the outbox's queue and the dead letters — with a queued
 * and a dead-lettered job for one wedding.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { PersistedQueue } from "effect/persistence"
import { TestClock } from "effect/testing"
import { WeddingContext } from "@wedsync/core"
import { Audit, DeadLetters, Outbox, QueueStore, Sqlite } from "@wedsync/durable"
import * as Impact from "../src/Impact.ts"
import * as WeddingDirectory from "../src/WeddingDirectory.ts"

// 2026-06-01T09:00:00Z
const NOW = Date.UTC(2026, 5, 1, 9)

const weddings: ReadonlyArray<WeddingDirectory.Wedding> = [
  { weddingId: "in10", weddingDate: "2026-06-11", services: ["sms", "email"], couple: "Cy & Di" },
  { weddingId: "today-quiet", weddingDate: "2026-06-01", services: ["sms"] },
  { weddingId: "tomorrow", weddingDate: "2026-06-02", services: ["sms"], workflows: ["rsvp-reminders"] },
  { weddingId: "today-busy", weddingDate: "2026-06-01", services: ["email", "sms"], couple: "Ana & Ben" },
  { weddingId: "outside", weddingDate: "2026-06-20", services: ["sms"] },
  { weddingId: "email-only", weddingDate: "2026-06-01", services: ["email"] },
  { weddingId: "yesterday", weddingDate: "2026-05-31", services: ["sms"] }
]

const waiting: Readonly<Record<string, { queued: number; deadLettered: number }>> = {
  "today-busy": { queued: 2, deadLettered: 1 },
  in10: { queued: 0, deadLettered: 3 }
}
const fixedCounts = Layer.succeed(
  Impact.Counts,
  Impact.Counts.of({
    forWedding: (weddingId) => Effect.succeed(waiting[weddingId] ?? { queued: 0, deadLettered: 0 })
  })
)

describe("Impact.assess", () => {
  it.effect("ranks the weddings depending on the service, most urgent first", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(NOW)
      const assessment = yield* Impact.assess({ service: "sms", provider: "twilio" })
      const table = assessment.affected.map((a) => [a.weddingId, a.daysAway, a.criticality, a.queued, a.deadLettered])
      assert.deepStrictEqual(table, [
        ["today-busy", 0, "wedding_day_critical", 2, 1],
        ["today-quiet", 0, "wedding_day_critical", 0, 0],
        ["tomorrow", 1, "wedding_day_critical", 0, 0],
        ["in10", 10, "medium", 0, 3]
      ])
      assert.deepStrictEqual(
        assessment.affected.map((a) => a.why),
        [
          "wedding today; 2 jobs queued; 1 job dead-lettered",
          "wedding today",
          "wedding tomorrow",
          "wedding in 10 days (medium); 3 jobs dead-lettered"
        ]
      )
      assert.deepInclude(assessment, { service: "sms", provider: "twilio", at: NOW, weddingsToday: 2 })
      assert.strictEqual(assessment.affected[0]!.couple, "Ana & Ben")
      assert.deepStrictEqual(assessment.affected[2]!.workflows, ["rsvp-reminders"])
      const scores = assessment.affected.map((a) => a.score)
      assert.deepStrictEqual(
        scores,
        [...scores].sort((a, b) => b - a),
        "score agrees with the order"
      )
    }).pipe(Effect.provide(Layer.mergeAll(WeddingDirectory.layerMemory(weddings), fixedCounts)))
  )

  it.effect("follows the horizon and the criticality thresholds in force", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(NOW)
      const week = yield* Impact.assess({ service: "sms", horizonDays: 30 }).pipe(
        Effect.provideService(WeddingContext.CriticalityThresholds, { critical: 0, high: 10, medium: 30 })
      )
      assert.deepStrictEqual(
        week.affected.map((a) => [a.weddingId, a.criticality]),
        [
          ["today-busy", "wedding_day_critical"],
          ["today-quiet", "wedding_day_critical"],
          ["tomorrow", "high"],
          ["in10", "high"],
          ["outside", "medium"]
        ]
      )
      const none = yield* Impact.assess({ service: "calendar" })
      assert.deepStrictEqual(none.affected, [])
      assert.strictEqual(none.weddingsToday, 0)
    }).pipe(Effect.provide(Layer.mergeAll(WeddingDirectory.layerMemory(weddings), Impact.countsNone)))
  )
})

const stores = Layer.mergeAll(Impact.countsFromStores, WeddingDirectory.layerSql()).pipe(
  Layer.provideMerge(DeadLetters.layerSql.pipe(Layer.provide(Audit.layerSql))),
  Layer.provideMerge(Outbox.layer().pipe(Layer.provide(PersistedQueue.layer), Layer.provide(QueueStore.layerSql()))),
  Layer.provideMerge(Sqlite.layerMemory)
)

const letter = (id: string, weddingId: string, status: "dead" | "replayed" = "dead") =>
  new DeadLetters.DeadLetter({
    id,
    service: "sms",
    operation: "reminder.sms",
    provider: "twilio",
    providersTried: ["twilio"],
    reason: "Unavailable",
    errors: [{ at: NOW - 1_000, provider: "twilio", reason: "Unavailable", message: "503" }],
    attempts: 3,
    payload: {},
    wedding: { weddingId, weddingDate: "2026-06-01", vendorType: "venue", criticality: "wedding_day_critical" },
    correlationId: `corr_${id}`,
    firstFailureAt: NOW - 2_000,
    lastFailureAt: NOW - 1_000,
    deadAt: NOW,
    status,
    replays: 0
  })

describe("Impact.countsFromStores", () => {
  it.live("counts a wedding's queued and dead-lettered jobs on the real durable stores", () =>
    Effect.gen(function* () {
      const outbox = yield* Outbox.Outbox
      const job = (id: string, weddingId: string, service: "sms" | "email") =>
        outbox.offer({
          id,
          service,
          operation: `reminder.${service}`,
          payload: { template: "headcount" },
          wedding: { weddingId, weddingDate: "2026-06-01", vendorType: "venue" },
          delayMillis: 3_600_000
        })
      yield* job("reminder:w_1:sms", "w_1", "sms")
      yield* job("reminder:w_1:email", "w_1", "email")
      yield* job("reminder:w_10:sms", "w_10", "sms")
      const letters = yield* DeadLetters.DeadLetters
      yield* letters.add(letter("deposit:w_1", "w_1"))
      yield* letters.add(letter("deposit:w_1:old", "w_1", "replayed"))
      yield* letters.add(letter("deposit:w_2", "w_2"))
      const counts = yield* Impact.Counts
      assert.deepStrictEqual(yield* counts.forWedding("w_1", "sms"), { queued: 1, deadLettered: 1 })
      assert.deepStrictEqual(yield* counts.forWedding("w_1", "email"), { queued: 1, deadLettered: 0 })
      assert.deepStrictEqual(yield* counts.forWedding("w_3", "sms"), { queued: 0, deadLettered: 0 })
      const directory = yield* WeddingDirectory.WeddingDirectory
      const today = new Date().toISOString().slice(0, 10)
      yield* directory.upsert({ weddingId: "w_3", weddingDate: today, services: ["sms"] })
      yield* directory.upsert({ weddingId: "w_1", weddingDate: today, services: ["sms"] })
      const assessment = yield* Impact.assess({ service: "sms", provider: "twilio" })
      assert.deepStrictEqual(
        assessment.affected.map((a) => [a.weddingId, a.why]),
        [
          ["w_1", "wedding today; 1 job queued; 1 job dead-lettered"],
          ["w_3", "wedding today"]
        ]
      )
    }).pipe(Effect.provide(stores))
  )
})
