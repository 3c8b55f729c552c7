/**
 * `Resilience.protect` against small fake providers built from Effects: what
 * the caller gets back, how many times the provider was really called, and
 * when (under `TestClock`). The circuit, the bulkhead, the timeout and in-call
 * retry are the code under test; the providers are not.
 */
import { assert, describe, it } from "@effect/vitest"
import { Clock, Duration, Effect, Fiber, Layer, Ref } from "effect"
import { TestClock } from "effect/testing"
import * as Correlation from "../src/Correlation.ts"
import * as IntegrationError from "../src/IntegrationError.ts"
import * as Policy from "../src/Policy.ts"
import * as Resilience from "../src/Resilience.ts"
import * as WeddingContext from "../src/WeddingContext.ts"

const overrides: Policy.PolicyOverrides = {
  providers: {
    // email defaults: timeout 10 s, inCall 3 attempts from 200 ms, failure threshold 0.3
    flaky: { breaker: { windowSize: 4, minimumCalls: 4, openMillis: 1_000 }, inCall: { maxAttempts: 1 } },
    hanging: { timeoutMillis: 2_000, inCall: { maxAttempts: 1 } },
    slow: {
      timeoutMillis: 2_000,
      // a run of four: these tests are about the failure-rate window, the hang rule has its own (HangTrip.test.ts)
      breaker: { windowSize: 4, minimumCalls: 4, openMillis: 1_000, slowCallMillis: 500, consecutiveSlowCalls: 4 },
      inCall: { maxAttempts: 1 }
    },
    narrow: { bulkhead: { maxConcurrent: 1, maxQueue: 1 }, inCall: { maxAttempts: 1 } }
  }
}

// random 0: every jittered in-call delay is the policy's base (200 ms for email)
const layer = Resilience.layerMemory({ random: () => 0 }).pipe(Layer.provide(Policy.layer(overrides)))

const unavailable = (provider: string, retryAfter?: Duration.Duration) =>
  IntegrationError.make(
    provider,
    "send",
    new IntegrationError.Unavailable(retryAfter === undefined ? {} : { retryAfter }),
    { status: 503 }
  )

/** A provider call that fails with `error` on its first `failures` invocations, then answers `ok-<n>`. */
const failingTimes = (
  calls: Ref.Ref<number>,
  failures: number,
  error: IntegrationError.IntegrationError
): Effect.Effect<string, IntegrationError.IntegrationError> =>
  Effect.flatMap(
    Ref.updateAndGet(calls, (n) => n + 1),
    (n) => (n <= failures ? Effect.fail(error) : Effect.succeed(`ok-${n}`))
  )

const protect = (provider: string) => Resilience.protect({ service: "email", provider, operation: "send" })

const WEDDING_TODAY = { weddingId: "w_1", weddingDate: "1970-01-01", vendorType: "venue" } as const

