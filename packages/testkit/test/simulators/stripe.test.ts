import StripeSdk from "stripe"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import * as Faults from "../../src/Faults.ts"
import * as Simulator from "../../src/Simulator.ts"
import * as Stripe from "../../src/simulators/stripe.ts"
import * as Webhooks from "../../src/Webhooks.ts"
import { type Receiver, startReceiver } from "../fixtures/receiver.ts"

type Running = Simulator.Running<Stripe.State, Stripe.Credentials>
type SdkError = InstanceType<typeof StripeSdk.errors.StripeError>

let sim: Running
let stripe: StripeSdk
let receiver: Receiver

const client = (options: { readonly key?: string; readonly port?: number; readonly timeout?: number } = {}) =>
  new StripeSdk(options.key ?? sim.credentials.secretKey, {
    host: "127.0.0.1",
    port: options.port ?? sim.port,
    protocol: "http",
    maxNetworkRetries: 0,
    timeout: options.timeout ?? 2_000
  })

const verify = (body: string, header: string | Array<string> | undefined) =>
  stripe.webhooks.constructEvent(body, String(header), sim.credentials.webhookSecret)

beforeAll(async () => {
  sim = await Simulator.start(Stripe.definition, { seed: 42 })
  stripe = client()
  receiver = await startReceiver((received) => {
    try {
      verify(received.body, received.headers["stripe-signature"])
      return true
    } catch {
      return false
    }
  })
})

afterAll(async () => {
  await sim.stop()
  await receiver.close()
})

beforeEach(() => {
  sim.reset()
  sim.webhookUrl = undefined
  receiver.received.length = 0
})

const noRedirects = { enabled: true, allow_redirects: "never" } as const
const card = (paymentMethod: string, extra: Partial<StripeSdk.PaymentIntentCreateParams> = {}) => ({
  amount: 2000,
  currency: "usd",
  payment_method: paymentMethod,
  confirm: true,
  automatic_payment_methods: noRedirects,
  metadata: { weddingId: "w_1" },
  ...extra
})

const caught = async (promise: Promise<unknown>): Promise<SdkError> => {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(StripeSdk.errors.StripeError)
    return error as SdkError
  }
  throw new Error("expected the call to fail")
}

