/**
 * Sent, not sent, or maybe sent, for each SMS adapter against its simulator:
 * every catalogue error and every network fault, with what the failed send's
 * `delivery` must say. A refused connection or a 4xx is `notSent`, and so is
 * Vonage's HTTP 200 with a refusal inside; a reset or timeout after the
 * request was written, a 5xx or an unreadable 2xx is `maybeSent`.
 */
import { Duration, Effect, type Layer, Redacted } from "effect"
import { type IntegrationError, SmsProvider } from "@wedsync/core"
import { Faults, Simulator } from "@wedsync/testkit"
import * as TwilioSim from "@wedsync/testkit/simulators/twilio"
import * as VonageSim from "@wedsync/testkit/simulators/vonage"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
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

interface Case {
  readonly name: string
  readonly start: () => Promise<Running>
  readonly errors: Readonly<Record<string, Simulator.ErrorEntry>>
  readonly connect: (sim: Running, baseUrl: string, timeout: Duration.Duration) => AdapterLayer
}

const cases: ReadonlyArray<Case> = [
  {
    name: "Twilio",
    start: () => Simulator.start(TwilioSim.definition, { seed: 11 }) as Promise<Running>,
    errors: TwilioSim.errors,
    connect: (sim, baseUrl, timeout) => {
      const credentials = sim.credentials as TwilioSim.Credentials
      return Twilio.layer({
        baseUrl,
        accountSid: credentials.accountSid,
        authToken: Redacted.make(credentials.authToken),
        timeoutMillis: Duration.toMillis(timeout)
      })
    }
  },
  {
    name: "Vonage",
    start: () => Simulator.start(VonageSim.definition, { seed: 13 }) as Promise<Running>,
    errors: VonageSim.errors,
    connect: (sim, baseUrl, timeout) => {
      const credentials = sim.credentials as VonageSim.Credentials
      return Vonage.layer({
        baseUrl,
        apiKey: credentials.apiKey,
        apiSecret: Redacted.make(credentials.apiSecret),
        timeoutMillis: Duration.toMillis(timeout)
      })
    }
  }
]

for (const { name, start, errors, connect } of cases) {
  describe(`${name}: whether a failed send may have reached ${name}`, () => {
    let sim: Running
    beforeAll(async () => {
      sim = await start()
    })
    afterAll(() => sim.stop())
    beforeEach(() => sim.reset())

    const adapter = (timeout = Duration.seconds(5)) => connect(sim, sim.url, timeout)

    it.each(Object.entries(errors))("catalogue error %s: a 5xx maybeSent, any other notSent", async (entry, error) => {
      const status = error.reply({} as Simulator.SimRequest, { retryAfterSeconds: 1 }).status
      sim.faults.add(Faults.failTimes(1, Faults.error(entry, { retryAfterSeconds: 1 })))
      const failed = await failedSend(adapter())
      expect(failed.reason._tag).toBe(error.reason)
      expect(failed.delivery).toBe(status >= 500 ? "maybeSent" : "notSent")
    })

    it("a 429 is notSent", async () => {
      sim.faults.add(Faults.failTimes(1, Faults.error("rateLimited", { retryAfterSeconds: 1 })))
      const failed = await failedSend(adapter())
      expect(failed.reason._tag).toBe("RateLimited")
      expect(failed.delivery).toBe("notSent")
      expect(failed.notSent).toBe(true)
    })

    const faults: ReadonlyArray<readonly [string, Faults.Fault, IntegrationError.Delivery]> = [
      ["a reset after the request was read", Faults.reset, "maybeSent"],
      ["an ambiguous commit (carried out, then the connection dropped)", Faults.ambiguousCommit, "maybeSent"],
      ["a malformed 2xx", Faults.malformed, "maybeSent"],
      ["a hang past the adapter's own timeout", Faults.hang, "maybeSent"]
    ]
    it.each(faults)("%s is %s", async (_, fault, expected) => {
      sim.faults.add(Faults.rule(fault, { times: 1 }))
      const failed = await failedSend(adapter(Duration.millis(300)))
      expect(failed.delivery).toBe(expected)
      expect(failed.maybeSent).toBe(expected === "maybeSent")
    })

    it("a refused connection is notSent", async () => {
      const port = await Simulator.closedPort()
      const failed = await failedSend(connect(sim, `http://127.0.0.1:${port}`, Duration.seconds(5)))
      expect(failed.reason._tag).toBe("Unavailable")
      expect(failed.delivery).toBe("notSent")
    })
  })
}

describe("Vonage: a refusal inside an HTTP 200", () => {
  let sim: Running
  beforeAll(async () => {
    sim = (await Simulator.start(VonageSim.definition, { seed: 13 })) as Running
  })
  afterAll(() => sim.stop())

  it("is notSent even for its internal error (status 5): Vonage answered and queued nothing", async () => {
    sim.faults.add(Faults.failTimes(1, Faults.error("internal_error")))
    const failed = await failedSend(cases[1]!.connect(sim, sim.url, Duration.seconds(5)))
    expect(failed).toMatchObject({ status: 200, providerCode: "5", delivery: "notSent" })
    expect(failed.reason._tag).toBe("Unavailable")
    expect(sim.ledger.sideEffects()).toHaveLength(0)
  })
})
