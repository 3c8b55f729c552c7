/**
 * Sent, not sent, or maybe sent: the `delivery` an `IntegrationError` carries,
 * what the engine's own refusals and timeout say, and how a failover run's
 * attempts show it.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Equal, Fiber, Layer, Schema } from "effect"
import { TestClock } from "effect/testing"
import * as fc from "fast-check"
import * as Failover from "../src/Failover.ts"
import * as IntegrationError from "../src/IntegrationError.ts"
import * as Policy from "../src/Policy.ts"
import * as Resilience from "../src/Resilience.ts"
import { circuitOpen } from "../src/internal/trusted.ts"

const overrides: Policy.PolicyOverrides = {
  providers: {
    hanging: { timeoutMillis: 2_000, inCall: { maxAttempts: 1 } },
    primary: { inCall: { maxAttempts: 1 } },
    backup: { inCall: { maxAttempts: 1 } }
  }
}
const layer = Resilience.layerMemory({ random: () => 0 }).pipe(Layer.provide(Policy.layer(overrides)))

const unavailable = (provider: string, delivery?: IntegrationError.Delivery) =>
  IntegrationError.make(provider, "send", new IntegrationError.Unavailable({}), { status: 503, delivery })

describe("IntegrationError.delivery", () => {
  it("is absent unless given: unknown", () => {
    const error = IntegrationError.make("resend", "send", new IntegrationError.Unavailable({}))
    assert.strictEqual(error.delivery, undefined)
    assert.isFalse(error.maybeSent)
    assert.isFalse(error.notSent)
    assert.strictEqual(IntegrationError.deliveryOf(error), undefined)
    assert.isFalse("delivery" in error)
  })

  it("answers maybeSent and notSent from the field", () => {
    const maybe = unavailable("twilio", "maybeSent")
    assert.strictEqual(maybe.delivery, "maybeSent")
    assert.isTrue(maybe.maybeSent)
    assert.isFalse(maybe.notSent)
    const not = IntegrationError.make("twilio", "send", new IntegrationError.RateLimited({}), {
      status: 429,
      delivery: "notSent"
    })
    assert.isTrue(not.notSent)
    assert.isFalse(not.maybeSent)
    assert.strictEqual(IntegrationError.deliveryOf(not), "notSent")
  })

  it("survives encoding and decoding, and takes part in equality", () => {
    const error = unavailable("vonage", "maybeSent")
    const codec = IntegrationError.IntegrationError
    const decoded = Schema.decodeUnknownSync(codec)(Schema.encodeUnknownSync(codec)(error))
    assert.strictEqual(decoded.delivery, "maybeSent")
    assert.isTrue(decoded.maybeSent)
    assert.isTrue(Equal.equals(error, unavailable("vonage", "maybeSent")))
    assert.isFalse(Equal.equals(error, unavailable("vonage", "notSent")))
    assert.isFalse(Equal.equals(error, unavailable("vonage")))
  })

  it("refuses a value that is not a delivery", () => {
    assert.throws(() =>
      Schema.decodeUnknownSync(IntegrationError.IntegrationError)({
        _tag: "IntegrationError",
        provider: "twilio",
        operation: "send",
        reason: { _tag: "Unavailable" },
        delivery: "sent"
      })
    )
  })

  it("says notSent for every refusal of the engine, the trusted open-circuit one included", () => {
    const refusals = [
      circuitOpen("resend", "send", "email:resend", 1_000, undefined),
      IntegrationError.make(
        "resend",
        "send",
        new IntegrationError.BulkheadFull({ key: "email:resend", limit: 1, queue: 0 })
      ),
      IntegrationError.make("resend", "send", new IntegrationError.Disabled({ overrideId: "o_1" }))
    ]
    for (const refusal of refusals) {
      assert.isTrue(refusal.notSent, refusal.reason._tag)
      assert.isFalse(refusal.maybeSent, refusal.reason._tag)
      assert.strictEqual(IntegrationError.deliveryOf(refusal), "notSent", refusal.reason._tag)
    }
  })
})

describe("the shared delivery rules", () => {
  it("a 4xx or a 503 is notSent, any other failed status maybeSent", () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 599 }), (status) => {
        const expected = (status >= 400 && status < 500) || status === 503 ? "notSent" : "maybeSent"
        assert.strictEqual(IntegrationError.deliveryOfStatus(status), expected)
      })
    )
    assert.strictEqual(IntegrationError.deliveryOfStatus(429), "notSent")
    assert.strictEqual(IntegrationError.deliveryOfStatus(503), "notSent")
    assert.strictEqual(IntegrationError.deliveryOfStatus(500), "maybeSent")
    assert.strictEqual(IntegrationError.deliveryOfStatus(502), "maybeSent")
    assert.strictEqual(IntegrationError.deliveryOfStatus(504), "maybeSent")
    assert.strictEqual(IntegrationError.deliveryOfStatus(200), "maybeSent")
  })

  it("a failure to connect is notSent; a reset, an unknown code or none is maybeSent", () => {
    for (const code of ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "UND_ERR_CONNECT_TIMEOUT"]) {
      assert.strictEqual(IntegrationError.deliveryOfNetworkCode(code), "notSent", code)
    }
    for (const code of ["ECONNRESET", "UND_ERR_SOCKET", "EPIPE", "SOMETHING_NEW", undefined]) {
      assert.strictEqual(IntegrationError.deliveryOfNetworkCode(code), "maybeSent", String(code))
    }
  })

  it("reads a network error's code down its cause chain, bounded", () => {
    const refused = new TypeError("fetch failed", {
      cause: Object.assign(new Error("connect"), { code: "ECONNREFUSED" })
    })
    assert.strictEqual(IntegrationError.networkCodeOf(refused), "ECONNREFUSED")
    assert.strictEqual(IntegrationError.networkCodeOf({ code: "ECONNRESET" }), "ECONNRESET")
    assert.strictEqual(IntegrationError.networkCodeOf(new Error("no code")), undefined)
    assert.strictEqual(IntegrationError.networkCodeOf("ECONNREFUSED"), undefined)
    const loop: { cause?: unknown } = {}
    loop.cause = loop
    assert.strictEqual(IntegrationError.networkCodeOf(loop), undefined)
  })
})

describe("the engine's timeout", () => {
  it.effect("is maybeSent: the request may have been written", () =>
    Effect.gen(function* () {
      const protect = Resilience.protect({ service: "email", provider: "hanging", operation: "send" })
      const fiber = yield* Effect.never.pipe(protect, Effect.flip, Effect.forkChild)
      yield* TestClock.adjust("2 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error.reason._tag, "TimedOut")
      assert.strictEqual(error.delivery, "maybeSent")
      assert.isTrue(error.maybeSent)
    }).pipe(Effect.provide(layer))
  )
})

interface Sender extends Failover.Port {
  readonly send: Effect.Effect<string, IntegrationError.IntegrationError>
}

describe("Failover attempts", () => {
  it.effect("carry each failed attempt's delivery, and none when it is unknown", () =>
    Effect.gen(function* () {
      const plan = Failover.fromServices<Sender>("email", [
        { provider: "primary", send: Effect.fail(unavailable("primary", "maybeSent")) },
        { provider: "backup", send: Effect.fail(unavailable("backup")) }
      ])
      const error = yield* Effect.flip(
        Failover.run(plan, "send", (service) => service.send, { whenUnresolved: "failover" })
      )
      assert.deepStrictEqual(
        error.attempts.map(({ durationMillis: _, ...attempt }) => attempt),
        [
          {
            provider: "primary",
            outcome: "failed",
            reason: "Unavailable",
            delivery: "maybeSent",
            resolution: "unknown"
          },
          { provider: "backup", outcome: "failed", reason: "Unavailable" }
        ]
      )
      assert.isTrue(Schema.is(Schema.Array(Failover.Attempt))(error.attempts))
    }).pipe(Effect.provide(layer))
  )

  it.effect("show a notSent failure before the step that served", () =>
    Effect.gen(function* () {
      const refused = IntegrationError.make("primary", "send", new IntegrationError.RateLimited({}), {
        status: 429,
        delivery: "notSent"
      })
      const plan = Failover.fromServices<Sender>("email", [
        { provider: "primary", send: Effect.fail(refused) },
        { provider: "backup", send: Effect.succeed("sent") }
      ])
      const served = yield* Failover.run(plan, "send", (service) => service.send)
      assert.strictEqual(served.provider, "backup")
      assert.strictEqual(served.attempts[0]?.delivery, "notSent")
      assert.strictEqual(served.attempts[1]?.delivery, undefined)
      assert.strictEqual(served.attempts[1]?.outcome, "success")
    }).pipe(Effect.provide(layer))
  )

  it.effect("show a hanging step's engine timeout as maybeSent", () =>
    Effect.gen(function* () {
      const plan = Failover.fromServices<Sender>("email", [
        { provider: "hanging", send: Effect.never },
        { provider: "backup", send: Effect.succeed("sent") }
      ])
      const fiber = yield* Effect.forkChild(
        Failover.run(plan, "send", (service) => service.send, { whenUnresolved: "failover" })
      )
      yield* TestClock.adjust(Duration.seconds(2))
      const served = yield* Fiber.join(fiber)
      assert.strictEqual(served.provider, "backup")
      assert.deepStrictEqual(
        { ...served.attempts[0], durationMillis: 0 },
        {
          provider: "hanging",
          outcome: "failed",
          reason: "TimedOut",
          delivery: "maybeSent",
          resolution: "unknown",
          durationMillis: 0
        }
      )
    }).pipe(Effect.provide(layer))
  )
})