describe("Stripe simulator: PaymentIntents through the stripe SDK", () => {
  it("creates, confirms and retrieves a PaymentIntent in Stripe's shape, one request per call", async () => {
    const created = await stripe.paymentIntents.create(
      { amount: 2000, currency: "USD", metadata: { weddingId: "w_1" }, automatic_payment_methods: noRedirects },
      { idempotencyKey: "create-1" }
    )
    expect(created).toMatchObject({
      object: "payment_intent",
      amount: 2000,
      amount_received: 0,
      currency: "usd",
      status: "requires_payment_method",
      capture_method: "automatic",
      latest_charge: null,
      livemode: false,
      metadata: { weddingId: "w_1" }
    })
    expect(created.id).toMatch(/^pi_3\w{23}$/)
    expect(created.client_secret).toMatch(new RegExp(`^${created.id}_secret_\\w{25}$`))
    expect(created.created).toBeCloseTo(Date.now() / 1000, -1)
    expect(created.lastResponse.requestId).toMatch(/^req_\w{14}$/)
    expect(created.lastResponse.headers).toMatchObject({
      "idempotency-key": "create-1",
      "stripe-version": StripeSdk.API_VERSION
    })

    const confirmed = await stripe.paymentIntents.confirm(created.id, { payment_method: "pm_card_visa" })
    expect(confirmed).toMatchObject({ status: "succeeded", amount_received: 2000, last_payment_error: null })
    expect(confirmed.payment_method).toMatch(/^pm_1\w{23}$/)
    const retrieved = await stripe.paymentIntents.retrieve(created.id, { expand: ["latest_charge"] })
    expect(retrieved.latest_charge).toMatchObject({
      object: "charge",
      status: "succeeded",
      captured: true,
      amount_captured: 2000
    })
    expect(sim.ledger.requests().map((entry) => [entry.operation, entry.status])).toEqual([
      ["payment_intents.create", 200],
      ["payment_intents.confirm", 200],
      ["payment_intents.retrieve", 200]
    ])
    expect(sim.ledger.sideEffects("payment_intent")).toEqual([
      expect.objectContaining({ id: created.id, key: "create-1" })
    ])
    expect(sim.ledger.sideEffects("charge")).toHaveLength(1)
  })

  it("goes requires_confirmation → requires_capture → succeeded with manual capture, partially captured", async () => {
    const created = await stripe.paymentIntents.create({
      amount: 5000,
      currency: "gbp",
      payment_method: "pm_card_mastercard",
      capture_method: "manual",
      allowed_payment_method_types: ["card"]
    })
    expect(created.status).toBe("requires_confirmation")
    const authorised = await stripe.paymentIntents.confirm(created.id, {}, { idempotencyKey: "confirm-1" })
    expect(authorised).toMatchObject({ status: "requires_capture", amount_capturable: 5000, amount_received: 0 })
    const captured = await stripe.paymentIntents.capture(
      created.id,
      { amount_to_capture: 4000 },
      { idempotencyKey: "cap-1" }
    )
    expect(captured).toMatchObject({ status: "succeeded", amount_received: 4000, amount_capturable: 0 })
    expect(sim.ledger.sideEffects("capture")).toEqual([
      expect.objectContaining({ id: created.id, key: "cap-1", data: { amount: 4000 } })
    ])
    const again = await caught(stripe.paymentIntents.capture(created.id))
    expect(again).toMatchObject({
      type: "StripeInvalidRequestError",
      statusCode: 400,
      code: "payment_intent_unexpected_state"
    })
    expect(again.message).toContain("it has a status of succeeded")
  })

  it("refuses bad parameters with Stripe's 400s and unknown ids with 404 resource_missing", async () => {
    const cases: Array<[() => Promise<unknown>, Partial<SdkError>]> = [
      [
        () => stripe.paymentIntents.create({ currency: "usd" } as StripeSdk.PaymentIntentCreateParams),
        { code: "parameter_missing", param: "amount" }
      ],
      [
        () => stripe.paymentIntents.create({ amount: "20.00" as unknown as number, currency: "usd" }),
        { code: "parameter_invalid_integer", param: "amount", message: "Invalid integer: 20.00" }
      ],
      [
        () => stripe.paymentIntents.create({ amount: 10, currency: "usd" }),
        { code: "amount_too_small", param: "amount", message: "Amount must be at least $0.50 usd" }
      ],
      [
        () =>
          stripe.paymentIntents.create({
            amount: 2000,
            currency: "usd",
            colour: "red"
          } as StripeSdk.PaymentIntentCreateParams),
        { code: "parameter_unknown", param: "colour" }
      ],
      [
        () => stripe.paymentIntents.create({ amount: 2000, currency: "usd", payment_method: "pm_nope", confirm: true }),
        { code: "resource_missing", param: "payment_method" }
      ],
      [
        () => stripe.paymentIntents.retrieve("pi_missing"),
        { code: "resource_missing", param: "intent", statusCode: 404, message: "No such payment_intent: 'pi_missing'" }
      ]
    ]
    for (const [call, expected] of cases) {
      expect(await caught(call())).toMatchObject({ type: "StripeInvalidRequestError", ...expected })
    }
    expect(sim.ledger.sideEffects()).toEqual([])
  })

  it("needs a return_url to confirm when redirect-based payment methods are allowed (Stripe's default)", async () => {
    const error = await caught(
      stripe.paymentIntents.create({ amount: 2000, currency: "usd", payment_method: "pm_card_visa", confirm: true })
    )
    expect(error).toMatchObject({ statusCode: 400, type: "StripeInvalidRequestError" })
    expect(error.message).toContain("you must provide a `return_url`")
    expect(sim.ledger.sideEffects()).toEqual([])
    const withReturn = await stripe.paymentIntents.create({
      amount: 2000,
      currency: "usd",
      payment_method: "pm_card_visa",
      confirm: true,
      return_url: "https://wedsync.test/return"
    })
    expect(withReturn.status).toBe("succeeded")
  })
})

