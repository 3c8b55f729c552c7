/**
 * Twilio status lookups against the simulator through the real SDK: a
 * message that advanced to delivered (or, set in the simulator's state, to
 * undelivered / failed / still queued), an unknown sid, a malformed one, and
 * injected faults classified.
 */
import { Cause, Config, ConfigProvider, Duration, Effect, Exit, Option, Redacted } from "effect"
import { DeliveryEvent, type IntegrationError, SmsProvider } from "@wedsync/core"
import { Faults, Simulator, Webhooks } from "@wedsync/testkit"
import * as TwilioSim from "@wedsync/testkit/simulators/twilio"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { Twilio, TwilioStatus, TwilioWebhooks } from "../src/index.ts"
import { accepted, requestOf, verifyWith } from "./webhookHelpers.ts"

let sim: Simulator.Running<TwilioSim.State, TwilioSim.Credentials>

beforeAll(async () => {
  sim = await Simulator.start(TwilioSim.definition, { seed: 23 })
})
afterAll(() => sim.stop())
beforeEach(() => sim.reset())

const options = (timeoutMillis = 2_000) => ({
  baseUrl: sim.url,
  accountSid: sim.credentials.accountSid,
  authToken: Redacted.make(sim.credentials.authToken),
  timeoutMillis
})

const TO = "+447700900123"
const sent = async (): Promise<string> => {
  const receipt = await Effect.runPromise(
    Twilio.make(options()).send(new SmsProvider.SmsMessage({ to: TO, from: "+15005550006", body: "Cake at 4 pm." }))
  )
  await sim.settle()
  return receipt.messageId
}

const lookup = (sid: string, timeoutMillis?: number) =>
  Effect.runPromiseExit(TwilioStatus.make(options(timeoutMillis)).lookup(sid))

const found = (exit: Exit.Exit<Option.Option<DeliveryEvent.DeliveryEvent>, IntegrationError.IntegrationError>) => {
  if (Exit.isFailure(exit)) throw new Error(`expected an answer, got ${Cause.pretty(exit.cause)}`)
  return exit.value
}

const failed = (exit: Exit.Exit<unknown, IntegrationError.IntegrationError>): IntegrationError.IntegrationError => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const error = Option.getOrUndefined(Cause.findErrorOption(exit.cause))
  if (error === undefined) throw new Error(`expected an IntegrationError, got ${Cause.pretty(exit.cause)}`)
  expect(JSON.stringify(error)).not.toContain(sim.credentials.authToken)
  expect(String(error)).not.toContain(sim.credentials.authToken)
  return error
}

const stored = (sid: string) => {
  const message = sim.state.messages.get(sid)
  if (message === undefined) throw new Error(`the simulator holds no ${sid}`)
  return message
}

