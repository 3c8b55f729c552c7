/**
 * `Overrides` in one process: forced circuits honoured by `Resilience.protect`,
 * pins and disables honoured by `Failover`, paused endpoints, expiry under
 * `TestClock`, validation, replacement, the audit trail.
 * The SQL store's test is in `@wedsync/durable`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Fiber, Layer, Ref, Stream } from "effect"
import { TestClock } from "effect/testing"
import * as Audit from "../src/Audit.ts"
import * as Failover from "../src/Failover.ts"
import * as Health from "../src/Health.ts"
import * as IntegrationError from "../src/IntegrationError.ts"
import * as Overrides from "../src/Overrides.ts"
import * as Policy from "../src/Policy.ts"
import * as Resilience from "../src/Resilience.ts"
import * as StoreError from "../src/StoreError.ts"

const breaker = { windowSize: 4, minimumCalls: 4, openMillis: 60_000 }
const policies = Policy.layer({
  providers: {
    primary: { breaker, inCall: { maxAttempts: 1 } },
    backup: { breaker, inCall: { maxAttempts: 1 } },
    third: { breaker, inCall: { maxAttempts: 1 } }
  }
})
const engine = Resilience.layerMemory({ random: () => 0 }).pipe(Layer.provide(policies))
const live = Overrides.layerMemory.pipe(Layer.provideMerge(engine), Layer.provideMerge(Audit.layerMemory))

const ana: Audit.Operator = { actor: "ana@wedsync", reason: "INC-42 Resend outage" }

interface Sender extends Failover.Port {
  readonly send: Effect.Effect<string, IntegrationError.IntegrationError>
}

/** A fake provider counting its invocations; fails with Unavailable while `failing` holds. */
const sender = (provider: string, failing = false) =>
  Effect.map(Ref.make(0), (calls) => ({
    calls,
    service: {
      provider,
      send: Effect.flatMap(
        Ref.updateAndGet(calls, (n) => n + 1),
        (n) =>
          failing
            ? Effect.fail(
                IntegrationError.make(provider, "send", new IntegrationError.Unavailable({}), { status: 503 })
              )
            : Effect.succeed(`${provider}-${n}`)
      )
    } satisfies Sender
  }))

const protect = (provider: string) => Resilience.protect({ service: "email", provider, operation: "send" })
const send = (plan: Failover.Plan<Sender>) => Failover.run(plan, "send", (service) => service.send)
const attemptsOf = (attempts: ReadonlyArray<Failover.Attempt>) =>
  attempts.map(({ durationMillis: _, ...attempt }) => attempt)
const overrides = Effect.service(Overrides.Overrides)

