/**
 * One provider's fault stays in its step: a layer that fails to build with an
 * `IntegrationError` becomes a step that fails at once (the plan serves from
 * the backup), a defect inside a step is that provider's `Misconfigured`
 * failure in `run` and in `hedge`, and the plan fails only when no layer builds.
 */
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Exit, Fiber, Layer, Logger, Ref } from "effect"
import { TestClock } from "effect/testing"
import * as AdapterConfig from "../src/AdapterConfig.ts"
import * as Failover from "../src/Failover.ts"
import type * as IntegrationError from "../src/IntegrationError.ts"
import * as Policy from "../src/Policy.ts"
import * as Resilience from "../src/Resilience.ts"

const breaker = { windowSize: 4, minimumCalls: 4, openMillis: 1_000 }
const overrides: Policy.PolicyOverrides = {
  providers: { primary: { breaker, inCall: { maxAttempts: 1 } }, backup: { breaker, inCall: { maxAttempts: 1 } } }
}
const engine = Resilience.layerMemory({ random: () => 0 }).pipe(Layer.provide(Policy.layer(overrides)))

class Sender extends Context.Service<
  Sender,
  { readonly provider: string; readonly send: Effect.Effect<string, IntegrationError.IntegrationError> }
>()("@wedsync/core/test/Sender") {}

const SECRET = "canary-9f3e1d"

/** A layer that fails to build the way an adapter's does with an empty key. */
const misconfigured = (provider: string) =>
  Layer.effect(Sender, Effect.fail(AdapterConfig.misconfigured(provider, "apiKey", "is empty")))

/** A sender that counts its calls and answers with `answer`. */
const counting = (provider: string, answer: Effect.Effect<string, IntegrationError.IntegrationError>) =>
  Effect.map(Ref.make(0), (calls) => ({
    calls,
    layer: Layer.succeed(Sender, {
      provider,
      send: Effect.andThen(
        Ref.update(calls, (n) => n + 1),
        answer
      )
    })
  }))

const dies = Effect.die(new TypeError(`Cannot read properties of undefined (reading 'id') at https://u:${SECRET}@x`))

/** A logger that keeps `level: message` lines in `lines`, so a test can read what an operator would be told. */
const capture = (lines: Array<string>) =>
  Logger.layer([
    Logger.make(({ logLevel, message }) => {
      lines.push(`${logLevel}: ${Array.isArray(message) ? message.join(" ") : String(message)}`)
    })
  ])

const route = (attempts: ReadonlyArray<Failover.Attempt>) =>
  attempts.map((attempt) => `${attempt.provider}:${attempt.reason ?? attempt.outcome}`)

describe("Failover.plan with a layer that fails to build", () => {
  const lines: Array<string> = []
  it.effect(
    "keeps the provider as a broken step; every call is served by the backup, the attempt names Misconfigured",
    () =>
      Effect.gen(function* () {
        const backup = yield* counting("backup", Effect.succeed("sent"))
        const plan = yield* Failover.plan(Sender, { service: "email", steps: [misconfigured("primary"), backup.layer] })
        const broken = plan.steps[0]
        assert.instanceOf(broken, Failover.BrokenStep)
        assert.strictEqual(broken?.provider, "primary")
        assert.deepStrictEqual(lines, [
          "Warn: email plan: primary is skipped on every call: primary.configure: apiKey is empty"
        ])
        for (let i = 0; i < 10; i++) {
          const served = yield* Failover.run(plan, "send", (sender) => sender.send)
          assert.strictEqual(served.provider, "backup")
          assert.deepStrictEqual(route(served.attempts), ["primary:Misconfigured", "backup:success"])
        }
        assert.strictEqual(yield* Ref.get(backup.calls), 10)
        // The broken provider never reaches its circuit: it stays closed, so attempts keep naming the cause.
        const resilience = yield* Resilience.Resilience
        assert.strictEqual(resilience.circuitState("email", "primary"), "closed")
      }).pipe(Effect.scoped, Effect.provide(engine), Effect.provide(capture(lines)))
  )

  it.effect("fails with the broken step's error when every step is broken", () =>
    Effect.gen(function* () {
      const plan = yield* Failover.plan(Sender, { service: "email", steps: [misconfigured("primary")] }).pipe(
        Effect.flip
      )
      assert.strictEqual(plan.reason._tag, "Misconfigured")
      const both = yield* Failover.plan(Sender, {
        service: "email",
        steps: [misconfigured("primary"), misconfigured("backup")]
      }).pipe(Effect.flip)
      assert.strictEqual(both.provider, "primary")
      assert.strictEqual(both.message, "primary.configure: apiKey is empty")
    }).pipe(Effect.scoped)
  )

  it.effect("fails as before for a build error that is not an IntegrationError", () =>
    Effect.gen(function* () {
      const backup = yield* counting("backup", Effect.succeed("sent"))
      const exit = yield* Failover.plan(Sender, {
        service: "email",
        steps: [Layer.effect(Sender, Effect.fail("no config" as const)), backup.layer]
      }).pipe(Effect.exit)
      assert.deepStrictEqual(exit, Exit.fail("no config" as const))
    }).pipe(Effect.scoped)
  )

  it.effect("hedge skips a broken step at once", () =>
    Effect.gen(function* () {
      const backup = yield* counting("backup", Effect.succeed("sent"))
      const plan = yield* Failover.plan(Sender, { service: "email", steps: [misconfigured("primary"), backup.layer] })
      const served = yield* Failover.hedge(plan, "send", (sender) => sender.send, { delay: "1 second" })
      assert.strictEqual(served.provider, "backup")
      assert.deepStrictEqual(route(served.attempts), ["primary:Misconfigured", "backup:success"])
    }).pipe(Effect.scoped, Effect.provide(engine))
  )
})

