/**
 * The watchdog's contract, run on every store (memory, SQLite, PostgreSQL):
 * a booking whose steps arrive in time raises nothing; a missing step raises
 * one alert naming the booking, the step, its deadline and what arrived; a
 * step that then arrives is on the timeline with one `Resolved` notice and
 * no second alert; a step that arrives late before any check is `Late`; a
 * port that fails is raised again once its claim lapses. Time is `TestClock`
 * (`it.effect`), so 48 hours pass at once.
 */
import { assert, describe, it } from "@effect/vitest"
import { Clock, Context, Duration, Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import * as Watchdog from "../src/Watchdog.ts"

/** How a test moves time: `TestClock`, or a clock of its own where real I/O needs the live scheduler. */
class SuiteTime extends Context.Service<
  SuiteTime,
  {
    readonly set: (time: number) => Effect.Effect<void>
    readonly adjust: (duration: Duration.Input) => Effect.Effect<void>
  }
>()("test/WatchdogSuite/SuiteTime") {}

const setTime = (time: number) => Effect.flatMap(Effect.service(SuiteTime), (clock) => clock.set(time))
const adjust = (duration: Duration.Input) =>
  Effect.flatMap(Effect.service(SuiteTime), (clock) => clock.adjust(duration))

const testClockTime = SuiteTime.of({ set: TestClock.setTime, adjust: TestClock.adjust })

/**
 * A clock that stands still until the test moves it, sleeping for real:
 * PostgreSQL's sockets resume on the live scheduler, which `TestClock` holds.
 */
export const manualClock = (live: Clock.Clock, start: number) => {
  let now = start
  const clock: Clock.Clock = {
    currentTimeMillisUnsafe: () => now,
    currentTimeMillis: Effect.sync(() => now),
    currentTimeNanosUnsafe: () => BigInt(now) * 1_000_000n,
    currentTimeNanos: Effect.sync(() => BigInt(now) * 1_000_000n),
    monotonicTimeNanosUnsafe: () => live.monotonicTimeNanosUnsafe(),
    monotonicTimeNanos: live.monotonicTimeNanos,
    sleep: (duration) => live.sleep(duration)
  }
  const time = SuiteTime.of({
    set: (time) =>
      Effect.sync(() => {
        now = time
      }),
    adjust: (duration) =>
      Effect.sync(() => {
        now += Duration.toMillis(Duration.fromInputUnsafe(duration))
      })
  })
  return { clock, time }
}

/** 2026-06-01T00:00:00Z. */
export const T = Date.UTC(2026, 5, 1)
export const HOUR = 3_600_000

/** The booking of the brief: deposit → vendor within 48 h → calendar → email delivered within 1 h. */
export const bookingPlan: ReadonlyArray<Watchdog.Step> = [
  { name: "deposit", match: { provider: "stripe", kind: "payment_intent.succeeded" } },
  { name: "vendor confirmation", match: { kind: "vendor.confirmed" }, within: "48 hours" },
  { name: "calendar event", match: { kind: "calendar.created" } },
  { name: "confirmation email", match: { kind: "delivery", outcome: "delivered" }, within: "1 hour" }
]

/** The other side of the alerts port: keeps what it is handed; fails the first `failFirst` raises. */
export const recording = (failFirst = 0) => {
  const alerts: Array<Watchdog.Alert> = []
  let failures = failFirst
  const layer = Layer.succeed(
    Watchdog.Alerts,
    Watchdog.Alerts.of({
      raise: (alert) =>
        Effect.suspend(() => {
          if (failures > 0) {
            failures -= 1
            return Effect.fail(new Watchdog.AlertFailed({ description: "the pager answered 503" }))
          }
          alerts.push(alert)
          return Effect.void
        })
    })
  )
  return { alerts, layer }
}

const at = (key: string, kind: string, time: number, extra: Partial<Watchdog.Observation> = {}) =>
  Watchdog.observe({ key, kind, at: time, outcome: "success", ...extra })

/** Runs the contract on the watchdog `make` builds over a given alerts port (a fresh store per test). */
export const watchdogSuite = <E>(
  name: string,
  make: (alerts: Layer.Layer<Watchdog.Alerts>) => Layer.Layer<Watchdog.Watchdog, E>,
  options: { readonly clock: "TestClock" | "manual" } = { clock: "TestClock" }
) => {
  const test = (
    title: string,
    body: (alerts: Array<Watchdog.Alert>) => Effect.Effect<void, unknown, Watchdog.Watchdog | SuiteTime>,
    failFirst = 0
  ) => {
    const run =
      (
        timed: (
          effect: Effect.Effect<void, unknown, Watchdog.Watchdog | SuiteTime>
        ) => Effect.Effect<void, unknown, Watchdog.Watchdog>
      ) =>
      () => {
        const recorder = recording(failFirst)
        return timed(Effect.andThen(setTime(T), body(recorder.alerts))).pipe(Effect.provide(make(recorder.layer)))
      }
    if (options.clock === "TestClock") return it.effect(title, run(Effect.provideService(SuiteTime, testClockTime)))
    return it.live(
      title,
      run((effect) =>
        Effect.flatMap(Clock.clockWith(Effect.succeed), (live) => {
          const manual = manualClock(live, T)
          return effect.pipe(
            Effect.provideService(SuiteTime, manual.time),
            Effect.provideService(Clock.Clock, manual.clock)
          )
        })
      )
    )
  }

  describe(`Watchdog contract: ${name}`, () => {
    test("a booking whose steps arrive in time raises nothing", (alerts) =>
      Effect.gen(function* () {
        yield* Watchdog.declare("b_ok", bookingPlan, { weddingId: "w_ok" })
        yield* at("b_ok", "payment_intent.succeeded", T + HOUR, { provider: "stripe", outcome: "received" })
        yield* at("b_ok", "vendor.confirmed", T + 40 * HOUR)
        yield* at("b_ok", "calendar.created", T + 41 * HOUR)
        yield* at("b_ok", "delivery", T + 41 * HOUR + 30 * 60_000, { outcome: "delivered", provider: "resend" })
        yield* adjust("72 hours")
        assert.deepStrictEqual(yield* Watchdog.check, [])
        assert.deepStrictEqual(alerts, [])
        const steps = yield* Watchdog.status("b_ok")
        assert.isTrue(steps.every((step) => step.arrivedAt !== undefined))
        assert.strictEqual(steps[3]?.dueAt, T + 42 * HOUR)
      }))

    test("a missing step raises one alert; arriving later is recorded with one Resolved notice", (alerts) =>
      Effect.gen(function* () {
        yield* Watchdog.declare("b_late", bookingPlan, { weddingId: "w_late" })
        yield* at("b_late", "payment_intent.succeeded", T + HOUR, { provider: "stripe", outcome: "received" })
        yield* adjust("48 hours")
        assert.deepStrictEqual(yield* Watchdog.check, [], "due at T+49h, not before")
        yield* adjust("1 hour")
        const raised = yield* Watchdog.check
        assert.strictEqual(raised.length, 1)
        const alert = raised[0]!
        assert.strictEqual(alert.kind, "Missing")
        assert.strictEqual(alert.key, "b_late")
        assert.strictEqual(alert.weddingId, "w_late")
        assert.strictEqual(alert.step, "vendor confirmation")
        assert.strictEqual(alert.deadline, T + 49 * HOUR)
        assert.deepStrictEqual(alert.expected, { kind: "vendor.confirmed" })
        assert.deepStrictEqual(alert.arrived, [{ step: "deposit", at: T + HOUR }])
        assert.include(Watchdog.describe(alert), 'booking b_late: step "vendor confirmation"')
        yield* adjust("5 hours")
        assert.deepStrictEqual(yield* Watchdog.check, [])
        const late = T + 60 * HOUR
        yield* setTime(late)
        const observed = yield* at("b_late", "vendor.confirmed", late, { provider: "vendor-portal", eventId: "vc_1" })
        assert.strictEqual(observed.step, "vendor confirmation")
        yield* at("b_late", "vendor.confirmed", late, { provider: "vendor-portal", eventId: "vc_1" })
        assert.deepStrictEqual(yield* Watchdog.check, [])
        assert.deepStrictEqual(
          alerts.map((one) => [one.kind, one.step, one.arrivedAt]),
          [
            ["Missing", "vendor confirmation", undefined],
            ["Resolved", "vendor confirmation", late]
          ]
        )
        const timeline = yield* Watchdog.timeline("b_late")
        assert.deepStrictEqual(
          timeline.map((entry) => [entry.kind, entry.provider, entry.step]),
          [
            ["payment_intent.succeeded", "stripe", "deposit"],
            ["vendor.confirmed", "vendor-portal", "vendor confirmation"]
          ]
        )
      }))

    test("a step arriving after its deadline, before any check, raises Late once", (alerts) =>
      Effect.gen(function* () {
        yield* Watchdog.declare("b_slow", [
          { name: "deposit", match: { kind: "payment_intent.succeeded" }, within: "1 hour", from: "start" },
          { name: "email", match: { kind: "delivery", outcome: "delivered" }, within: "1 hour" }
        ])
        yield* adjust("2 hours")
        yield* at("b_slow", "payment_intent.succeeded", T + 2 * HOUR)
        assert.deepStrictEqual(yield* Watchdog.check, [])
        assert.deepStrictEqual(
          alerts.map((alert) => [alert.kind, alert.step, alert.deadline, alert.arrivedAt]),
          [["Late", "deposit", T + HOUR, T + 2 * HOUR]]
        )
        yield* at("b_slow", "delivery", T + 2 * HOUR + 60_000, { outcome: "bounced" })
        yield* adjust("1 hour")
        const missing = yield* Watchdog.check
        assert.deepStrictEqual(
          missing.map((alert) => [alert.step, alert.deadline]),
          [["email", T + 3 * HOUR]],
          "a bounce does not complete a step waiting for delivered"
        )
      }))

    test(
      "an alert the port failed to raise is raised again once its claim lapses, and only then",
      (alerts) =>
        Effect.gen(function* () {
          yield* Watchdog.declare("b_pager", [{ name: "deposit", match: { kind: "paid" }, within: "1 hour" }])
          yield* adjust("1 hour")
          assert.deepStrictEqual(yield* Watchdog.check, [], "the port failed")
          yield* adjust("30 seconds")
          assert.deepStrictEqual(yield* Watchdog.check, [], "still claimed")
          yield* adjust("30 seconds")
          assert.deepStrictEqual(
            (yield* Watchdog.check).map((alert) => alert.step),
            ["deposit"]
          )
          yield* adjust("5 minutes")
          assert.deepStrictEqual(yield* Watchdog.check, [])
          assert.strictEqual(alerts.length, 1)
        }),
      1
    )

    test("what arrived before the plan was declared counts; a second declaration is ignored", (alerts) =>
      Effect.gen(function* () {
        yield* at("b_early", "payment_intent.succeeded", T, { provider: "stripe" })
        assert.isTrue(yield* Watchdog.declare("b_early", bookingPlan))
        assert.isFalse(
          yield* Watchdog.declare("b_early", [{ name: "other", match: { kind: "x" }, within: "1 second" }])
        )
        const steps = yield* Watchdog.status("b_early")
        assert.deepStrictEqual(
          steps.map((step) => [step.name, step.arrivedAt, step.dueAt]),
          [
            ["deposit", T, undefined],
            ["vendor confirmation", undefined, T + 48 * HOUR],
            ["calendar event", undefined, undefined],
            ["confirmation email", undefined, undefined]
          ]
        )
        yield* adjust("48 hours")
        assert.deepStrictEqual(
          (yield* Watchdog.check).map((alert) => alert.step),
          ["vendor confirmation"]
        )
        assert.strictEqual(alerts.length, 1)
      }))

    test("plans that cannot be watched are refused", () =>
      Effect.gen(function* () {
        const twice = yield* Effect.flip(
          Watchdog.declare("b_bad", [
            { name: "a", match: { kind: "x" } },
            { name: "a", match: { kind: "y" } }
          ])
        )
        assert.strictEqual(twice._tag, "PlanInvalid")
        const negative = yield* Effect.flip(
          Watchdog.declare("b_bad", [{ name: "a", match: { kind: "x" }, within: -5 }])
        )
        assert.strictEqual(negative._tag, "PlanInvalid")
        assert.strictEqual((yield* Effect.flip(Watchdog.declare("b_bad", [])))._tag, "PlanInvalid")
        assert.deepStrictEqual(yield* Watchdog.status("b_bad"), [])
      }))

    test("a message id linked to a booking lands on it; a wedding's timeline holds its bookings", () =>
      Effect.gen(function* () {
        yield* Watchdog.declare("b_a", [{ name: "email", match: { kind: "delivery", outcome: "delivered" } }], {
          weddingId: "w_shared"
        })
        yield* Watchdog.declare("b_b", [{ name: "paid", match: { kind: "paid" } }], { weddingId: "w_shared" })
        yield* Watchdog.link("msg_1", "b_a")
        const observed = yield* at("msg_1", "delivery", T + 2, { outcome: "delivered", provider: "postmark" })
        assert.deepStrictEqual([observed.key, observed.step], ["b_a", "email"])
        yield* at("b_b", "paid", T + 1)
        yield* at("w_shared", "venue.note", T + 3)
        yield* at("b_other", "paid", T)
        assert.deepStrictEqual(
          (yield* Watchdog.timeline("w_shared")).map((entry) => [entry.key, entry.kind]),
          [
            ["b_b", "paid"],
            ["b_a", "delivery"],
            ["w_shared", "venue.note"]
          ]
        )
      }))

    // The schedule is the store's business only through `check`: it runs where TestClock can drive it.
    if (options.clock !== "TestClock") return
    test("run checks on its schedule until its scope closes", (alerts) =>
      Effect.gen(function* () {
        yield* Watchdog.declare("b_run", [{ name: "deposit", match: { kind: "paid" }, within: "90 minutes" }])
        yield* Effect.scoped(
          Effect.gen(function* () {
            yield* Watchdog.run({ every: "1 hour" })
            yield* adjust("1 hour")
            assert.strictEqual(alerts.length, 0)
            yield* adjust("1 hour")
            assert.deepStrictEqual(
              alerts.map((alert) => alert.step),
              ["deposit"]
            )
            yield* adjust("5 hours")
          })
        )
        yield* Watchdog.declare("b_run2", [{ name: "deposit", match: { kind: "paid" }, within: "1 hour" }])
        yield* adjust("3 hours")
        assert.strictEqual(alerts.length, 1, "no check runs once the scope closed")
      }))
  })
}
