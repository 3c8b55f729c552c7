/**
 * The Stripe adapter against the simulator, beyond the contract: the SDK's
 * replay of a reset connection (once, same key, no double charge on the
 * ledger), idempotency keys derived from the business operation (the same
 * after a restart), `resolve` for a maybe-sent create, every operation with
 * its key on the wire, interruption and the adapter's own timeout, and
 * configuration errors. Asserts on the simulator's ledger and typed results.
 */
import { Config, ConfigProvider, Duration, Effect, Exit, Fiber, Layer, Redacted } from "effect"
import { IntegrationError, PaymentProvider } from "@wedsync/core"
import { Faults, Simulator } from "@wedsync/testkit"
import * as StripeSim from "@wedsync/testkit/simulators/stripe"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { Stripe } from "../src/index.ts"
import { failureOf, successOf } from "./fixtures/exits.ts"

type Running = Simulator.Running<StripeSim.State, StripeSim.Credentials>

let sim: Running

beforeAll(async () => {
  sim = await Simulator.start(StripeSim.definition, { seed: 7 })
})
afterAll(() => sim.stop())
beforeEach(() => sim.reset())

const options = (overrides: Partial<Stripe.Options> = {}): Stripe.Options => ({
  baseUrl: sim.url,
  secretKey: Redacted.make(sim.credentials.secretKey),
  timeout: "2 seconds",
  ...overrides
})

const run = <A, E>(
  effect: Effect.Effect<A, E, PaymentProvider.PaymentProvider>,
  overrides: Partial<Stripe.Options> = {}
) => Effect.runPromiseExit(Effect.provide(effect, Stripe.layer(options(overrides))))

const payments = Effect.service(PaymentProvider.PaymentProvider)

const deposit = (
  instalment: string | number = "deposit",
  overrides: Partial<PaymentProvider.CreatePaymentRequest> = {}
) =>
  new PaymentProvider.CreatePaymentRequest({
    amount: 50_000,
    currency: "gbp",
    metadata: { weddingId: "w_9", bookingId: "b_9" },
    captureMethod: "automatic",
    paymentMethod: "pm_card_visa",
    confirm: true,
    idempotencyKey: Stripe.idempotencyKey({ operation: "createPayment", bookingId: "b_9", instalment }),
    ...overrides
  })

const create = (request: PaymentProvider.CreatePaymentRequest) =>
  Effect.flatMap(payments, (p) => p.createPayment(request))
const resolve = (request: PaymentProvider.CreatePaymentRequest, since: number) =>
  Effect.flatMap(payments, (p) => p.resolve?.(request, since) ?? Effect.die("no resolve"))

const intentsUnder = (key: string) =>
  sim.ledger.sideEffects().filter((effect) => effect.kind === "payment_intent" && effect.key === key)
const postsKeys = () => sim.ledger.requests({ method: "POST" }).map((entry) => entry.headers["idempotency-key"])

describe("the SDK's replay of a closed connection", () => {
  it("replays a reset once with the same key, and the payment is made once", async () => {
    sim.faults.add(Faults.failTimes(1, Faults.reset, { operation: "payment_intents.create" }))
    const request = deposit()
    const payment = successOf(await run(create(request)))
    const posts = sim.ledger.requests({ method: "POST" })
    expect(posts.map((entry) => [entry.outcome, entry.headers["idempotency-key"]])).toEqual([
      ["reset", request.idempotencyKey],
      ["answered", request.idempotencyKey]
    ])
    expect(intentsUnder(request.idempotencyKey).map((effect) => effect.id)).toEqual([payment.id])
  })

  it("replays an ambiguous commit once, answered with the first result: no double charge on the ledger", async () => {
    sim.faults.add(Faults.failTimes(1, Faults.ambiguousCommit, { operation: "payment_intents.create" }))
    const request = deposit()
    const payment = successOf(await run(create(request)))
    expect(postsKeys()).toEqual([request.idempotencyKey, request.idempotencyKey])
    expect(intentsUnder(request.idempotencyKey).map((effect) => effect.id)).toEqual([payment.id])
    const charges = sim.ledger.sideEffects().filter((effect) => effect.kind === "charge")
    expect(charges).toHaveLength(1)
    expect(payment.status).toBe("succeeded")
  })

  it("replays only once: a second reset reaches the caller as Unavailable, maybe sent", async () => {
    sim.faults.add(Faults.failTimes(2, Faults.ambiguousCommit, { operation: "payment_intents.create" }))
    const request = deposit()
    const error = failureOf(await run(create(request)))
    expect([error.reason._tag, error.delivery]).toEqual(["Unavailable", "maybeSent"])
    expect(postsKeys()).toEqual([request.idempotencyKey, request.idempotencyKey])
    expect(intentsUnder(request.idempotencyKey)).toHaveLength(1)
  })
})

