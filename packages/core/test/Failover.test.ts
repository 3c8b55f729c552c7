/**
 * `Failover.run` and `Failover.hedge` over plans of small fake providers: who
 * served, what the attempts say, and how many times each provider was really
 * called (and when, under `TestClock`).
 */
import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Fiber, Layer, Ref } from "effect"
import { TestClock } from "effect/testing"
import * as Failover from "../src/Failover.ts"
import * as IntegrationError from "../src/IntegrationError.ts"
import * as Policy from "../src/Policy.ts"
import * as Resilience from "../src/Resilience.ts"
import * as WeddingContext from "../src/WeddingContext.ts"

const breaker = { windowSize: 4, minimumCalls: 4, openMillis: 1_000 }
const overrides: Policy.PolicyOverrides = {
  providers: {
    primary: { breaker, inCall: { maxAttempts: 1 } },
    backup: { breaker, inCall: { maxAttempts: 1 } },
    // email defaults: 3 in-call attempts from 200 ms
    patient: { breaker }
  }
}
const layer = Resilience.layerMemory({ random: () => 0 }).pipe(Layer.provide(Policy.layer(overrides)))

interface Sender extends Failover.Port {
  readonly send: Effect.Effect<string, IntegrationError.IntegrationError>
}

/** A fake provider: counts its invocations and answers with `behaviour(n)` on the n-th. */
const sender = (
  provider: string,
  behaviour: (provider: string, n: number) => Effect.Effect<string, IntegrationError.IntegrationError>
) =>
  Effect.map(Ref.make(0), (calls) => ({
    calls,
    service: {
      provider,
      send: Effect.flatMap(
        Ref.updateAndGet(calls, (n) => n + 1),
        (n) => behaviour(provider, n)
      )
    } satisfies Sender
  }))

const fails = (reason: () => IntegrationError.Reason) => (provider: string) =>
  Effect.fail(IntegrationError.make(provider, "send", reason(), { status: 503 }))
const unavailable = fails(() => new IntegrationError.Unavailable({}))
const rejects = fails(() => new IntegrationError.Rejected({ description: "unsubscribed" }))
const serves = (provider: string, n: number) => Effect.succeed(`${provider}-${n}`)
/** Serves like `serves`, noting the (test) clock time of each call in `starts`. */
const servesNoting = (starts: Array<number>) => (provider: string, n: number) =>
  Effect.flatMap(Clock.currentTimeMillis, (now) => {
    starts.push(now)
    return serves(provider, n)
  })

const send = (plan: Failover.Plan<Sender>) => Failover.run(plan, "send", (service) => service.send)