describe("Stripe simulator: test cards", () => {
  const declines: Array<[string, string, string]> = [
    ["pm_card_chargeDeclined", "card_declined", "generic_decline"],
    ["pm_card_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds"],
    ["pm_card_chargeDeclinedLostCard", "card_declined", "lost_card"],
    ["pm_card_chargeDeclinedStolenCard", "card_declined", "stolen_card"],
    ["pm_card_chargeDeclinedFraudulent", "card_declined", "fraudulent"],
    ["pm_card_chargeDeclinedExpiredCard", "expired_card", "expired_card"],
    ["pm_card_chargeDeclinedIncorrectCvc", "incorrect_cvc", "incorrect_cvc"],
    ["pm_card_chargeDeclinedProcessingError", "processing_error", "processing_error"]
  ]

  it.each(declines)(
    "%s → 402 %s (%s), the PaymentIntent back to requires_payment_method",
    async (pm, code, decline) => {
      const error = await caught(stripe.paymentIntents.create(card(pm), { idempotencyKey: `decline-${pm}` }))
      expect(error).toMatchObject({
        type: "StripeCardError",
        statusCode: 402,
        code,
        decline_code: decline,
        rawType: "card_error"
      })
      expect(error.requestId).toBe(error.headers?.["request-id"])
      expect(error.doc_url).toBe(`https://stripe.com/docs/error-codes/${code.replace(/_/g, "-")}`)
      expect(error.request_log_url).toContain(String(error.requestId))
      expect(error.charge).toMatch(/^ch_3/)
      expect(error.payment_intent).toMatchObject({
        status: "requires_payment_method",
        latest_charge: error.charge,
        last_payment_error: { code, decline_code: decline, type: "card_error" }
      })
      expect(sim.ledger.sideEffects("payment_intent")).toHaveLength(1)
      expect(sim.ledger.sideEffects("charge")).toEqual([
        expect.objectContaining({ data: expect.objectContaining({ status: "failed" }) })
      ])
    }
  )

  it("pm_card_authenticationRequired → requires_action with next_action, no charge", async () => {
    const intent = await stripe.paymentIntents.create(card("pm_card_authenticationRequired"))
    expect(intent).toMatchObject({ status: "requires_action", next_action: { type: "use_stripe_sdk" } })
    expect(sim.ledger.sideEffects("charge")).toEqual([])
  })
})

