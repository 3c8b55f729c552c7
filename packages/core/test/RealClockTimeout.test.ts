/**
 * Attempt timeouts on the real clock, where the engine re-arms a circuit's
 * Node timers instead of building one per attempt: a timer an earlier attempt
 * left armed never cuts a later attempt short, each attempt waits its whole
 * timeout from its own start, concurrent attempts each get one, and a
 * deadline shorter than the policy's timeout still ends the attempt by then.
 * A full policy timeout keeps 2 ms back (`answerReserve`), so the
 * caller has its answer, and its failover begins, within the timeout.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber, Layer } from "effect"
import * as IntegrationError from "../src/IntegrationError.ts"
import * as Policy from "../src/Policy.ts"
import * as Resilience from "../src/Resilience.ts"
import { ANSWER_RESERVE_MILLIS, answerReserve, deadlineIn } from "../src/internal/deadline.ts"
import { InFlight } from "../src/internal/inFlight.ts"

const TIMEOUT = 40
// Never trips: every attempt here must reach its own timer.
const patient = {
  timeoutMillis: TIMEOUT,
  breaker: { windowSize: 100, minimumCalls: 100, consecutiveSlowCalls: 100 },
  inCall: { maxAttempts: 1 }
}
const overrides = Policy.PolicyOverrides.make({
  providers: { reused: patient, concurrent: patient, shortened: patient }
})
const layer = Resilience.layerMemory().pipe(Layer.provide(Policy.layer(overrides)))

/** Never settles until its signal aborts, as a provider that hangs. */
const hang = (provider: string) =>
  Effect.tryPromise({
    try: (signal) => new Promise<string>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason))),
    catch: () => IntegrationError.make(provider, "send", new IntegrationError.Unavailable({}))
  })

const sleep = (millis: number) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, millis)))

/** How long a protected hanging call took, and the reason it failed with. */
const timedHang = (provider: string, withinMillis?: number) =>
  Effect.gen(function* () {
    const started = performance.now()
    const exit = yield* Effect.exit(
      Resilience.protect(hang(provider), { service: "email", provider, operation: "send", withinMillis })
    )
    const took = performance.now() - started
    assert.isTrue(Exit.isFailure(exit))
    const error = Exit.isFailure(exit) ? exit.cause.reasons.find((reason) => reason._tag === "Fail") : undefined
    return { took, reason: (error?.error as IntegrationError.IntegrationError | undefined)?.reason._tag }
  })

// Node may fire a timer a fraction of a millisecond before the ms it was armed for.
const EARLY = 1
// A full policy timeout is armed its answer reserve early on the real clock, so the caller has its answer by it.
const FULL = TIMEOUT - answerReserve(TIMEOUT)

describe("attempt timeouts on the real clock", () => {
  it.live("a later attempt waits its whole timeout from its own start, not what an earlier one left armed", () =>
    Effect.gen(function* () {
      for (let round = 0; round < 3; round++) {
        // A quick success hands its timer back still armed for TIMEOUT ms from now...
        const ok = yield* Resilience.protect(Effect.succeed("sent"), {
          service: "email",
          provider: "reused",
          operation: "send"
        })
        assert.strictEqual(ok, "sent")
        // ...and a hang that starts most of the way through it must still get all of its own.
        yield* sleep(TIMEOUT * 0.75)
        const { took, reason } = yield* timedHang("reused")
        assert.strictEqual(reason, "TimedOut")
        assert.isAtLeast(took, FULL - EARLY)
        assert.isBelow(took, TIMEOUT * 4)
      }
    }).pipe(Effect.provide(layer))
  )

  it.live("concurrent attempts each time out at their own timeout", () =>
    Effect.gen(function* () {
      const first = yield* Effect.forkChild(timedHang("concurrent"))
      yield* sleep(TIMEOUT / 2)
      const later = yield* Effect.all([timedHang("concurrent"), timedHang("concurrent"), timedHang("concurrent")], {
        concurrency: "unbounded"
      })
      const earlier = yield* Fiber.join(first)
      for (const { took, reason } of [earlier, ...later]) {
        assert.strictEqual(reason, "TimedOut")
        assert.isAtLeast(took, FULL - EARLY)
        assert.isBelow(took, TIMEOUT * 4)
      }
    }).pipe(Effect.provide(layer))
  )

  it.live("a deadline shorter than the policy's timeout ends the attempt by the deadline", () =>
    Effect.gen(function* () {
      // Arm the circuit's re-armed timer first, so the shortened attempt is not served by it.
      yield* timedHang("shortened")
      const { took, reason } = yield* timedHang("shortened", TIMEOUT / 4)
      assert.strictEqual(reason, "TimedOut")
      assert.isAtLeast(took, TIMEOUT / 4 - ANSWER_RESERVE_MILLIS - EARLY)
      assert.isBelow(took, TIMEOUT - EARLY)
    }).pipe(Effect.provide(layer))
  )

  it.live("an attempt cut by an outer deadline is armed to answer by it, keeping 2 ms back", () =>
    Effect.gen(function* () {
      const within = TIMEOUT / 2
      const exit = yield* Effect.exit(
        Resilience.protect(hang("shortened"), {
          service: "email",
          provider: "shortened",
          operation: "send",
          withinMillis: within
        })
      )
      const failure = Exit.isFailure(exit) ? exit.cause.reasons.find((reason) => reason._tag === "Fail") : undefined
      const reason = (failure?.error as IntegrationError.IntegrationError | undefined)?.reason
      assert.strictEqual(reason?._tag, "TimedOut")
      // The timer it was given: what the deadline left, less the time to answer.
      assert.strictEqual(
        reason?._tag === "TimedOut" ? Duration.toMillis(reason.timeout) : undefined,
        within - ANSWER_RESERVE_MILLIS
      )
    }).pipe(Effect.provide(layer))
  )
})