describe("idempotency keys from the business operation", () => {
  it("derive the same key for the same operation, another for another step, instalment or refund", () => {
    const key = Stripe.idempotencyKey({ operation: "createPayment", bookingId: "b_77", instalment: 2 })
    expect(key).toBe("wedsync/createPayment/b_77/2")
    expect(Stripe.idempotencyKey({ operation: "createPayment", bookingId: "b_77", instalment: "2" })).toBe(key)
    const others = [
      Stripe.idempotencyKey({ operation: "capturePayment", bookingId: "b_77", instalment: 2 }),
      Stripe.idempotencyKey({ operation: "confirmPayment", bookingId: "b_77", instalment: 2 }),
      Stripe.idempotencyKey({ operation: "createPayment", bookingId: "b_77", instalment: 3 }),
      Stripe.idempotencyKey({ operation: "refund", refundId: "b_77" })
    ]
    expect(new Set([key, ...others]).size).toBe(5)
  })

  it("never let two bookings meet through a separator, stay within 255 characters, and refuse empty parts", () => {
    const a = Stripe.idempotencyKey({ operation: "createPayment", bookingId: "a/b", instalment: "1" })
    const b = Stripe.idempotencyKey({ operation: "createPayment", bookingId: "a", instalment: "b/1" })
    expect(a).not.toBe(b)
    const long = Stripe.idempotencyKey({ operation: "createPayment", bookingId: "x".repeat(400), instalment: 1 })
    expect(long.length).toBeLessThanOrEqual(255)
    expect(long).toBe(Stripe.idempotencyKey({ operation: "createPayment", bookingId: "x".repeat(400), instalment: 1 }))
    expect(() => Stripe.idempotencyKey({ operation: "refund", refundId: " " })).toThrow(RangeError)
  })

  it("the same key after a restart (a new adapter) answers the first payment, charged once", async () => {
    const request = deposit("balance")
    const first = successOf(await run(create(request)))
    // A new layer, as a restarted process builds it, deriving the key again from the booking.
    const again = successOf(await run(create(deposit("balance"))))
    expect(again.id).toBe(first.id)
    expect(intentsUnder(request.idempotencyKey)).toHaveLength(1)
    expect(first.metadata[Stripe.keyMetadata]).toBe(request.idempotencyKey)
  })
})

