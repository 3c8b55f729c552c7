/**
 * The quorum for opening a shared circuit (`internal/quorum.ts`), on Effect's
 * memory `CircuitBreakerStore` and the memory vote store: several engines in
 * one process stand for several instances sharing one store. What is asserted
 * is what each instance admits and whether its provider was really called;
 * the Redis script is proven across processes in
 * `Resilience.integration.test.ts`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Fiber, Layer, Ref } from "effect"
import { CircuitBreaker } from "effect/persistence"
import { TestClock } from "effect/testing"
import * as IntegrationError from "../src/IntegrationError.ts"
import * as Policy from "../src/Policy.ts"
import * as Resilience from "../src/Resilience.ts"
import * as Quorum from "../src/internal/quorum.ts"
import * as Internal from "../src/internal/service.ts"
import { syncFromStore } from "../src/internal/sharedState.ts"

const policies = Policy.layer({
  providers: { shared: { breaker: { windowSize: 4, minimumCalls: 4, openMillis: 30_000 }, inCall: { maxAttempts: 1 } } }
})

type Store = CircuitBreaker.CircuitBreakerStore["Service"]

/** One instance: an engine over the shared `store`, voting in `votes` when `size` > 1. */
const instance = (store: Store, votes: Quorum.Votes | undefined, id: string, size = 2) =>
  Effect.gen(function* () {
    const built = yield* Layer.build(
      Resilience.layer().pipe(
        Layer.provide(Layer.succeed(CircuitBreaker.CircuitBreakerStore, store)),
        Layer.provide(policies)
      )
    )
    const service = Context.get(built, Resilience.Resilience)
    const engine = Internal.engineOf(service)
    if (engine === undefined) return yield* Effect.die("the layer built no engine")
    if (votes !== undefined) {
      Quorum.register(engine, Quorum.make({ size, windowMillis: 60_000, votes, instance: id }))
    }
    const calls = yield* Ref.make(0)
    const call = (ok: boolean) =>
      service.protect(
        Effect.andThen(
          Ref.update(calls, (n) => n + 1),
          ok
            ? Effect.succeed("sent")
            : Effect.fail(IntegrationError.make("shared", "send", new IntegrationError.Unavailable({})))
        ),
        { service: "email", provider: "shared", operation: "send" }
      )
    return {
      /** Calls the provider (failing or not) and answers the result's tag, and whether the provider was called. */
      call: (ok: boolean) =>
        Effect.gen(function* () {
          const before = yield* Ref.get(calls)
          const exit = yield* Effect.exit(call(ok))
          const invoked = (yield* Ref.get(calls)) - before
          if (exit._tag === "Success") return { outcome: "ok", invoked }
          const error = exit.cause.reasons.find((reason) => reason._tag === "Fail")
          return {
            outcome:
              error !== undefined && IntegrationError.isIntegrationError(error.error)
                ? error.error.reason._tag
                : "Defect",
            invoked
          }
        }),
      trip: Effect.gen(function* () {
        for (let n = 0; n < 4; n++) yield* Effect.exit(call(false))
      }),
      state: Effect.sync(() => service.circuitState("email", "shared")),
      sync: Effect.suspend(() => syncFromStore(engine, engine.providerState("email", "shared")))
    }
  })

const sharedState = (store: Store) => Effect.map(store.state("email:shared"), (state) => state._tag)

const setup = Effect.gen(function* () {
  const store = yield* CircuitBreaker.CircuitBreakerStore
  return { store, votes: Quorum.memoryVotes() }
}).pipe(Effect.provide(CircuitBreaker.layerStoreMemory()))

describe("Quorum.memoryVotes", () => {
  it.effect("counts distinct instances within the window and clears the votes that complete a quorum", () =>
    Effect.gen(function* () {
      const votes = Quorum.memoryVotes()
      assert.strictEqual(yield* votes.vote("email:a", "one", 3, 60_000), 1)
      // An instance voting again is still one instance.
      assert.strictEqual(yield* votes.vote("email:a", "one", 3, 60_000), 1)
      assert.strictEqual(yield* votes.vote("email:a", "two", 3, 60_000), 2)
      // Circuits are counted apart.
      assert.strictEqual(yield* votes.vote("email:b", "three", 3, 60_000), 1)
      assert.strictEqual(yield* votes.vote("email:a", "three", 3, 60_000), 3)
      // The quorum cleared them: the next vote starts over.
      assert.strictEqual(yield* votes.vote("email:a", "one", 3, 60_000), 1)
    })
  )

  it.effect("a vote expires after the window", () =>
    Effect.gen(function* () {
      const votes = Quorum.memoryVotes()
      assert.strictEqual(yield* votes.vote("email:a", "one", 2, 60_000), 1)
      yield* TestClock.adjust("60 seconds")
      assert.strictEqual(yield* votes.vote("email:a", "two", 2, 60_000), 1)
      yield* TestClock.adjust("59 seconds")
      assert.strictEqual(yield* votes.vote("email:a", "one", 2, 60_000), 2)
    })
  )
})