describe("Failover.run", () => {
  it.effect("serves from the backup when the primary is unavailable", () =>
    Effect.gen(function* () {
      const primary = yield* sender("primary", unavailable)
      const backup = yield* sender("backup", serves)
      const served = yield* send(Failover.fromServices("email", [primary.service, backup.service]))
      assert.strictEqual(served.value, "backup-1")
      assert.strictEqual(served.provider, "backup")
      assert.deepStrictEqual(
        served.attempts.map(({ durationMillis: _, ...attempt }) => attempt),
        [
          { provider: "primary", outcome: "failed", reason: "Unavailable" },
          { provider: "backup", outcome: "success" }
        ]
      )
      assert.strictEqual(yield* Ref.get(primary.calls), 1)
      assert.strictEqual(yield* Ref.get(backup.calls), 1)
    }).pipe(Effect.provide(layer))
  )

  it.effect("serves from the primary without touching the backup when it answers", () =>
    Effect.gen(function* () {
      const primary = yield* sender("primary", serves)
      const backup = yield* sender("backup", serves)
      const served = yield* send(Failover.fromServices("email", [primary.service, backup.service]))
      assert.strictEqual(served.provider, "primary")
      assert.strictEqual(served.attempts.length, 1)
      assert.strictEqual(yield* Ref.get(backup.calls), 0)
    }).pipe(Effect.provide(layer))
  )

  it.effect("does not send a Rejected request to the backup", () =>
    Effect.gen(function* () {
      const primary = yield* sender("primary", rejects)
      const backup = yield* sender("backup", serves)
      const error = yield* send(Failover.fromServices("email", [primary.service, backup.service])).pipe(Effect.flip)
      assert.instanceOf(error, Failover.FailoverError)
      assert.strictEqual(error.reason._tag, "Rejected")
      assert.strictEqual(error.service, "email")
      assert.strictEqual(error.operation, "send")
      assert.strictEqual(error.attempts.length, 1)
      assert.strictEqual(error.attempts[0]!.provider, "primary")
      assert.strictEqual(error.lastError.provider, "primary")
      assert.strictEqual(yield* Ref.get(primary.calls), 1)
      assert.strictEqual(yield* Ref.get(backup.calls), 0)
    }).pipe(Effect.provide(layer))
  )

  for (const [tag, reason] of [
    ["Unauthorized", () => new IntegrationError.Unauthorized({})],
    ["Misconfigured", () => new IntegrationError.Misconfigured({})]
  ] as const) {
    it.effect(`fails over on ${tag}: the backup has its own account`, () =>
      Effect.gen(function* () {
        const primary = yield* sender("primary", fails(reason))
        const backup = yield* sender("backup", serves)
        const served = yield* send(Failover.fromServices("email", [primary.service, backup.service]))
        assert.strictEqual(served.provider, "backup")
        assert.strictEqual(served.attempts[0]!.reason, tag)
        assert.strictEqual(yield* Ref.get(primary.calls), 1)
        assert.strictEqual(yield* Ref.get(backup.calls), 1)
      }).pipe(Effect.provide(layer))
    )
  }

  it.effect("fails with a FailoverError naming every attempt when every step fails", () =>
    Effect.gen(function* () {
      const primary = yield* sender("primary", unavailable)
      const backup = yield* sender(
        "backup",
        fails(() => new IntegrationError.RateLimited({}))
      )
      const error = yield* send(Failover.fromServices("email", [primary.service, backup.service])).pipe(Effect.flip)
      assert.strictEqual(error.reason._tag, "RateLimited")
      assert.strictEqual(error.lastError.provider, "backup")
      assert.deepStrictEqual(
        error.attempts.map(({ durationMillis: _, ...attempt }) => attempt),
        [
          { provider: "primary", outcome: "failed", reason: "Unavailable" },
          { provider: "backup", outcome: "failed", reason: "RateLimited" }
        ]
      )
      assert.include(error.message, "primary: Unavailable")
      assert.include(error.message, "backup: RateLimited")
    }).pipe(Effect.provide(layer))
  )

  it.effect("gives each step its own circuit and skips an open primary without calling it", () =>
    Effect.gen(function* () {
      const primary = yield* sender("primary", unavailable)
      const backup = yield* sender("backup", serves)
      const plan = Failover.fromServices("email", [primary.service, backup.service])
      for (let i = 0; i < 4; i++) yield* send(plan)
      assert.strictEqual(yield* Resilience.circuitState("email", "primary"), "open")
      assert.strictEqual(yield* Resilience.circuitState("email", "backup"), "closed")
      assert.strictEqual(yield* Ref.get(primary.calls), 4)

      const served = yield* send(plan)
      assert.strictEqual(served.provider, "backup")
      assert.deepStrictEqual(served.attempts[0], {
        provider: "primary",
        outcome: "skipped",
        reason: "CircuitOpen",
        durationMillis: 0
      })
      assert.strictEqual(yield* Ref.get(primary.calls), 4)
      assert.strictEqual(yield* Ref.get(backup.calls), 5)
    }).pipe(Effect.provide(layer))
  )

  it.effect("fails with CircuitOpen when the only step left is open", () =>
    Effect.gen(function* () {
      const primary = yield* sender("primary", unavailable)
      const plan = Failover.fromServices("email", [primary.service])
      for (let i = 0; i < 4; i++) yield* Effect.flip(send(plan))
      const error = yield* Effect.flip(send(plan))
      assert.strictEqual(error.reason._tag, "CircuitOpen")
      assert.strictEqual(error.attempts[0]!.outcome, "skipped")
      assert.strictEqual(yield* Ref.get(primary.calls), 4)
    }).pipe(Effect.provide(layer))
  )

  it.effect("fails over at once on the wedding day, without in-call retry", () =>
    Effect.gen(function* () {
      const primary = yield* sender("patient", unavailable)
      const backup = yield* sender("backup", serves)
      const plan = Failover.fromServices("email", [primary.service, backup.service])
      const fiber = yield* send(plan).pipe(
        WeddingContext.provide({ weddingId: "w_1", weddingDate: "1970-01-01", vendorType: "venue" }),
        Effect.forkChild
      )
      yield* TestClock.adjust("5 seconds")
      const served = yield* Fiber.join(fiber)
      assert.strictEqual(served.provider, "backup")
      assert.strictEqual(yield* Ref.get(primary.calls), 1)

      // without a wedding the same primary is retried in-call first
      const control = yield* Effect.forkChild(send(plan))
      yield* TestClock.adjust("5 seconds")
      yield* Fiber.join(control)
      assert.strictEqual(yield* Ref.get(primary.calls), 1 + Policy.defaults.email.inCall.maxAttempts)
    }).pipe(Effect.provide(layer))
  )
})