describe("resolve: a maybe-sent create", () => {
  it("replays the key: the payment the lost answer made is found, not made again", async () => {
    sim.faults.add(Faults.failTimes(2, Faults.ambiguousCommit, { operation: "payment_intents.create" }))
    const request = deposit()
    const since = Date.now()
    expect(failureOf(await run(create(request))).maybeSent).toBe(true)
    const resolution = successOf(await run(resolve(request, since)))
    expect(resolution._tag).toBe("Found")
    const [made] = intentsUnder(request.idempotencyKey)
    expect(resolution._tag === "Found" && resolution.value.id).toBe(made?.id)
    expect(intentsUnder(request.idempotencyKey)).toHaveLength(1)
  })

  it("when the replay fails on Stripe's side again, finds the payment by the key in its metadata", async () => {
    sim.faults.add(Faults.failTimes(2, Faults.ambiguousCommit, { operation: "payment_intents.create" }))
    const request = deposit()
    const since = Date.now()
    failureOf(await run(create(request)))
    sim.faults.add(Faults.failTimes(1, Faults.error("api_error"), { operation: "payment_intents.create" }))
    const resolution = successOf(await run(resolve(request, since)))
    expect(resolution._tag).toBe("Found")
    expect(sim.ledger.requests({ operation: "payment_intents.search" })).toHaveLength(1)
  })

  it("past the replay window only searches: nothing found is NotFound, and nothing is charged", async () => {
    const request = deposit()
    const resolution = successOf(await run(resolve(request, Date.now() - Duration.toMillis(Stripe.replayWindow))))
    expect(resolution._tag).toBe("NotFound")
    expect(sim.ledger.requests({ method: "POST" })).toHaveLength(0)
  })

  it("a key still in use is Unknown, with the 409 that says so; never NotFound", async () => {
    sim.state.processingMillis = 400
    const request = deposit()
    const exit = await Effect.runPromiseExit(
      Effect.gen(function* () {
        const first = yield* Effect.forkChild(create(request))
        yield* Effect.sleep("100 millis")
        const resolution = yield* resolve(request, Date.now())
        yield* Fiber.join(first)
        return resolution
      }).pipe(Effect.provide(Stripe.layer(options())))
    )
    const resolution = successOf(exit)
    expect(resolution._tag).toBe("Unknown")
    const error = resolution._tag === "Unknown" ? resolution.error : undefined
    expect(error && [error.status, error.providerCode, error.delivery, Stripe.isKeyInUse(error)]).toEqual([
      409,
      "idempotency_key_in_use",
      "notSent",
      true
    ])
    expect(intentsUnder(request.idempotencyKey)).toHaveLength(1)
  })

  it("a declined first attempt replays as the decline: NotFound, nothing charged", async () => {
    const request = deposit("deposit", { paymentMethod: "pm_card_chargeDeclinedInsufficientFunds" })
    failureOf(await run(create(request)))
    const resolution = successOf(await run(resolve(request, Date.now())))
    expect(resolution._tag).toBe("NotFound")
  })
})