describe("the answer reserve", () => {
  it("keeps its reserve of a policy timeout only where that is at most 5 % of it", () => {
    assert.strictEqual(answerReserve(8_000), ANSWER_RESERVE_MILLIS)
    assert.strictEqual(answerReserve(40), ANSWER_RESERVE_MILLIS)
    assert.strictEqual(answerReserve(39), 0)
    assert.strictEqual(answerReserve(5), 0)
  })

  it.live("a full policy timeout still reports the policy's timeout", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(
        Resilience.protect(hang("reused"), { service: "email", provider: "reused", operation: "send" })
      )
      const failure = Exit.isFailure(exit) ? exit.cause.reasons.find((reason) => reason._tag === "Fail") : undefined
      const reason = (failure?.error as IntegrationError.IntegrationError | undefined)?.reason
      assert.strictEqual(reason?._tag === "TimedOut" ? Duration.toMillis(reason.timeout) : undefined, TIMEOUT)
    }).pipe(Effect.provide(layer))
  )
})

describe("the attempts in flight on a circuit", () => {
  it("releases only the attempts still running, each once, and re-arms an ended attempt's timer for the next", () => {
    const inFlight = new InFlight()
    const stopped: Array<string> = []
    const stop = (name: string) => () => {
      stopped.push(name)
    }
    const a = inFlight.begin(stop("a"), 60_000)
    const b = inFlight.begin(stop("b"))
    const c = inFlight.begin(stop("c"), 60_000)
    assert.strictEqual(inFlight.size, 3)
    inFlight.end(b)
    inFlight.end(b)
    assert.strictEqual(inFlight.size, 2)
    assert.strictEqual(inFlight.release(), 2)
    assert.deepStrictEqual(stopped.sort(), ["a", "c"])
    assert.strictEqual(inFlight.size, 0)
    // Ending a released attempt, or ending it twice, pools its timer once.
    inFlight.end(a)
    inFlight.end(a)
    inFlight.end(c)
    const d = inFlight.begin(stop("d"), 60_000)
    const e = inFlight.begin(stop("e"), 60_000)
    const f = inFlight.begin(stop("f"), 60_000)
    assert.deepStrictEqual([d, e].includes(a) && [d, e].includes(c), true)
    assert.isTrue(f !== a && f !== c)
    assert.strictEqual(inFlight.size, 3)
    for (const attempt of [d, e, f]) inFlight.end(attempt)
    assert.strictEqual(inFlight.size, 0)
    assert.strictEqual(inFlight.release(), 0)
    assert.deepStrictEqual(stopped, ["a", "c"])
    // No timer left keeping the process alive.
    for (const attempt of [d, e, f]) assert.isFalse(attempt.timeout?.hasRef())
  })
})

describe("a plan's deadline on the real clock", () => {
  it.live("counts whole milliseconds, never more than are really left", () =>
    Effect.gen(function* () {
      const clock = yield* Effect.clockWith(Effect.succeed)
      const deadline = deadlineIn(clock, 30)
      // A step with less than this left is skipped: its attempt could only answer past the deadline.
      assert.strictEqual(deadline.minimumStep, 2 * ANSWER_RESERVE_MILLIS)
      // Read after the deadline was made: what is left by this count is never less than the deadline's own.
      const startedAt = performance.now()
      let checks = 0
      // Until past the deadline and at least five checks: a loaded machine may let one 1 ms sleep take 35 ms.
      while (performance.now() - startedAt < 35 || checks < 5) {
        const remaining = deadline.remaining()
        const reallyLeft = 30 - (performance.now() - startedAt)
        assert.isTrue(Number.isInteger(remaining))
        assert.isAtMost(remaining, reallyLeft)
        checks++
        yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 1)))
      }
      assert.isAtMost(deadline.remaining(), 0)
    })
  )
})

describe("a plan's deadline on a TestClock", () => {
  it.effect("keeps nothing back: a virtual timer fires exactly and answers in no time", () =>
    Effect.gen(function* () {
      const clock = yield* Effect.clockWith(Effect.succeed)
      const deadline = deadlineIn(clock, 30)
      assert.strictEqual(deadline.minimumStep, 0)
      assert.strictEqual(deadline.remaining(), 30)
    })
  )
})
