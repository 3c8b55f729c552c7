/**
 * The payment contract against the Stripe adapter on the real SDK pointed at
 * the simulator, and the contract itself shown to fail against deliberately
 * wrong mutations of it (moved here from testkit with the reference adapter
 * it replaced: testkit cannot depend on an adapter package).
 */
import { Effect, Layer, Redacted } from "effect"
import { PaymentProvider } from "@wedsync/core"
import { PaymentProviderContract } from "@wedsync/testkit"
import * as StripeSim from "@wedsync/testkit/simulators/stripe"
import { describe, expect, it } from "vitest"
import { Stripe } from "../src/index.ts"

type Port = (typeof PaymentProvider.PaymentProvider)["Service"]

const options: PaymentProviderContract.Options<StripeSim.State, StripeSim.Credentials> = {
  simulator: StripeSim.definition,
  layer: ({ baseUrl, credentials }) => Stripe.layer({ baseUrl, secretKey: Redacted.make(credentials.secretKey) }),
  wrongCredentials: { ...StripeSim.definition.credentials, secretKey: "sk_test_wrong_canary_51Hq" }
}

PaymentProviderContract.suite("PaymentProviderContract: Stripe", options)

const mutate = (change: (original: Port) => Partial<Port>) => ({
  ...options,
  layer: (target: Parameters<typeof options.layer>[0]) =>
    Layer.effect(
      PaymentProvider.PaymentProvider,
      Effect.map(Effect.service(PaymentProvider.PaymentProvider), (original) => ({ ...original, ...change(original) }))
    ).pipe(Layer.provide(options.layer(target)))
})

const failedChecks = async (wrong: PaymentProviderContract.Options<StripeSim.State, StripeSim.Credentials>) =>
  (await PaymentProviderContract.verify(wrong)).filter((result) => !result.passed).map((result) => result.name)

describe("PaymentProviderContract fails against deliberately wrong adapters", () => {
  it("an adapter that makes a new idempotency key for every attempt", async () => {
    let attempt = 0
    const failed = await failedChecks(
      mutate((original) => ({
        createPayment: (request) =>
          Effect.suspend(() =>
            original.createPayment(
              new PaymentProvider.CreatePaymentRequest({ ...request, idempotencyKey: `attempt-${++attempt}` })
            )
          )
      }))
    )
    expect(failed).toEqual(
      expect.arrayContaining([
        "creates and confirms a payment in one call, under the caller's idempotency key",
        "keeps one idempotency key across in-call retries",
        "a payment repeated with the same key (a crash and a replay) is the same payment"
      ])
    )
  })

  it("an adapter that retries on its own", async () => {
    const failed = await failedChecks(
      mutate((original) => ({
        createPayment: (request) => original.createPayment(request).pipe(Effect.retry({ times: 1 }))
      }))
    )
    expect(failed).toContain("sends exactly one HTTP request per attempt (the SDK's own retries are off)")
  })
})
