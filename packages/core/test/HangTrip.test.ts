/**
 * The hang rule, under `TestClock`: consecutive timeouts (and consecutive
 * slow calls) open a circuit long before the failure-rate window has its
 * minimum of calls, and a caller already waiting on the hanging provider is
 * released to the backup the moment it opens, instead of waiting out its own
 * timeout.
 */
import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Fiber, Layer, Ref } from "effect"
import { TestClock } from "effect/testing"
import * as Failover from "../src/Failover.ts"
import type * as IntegrationError from "../src/IntegrationError.ts"
import * as Policy from "../src/Policy.ts"
import * as Resilience from "../src/Resilience.ts"

const overrides: Policy.PolicyOverrides = {
  providers: {
    // email defaults: a window of 20 with a minimum of 10 calls, and a run of two slow calls
    twilio: { timeoutMillis: 2_000, inCall: { maxAttempts: 1 } },
    sluggish: { timeoutMillis: 2_000, breaker: { slowCallMillis: 500 }, inCall: { maxAttempts: 1 } },
    narrow: { timeoutMillis: 2_000, bulkhead: { maxConcurrent: 2, maxQueue: 4 }, inCall: { maxAttempts: 1 } }
  }
}
const layer = Resilience.layerMemory({ random: () => 0 }).pipe(Layer.provide(Policy.layer(overrides)))

interface Sender extends Failover.Port {
  readonly send: Effect.Effect<string, IntegrationError.IntegrationError>
}

/** A provider that never answers, noting the (test) clock time of each call and whether its signal aborted. */
const hangs = (provider: string) =>
  Effect.map(Ref.make<ReadonlyArray<number>>([]), (starts) => {
    const signals: Array<AbortSignal> = []
    const service: Sender = {
      provider,
      send: Effect.andThen(
        Effect.flatMap(Clock.currentTimeMillis, (now) => Ref.update(starts, (all) => [...all, now])),
        Effect.tryPromise({
          try: (signal) => {
            signals.push(signal)
            return new Promise<string>(() => {})
          },
          catch: () => {
            throw new Error("a hanging provider never rejects")
          }
        })
      )
    }
    return { starts, signals, service }
  })

/** A provider that answers at once, counting its calls. */
const healthy = (provider: string) =>
  Effect.map(Ref.make(0), (calls) => ({
    calls,
    service: {
      provider,
      send: Effect.as(
        Ref.update(calls, (n) => n + 1),
        `sent by ${provider}`
      )
    } satisfies Sender
  }))

const outcomes = (result: { readonly attempts: ReadonlyArray<Failover.Attempt> }) =>
  result.attempts.map(({ provider, outcome, reason, durationMillis }) => ({
    provider,
    outcome,
    reason,
    durationMillis
  }))

