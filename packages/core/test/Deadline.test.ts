/**
 * Deadlines and separate circuits, under `TestClock`: a plan's deadline bounds
 * every step (attempt timeout and in-call retries) and skips the steps it
 * leaves no time for; a call whose deadline passes in the bulkhead's queue is
 * refused unmade and is not the provider's failure; a named circuit (status
 * lookups) never opens the provider's main one.
 */
import { assert, describe, it } from "@effect/vitest"
import { Clock, Duration, Effect, Fiber, Layer, Ref } from "effect"
import { TestClock } from "effect/testing"
import * as Failover from "../src/Failover.ts"
import * as IntegrationError from "../src/IntegrationError.ts"
import * as Policy from "../src/Policy.ts"
import * as Resilience from "../src/Resilience.ts"

const breaker = { windowSize: 4, minimumCalls: 4, openMillis: 10_000 }
const overrides: Policy.PolicyOverrides = {
  providers: {
    // 3 in-call attempts: a deadline must bound the retries too
    first: { timeoutMillis: 4_000, breaker, inCall: { maxAttempts: 3 } },
    second: { timeoutMillis: 4_000, breaker, inCall: { maxAttempts: 3 } },
    third: { timeoutMillis: 4_000, breaker, inCall: { maxAttempts: 3 } },
    hanging: { timeoutMillis: 2_000, inCall: { maxAttempts: 1 } },
    narrow: { timeoutMillis: 5_000, breaker, bulkhead: { maxConcurrent: 1, maxQueue: 1 }, inCall: { maxAttempts: 1 } },
    twilio: { breaker, inCall: { maxAttempts: 1 } },
    probing: {
      timeoutMillis: 1_000,
      breaker: { windowSize: 1, minimumCalls: 1, openMillis: 100 },
      bulkhead: { maxConcurrent: 1, maxQueue: 2 },
      inCall: { maxAttempts: 1 }
    }
  }
}
const layer = Resilience.layerMemory({ random: () => 0 }).pipe(Layer.provide(Policy.layer(overrides)))

interface Sender extends Failover.Port {
  readonly send: Effect.Effect<string, IntegrationError.IntegrationError>
}

/** A provider that never answers, noting the (test) clock time of each call. */
const hangs = (provider: string) =>
  Effect.map(Ref.make<ReadonlyArray<number>>([]), (starts) => ({
    starts,
    service: {
      provider,
      send: Effect.andThen(
        Effect.flatMap(Clock.currentTimeMillis, (now) => Ref.update(starts, (all) => [...all, now])),
        Effect.never
      )
    } satisfies Sender
  }))

describe("Failover.run with deadlineMillis", () => {
  it.effect("gives each step min(its timeout, what remains) and skips the steps past the deadline", () =>
    Effect.gen(function* () {
      const first = yield* hangs("first")
      const second = yield* hangs("second")
      const third = yield* hangs("third")
      const plan = Failover.fromServices("email", [first.service, second.service, third.service])
      const fiber = yield* Failover.run(plan, "send", (service) => service.send, {
        deadlineMillis: 5_000,
        // timeouts are maybe sent: this plan accepts repeating them, to show the deadline alone
        whenUnresolved: "failover",
        maxDuplicates: 3
      }).pipe(Effect.flip, Effect.forkChild)
      yield* TestClock.adjust("4999 millis")
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("1 millis")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(yield* Clock.currentTimeMillis, 5_000)
      assert.deepStrictEqual(
        error.attempts.map(({ provider, outcome, reason, durationMillis }) => ({
          provider,
          outcome,
          reason,
          durationMillis
        })),
        [
          { provider: "first", outcome: "failed", reason: "TimedOut", durationMillis: 4_000 },
          { provider: "second", outcome: "failed", reason: "TimedOut", durationMillis: 1_000 },
          { provider: "third", outcome: "skipped", reason: "DeadlineExceeded", durationMillis: 0 }
        ]
      )
      // no retry fits in what is left after a timeout; the third provider is never called
      assert.deepStrictEqual(yield* Ref.get(first.starts), [0])
      assert.deepStrictEqual(yield* Ref.get(second.starts), [4_000])
      assert.deepStrictEqual(yield* Ref.get(third.starts), [])
      assert.strictEqual(error.reason._tag, "TimedOut")
      assert.include(error.message, "third: DeadlineExceeded")
      assert.include(error.message, "the deadline passed")
    }).pipe(Effect.provide(layer))
  )

  it.effect("skips every step, unmade, when the deadline has already passed", () =>
    Effect.gen(function* () {
      const first = yield* hangs("first")
      const plan = Failover.fromServices("email", [first.service])
      const error = yield* Failover.run(plan, "send", (service) => service.send, { deadlineMillis: 0 }).pipe(
        Effect.flip
      )
      assert.deepStrictEqual(error.attempts, [
        { provider: "first", outcome: "skipped", reason: "DeadlineExceeded", durationMillis: 0 }
      ])
      assert.strictEqual(error.lastError.reason._tag, "TimedOut")
      assert.include(error.message, "the deadline passed")
      assert.deepStrictEqual(yield* Ref.get(first.starts), [])
    }).pipe(Effect.provide(layer))
  )
})

