/**
 * The Monitor end to end, under `TestClock`: a real resilience engine whose
 * SMS circuit trips on real failures, a wedding directory with weddings
 * today and later, and a capturing sink. One incident is one alert (a page,
 * with the ranked impact) and one resolution, however the circuit behaves
 * in between.
 */
import { assert, describe, it } from "@effect/vitest"
import { type Duration, Effect, Layer, Ref } from "effect"
import { TestClock } from "effect/testing"
import { Audit, IntegrationError, Overrides, Policy, Resilience } from "@wedsync/core"
import * as Alerts from "../src/Alerts.ts"
import * as AlertSinks from "../src/AlertSinks.ts"
import * as Impact from "../src/Impact.ts"
import * as IncidentLog from "../src/IncidentLog.ts"
import * as Monitor from "../src/Monitor.ts"
import * as WeddingDirectory from "../src/WeddingDirectory.ts"

const SATURDAY = Date.parse("2027-06-12T10:00:00Z")

const weddings: ReadonlyArray<WeddingDirectory.Wedding> = [
  { weddingId: "w_later", weddingDate: "2027-06-26", couple: "Cleo & Dan", services: ["sms", "email"] },
  { weddingId: "w_today", weddingDate: "2027-06-12", couple: "Ana & Ben", services: ["sms"] },
  { weddingId: "w_tomorrow", weddingDate: "2027-06-13", couple: "Eve & Finn", services: ["sms"] }
]

const policies = Policy.layer({
  providers: { twilio: { breaker: { windowSize: 4, minimumCalls: 4, openMillis: 45_000 }, inCall: { maxAttempts: 1 } } }
})

const capturing = () => {
  const seen: Array<AlertSinks.Notice> = []
  return { seen, capture: AlertSinks.make("capture", (notice) => Effect.sync(() => void seen.push(notice))) }
}

const setup = (settle: Duration.Input = "1 minute") => {
  const { seen, capture } = capturing()
  const engine = Resilience.layerMemory({ random: () => 0 })
  const layer = Monitor.layer({ settle }).pipe(
    Layer.provideMerge(Alerts.layerMemory({ sinks: [capture] })),
    Layer.provideMerge(WeddingDirectory.layerMemory(weddings)),
    Layer.provideMerge(Impact.countsNone),
    Layer.provideMerge(IncidentLog.layerMemory()),
    Layer.provideMerge(engine),
    Layer.provide(policies)
  )
  return { seen, layer }
}

const send = (calls: Ref.Ref<number>, fail: boolean) =>
  Ref.update(calls, (n) => n + 1).pipe(
    Effect.andThen(
      fail
        ? Effect.fail(IntegrationError.make("twilio", "send", new IntegrationError.Unavailable({}), { status: 503 }))
        : Effect.succeed("sent")
    ),
    Resilience.protect({ service: "sms", provider: "twilio", operation: "send" }),
    Effect.result
  )

// The Monitor reacts on its own fiber: let it run (no clock moves) until `done` or give up.
const settled = (done: () => boolean) =>
  Effect.gen(function* () {
    for (let i = 0; i < 200 && !done(); i++) yield* Effect.yieldNow
  })

// Set before the layers start: the Monitor's periodic fibers would otherwise step through every second since 1970.
const atTime = <A, E, R, LE>(time: number, program: Effect.Effect<A, E, R>, layer: Layer.Layer<R, LE>) =>
  Effect.andThen(TestClock.setTime(time), Effect.provide(program, layer))

const trip = (calls: Ref.Ref<number>) => Effect.repeat(send(calls, true), { times: 3 })