describe("TwilioStatus against the simulator", () => {
  it("a message that advanced to delivered is reported delivered, as reconciliation", async () => {
    const sid = await sent()
    const event = Option.getOrThrow(found(await lookup(sid)))
    expect(event).toBeInstanceOf(DeliveryEvent.DeliveryEvent)
    expect(event).toMatchObject({
      id: `twilio:${sid}:delivered`,
      channel: "sms",
      provider: "twilio",
      messageId: sid,
      status: "delivered",
      recipient: TO,
      source: "reconciliation"
    })
    // Twilio's dates have whole seconds.
    expect(event.occurredAt).toBe(Math.floor(stored(sid).dateUpdated.getTime() / 1000) * 1000)
    const request = sim.ledger.requests().at(-1)
    expect([request?.method, request?.operation, request?.path]).toEqual([
      "GET",
      "messages.fetch",
      `/2010-04-01/Accounts/${sim.credentials.accountSid}/Messages/${sid}.json`
    ])
  })

  it("an undelivered message carries its carrier code, with the id its status callback has", async () => {
    const sid = await sent()
    Object.assign(stored(sid), { status: "undelivered", errorCode: 30003 })
    const event = Option.getOrThrow(found(await lookup(sid)))
    expect(event).toMatchObject({
      status: "undelivered",
      providerCode: "30003",
      description: "Unreachable destination handset"
    })
    const callback = TwilioSim.events.messageStatus(stored(sid), "undelivered", { errorCode: 30003 })
    const delivery = Webhooks.build(TwilioSim.signer, sim.credentials, callback, "https://hooks.wedsync.test/twilio")
    const source = TwilioWebhooks.make({ authToken: Redacted.make(sim.credentials.authToken) })
    const [fromWebhook] = Effect.runSync(
      TwilioWebhooks.deliveryEvents(accepted(verifyWith(source, requestOf(delivery))))
    )
    expect(fromWebhook?.id).toBe(event.id)
  })

  it("a failed message keeps Twilio's error message", async () => {
    const sid = await sent()
    Object.assign(stored(sid), { status: "failed", errorCode: 30007, errorMessage: "Carrier violation" })
    expect(Option.getOrThrow(found(await lookup(sid)))).toMatchObject({
      status: "failed",
      providerCode: "30007",
      description: "Carrier violation"
    })
  })

  it("None while Twilio still holds the message", async () => {
    const sid = await sent()
    for (const status of ["accepted", "scheduled", "queued", "sending"] as const) {
      stored(sid).status = status
      expect([status, Option.isNone(found(await lookup(sid)))]).toEqual([status, true])
    }
  })

  it("an unknown sid is Rejected (Twilio 20404), with the request id", async () => {
    const error = failed(await lookup("SM00000000000000000000000000000000"))
    expect([error.operation, error.reason._tag, error.status, error.providerCode]).toEqual([
      "lookup",
      "Rejected",
      404,
      "20404"
    ])
    expect(error.requestId).toMatch(/^RQ[0-9a-f]{32}$/)
  })

  it("a malformed sid is InvalidRequest, and no request is made", async () => {
    for (const sid of ["", "../Messages", "SM123?x=1"]) {
      expect(failed(await lookup(sid)).reason._tag).toBe("InvalidRequest")
    }
    expect(sim.ledger.requests()).toHaveLength(0)
  })

  it("injected faults on messages.fetch are classified", async () => {
    const sid = await sent()
    sim.faults.add(
      Faults.rule(Faults.error("too_many_requests", { retryAfterSeconds: 4 }), {
        operation: "messages.fetch",
        times: 1
      })
    )
    const limited = failed(await lookup(sid))
    expect(limited.reason._tag).toBe("RateLimited")
    expect(limited.retryAfter && Duration.toSeconds(limited.retryAfter)).toBe(4)
    sim.faults.add(Faults.rule(Faults.error("service_unavailable"), { operation: "messages.fetch", times: 1 }))
    expect(failed(await lookup(sid)).reason._tag).toBe("Unavailable")
    sim.faults.add(Faults.rule(Faults.hang, { operation: "messages.fetch", times: 1 }))
    expect(failed(await lookup(sid, 300)).reason._tag).toBe("TimedOut")
    sim.faults.add(Faults.rule(Faults.reset, { operation: "messages.fetch", times: 1 }))
    expect(failed(await lookup(sid)).reason._tag).toBe("Unavailable")
    expect(Option.isSome(found(await lookup(sid)))).toBe(true)
  })

  it("a wrong Auth Token is Unauthorized and does not leak", async () => {
    const sid = await sent()
    const wrong = "0000wrong0canary0token0000000000"
    const exit = await Effect.runPromiseExit(
      TwilioStatus.make({ ...options(), authToken: Redacted.make(wrong) }).lookup(sid)
    )
    const error = failed(exit)
    expect(error.reason._tag).toBe("Unauthorized")
    expect(JSON.stringify(error)).not.toContain(wrong)
  })

  it("layerConfig reads its options from the ConfigProvider", async () => {
    const sid = await sent()
    const program = Effect.flatMap(Effect.service(DeliveryEvent.DeliveryStatus), (status) => status.lookup(sid)).pipe(
      Effect.provide(
        TwilioStatus.layerConfig({
          accountSid: Config.String("TWILIO_ACCOUNT_SID"),
          authToken: Config.Redacted("TWILIO_AUTH_TOKEN"),
          baseUrl: Config.String("TWILIO_BASE_URL")
        })
      ),
      Effect.provide(
        ConfigProvider.layer(
          ConfigProvider.fromUnknown({
            TWILIO_ACCOUNT_SID: sim.credentials.accountSid,
            TWILIO_AUTH_TOKEN: sim.credentials.authToken,
            TWILIO_BASE_URL: sim.url
          })
        )
      )
    )
    expect(Option.getOrThrow(await Effect.runPromise(program)).status).toBe("delivered")
  })
})
