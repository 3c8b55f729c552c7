/**
 * The Twilio adapter against the simulator, entry by entry: every catalogue
 * error classified with Retry-After and the request id, timeouts, network
 * failures, and interruption aborting the request.
 */
import { Cause, Duration, Effect, Exit, Option, Redacted } from "effect"
import { type IntegrationError, SmsProvider } from "@wedsync/core"
import { Faults, Simulator } from "@wedsync/testkit"
import * as TwilioSim from "@wedsync/testkit/simulators/twilio"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { Twilio } from "../src/index.ts"

let sim: Simulator.Running<TwilioSim.State, TwilioSim.Credentials>

beforeAll(async () => {
  sim = await Simulator.start(TwilioSim.definition, { seed: 11 })
})
afterAll(() => sim.stop())
beforeEach(() => sim.reset())

const SEND = { to: "+15558675310", from: "+15005550006", body: "Rehearsal moved to 6 pm." }

describe("the Twilio adapter against the simulator", () => {
  const run = <A, E>(effect: Effect.Effect<A, E, SmsProvider.SmsProvider>, timeout = 2_000) =>
    Effect.runPromiseExit(
      Effect.provide(
        effect,
        Twilio.layer({
          baseUrl: sim.url,
          accountSid: sim.credentials.accountSid,
          authToken: Redacted.make(sim.credentials.authToken),
          timeoutMillis: timeout
        })
      )
    )
  const send = Effect.flatMap(Effect.service(SmsProvider.SmsProvider), (sms) =>
    sms.send(new SmsProvider.SmsMessage({ to: SEND.to, from: SEND.from, body: SEND.body }))
  )
  const errorOf = (exit: Exit.Exit<unknown, IntegrationError.IntegrationError>): IntegrationError.IntegrationError => {
    if (Exit.isSuccess(exit)) throw new Error("expected a failure")
    const error = Option.getOrUndefined(Cause.findErrorOption(exit.cause))
    if (error === undefined) throw new Error(`expected an IntegrationError, got ${Cause.pretty(exit.cause)}`)
    return error
  }

  it("sends and returns a receipt", async () => {
    const exit = await run(send)
    expect(Exit.isSuccess(exit) && exit.value).toMatchObject({ provider: "twilio", status: "queued", segments: 1 })
  })

  it("classifies every catalogue entry, with Retry-After and the request id", async () => {
    for (const [name, entry] of Object.entries(TwilioSim.errors)) {
      sim.reset()
      sim.faults.add(Faults.rule(Faults.error(name, { retryAfterSeconds: 7 })))
      const error = errorOf(await run(send))
      expect([name, error.reason._tag]).toEqual([name, entry.reason])
      expect(error.requestId).toMatch(/^RQ[0-9a-f]{32}$/)
      if (name === "too_many_requests") expect(error.retryAfter && Duration.toSeconds(error.retryAfter)).toBe(7)
      expect(JSON.stringify(error)).not.toContain(sim.credentials.authToken)
    }
  })

  it("maps a timeout to TimedOut and network failures to Unavailable", async () => {
    sim.faults.add(Faults.rule(Faults.hang, { times: 1 }))
    expect(errorOf(await run(send, 300)).reason._tag).toBe("TimedOut")
    for (const fault of [Faults.reset, Faults.malformed]) {
      sim.faults.add(Faults.rule(fault, { times: 1 }))
      expect(errorOf(await run(send)).reason._tag).toBe("Unavailable")
    }
  })

  it("interruption aborts the HTTP request", async () => {
    sim.faults.add(Faults.rule(Faults.hang))
    await run(Effect.timeout(send, 100))
    await expect.poll(() => sim.ledger.requests()[0]?.outcome).toBe("clientAborted")
  })
})
