/**
 * The reconciliation daemon under TestClock: it runs a pass at once and then
 * every interval, a pass that dies (a lookup's defect) or fails (the store,
 * here real SQLite with its table moved away) is logged and the next one runs
 * on time, and it stops with its scope. Plus the per-message decision rules
 * as properties: bounded checks, growing waits, what ends the polling.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Layer, Logger, Option } from "effect"
import { SqlClient } from "effect/sql"
import { TestClock } from "effect/testing"
import * as fc from "fast-check"
import * as Deliveries from "../src/Deliveries.ts"
import * as IntegrationError from "@wedsync/core/IntegrationError"
import { type Answer, decide, type Settings } from "../src/internal/deliveries/reconcile.ts"
import * as Reconciliation from "../src/Reconciliation.ts"
import { event, minute, T, tempSqlite, tracked } from "./DeliveriesFixtures.ts"
import { engine, statusApi } from "./ReconciliationFixtures.ts"

/** A logger that keeps `LEVEL message` lines, with the cause's text when there is one. */
const captureLogs = () => {
  const lines: Array<string> = []
  const logger = Logger.make((options) => {
    const cause = options.cause.reasons.length === 0 ? "" : ` | ${String(options.cause.reasons[0])}`
    lines.push(`${options.logLevel} ${[options.message].flat().join(" ")}${cause}`)
  })
  return { lines, layer: Logger.layer([logger]) }
}

const stateOf = (provider: string, messageId: string) =>
  Effect.flatMap(Effect.service(Deliveries.Deliveries), (deliveries) =>
    Effect.map(
      deliveries.get(provider, messageId),
      Option.map((delivery) => delivery.state)
    )
  )

describe("Reconciliation.schedule", () => {
  it.effect("runs a pass at once and every interval; a pass that dies is logged and the next runs on time", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      yield* TestClock.setTime(T)
      const twilio = statusApi("twilio", "sms")
      twilio.accept("SM_1")
      twilio.advance("SM_1", "delivered", T)
      twilio.inject("SM_1", { _tag: "Die" })
      yield* Effect.flatMap(Effect.service(Deliveries.Deliveries), (deliveries) => deliveries.track(tracked("SM_1", T)))

      yield* Effect.scoped(
        Effect.gen(function* () {
          yield* Reconciliation.schedule({ lookups: [twilio.service], every: "1 minute" })
          yield* TestClock.adjust("30 seconds")
          assert.deepStrictEqual(twilio.asked(), ["SM_1"])
          assert.deepStrictEqual(yield* stateOf("twilio", "SM_1"), Option.some("pending"))
          const failed = logs.lines.filter((line) => line.includes("a pass failed"))
          assert.strictEqual(failed.length, 1)
          assert.include(failed[0], "status API client crashed")

          yield* TestClock.adjust("30 seconds")
          assert.deepStrictEqual(twilio.asked(), ["SM_1", "SM_1"])
          assert.deepStrictEqual(yield* stateOf("twilio", "SM_1"), Option.some("settled"))

          twilio.accept("SM_2")
          twilio.advance("SM_2", "undelivered", T + minute)
          yield* Effect.flatMap(Effect.service(Deliveries.Deliveries), (deliveries) =>
            deliveries.track(tracked("SM_2", T + minute))
          )
          yield* TestClock.adjust("1 minute")
          assert.deepStrictEqual(yield* stateOf("twilio", "SM_2"), Option.some("settled"))
        })
      )
      // the daemon ended with its scope
      const asked = twilio.asked().length
      twilio.accept("SM_3")
      yield* Effect.flatMap(Effect.service(Deliveries.Deliveries), (deliveries) => deliveries.track(tracked("SM_3", T)))
      yield* TestClock.adjust("10 minutes")
      assert.strictEqual(twilio.asked().length, asked)
    }).pipe(Effect.provide(Layer.mergeAll(Deliveries.layerMemory, engine, logs.layer)))
  })

  it.effect("as a layer, it survives passes that fail on the store and carries on once the store is back", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      yield* TestClock.setTime(T)
      const sql = yield* SqlClient.SqlClient
      const deliveries = yield* Deliveries.Deliveries
      const postmark = statusApi("postmark", "email")
      postmark.accept("pm_1")
      postmark.advance("pm_1", "delivered", T)
      yield* deliveries.track(tracked("pm_1", T, { channel: "email", provider: "postmark" }))
      yield* sql`ALTER TABLE wedsync_deliveries RENAME TO wedsync_deliveries_away`

      yield* Effect.scoped(
        Effect.gen(function* () {
          yield* Layer.build(Reconciliation.layer({ lookups: [postmark.service], every: "1 minute" }))
          yield* TestClock.adjust("1 minute")
          const failed = logs.lines.filter((line) => line.includes("a pass failed"))
          assert.strictEqual(failed.length, 2)
          assert.include(failed[0], "deliveries.overdue")
          assert.deepStrictEqual(postmark.asked(), [])

          yield* sql`ALTER TABLE wedsync_deliveries_away RENAME TO wedsync_deliveries`
          yield* TestClock.adjust("1 minute")
          assert.deepStrictEqual(postmark.asked(), ["pm_1"])
          assert.deepStrictEqual(yield* stateOf("postmark", "pm_1"), Option.some("settled"))
          // the webhook Postmark retried late is the same event
          assert.strictEqual(
            yield* deliveries.record(
              event("pm_1", "delivered", T, { id: "postmark:pm_1:delivered", channel: "email", provider: "postmark" })
            ),
            "duplicate"
          )
        })
      )
    }).pipe(
      Effect.provide(Layer.mergeAll(Deliveries.layerSql, engine, logs.layer).pipe(Layer.provideMerge(tempSqlite)))
    )
  })
})

