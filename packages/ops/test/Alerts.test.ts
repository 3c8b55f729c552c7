/**
 * Alerts: dedupe per key (in memory, and across two instances on one SQLite
 * file), the per-sink throttle (counted and summarised, pages never held),
 * the escalation table, and resolutions sent once to the sinks that got
 * the alert.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import { Sqlite } from "@wedsync/durable"
import { afterAll } from "vitest"
import * as Alerts from "../src/Alerts.ts"
import * as AlertSinks from "../src/AlertSinks.ts"
import type * as Impact from "../src/Impact.ts"
import * as PeakMode from "../src/PeakMode.ts"
import { acrossInstances, capturing, input } from "./AlertsSuite.ts"

const wedding = (criticality: Impact.Affected["criticality"], daysAway: number): Impact.Affected => ({
  weddingId: `w_${criticality}`,
  weddingDate: "2027-06-20",
  daysAway,
  criticality,
  queued: 0,
  deadLettered: 0,
  workflows: [],
  score: 0,
  why: criticality
})

const impact = (weddingsToday: number, affected: ReadonlyArray<Impact.Affected>): Impact.Assessment => ({
  service: "sms",
  at: 0,
  weddingsToday,
  affected
})

describe("Alerts.escalate", () => {
  const rows: ReadonlyArray<[string, Parameters<typeof Alerts.escalate>[0], Alerts.Severity]> = [
    ["nobody affected, transient", { peak: false, reason: "Unavailable", impact: impact(0, []) }, "info"],
    ["no impact known", { peak: false }, "info"],
    ["provider-permanent reason", { peak: false, reason: "Misconfigured", impact: impact(0, []) }, "warning"],
    ["Unauthorized", { peak: false, reason: "Unauthorized" }, "warning"],
    ["a wedding later on", { peak: false, impact: impact(0, [wedding("low", 40)]) }, "warning"],
    ["a high wedding, no peak", { peak: false, impact: impact(0, [wedding("high", 5)]) }, "warning"],
    ["a high wedding in peak mode", { peak: true, impact: impact(0, [wedding("high", 5)]) }, "page"],
    ["a medium wedding in peak mode", { peak: true, impact: impact(0, [wedding("medium", 20)]) }, "warning"],
    [
      "a wedding-day-critical wedding",
      { peak: false, impact: impact(0, [wedding("wedding_day_critical", 1)]) },
      "page"
    ],
    ["a wedding today", { peak: false, impact: impact(1, []) }, "page"],
    ["a caller's minimum raises", { peak: false, minimum: "warning" }, "warning"],
    ["a caller's minimum never lowers", { peak: false, impact: impact(1, []), minimum: "info" }, "page"]
  ]
  for (const [name, row, expected] of rows) {
    it(`${name} → ${expected}`, () => assert.strictEqual(Alerts.escalate(row), expected))
  }

  it.effect("Alerts reads peak mode when it opens an alert", () => {
    const { seen, sink } = capturing()
    const layer = Alerts.layerMemory({ sinks: [sink] }).pipe(Layer.provideMerge(PeakMode.layer()))
    return Effect.gen(function* () {
      yield* Alerts.open(input("a", { impact: impact(0, [wedding("high", 5)]) }))
      yield* PeakMode.enable()
      yield* Alerts.open(input("b", { impact: impact(0, [wedding("high", 5)]) }))
      assert.deepStrictEqual(
        seen.map((notice) => notice.severity),
        ["warning", "page"]
      )
    }).pipe(Effect.provide(layer))
  })
})

describe("Alerts in memory", () => {
  it.effect("the same key twice is one notice; another key is another", () => {
    const { seen, sink } = capturing()
    return Effect.gen(function* () {
      assert.strictEqual((yield* Alerts.open(input("circuit:sms:twilio")))._tag, "Opened")
      assert.strictEqual((yield* Alerts.open(input("circuit:sms:twilio")))._tag, "AlreadyOpen")
      yield* Alerts.open(input("circuit:sms:vonage"))
      assert.deepStrictEqual(
        seen.map((notice) => notice.key),
        ["circuit:sms:twilio", "circuit:sms:vonage"]
      )
    }).pipe(Effect.provide(Alerts.layerMemory({ sinks: [sink] })))
  })

  it.effect("the resolution goes once, only to the sinks that got the alert", () => {
    const good = capturing("good")
    const declining = AlertSinks.make("declining", () => Effect.die("never called"), { accepts: () => false })
    const failing = AlertSinks.make("failing", () =>
      Effect.fail(new AlertSinks.AlertFailed({ sink: "failing", detail: "down" }))
    )
    return Effect.gen(function* () {
      const opened = yield* Alerts.open(input("k"))
      assert.deepStrictEqual(opened._tag === "Opened" ? opened.sinks : [], ["good"])
      const resolved = yield* Alerts.resolve("k")
      assert.deepStrictEqual(resolved._tag === "Resolved" ? resolved.sinks : [], ["good"])
      assert.strictEqual((yield* Alerts.resolve("k"))._tag, "NotOpen")
      assert.deepStrictEqual(
        good.seen.map((notice) => notice._tag),
        ["Alert", "Resolution"]
      )
    }).pipe(Effect.provide(Alerts.layerMemory({ sinks: [good.sink, declining, failing] })))
  })

  it.effect("throttled notices are counted and summarised in the next one; pages are never held", () => {
    const { seen, sink } = capturing()
    return Effect.gen(function* () {
      for (const key of ["a", "b", "c", "d"]) yield* Alerts.open(input(key))
      assert.deepStrictEqual(
        seen.map((notice) => notice.key),
        ["a", "b"]
      )
      yield* Alerts.open(input("today", { impact: impact(1, []) }))
      assert.strictEqual(seen.at(-1)?.key, "today")
      assert.deepStrictEqual(seen.at(-1)?.throttled, {
        count: 2,
        titles: ["[INFO] c is failing", "[INFO] d is failing"]
      })

      yield* Alerts.open(input("e"))
      assert.strictEqual(seen.length, 3)
      yield* TestClock.adjust("1 minute")
      yield* Alerts.open(input("f"))
      assert.strictEqual(seen.at(-1)?.key, "f")
      assert.deepStrictEqual(seen.at(-1)?.throttled, { count: 1, titles: ["[INFO] e is failing"] })
    }).pipe(Effect.provide(Alerts.layerMemory({ sinks: [sink], throttle: { max: 2, window: "1 minute" } })))
  })

  it.effect("a summary whose notice failed is carried to the next one", () => {
    const seen: Array<AlertSinks.Notice> = []
    let down = false
    const flaky = AlertSinks.make("flaky", (notice) =>
      down
        ? Effect.fail(new AlertSinks.AlertFailed({ sink: "flaky", detail: "down" }))
        : Effect.sync(() => void seen.push(notice))
    )
    return Effect.gen(function* () {
      yield* Alerts.open(input("a"))
      yield* Alerts.open(input("b"))
      yield* TestClock.adjust("1 minute")
      down = true
      yield* Alerts.open(input("c"))
      down = false
      yield* Alerts.open(input("d"))
      assert.deepStrictEqual(
        seen.map((notice) => [notice.key, notice.throttled?.count]),
        [
          ["a", undefined],
          ["d", 1]
        ]
      )
    }).pipe(Effect.provide(Alerts.layerMemory({ sinks: [flaky], throttle: { max: 1, window: "1 minute" } })))
  })

  it.effect("two sinks with one name are refused", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(
        Effect.provide(Alerts.open(input("a")), Alerts.layerMemory({ sinks: [AlertSinks.log, AlertSinks.log] }))
      )
      assert.isTrue(exit._tag === "Failure" && String(exit.cause).includes('two sinks are named "log"'))
    })
  )
})

describe("Alerts on SQLite", () => {
  const directory = mkdtempSync(join(tmpdir(), "ops-alerts-"))
  afterAll(() => rmSync(directory, { recursive: true, force: true }))

  it.live("two instances on one database raise one alert and send one resolution", () => {
    const filename = join(directory, "alerts.db")
    return acrossInstances(Sqlite.layer({ filename }), Sqlite.layer({ filename }))
  })
})