describe("Resilience.protect", () => {
  it.effect("passes a success through, calling the provider once", () =>
    Effect.gen(function* () {
      const calls = yield* Ref.make(0)
      const result = yield* failingTimes(calls, 0, unavailable("steady")).pipe(protect("steady"))
      assert.strictEqual(result, "ok-1")
      assert.strictEqual(yield* Ref.get(calls), 1)
      assert.strictEqual(yield* Resilience.circuitState("email", "steady"), "closed")
    }).pipe(Effect.provide(layer))
  )

  it.effect("retries a transient failure in-call up to inCall.maxAttempts", () =>
    Effect.gen(function* () {
      const recovering = yield* Ref.make(0)
      const recovered = yield* failingTimes(recovering, 2, unavailable("retrying")).pipe(
        protect("retrying"),
        Effect.forkChild
      )
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* Fiber.join(recovered), "ok-3")
      assert.strictEqual(yield* Ref.get(recovering), 3)

      const broken = yield* Ref.make(0)
      const failed = yield* failingTimes(broken, 100, unavailable("retrying")).pipe(
        protect("retrying"),
        Effect.flip,
        Effect.forkChild
      )
      yield* TestClock.adjust("5 seconds")
      const error = yield* Fiber.join(failed)
      assert.strictEqual(error.reason._tag, "Unavailable")
      assert.strictEqual(yield* Ref.get(broken), Policy.defaults.email.inCall.maxAttempts)
    }).pipe(Effect.provide(layer))
  )

  it.effect("never retries a Rejected failure", () =>
    Effect.gen(function* () {
      const calls = yield* Ref.make(0)
      const rejected = IntegrationError.make("retrying", "send", new IntegrationError.Rejected({}), { status: 422 })
      const fiber = yield* failingTimes(calls, 100, rejected).pipe(protect("retrying"), Effect.flip, Effect.forkChild)
      yield* TestClock.adjust("5 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error.reason._tag, "Rejected")
      assert.strictEqual(error.status, 422)
      assert.strictEqual(yield* Ref.get(calls), 1)
    }).pipe(Effect.provide(layer))
  )

  it.effect("waits for a Retry-After longer than the jittered delay", () =>
    Effect.gen(function* () {
      const calls = yield* Ref.make(0)
      const fiber = yield* failingTimes(calls, 1, unavailable("retrying", Duration.seconds(3))).pipe(
        protect("retrying"),
        Effect.forkChild
      )
      yield* TestClock.adjust("2999 millis")
      assert.strictEqual(yield* Ref.get(calls), 1)
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(yield* Fiber.join(fiber), "ok-2")
      assert.strictEqual(yield* Ref.get(calls), 2)
    }).pipe(Effect.provide(layer))
  )

  it.effect("does not retry when the wait would pass the caller's deadline", () =>
    Effect.gen(function* () {
      const calls = yield* Ref.make(0)
      // A 3 s Retry-After cannot fit in a 2 s deadline: fail now, so the caller can fail over.
      const error = yield* failingTimes(calls, 1, unavailable("retrying", Duration.seconds(3))).pipe(
        Resilience.protect({ service: "email", provider: "retrying", operation: "send", deadlineMillis: 2_000 }),
        Effect.flip
      )
      assert.strictEqual(error.reason._tag, "Unavailable")
      assert.strictEqual(yield* Ref.get(calls), 1)
      assert.strictEqual(yield* Clock.currentTimeMillis, 0)
    }).pipe(Effect.provide(layer))
  )

  it.effect("does not retry wedding_day_critical work", () =>
    Effect.gen(function* () {
      const critical = yield* Ref.make(0)
      const onTheDay = yield* failingTimes(critical, 100, unavailable("retrying")).pipe(
        protect("retrying"),
        WeddingContext.provide(WEDDING_TODAY),
        Effect.flip,
        Effect.forkChild
      )
      yield* TestClock.adjust("5 seconds")
      assert.strictEqual((yield* Fiber.join(onTheDay)).reason._tag, "Unavailable")
      assert.strictEqual(yield* Ref.get(critical), 1)

      // the same wedding a month away is retried as usual
      const later = yield* Ref.make(0)
      const inAMonth = yield* failingTimes(later, 100, unavailable("retrying")).pipe(
        protect("retrying"),
        WeddingContext.provide({ ...WEDDING_TODAY, weddingDate: "1970-03-01" }),
        Effect.flip,
        Effect.forkChild
      )
      yield* TestClock.adjust("5 seconds")
      yield* Fiber.join(inAMonth)
      assert.strictEqual(yield* Ref.get(later), 3)
    }).pipe(Effect.provide(layer))
  )

  it.effect("times a hanging promise out after the policy timeout and aborts its signal", () =>
    Effect.gen(function* () {
      const signals: Array<AbortSignal> = []
      const hanging = Effect.tryPromise({
        try: (signal) => {
          signals.push(signal)
          return new Promise<string>(() => {})
        },
        catch: () => unavailable("hanging")
      })
      const fiber = yield* hanging.pipe(protect("hanging"), Effect.flip, Effect.forkChild)
      yield* TestClock.adjust("1999 millis")
      assert.isUndefined(fiber.pollUnsafe())
      assert.strictEqual(signals.length, 1)
      assert.isFalse(signals[0]!.aborted)
      yield* TestClock.adjust("1 millis")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error.reason._tag, "TimedOut")
      assert.strictEqual(error.provider, "hanging")
      assert.strictEqual(error.operation, "send")
      if (error.reason._tag === "TimedOut") assert.strictEqual(Duration.toMillis(error.reason.timeout), 2_000)
      assert.isTrue(signals[0]!.aborted)
    }).pipe(Effect.provide(layer))
  )

  it.effect("times Effect.never out with TimedOut", () =>
    Effect.gen(function* () {
      const fiber = yield* Effect.never.pipe(protect("hanging"), Effect.flip, Effect.forkChild)
      yield* TestClock.adjust("2 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error.reason._tag, "TimedOut")
      assert.isTrue(error.isRetryable)
    }).pipe(Effect.provide(layer))
  )
})

