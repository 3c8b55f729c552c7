/**
 * Resend webhook events → `DeliveryEvent`s: every event the simulator emits
 * (sent, delivered, bounced, complained, after a real send through the Resend
 * adapter), the other `email.*` types in Resend's documented shape, the ids
 * deliveries dedupe on, and bodies that do not match.
 */
import { Effect, Exit, Redacted } from "effect"
import { type DeliveryEvent, EmailProvider, type WebhookSource } from "@wedsync/core"
import { Simulator, Webhooks } from "@wedsync/testkit"
import * as ResendSim from "@wedsync/testkit/simulators/resend"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Resend, ResendWebhooks } from "../src/index.ts"
import { type Receiver, startReceiver } from "./fixtures/webhookReceiver.ts"
import { failureOf, toRequest, successOf, verifyWith } from "./fixtures/webhookRequests.ts"

const credentials = ResendSim.definition.credentials
const signer = ResendSim.definition.signer as Webhooks.Signer<ResendSim.Credentials>
const source = ResendWebhooks.layer({ secret: Redacted.make(credentials.webhookSecret) })
const EMAIL_ID = "4ef9a417-02e9-4d39-ad75-9611e0fcc33c"
const CREATED = "2026-11-29T10:00:05.123Z"

const resendEvent = (svixId: string, type: string, data: Record<string, unknown> = {}): Webhooks.WebhookEvent => ({
  id: svixId,
  type,
  contentType: "application/json",
  body: JSON.stringify({
    type,
    created_at: CREATED,
    data: {
      created_at: "2026-11-29T10:00:00.000Z",
      email_id: EMAIL_ID,
      from: "planner@wedsync.test",
      to: ["couple@example.com"],
      subject: "Your final headcount is due Friday",
      ...data
    }
  })
})

const decode = async (event: Webhooks.WebhookEvent) => {
  const delivery = Webhooks.build(signer, credentials, event, "https://hooks.wedsync.test/resend")
  const verified = successOf(await verifyWith(source, toRequest(delivery)))
  return Effect.runPromiseExit(ResendWebhooks.deliveryEvents(verified))
}

const only = async (event: Webhooks.WebhookEvent): Promise<DeliveryEvent.DeliveryEvent> => {
  const events = successOf(await decode(event))
  expect(events).toHaveLength(1)
  return events[0] as DeliveryEvent.DeliveryEvent
}