describe("Stripe simulator: search", () => {
  it("finds PaymentIntents by metadata, newest first, in Stripe's search_result pages", async () => {
    const first = await stripe.paymentIntents.create(card("pm_card_visa"))
    const second = await stripe.paymentIntents.create({ ...card("pm_card_visa"), confirm: false })
    await stripe.paymentIntents.create(card("pm_card_visa", { metadata: { weddingId: "w_2" } }))
    const found = await stripe.paymentIntents.search({ query: "metadata['weddingId']:'w_1'" })
    expect(found).toMatchObject({
      object: "search_result",
      has_more: false,
      next_page: null,
      url: "/v1/payment_intents/search"
    })
    expect(found.data.map((intent) => intent.id)).toEqual([second.id, first.id])
    const paged = await stripe.paymentIntents.search({ query: 'metadata["weddingId"]:"w_1"', limit: 1 })
    expect(paged).toMatchObject({ has_more: true, data: [{ id: second.id }] })
    const next = await stripe.paymentIntents.search({
      query: "metadata['weddingId']:'w_1'",
      limit: 1,
      page: String(paged.next_page)
    })
    expect(next).toMatchObject({ has_more: false, data: [{ id: first.id }] })
    const combined = await stripe.paymentIntents.search({
      query: "status:'succeeded' AND metadata['weddingId']:'w_1' AND amount>=2000"
    })
    expect(combined.data.map((intent) => intent.id)).toEqual([first.id])
    const either = await stripe.paymentIntents.search({ query: "metadata['weddingId']:'w_2' OR -status:'succeeded'" })
    expect(either.data).toHaveLength(2)
    const invalid = await caught(stripe.paymentIntents.search({ query: "metadata['weddingId']:w_1" }))
    expect(invalid).toMatchObject({ statusCode: 400, param: "query" })
    const unsupported = await caught(stripe.paymentIntents.search({ query: "colour:'red'" }))
    expect(unsupported.message).toContain("unsupported search field")
  })

  it("is eventually consistent when searchDelayMillis is set", async () => {
    sim.state.searchDelayMillis = 150
    await stripe.paymentIntents.create(card("pm_card_visa"))
    expect((await stripe.paymentIntents.search({ query: "metadata['weddingId']:'w_1'" })).data).toHaveLength(0)
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect((await stripe.paymentIntents.search({ query: "metadata['weddingId']:'w_1'" })).data).toHaveLength(1)
  })
})

describe("Stripe simulator: refunds", () => {
  it("refunds in parts, then refuses more than is left and a second full refund", async () => {
    const intent = await stripe.paymentIntents.create(card("pm_card_visa"))
    const part = await stripe.refunds.create(
      { payment_intent: intent.id, amount: 500, reason: "requested_by_customer", metadata: { note: "cake" } },
      { idempotencyKey: "refund-1" }
    )
    expect(part).toMatchObject({
      object: "refund",
      amount: 500,
      status: "succeeded",
      payment_intent: intent.id,
      charge: intent.latest_charge,
      reason: "requested_by_customer",
      metadata: { note: "cake" }
    })
    const tooMuch = await caught(stripe.refunds.create({ payment_intent: intent.id, amount: 5000 }))
    expect(tooMuch).toMatchObject({ statusCode: 400, param: "amount" })
    expect(tooMuch.message).toBe("Refund amount ($50.00) is greater than unrefunded amount on charge ($15.00)")
    const rest = await stripe.refunds.create({ payment_intent: intent.id })
    expect(rest.amount).toBe(1500)
    const again = await caught(stripe.refunds.create({ payment_intent: intent.id }))
    expect(again).toMatchObject({ statusCode: 400, code: "charge_already_refunded" })
    expect(sim.ledger.sideEffects("refund").map((effect) => effect.data)).toEqual([
      expect.objectContaining({ amount: 500 }),
      expect.objectContaining({ amount: 1500 })
    ])
    const unpaid = await stripe.paymentIntents.create({ amount: 2000, currency: "usd" })
    const nothing = await caught(stripe.refunds.create({ payment_intent: unpaid.id }))
    expect(nothing.message).toBe("This PaymentIntent does not have a successful charge to refund.")
  })
})

describe("Stripe simulator: credentials", () => {
  it("answers a wrong key with Stripe's 401, the key masked", async () => {
    const wrongKey = "sk_test_51WrongKeyWrongKeyWrongKeyWrongKey9xYz"
    const error = await caught(client({ key: wrongKey }).paymentIntents.create(card("pm_card_visa")))
    expect(error).toMatchObject({
      type: "StripeAuthenticationError",
      statusCode: 401,
      rawType: "invalid_request_error"
    })
    expect(error.message).toBe(`Invalid API Key provided: sk_test_${"*".repeat(wrongKey.length - 12)}9xYz`)
    expect(error.message).not.toContain(wrongKey)
    const bare = await fetch(`${sim.url}/v1/payment_intents`, { method: "POST" })
    expect(bare.status).toBe(401)
    expect(((await bare.json()) as { error: { message: string } }).error.message).toContain(
      "You did not provide an API key"
    )
    expect(sim.ledger.sideEffects()).toEqual([])
  })
})