const settings = fc.record({
  backoff: fc
    .record({
      baseMillis: fc.integer({ min: 1, max: 3_600_000 }),
      factor: fc.double({ min: 1, max: 4, noNaN: true }),
      extra: fc.integer({ min: 0, max: 7_200_000 })
    })
    .map(({ baseMillis, factor, extra }) => ({
      kind: "exponential" as const,
      baseMillis,
      factor,
      capMillis: baseMillis + extra
    })),
  maxChecks: fc.integer({ min: 1, max: 12 })
})
const quiet = fc.constantFrom<Answer>(
  { _tag: "NoNews" },
  { _tag: "NoLookup" },
  { _tag: "Found", event: event("SM_p", "sent", T) },
  { _tag: "LookupFailed", error: IntegrationError.make("twilio", "status", new IntegrationError.Unavailable({})) }
)

/** Polls one message until the decision stops it; the waits between checks and how it ended. */
const simulate = (rules: Settings, answers: ReadonlyArray<Answer>) => {
  let message = new Deliveries.Pending({ ...tracked("SM_p", T), checks: 0 })
  let now = T
  const waits: Array<number> = []
  for (const answer of answers) {
    const { outcome, write } = decide(message, answer, now, rules)
    if (write._tag !== "Reschedule") return { waits, ended: outcome._tag, checks: message.checks + 1 }
    waits.push(write.dueBy - now)
    now = write.dueBy
    message = new Deliveries.Pending({ ...message, dueBy: write.dueBy, checks: write.checks })
  }
  return { waits, ended: "still polling", checks: message.checks }
}

describe("Reconciliation's decision for one message", () => {
  it("without a final answer, polls exactly maxChecks times, each wait no shorter than the last and within the cap", () => {
    fc.assert(
      fc.property(settings, fc.array(quiet, { minLength: 12, maxLength: 12 }), (rules, answers) => {
        const { waits, ended, checks } = simulate(rules, answers)
        assert.strictEqual(ended, "Abandoned")
        assert.strictEqual(checks, rules.maxChecks)
        assert.strictEqual(waits.length, rules.maxChecks - 1)
        waits.forEach((wait, index) => {
          assert.isAtMost(wait, rules.backoff.capMillis)
          assert.isAtLeast(wait, index === 0 ? rules.backoff.baseMillis : (waits[index - 1] ?? 0))
        })
      })
    )
  })

  it("a final answer settles and an unknown message is abandoned, whatever the checks so far", () => {
    fc.assert(
      fc.property(settings, fc.integer({ min: 0, max: 20 }), (rules, checks) => {
        const message = new Deliveries.Pending({ ...tracked("SM_p", T), checks })
        const delivered = decide(message, { _tag: "Found", event: event("SM_p", "delivered", T) }, T, rules)
        assert.deepStrictEqual(delivered.write, { _tag: "None" })
        assert.strictEqual(delivered.outcome._tag, "Settled")
        for (const reason of [new IntegrationError.Rejected({}), new IntegrationError.InvalidRequest({})]) {
          const error = IntegrationError.make("twilio", "status", reason)
          const gone = decide(message, { _tag: "LookupFailed", error }, T, rules)
          assert.deepStrictEqual(gone.write, { _tag: "Abandon", checks: checks + 1 })
        }
      })
    )
  })

  it("waits at least the provider's Retry-After after a rate limit", () => {
    fc.assert(
      fc.property(settings, fc.integer({ min: 0, max: 86_400_000 }), (rules, retryAfter) => {
        const message = new Deliveries.Pending({ ...tracked("SM_p", T), checks: 0 })
        const error = IntegrationError.make(
          "twilio",
          "status",
          new IntegrationError.RateLimited({ retryAfter: Duration.millis(retryAfter) })
        )
        const { write } = decide(message, { _tag: "LookupFailed", error }, T, { ...rules, maxChecks: 2 })
        assert.deepStrictEqual(write, {
          _tag: "Reschedule",
          dueBy: T + Math.max(retryAfter, rules.backoff.baseMillis),
          checks: 1
        })
      })
    )
  })

  it("by default asks for about seven hours after the message was due", () => {
    const { waits, checks } = simulate(
      { backoff: Reconciliation.defaultBackoff, maxChecks: 8 },
      Array.from({ length: 8 }, () => ({ _tag: "NoNews" }) as const)
    )
    assert.strictEqual(checks, 8)
    assert.deepStrictEqual(
      waits.map((wait) => wait / minute),
      [5, 10, 20, 40, 80, 120, 120]
    )
  })
})
