/**
 * The contract every `PaymentProvider` adapter must keep, run against its
 * real SDK pointed at the provider's simulator. Beyond the checks every port
 * shares (error catalogue, Retry-After, timeouts that abort, network failures,
 * one request per attempt, no leaked secrets), money has its own:
 * - the request's idempotency key goes over the wire on every attempt, the
 *   same one across in-call retries;
 * - an ambiguous commit (charged, then the connection dropped) followed by a
 *   retry charges exactly once;
 * - payments can be confirmed, captured, refunded, retrieved and found by
 *   their metadata (the wedding id).
 *
 * @example
 * ```ts
 * PaymentProviderContract.suite("Stripe", {
 *   simulator: StripeSim.definition,
 *   layer: ({ baseUrl, credentials }) => Stripe.layer({ baseUrl, secretKey: Redacted.make(credentials.secretKey) }),
 *   wrongCredentials: { ...StripeSim.definition.credentials, secretKey: "sk_test_wrong_canary" }
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { PaymentProvider, Resilience } from "@wedsync/core"
import { expect } from "vitest"
import * as Faults from "../Faults.ts"
import {
  type Check,
  type CheckResult,
  commonChecks,
  register,
  type SuiteOptions,
  successOf,
  verify as verifyChecks
} from "../internal/contract.ts"

type Port = (typeof PaymentProvider.PaymentProvider)["Service"]

/** Options of the payment contract. @since 0.1.0 */
export interface Options<State, Credentials> extends SuiteOptions<State, Credentials, PaymentProvider.PaymentProvider> {
  /** A payment method the simulator charges successfully (default Stripe's `pm_card_visa`). */
  readonly paymentMethod?: string
}

let keys = 0
const freshKey = () => `contract-${process.pid}-${Date.now()}-${++keys}`

/**
 * The checks of the payment contract.
 *
 * @since 0.1.0
 */