describe("operations", () => {
  it("creates, captures, refunds, retrieves and finds payments, every mutating call under its key", async () => {
    const exit = await run(
      Effect.gen(function* () {
        const provider = yield* payments
        const paid = yield* provider.createPayment(deposit())
        const held = yield* provider.createPayment(deposit("hold", { captureMethod: "manual" }))
        const captured = yield* provider.capturePayment(held.id, {
          idempotencyKey: Stripe.idempotencyKey({ operation: "capturePayment", bookingId: "b_9", instalment: "hold" }),
          amount: 40_000
        })
        const refund = yield* provider.refund(
          new PaymentProvider.RefundRequest({
            paymentId: paid.id,
            amount: 500,
            idempotencyKey: Stripe.idempotencyKey({ operation: "refund", refundId: "rf_9" })
          })
        )
        const found = yield* provider.findPaymentsByMetadata("weddingId", "w_9")
        const retrieved = yield* provider.retrievePayment(paid.id)
        return { paid, held, captured, refund, found, retrieved }
      })
    )
    const { paid, held, captured, refund, found, retrieved } = successOf(exit)
    expect(paid).toMatchObject({ provider: "stripe", status: "succeeded", amount: 50_000, amountCaptured: 50_000 })
    expect(Redacted.value(paid.clientSecret ?? Redacted.make(""))).toContain("_secret_")
    expect(held.status).toBe("requires_capture")
    expect(captured).toMatchObject({ status: "succeeded", amountCaptured: 40_000 })
    expect(refund).toMatchObject({ provider: "stripe", paymentId: paid.id, amount: 500, status: "succeeded" })
    expect(found.map((payment) => payment.id).sort()).toEqual([held.id, paid.id].sort())
    expect(retrieved.id).toBe(paid.id)
    expect(postsKeys()).toEqual([
      "wedsync/createPayment/b_9/deposit",
      "wedsync/createPayment/b_9/hold",
      "wedsync/capturePayment/b_9/hold",
      "wedsync/refund/rf_9"
    ])
  })

  it("cancels an authorisation under its own key; a payment that succeeded is refused, not cancelled", async () => {
    const cancelKey = Stripe.idempotencyKey({ operation: "cancelPayment", bookingId: "b_9", instalment: "hold" })
    const exit = await run(
      Effect.gen(function* () {
        const provider = yield* payments
        const held = yield* provider.createPayment(deposit("hold", { captureMethod: "manual" }))
        const canceled = yield* provider.cancelPayment(held.id, {
          idempotencyKey: cancelKey,
          reason: "requested_by_customer"
        })
        const again = yield* provider.cancelPayment(held.id, {
          idempotencyKey: cancelKey,
          reason: "requested_by_customer"
        })
        const paid = yield* provider.createPayment(deposit())
        const refused = yield* Effect.flip(
          provider.cancelPayment(paid.id, {
            idempotencyKey: Stripe.idempotencyKey({
              operation: "cancelPayment",
              bookingId: "b_9",
              instalment: "deposit"
            })
          })
        )
        return { held, canceled, again, refused }
      })
    )
    const { held, canceled, again, refused } = successOf(exit)
    expect(held.status).toBe("requires_capture")
    expect(canceled).toMatchObject({ id: held.id, status: "canceled" })
    // the same key again: Stripe answers the first result
    expect(again).toMatchObject({ id: held.id, status: "canceled" })
    expect(sim.ledger.sideEffects().filter((effect) => effect.kind === "cancel")).toHaveLength(1)
    expect(refused.reason._tag).toBe("InvalidRequest")
    expect(refused.delivery).toBe("notSent")
    expect(postsKeys()[1]).toBe(cancelKey)
  })

  it("confirms a payment created without confirm, under its own key", async () => {
    const exit = await run(
      Effect.gen(function* () {
        const provider = yield* payments
        const created = yield* provider.createPayment(deposit("later", { confirm: false }))
        const confirmed = yield* provider.confirmPayment(created.id, {
          idempotencyKey: Stripe.idempotencyKey({ operation: "confirmPayment", bookingId: "b_9", instalment: "later" })
        })
        return [created.status, confirmed.status]
      })
    )
    expect(successOf(exit)).toEqual(["requires_confirmation", "succeeded"])
    expect(postsKeys()[1]).toBe("wedsync/confirmPayment/b_9/later")
  })

  it("classifies a decline with its decline code, a missing id with its field, a rate limit with its wait", async () => {
    const declined = failureOf(
      await run(create(deposit("deposit", { paymentMethod: "pm_card_chargeDeclinedInsufficientFunds" })))
    )
    expect(declined).toMatchObject({ status: 402, providerCode: "insufficient_funds", delivery: "notSent" })
    expect(declined.reason._tag).toBe("Rejected")
    expect(declined.requestId).toMatch(/^req_/)
    const missing = failureOf(await run(Effect.flatMap(payments, (p) => p.retrievePayment("pi_x"))))
    expect(missing.reason).toMatchObject({ _tag: "InvalidRequest", field: "intent" })
    sim.faults.add(Faults.rule(Faults.error("lock_timeout", { retryAfterSeconds: 4 }), { times: 1 }))
    const limited = failureOf(await run(Effect.flatMap(payments, (p) => p.retrievePayment("pi_x"))))
    expect([limited.reason._tag, limited.retryAfter && Duration.toSeconds(limited.retryAfter)]).toEqual([
      "RateLimited",
      4
    ])
    const wrong = failureOf(
      await run(
        Effect.flatMap(payments, (p) => p.retrievePayment("pi_x")),
        {
          secretKey: Redacted.make("sk_test_wrongwrongwrong1234")
        }
      )
    )
    expect(wrong.reason._tag).toBe("Unauthorized")
    expect(JSON.stringify(wrong) + wrong.message).not.toContain("1234")
  })
})