describe("Resilience.protect circuit", () => {
  /** Four failing calls fill the window of four and trip it. */
  const trip = (calls: Ref.Ref<number>) =>
    Effect.gen(function* () {
      for (let i = 0; i < 4; i++) {
        assert.strictEqual(yield* Resilience.circuitState("email", "flaky"), "closed")
        const error = yield* failingTimes(calls, 100, unavailable("flaky")).pipe(protect("flaky"), Effect.flip)
        assert.strictEqual(error.reason._tag, "Unavailable")
      }
    })

  it.effect("opens after the window trips and then rejects without calling the provider", () =>
    Effect.gen(function* () {
      const calls = yield* Ref.make(0)
      yield* trip(calls)
      assert.strictEqual(yield* Resilience.circuitState("email", "flaky"), "open")
      assert.strictEqual(yield* Ref.get(calls), 4)

      yield* TestClock.adjust("400 millis")
      const rejected = yield* failingTimes(calls, 0, unavailable("flaky")).pipe(
        protect("flaky"),
        Correlation.withId("corr_open"),
        Effect.flip
      )
      assert.strictEqual(yield* Ref.get(calls), 4)
      assert.strictEqual(rejected.reason._tag, "CircuitOpen")
      assert.strictEqual(rejected.provider, "flaky")
      assert.strictEqual(rejected.operation, "send")
      assert.strictEqual(rejected.correlationId, "corr_open")
      assert.isTrue(rejected.canFailover)
      if (rejected.reason._tag === "CircuitOpen") assert.strictEqual(rejected.reason.key, "email:flaky")
      assert.strictEqual(Duration.toMillis(rejected.retryAfter!), 600)
    }).pipe(Effect.provide(layer))
  )

  it.effect("lets one probe through after openMillis; its success closes the circuit", () =>
    Effect.gen(function* () {
      const calls = yield* Ref.make(0)
      yield* trip(calls)
      yield* TestClock.adjust("1 second")
      const result = yield* failingTimes(calls, 4, unavailable("flaky")).pipe(protect("flaky"))
      assert.strictEqual(result, "ok-5")
      assert.strictEqual(yield* Resilience.circuitState("email", "flaky"), "closed")
      assert.strictEqual(yield* failingTimes(calls, 4, unavailable("flaky")).pipe(protect("flaky")), "ok-6")
    }).pipe(Effect.provide(layer))
  )

  it.effect("reopens when the probe fails", () =>
    Effect.gen(function* () {
      const calls = yield* Ref.make(0)
      yield* trip(calls)
      yield* TestClock.adjust("1 second")
      const probe = yield* failingTimes(calls, 100, unavailable("flaky")).pipe(protect("flaky"), Effect.flip)
      assert.strictEqual(probe.reason._tag, "Unavailable")
      assert.strictEqual(yield* Ref.get(calls), 5)
      assert.strictEqual(yield* Resilience.circuitState("email", "flaky"), "open")

      const rejected = yield* failingTimes(calls, 0, unavailable("flaky")).pipe(protect("flaky"), Effect.flip)
      assert.strictEqual(rejected.reason._tag, "CircuitOpen")
      assert.strictEqual(Duration.toMillis(rejected.retryAfter!), 1_000)
      assert.strictEqual(yield* Ref.get(calls), 5)
    }).pipe(Effect.provide(layer))
  )

  it.effect("frees the probe when its caller is interrupted, so a later call can probe again", () =>
    Effect.gen(function* () {
      const calls = yield* Ref.make(0)
      yield* trip(calls)
      yield* TestClock.adjust("1 second")
      const probe = yield* Effect.never.pipe(protect("flaky"), Effect.forkChild)
      yield* Effect.yieldNow
      yield* Fiber.interrupt(probe)
      assert.notStrictEqual(yield* Resilience.circuitState("email", "flaky"), "half_open")
      const result = yield* failingTimes(calls, 4, unavailable("flaky")).pipe(protect("flaky"))
      assert.strictEqual(result, "ok-5")
      assert.strictEqual(yield* Resilience.circuitState("email", "flaky"), "closed")
    }).pipe(Effect.provide(layer))
  )

  it.effect("counts slow successes as failures and trips on them", () =>
    Effect.gen(function* () {
      const calls = yield* Ref.make(0)
      const slow = Effect.andThen(
        Ref.update(calls, (n) => n + 1),
        Effect.as(Effect.sleep("600 millis"), "late")
      )
      for (let i = 0; i < 4; i++) {
        assert.strictEqual(yield* Resilience.circuitState("email", "slow"), "closed")
        const fiber = yield* slow.pipe(protect("slow"), Effect.forkChild)
        yield* TestClock.adjust("600 millis")
        assert.strictEqual(yield* Fiber.join(fiber), "late")
      }
      assert.strictEqual(yield* Resilience.circuitState("email", "slow"), "open")
      const rejected = yield* slow.pipe(protect("slow"), Effect.flip)
      assert.strictEqual(rejected.reason._tag, "CircuitOpen")
      assert.strictEqual(yield* Ref.get(calls), 4)
    }).pipe(Effect.provide(layer))
  )

  it.effect("does not count calls under slowCallMillis as failures", () =>
    Effect.gen(function* () {
      const quick = Effect.as(Effect.sleep("499 millis"), "quick")
      for (let i = 0; i < 6; i++) {
        const fiber = yield* quick.pipe(protect("slow"), Effect.forkChild)
        yield* TestClock.adjust("499 millis")
        assert.strictEqual(yield* Fiber.join(fiber), "quick")
      }
      assert.strictEqual(yield* Resilience.circuitState("email", "slow"), "closed")
    }).pipe(Effect.provide(layer))
  )
})

