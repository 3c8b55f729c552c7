/**
 * `Payments.charge` and its outbox handler over a payment processor kept in
 * memory: one that charges at most once per idempotency key, as Stripe does,
 * and can be told to fail the next calls in the ways a processor fails. Its
 * charge list is the ledger: "never charged twice" and "never lost" are read
 * off it. (The same flows against the Stripe simulator through the real SDK
 * live with `@wedsync/adapter-stripe`.)
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Schedule } from "effect"
import { PersistedQueue } from "effect/persistence"
import * as Audit from "@wedsync/durable/Audit"
import * as DeadLetters from "@wedsync/durable/DeadLetters"
import * as Outbox from "@wedsync/durable/Outbox"
import * as QueueStore from "@wedsync/durable/QueueStore"
import * as Sqlite from "@wedsync/durable/Sqlite"
import * as IntegrationError from "@wedsync/core/IntegrationError"
import * as MaybeSent from "@wedsync/core/MaybeSent"
import * as PaymentProvider from "@wedsync/core/PaymentProvider"
import * as Policy from "@wedsync/core/Policy"
import * as Resilience from "@wedsync/core/Resilience"
import * as Payments from "../src/Payments.ts"

type Fault = "committedThenLost" | "declinedThenLost" | "unavailable" | "declined" | "serverError"

/** A processor that charges once per key; `faults` are used up one per create call. */
const processor = (faults: Array<Fault>) => {
  const charges = new Map<string, PaymentProvider.Payment>()
  const calls = { creates: 0, resolves: 0 }
  const fail = (reason: IntegrationError.Reason, details: { status: number; delivery: IntegrationError.Delivery }) =>
    Effect.fail(IntegrationError.make("fakepay", "createPayment", reason, details))
  const charged = (request: PaymentProvider.CreatePaymentRequest) => {
    const existing = charges.get(request.idempotencyKey)
    if (existing !== undefined) return existing
    const payment: PaymentProvider.Payment = {
      provider: "fakepay",
      id: `pi_${charges.size + 1}`,
      status: "succeeded",
      amount: request.amount,
      currency: request.currency,
      metadata: request.metadata,
      createdAt: 0
    }
    charges.set(request.idempotencyKey, payment)
    return payment
  }
  const unused = () => Effect.die("not used by Payments.charge")
  const service = PaymentProvider.PaymentProvider.of({
    provider: "fakepay",
    createPayment: (request) =>
      Effect.suspend(() => {
        calls.creates++
        switch (faults.shift()) {
          case "committedThenLost":
            charged(request)
            return fail(new IntegrationError.Unavailable({ description: "reset after the write" }), {
              status: 500,
              delivery: "maybeSent"
            })
          case "declinedThenLost":
            charges.set(request.idempotencyKey, { ...charged(request), status: "requires_payment_method" })
            return fail(new IntegrationError.Unavailable({ description: "reset after the write" }), {
              status: 500,
              delivery: "maybeSent"
            })
          case "serverError":
            return fail(new IntegrationError.Unavailable({}), { status: 500, delivery: "maybeSent" })
          case "unavailable":
            return fail(new IntegrationError.Unavailable({}), { status: 503, delivery: "notSent" })
          case "declined":
            return Effect.fail(
              IntegrationError.make(
                "fakepay",
                "createPayment",
                new IntegrationError.Rejected({ description: "Your card was declined." }),
                { status: 402, providerCode: "insufficient_funds", delivery: "notSent" }
              )
            )
          default:
            return Effect.succeed(charged(request))
        }
      }),
    resolve: (request) =>
      Effect.sync(() => {
        calls.resolves++
        const payment = charges.get(request.idempotencyKey)
        return payment === undefined ? MaybeSent.notFound : MaybeSent.found(payment)
      }),
    confirmPayment: unused,
    capturePayment: unused,
    cancelPayment: unused,
    refund: unused,
    retrievePayment: unused,
    findPaymentsByMetadata: unused
  })
  return { charges, calls, layer: Layer.succeed(PaymentProvider.PaymentProvider, service) }
}