describe("aborting", () => {
  it("interruption aborts the HTTP request at once", async () => {
    sim.faults.add(Faults.rule(Faults.hang, { times: 1 }))
    const started = Date.now()
    await run(Effect.flatMap(payments, (p) => p.retrievePayment("pi_x")).pipe(Effect.timeout("100 millis")))
    await expect.poll(() => sim.ledger.requests()[0]?.outcome, { timeout: 500 }).toBe("clientAborted")
    expect(Date.now() - started).toBeLessThan(1_000)
  })

  it("the adapter's own timeout aborts a hung request as TimedOut, maybe sent", async () => {
    sim.faults.add(Faults.rule(Faults.hang, { times: 1 }))
    const error = failureOf(await run(create(deposit()), { timeout: "200 millis" }))
    expect(error.reason).toMatchObject({ _tag: "TimedOut" })
    expect(error.delivery).toBe("maybeSent")
    await expect.poll(() => sim.ledger.requests()[0]?.outcome, { timeout: 1_000 }).toBe("clientAborted")
  })
})

describe("configuration", () => {
  const built = (layer: Layer.Layer<PaymentProvider.PaymentProvider, IntegrationError.IntegrationError>) =>
    Effect.runPromiseExit(Effect.scoped(Layer.build(layer)))

  it("a blank key, a base URL with a path or no http(s), or a negative timeout fail the layer as Misconfigured", async () => {
    const cases: ReadonlyArray<readonly [Partial<Stripe.Options>, string]> = [
      [{ secretKey: Redacted.make(" ") }, "secretKey"],
      [{ baseUrl: "ftp://stripe.example" }, "baseUrl"],
      [{ baseUrl: "https://proxy.example/stripe" }, "baseUrl"],
      [{ timeout: "-5 seconds" }, "timeout"]
    ]
    for (const [overrides, field] of cases) {
      const error = failureOf(await built(Stripe.layer(options(overrides))))
      expect([field, error.reason._tag]).toEqual([field, "Misconfigured"])
      expect(error.message).toContain(field)
    }
    const made = Stripe.make(options({ secretKey: Redacted.make("") }))
    const error = failureOf(await Effect.runPromiseExit(made.retrievePayment("pi_x")))
    expect(error.reason._tag).toBe("Misconfigured")
    expect(sim.ledger.requests()).toHaveLength(0)
  })

  it("reads its options from Config, secrets redacted; a missing key is Misconfigured", async () => {
    const config = {
      secretKey: Config.Redacted("STRIPE_SECRET_KEY"),
      baseUrl: Config.String("STRIPE_BASE_URL")
    }
    const provider = (values: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromUnknown(values))
    const good = Stripe.layerConfig(config).pipe(
      Layer.provide(provider({ STRIPE_SECRET_KEY: sim.credentials.secretKey, STRIPE_BASE_URL: sim.url }))
    )
    const payment = successOf(await Effect.runPromiseExit(Effect.provide(create(deposit()), good)))
    expect(payment.status).toBe("succeeded")
    const missing = Stripe.layerConfig(config).pipe(Layer.provide(provider({ STRIPE_BASE_URL: sim.url })))
    const error = failureOf(await built(missing))
    expect(error.reason._tag).toBe("Misconfigured")
    expect(error.message).toContain("STRIPE_SECRET_KEY")
  })

  it("is an IntegrationError whatever fails, never a defect", async () => {
    const exit = await run(
      Effect.flatMap(payments, (p) => p.retrievePayment("pi_x")),
      {
        baseUrl: `http://127.0.0.1:${await Simulator.closedPort()}`
      }
    )
    const error = failureOf(exit)
    expect([error.reason._tag, error.delivery]).toEqual(["Unavailable", "notSent"])
    expect(IntegrationError.isIntegrationError(error)).toBe(true)
    expect(Exit.isFailure(exit)).toBe(true)
  })
})