describe("Overrides with Resilience", () => {
  it.effect("forced open: calls are refused with CircuitOpen without reaching the provider", () =>
    Effect.gen(function* () {
      const service = yield* overrides
      const primary = yield* sender("primary")
      yield* service.set({ _tag: "ForceCircuit", service: "email", provider: "primary", state: "open" }, ana)
      assert.strictEqual(yield* Resilience.circuitState("email", "primary"), "open")
      const error = yield* primary.service.send.pipe(protect("primary"), Effect.flip)
      assert.strictEqual(error.reason._tag, "CircuitOpen")
      assert.strictEqual(yield* Ref.get(primary.calls), 0)
      const [health] = (yield* Health.snapshot).filter((entry) => entry.provider === "primary")
      assert.strictEqual(health?.status, "down")
    }).pipe(Effect.provide(live))
  )

  it.effect("forced closed: calls are admitted although the breaker tripped; clearing hands back to the breaker", () =>
    Effect.gen(function* () {
      const service = yield* overrides
      const flaky = yield* sender("primary", true)
      for (let i = 0; i < 4; i++) yield* Effect.flip(flaky.service.send.pipe(protect("primary")))
      assert.strictEqual(yield* Resilience.circuitState("email", "primary"), "open")

      const forced = yield* service.set(
        { _tag: "ForceCircuit", service: "email", provider: "primary", state: "closed" },
        ana
      )
      assert.strictEqual(yield* Resilience.circuitState("email", "primary"), "closed")
      const error = yield* Effect.flip(flaky.service.send.pipe(protect("primary")))
      assert.strictEqual(error.reason._tag, "Unavailable")
      assert.strictEqual(yield* Ref.get(flaky.calls), 5)

      yield* service.clear(forced.id, ana)
      assert.strictEqual(yield* Resilience.circuitState("email", "primary"), "open")
      const refused = yield* Effect.flip(flaky.service.send.pipe(protect("primary")))
      assert.strictEqual(refused.reason._tag, "CircuitOpen")
      assert.strictEqual(yield* Ref.get(flaky.calls), 5)
    }).pipe(Effect.provide(live))
  )

  it.effect("a forced state change is a transition with source override", () =>
    Effect.gen(function* () {
      const service = yield* overrides
      const seen = yield* Stream.take(Resilience.transitions, 2).pipe(Stream.runCollect, Effect.forkChild)
      yield* Effect.yieldNow
      const forced = yield* service.set(
        { _tag: "ForceCircuit", service: "email", provider: "primary", state: "open" },
        ana
      )
      yield* service.clear(forced.id, ana)
      const transitions = [...(yield* Fiber.join(seen))]
      assert.deepStrictEqual(
        transitions.map(({ from, to, source, key }) => ({ from, to, source, key })),
        [
          { from: "closed", to: "open", source: "override", key: "email:primary" },
          { from: "open", to: "closed", source: "override", key: "email:primary" }
        ]
      )
    }).pipe(Effect.provide(live))
  )

  it.effect("a disabled provider fails at once with Disabled (the operator's family), unmade and unrecorded", () =>
    Effect.gen(function* () {
      const service = yield* overrides
      const primary = yield* sender("primary")
      yield* service.set({ _tag: "DisableIntegration", service: "email", provider: "primary" }, ana)
      const error = yield* primary.service.send.pipe(protect("primary"), Effect.flip)
      assert.strictEqual(error.reason._tag, "Disabled")
      assert.strictEqual(error.family, "operator")
      assert.isTrue(error.refusedLocally)
      assert.strictEqual(error.providerCode, Overrides.DisabledCode)
      assert.isTrue(error.canFailover)
      assert.isFalse(error.isRetryable)
      assert.isTrue(Overrides.isDisabled(error))
      assert.include(error.message, "INC-42 Resend outage")
      assert.strictEqual(yield* Ref.get(primary.calls), 0)
      const [health] = (yield* Health.snapshot).filter((entry) => entry.provider === "primary")
      assert.strictEqual(health?.calls, 0)
      assert.isFalse(
        Overrides.isDisabled(IntegrationError.make("primary", "send", new IntegrationError.Misconfigured({})))
      )
    }).pipe(Effect.provide(live))
  )
})

describe("Overrides with Failover", () => {
  it.effect("a pin skips the steps before the pinned provider and keeps the ones after", () =>
    Effect.gen(function* () {
      const service = yield* overrides
      const primary = yield* sender("primary")
      const backup = yield* sender("backup", true)
      const third = yield* sender("third")
      const plan = Failover.fromServices("email", [primary.service, backup.service, third.service])
      yield* service.set({ _tag: "PinProvider", service: "email", provider: "backup" }, ana)
      const served = yield* send(plan)
      assert.strictEqual(served.provider, "third")
      assert.deepStrictEqual(attemptsOf(served.attempts), [
        { provider: "primary", outcome: "skipped", reason: "Pinned" },
        { provider: "backup", outcome: "failed", reason: "Unavailable" },
        { provider: "third", outcome: "success" }
      ])
      assert.strictEqual(yield* Ref.get(primary.calls), 0)
      // A pin on a provider the plan does not have changes nothing; a pin on another service neither.
      yield* service.set({ _tag: "PinProvider", service: "email", provider: "nobody" }, ana)
      yield* service.set({ _tag: "PinProvider", service: "sms", provider: "backup" }, ana)
      assert.strictEqual((yield* send(plan)).provider, "primary")
    }).pipe(Effect.provide(live))
  )

  it.effect("hedge honours the pin too", () =>
    Effect.gen(function* () {
      const service = yield* overrides
      const primary = yield* sender("primary")
      const backup = yield* sender("backup")
      yield* service.set({ _tag: "PinProvider", service: "email", provider: "backup" }, ana)
      const plan = Failover.fromServices("email", [primary.service, backup.service])
      const served = yield* Failover.hedge(plan, "send", (s) => s.send, { delay: "1 second" })
      assert.strictEqual(served.provider, "backup")
      assert.strictEqual(yield* Ref.get(primary.calls), 0)
    }).pipe(Effect.provide(live))
  )

  it.effect("a disabled provider is skipped; the backup serves", () =>
    Effect.gen(function* () {
      const service = yield* overrides
      const primary = yield* sender("primary")
      const backup = yield* sender("backup")
      yield* service.set({ _tag: "DisableIntegration", service: "email", provider: "primary" }, ana)
      const served = yield* send(Failover.fromServices("email", [primary.service, backup.service]))
      assert.strictEqual(served.provider, "backup")
      assert.deepStrictEqual(attemptsOf(served.attempts), [
        { provider: "primary", outcome: "skipped", reason: "Disabled" },
        { provider: "backup", outcome: "success" }
      ])
      assert.strictEqual(yield* Ref.get(primary.calls), 0)
    }).pipe(Effect.provide(live))
  )

  it.effect("a disabled service: every step is skipped and the caller's degraded fallback answers", () =>
    Effect.gen(function* () {
      const service = yield* overrides
      const primary = yield* sender("primary")
      const backup = yield* sender("backup")
      yield* service.set({ _tag: "DisableIntegration", service: "email" }, ana)
      const plan = Failover.fromServices("email", [primary.service, backup.service])
      const error = yield* Effect.flip(send(plan))
      assert.strictEqual(error.reason._tag, "Disabled")
      assert.isTrue(Overrides.isDisabled(error.lastError))
      const answer = yield* send(plan).pipe(
        Effect.map((served) => served.value),
        Effect.catchTag("FailoverError", () => Effect.succeed("queued for later"))
      )
      assert.strictEqual(answer, "queued for later")
      assert.strictEqual((yield* Ref.get(primary.calls)) + (yield* Ref.get(backup.calls)), 0)
      // Other services are untouched.
      const sms = yield* Failover.run(Failover.fromServices("sms", [primary.service]), "send", (s) => s.send)
      assert.strictEqual(sms.provider, "primary")
    }).pipe(Effect.provide(live))
  )
})