// Deferred retries in milliseconds instead of the spec's seconds, so the outbox's retry shows in a test.
const fast = { kind: "fixed" as const, millis: 20 }
const policies = Policy.layer({
  services: {
    payment: {
      inCall: { maxAttempts: 1 },
      deferred: { rules: [{ reasons: ["Unavailable", "TimedOut", "RateLimited"], delay: fast, maxRetries: 5 }] }
    }
  }
})

const world = (provider: Layer.Layer<PaymentProvider.PaymentProvider>) =>
  Layer.mergeAll(
    provider,
    DeadLetters.layerSql.pipe(
      Layer.provideMerge(Outbox.layer()),
      Layer.provideMerge(Audit.layerSql),
      Layer.provide(PersistedQueue.layer),
      Layer.provide(QueueStore.layerSql({ pollInterval: "10 millis" })),
      Layer.provide(Sqlite.layerMemory)
    ),
    Resilience.layerMemory({ random: () => 0 }).pipe(Layer.provideMerge(policies))
  ).pipe(Layer.orDie)

const deposit = { bookingId: "bk_4471", instalment: 1, amount: 50_000, currency: "gbp" } as const
const today = () => new Date().toISOString().slice(0, 10)
const operator = { actor: "ops@wedsync.test", reason: "checking the run" }

/** Polls until `check` gives a value (15 s of real time at most). */
const eventually = <A, E, R>(check: Effect.Effect<A | undefined, E, R>) =>
  check.pipe(
    Effect.flatMap((value) => (value === undefined ? Effect.fail("not yet" as const) : Effect.succeed(value))),
    Effect.retry({ schedule: Schedule.spaced("10 millis"), times: 1_500 }),
    Effect.orDie
  )

