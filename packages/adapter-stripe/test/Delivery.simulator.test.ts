/**
 * Sent, not sent, or maybe sent, for the Stripe adapter against its
 * simulator: testkit's `DeliveryContract` runs every catalogue error and every
 * network fault through a real create.
 *
 * Stripe's SDK replays a closed connection (`ECONNRESET`) once with the same
 * idempotency key, even with its retries off, so a single reset or ambiguous
 * commit never reaches the caller: the replay answers (see `Stripe.test.ts`).
 * The failure the contract is about is the one that does reach the caller, so
 * `failedSend` lets the replay meet the same connection fault. (With the
 * contract's 300 ms timeout the adapter's own timer usually ends the call
 * first, during the SDK's 500 ms pause before its replay: `TimedOut`, maybe
 * sent, since the first request was written.)
 */
import { type Duration, Effect, Redacted } from "effect"
import { PaymentProvider } from "@wedsync/core"
import { DeliveryContract, Simulator } from "@wedsync/testkit"
import * as StripeSim from "@wedsync/testkit/simulators/stripe"
import { Stripe } from "../src/index.ts"

type Running = Simulator.Running<unknown, unknown>

let sends = 0

const replayedFaults: ReadonlyArray<string> = ["Reset", "AmbiguousCommit"]

DeliveryContract.suite({
  name: "Stripe",
  start: () => Simulator.start(StripeSim.definition, { seed: 11 }) as Promise<Running>,
  errors: StripeSim.definition.errors,
  failedSend: (sim, baseUrl, timeout: Duration.Duration) => {
    for (const rule of sim.faults.rules) {
      if (rule.fault !== undefined && replayedFaults.includes(rule.fault._tag)) sim.faults.add(rule)
    }
    const request = new PaymentProvider.CreatePaymentRequest({
      amount: 120_000,
      currency: "gbp",
      paymentMethod: "pm_card_visa",
      confirm: true,
      captureMethod: "automatic",
      metadata: { weddingId: "w_delivery" },
      idempotencyKey: Stripe.idempotencyKey({
        operation: "createPayment",
        bookingId: "b_delivery",
        instalment: ++sends
      })
    })
    const secretKey = Redacted.make((sim.credentials as StripeSim.Credentials).secretKey)
    return Effect.runPromise(
      Effect.flip(
        Effect.flatMap(Effect.service(PaymentProvider.PaymentProvider), (stripe) => stripe.createPayment(request)).pipe(
          Effect.provide(Stripe.layer({ baseUrl, secretKey, timeout }))
        )
      )
    )
  }
})
