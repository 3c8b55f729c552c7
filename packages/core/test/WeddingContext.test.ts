/**
 * Criticality rising as the wedding nears, read through `TestClock`, and the
 * correlation id carried beside it.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Schema } from "effect"
import { TestClock } from "effect/testing"
import * as Correlation from "../src/Correlation.ts"
import * as WeddingContext from "../src/WeddingContext.ts"

const DAY = 86_400_000
// TestClock starts at 1970-01-01T00:00:00Z.
const wedding = (weddingDate: string, criticality?: WeddingContext.Criticality) => ({
  weddingId: "w_1",
  weddingDate,
  vendorType: "venue",
  ...(criticality === undefined ? {} : { criticality })
})
const criticalityOn = (weddingDate: string, criticality?: WeddingContext.Criticality) =>
  Effect.map(WeddingContext.current.pipe(WeddingContext.provide(wedding(weddingDate, criticality))), (resolved) => [
    resolved?.criticality,
    resolved?.daysUntil
  ])

describe("WeddingContext", () => {
  it.effect("is undefined outside a wedding", () =>
    Effect.gen(function* () {
      assert.isUndefined(yield* WeddingContext.current)
    })
  )

  it.effect("rises as the date nears: month → medium, week → high, day before and day → critical", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* criticalityOn("1970-03-01"), ["low", 59])
      assert.deepStrictEqual(yield* criticalityOn("1970-01-31"), ["medium", 30])
      assert.deepStrictEqual(yield* criticalityOn("1970-01-09"), ["medium", 8])
      assert.deepStrictEqual(yield* criticalityOn("1970-01-08"), ["high", 7])
      assert.deepStrictEqual(yield* criticalityOn("1970-01-03"), ["high", 2])
      assert.deepStrictEqual(yield* criticalityOn("1970-01-02"), ["wedding_day_critical", 1])
      assert.deepStrictEqual(yield* criticalityOn("1970-01-01"), ["wedding_day_critical", 0])
    })
  )

  it.effect("moves with the clock, whole UTC days, and falls back to low after the wedding", () =>
    Effect.gen(function* () {
      yield* TestClock.adjust(6 * DAY + 23 * 3_600_000)
      assert.deepStrictEqual(yield* criticalityOn("1970-01-08"), ["wedding_day_critical", 1])
      yield* TestClock.adjust(2 * 3_600_000)
      assert.deepStrictEqual(yield* criticalityOn("1970-01-08"), ["wedding_day_critical", 0])
      yield* TestClock.adjust(DAY)
      assert.deepStrictEqual(yield* criticalityOn("1970-01-08"), ["low", -1])
    })
  )

  it.effect("a given criticality is a floor the date can raise but never lower", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* criticalityOn("1970-06-01", "high"), ["high", 151])
      assert.deepStrictEqual(yield* criticalityOn("1970-01-01", "low"), ["wedding_day_critical", 0])
    })
  )

  it.effect("thresholds are configurable", () =>
    Effect.gen(function* () {
      const resolved = yield* criticalityOn("1970-01-04").pipe(
        Effect.provideService(WeddingContext.CriticalityThresholds, { critical: 3, high: 10, medium: 60 })
      )
      assert.deepStrictEqual(resolved, ["wedding_day_critical", 3])
    })
  )

  it("rejects a date that is not a calendar date, naming it", () => {
    const bad = Schema.decodeUnknownExit(WeddingContext.Wedding)(wedding("2026-02-30"))
    assert.isTrue(Exit.isFailure(bad))
    assert.include(String(bad), "2026-02-30 is not a calendar date")
    assert.isTrue(Exit.isFailure(Schema.decodeUnknownExit(WeddingContext.Wedding)(wedding("20/06/2026"))))
    assert.isTrue(Exit.isSuccess(Schema.decodeUnknownExit(WeddingContext.Wedding)(wedding("2028-02-29"))))
  })
})

describe("Correlation", () => {
  it.effect("carries an id through a call, and ensure keeps an existing one", () =>
    Effect.gen(function* () {
      assert.isUndefined(yield* Correlation.current)
      assert.strictEqual(yield* Correlation.current.pipe(Correlation.withId("corr_42")), "corr_42")
      assert.strictEqual(yield* Correlation.current.pipe(Correlation.ensure, Correlation.withId("corr_42")), "corr_42")
      const fresh = yield* Correlation.current.pipe(Correlation.ensure)
      assert.match(fresh ?? "", /^corr_[0-9a-f-]{36}$/)
    })
  )
})