describe("Payments.charge", () => {
  it.live("charges under the booking's key", () => {
    const fake = processor([])
    return Effect.gen(function* () {
      const outcome = yield* Payments.charge(deposit)
      assert.strictEqual(outcome._tag, "Charged")
      assert.deepStrictEqual([...fake.charges.keys()], ["wedsync/createPayment/bk_4471/1"])
      assert.strictEqual(fake.charges.get("wedsync/createPayment/bk_4471/1")?.metadata.wedsync_booking, "bk_4471")
    }).pipe(Effect.provide(world(fake.layer)))
  })

  it.live("a charge that went through although its answer was lost is found, not made again", () => {
    const fake = processor(["committedThenLost"])
    return Effect.gen(function* () {
      const outcome = yield* Payments.charge(deposit)
      assert.strictEqual(outcome._tag, "Charged")
      if (outcome._tag === "Charged") assert.strictEqual(outcome.resolution, "found")
      assert.strictEqual(fake.charges.size, 1)
      assert.deepStrictEqual(fake.calls, { creates: 1, resolves: 1 })
    }).pipe(Effect.provide(world(fake.layer)))
  })

  it.live("a payment found declined after its answer was lost is a decline, not a charge: nothing queued", () => {
    const fake = processor(["declinedThenLost"])
    return Effect.gen(function* () {
      const error = yield* Effect.flip(Payments.charge(deposit))
      assert.strictEqual(error._tag, "IntegrationError")
      if (error._tag === "IntegrationError") assert.strictEqual(error.reason._tag, "Rejected")
      assert.deepStrictEqual(fake.calls, { creates: 1, resolves: 1 })
    }).pipe(Effect.provide(world(fake.layer)))
  })

  it.live("a declined card fails the call with its decline code: nothing queued", () => {
    const fake = processor(["declined"])
    return Effect.gen(function* () {
      const error = yield* Effect.flip(Payments.charge(deposit))
      assert.strictEqual(error._tag, "IntegrationError")
      if (error._tag === "IntegrationError") {
        assert.strictEqual(error.reason._tag, "Rejected")
        assert.strictEqual(error.providerCode, "insufficient_funds")
      }
      assert.strictEqual(fake.charges.size, 0)
    }).pipe(Effect.provide(world(fake.layer)))
  })

  it.live(
    "a processor that is down queues the charge with the spec's words; it completes once, when it recovers",
    () => {
      const fake = processor(["unavailable", "unavailable"])
      return Effect.gen(function* () {
        const outcome = yield* Payments.charge(deposit)
        assert.strictEqual(outcome._tag, "Queued")
        if (outcome._tag !== "Queued") return
        assert.strictEqual(outcome.message, "Payment processing temporarily unavailable. Your booking is secure.")
        assert.strictEqual(outcome.reference, "wedsync/createPayment/bk_4471/1")
        assert.strictEqual(outcome.state, "unavailable")
        assert.isTrue(outcome.paymentQueued)
        assert.isFalse(outcome.manualProcessingRequired)
        yield* Outbox.worker(Payments.handlers)
        yield* eventually(Effect.sync(() => (fake.charges.size > 0 ? true : undefined)))
        yield* Effect.sleep("100 millis") // room for a wrong second charge to show up
        assert.strictEqual(fake.charges.size, 1)
        // the call's attempt, one failed run from the queue, the run that charged
        assert.strictEqual(fake.calls.creates, 3)
      }).pipe(Effect.scoped, Effect.provide(world(fake.layer)))
    }
  )

  it.live("a 500 nobody can resolve leaves the payment unknown: queued, and the run from the queue asks first", () => {
    const fake = processor(["serverError"])
    return Effect.gen(function* () {
      const outcome = yield* Payments.charge(deposit)
      assert.strictEqual(outcome._tag, "Queued")
      if (outcome._tag === "Queued") assert.strictEqual(outcome.state, "unknown")
      assert.deepStrictEqual(fake.calls, { creates: 1, resolves: 1 })
      yield* Outbox.worker(Payments.handlers)
      yield* eventually(Effect.sync(() => (fake.charges.size > 0 ? true : undefined)))
      // asked again before charging, then charged once
      assert.strictEqual(fake.calls.resolves, 2)
      assert.strictEqual(fake.calls.creates, 2)
      assert.strictEqual(fake.charges.size, 1)
    }).pipe(Effect.scoped, Effect.provide(world(fake.layer)))
  })

  it.live("a queued charge that went through although its answer was lost is found by the run from the queue", () => {
    const fake = processor(["unavailable", "committedThenLost", "unavailable", "unavailable"])
    return Effect.gen(function* () {
      assert.strictEqual((yield* Payments.charge(deposit))._tag, "Queued")
      yield* Outbox.worker(Payments.handlers)
      // run 1 charges but loses the answer, and its own lookup finds it
      yield* eventually(Effect.sync(() => (fake.calls.resolves > 0 ? true : undefined)))
      yield* Effect.sleep("100 millis")
      assert.strictEqual(fake.charges.size, 1)
      assert.strictEqual(fake.calls.creates, 2)
    }).pipe(Effect.scoped, Effect.provide(world(fake.layer)))
  })

  it.live("on the wedding day nothing waits: manual processing at once, in the dead letters for an operator", () => {
    const fake = processor(["unavailable"])
    return Effect.gen(function* () {
      const outcome = yield* Payments.charge({
        ...deposit,
        wedding: { weddingId: "w_9", weddingDate: today(), vendorType: "venue" }
      })
      assert.strictEqual(outcome._tag, "ManualProcessing")
      if (outcome._tag !== "ManualProcessing") return
      assert.isTrue(outcome.manualProcessingRequired)
      assert.strictEqual(outcome.message, Payments.QUEUED_MESSAGE)
      const letters = yield* DeadLetters.DeadLetters
      const letter = yield* letters.get("wedsync/createPayment/bk_4471/1", operator)
      assert.strictEqual(letter.reason, "ManualProcessingRequired")
      assert.strictEqual(letter.wedding?.criticality, "wedding_day_critical")
      assert.strictEqual(letter.errors[0]?.delivery, "notSent")
      // nothing charges it behind the operator's back
      yield* Outbox.worker(Payments.handlers)
      yield* Effect.sleep("150 millis")
      assert.strictEqual(fake.calls.creates, 1)
      assert.strictEqual(fake.charges.size, 0)
    }).pipe(Effect.scoped, Effect.provide(world(fake.layer)))
  })

  it.live("refuses a booking id that would make an ambiguous key", () => {
    const fake = processor([])
    return Effect.gen(function* () {
      const error = yield* Effect.flip(Payments.charge({ ...deposit, bookingId: "bk:1" }))
      assert.strictEqual(error._tag, "SchemaError")
      assert.include(error.message, "a booking id has no ':' or spaces")
      assert.strictEqual(fake.calls.creates, 0)
    }).pipe(Effect.provide(world(fake.layer)))
  })
})
