import { Effect, Layer } from "effect"
import { PaymentProvider } from "@wedsync/core"
import { describe, expect, it } from "vitest"
import * as PaymentProviderContract from "../../src/contracts/PaymentProviderContract.ts"
import * as StripeSim from "../../src/simulators/stripe.ts"
import * as Stripe from "../fixtures/adapters/stripe.ts"

type Port = (typeof PaymentProvider.PaymentProvider)["Service"]

const options: PaymentProviderContract.Options<StripeSim.State, StripeSim.Credentials> = {
  simulator: StripeSim.definition,
  layer: Stripe.layer,
  wrongCredentials: { ...StripeSim.definition.credentials, secretKey: "sk_test_wrong_canary_51Hq" }
}

PaymentProviderContract.suite("PaymentProviderContract: Stripe reference adapter", options)

const mutate = (change: (original: Port) => Partial<Port>) => ({
  ...options,
  layer: (target: Parameters<typeof Stripe.layer>[0]) =>
    Layer.effect(
      PaymentProvider.PaymentProvider,
      Effect.map(Effect.service(PaymentProvider.PaymentProvider), (original) => ({ ...original, ...change(original) }))
    ).pipe(Layer.provide(Stripe.layer(target)))
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
        "charges exactly once when a charge commits but its answer is lost",
        "a payment repeated with the same key (a crash and a replay) is the same payment"
      ])
    )
  })
})
