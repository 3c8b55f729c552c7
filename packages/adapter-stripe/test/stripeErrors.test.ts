/**
 * The classification table: every entry of the simulator's error catalogue
 * through the real SDK (reason, provider code, delivery, Retry-After, request
 * id, one request), then the pure function on what the catalogue cannot
 * produce (a proxy's HTML 502, connection codes, timeouts, account codes),
 * and properties over every status.
 */
import { Duration, Effect, Redacted } from "effect"
import { PaymentProvider } from "@wedsync/core"
import { Faults, Simulator } from "@wedsync/testkit"
import * as StripeSim from "@wedsync/testkit/simulators/stripe"
import * as fc from "fast-check"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { Stripe } from "../src/index.ts"
import { classify, deliveryFor, type StripeFailure, tagFor } from "../src/internal/stripeErrors.ts"
import { failureOf } from "./fixtures/exits.ts"

type Running = Simulator.Running<StripeSim.State, StripeSim.Credentials>
let sim: Running

beforeAll(async () => {
  sim = await Simulator.start(StripeSim.definition, { seed: 3 })
})
afterAll(() => sim.stop())
beforeEach(() => sim.reset())

/** What each catalogue entry must come back as: reason, provider code, delivery, Retry-After (s). */
const table: Readonly<Record<string, readonly [string, string, "notSent" | "maybeSent", number | undefined]>> = {
  api_error: ["Unavailable", "api_error", "maybeSent", undefined],
  idempotency_key_in_use: ["Unavailable", "idempotency_key_in_use", "notSent", undefined],
  rate_limit: ["RateLimited", "rate_limit", "notSent", 7],
  lock_timeout: ["RateLimited", "lock_timeout", "notSent", 7],
  invalid_api_key: ["Unauthorized", "invalid_request_error", "notSent", undefined],
  api_key_expired: ["Unauthorized", "api_key_expired", "notSent", undefined],
  account_invalid: ["Misconfigured", "account_invalid", "notSent", undefined],
  insufficient_permissions: ["Misconfigured", "invalid_request_error", "notSent", undefined],
  card_declined: ["Rejected", "generic_decline", "notSent", undefined],
  insufficient_funds: ["Rejected", "insufficient_funds", "notSent", undefined],
  expired_card: ["Rejected", "expired_card", "notSent", undefined],
  parameter_missing: ["InvalidRequest", "parameter_missing", "notSent", undefined],
  parameter_invalid_integer: ["InvalidRequest", "parameter_invalid_integer", "notSent", undefined],
  resource_missing: ["InvalidRequest", "resource_missing", "notSent", undefined],
  idempotency_error: ["InvalidRequest", "idempotency_error", "notSent", undefined]
}

const request = new PaymentProvider.CreatePaymentRequest({
  amount: 2_000,
  currency: "usd",
  paymentMethod: "pm_card_visa",
  confirm: true,
  captureMethod: "automatic",
  metadata: { weddingId: "w_table" },
  idempotencyKey: "wedsync/createPayment/b_table/1"
})

describe("classification of Stripe's error catalogue, through the SDK", () => {
  it("has a row for every catalogue entry", () => {
    expect(Object.keys(table).sort()).toEqual(Object.keys(StripeSim.definition.errors).sort())
  })

  it.each(Object.entries(table))("%s → %j", async (entry, [reason, code, delivery, retryAfter]) => {
    sim.faults.add(Faults.rule(Faults.error(entry, { retryAfterSeconds: 7 }), { times: 1 }))
    const stripe = Stripe.make({ baseUrl: sim.url, secretKey: Redacted.make(sim.credentials.secretKey) })
    const error = failureOf(await Effect.runPromiseExit(stripe.createPayment(request)))
    expect([error.reason._tag, error.providerCode, error.delivery]).toEqual([reason, code, delivery])
    expect(error.retryAfter && Duration.toSeconds(error.retryAfter)).toBe(retryAfter)
    expect(error.requestId).toMatch(/^req_/)
    // a key still in use at Stripe stays with Stripe
    expect(error.canFailover).toBe(
      reason !== "Rejected" && reason !== "InvalidRequest" && entry !== "idempotency_key_in_use"
    )
    expect(sim.ledger.requests()).toHaveLength(1)
    expect(JSON.stringify(error) + error.message).not.toContain(sim.credentials.secretKey)
  })

  it("a 409 key in use is told apart from an outage by Stripe.isKeyInUse", async () => {
    sim.faults.add(Faults.rule(Faults.error("idempotency_key_in_use"), { times: 1 }))
    sim.faults.add(Faults.rule(Faults.error("api_error"), { times: 1 }))
    const stripe = Stripe.make({ baseUrl: sim.url, secretKey: Redacted.make(sim.credentials.secretKey) })
    const inUse = failureOf(await Effect.runPromiseExit(stripe.createPayment(request)))
    const outage = failureOf(await Effect.runPromiseExit(stripe.createPayment(request)))
    expect([Stripe.isKeyInUse(inUse), Stripe.isKeyInUse(outage)]).toEqual([true, false])
    // retried on Stripe, never handed to another processor
    expect([inUse.isRetryable, inUse.canFailover, inUse.sameProviderOnly]).toEqual([true, false, true])
    expect([outage.canFailover, outage.sameProviderOnly]).toEqual([true, undefined])
  })
})

