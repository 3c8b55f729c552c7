/**
 * Maybe sent is resolved before it is repeated: a maybe-sent failure is not
 * retried in the call nor failed over until the plan's resolver answers; what
 * an unresolved one leads to is the `MaybeSent` policy, by criticality,
 * bounded by `maxDuplicates`. A not-sent failure fails over at once, unasked.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Ref } from "effect"
import { TestClock } from "effect/testing"
import * as Failover from "../src/Failover.ts"
import * as IntegrationError from "../src/IntegrationError.ts"
import * as MaybeSent from "../src/MaybeSent.ts"
import * as Policy from "../src/Policy.ts"
import * as Resilience from "../src/Resilience.ts"
import * as WeddingContext from "../src/WeddingContext.ts"

const layer = Resilience.layerMemory({ random: () => 0 }).pipe(Layer.provide(Policy.layer({})))

interface Sender extends Failover.Port {
  readonly send: Effect.Effect<string, IntegrationError.IntegrationError>
  readonly calls: Ref.Ref<number>
  readonly lookups: Ref.Ref<number>
  readonly answer: MaybeSent.Resolution<string> | "fails" | "hangs"
}

const failure = (provider: string, delivery: IntegrationError.Delivery) =>
  IntegrationError.make(provider, "send", new IntegrationError.Unavailable({}), { status: 503, delivery })

/** A provider whose every send fails with `delivery`, and whose lookup answers `answer`. */
const sender = (
  provider: string,
  outcome: IntegrationError.Delivery | "ok",
  answer: Sender["answer"] = MaybeSent.notFound
) =>
  Effect.gen(function* () {
    const calls = yield* Ref.make(0)
    const lookups = yield* Ref.make(0)
    const send = Effect.andThen(
      Ref.update(calls, (n) => n + 1),
      outcome === "ok" ? Effect.succeed(`${provider}-id`) : Effect.fail(failure(provider, outcome))
    )
    return { provider, send, calls, lookups, answer } satisfies Sender
  })

const resolve = (service: Sender) =>
  Effect.andThen(
    Ref.update(service.lookups, (n) => n + 1),
    service.answer === "fails"
      ? Effect.fail(failure(service.provider, "notSent"))
      : service.answer === "hangs"
        ? Effect.never
        : Effect.succeed(service.answer)
  )

const counts = (services: ReadonlyArray<Sender>) =>
  Effect.forEach(services, (service) =>
    Effect.map(Effect.all([Ref.get(service.calls), Ref.get(service.lookups)]), ([calls, lookups]) => ({
      provider: service.provider,
      calls,
      lookups
    }))
  )

const weddingDay = WeddingContext.provide({ weddingId: "w_1", weddingDate: "1970-01-01", vendorType: "venue" })

describe("a maybe-sent failure", () => {
  it.effect("that the lookup finds serves the run: nothing is sent again", () =>
    Effect.gen(function* () {
      const twilio = yield* sender("twilio", "maybeSent", MaybeSent.found("SM-found"))
      const vonage = yield* sender("vonage", "ok")
      const served = yield* Failover.run(Failover.fromServices("sms", [twilio, vonage]), "send", (s) => s.send, {
        resolve
      }).pipe(weddingDay)
      assert.strictEqual(served.provider, "twilio")
      assert.strictEqual(served.value, "SM-found")
      assert.deepStrictEqual(
        served.attempts.map(({ durationMillis: _, ...attempt }) => attempt),
        [{ provider: "twilio", outcome: "failed", reason: "Unavailable", delivery: "maybeSent", resolution: "found" }]
      )
      // sent once, looked up once, never retried in the call, the backup never asked
      assert.deepStrictEqual(yield* counts([twilio, vonage]), [
        { provider: "twilio", calls: 1, lookups: 1 },
        { provider: "vonage", calls: 0, lookups: 0 }
      ])
    }).pipe(Effect.provide(layer))
  )

  it.effect("left unresolved is held outside the wedding day: not retried, not failed over", () =>
    Effect.gen(function* () {
      const postmark = yield* sender("postmark", "maybeSent", MaybeSent.notFound)
      const resend = yield* sender("resend", "ok")
      const error = yield* Effect.flip(
        Failover.run(Failover.fromServices("email", [postmark, resend]), "send", (s) => s.send, { resolve })
      )
      assert.deepStrictEqual(yield* counts([postmark, resend]), [
        { provider: "postmark", calls: 1, lookups: 1 },
        { provider: "resend", calls: 0, lookups: 0 }
      ])
      assert.strictEqual(error.attempts.at(-1)?.resolution, "notFound")
      assert.isTrue(error.lastError.maybeSent)
      assert.include(error.message, "may have been sent by postmark")
    }).pipe(Effect.provide(layer))
  )

  it.effect("left unresolved on the wedding day fails over once, and holds at the second", () =>
    Effect.gen(function* () {
      const twilio = yield* sender("twilio", "maybeSent", "fails")
      const vonage = yield* sender("vonage", "maybeSent", MaybeSent.unknown())
      const third = yield* sender("third", "ok")
      const error = yield* Effect.flip(
        Failover.run(Failover.fromServices("sms", [twilio, vonage, third]), "send", (s) => s.send, { resolve }).pipe(
          weddingDay
        )
      )
      // at most one duplicate: two providers may hold the message, the third is never asked
      assert.deepStrictEqual(yield* counts([twilio, vonage, third]), [
        { provider: "twilio", calls: 1, lookups: 1 },
        { provider: "vonage", calls: 1, lookups: 1 },
        { provider: "third", calls: 0, lookups: 0 }
      ])
      assert.deepStrictEqual(
        error.attempts.map((attempt) => attempt.resolution),
        ["unknown", "unknown"]
      )
    }).pipe(Effect.provide(layer))
  )

  it.effect("with a policy of its own: `MaybeSent.Policy` decides, `maxDuplicates` bounds", () =>
    Effect.gen(function* () {
      const first = yield* sender("first", "maybeSent")
      const second = yield* sender("second", "maybeSent")
      const third = yield* sender("third", "ok")
      const served = yield* Failover.run(Failover.fromServices("sms", [first, second, third]), "send", (s) => s.send, {
        resolve
      }).pipe(
        Effect.provideService(MaybeSent.Policy, { ...MaybeSent.defaults, withoutWedding: "failover", maxDuplicates: 2 })
      )
      assert.strictEqual(served.provider, "third")
      const held = yield* Effect.flip(
        Failover.run(Failover.fromServices("sms", [first, second, third]), "send", (s) => s.send, {
          resolve,
          whenUnresolved: "failover",
          maxDuplicates: 0
        })
      )
      assert.strictEqual(held.attempts.length, 1)
    }).pipe(Effect.provide(layer))
  )

  it.effect("without a resolver is unknown; a lookup that hangs ends by resolveWithinMillis", () =>
    Effect.gen(function* () {
      const quiet = yield* sender("quiet", "maybeSent", "hangs")
      const backup = yield* sender("backup", "ok")
      const plan = Failover.fromServices("sms", [quiet, backup])
      const unasked = yield* Effect.flip(Failover.run(plan, "send", (s) => s.send))
      assert.strictEqual(unasked.attempts[0]?.resolution, "unknown")
      const fiber = yield* Effect.forkChild(
        Failover.run(plan, "send", (s) => s.send, { resolve, resolveWithinMillis: 500 }).pipe(weddingDay)
      )
      yield* TestClock.adjust("500 millis")
      const served = yield* Fiber.join(fiber)
      assert.strictEqual(served.provider, "backup")
      assert.strictEqual(served.attempts[0]?.resolution, "unknown")
    }).pipe(Effect.provide(layer))
  )
})

