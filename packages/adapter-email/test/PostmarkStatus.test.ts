/**
 * Postmark's status lookup against the simulator through the real SDK:
 * messages sent through the Postmark adapter, their `MessageEvents` driven by
 * the simulator's recipients and state; ids shared with the webhook decoder;
 * the other event types Postmark reports; unknown ids (ErrorCode 701);
 * injected faults; the token never in an error.
 */
import { Config, ConfigProvider, Duration, Effect, Exit, Layer, Option, Redacted } from "effect"
import { DeliveryEvent, EmailProvider } from "@wedsync/core"
import { Faults, Simulator } from "@wedsync/testkit"
import * as PostmarkSim from "@wedsync/testkit/simulators/postmark"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { Postmark, PostmarkStatus, PostmarkWebhooks } from "../src/index.ts"
import { latestEvent } from "../src/internal/postmarkStatus.ts"
import { type Receiver, startReceiver } from "./fixtures/webhookReceiver.ts"
import { failureOf, renderings, successOf } from "./fixtures/webhookRequests.ts"

let sim: Simulator.Running<PostmarkSim.State, PostmarkSim.Credentials>
let receiver: Receiver
beforeAll(async () => {
  const basicAuth = {
    username: PostmarkSim.definition.credentials.webhookUsername,
    password: Redacted.make(PostmarkSim.definition.credentials.webhookPassword)
  }
  receiver = await startReceiver(PostmarkWebhooks.layer({ basicAuth }), PostmarkWebhooks.deliveryEvents)
  sim = await Simulator.start(PostmarkSim.definition, { seed: 9, webhookUrl: receiver.url })
})
afterAll(async () => {
  await sim.stop()
  await receiver.close()
})
beforeEach(() => {
  sim.reset()
  receiver.outcomes.length = 0
})

const WRONG_TOKEN = "pm-wrong-status-canary-2a9"

const status = (options: Partial<Postmark.Options> = {}) =>
  PostmarkStatus.layer({ serverToken: Redacted.make(sim.credentials.serverToken), baseUrl: sim.url, ...options })

const lookup = (messageId: string, layer: Layer.Layer<DeliveryEvent.DeliveryStatus, unknown> = status()) =>
  Effect.runPromiseExit(
    Effect.flatMap(Effect.service(DeliveryEvent.DeliveryStatus), (port) => port.lookup(messageId)).pipe(
      Effect.provide(layer)
    )
  )

const send = async (to: string) => {
  const message = new EmailProvider.EmailMessage({
    from: "hello@wedsync.example",
    to,
    subject: "Tasting",
    text: "3 pm"
  })
  const receipt = await Effect.runPromise(
    Effect.flatMap(Effect.service(EmailProvider.EmailProvider), (provider) => provider.send(message)).pipe(
      Effect.provide(Postmark.layer({ serverToken: Redacted.make(sim.credentials.serverToken), baseUrl: sim.url }))
    )
  )
  await sim.settle()
  sim.ledger.clear()
  return receipt.messageId
}

const latest = async (messageId: string) => Option.getOrThrow(successOf(await lookup(messageId)))

