/**
 * The Vonage adapter against the simulator, entry by entry: every catalogue
 * error (in-band statuses included) classified, the idempotency key as
 * client-ref, timeouts, network failures, and interruption aborting the
 * request.
 */
import { Cause, Duration, Effect, Exit, Option, Redacted } from "effect"
import { type IntegrationError, SmsProvider } from "@wedsync/core"
import { Faults, Simulator } from "@wedsync/testkit"
import * as VonageSim from "@wedsync/testkit/simulators/vonage"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { Vonage } from "../src/index.ts"

let sim: Simulator.Running<VonageSim.State, VonageSim.Credentials>

beforeAll(async () => {
  sim = await Simulator.start(VonageSim.definition, { seed: 13 })
})
afterAll(() => sim.stop())
beforeEach(() => sim.reset())

describe("the Vonage adapter against the simulator", () => {
  const run = <A, E>(effect: Effect.Effect<A, E, SmsProvider.SmsProvider>, timeoutMillis = 2_000, baseUrl = sim.url) =>
    Effect.runPromiseExit(
      Effect.provide(
        effect,
        Vonage.layer({
          baseUrl,
          apiKey: sim.credentials.apiKey,
          apiSecret: Redacted.make(sim.credentials.apiSecret),
          timeoutMillis
        })
      )
    )
  const message = new SmsProvider.SmsMessage({
    to: "+447700900000",
    from: "+447700900001",
    body: "Rehearsal moved to 6 pm.",
    idempotencyKey: "wedding-42-reminder"
  })
  const send = Effect.flatMap(Effect.service(SmsProvider.SmsProvider), (sms) => sms.send(message))
  const errorOf = (exit: Exit.Exit<unknown, unknown>): IntegrationError.IntegrationError => {
    if (Exit.isSuccess(exit)) throw new Error("expected a failure")
    const error = Option.getOrUndefined(Cause.findErrorOption(exit.cause))
    if (error === undefined) throw new Error(`expected an IntegrationError, got ${Cause.pretty(exit.cause)}`)
    return error as IntegrationError.IntegrationError
  }

  it("sends, passing the idempotency key as client-ref", async () => {
    const exit = await run(send)
    expect(Exit.isSuccess(exit) && exit.value).toMatchObject({ provider: "vonage", status: "accepted", segments: 1 })
    expect(JSON.parse(sim.ledger.requests()[0]?.body ?? "{}")["client-ref"]).toBe("wedding-42-reminder")
  })

  it("classifies every catalogue entry, in-band statuses included", async () => {
    for (const [name, entry] of Object.entries(VonageSim.errors)) {
      sim.reset()
      sim.faults.add(Faults.rule(Faults.error(name, { retryAfterSeconds: 7 })))
      const error = errorOf(await run(send))
      expect([name, error.reason._tag]).toEqual([name, entry.reason])
      if (name === "rate_limit_hit") expect(error.retryAfter && Duration.toSeconds(error.retryAfter)).toBe(7)
      expect(JSON.stringify(error)).not.toContain(sim.credentials.apiSecret)
      expect(sim.ledger.requests()).toHaveLength(1)
    }
  })

  it("maps a timeout to TimedOut and reset, refusal and garbage to Unavailable", async () => {
    sim.faults.add(Faults.rule(Faults.hang, { times: 1 }))
    expect(errorOf(await run(send, 300)).reason._tag).toBe("TimedOut")
    for (const fault of [Faults.reset, Faults.malformed]) {
      sim.faults.add(Faults.rule(fault, { times: 1 }))
      expect(errorOf(await run(send)).reason._tag).toBe("Unavailable")
    }
    const closed = `http://127.0.0.1:${await Simulator.closedPort()}`
    expect(errorOf(await run(send, 2_000, closed)).reason._tag).toBe("Unavailable")
  })

  it("interruption aborts the HTTP request", async () => {
    sim.faults.add(Faults.rule(Faults.hang))
    await run(Effect.timeout(send, 100))
    await expect.poll(() => sim.ledger.requests()[0]?.outcome).toBe("clientAborted")
  })
})