describe("Resilience.protect bulkhead", () => {
  it.effect("queues up to maxQueue, refuses the next at once, and runs the queued call after the first", () =>
    Effect.gen(function* () {
      const started = yield* Ref.make<Array<number>>([])
      const work = (name: string) =>
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          yield* Ref.update(started, (list) => [...list, now])
          yield* Effect.sleep("1 second")
          return name
        }).pipe(protect("narrow"))
      const first = yield* Effect.forkChild(work("first"))
      const second = yield* Effect.forkChild(work("second"))
      yield* Effect.yieldNow
      yield* Effect.yieldNow
      assert.deepStrictEqual(yield* Ref.get(started), [0])

      const refused = yield* work("third").pipe(Correlation.withId("corr_bulk"), Effect.flip)
      assert.strictEqual(refused.reason._tag, "BulkheadFull")
      assert.strictEqual(refused.provider, "narrow")
      assert.strictEqual(refused.operation, "send")
      assert.strictEqual(refused.correlationId, "corr_bulk")
      if (refused.reason._tag === "BulkheadFull") {
        assert.strictEqual(refused.reason.key, "email:narrow")
        assert.strictEqual(refused.reason.limit, 1)
        assert.strictEqual(refused.reason.queue, 1)
      }
      assert.deepStrictEqual(yield* Ref.get(started), [0])

      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* Fiber.join(first), "first")
      assert.deepStrictEqual(yield* Ref.get(started), [0, 1_000])
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* Fiber.join(second), "second")
    }).pipe(Effect.provide(layer))
  )
})