describe("ResendWebhooks.deliveryEvents", () => {
  it.each([
    ["email.sent", "sent"],
    ["email.delivered", "delivered"],
    ["email.delivery_delayed", "delayed"],
    ["email.complained", "complained"],
    ["email.opened", "opened"]
  ] as const)("%s → %s", async (type, status) => {
    const event = await only(resendEvent("msg_1", type))
    expect(event).toMatchObject({
      channel: "email",
      provider: "resend",
      messageId: EMAIL_ID,
      status,
      recipient: "couple@example.com",
      occurredAt: Date.parse(CREATED),
      source: "webhook"
    })
  })

  it.each([
    ["Permanent", "General", "hard"],
    ["Transient", "MailboxFull", "soft"],
    ["Undetermined", "Undetermined", "soft"]
  ] as const)("email.bounced with a %s bounce is %s", async (type, subType, bounce) => {
    const event = await only(
      resendEvent("msg_2", "email.bounced", { bounce: { type, subType, message: "The mailbox is unavailable." } })
    )
    expect(event).toMatchObject({
      status: "bounced",
      bounce,
      providerCode: `${type}/${subType}`,
      description: "The mailbox is unavailable."
    })
  })

  it("email.clicked keeps the link, email.failed and email.suppressed are failed with their reason", async () => {
    const click = { ipAddress: "192.0.2.1", link: "https://wedsync.example/rsvp", timestamp: CREATED, userAgent: "x" }
    expect(await only(resendEvent("msg_3", "email.clicked", { click }))).toMatchObject({
      status: "clicked",
      url: "https://wedsync.example/rsvp"
    })
    expect(
      await only(resendEvent("msg_4", "email.failed", { failed: { reason: "reached_daily_quota" } }))
    ).toMatchObject({ status: "failed", providerCode: "reached_daily_quota" })
    const suppressed = { type: "OnAccountSuppressionList", message: "Resend has suppressed sending to this address." }
    expect(await only(resendEvent("msg_5", "email.suppressed", { suppressed }))).toMatchObject({
      status: "failed",
      providerCode: "suppressed/OnAccountSuppressionList"
    })
  })

  it("events that are not about delivery give none", async () => {
    for (const type of ["email.scheduled", "email.received", "contact.created", "domain.updated"]) {
      expect([type, successOf(await decode(resendEvent("msg_6", type)))]).toEqual([type, []])
    }
  })

  it("once-only statuses are keyed by email and status; opens, clicks and delays by svix id too", async () => {
    expect((await only(resendEvent("msg_a", "email.delivered"))).id).toBe(`resend:${EMAIL_ID}:delivered`)
    expect((await only(resendEvent("msg_b", "email.delivered"))).id).toBe(`resend:${EMAIL_ID}:delivered`)
    const first = await only(resendEvent("msg_c", "email.opened"))
    const second = await only(resendEvent("msg_d", "email.opened"))
    expect(first.id).toBe(`resend:${EMAIL_ID}:opened:msg_c`)
    expect(second.id).not.toBe(first.id)
    expect((await only(resendEvent("msg_c", "email.opened"))).id).toBe(first.id)
  })

  it("an email.* event without the fields its type needs is PayloadInvalid", async () => {
    const missing: ReadonlyArray<Webhooks.WebhookEvent> = [
      resendEvent("msg_7", "email.bounced"),
      resendEvent("msg_8", "email.clicked", { click: {} }),
      resendEvent("msg_9", "email.delivered", { email_id: "" }),
      resendEvent("msg_10", "email.failed", { failed: "quota" })
    ]
    for (const event of missing) expect(failureOf(await decode(event)).reason._tag).toBe("PayloadInvalid")
  })

  it("a payload that is not a Resend event is PayloadInvalid", async () => {
    const event: WebhookSource.WebhookEvent = { provider: "resend", id: "x", type: "email.sent", payload: [1, 2] }
    const exit = await Effect.runPromiseExit(ResendWebhooks.deliveryEvents(event))
    expect(failureOf(exit).reason._tag).toBe("PayloadInvalid")
  })
})

describe("ResendWebhooks receiving what the simulator sends after a real send", () => {
  let sim: Simulator.Running<ResendSim.State, ResendSim.Credentials>
  let receiver: Receiver
  beforeAll(async () => {
    receiver = await startReceiver(source, ResendWebhooks.deliveryEvents)
    sim = await Simulator.start(ResendSim.definition, { webhookUrl: receiver.url })
  })
  afterAll(async () => {
    await sim.stop()
    await receiver.close()
  })

  it.each([
    ["delivered@resend.dev", "delivered", undefined],
    ["bounced@resend.dev", "bounced", "hard"],
    ["complained@resend.dev", "complained", undefined]
  ] as const)("a send to %s is reported sent, then %s", async (to, outcome, bounce) => {
    const send = Effect.flatMap(Effect.service(EmailProvider.EmailProvider), (provider) =>
      provider.send(
        new EmailProvider.EmailMessage({ from: "planner@wedsync.test", to, subject: "Tasting", text: "3 pm" })
      )
    )
    const receipt = await Effect.runPromise(
      send.pipe(Effect.provide(Resend.layer({ apiKey: Redacted.make(credentials.apiKey), baseUrl: sim.url })))
    )
    await sim.settle()
    // Deliveries run in the background: they may arrive in either order.
    const events = receiver.accepted().filter((event) => event.messageId === receipt.messageId)
    expect(events.map((event) => event.status).sort()).toEqual([outcome, "sent"].sort())
    expect(events.find((event) => event.status === outcome)?.bounce).toBe(bounce)
    expect(receiver.outcomes.every((outcome) => Exit.isSuccess(outcome.exit))).toBe(true)
  })
})