describe("Failover.hedge with deadlineMillis", () => {
  it.effect("ends every hedged call by the deadline and skips the step due after it", () =>
    Effect.gen(function* () {
      const first = yield* hangs("first")
      const second = yield* hangs("second")
      const third = yield* hangs("third")
      const plan = Failover.fromServices("email", [first.service, second.service, third.service])
      const fiber = yield* Failover.hedge(plan, "send", (service) => service.send, {
        delay: "600 millis",
        deadlineMillis: 1_000
      }).pipe(Effect.flip, Effect.forkChild)
      yield* TestClock.adjust("1 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(yield* Clock.currentTimeMillis, 1_000)
      assert.deepStrictEqual(yield* Ref.get(first.starts), [0])
      assert.deepStrictEqual(yield* Ref.get(second.starts), [600])
      assert.deepStrictEqual(yield* Ref.get(third.starts), [])
      assert.sameDeepMembers(
        error.attempts.map(({ provider, reason, durationMillis }) => ({ provider, reason, durationMillis })),
        [
          { provider: "first", reason: "TimedOut", durationMillis: 1_000 },
          { provider: "second", reason: "TimedOut", durationMillis: 400 },
          { provider: "third", reason: "DeadlineExceeded", durationMillis: 0 }
        ]
      )
    }).pipe(Effect.provide(layer))
  )
})

describe("Resilience.protect deadlines", () => {
  it.effect("times one attempt out at the policy's timeout even when the deadline is longer", () =>
    Effect.gen(function* () {
      const hanging = yield* hangs("hanging")
      const fiber = yield* hanging.service.send.pipe(
        Resilience.protect({ service: "email", provider: "hanging", operation: "send", deadlineMillis: 30_000 }),
        Effect.flip,
        Effect.forkChild
      )
      yield* TestClock.adjust("2 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error.reason._tag, "TimedOut")
      if (error.reason._tag === "TimedOut") assert.strictEqual(Duration.toMillis(error.reason.timeout), 2_000)
    }).pipe(Effect.provide(layer))
  )

  it.effect("bounds the call by withinMillis when an outer deadline leaves less", () =>
    Effect.gen(function* () {
      const hanging = yield* hangs("hanging")
      const fiber = yield* hanging.service.send.pipe(
        Resilience.protect({ service: "email", provider: "hanging", operation: "send", withinMillis: 300 }),
        Effect.flip,
        Effect.forkChild
      )
      yield* TestClock.adjust("300 millis")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error.reason._tag, "TimedOut")
      if (error.reason._tag === "TimedOut") assert.strictEqual(Duration.toMillis(error.reason.timeout), 300)
    }).pipe(Effect.provide(layer))
  )

  it.effect("refuses a call whose deadline passes in the bulkhead's queue, unmade and not the provider's fault", () =>
    Effect.gen(function* () {
      const narrow = yield* hangs("narrow")
      const protectFor = (deadlineMillis: number) =>
        Resilience.protect({ service: "email", provider: "narrow", operation: "send", deadlineMillis })
      const running = yield* narrow.service.send.pipe(protectFor(5_000), Effect.flip, Effect.forkChild)
      yield* TestClock.adjust("1 millis")
      const queued = yield* narrow.service.send.pipe(protectFor(1_000), Effect.flip, Effect.forkChild)
      yield* TestClock.adjust("1 seconds")
      const refused = yield* Fiber.join(queued)
      assert.strictEqual(refused.reason._tag, "BulkheadFull")
      assert.isTrue(refused.refusedLocally)
      // refused at its deadline, before the running call freed the permit
      assert.strictEqual(yield* Clock.currentTimeMillis, 1_001)
      assert.isUndefined(running.pollUnsafe())
      assert.deepStrictEqual(yield* Ref.get(narrow.starts), [0])
      const resilience = yield* Resilience.Resilience
      assert.strictEqual(resilience.health("email", "narrow").calls, 0)
      yield* TestClock.adjust("4 seconds")
      assert.strictEqual((yield* Fiber.join(running)).reason._tag, "TimedOut")
      // only the call that reached the provider is in its health window
      const health = resilience.health("email", "narrow")
      assert.strictEqual(health.calls, 1)
      assert.strictEqual(health.lastFailureReason, "TimedOut")
      // the permit was handed on: a later call starts at once
      yield* narrow.service.send.pipe(protectFor(1_000), Effect.flip, Effect.forkChild)
      yield* TestClock.adjust("1 millis")
      assert.deepStrictEqual(yield* Ref.get(narrow.starts), [0, 5_001])
    }).pipe(Effect.provide(layer))
  )

  it.effect("a probe refused in the bulkhead's queue leaves the circuit open for the next probe, not half-open", () =>
    Effect.gen(function* () {
      const probing = yield* hangs("probing")
      const protectFor = (deadlineMillis?: number) =>
        Resilience.protect({ service: "email", provider: "probing", operation: "send", deadlineMillis })
      yield* probing.service.send.pipe(protectFor(), Effect.flip, Effect.forkChild)
      yield* TestClock.adjust("1 millis")
      // queued behind the first; starts when it times out (and trips the circuit) at 1 s, holds the permit to 2 s
      yield* probing.service.send.pipe(protectFor(5_000), Effect.flip, Effect.forkChild)
      yield* TestClock.adjust("1199 millis")
      assert.strictEqual(yield* Resilience.circuitState("email", "probing"), "open")
      const probe = yield* Effect.succeed("ok").pipe(protectFor(300), Effect.flip, Effect.forkChild)
      yield* TestClock.adjust("300 millis")
      assert.strictEqual((yield* Fiber.join(probe)).reason._tag, "BulkheadFull")
      assert.strictEqual(yield* Resilience.circuitState("email", "probing"), "open")
      yield* TestClock.adjust("500 millis")
      assert.strictEqual(yield* Effect.succeed("served").pipe(protectFor()), "served")
      assert.strictEqual(yield* Resilience.circuitState("email", "probing"), "closed")
      assert.deepStrictEqual(yield* Ref.get(probing.starts), [0, 1_000])
    }).pipe(Effect.provide(layer))
  )
})

describe("Resilience.protect with a named circuit", () => {
  const rateLimited = Effect.fail(
    IntegrationError.make("twilio", "status", new IntegrationError.RateLimited({}), { status: 429 })
  )

  it.effect("opens the lookups' circuit without touching the sends' one", () =>
    Effect.gen(function* () {
      const lookup = rateLimited.pipe(
        Resilience.protect({ service: "sms", provider: "twilio", operation: "status", circuit: "status" })
      )
      for (let i = 0; i < 4; i++) yield* Effect.flip(lookup)
      const refused = yield* Effect.flip(lookup)
      assert.strictEqual(refused.reason._tag, "CircuitOpen")
      if (refused.reason._tag === "CircuitOpen") assert.strictEqual(refused.reason.key, "sms:twilio:status")

      assert.strictEqual(yield* Resilience.circuitState("sms", "twilio"), "closed")
      const resilience = yield* Resilience.Resilience
      assert.strictEqual(resilience.admit("sms", "twilio", "send", yield* Clock.currentTimeMillis), "Admitted")
      const sent = yield* Effect.succeed("SM1").pipe(
        Resilience.protect({ service: "sms", provider: "twilio", operation: "send" })
      )
      assert.strictEqual(sent, "SM1")
      // the provider's health is its sends'
      const twilio = resilience.providers().filter((health) => health.provider === "twilio")
      assert.deepStrictEqual(
        twilio.map((health) => [health.breaker, health.calls, health.status]),
        [["closed", 1, "healthy"]]
      )
    }).pipe(Effect.provide(layer))
  )
})
