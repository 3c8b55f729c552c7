/**
 * `TwilioWebhooks.deliveryEvents` on deliveries the simulator builds and signs:
 * every status it emits (form callbacks and Event Streams JSON), carrier
 * codes kept as `providerCode`, and what is refused as unreadable.
 */
import { Effect, Exit, Redacted } from "effect"
import { DeliveryEvent, type WebhookSource } from "@wedsync/core"
import { Webhooks } from "@wedsync/testkit"
import * as TwilioSim from "@wedsync/testkit/simulators/twilio"
import { describe, expect, it } from "vitest"
import { TwilioWebhooks } from "../src/index.ts"
import { accepted, requestOf, verifyWith } from "./webhookHelpers.ts"

const credentials = TwilioSim.definition.credentials
const source = TwilioWebhooks.make({ authToken: Redacted.make(credentials.authToken) })
const SID = "SM0123456789abcdef0123456789abcdef"
const subject: TwilioSim.StatusSubject = {
  sid: SID,
  accountSid: credentials.accountSid,
  from: "+15005550006",
  to: "+447700900123"
}
const RECEIVED_AT = Date.UTC(2026, 10, 28, 14, 30)

const verified = (event: Webhooks.WebhookEvent): WebhookSource.WebhookEvent =>
  accepted(
    verifyWith(
      source,
      requestOf(Webhooks.build(TwilioSim.signer, credentials, event, "https://hooks.wedsync.test/twilio"), {
        receivedAt: RECEIVED_AT
      })
    )
  )

const decoded = (event: WebhookSource.WebhookEvent) => Effect.runSync(TwilioWebhooks.deliveryEvents(event))

const formEvent = (fields: Record<string, string>): Webhooks.WebhookEvent => ({
  id: "custom",
  type: "message.custom",
  contentType: "application/x-www-form-urlencoded",
  body: new URLSearchParams({
    MessageSid: SID,
    To: subject.to,
    AccountSid: credentials.accountSid,
    ...fields
  }).toString()
})

describe("TwilioWebhooks.deliveryEvents: form status callbacks", () => {
  const table: ReadonlyArray<readonly [TwilioSim.MessageStatus, number | undefined, DeliveryEvent.Status | undefined]> =
    [
      ["accepted", undefined, undefined],
      ["scheduled", undefined, undefined],
      ["queued", undefined, undefined],
      ["sending", undefined, undefined],
      ["sent", undefined, "sent"],
      ["delivered", undefined, "delivered"],
      ["undelivered", 30003, "undelivered"],
      ["undelivered", 30005, "undelivered"],
      ["failed", 30007, "failed"],
      ["canceled", undefined, "failed"]
    ]
  it.each(table)("%s (ErrorCode %s) → %s", (status, errorCode, expected) => {
    const event = TwilioSim.events.messageStatus(subject, status, errorCode === undefined ? {} : { errorCode })
    const events = decoded(verified(event))
    if (expected === undefined) return expect(events).toEqual([])
    expect(events).toHaveLength(1)
    const [only] = events
    expect(only).toBeInstanceOf(DeliveryEvent.DeliveryEvent)
    expect(only).toMatchObject({
      id: `twilio:${SID}:${expected}`,
      channel: "sms",
      provider: "twilio",
      messageId: SID,
      status: expected,
      recipient: subject.to,
      occurredAt: RECEIVED_AT,
      source: "webhook"
    })
    expect(only?.providerCode).toBe(errorCode === undefined ? undefined : String(errorCode))
  })

  it("carrier codes come with Twilio's words for them", () => {
    const [event] = decoded(verified(TwilioSim.events.messageStatus(subject, "undelivered", { errorCode: 30003 })))
    expect(event?.description).toBe("Unreachable destination handset")
    expect(event && DeliveryEvent.isFailure(event) && DeliveryEvent.isFinal(event)).toBe(true)
  })

  it("read (WhatsApp/RCS receipts) → opened; inbound statuses give nothing", () => {
    expect(decoded(verified(formEvent({ MessageStatus: "read" })))[0]?.status).toBe("opened")
    expect(decoded(verified(formEvent({ SmsStatus: "received", Body: "Yes!" })))).toEqual([])
  })

  it("an undocumented status is PayloadInvalid, not silently dropped", () => {
    const exit = Effect.runSyncExit(TwilioWebhooks.deliveryEvents(verified(formEvent({ MessageStatus: "teleported" }))))
    expect(Exit.isFailure(exit) && JSON.stringify(exit.cause)).toContain("PayloadInvalid")
  })

  it("a payload that is not a status callback is PayloadInvalid", () => {
    for (const payload of [{ Unexpected: "1" }, [{ id: "EZ1" }], "MessageSid=SM1", { MessageSid: "SM1" }]) {
      const exit = Effect.runSyncExit(
        TwilioWebhooks.deliveryEvents({ provider: "twilio", id: "x", type: "x", occurredAt: RECEIVED_AT, payload })
      )
      expect(Exit.isFailure(exit) && JSON.stringify(exit.cause)).toContain("PayloadInvalid")
    }
  })
})

describe("TwilioWebhooks.deliveryEvents: Event Streams JSON", () => {
  it("each CloudEvent becomes one event, at the CloudEvent's time, with its error code", () => {
    const event = verified(TwilioSim.events.messageStatusJson(subject, "undelivered", { errorCode: 30005 }))
    const [only] = decoded(event)
    expect(only).toMatchObject({
      id: `twilio:${SID}:undelivered`,
      status: "undelivered",
      providerCode: "30005",
      description: "Unknown destination handset",
      recipient: subject.to
    })
    const time = Date.parse((event.payload as ReadonlyArray<{ readonly time: string }>)[0]?.time ?? "")
    expect(only?.occurredAt).toBe(time)
    expect(event.occurredAt).toBe(time)
  })

  it("the JSON and form reports of one status are one event (same id)", () => {
    const [json] = decoded(verified(TwilioSim.events.messageStatusJson(subject, "delivered")))
    const [form] = decoded(verified(TwilioSim.events.messageStatus(subject, "delivered")))
    expect(json?.id).toBe(form?.id)
  })

  it.each([
    ["queued", undefined],
    ["sent", "sent"],
    ["delivered", "delivered"],
    ["failed", "failed"]
  ] as const)("messageStatus %s → %s", (status, expected) => {
    const events = decoded(verified(TwilioSim.events.messageStatusJson(subject, status)))
    expect(events.map((event) => event.status)).toEqual(expected === undefined ? [] : [expected])
  })
})