describe("a shared circuit with a quorum of 2", () => {
  it.effect("one instance's trip opens its own circuit only; the other keeps calling", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const { store, votes } = yield* setup
        const a = yield* instance(store, votes, "a")
        const b = yield* instance(store, votes, "b")
        assert.deepStrictEqual(yield* b.call(true), { outcome: "ok", invoked: 1 })

        yield* a.trip
        assert.strictEqual(yield* a.state, "open")
        assert.deepStrictEqual(yield* a.call(true), { outcome: "CircuitOpen", invoked: 0 })
        assert.strictEqual(yield* sharedState(store), "Closed")

        // Reading the store back changes neither: A stays open, B closed and calling.
        yield* a.sync
        yield* b.sync
        assert.strictEqual(yield* a.state, "open")
        assert.strictEqual(yield* b.state, "closed")
        assert.deepStrictEqual(yield* b.call(true), { outcome: "ok", invoked: 1 })
      })
    )
  )

  it.effect("an opening short of the quorum is probed by one call of its own, not a new window of failures", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const { store, votes } = yield* setup
        const a = yield* instance(store, votes, "a")
        yield* a.trip
        assert.strictEqual(yield* a.state, "open")
        yield* TestClock.adjust("30 seconds")
        // The store still says closed: the probe is one call, and its failure reopens at once.
        assert.deepStrictEqual(yield* a.call(false), { outcome: "Unavailable", invoked: 1 })
        assert.strictEqual(yield* a.state, "open")
        assert.deepStrictEqual(yield* a.call(true), { outcome: "CircuitOpen", invoked: 0 })
        yield* TestClock.adjust("30 seconds")
        // A probe that succeeds closes it.
        assert.deepStrictEqual(yield* a.call(true), { outcome: "ok", invoked: 1 })
        assert.strictEqual(yield* a.state, "closed")
      })
    )
  )

  it.effect("a second instance's trip within the window opens the circuit for every instance", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const { store, votes } = yield* setup
        const a = yield* instance(store, votes, "a")
        const b = yield* instance(store, votes, "b")
        const c = yield* instance(store, votes, "c")
        yield* a.trip
        yield* TestClock.adjust("10 seconds")
        yield* b.trip
        assert.strictEqual(yield* sharedState(store), "Open")

        yield* c.sync
        assert.strictEqual(yield* c.state, "open")
        assert.deepStrictEqual(yield* c.call(true), { outcome: "CircuitOpen", invoked: 0 })
        // A's opening is the shared one now: a close in the store would close it too.
        yield* a.sync
        assert.strictEqual(yield* a.state, "open")
      })
    )
  )

  it.effect("votes older than the window do not count", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const { store, votes } = yield* setup
        const a = yield* instance(store, votes, "a")
        const b = yield* instance(store, votes, "b")
        yield* a.trip
        yield* TestClock.adjust("61 seconds")
        yield* b.trip
        assert.strictEqual(yield* sharedState(store), "Closed")
        assert.strictEqual(yield* b.state, "open")
      })
    )
  )

  it.effect("a vote store that does not answer leaves the opening local", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const { store } = yield* setup
        const silent: Quorum.Votes = { vote: () => Effect.never }
        const a = yield* instance(store, silent, "a")
        const tripping = yield* Effect.forkChild(a.trip)
        yield* TestClock.adjust("1 second")
        yield* Fiber.join(tripping)
        assert.strictEqual(yield* a.state, "open")
        assert.strictEqual(yield* sharedState(store), "Closed")
      })
    )
  )
})

describe("a shared circuit with a quorum of 1 (the default)", () => {
  it.effect("the first instance's trip opens the circuit for every instance", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const { store, votes } = yield* setup
        const a = yield* instance(store, votes, "a", 1)
        const b = yield* instance(store, undefined, "b")
        yield* a.trip
        assert.strictEqual(yield* sharedState(store), "Open")
        yield* b.sync
        assert.deepStrictEqual(yield* b.call(true), { outcome: "CircuitOpen", invoked: 0 })
      })
    )
  )

  it.effect("a read of the store racing the trip's write does not close the fresh opening", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const { store } = yield* setup
        // The trip's write lands 100 ms late; the instance reads the store meanwhile.
        const slow: Store = { ...store, admit: (key) => Effect.andThen(Effect.sleep("100 millis"), store.admit(key)) }
        const a = yield* instance(slow, undefined, "a")
        const tripping = yield* Effect.forkChild(a.trip)
        yield* TestClock.adjust("10 millis")
        assert.strictEqual(yield* a.state, "open")
        assert.strictEqual(yield* sharedState(store), "Closed")
        yield* a.sync
        assert.strictEqual(yield* a.state, "open")
        yield* TestClock.adjust("100 millis")
        yield* Fiber.join(tripping)
        assert.strictEqual(yield* sharedState(store), "Open")
        yield* a.sync
        assert.deepStrictEqual(yield* a.call(true), { outcome: "CircuitOpen", invoked: 0 })
      })
    )
  )
})
