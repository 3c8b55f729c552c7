/**
 * `Resilience.retune`: policies put in force while circuits are running, as
 * peak mode does on a Saturday. A running circuit takes its new trip settings
 * at the next outcome (its window kept when the size is the same, started
 * afresh when not), and a circuit first seen afterwards starts with the new
 * policy.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Layer } from "effect"
import { TestClock } from "effect/testing"
import * as IntegrationError from "../src/IntegrationError.ts"
import * as Policy from "../src/Policy.ts"
import * as Resilience from "../src/Resilience.ts"

const patient = { windowSize: 10, minimumCalls: 10, failureRateThreshold: 0.5, openMillis: 60_000 }
const base: Policy.PolicyOverrides = {
  providers: {
    twilio: { breaker: patient, inCall: { maxAttempts: 1 } },
    vonage: { breaker: patient, inCall: { maxAttempts: 1 } }
  }
}
// Peak: trips after 4 calls, and every call gets 2 s instead of the default.
const peak: Policy.PolicyOverrides = {
  providers: {
    twilio: { breaker: { ...patient, minimumCalls: 4 }, inCall: { maxAttempts: 1 } },
    vonage: { breaker: { ...patient, windowSize: 4, minimumCalls: 4 }, inCall: { maxAttempts: 1 } },
    plivo: { timeoutMillis: 2_000, inCall: { maxAttempts: 1 } }
  }
}
const layer = Resilience.layerMemory({ random: () => 0 }).pipe(Layer.provide(Policy.layer(base)))

const failing = (provider: string) =>
  Effect.exit(
    Resilience.protect(
      Effect.fail(IntegrationError.make(provider, "send", new IntegrationError.Unavailable({}), { status: 503 })),
      { service: "sms", provider, operation: "send" }
    )
  )

const retuneTo = (overrides: Policy.PolicyOverrides) =>
  Effect.flatMap(Policy.make(overrides), (policies) => Resilience.retune(policies))

describe("Resilience.retune", () => {
  it.effect("a running circuit takes its new trip settings at the next call, keeping its window", () =>
    Effect.gen(function* () {
      for (let i = 0; i < 4; i++) yield* failing("twilio")
      // 4 failures of 4, but the base policy waits for 10 calls.
      assert.strictEqual(yield* Resilience.circuitState("sms", "twilio"), "closed")
      yield* retuneTo(peak)
      yield* failing("twilio")
      assert.strictEqual(yield* Resilience.circuitState("sms", "twilio"), "open")
    }).pipe(Effect.provide(layer))
  )

  it.effect("a window of another size starts afresh", () =>
    Effect.gen(function* () {
      for (let i = 0; i < 4; i++) yield* failing("vonage")
      yield* retuneTo(peak)
      // The window of 4 is new: three failures are not yet the four calls it needs.
      for (let i = 0; i < 3; i++) yield* failing("vonage")
      assert.strictEqual(yield* Resilience.circuitState("sms", "vonage"), "closed")
      yield* failing("vonage")
      assert.strictEqual(yield* Resilience.circuitState("sms", "vonage"), "open")
    }).pipe(Effect.provide(layer))
  )

  it.effect("back to the base policy, a running circuit waits for its ten calls again", () =>
    Effect.gen(function* () {
      yield* retuneTo(peak)
      yield* retuneTo(base)
      for (let i = 0; i < 9; i++) yield* failing("twilio")
      assert.strictEqual(yield* Resilience.circuitState("sms", "twilio"), "closed")
      yield* failing("twilio")
      assert.strictEqual(yield* Resilience.circuitState("sms", "twilio"), "open")
    }).pipe(Effect.provide(layer))
  )

  it.effect("a circuit first seen after the retune starts with the new policy", () =>
    Effect.gen(function* () {
      yield* retuneTo(peak)
      const hung = yield* Effect.forkChild(
        Effect.exit(Resilience.protect(Effect.never, { service: "sms", provider: "plivo", operation: "send" }))
      )
      yield* TestClock.adjust("2 seconds")
      const exit = yield* Fiber.join(hung)
      assert.isTrue(Exit.isFailure(exit))
      const failure = Exit.isFailure(exit) ? exit.cause.reasons.find((reason) => reason._tag === "Fail") : undefined
      assert.strictEqual((failure?.error as IntegrationError.IntegrationError | undefined)?.reason._tag, "TimedOut")
    }).pipe(Effect.provide(layer))
  )
})
