/**
 * On the real clock a timed-out attempt answers its caller before the work is
 * torn down: aborting a request costs about half a millisecond, which a caller
 * failing over to a healthy backup should not wait for. The work is still
 * aborted a moment later, and its bulkhead permit is held until it has ended.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Layer } from "effect"
import * as IntegrationError from "../src/IntegrationError.ts"
import * as Policy from "../src/Policy.ts"
import * as Resilience from "../src/Resilience.ts"

const overrides: Policy.PolicyOverrides = {
  providers: {
    hanging: { timeoutMillis: 20, bulkhead: { maxConcurrent: 1, maxQueue: 1 }, inCall: { maxAttempts: 1 } }
  }
}
const layer = Resilience.layerMemory().pipe(Layer.provide(Policy.layer(overrides)))

/** A request that never answers; `ended` is set when its AbortSignal fires and it has settled. */
const hangingRequest = () => {
  const seen = { aborted: false, ended: false }
  const call = Effect.tryPromise({
    try: (signal) =>
      new Promise<string>((_, reject) =>
        signal.addEventListener("abort", () => {
          seen.aborted = true
          reject(signal.reason)
        })
      ),
    catch: () => IntegrationError.make("hanging", "send", new IntegrationError.Unavailable({}))
  }).pipe(Effect.ensuring(Effect.sync(() => (seen.ended = true))))
  return { seen, call }
}

const protect = <A>(call: Effect.Effect<A, IntegrationError.IntegrationError>) =>
  Resilience.protect(call, { service: "sms", provider: "hanging", operation: "send" })

describe("a timed-out attempt on the real clock", () => {
  it.live("answers TimedOut before its work is aborted, and the work is aborted right after", () =>
    Effect.gen(function* () {
      const request = hangingRequest()
      const exit = yield* Effect.exit(protect(request.call))
      const abortedWhenAnswered = request.seen.aborted
      yield* Effect.sleep("10 millis")
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit)) {
        const error = exit.cause.reasons.find((reason) => reason._tag === "Fail")
        assert.strictEqual(error?._tag === "Fail" ? error.error.reason._tag : undefined, "TimedOut")
      }
      assert.isFalse(abortedWhenAnswered)
      assert.isTrue(request.seen.aborted)
      assert.isTrue(request.seen.ended)
    }).pipe(Effect.provide(layer))
  )

  it.live("holds its bulkhead permit until the work has ended", () =>
    Effect.gen(function* () {
      const request = hangingRequest()
      yield* Effect.exit(protect(request.call))
      // The only permit is still the aborted work's: the next call waits in the queue for it, then runs.
      const endedBeforeNext = request.seen.ended
      const next = yield* protect(Effect.sync(() => request.seen.ended))
      assert.isFalse(endedBeforeNext)
      assert.isTrue(next)
    }).pipe(Effect.provide(layer))
  )
})