export const checks = <State, Credentials>(
  options: Options<State, Credentials>
): ReadonlyArray<Check<State, Credentials, PaymentProvider.PaymentProvider>> => {
  const request = (overrides: Partial<PaymentProvider.CreatePaymentRequest> = {}) =>
    new PaymentProvider.CreatePaymentRequest({
      amount: 250_000,
      currency: "gbp",
      paymentMethod: options.paymentMethod ?? "pm_card_visa",
      description: "Venue deposit",
      metadata: { weddingId: "w_contract" },
      captureMethod: "automatic",
      confirm: true,
      idempotencyKey: freshKey(),
      ...overrides
    })
  const use = <A, R>(f: (port: Port) => Effect.Effect<A, unknown, R>) =>
    Effect.flatMap(Effect.service(PaymentProvider.PaymentProvider), f)
  // A create under core's in-call retry: up to three attempts within five seconds.
  const retrying = { timeoutMillis: 5_000, inCall: { maxAttempts: 3, baseDelayMillis: 10, maxDelayMillis: 20 } }
  // `idempotent`: the create carries its idempotency key, so repeating one that was maybe sent (a 500,
  // a reset) answers the first result instead of charging again; that is how a payment caller calls it.
  const retried = (create: PaymentProvider.CreatePaymentRequest) =>
    use((port) =>
      port.createPayment(create).pipe(
        Resilience.protect({
          service: "payment",
          provider: port.provider,
          operation: "createPayment",
          idempotent: true
        })
      )
    )
  const chargesUnder = <E extends { readonly key?: string }>(effects: ReadonlyArray<E>, key: string) =>
    effects.filter((effect) => effect.key === key)
  return [
    {
      name: "creates and confirms a payment in one call, under the caller's idempotency key",
      run: async (environment) => {
        const create = request()
        const payment = successOf(await environment.run(use((port) => port.createPayment(create))))
        expect([payment.status, payment.amount, payment.currency]).toEqual(["succeeded", 250_000, "gbp"])
        expect(payment.metadata).toMatchObject({ weddingId: "w_contract" })
        const [sent] = environment.sim.ledger.requests()
        expect(sent?.headers["idempotency-key"]).toBe(create.idempotencyKey)
        expect(chargesUnder(environment.sim.ledger.sideEffects(), create.idempotencyKey)).toHaveLength(1)
      }
    },
    {
      name: "authorises, captures, refunds, retrieves and finds a payment by metadata",
      run: async (environment) => {
        const weddingId = `w_${freshKey().replaceAll("-", "_")}`
        const created = successOf(
          await environment.run(
            use((port) => port.createPayment(request({ captureMethod: "manual", metadata: { weddingId } })))
          )
        )
        expect(created.status).toBe("requires_capture")
        const captured = successOf(
          await environment.run(use((port) => port.capturePayment(created.id, { idempotencyKey: freshKey() })))
        )
        expect(captured.status).toBe("succeeded")
        const refund = successOf(
          await environment.run(
            use((port) =>
              port.refund(
                new PaymentProvider.RefundRequest({ paymentId: created.id, amount: 50_000, idempotencyKey: freshKey() })
              )
            )
          )
        )
        expect([refund.paymentId, refund.amount]).toEqual([created.id, 50_000])
        const retrieved = successOf(await environment.run(use((port) => port.retrievePayment(created.id))))
        expect(retrieved.id).toBe(created.id)
        const found = successOf(
          await environment.run(use((port) => port.findPaymentsByMetadata("weddingId", weddingId)))
        )
        expect(found.map((payment) => payment.id)).toEqual([created.id])
      }
    },
    {
      name: "keeps one idempotency key across in-call retries",
      run: async (environment) => {
        environment.sim.faults.add(Faults.failTimes(2, Faults.error("unavailable")))
        const create = request()
        const payment = successOf(await environment.run(retried(create), {}, retrying))
        const sent = environment.sim.ledger.requests().map((entry) => entry.headers["idempotency-key"])
        expect(sent).toEqual([create.idempotencyKey, create.idempotencyKey, create.idempotencyKey])
        expect(chargesUnder(environment.sim.ledger.sideEffects(), create.idempotencyKey)).toHaveLength(1)
        expect(payment.status).toBe("succeeded")
      }
    },
    {
      name: "charges exactly once when a charge commits but its answer is lost",
      run: async (environment) => {
        environment.sim.faults.add(Faults.failTimes(1, Faults.ambiguousCommit))
        const create = request()
        const payment = successOf(await environment.run(retried(create), {}, retrying))
        const charges = chargesUnder(environment.sim.ledger.sideEffects(), create.idempotencyKey)
        expect(charges).toHaveLength(1)
        expect(payment.id).toBe(charges[0]?.id)
      }
    },
    {
      name: "a payment repeated with the same key (a crash and a replay) is the same payment",
      run: async (environment) => {
        const create = request()
        const first = successOf(await environment.run(use((port) => port.createPayment(create))))
        const again = successOf(await environment.run(use((port) => port.createPayment(create))))
        expect(again.id).toBe(first.id)
        expect(chargesUnder(environment.sim.ledger.sideEffects(), create.idempotencyKey)).toHaveLength(1)
      }
    },
    ...commonChecks<State, Credentials, PaymentProvider.PaymentProvider, Port>(
      (port) => port.provider,
      PaymentProvider.PaymentProvider,
      (port) => port.createPayment(request()),
      options.simulator.errors
    )
  ]
}

/**
 * Registers the payment contract as vitest tests, one per check.
 *
 * @since 0.1.0
 */
export const suite = <State, Credentials>(name: string, options: Options<State, Credentials>): void =>
  register(name, "payment", options, checks(options))

/**
 * Runs the payment contract and reports each check.
 *
 * @since 0.1.0
 */
export const verify = <State, Credentials>(options: Options<State, Credentials>): Promise<ReadonlyArray<CheckResult>> =>
  verifyChecks("payment", options, checks(options))