describe("a not-sent failure", () => {
  it.effect("is retried in the call and then failed over at once, never looked up", () =>
    Effect.gen(function* () {
      const refused = yield* sender("refused", "notSent")
      const backup = yield* sender("backup", "ok")
      const fiber = yield* Effect.forkChild(
        Failover.run(Failover.fromServices("sms", [refused, backup]), "send", (s) => s.send, { resolve })
      )
      yield* TestClock.adjust("10 seconds")
      const served = yield* Fiber.join(fiber)
      assert.strictEqual(served.provider, "backup")
      const [first] = yield* counts([refused])
      assert.strictEqual(first?.lookups, 0)
      assert.strictEqual(first?.calls, Policy.defaults.sms.inCall.maxAttempts)
      assert.isUndefined(served.attempts[0]?.resolution)
    }).pipe(Effect.provide(layer))
  )
})

describe("Resilience.protect", () => {
  it.effect("retries a maybe-sent failure only when the call is idempotent", () =>
    Effect.gen(function* () {
      const flaky = yield* sender("flaky", "maybeSent")
      const once = Resilience.protect(flaky.send, { service: "sms", provider: "flaky", operation: "send" })
      yield* Effect.flip(once)
      assert.strictEqual(yield* Ref.get(flaky.calls), 1)
      const read = Resilience.protect(flaky.send, {
        service: "sms",
        provider: "flaky",
        operation: "status",
        circuit: "status",
        idempotent: true
      })
      const fiber = yield* Effect.forkChild(Effect.flip(read))
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.join(fiber)
      assert.strictEqual(yield* Ref.get(flaky.calls), 1 + Policy.defaults.sms.inCall.maxAttempts)
    }).pipe(Effect.provide(layer))
  )
})

describe("an error only its provider can complete (sameProviderOnly)", () => {
  it.effect("is retried in the call but never failed over", () =>
    Effect.gen(function* () {
      const calls = yield* Ref.make(0)
      const inUse = IntegrationError.make("stripe", "send", new IntegrationError.Unavailable({}), {
        status: 409,
        providerCode: "idempotency_key_in_use",
        delivery: "notSent",
        sameProviderOnly: true
      })
      assert.isTrue(inUse.isRetryable)
      assert.isFalse(inUse.canFailover)
      const primary: Sender = {
        provider: "stripe",
        calls,
        lookups: yield* Ref.make(0),
        answer: MaybeSent.notFound,
        send: Effect.andThen(
          Ref.update(calls, (n) => n + 1),
          Effect.fail(inUse)
        )
      }
      const backup = yield* sender("other", "ok")
      const fiber = yield* Effect.forkChild(
        Effect.flip(Failover.run(Failover.fromServices<Sender>("sms", [primary, backup]), "send", (s) => s.send))
      )
      yield* TestClock.adjust("10 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error.lastError.providerCode, "idempotency_key_in_use")
      assert.strictEqual(yield* Ref.get(calls), Policy.defaults.sms.inCall.maxAttempts)
      assert.strictEqual(yield* Ref.get(backup.calls), 0)
    }).pipe(Effect.provide(layer))
  )
})
