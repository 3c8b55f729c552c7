/**
 * `Resilience.incidents`: a failed attempt is one `Failure` with its reason, a
 * `Failover.run` leaving a failing primary for a healthy backup is one
 * `Failover` from the one to the other (as is skipping a disabled one), and what happened before anyone
 * subscribed is not kept for later. `TestClock` throughout.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
import { TestClock } from "effect/testing"
import * as Audit from "../src/Audit.ts"
import * as Failover from "../src/Failover.ts"
import * as IntegrationError from "../src/IntegrationError.ts"
import * as Overrides from "../src/Overrides.ts"
import * as Policy from "../src/Policy.ts"
import * as Resilience from "../src/Resilience.ts"

const overrides: Policy.PolicyOverrides = { providers: { primary: { inCall: { maxAttempts: 1 } } } }
const layer = Resilience.layerMemory({ random: () => 0 }).pipe(Layer.provide(Policy.layer(overrides)))

const unavailable = IntegrationError.make("primary", "send", new IntegrationError.Unavailable({}), {
  status: 503,
  correlationId: "corr_1"
})
const failing = Effect.fail(unavailable).pipe(
  Resilience.protect({ service: "email", provider: "primary", operation: "send" }),
  Effect.exit
)

interface Sender {
  readonly provider: string
  readonly send: Effect.Effect<string, IntegrationError.IntegrationError>
}
const plan = Failover.fromServices<Sender>("email", [
  { provider: "primary", send: Effect.fail(unavailable) },
  { provider: "backup", send: Effect.succeed("sent") }
])

/** What the stream emits from now on, into an array. */
const subscribe = Effect.gen(function* () {
  const seen: Array<Resilience.Incident> = []
  yield* Stream.runForEach(Resilience.incidents, (incident) => Effect.sync(() => seen.push(incident))).pipe(
    Effect.forkScoped({ startImmediately: true })
  )
  return seen
})
const settle = Effect.repeat(Effect.yieldNow, { times: 10 })

describe("Resilience.incidents", () => {
  it.effect("a failed call is one Failure with its reason, family, status and correlation id", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(1_000)
      const seen = yield* subscribe
      yield* failing
      yield* settle
      assert.deepStrictEqual(seen, [
        {
          _tag: "Failure",
          service: "email",
          provider: "primary",
          operation: "send",
          reason: "Unavailable",
          family: "transient",
          status: 503,
          at: 1_000,
          correlationId: "corr_1"
        }
      ])
    }).pipe(Effect.scoped, Effect.provide(layer))
  )

  it.effect("a failover from a failing primary to a healthy backup is one Failover", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(2_000)
      const seen = yield* subscribe
      const served = yield* Failover.run(plan, "send", (sender) => sender.send)
      yield* settle
      assert.strictEqual(served.provider, "backup")
      assert.deepStrictEqual(
        seen.map((incident) => incident._tag),
        ["Failure", "Failover"]
      )
      assert.deepStrictEqual(seen[1], {
        _tag: "Failover",
        service: "email",
        operation: "send",
        from: "primary",
        to: "backup",
        reason: "Unavailable",
        at: 2_000
      })
    }).pipe(Effect.scoped, Effect.provide(layer))
  )

  it.effect("a step skipped unmade (disabled) is a Failover with the skip's reason and no Failure", () =>
    Effect.gen(function* () {
      const overrides = yield* Overrides.Overrides
      const ana: Audit.Operator = { actor: "ana@wedsync", reason: "INC-42" }
      yield* overrides.set({ _tag: "DisableIntegration", service: "email", provider: "primary" }, ana)
      const seen = yield* subscribe
      yield* Failover.run(plan, "send", (sender) => sender.send)
      yield* settle
      assert.deepStrictEqual(
        seen.map((incident) =>
          incident._tag === "Failover" ? [incident.from, incident.to, incident.reason] : incident
        ),
        [["primary", "backup", "Disabled"]]
      )
    }).pipe(
      Effect.scoped,
      Effect.provide(Overrides.layerMemory.pipe(Layer.provideMerge(layer), Layer.provideMerge(Audit.layerMemory)))
    )
  )

  it.effect("keeps nothing of what happened before it was subscribed", () =>
    Effect.gen(function* () {
      yield* failing
      yield* Failover.run(plan, "send", (sender) => sender.send)
      const seen = yield* subscribe
      yield* settle
      assert.deepStrictEqual(seen, [])
      yield* failing
      yield* settle
      assert.strictEqual(seen.length, 1)
    }).pipe(Effect.scoped, Effect.provide(layer))
  )
})
