/**
 * Provider health as calls through `Resilience.protect` leave it: the status
 * (healthy → degraded → down), the rolling window's numbers, and the events
 * `Health.changes` tells an operator about.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Stream } from "effect"
import { TestClock } from "effect/testing"
import * as Health from "../src/Health.ts"
import * as IntegrationError from "../src/IntegrationError.ts"
import * as Policy from "../src/Policy.ts"
import * as Resilience from "../src/Resilience.ts"

// email: failure threshold 0.3, so "degraded" from a 15% failure rate over at least 5 calls
const overrides: Policy.PolicyOverrides = {
  providers: { sick: { breaker: { windowSize: 10, minimumCalls: 10, openMillis: 1_000 }, inCall: { maxAttempts: 1 } } }
}
const layer = Resilience.layerMemory({ random: () => 0 }).pipe(Layer.provide(Policy.layer(overrides)))

/** One call to "sick" taking `millis` under TestClock, then succeeding or failing with Unavailable. */
const callTaking = (millis: number, ok: boolean) =>
  Effect.gen(function* () {
    const work = Effect.sleep(millis).pipe(
      Effect.andThen(
        ok
          ? Effect.succeed("ok")
          : Effect.fail(IntegrationError.make("sick", "send", new IntegrationError.Unavailable({}), { status: 503 }))
      ),
      Resilience.protect({ service: "email", provider: "sick", operation: "send" }),
      Effect.exit
    )
    const fiber = yield* Effect.forkChild(work)
    yield* TestClock.adjust(millis)
    return yield* Fiber.join(fiber)
  })

const status = Effect.map(Health.get("email", "sick"), (health) => health.status)

/** Calls 1..10 take 10..100 ms; 1-4 succeed, 5-10 fail; the tenth trips the circuit (6/10 ≥ 0.3). */
const sicken = Effect.gen(function* () {
  const seen: Array<Health.Status> = []
  for (let i = 1; i <= 10; i++) {
    yield* callTaking(i * 10, i <= 4)
    seen.push(yield* status)
  }
  return seen
})

describe("Health", () => {
  it.effect("goes degraded as failures accumulate, then down when the circuit opens", () =>
    Effect.gen(function* () {
      assert.strictEqual(yield* status, "healthy")
      const seen = yield* sicken
      assert.deepStrictEqual(seen, [
        "healthy",
        "healthy",
        "healthy",
        "healthy",
        "degraded",
        "degraded",
        "degraded",
        "degraded",
        "degraded",
        "down"
      ])
      assert.strictEqual(yield* Resilience.circuitState("email", "sick"), "open")
    }).pipe(Effect.provide(layer))
  )

  it.effect("snapshots calls, success rate, latency percentiles and the last failure", () =>
    Effect.gen(function* () {
      yield* sicken
      const snapshot = yield* Health.snapshot
      const sick = snapshot.find((health) => health.provider === "sick")
      assert.isDefined(sick)
      assert.strictEqual(sick!.service, "email")
      assert.strictEqual(sick!.status, "down")
      assert.strictEqual(sick!.breaker, "open")
      assert.strictEqual(sick!.calls, 10)
      assert.closeTo(sick!.successRate, 0.4, 1e-9)
      assert.deepStrictEqual(sick!.latency, { p50: 50, p95: 100, p99: 100 })
      assert.strictEqual(sick!.lastFailureReason, "Unavailable")
      // calls end at 10, 30, 60, 100, ...: the fourth (last success) ends at 100, the tenth at 550
      assert.strictEqual(sick!.lastSuccessAt, 100)
      assert.strictEqual(sick!.lastFailureAt, 550)
    }).pipe(Effect.provide(layer))
  )

  it.effect("counts a rejected request as answered, not as a provider failure", () =>
    Effect.gen(function* () {
      for (let i = 0; i < 6; i++) {
        yield* IntegrationError.make("picky", "send", new IntegrationError.Rejected({})).pipe(
          Effect.fail,
          Resilience.protect({ service: "email", provider: "picky", operation: "send" }),
          Effect.flip
        )
      }
      const health = yield* Health.get("email", "picky")
      assert.strictEqual(health.calls, 6)
      assert.strictEqual(health.successRate, 1)
      assert.strictEqual(health.status, "healthy")
    }).pipe(Effect.provide(layer))
  )

  it.effect("streams the status changes and the breaker transition", () =>
    Effect.gen(function* () {
      const events = yield* Health.changes.pipe(Stream.take(3), Stream.runCollect, Effect.forkChild)
      yield* Effect.yieldNow
      yield* sicken
      const collected = yield* Fiber.join(events)
      assert.deepStrictEqual(
        collected.map((event) =>
          event._tag === "StatusChanged"
            ? { _tag: event._tag, from: event.from, to: event.to, cause: event.cause, provider: event.provider }
            : { _tag: event._tag, from: event.from, to: event.to, source: event.source, provider: event.provider }
        ),
        [
          { _tag: "StatusChanged", from: "healthy", to: "degraded", cause: "calls", provider: "sick" },
          { _tag: "BreakerTransition", from: "closed", to: "open", source: "local", provider: "sick" },
          { _tag: "StatusChanged", from: "degraded", to: "down", cause: "breaker", provider: "sick" }
        ]
      )
      const transition = collected[1]!
      if (transition._tag === "BreakerTransition") {
        assert.strictEqual(transition.key, "email:sick")
        assert.strictEqual(transition.at, 550)
      }
    }).pipe(Effect.provide(layer))
  )

  it.effect("streams the probe's transitions back to closed; the window keeps it degraded", () =>
    Effect.gen(function* () {
      yield* sicken
      const events = yield* Health.changes.pipe(Stream.take(3), Stream.runCollect, Effect.forkChild)
      yield* Effect.yieldNow
      yield* TestClock.adjust("1 second")
      yield* callTaking(10, true)
      const collected = yield* Fiber.join(events)
      assert.deepStrictEqual(
        collected.map((event) => `${event._tag}:${event.from}->${event.to}`),
        ["BreakerTransition:open->half_open", "StatusChanged:down->degraded", "BreakerTransition:half_open->closed"]
      )
      // closed again, but 6 of the window's 11 calls failed
      assert.strictEqual(yield* Resilience.circuitState("email", "sick"), "closed")
      assert.strictEqual(yield* status, "degraded")
    }).pipe(Effect.provide(layer))
  )
})