describe("Stripe simulator: idempotency", () => {
  it("replays the stored answer for the same key and parameters, without a new side effect", async () => {
    const first = await stripe.paymentIntents.create(card("pm_card_visa"), { idempotencyKey: "deposit-w_1" })
    const second = await stripe.paymentIntents.create(card("pm_card_visa"), { idempotencyKey: "deposit-w_1" })
    expect(second.id).toBe(first.id)
    expect(second.lastResponse.headers).toMatchObject({
      "idempotent-replayed": "true",
      "original-request": first.lastResponse.requestId
    })
    expect(second.lastResponse.requestId).not.toBe(first.lastResponse.requestId)
    expect(sim.ledger.requests()).toHaveLength(2)
    expect(sim.ledger.sideEffects("payment_intent")).toHaveLength(1)
    expect(sim.ledger.sideEffects("charge")).toHaveLength(1)
  })

  it("refuses the same key with other parameters as idempotency_error", async () => {
    await stripe.paymentIntents.create(card("pm_card_visa"), { idempotencyKey: "deposit-w_1" })
    const error = await caught(
      stripe.paymentIntents.create(card("pm_card_visa", { amount: 3000 }), { idempotencyKey: "deposit-w_1" })
    )
    expect(error).toMatchObject({ type: "StripeIdempotencyError", statusCode: 400, rawType: "idempotency_error" })
    expect(error.message).toContain("Try using a key other than 'deposit-w_1'")
  })

  it("answers 409 idempotency_key_in_use while the first request with the key is in flight", async () => {
    sim.state.processingMillis = 150
    const [first, second] = await Promise.allSettled([
      stripe.paymentIntents.create(card("pm_card_visa"), { idempotencyKey: "deposit-w_1" }),
      new Promise((resolve) => setTimeout(resolve, 30)).then(() =>
        stripe.paymentIntents.create(card("pm_card_visa"), { idempotencyKey: "deposit-w_1" })
      )
    ])
    expect(first.status).toBe("fulfilled")
    expect(second.status).toBe("rejected")
    const error = (second as PromiseRejectedResult).reason as SdkError
    expect(error).toMatchObject({ type: "StripeAPIError", statusCode: 409, code: "idempotency_key_in_use" })
    expect(error.headers?.["stripe-should-retry"]).toBe("true")
    expect(sim.ledger.sideEffects("payment_intent")).toHaveLength(1)
  })

  it("stores a decline (replayed, one charge) but not a validation failure", async () => {
    const declined = await caught(
      stripe.paymentIntents.create(card("pm_card_chargeDeclined"), { idempotencyKey: "k-decline" })
    )
    const replayed = await caught(
      stripe.paymentIntents.create(card("pm_card_chargeDeclined"), { idempotencyKey: "k-decline" })
    )
    expect(replayed).toMatchObject({ statusCode: 402, charge: declined.charge })
    expect(replayed.headers?.["idempotent-replayed"]).toBe("true")
    expect(sim.ledger.sideEffects("charge")).toHaveLength(1)
    await caught(stripe.paymentIntents.create({ ...card("pm_card_visa"), amount: 1 }, { idempotencyKey: "k-fix" }))
    const fixed = await stripe.paymentIntents.create(card("pm_card_visa"), { idempotencyKey: "k-fix" })
    expect(fixed.status).toBe("succeeded")
  })
})