describe("classification of what the catalogue cannot produce", () => {
  const rows: ReadonlyArray<readonly [string, StripeFailure, string, "notSent" | "maybeSent"]> = [
    // The SDK cannot parse a proxy's HTML page: StripeAPIError with no statusCode.
    [
      "a proxy's HTML 502",
      { type: "StripeAPIError", message: "Invalid JSON received from the Stripe API" },
      "Unavailable",
      "maybeSent"
    ],
    ["a refused connection", { type: "StripeConnectionError", networkCode: "ECONNREFUSED" }, "Unavailable", "notSent"],
    ["a reset", { type: "StripeConnectionError", networkCode: "ECONNRESET" }, "Unavailable", "maybeSent"],
    ["a 503 from the edge", { type: "StripeAPIError", statusCode: 503 }, "Unavailable", "notSent"],
    ["a 504", { type: "StripeAPIError", statusCode: 504 }, "Unavailable", "maybeSent"],
    ["a 401 without a code", { type: "StripeAuthenticationError", statusCode: 401 }, "Unauthorized", "notSent"],
    ["a 403 without a code", { type: "StripePermissionError", statusCode: 403 }, "Misconfigured", "notSent"],
    [
      "an account that can only make test charges",
      { statusCode: 400, code: "testmode_charges_only" },
      "Misconfigured",
      "notSent"
    ],
    ["a test key on a live object", { statusCode: 400, code: "livemode_mismatch" }, "Misconfigured", "notSent"],
    ["a 404 with no code: not Stripe's API", { statusCode: 404 }, "Misconfigured", "notSent"],
    ["a 409 conflict", { statusCode: 409, code: "idempotency_key_in_use" }, "Unavailable", "notSent"],
    ["a 429 named only by its class", { type: "StripeRateLimitError", statusCode: 429 }, "RateLimited", "notSent"],
    ["a StripeIdempotencyError", { type: "StripeIdempotencyError", statusCode: 400 }, "InvalidRequest", "notSent"],
    ["a throw that is not Stripe's", { message: "boom" }, "Unavailable", "maybeSent"]
  ]

  it.each(rows)("%s", (_, failure, reason, delivery) => {
    const error = classify("createPayment", failure)
    expect([error.reason._tag, error.delivery]).toEqual([reason, delivery])
  })

  it("nothing written is not sent; timeouts are TimedOut, before the write not sent", () => {
    expect(deliveryFor({ networkCode: "ECONNRESET" }, false)).toBe("notSent")
    const timeout = Duration.seconds(2)
    const sdkTimeout = classify("createPayment", { networkCode: "ETIMEDOUT" }, { timeout, written: true })
    expect([sdkTimeout.reason._tag, sdkTimeout.delivery]).toEqual(["TimedOut", "maybeSent"])
    const beforeWrite = classify("createPayment", {}, { timedOut: true, timeout, written: false })
    expect([beforeWrite.reason._tag, beforeWrite.delivery]).toEqual(["TimedOut", "notSent"])
  })

  it("says when Stripe replayed the key's first answer, and removes keys from messages", () => {
    const replayed = classify(
      "createPayment",
      { statusCode: 500, message: "An unknown error occurred", headers: { "idempotent-replayed": "true" } },
      { secrets: ["sk_test_abc123secret"] }
    )
    expect([replayed.maybeSent, replayed.reason.message]).toEqual([
      true,
      "An unknown error occurred (Stripe replayed the key's first answer)"
    ])
    const echoed = classify("refund", { statusCode: 400, message: "key sk_test_abc123secret and sk_live_****wxyz" })
    expect(echoed.reason.message).not.toMatch(/sk_(test|live)_/)
  })
})

describe("classification properties", () => {
  it("any 5xx is Unavailable, maybe sent but for 503; any other 4xx is never Unavailable but for 409", () => {
    fc.assert(
      fc.property(fc.integer({ min: 500, max: 599 }), (status) => {
        const error = classify("createPayment", { statusCode: status })
        return error.reason._tag === "Unavailable" && error.delivery === (status === 503 ? "notSent" : "maybeSent")
      })
    )
    fc.assert(
      fc.property(fc.integer({ min: 400, max: 499 }), fc.option(fc.string(), { nil: undefined }), (status, code) => {
        const tag = tagFor({ statusCode: status, code })
        return (
          (tag !== "Unavailable" || status === 409 || code === "idempotency_key_in_use") &&
          deliveryFor({ statusCode: status }) === "notSent"
        )
      })
    )
  })
})
