/**
 * A hang trip on the real clock: the circuit opens in the tripping caller's
 * turn and that caller fails over at once; the shared store hears of the
 * opening on a later turn, without the caller waiting for it.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Layer } from "effect"
import { CircuitBreaker } from "effect/persistence"
import * as IntegrationError from "../src/IntegrationError.ts"
import * as Policy from "../src/Policy.ts"
import * as Resilience from "../src/Resilience.ts"

const policies = Policy.layer({ providers: { hung: { timeoutMillis: 40, inCall: { maxAttempts: 1 } } } })

/** Never settles until its signal aborts, as a provider that hangs. */
const hang = Effect.tryPromise({
  try: (signal) => new Promise<string>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason))),
  catch: () => IntegrationError.make("hung", "send", new IntegrationError.Unavailable({}))
})

describe("a hang trip on the real clock", () => {
  it.live("opens the circuit in the caller's turn and shares it with the store after", () =>
    Effect.gen(function* () {
      const store = yield* CircuitBreaker.CircuitBreakerStore
      const exits = yield* Effect.gen(function* () {
        const protect = Resilience.protect(hang, { service: "email", provider: "hung", operation: "send" })
        // Two timeouts in a row: the second trips (the email policy's run of two slow calls).
        const first = yield* Effect.exit(protect)
        const second = yield* Effect.exit(protect)
        // Read in the same turn the tripping call returned in: open here already.
        return { first, second, state: yield* Resilience.circuitState("email", "hung") }
      }).pipe(Effect.provide(Resilience.layer().pipe(Layer.provide(policies))))
      assert.isTrue(Exit.isFailure(exits.first) && Exit.isFailure(exits.second))
      assert.strictEqual(exits.state, "open")
      // The store's write follows on a later turn; other instances read it from there.
      let shared = (yield* store.state("email:hung"))._tag
      for (let i = 0; i < 50 && shared !== "Open"; i++) {
        yield* Effect.sleep("2 millis")
        shared = (yield* store.state("email:hung"))._tag
      }
      assert.strictEqual(shared, "Open")
    }).pipe(Effect.provide(CircuitBreaker.layerStoreMemory()))
  )
})