describe("the hang rule", () => {
  it.effect("lets the first two calls wait out the timeout and serves the third from the backup at once", () =>
    Effect.gen(function* () {
      const primary = yield* hangs("twilio")
      const backup = yield* healthy("vonage")
      const plan = Failover.fromServices("email", [primary.service, backup.service])
      const send = Failover.run(plan, "send", (service) => service.send, { whenUnresolved: "failover" })
      for (const call of [1, 2]) {
        const fiber = yield* Effect.forkChild(send)
        yield* TestClock.adjust("1999 millis")
        assert.isUndefined(fiber.pollUnsafe(), `call ${call} waits for the primary's timeout`)
        yield* TestClock.adjust("1 millis")
        const served = yield* Fiber.join(fiber)
        assert.strictEqual(served.provider, "vonage")
        assert.deepStrictEqual(outcomes(served)[0], {
          provider: "twilio",
          outcome: "failed",
          reason: "TimedOut",
          durationMillis: 2_000
        })
      }
      assert.strictEqual(yield* Resilience.circuitState("email", "twilio"), "open")
      const before = yield* Clock.currentTimeMillis
      const third = yield* send
      assert.strictEqual(third.provider, "vonage")
      assert.strictEqual(yield* Clock.currentTimeMillis, before)
      assert.strictEqual(outcomes(third)[0]!.outcome, "skipped")
      assert.strictEqual(outcomes(third)[0]!.reason, "CircuitOpen")
      assert.deepStrictEqual(yield* Ref.get(primary.starts), [0, 2_000])
      assert.strictEqual(yield* Ref.get(backup.calls), 3)
    }).pipe(Effect.provide(layer))
  )

  it.effect("releases three callers already waiting on the primary to the backup when it trips", () =>
    Effect.gen(function* () {
      const primary = yield* hangs("twilio")
      const backup = yield* healthy("vonage")
      const plan = Failover.fromServices("email", [primary.service, backup.service])
      const send = Failover.run(plan, "send", (service) => service.send, { whenUnresolved: "failover" })
      const first = yield* Effect.forkChild(Effect.all([send, send], { concurrency: 2 }))
      yield* TestClock.adjust("1 second")
      const waiting = yield* Effect.forkChild(Effect.all([send, send, send], { concurrency: 3 }))
      yield* TestClock.adjust("999 millis")
      assert.isUndefined(waiting.pollUnsafe())
      yield* TestClock.adjust("1 millis")
      const tripped = yield* Fiber.join(first)
      const released = yield* Fiber.join(waiting)
      assert.strictEqual(yield* Clock.currentTimeMillis, 2_000)
      for (const served of tripped) assert.strictEqual(served.provider, "vonage")
      for (const served of released) {
        assert.strictEqual(served.provider, "vonage")
        // released after 1 s of their 2 s timeout: they waited only as long as the hang took to prove
        assert.deepStrictEqual(outcomes(served)[0], {
          provider: "twilio",
          outcome: "failed",
          reason: "TimedOut",
          durationMillis: 1_000
        })
      }
      assert.deepStrictEqual(yield* Ref.get(primary.starts), [0, 0, 1_000, 1_000, 1_000])
      assert.isTrue(primary.signals.every((signal) => signal.aborted))
      assert.strictEqual(yield* Ref.get(backup.calls), 5)
      assert.strictEqual(yield* Resilience.circuitState("email", "twilio"), "open")
    }).pipe(Effect.provide(layer))
  )

  it.effect("refuses a call still queued in the bulkhead unmade when the circuit opens under it", () =>
    Effect.gen(function* () {
      const primary = yield* hangs("narrow")
      const backup = yield* healthy("vonage")
      const plan = Failover.fromServices("email", [primary.service, backup.service])
      const send = Failover.run(plan, "send", (service) => service.send, { whenUnresolved: "failover" })
      const first = yield* Effect.forkChild(send)
      yield* TestClock.adjust("500 millis")
      const second = yield* Effect.forkChild(send)
      yield* TestClock.adjust("500 millis")
      // the bulkhead holds two: these wait in its queue
      const third = yield* Effect.forkChild(send)
      const fourth = yield* Effect.forkChild(send)
      // the first timeout hands its permit to the third while the circuit is still closed
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(yield* Ref.get(primary.starts), [0, 500, 2_000])
      // the second trips it: the third is released, the fourth never reaches the provider
      yield* TestClock.adjust("500 millis")
      const served = [
        yield* Fiber.join(first),
        yield* Fiber.join(second),
        yield* Fiber.join(third),
        yield* Fiber.join(fourth)
      ]
      assert.deepStrictEqual(
        served.map((result) => [result.provider, outcomes(result)[0]!.outcome, outcomes(result)[0]!.reason]),
        [
          ["vonage", "failed", "TimedOut"],
          ["vonage", "failed", "TimedOut"],
          ["vonage", "failed", "TimedOut"],
          // admitted before the circuit opened, so "failed" rather than "skipped"; refused unmade all the same
          ["vonage", "failed", "CircuitOpen"]
        ]
      )
      // 1 s in the queue, then released 500 ms into its 2 s timeout
      assert.strictEqual(outcomes(served[2]!)[0]!.durationMillis, 1_500)
      assert.strictEqual(yield* Clock.currentTimeMillis, 2_500)
      assert.deepStrictEqual(yield* Ref.get(primary.starts), [0, 500, 2_000])
    }).pipe(Effect.provide(layer))
  )

  it.effect("trips on two slow successes in a row, and a quick call in between ends the run", () =>
    Effect.gen(function* () {
      const slow = Effect.as(Effect.sleep("600 millis"), "late")
      const quick = Effect.succeed("quick")
      const protect = Resilience.protect({ service: "email", provider: "sluggish", operation: "send" })
      const slowCall = Effect.gen(function* () {
        const fiber = yield* Effect.forkChild(protect(slow))
        yield* TestClock.adjust("600 millis")
        assert.strictEqual(yield* Fiber.join(fiber), "late")
      })
      yield* slowCall
      assert.strictEqual(yield* protect(quick), "quick")
      yield* slowCall
      assert.strictEqual(yield* Resilience.circuitState("email", "sluggish"), "closed")
      yield* slowCall
      assert.strictEqual(yield* Resilience.circuitState("email", "sluggish"), "open")
    }).pipe(Effect.provide(layer))
  )

  it.effect("does not count a timeout a short deadline cut below the policy's as a hang", () =>
    Effect.gen(function* () {
      const primary = yield* hangs("twilio")
      for (let i = 0; i < 3; i++) {
        const fiber = yield* primary.service.send.pipe(
          Resilience.protect({ service: "email", provider: "twilio", operation: "send", withinMillis: 300 }),
          Effect.flip,
          Effect.forkChild
        )
        yield* TestClock.adjust("300 millis")
        assert.strictEqual((yield* Fiber.join(fiber)).reason._tag, "TimedOut")
      }
      assert.strictEqual(yield* Resilience.circuitState("email", "twilio"), "closed")
    }).pipe(Effect.provide(layer))
  )
})

describe("Policy breaker.consecutiveSlowCalls", () => {
  it("defaults to a run of two and refuses zero", () => {
    assert.strictEqual(Policy.defaults.sms.breaker.consecutiveSlowCalls, 2)
    assert.throws(() =>
      Policy.decodeOverrides({ services: { sms: { breaker: { consecutiveSlowCalls: 0 } } } }).pipe(Effect.runSync)
    )
  })
})