describe("Monitor", () => {
  it.effect("a circuit opening with weddings today: one page with the ranked impact, one resolution", () => {
    const { seen, layer } = setup()
    return atTime(
      SATURDAY,
      Effect.gen(function* () {
        const calls = yield* Ref.make(0)
        yield* trip(calls)
        assert.strictEqual(yield* Resilience.circuitState("sms", "twilio"), "open")
        yield* settled(() => seen.length > 0)

        assert.strictEqual(seen.length, 1)
        const alert = seen[0]
        assert(alert?._tag === "Alert")
        assert.strictEqual(alert.key, "circuit:sms:twilio")
        assert.strictEqual(alert.severity, "page")
        assert.strictEqual(alert.service, "sms")
        assert.strictEqual(alert.provider, "twilio")
        assert.isAtLeast(alert.impact?.weddingsToday ?? 0, 1)
        const ranked = (alert.impact?.affected ?? []).map((wedding) => wedding.weddingId)
        assert.deepStrictEqual(ranked.slice(0, 2), ["w_today", "w_tomorrow"])

        // More failures: refused while open, and a failed probe re-opens it. No second alert.
        yield* Effect.repeat(send(calls, true), { times: 5 })
        yield* TestClock.adjust("45 seconds")
        yield* send(calls, true)
        assert.strictEqual(yield* Resilience.circuitState("sms", "twilio"), "open")
        yield* settled(() => seen.length > 1)
        assert.strictEqual(seen.length, 1)

        // Past its open time a successful probe closes it; the alert resolves once it stays closed.
        yield* TestClock.adjust("45 seconds")
        yield* send(calls, false)
        assert.strictEqual(yield* Resilience.circuitState("sms", "twilio"), "closed")
        yield* settled(() => false)
        assert.strictEqual(seen.length, 1)
        yield* TestClock.adjust("1 minute")
        yield* settled(() => seen.length > 1)
        assert.strictEqual(seen.length, 2)
        const resolution = seen[1]
        assert(resolution?._tag === "Resolution")
        assert.strictEqual(resolution.key, "circuit:sms:twilio")
        assert.strictEqual(resolution.openedAt, alert.openedAt)

        // The incident log has the alert once, with its impact.
        const recorded = yield* Effect.flatMap(Effect.service(IncidentLog.IncidentLog), (log) => log.list({}))
        assert.strictEqual(recorded.length, 1)
        assert.strictEqual(recorded[0]?.kind, "alert")
        assert.strictEqual(recorded[0]?.detail.alert, "circuit:sms:twilio")
        assert.deepStrictEqual(recorded[0]?.detail.affected, ranked)

        yield* TestClock.adjust("10 minutes")
        yield* Effect.repeat(send(calls, false), { times: 3 })
        yield* settled(() => false)
        assert.strictEqual(seen.length, 2)
      }),
      layer
    )
  })

  it.effect("a flapping circuit stays one incident: reopening within the settle time sends nothing", () => {
    const { seen, layer } = setup("2 minutes")
    return atTime(
      SATURDAY,
      Effect.gen(function* () {
        const calls = yield* Ref.make(0)
        yield* trip(calls)
        yield* settled(() => seen.length > 0)
        yield* TestClock.adjust("45 seconds")
        yield* send(calls, false)
        assert.strictEqual(yield* Resilience.circuitState("sms", "twilio"), "closed")
        yield* TestClock.adjust("1 minute")
        yield* trip(calls)
        assert.strictEqual(yield* Resilience.circuitState("sms", "twilio"), "open")
        yield* TestClock.adjust("90 seconds")
        yield* settled(() => seen.length > 1)
        assert.deepStrictEqual(
          seen.map((notice) => notice._tag),
          ["Alert"]
        )

        yield* send(calls, false)
        yield* TestClock.adjust("2 minutes")
        yield* settled(() => seen.length > 1)
        assert.deepStrictEqual(
          seen.map((notice) => notice._tag),
          ["Alert", "Resolution"]
        )
      }),
      layer
    )
  })

  it.effect("no wedding depends on the provider: an info alert, no page", () => {
    const { seen, layer } = setup()
    return atTime(
      Date.parse("2027-09-01T10:00:00Z"),
      Effect.gen(function* () {
        yield* trip(yield* Ref.make(0))
        yield* settled(() => seen.length > 0)
        assert.strictEqual(seen.length, 1)
        assert.strictEqual(seen[0]?.severity, "info")
      }),
      layer
    )
  })

  it.effect("an integration disabled through Overrides raises one alert, resolved when it is enabled again", () => {
    const engine = Overrides.layerMemory.pipe(
      Layer.provideMerge(Resilience.layerMemory({ random: () => 0 })),
      Layer.provide(Audit.layerMemory)
    )
    const { seen, capture } = capturing()
    const layer = Monitor.layer().pipe(
      Layer.provideMerge(Alerts.layerMemory({ sinks: [capture] })),
      Layer.provideMerge(WeddingDirectory.layerMemory(weddings)),
      Layer.provideMerge(Impact.countsNone),
      Layer.provideMerge(engine),
      Layer.provide(policies)
    )
    const ana = { actor: "ana@wedsync", reason: "INC-7 Twilio outage" }
    return atTime(
      SATURDAY,
      Effect.gen(function* () {
        const overrides = yield* Overrides.Overrides
        const set = yield* overrides.set({ _tag: "DisableIntegration", service: "sms", provider: "twilio" }, ana)
        yield* TestClock.adjust("1 second")
        yield* settled(() => seen.length > 0)
        yield* TestClock.adjust("5 seconds")
        yield* settled(() => seen.length > 1)
        assert.strictEqual(seen.length, 1)
        const alert = seen[0]
        assert(alert?._tag === "Alert")
        assert.strictEqual(alert.key, "disabled:sms:twilio")
        assert.strictEqual(alert.severity, "page")
        assert.include(alert.summary, "INC-7 Twilio outage")
        assert.strictEqual(alert.impact?.affected[0]?.weddingId, "w_today")

        yield* overrides.clear(set.id, ana)
        yield* TestClock.adjust("1 second")
        yield* settled(() => seen.length > 1)
        assert.deepStrictEqual(
          seen.map((notice) => [notice._tag, notice.key]),
          [
            ["Alert", "disabled:sms:twilio"],
            ["Resolution", "disabled:sms:twilio"]
          ]
        )
      }),
      layer
    )
  })
})