describe("Stripe simulator: faults as the SDK sees them", () => {
  const expected: Record<string, { readonly type: string; readonly status: number; readonly code?: string }> = {
    api_error: { type: "StripeAPIError", status: 500 },
    idempotency_key_in_use: { type: "StripeAPIError", status: 409, code: "idempotency_key_in_use" },
    rate_limit: { type: "StripeRateLimitError", status: 429, code: "rate_limit" },
    lock_timeout: { type: "StripeRateLimitError", status: 429, code: "lock_timeout" },
    invalid_api_key: { type: "StripeAuthenticationError", status: 401 },
    api_key_expired: { type: "StripeAuthenticationError", status: 401, code: "api_key_expired" },
    account_invalid: { type: "StripePermissionError", status: 403, code: "account_invalid" },
    insufficient_permissions: { type: "StripePermissionError", status: 403 },
    card_declined: { type: "StripeCardError", status: 402, code: "card_declined" },
    insufficient_funds: { type: "StripeCardError", status: 402, code: "card_declined" },
    expired_card: { type: "StripeCardError", status: 402, code: "expired_card" },
    parameter_missing: { type: "StripeInvalidRequestError", status: 400, code: "parameter_missing" },
    parameter_invalid_integer: { type: "StripeInvalidRequestError", status: 400, code: "parameter_invalid_integer" },
    resource_missing: { type: "StripeInvalidRequestError", status: 404, code: "resource_missing" },
    idempotency_error: { type: "StripeIdempotencyError", status: 400 }
  }

  it("covers every catalogue entry", () => {
    expect(Object.keys(Stripe.definition.errors).sort()).toEqual(Object.keys(expected).sort())
  })

  it.each(Object.entries(expected))("%s reaches the SDK as Stripe sends it, in one request", async (name, want) => {
    sim.faults.add(
      Faults.rule(Faults.error(name, { retryAfterSeconds: 7 }), { operation: "payment_intents.create", times: 1 })
    )
    const error = await caught(stripe.paymentIntents.create(card("pm_card_visa"), { idempotencyKey: `fault-${name}` }))
    expect(error.type).toBe(want.type)
    expect(error.statusCode).toBe(want.status)
    if (want.code !== undefined) expect(error.code).toBe(want.code)
    expect(error.requestId).toMatch(/^req_/)
    expect(error.requestId).toBe(error.headers?.["request-id"])
    if (want.status === 429) expect(error.headers?.["retry-after"]).toBe("7")
    if (name === "lock_timeout") expect(error.headers?.["stripe-should-retry"]).toBe("true")
    if (name === "insufficient_funds") expect(error.decline_code).toBe("insufficient_funds")
    expect(error.message).not.toContain(sim.credentials.secretKey)
    expect(sim.ledger.requests()).toHaveLength(1)
    expect(sim.ledger.sideEffects()).toEqual([])
    // Catalogue faults are never stored: the same key then executes.
    const retried = await stripe.paymentIntents.create(card("pm_card_visa"), { idempotencyKey: `fault-${name}` })
    expect(retried.lastResponse.headers["idempotent-replayed"]).toBeUndefined()
  })

  it("Hang: the SDK timeout fires and the request ends clientAborted", async () => {
    sim.faults.add(Faults.rule(Faults.hang))
    const started = Date.now()
    const error = await caught(client({ timeout: 300 }).paymentIntents.create(card("pm_card_visa")))
    expect(error).toMatchObject({
      type: "StripeConnectionError",
      message: "Request aborted due to timeout being reached (300ms)"
    })
    expect(Date.now() - started).toBeLessThan(1_000)
    await expect.poll(() => sim.ledger.requests()[0]?.outcome).toBe("clientAborted")
    expect(sim.ledger.requests()).toHaveLength(1)
  })

  it("Reset: stripe-node repeats the request once with the same key even with maxNetworkRetries 0", async () => {
    sim.faults.add(Faults.rule(Faults.reset))
    const error = await caught(stripe.paymentIntents.create(card("pm_card_visa"), { idempotencyKey: "reset-1" }))
    expect(error.type).toBe("StripeConnectionError")
    const requests = sim.ledger.requests()
    expect(requests.map((entry) => [entry.outcome, entry.headers["idempotency-key"]])).toEqual([
      ["reset", "reset-1"],
      ["reset", "reset-1"]
    ])
    sim.faults.clear()
    sim.faults.add(Faults.failTimes(1, Faults.reset))
    const recovered = await stripe.paymentIntents.create(card("pm_card_visa"), { idempotencyKey: "reset-2" })
    expect(recovered.status).toBe("succeeded")
    expect(sim.ledger.requests()).toHaveLength(4)
  })

  it("connection refused surfaces as StripeConnectionError ECONNREFUSED", async () => {
    const error = await caught(client({ port: await Simulator.closedPort() }).paymentIntents.retrieve("pi_1"))
    expect(error.type).toBe("StripeConnectionError")
    expect((error.detail as { code?: string } | undefined)?.code).toBe("ECONNREFUSED")
  })

  it("Malformed: a 200 with a broken body is a StripeAPIError without a status", async () => {
    sim.faults.add(Faults.rule(Faults.malformed))
    const error = await caught(stripe.paymentIntents.retrieve("pi_1"))
    expect(error).toMatchObject({ type: "StripeAPIError", message: "Invalid JSON received from the Stripe API" })
    expect(error.statusCode).toBeUndefined()
    expect(error.requestId).toMatch(/^req_/)
  })

  it("AmbiguousCommit: charged and stored under the key; a retry with the key replays it, one charge in all", async () => {
    sim.faults.script("payment_intents.create", [Faults.ambiguousCommit, Faults.reset])
    const error = await caught(stripe.paymentIntents.create(card("pm_card_visa"), { idempotencyKey: "ambiguous-1" }))
    expect(error.type).toBe("StripeConnectionError")
    expect(sim.ledger.byKey("payment_intent").get("ambiguous-1")).toHaveLength(1)
    const retried = await stripe.paymentIntents.create(card("pm_card_visa"), { idempotencyKey: "ambiguous-1" })
    expect(retried.lastResponse.headers["idempotent-replayed"]).toBe("true")
    expect(retried.status).toBe("succeeded")
    expect(sim.ledger.sideEffects("payment_intent")).toHaveLength(1)
    expect(sim.ledger.sideEffects("charge")).toHaveLength(1)
    // Alone, an ambiguous commit is invisible to the caller: stripe-node's own replay after the reset gets the stored answer.
    sim.faults.script("payment_intents.create", [Faults.ambiguousCommit])
    const silent = await stripe.paymentIntents.create(card("pm_card_visa"), { idempotencyKey: "ambiguous-2" })
    expect(silent.lastResponse.headers["idempotent-replayed"]).toBe("true")
    expect(sim.ledger.byKey("payment_intent").get("ambiguous-2")).toHaveLength(1)
  })

  it("latency delays the answer", async () => {
    sim.faults.add(Faults.latency({ millis: 150 }, { operation: "payment_intents.retrieve" }))
    const intent = await stripe.paymentIntents.create(card("pm_card_visa"))
    const started = Date.now()
    await stripe.paymentIntents.retrieve(intent.id)
    expect(Date.now() - started).toBeGreaterThanOrEqual(140)
    expect(sim.ledger.requests({ operation: "payment_intents.retrieve" })[0]?.delayMillis).toBe(150)
  })

  it("failTimes and scripts: fail as told, then succeed, one request per call", async () => {
    sim.faults.add(Faults.failTimes(2, Faults.error("unavailable"), { operation: "payment_intents.create" }))
    sim.faults.script("payment_intents.retrieve", [Faults.error("rateLimited", { retryAfterSeconds: 3 }), Faults.pass])
    const outcomes: Array<number | string> = []
    for (let i = 0; i < 3; i++) {
      outcomes.push(
        await stripe.paymentIntents.create(card("pm_card_visa"), { idempotencyKey: "same" }).then(
          (intent) => intent.status,
          (error: SdkError) => Number(error.statusCode)
        )
      )
    }
    expect(outcomes).toEqual([500, 500, "succeeded"])
    const limited = await caught(stripe.paymentIntents.retrieve("pi_x"))
    expect(limited.headers?.["retry-after"]).toBe("3")
    expect((await caught(stripe.paymentIntents.retrieve("pi_x"))).statusCode).toBe(404)
    expect(sim.ledger.requests()).toHaveLength(5)
  })

  it("an outage window fails every call until it ends", async () => {
    sim.faults.add(Faults.outage({ forMillis: 200 }))
    expect((await caught(stripe.paymentIntents.retrieve("pi_x"))).statusCode).toBe(500)
    await new Promise((resolve) => setTimeout(resolve, 250))
    expect((await caught(stripe.paymentIntents.retrieve("pi_x"))).statusCode).toBe(404)
  })

  it("the same seed gives the same faults and ids", async () => {
    const run = async () => {
      const seeded = await Simulator.start(Stripe.definition, { seed: 9 })
      seeded.faults.add(Faults.rule(Faults.error("unavailable"), { rate: 0.5 }))
      const sdk = client({ port: seeded.port })
      const seen: Array<string> = []
      for (let i = 0; i < 8; i++) {
        seen.push(
          await sdk.paymentIntents.create(card("pm_card_visa")).then(
            (intent) => intent.id,
            () => "500"
          )
        )
      }
      await seeded.stop()
      return seen
    }
    const first = await run()
    expect(first).toContain("500")
    expect(first.some((id) => id.startsWith("pi_"))).toBe(true)
    expect(await run()).toEqual(first)
  })
})