describe("a defect inside a step", () => {
  const lines: Array<string> = []
  it.effect("run: is that provider's Misconfigured failure with the defect's words, no secret; the backup serves", () =>
    Effect.gen(function* () {
      const primary = yield* counting("primary", dies)
      const backup = yield* counting("backup", Effect.succeed("sent"))
      const plan = yield* Failover.plan(Sender, { service: "email", steps: [primary.layer, backup.layer] })
      const served = yield* Failover.run(plan, "send", (sender) => sender.send)
      assert.strictEqual(served.provider, "backup")
      assert.deepStrictEqual(route(served.attempts), ["primary:Misconfigured", "backup:success"])
      const only = yield* Failover.plan(Sender, { service: "email", steps: [primary.layer] })
      const error = yield* Failover.run(only, "send", (sender) => sender.send).pipe(Effect.flip)
      assert.strictEqual(error.lastError.provider, "primary")
      assert.strictEqual(error.lastError.operation, "send")
      assert.include(error.lastError.message, "unexpected TypeError: Cannot read properties of undefined")
      assert.notInclude(JSON.stringify(error), SECRET)
      assert.notInclude(String(error.lastError.message), SECRET)
      // Logged with its cause, so the stack of the bug is not lost.
      assert.deepStrictEqual(lines, [
        "Error: primary.send died; failing over as Misconfigured",
        "Error: primary.send died; failing over as Misconfigured"
      ])
    }).pipe(Effect.scoped, Effect.provide(engine), Effect.provide(capture(lines)))
  )

  it.effect("hedge: the backup starts at once instead of the whole call dying", () =>
    Effect.gen(function* () {
      const primary = yield* counting("primary", dies)
      const backup = yield* counting("backup", Effect.succeed("sent"))
      const plan = yield* Failover.plan(Sender, { service: "email", steps: [primary.layer, backup.layer] })
      const fiber = yield* Failover.hedge(plan, "send", (sender) => sender.send, { delay: "300 millis" }).pipe(
        Effect.forkChild
      )
      yield* TestClock.adjust("1 millis")
      const served = yield* Fiber.join(fiber)
      assert.strictEqual(served.provider, "backup")
      assert.deepStrictEqual(route(served.attempts), ["primary:Misconfigured", "backup:success"])
    }).pipe(Effect.scoped, Effect.provide(engine))
  )

  it.effect("an interruption is still an interruption, not a provider failure", () =>
    Effect.gen(function* () {
      const primary = yield* counting("primary", Effect.interrupt)
      const backup = yield* counting("backup", Effect.succeed("sent"))
      const plan = yield* Failover.plan(Sender, { service: "email", steps: [primary.layer, backup.layer] })
      const exit = yield* Effect.exit(Failover.run(plan, "send", (sender) => sender.send))
      assert.isTrue(Exit.isFailure(exit) && Exit.hasInterrupts(exit))
      assert.strictEqual(yield* Ref.get(backup.calls), 0)
    }).pipe(Effect.scoped, Effect.provide(engine))
  )
})
