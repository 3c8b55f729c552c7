/**
 * Reconciliation's lookups under the provider's resilience policy
 * (`Resilience.protect`, operation "status") and its own concurrency bound,
 * under TestClock: a hung lookup times out, an open circuit stops calls
 * reaching the provider (the lookups' own circuit, never the sends'), and no
 * more than `concurrency` lookups run at once.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import * as IntegrationError from "@wedsync/core/IntegrationError"
import * as Resilience from "@wedsync/core/Resilience"
import * as Reconciliation from "../src/Reconciliation.ts"
import { minute, T, tracked } from "./DeliveriesFixtures.ts"
import { failure, fixed, live, statusApi, track } from "./ReconciliationFixtures.ts"

describe("Reconciliation.run under the resilience policy", () => {
  it.effect("a lookup that hangs times out at the policy's timeout and is asked again later", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T)
      const twilio = statusApi("twilio", "sms")
      twilio.accept("SM_hang")
      twilio.inject("SM_hang", { _tag: "Hang" })
      yield* track(tracked("SM_hang", T))
      const pass = yield* Effect.forkChild(Reconciliation.run({ lookups: [twilio.service], backoff: fixed(minute) }))
      yield* TestClock.adjust("8 seconds")
      const summary = yield* Fiber.join(pass)
      assert.deepStrictEqual(summary.outcomes, [
        { _tag: "Failed", provider: "twilio", messageId: "SM_hang", reason: "TimedOut", dueBy: T + 8_000 + minute }
      ])
    }).pipe(Effect.provide(live))
  )

  it.effect("once the provider's circuit opens, lookups fail at once without reaching its API", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T)
      const flaky = statusApi("flaky", "sms")
      for (const id of ["f_1", "f_2", "f_3"]) {
        flaky.accept(id)
        flaky.inject(id, failure("flaky", new IntegrationError.Unavailable({})))
      }
      yield* track(...["f_1", "f_2", "f_3"].map((id, index) => tracked(id, T - 3 + index, { provider: "flaky" })))
      const summary = yield* Reconciliation.run({ lookups: [flaky.service], concurrency: 1 })
      assert.deepStrictEqual(
        summary.outcomes.map((outcome) => (outcome._tag === "Failed" ? outcome.reason : outcome._tag)),
        ["Unavailable", "Unavailable", "CircuitOpen"]
      )
      assert.deepStrictEqual(flaky.asked(), ["f_1", "f_2"])
    }).pipe(Effect.provide(live))
  )

  it.effect("a rate limit on the status API opens the lookups' circuit, never the one sends go through", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T)
      const flaky = statusApi("flaky", "sms")
      for (const id of ["f_1", "f_2", "f_3"]) {
        flaky.accept(id)
        flaky.inject(id, failure("flaky", new IntegrationError.RateLimited({})))
      }
      yield* track(...["f_1", "f_2", "f_3"].map((id, index) => tracked(id, T - 3 + index, { provider: "flaky" })))
      const summary = yield* Reconciliation.run({ lookups: [flaky.service], concurrency: 1 })
      assert.deepStrictEqual(
        summary.outcomes.map((outcome) => (outcome._tag === "Failed" ? outcome.reason : outcome._tag)),
        ["RateLimited", "RateLimited", "CircuitOpen"]
      )
      assert.deepStrictEqual(flaky.asked(), ["f_1", "f_2"])
      // the reminders still go out through the provider's own circuit
      assert.strictEqual(yield* Resilience.circuitState("sms", "flaky"), "closed")
      const resilience = yield* Resilience.Resilience
      assert.strictEqual(resilience.admit("sms", "flaky", "send", T), "Admitted")
      const sent = yield* Effect.succeed("SM_sent").pipe(
        Resilience.protect({ service: "sms", provider: "flaky", operation: "send" })
      )
      assert.strictEqual(sent, "SM_sent")
      assert.strictEqual(resilience.health("sms", "flaky").status, "healthy")
    }).pipe(Effect.provide(live))
  )

  it.effect("no more than `concurrency` lookups are in flight at once", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T)
      const twilio = statusApi("twilio", "sms")
      const ids = Array.from({ length: 7 }, (_, index) => `SM_c${index}`)
      for (const id of ids) twilio.accept(id)
      twilio.setLatency(1_000)
      yield* track(...ids.map((id) => tracked(id, T)))
      const pass = yield* Effect.forkChild(Reconciliation.run({ lookups: [twilio.service], concurrency: 3 }))
      for (let second = 0; second < 3; second++) yield* TestClock.adjust("1 second")
      const summary = yield* Fiber.join(pass)
      assert.strictEqual(summary.pending, 7)
      assert.strictEqual(twilio.maxInFlight(), 3)
    }).pipe(Effect.provide(live))
  )
})