describe("Failover.hedge", () => {
  it.effect("starts the backup after the delay when the primary is slow, and interrupts the primary", () =>
    Effect.gen(function* () {
      const signals: Array<AbortSignal> = []
      const primary = yield* sender("primary", () =>
        Effect.tryPromise({
          try: (signal) => {
            signals.push(signal)
            return new Promise<string>(() => {})
          },
          catch: () => IntegrationError.make("primary", "send", new IntegrationError.Unavailable({}))
        })
      )
      const backupStarts: Array<number> = []
      const backup = yield* sender("backup", servesNoting(backupStarts))
      const plan = Failover.fromServices("email", [primary.service, backup.service])
      const fiber = yield* Failover.hedge(plan, "send", (service) => service.send, { delay: "300 millis" }).pipe(
        Effect.forkChild
      )
      yield* TestClock.adjust("299 millis")
      assert.strictEqual(yield* Ref.get(primary.calls), 1)
      assert.strictEqual(yield* Ref.get(backup.calls), 0)
      yield* TestClock.adjust("1 millis")
      const served = yield* Fiber.join(fiber)
      assert.strictEqual(served.provider, "backup")
      assert.strictEqual(served.value, "backup-1")
      assert.deepStrictEqual(backupStarts, [300])
      assert.strictEqual(signals.length, 1)
      assert.isTrue(signals[0]!.aborted)
    }).pipe(Effect.provide(layer))
  )

  it.effect("starts the backup at once when the primary fails fast", () =>
    Effect.gen(function* () {
      const primary = yield* sender("primary", unavailable)
      const backupStarts: Array<number> = []
      const backup = yield* sender("backup", servesNoting(backupStarts))
      const plan = Failover.fromServices("email", [primary.service, backup.service])
      const fiber = yield* Failover.hedge(plan, "send", (service) => service.send, { delay: "300 millis" }).pipe(
        Effect.forkChild
      )
      yield* TestClock.adjust("1 second")
      const served = yield* Fiber.join(fiber)
      assert.strictEqual(served.provider, "backup")
      assert.deepStrictEqual(backupStarts, [0])
      assert.deepStrictEqual(
        served.attempts.map((attempt) => [attempt.provider, attempt.outcome]),
        [
          ["primary", "failed"],
          ["backup", "success"]
        ]
      )
    }).pipe(Effect.provide(layer))
  )

  it.effect("fails with a FailoverError when every hedged step fails", () =>
    Effect.gen(function* () {
      const primary = yield* sender("primary", unavailable)
      const backup = yield* sender(
        "backup",
        fails(() => new IntegrationError.RateLimited({}))
      )
      const plan = Failover.fromServices("email", [primary.service, backup.service])
      const fiber = yield* Failover.hedge(plan, "send", (service) => service.send, { delay: "300 millis" }).pipe(
        Effect.flip,
        Effect.forkChild
      )
      yield* TestClock.adjust("1 second")
      const error = yield* Fiber.join(fiber)
      assert.instanceOf(error, Failover.FailoverError)
      assert.strictEqual(error.reason._tag, "RateLimited")
      assert.strictEqual(error.attempts.length, 2)
    }).pipe(Effect.provide(layer))
  )

  it.effect("stops at a reason no backup can fix, and never starts the backup", () =>
    Effect.gen(function* () {
      const primary = yield* sender("primary", rejects)
      const backup = yield* sender("backup", serves)
      const plan = Failover.fromServices("email", [primary.service, backup.service])
      const fiber = yield* Failover.hedge(plan, "send", (service) => service.send, { delay: "300 millis" }).pipe(
        Effect.flip,
        Effect.forkChild
      )
      yield* TestClock.adjust("1 second")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error.reason._tag, "Rejected")
      assert.deepStrictEqual(
        error.attempts.map((attempt) => [attempt.provider, attempt.outcome]),
        [["primary", "failed"]]
      )
      assert.strictEqual(yield* Ref.get(backup.calls), 0)
    }).pipe(Effect.provide(layer))
  )
})
