/**
 * Resend's status lookup against the simulator through the real SDK: emails
 * sent through the Resend adapter, their `last_event` driven by the
 * simulator's recipients and state; every `last_event` value; the ids shared
 * with the webhook decoder; unknown ids; injected faults; the key never in an
 * error.
 */
import { describe, it as effectIt } from "@effect/vitest"
import { Config, ConfigProvider, Duration, Effect, Exit, Layer, Option, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { DeliveryEvent, EmailProvider } from "@wedsync/core"
import { Faults, Simulator, Webhooks } from "@wedsync/testkit"
import * as ResendSim from "@wedsync/testkit/simulators/resend"
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest"
import { Resend, ResendStatus, ResendWebhooks } from "../src/index.ts"
import { failureOf, renderings, toRequest, successOf, verifyWith } from "./fixtures/webhookRequests.ts"

let sim: Simulator.Running<ResendSim.State, ResendSim.Credentials>
beforeAll(async () => {
  sim = await Simulator.start(ResendSim.definition)
})
afterAll(() => sim.stop())
beforeEach(() => sim.reset())

const WRONG_KEY = "re_wrong_status_canary_71c"

const status = (options: Partial<Resend.Options> = {}) =>
  ResendStatus.layer({ apiKey: Redacted.make(sim.credentials.apiKey), baseUrl: sim.url, ...options })

const lookup = (messageId: string, layer: Layer.Layer<DeliveryEvent.DeliveryStatus, unknown> = status()) =>
  Effect.runPromiseExit(
    Effect.flatMap(Effect.service(DeliveryEvent.DeliveryStatus), (port) => port.lookup(messageId)).pipe(
      Effect.provide(layer)
    )
  )

const send = async (to: string) => {
  const message = new EmailProvider.EmailMessage({ from: "planner@wedsync.test", to, subject: "Tasting", text: "3 pm" })
  const receipt = await Effect.runPromise(
    Effect.flatMap(Effect.service(EmailProvider.EmailProvider), (provider) => provider.send(message)).pipe(
      Effect.provide(Resend.layer({ apiKey: Redacted.make(sim.credentials.apiKey), baseUrl: sim.url }))
    )
  )
  sim.ledger.clear()
  return receipt.messageId
}

describe("ResendStatus against the simulator", () => {
  it.each([
    ["delivered@resend.dev", "delivered"],
    ["bounced@resend.dev", "bounced"],
    ["complained@resend.dev", "complained"]
  ] as const)("an email to %s is %s, in one GET /emails/:id", async (to, expected) => {
    const id = await send(to)
    const before = Date.now()
    const event = Option.getOrThrow(successOf(await lookup(id)))
    expect(event).toMatchObject({
      id: `resend:${id}:${expected}`,
      channel: "email",
      provider: "resend",
      messageId: id,
      status: expected,
      recipient: to,
      source: "reconciliation"
    })
    expect(event.occurredAt).toBeGreaterThanOrEqual(before)
    const requests = sim.ledger.requests()
    expect(requests.map((request) => `${request.method} ${request.path}`)).toEqual([`GET /emails/${id}`])
  })

  it("an email with nothing newer than sent has no news", async () => {
    const id = await send("delivered@resend.dev")
    const stored = sim.state.emails.get(id)
    if (stored !== undefined) stored.lastEvent = "sent"
    expect(successOf(await lookup(id))).toEqual(Option.none())
  })

  it("gives a once-only event the id the webhook decoder gives it, so it is recorded once", async () => {
    const id = await send("bounced@resend.dev")
    const stored = sim.state.emails.get(id) as ResendSim.StoredEmail
    const signer = ResendSim.definition.signer as Webhooks.Signer<ResendSim.Credentials>
    const delivery = Webhooks.build(
      signer,
      sim.credentials,
      ResendSim.events.email("bounced", stored),
      "https://h.test"
    )
    const source = ResendWebhooks.layer({ secret: Redacted.make(sim.credentials.webhookSecret) })
    const verified = successOf(await verifyWith(source, toRequest(delivery)))
    const [fromWebhook] = successOf(await Effect.runPromiseExit(ResendWebhooks.deliveryEvents(verified)))
    const fromLookup = Option.getOrThrow(successOf(await lookup(id)))
    expect(fromLookup.id).toBe(fromWebhook?.id)
  })

  it("an unknown id is Rejected (404 not_found), and the id is sent path-encoded", async () => {
    const error = failureOf(await lookup("4ef9a417-0000-4000-a000-000000000000"))
    expect(error.reason._tag).toBe("Rejected")
    expect(error).toMatchObject({ provider: "resend", operation: "status", status: 404, providerCode: "not_found" })
    sim.ledger.clear()
    expect(failureOf(await lookup("../domains")).reason._tag).toBe("Rejected")
    expect(sim.ledger.requests()[0]?.path).toBe("/emails/..%2Fdomains")
  })

  it("an empty id is InvalidRequest, without a request", async () => {
    expect(failureOf(await lookup("")).reason._tag).toBe("InvalidRequest")
    expect(sim.ledger.requests()).toHaveLength(0)
  })

  it("classifies injected faults like sends", async () => {
    const id = await send("delivered@resend.dev")
    const cases = [
      [Faults.error("rateLimited", { retryAfterSeconds: 3 }), "RateLimited"],
      [Faults.error("unavailable"), "Unavailable"],
      [Faults.malformed, "Unavailable"],
      [Faults.reset, "Unavailable"]
    ] as const
    for (const [fault, expected] of cases) {
      sim.faults.clear()
      sim.faults.add(Faults.rule(fault, { operation: "emails.get" }))
      const error = failureOf(await lookup(id))
      expect([fault._tag, error.reason._tag]).toEqual([fault._tag, expected])
      if (expected === "RateLimited") expect(error.retryAfter).toEqual(Duration.seconds(3))
    }
  })

  it("its own timeout aborts a hung lookup as TimedOut", async () => {
    const id = await send("delivered@resend.dev")
    sim.faults.add(Faults.rule(Faults.hang, { operation: "emails.get" }))
    expect(failureOf(await lookup(id, status({ timeout: "200 millis" }))).reason._tag).toBe("TimedOut")
  })

  it("a wrong key is Unauthorized and never appears in the error", async () => {
    const exit = await lookup("4ef9a417-02e9-4d39-ad75-9611e0fcc33c", status({ apiKey: Redacted.make(WRONG_KEY) }))
    expect(failureOf(exit).reason._tag).toBe("Unauthorized")
    expect(renderings(exit)).not.toContain(WRONG_KEY)
  })

  it("layerConfig reads the same options as Resend.layerConfig", async () => {
    const id = await send("delivered@resend.dev")
    const layer = ResendStatus.layerConfig({
      apiKey: Config.Redacted("RESEND_API_KEY"),
      baseUrl: Config.String("RESEND_BASE_URL")
    }).pipe(
      Layer.provide(
        ConfigProvider.layer(
          ConfigProvider.fromUnknown({ RESEND_API_KEY: sim.credentials.apiKey, RESEND_BASE_URL: sim.url })
        )
      )
    )
    expect(Exit.isSuccess(await lookup(id, layer))).toBe(true)
  })

  effectIt.effect("occurredAt is the time of the lookup (Resend gives none for the last event)", () =>
    Effect.gen(function* () {
      const id = yield* Effect.promise(() => send("delivered@resend.dev"))
      yield* TestClock.setTime(1_795_000_000_000)
      const port = yield* Effect.provide(Effect.service(DeliveryEvent.DeliveryStatus), status())
      const event = Option.getOrThrow(yield* port.lookup(id))
      expect(event.occurredAt).toBe(1_795_000_000_000)
    })
  )
})

describe("ResendStatus.fromEmail", () => {
  it.each([
    ["queued", undefined],
    ["scheduled", undefined],
    ["sent", undefined],
    ["delivered", "delivered"],
    ["delivery_delayed", "delayed"],
    ["bounced", "bounced"],
    ["complained", "complained"],
    ["opened", "opened"],
    ["clicked", "clicked"],
    ["failed", "failed"],
    ["canceled", "failed"],
    ["suppressed", "failed"],
    ["something_new", undefined]
  ] as const)("last_event %s → %s", (lastEvent, expected) => {
    const event = ResendStatus.fromEmail({ id: "e1", last_event: lastEvent, to: ["a@x.example", "b@x.example"] }, 5)
    expect(Option.getOrUndefined(event)?.status).toBe(expected)
    if (Option.isSome(event)) {
      expect(event.value.id).toBe(`resend:e1:${expected}`)
      expect(event.value.recipient).toBeUndefined()
      expect(event.value.providerCode).toBe(expected === "failed" ? lastEvent : undefined)
    }
  })
})