describe("Overrides lifecycle", () => {
  it.effect("an override stops applying at expiresAt by itself", () =>
    Effect.gen(function* () {
      const service = yield* overrides
      const primary = yield* sender("primary")
      yield* service.set(
        { _tag: "ForceCircuit", service: "email", provider: "primary", state: "open", expiresAt: 60_000 },
        ana
      )
      yield* service.set({ _tag: "PauseEndpoint", endpointId: "ep_1", expiresAt: 120_000 }, ana)
      yield* TestClock.adjust("59999 millis")
      assert.strictEqual(yield* Resilience.circuitState("email", "primary"), "open")
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(yield* Resilience.circuitState("email", "primary"), "closed")
      assert.strictEqual(yield* primary.service.send.pipe(protect("primary")), "primary-1")
      assert.deepStrictEqual(
        (yield* service.list()).map((override) => override._tag),
        ["PauseEndpoint"]
      )
      assert.isTrue(service.isPaused("ep_1"))
      yield* TestClock.adjust("60 seconds")
      assert.isFalse(service.isPaused("ep_1"))
      assert.deepStrictEqual(yield* service.list(), [])
    }).pipe(Effect.provide(live))
  )

  it.effect("a paused endpoint is refused with EndpointPaused until cleared", () =>
    Effect.gen(function* () {
      const service = yield* overrides
      const paused = yield* service.set({ _tag: "PauseEndpoint", endpointId: "ep_1", expiresAt: 600_000 }, ana)
      assert.isTrue(service.isPaused("ep_1"))
      assert.isFalse(service.isPaused("ep_2"))
      const refusal = yield* Effect.flip(service.checkEndpoint("ep_1"))
      assert.strictEqual(refusal._tag, "EndpointPaused")
      assert.deepInclude(refusal, { endpointId: "ep_1", overrideId: paused.id, actor: ana.actor, expiresAt: 600_000 })
      yield* service.checkEndpoint("ep_2")
      yield* service.clear(paused.id, ana)
      assert.isFalse(service.isPaused("ep_1"))
      yield* service.checkEndpoint("ep_1")
    }).pipe(Effect.provide(live))
  )

  it.effect("one override per target: a new one replaces the old", () =>
    Effect.gen(function* () {
      const service = yield* overrides
      const first = yield* service.set(
        { _tag: "ForceCircuit", service: "email", provider: "primary", state: "open" },
        ana
      )
      yield* TestClock.adjust("1 second")
      const second = yield* service.set(
        { _tag: "ForceCircuit", service: "email", provider: "primary", state: "closed" },
        ana
      )
      assert.deepStrictEqual(
        (yield* service.list()).map((override) => override.id),
        [second.id]
      )
      assert.strictEqual(yield* Resilience.circuitState("email", "primary"), "closed")
      const missing = yield* Effect.flip(service.clear(first.id, ana))
      assert.strictEqual(missing._tag, "OverrideNotFound")
      assert.strictEqual(Overrides.targetOf(second), "circuit:email:primary")
    }).pipe(Effect.provide(live))
  )

  it.effect("refuses invalid overrides with the field named", () =>
    Effect.gen(function* () {
      const service = yield* overrides
      yield* TestClock.adjust("10 seconds")
      const invalid = (input: unknown, operator: Audit.Operator = ana) =>
        Effect.flip(service.set(input as Overrides.Input, operator))
      const unknownService = yield* invalid({ _tag: "PinProvider", service: "fax", provider: "x" })
      assert.strictEqual(unknownService._tag, "OverrideInvalid")
      assert.include(unknownService.message, "service")
      const past = yield* invalid({ _tag: "PauseEndpoint", endpointId: "ep_1", expiresAt: 5_000 })
      assert.include(past.message, "expiresAt")
      const noProvider = yield* invalid({ _tag: "ForceCircuit", service: "email", provider: "", state: "open" })
      assert.include(noProvider.message, "provider")
      const extra = yield* invalid({ _tag: "PauseEndpoint", endpointId: "ep_1", until: 1 })
      assert.include(extra.message, "until")
      const anonymous = yield* invalid({ _tag: "PauseEndpoint", endpointId: "ep_1" }, { actor: " ", reason: "x" })
      assert.include(anonymous.message, "actor")
      const noReason = yield* invalid({ _tag: "PauseEndpoint", endpointId: "ep_1" }, { actor: "ana", reason: "" })
      assert.include(noReason.message, "reason")
      assert.deepStrictEqual(yield* service.list(), [])
    }).pipe(Effect.provide(live))
  )

  it.effect("every set and clear is audited: who, what, which target, why", () =>
    Effect.gen(function* () {
      const service = yield* overrides
      const audit = yield* Effect.service(Audit.Audit)
      const set = yield* service.set({ _tag: "DisableIntegration", service: "sms", provider: "vonage" }, ana)
      yield* TestClock.adjust("1 second")
      yield* service.clear(set.id, { actor: "ben@wedsync", reason: "Vonage confirmed fixed" })
      const entries = yield* audit.list({ target: "disable:sms:vonage" })
      assert.deepStrictEqual(
        entries.map(({ actor, action, target, reason, at }) => ({ actor, action, target, reason, at })),
        [
          {
            actor: "ben@wedsync",
            action: "overrides.clear",
            target: "disable:sms:vonage",
            reason: "Vonage confirmed fixed",
            at: 1_000
          },
          { actor: ana.actor, action: "overrides.set", target: "disable:sms:vonage", reason: ana.reason, at: 0 }
        ]
      )
      assert.deepInclude(entries[1]?.details as object, { override: { ...set } })
    }).pipe(Effect.provide(live))
  )

  it.effect("a change whose audit entry cannot be written is undone", () =>
    Effect.gen(function* () {
      const service = yield* overrides
      const error = yield* Effect.flip(
        service.set({ _tag: "ForceCircuit", service: "email", provider: "primary", state: "open" }, ana)
      )
      assert.strictEqual(error._tag, "StoreError")
      assert.deepStrictEqual(yield* service.list(), [])
      assert.strictEqual(yield* Resilience.circuitState("email", "primary"), "closed")
    }).pipe(
      Effect.provide(
        Overrides.layerMemory.pipe(
          Layer.provideMerge(engine),
          Layer.provide(
            Layer.succeed(Audit.Audit, {
              record: () => Effect.fail(new StoreError.StoreError({ operation: "audit.record", cause: "down" })),
              list: () => Effect.succeed([])
            })
          )
        )
      )
    )
  )

  it.effect("closing the layer stops applying its overrides", () =>
    Effect.gen(function* () {
      const resilience = yield* Effect.service(Resilience.Resilience)
      yield* Effect.scoped(
        Effect.gen(function* () {
          const context = yield* Layer.build(Overrides.layerMemory)
          const service = Context.get(context, Overrides.Overrides)
          yield* service.set({ _tag: "ForceCircuit", service: "email", provider: "primary", state: "open" }, ana)
          assert.strictEqual(yield* Resilience.circuitState("email", "primary"), "open")
        })
      )
      assert.strictEqual(resilience.overrides().overrides.length, 0)
      assert.strictEqual(yield* Resilience.circuitState("email", "primary"), "closed")
    }).pipe(Effect.provide(Layer.merge(engine, Audit.layerMemory)))
  )
})
