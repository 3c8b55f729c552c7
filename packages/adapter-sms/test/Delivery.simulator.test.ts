/**
 * Sent, not sent, or maybe sent, for each SMS adapter against its simulator:
 * testkit's `DeliveryContract` runs every catalogue error and every network
 * fault, with what the failed send's `delivery` must say. A refused connection or a 4xx is `notSent`, and so is
 * Vonage's HTTP 200 with a refusal inside; a reset or timeout after the
 * request was written, a 5xx or an unreadable 2xx is `maybeSent`.
 */
import { Duration, Effect, type Layer, Redacted } from "effect"
import { type IntegrationError, SmsProvider } from "@wedsync/core"
import { DeliveryContract, Faults, Simulator } from "@wedsync/testkit"
import * as TwilioSim from "@wedsync/testkit/simulators/twilio"
import * as VonageSim from "@wedsync/testkit/simulators/vonage"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Twilio, Vonage } from "../src/index.ts"

const message = new SmsProvider.SmsMessage({
  to: "+15558675310",
  from: "+15005550006",
  body: "Rehearsal moved to 6 pm."
})

type AdapterLayer = Layer.Layer<SmsProvider.SmsProvider, IntegrationError.IntegrationError>

const failedSend = (layer: AdapterLayer) =>
  Effect.runPromise(
    Effect.flip(
      Effect.flatMap(Effect.service(SmsProvider.SmsProvider), (sms) => sms.send(message)).pipe(Effect.provide(layer))
    )
  )

type Running = Simulator.Running<unknown, unknown>

const twilio = (sim: Running, baseUrl: string, timeout: Duration.Duration): AdapterLayer => {
  const credentials = sim.credentials as TwilioSim.Credentials
  return Twilio.layer({
    baseUrl,
    accountSid: credentials.accountSid,
    authToken: Redacted.make(credentials.authToken),
    timeoutMillis: Duration.toMillis(timeout)
  })
}

const vonage = (sim: Running, baseUrl: string, timeout: Duration.Duration): AdapterLayer => {
  const credentials = sim.credentials as VonageSim.Credentials
  return Vonage.layer({
    baseUrl,
    apiKey: credentials.apiKey,
    apiSecret: Redacted.make(credentials.apiSecret),
    timeoutMillis: Duration.toMillis(timeout)
  })
}

DeliveryContract.suite({
  name: "Twilio",
  start: () => Simulator.start(TwilioSim.definition, { seed: 11 }) as Promise<Running>,
  errors: TwilioSim.errors,
  failedSend: (sim, baseUrl, timeout) => failedSend(twilio(sim, baseUrl, timeout))
})

DeliveryContract.suite({
  name: "Vonage",
  start: () => Simulator.start(VonageSim.definition, { seed: 13 }) as Promise<Running>,
  errors: VonageSim.errors,
  failedSend: (sim, baseUrl, timeout) => failedSend(vonage(sim, baseUrl, timeout))
})

describe("Vonage: a refusal inside an HTTP 200", () => {
  let sim: Running
  beforeAll(async () => {
    sim = (await Simulator.start(VonageSim.definition, { seed: 13 })) as Running
  })
  afterAll(() => sim.stop())

  it("is notSent even for its internal error (status 5): Vonage answered and queued nothing", async () => {
    sim.faults.add(Faults.failTimes(1, Faults.error("internal_error")))
    const failed = await failedSend(vonage(sim, sim.url, Duration.seconds(5)))
    expect(failed).toMatchObject({ status: 200, providerCode: "5", delivery: "notSent" })
    expect(failed.reason._tag).toBe("Unavailable")
    expect(sim.ledger.sideEffects()).toHaveLength(0)
  })
})