describe("PostmarkStatus against the simulator", () => {
  it.each([
    ["ana@example.com", "delivered", undefined],
    ["bounce@example.com", "bounced", "hard"],
    ["softbounce@example.com", "bounced", "soft"],
    ["spamcomplaint@example.com", "complained", undefined]
  ] as const)("a message to %s is %s, in one GET of its details", async (to, expected, bounce) => {
    const id = await send(to)
    const event = await latest(id)
    expect(event).toMatchObject({
      channel: "email",
      provider: "postmark",
      messageId: id,
      status: expected,
      recipient: to,
      source: "reconciliation"
    })
    expect(event.bounce).toBe(bounce)
    const requests = sim.ledger.requests()
    expect(requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      `GET /messages/outbound/${id}/details`
    ])
  })

  it("gives each event the id the webhook gave it, so an event seen by both is recorded once", async () => {
    for (const to of ["ana@example.com", "bounce@example.com", "spamcomplaint@example.com"]) {
      const id = await send(to)
      const fromLookup = await latest(id)
      const fromWebhook = receiver.accepted().filter((event) => event.messageId === id)
      expect(fromWebhook.map((event) => event.id)).toContain(fromLookup.id)
    }
  })

  it("a message Postmark has no news of is None", async () => {
    const id = await send("ana@example.com")
    sim.state.messages.get(id)?.MessageEvents.splice(0)
    expect(successOf(await lookup(id))).toEqual(Option.none())
  })

  it("takes the latest entry by time, not by position", async () => {
    const id = await send("ana@example.com")
    const events = sim.state.messages.get(id)?.MessageEvents ?? []
    events.unshift({
      Recipient: "ana@example.com",
      Type: "Bounced",
      ReceivedAt: "2099-01-01T00:00:00.000Z",
      Details: { Summary: "Soft bounce", BounceID: 77 }
    })
    expect(await latest(id)).toMatchObject({ id: "postmark:bounce:77", status: "bounced", bounce: "soft" })
  })

  it("an unknown MessageID is Rejected (ErrorCode 701), and the id is sent path-encoded", async () => {
    const error = failureOf(await lookup("00000000-0000-4000-8000-000000000000"))
    expect(error).toMatchObject({ provider: "postmark", operation: "status", status: 422, providerCode: "701" })
    expect(error.reason._tag).toBe("Rejected")
    sim.ledger.clear()
    expect(failureOf(await lookup("../../email")).reason._tag).toBe("Rejected")
    expect(sim.ledger.requests()[0]?.path).toBe("/messages/outbound/..%2F..%2Femail/details")
  })

  it("an empty id is InvalidRequest, without a request", async () => {
    expect(failureOf(await lookup("")).reason._tag).toBe("InvalidRequest")
    expect(sim.ledger.requests()).toHaveLength(0)
  })

  it("classifies injected faults like sends", async () => {
    const id = await send("ana@example.com")
    const cases = [
      [Faults.error("rateLimited", { retryAfterSeconds: 4 }), "RateLimited"],
      [Faults.error("unavailable"), "Unavailable"],
      [Faults.error("sender_signature_not_found"), "Misconfigured"],
      [Faults.malformed, "Unavailable"],
      [Faults.reset, "Unavailable"]
    ] as const
    for (const [fault, expected] of cases) {
      sim.faults.clear()
      sim.faults.add(Faults.rule(fault, { operation: "messages.outboundDetails" }))
      const error = failureOf(await lookup(id))
      expect([fault, error.reason._tag]).toEqual([fault, expected])
      if (expected === "RateLimited") expect(error.retryAfter).toEqual(Duration.seconds(4))
    }
  })

  it("its own timeout aborts a hung lookup as TimedOut", async () => {
    const id = await send("ana@example.com")
    sim.faults.add(Faults.rule(Faults.hang, { operation: "messages.outboundDetails" }))
    expect(failureOf(await lookup(id, status({ timeout: "1 second" }))).reason._tag).toBe("TimedOut")
  })

  it("a wrong token is Unauthorized and never appears in the error", async () => {
    const exit = await lookup(
      "883953f4-6105-42a2-a16a-77a8eac79483",
      status({ serverToken: Redacted.make(WRONG_TOKEN) })
    )
    expect(failureOf(exit).reason._tag).toBe("Unauthorized")
    expect(renderings(exit)).not.toContain(WRONG_TOKEN)
  })

  it("layerConfig reads the same options as Postmark.layerConfig", async () => {
    const id = await send("ana@example.com")
    const layer = PostmarkStatus.layerConfig({
      serverToken: Config.Redacted("POSTMARK_SERVER_TOKEN"),
      baseUrl: Config.String("POSTMARK_BASE_URL")
    }).pipe(
      Layer.provide(
        ConfigProvider.layer(
          ConfigProvider.fromUnknown({ POSTMARK_SERVER_TOKEN: sim.credentials.serverToken, POSTMARK_BASE_URL: sim.url })
        )
      )
    )
    expect(Exit.isSuccess(await lookup(id, layer))).toBe(true)
  })
})

describe("PostmarkStatus reading the event types Postmark reports", () => {
  const details = (
    ...entries: ReadonlyArray<{ Type: string; ReceivedAt: string; Details?: Record<string, unknown> }>
  ) => ({
    MessageID: "m1",
    MessageEvents: entries.map((entry) => ({ Recipient: "Ana@example.com", ...entry }))
  })
  const t = (minute: number) => `2026-11-29T10:0${minute}:00.0000000Z`

  it.each([
    ["Transient", { DeliveryMessage: "smtp;451 try later" }, "delayed", { description: "smtp;451 try later" }],
    ["Opened", { Summary: "Opened" }, "opened", {}],
    [
      "LinkClicked",
      { Summary: "Clicked", Link: "https://wedsync.example/rsvp" },
      "clicked",
      { url: "https://wedsync.example/rsvp" }
    ],
    [
      "Bounced",
      { Summary: "The server was unable to deliver your message", BounceID: 9 },
      "bounced",
      { id: "postmark:bounce:9" }
    ]
  ] as const)("%s → %s", (type, entryDetails, expected, fields) => {
    const event = Option.getOrThrow(
      latestEvent(details({ Type: type, ReceivedAt: t(1), Details: entryDetails })) ?? Option.none()
    )
    expect(event).toMatchObject({
      status: expected,
      recipient: "Ana@example.com",
      occurredAt: Date.parse(t(1)),
      ...fields
    })
    if (type === "Bounced") expect(event.bounce).toBeUndefined()
  })

  it("skips entries not about delivery, and is None when nothing else is there", () => {
    const change = { Type: "SubscriptionChanged", ReceivedAt: t(5) }
    expect(latestEvent(details(change))).toEqual(Option.none())
    const withDelivery = latestEvent(details({ Type: "Delivered", ReceivedAt: t(1) }, change))
    expect(Option.getOrUndefined(withDelivery ?? Option.none())?.id).toBe("postmark:delivered:m1:ana@example.com")
  })

  it("an entry whose time cannot be read makes the answer unreadable", () => {
    expect(latestEvent(details({ Type: "Delivered", ReceivedAt: "yesterday" }))).toBeUndefined()
  })
})
