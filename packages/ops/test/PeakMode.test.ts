/**
 * Peak mode: the schedule under `TestClock` (Saturday on, Sunday off, in a
 * time zone), the manual switch over it, its stream of changes, the
 * lowered policies, and non-critical outbox work held — not dropped — while
 * it is on, then run once it is off (a real outbox on the memory store).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Ref, Schedule, Stream } from "effect"
import { PersistedQueue } from "effect/persistence"
import { TestClock } from "effect/testing"
import { Audit, IntegrationError, Policy, Resilience } from "@wedsync/core"
import { DeadLetters, Outbox } from "@wedsync/durable"
import * as PeakMode from "../src/PeakMode.ts"

const FRIDAY_LATE_UTC = Date.parse("2027-06-11T23:58:00Z")
const saturdays = { schedule: { cron: "* * * * 6", timeZone: "UTC" } }

const active = Effect.flatMap(Effect.service(PeakMode.PeakMode), (peak) => peak.status)

// Set before the layer starts: its check would otherwise step through every minute since 1970.
const at = <A, E>(time: number, program: Effect.Effect<A, E, PeakMode.PeakMode>, options: PeakMode.Options) =>
  Effect.andThen(TestClock.setTime(time), Effect.provide(program, PeakMode.layer(options)))

describe("PeakMode schedule", () => {
  it.effect("on for Saturday, off again on Sunday", () =>
    at(
      FRIDAY_LATE_UTC,
      Effect.gen(function* () {
        assert.isFalse((yield* active).active)
        yield* TestClock.adjust("2 minutes")
        const saturday = yield* active
        assert.isTrue(saturday.active)
        assert.strictEqual(saturday.source, "schedule")
        assert.strictEqual(saturday.since, Date.parse("2027-06-12T00:00:00Z"))
        assert.isTrue(yield* PeakMode.isActive)
        yield* TestClock.adjust("23 hours")
        assert.isTrue((yield* active).active)
        yield* TestClock.adjust("1 hour")
        assert.isFalse((yield* active).active)
      }),
      saturdays
    )
  )

  it.effect("reads the schedule in its time zone: Saturday in London starts at 23:00 UTC in summer", () =>
    at(
      Date.parse("2027-06-11T22:58:00Z"),
      Effect.gen(function* () {
        assert.isFalse((yield* active).active)
        yield* TestClock.adjust("2 minutes")
        assert.isTrue((yield* active).active)
      }),
      { schedule: { cron: "* * * * 6", timeZone: "Europe/London" } }
    )
  )

  it.effect("a manual switch wins over the schedule until handed back", () =>
    at(
      FRIDAY_LATE_UTC,
      Effect.gen(function* () {
        yield* PeakMode.enable({ reason: "Friday wedding rush" })
        const manual = yield* active
        assert.deepStrictEqual(
          { active: manual.active, source: manual.source, reason: manual.reason },
          { active: true, source: "manual", reason: "Friday wedding rush" }
        )
        yield* TestClock.adjust("1 hour")
        yield* PeakMode.disable()
        assert.isFalse((yield* active).active)
        yield* PeakMode.automatic
        const back = yield* active
        assert.isTrue(back.active)
        assert.strictEqual(back.source, "schedule")
      }),
      saturdays
    )
  )

  it.effect("changes are a stream: the current status, then each change", () =>
    at(
      FRIDAY_LATE_UTC,
      Effect.gen(function* () {
        const peak = yield* PeakMode.PeakMode
        const seen = yield* peak.changes.pipe(
          Stream.map((status) => status.active),
          Stream.take(3),
          Stream.runCollect,
          Effect.forkChild({ startImmediately: true })
        )
        yield* TestClock.adjust("2 minutes")
        yield* TestClock.adjust("1 day")
        assert.deepStrictEqual(Array.from(yield* Fiber.join(seen)), [false, true, false])
      }),
      saturdays
    )
  )

  it("a schedule that is not a cron expression is a defect naming it", async () => {
    const exit = await Effect.runPromiseExit(
      Effect.provide(PeakMode.isActive, PeakMode.layer({ schedule: { cron: "every saturday" } }))
    )
    assert.isTrue(exit._tag === "Failure" && String(exit.cause).includes('schedule "every saturday"'))
  })
})

describe("PeakMode.policies", () => {
  it("halves every service's trip thresholds on top of the base, and the result is a valid policy", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        const overrides = PeakMode.policies({ services: { email: { breaker: { failureRateThreshold: 0.4 } } } })
        const lookup = yield* Policy.make(overrides)
        assert.strictEqual(lookup.get("email").breaker.failureRateThreshold, 0.2)
        assert.strictEqual(
          lookup.get("sms").breaker.failureRateThreshold,
          Policy.defaults.sms.breaker.failureRateThreshold / 2
        )
        assert.strictEqual(
          lookup.get("sms").breaker.minimumCalls,
          Math.ceil(Policy.defaults.sms.breaker.minimumCalls / 2)
        )
        assert.strictEqual(lookup.get("sms").timeoutMillis, Policy.defaults.sms.timeoutMillis)
      })
    ))

  it("refuses a factor outside (0, 1]", () => {
    assert.throws(() => PeakMode.policies(undefined, { factor: 1.5 }), /factor must be in \(0, 1\]/)
  })
})

describe("PeakMode.thresholds", () => {
  // Twilio waits for 10 calls off peak; at peak (factor 0.5) for 5.
  const base: Policy.PolicyOverrides = {
    providers: {
      twilio: { breaker: { windowSize: 10, minimumCalls: 10, failureRateThreshold: 0.5 }, inCall: { maxAttempts: 1 } }
    }
  }
  const failing = Effect.exit(
    Resilience.protect(
      Effect.fail(IntegrationError.make("twilio", "send", new IntegrationError.Unavailable({}), { status: 503 })),
      { service: "sms", provider: "twilio", operation: "send" }
    )
  )
  const circuit = Resilience.circuitState("sms", "twilio")
  // Lets the switch's stream deliver a change to the retune daemon.
  const settle = Effect.repeat(Effect.yieldNow, { times: 20 })
  const live = PeakMode.thresholds({ base }).pipe(
    Layer.provideMerge(PeakMode.layer()),
    Layer.provideMerge(Resilience.layerMemory({ random: () => 0 }).pipe(Layer.provide(Policy.layer(base))))
  )

  it.effect("a running circuit trips sooner once peak mode is turned on", () =>
    Effect.gen(function* () {
      for (let i = 0; i < 5; i++) yield* failing
      assert.strictEqual(yield* circuit, "closed")
      yield* PeakMode.enable({ reason: "Saturday" })
      yield* settle
      yield* failing
      assert.strictEqual(yield* circuit, "open")
    }).pipe(Effect.provide(live))
  )

  it.effect("turned off again, the base thresholds are back", () =>
    Effect.gen(function* () {
      yield* PeakMode.enable()
      yield* settle
      yield* PeakMode.disable()
      yield* settle
      for (let i = 0; i < 9; i++) yield* failing
      assert.strictEqual(yield* circuit, "closed")
      yield* failing
      assert.strictEqual(yield* circuit, "open")
    }).pipe(Effect.provide(live))
  )
})

describe("PeakMode.holdNonCritical", () => {
  const layer = DeadLetters.layerMemory.pipe(
    Layer.provideMerge(Outbox.layer({ holdInterval: "20 millis" })),
    Layer.provideMerge(Audit.layerMemory),
    Layer.provide(PersistedQueue.layer),
    Layer.provide(PersistedQueue.layerStoreMemory),
    Layer.provideMerge(PeakMode.layer())
  )
  const eventually = (check: Effect.Effect<boolean>) =>
    check.pipe(
      Effect.flatMap((ok) => (ok ? Effect.void : Effect.fail("not yet"))),
      Effect.retry({ schedule: Schedule.spaced("10 millis"), times: 500 }),
      Effect.orDie
    )

  it.live("while on, standard work is held and critical work runs; once off, the held work runs", () =>
    Effect.gen(function* () {
      const ran = yield* Ref.make<Array<string>>([])
      const record: Outbox.Handler = (job) => Ref.update(ran, (ids) => [...ids, job.id])
      yield* PeakMode.enable()
      yield* Outbox.worker(yield* PeakMode.holdNonCritical({ "newsletter.email": record, "reminder.sms": record }))
      const outbox = yield* Outbox.Outbox
      yield* outbox.offer({ id: "newsletter", service: "email", operation: "newsletter.email", payload: {} })
      yield* outbox.offer({ id: "reminder", service: "sms", operation: "reminder.sms", payload: {}, critical: true })
      yield* eventually(Effect.map(Ref.get(ran), (ids) => ids.includes("reminder")))
      yield* Effect.sleep("100 millis")
      assert.deepStrictEqual(yield* Ref.get(ran), ["reminder"])

      yield* PeakMode.disable()
      yield* eventually(Effect.map(Ref.get(ran), (ids) => ids.includes("newsletter")))
      assert.deepStrictEqual(yield* Ref.get(ran), ["reminder", "newsletter"])
      const letters = yield* (yield* DeadLetters.DeadLetters).list({}, { limit: 10 }, { actor: "t", reason: "t" })
      assert.strictEqual(letters.items.length, 0)
    }).pipe(Effect.scoped, Effect.provide(layer))
  )

  it.effect("without a PeakMode the handlers are unchanged", () =>
    Effect.gen(function* () {
      const handler: Outbox.Handler = () => Effect.void
      const handlers = { "a.email": handler }
      assert.strictEqual(yield* PeakMode.holdNonCritical(handlers), handlers)
    })
  )
})
