/**
 * `Overrides.layerSql`: persisted in SQL, picked up by a second instance on
 * its next poll, read at start by an instance built later.
 */
import { Policy, Resilience } from "@wedsync/core"
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import * as Audit from "../src/Audit.ts"
import * as Overrides from "../src/Overrides.ts"
import * as Sqlite from "../src/Sqlite.ts"

const breaker = { windowSize: 4, minimumCalls: 4, openMillis: 60_000 }
const policies = Policy.layer({ providers: { primary: { breaker, inCall: { maxAttempts: 1 } } } })
const engine = Resilience.layerMemory({ random: () => 0 }).pipe(Layer.provide(policies))

const ana: Audit.Operator = { actor: "ana@wedsync", reason: "INC-42 Resend outage" }

describe("Overrides.layerSql", () => {
  // Two instances (two engines) on one database, as two processes would be.
  const instance = Layer.fresh(Overrides.layerSql().pipe(Layer.provideMerge(engine)))

  it.effect("persists overrides and a second instance applies them on its next poll", () =>
    Effect.gen(function* () {
      const a = yield* Layer.build(instance)
      const b = yield* Layer.build(instance)
      const overridesA = Context.get(a, Overrides.Overrides)
      const overridesB = Context.get(b, Overrides.Overrides)
      const stateIn = (context: typeof a) => Resilience.circuitState("email", "primary").pipe(Effect.provide(context))

      const forced = yield* overridesA.set(
        { _tag: "ForceCircuit", service: "email", provider: "primary", state: "open", expiresAt: 3_600_000 },
        ana
      )
      assert.strictEqual(yield* stateIn(a), "open")
      assert.strictEqual(yield* stateIn(b), "closed")
      yield* TestClock.adjust("250 millis")
      assert.strictEqual(yield* stateIn(b), "open")
      assert.deepStrictEqual(yield* overridesB.list(), [forced])

      // A third instance built later reads it at start.
      const c = yield* Layer.build(instance)
      assert.strictEqual(yield* stateIn(c), "open")

      yield* overridesB.clear(forced.id, ana)
      yield* TestClock.adjust("250 millis")
      assert.strictEqual(yield* stateIn(a), "closed")
      assert.strictEqual(yield* stateIn(c), "closed")
      const missing = yield* Effect.flip(overridesA.clear(forced.id, ana))
      assert.strictEqual(missing._tag, "OverrideNotFound")
    }).pipe(Effect.provide(Layer.merge(Sqlite.layerMemory, Audit.layerMemory)))
  )
})