describe("Stripe simulator: webhooks", () => {
  it("sends payment_intent.succeeded, payment_failed and charge.refunded, verified by constructEvent", async () => {
    sim.webhookUrl = receiver.url
    const intent = await stripe.paymentIntents.create(card("pm_card_visa"), { idempotencyKey: "hook-1" })
    await caught(stripe.paymentIntents.create(card("pm_card_chargeDeclined")))
    await stripe.refunds.create({ payment_intent: intent.id, amount: 100 })
    await sim.settle()
    const received = receiver.received.map((delivery) => verify(delivery.body, delivery.headers["stripe-signature"]))
    expect(received.map((event) => event.type)).toEqual([
      "payment_intent.succeeded",
      "payment_intent.payment_failed",
      "charge.refunded"
    ])
    expect(received[0]).toMatchObject({
      object: "event",
      livemode: false,
      api_version: StripeSdk.API_VERSION,
      pending_webhooks: 1,
      request: { id: intent.lastResponse.requestId, idempotency_key: "hook-1" },
      data: { object: { id: intent.id, status: "succeeded" } }
    })
    expect(received[0]?.id).toMatch(/^evt_/)
    expect(received[2]?.data.object).toMatchObject({ object: "charge", amount_refunded: 100, refunded: false })
    expect(sim.deliveries.map((delivery) => delivery.status)).toEqual([200, 200, 200])
  })

  it("refuses every tampered delivery in constructEvent", async () => {
    const intent = await stripe.paymentIntents.create(card("pm_card_visa"))
    const event = Stripe.events.paymentIntentSucceeded(intent as unknown as Stripe.PaymentIntent)
    const good = sim.buildWebhook(event, { url: receiver.url })
    expect(verify(good.body, good.headers["stripe-signature"]).id).toBe(event.id)
    const messages: Record<Webhooks.Tamper, string> = {
      body: "No signatures found matching the expected signature for payload",
      staleTimestamp: "Timestamp outside the tolerance zone",
      wrongSecret: "No signatures found matching the expected signature for payload",
      missingHeader: "Unable to extract timestamp and signatures from header"
    }
    for (const tamper of Webhooks.tampers) {
      const delivery = sim.buildWebhook(event, { url: receiver.url, tamper })
      expect(() => verify(delivery.body, delivery.headers["stripe-signature"]), tamper).toThrow(messages[tamper])
    }
    const records = await sim.deliver(
      Webhooks.tampers.map((tamper) => sim.buildWebhook(event, { url: receiver.url, tamper }))
    )
    expect(records.map((record) => record.status)).toEqual([401, 401, 401, 401])
  })
})
