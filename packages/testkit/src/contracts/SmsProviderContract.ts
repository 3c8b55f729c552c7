/**
 * The contract every `SmsProvider` adapter must keep, run against its real
 * SDK pointed at the provider's simulator: a send succeeds with the
 * provider's message id and segment count; every error in the simulator's
 * catalogue (Twilio's `code` bodies, Vonage's HTTP 200 answers with an error
 * status inside) is classified to its reason; plus the checks every port
 * shares (Retry-After, timeouts that abort, network failures, one request per
 * attempt, no leaked secrets).
 *
 * @example
 * ```ts
 * SmsProviderContract.suite("Twilio", {
 *   simulator: TwilioSim.definition,
 *   layer: ({ baseUrl, credentials }) => Twilio.layer({ baseUrl, accountSid: credentials.accountSid, authToken: Redacted.make(credentials.authToken) }),
 *   wrongCredentials: { ...TwilioSim.definition.credentials, authToken: "wrong-canary-token" }
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { SmsProvider } from "@wedsync/core"
import { expect } from "vitest"
import {
  type Check,
  type CheckResult,
  commonChecks,
  register,
  type SuiteOptions,
  successOf,
  verify as verifyChecks
} from "../internal/contract.ts"

type Port = (typeof SmsProvider.SmsProvider)["Service"]

/** Options of the SMS contract. @since 0.1.0 */
export interface Options<State, Credentials> extends SuiteOptions<State, Credentials, SmsProvider.SmsProvider> {
  /** The message the checks send; its sender must be accepted by the simulator. */
  readonly message?: SmsProvider.SmsMessage
}

/** The message the checks send unless the options give another. @since 0.1.0 */
export const defaultMessage = new SmsProvider.SmsMessage({
  from: "+15005550006",
  to: "+14155550123",
  body: "Reminder: the florist arrives at 9am tomorrow.",
  metadata: { weddingId: "w_contract" }
})

/**
 * The checks of the SMS contract.
 *
 * @since 0.1.0
 */
export const checks = <State, Credentials>(
  options: Options<State, Credentials>
): ReadonlyArray<Check<State, Credentials, SmsProvider.SmsProvider>> => {
  const message = options.message ?? defaultMessage
  const send = (port: Port) => port.send(message)
  return [
    {
      name: "sends a message and returns the provider's message id",
      run: async (environment) => {
        const receipt = successOf(await environment.run(Effect.flatMap(Effect.service(SmsProvider.SmsProvider), send)))
        const effects = environment.sim.ledger.sideEffects()
        expect(effects).toHaveLength(1)
        expect(receipt.messageId).toBe(effects[0]?.id)
        expect(["queued", "accepted", "sent"]).toContain(receipt.status)
        expect(environment.sim.ledger.requests()).toHaveLength(1)
      }
    },
    {
      name: "reports the segment count of a long message",
      run: async (environment) => {
        const long = new SmsProvider.SmsMessage({ ...message, body: "Your wedding day timeline: ".repeat(8) })
        const receipt = successOf(
          await environment.run(Effect.flatMap(Effect.service(SmsProvider.SmsProvider), (port) => port.send(long)))
        )
        expect(receipt.segments).toBe(2)
      }
    },
    ...commonChecks<State, Credentials, SmsProvider.SmsProvider, Port>(
      (port) => port.provider,
      SmsProvider.SmsProvider,
      send,
      options.simulator.errors
    )
  ]
}

/**
 * Registers the SMS contract as vitest tests, one per check.
 *
 * @since 0.1.0
 */
export const suite = <State, Credentials>(name: string, options: Options<State, Credentials>): void =>
  register(name, "sms", options, checks(options))

/**
 * Runs the SMS contract and reports each check.
 *
 * @since 0.1.0
 */
export const verify = <State, Credentials>(options: Options<State, Credentials>): Promise<ReadonlyArray<CheckResult>> =>
  verifyChecks("sms", options, checks(options))
