/**
 * `VonageWebhooks.deliveryEvents` on deliveries the simulator builds and
 * signs: every Messages API status and SMS receipt status it emits, with the
 * error / `err-code` kept as `providerCode`.
 */
import { Effect, Exit, Redacted } from "effect"
import type { DeliveryEvent, WebhookSource } from "@wedsync/core"
import { Webhooks } from "@wedsync/testkit"
import * as VonageSim from "@wedsync/testkit/simulators/vonage"
import { describe, expect, it } from "vitest"
import { VonageWebhooks } from "../src/index.ts"
import { receiptTime } from "../src/internal/vonageDelivery.ts"
import { accepted, requestOf, verifyWith } from "./webhookHelpers.ts"

const credentials = VonageSim.definition.credentials
const source = VonageWebhooks.make({ signatureSecret: Redacted.make(credentials.signatureSecret) })
const UUID = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
const message = { messageUuid: UUID, to: "447700900123", from: "447700900001" }
const receipt = { messageId: "0B00000123ABCDEF", to: "447700900123", from: "WedSync" }
const AT = Math.floor(Date.now() / 1000) - 30

const verified = (event: Webhooks.WebhookEvent): WebhookSource.WebhookEvent =>
  accepted(
    verifyWith(source, requestOf(Webhooks.build(VonageSim.signer, credentials, event, "https://hooks.wedsync.test/v")))
  )

const decoded = (event: WebhookSource.WebhookEvent) => Effect.runSync(VonageWebhooks.deliveryEvents(event))

describe("VonageWebhooks.deliveryEvents: Messages API status webhooks", () => {
  const table: ReadonlyArray<readonly [VonageSim.MessageStatus, number | undefined, DeliveryEvent.Status]> = [
    ["submitted", undefined, "sent"],
    ["delivered", undefined, "delivered"],
    ["rejected", 1150, "failed"],
    ["undeliverable", 1320, "undelivered"],
    ["read", undefined, "opened"]
  ]
  it.each(table)("%s (error %s) → %s", (status, errorCode, expected) => {
    const event = VonageSim.events.messageStatus(message, status, credentials, {
      timestamp: AT,
      ...(errorCode === undefined ? {} : { errorCode })
    })
    const [only, ...rest] = decoded(verified(event))
    expect(rest).toEqual([])
    expect(only).toMatchObject({
      id: `vonage:${UUID}:${expected}`,
      channel: "sms",
      provider: "vonage",
      messageId: UUID,
      status: expected,
      recipient: message.to,
      occurredAt: AT * 1000,
      source: "webhook"
    })
    expect(only?.providerCode).toBe(errorCode === undefined ? undefined : String(errorCode))
    if (errorCode !== undefined) expect(only?.description).toBe("The Platform was unable to process your request.")
  })

  it("the code is read from error.type when error.title is absent", () => {
    const payload = {
      message_uuid: UUID,
      status: "rejected",
      timestamp: "2026-11-28T14:30:00Z",
      error: { type: "https://developer.vonage.com/api-errors/messages#1240", detail: "Illegal sender address" }
    }
    const [only] = Effect.runSync(
      VonageWebhooks.deliveryEvents({ provider: "vonage", id: "x", type: "message.rejected", payload })
    )
    expect(only).toMatchObject({ providerCode: "1240", description: "Illegal sender address", status: "failed" })
    expect(only?.occurredAt).toBe(Date.UTC(2026, 10, 28, 14, 30))
  })

  it("an inbound message gives no delivery event", () => {
    const payload = { message_uuid: UUID, channel: "sms", message_type: "text", text: "Yes!" }
    expect(Effect.runSync(VonageWebhooks.deliveryEvents({ provider: "vonage", id: UUID, type: "x", payload }))).toEqual(
      []
    )
  })
})

describe("VonageWebhooks.deliveryEvents: SMS API delivery receipts", () => {
  const table: ReadonlyArray<readonly [VonageSim.ReceiptStatus, number | undefined, DeliveryEvent.Status | undefined]> =
    [
      ["accepted", undefined, "sent"],
      ["buffered", 7, "delayed"],
      ["delivered", undefined, "delivered"],
      ["expired", 2, "undelivered"],
      ["failed", 3, "undelivered"],
      ["rejected", 6, "failed"],
      ["unknown", 99, undefined]
    ]
  it.each(table)("%s (err-code %s) → %s", (status, errorCode, expected) => {
    const event = VonageSim.events.smsDeliveryReceipt(receipt, status, credentials, {
      timestamp: AT,
      ...(errorCode === undefined ? {} : { errorCode })
    })
    const events = decoded(verified(event))
    if (expected === undefined) return expect(events).toEqual([])
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({
      id: `vonage:${receipt.messageId}:${expected}`,
      messageId: receipt.messageId,
      status: expected,
      recipient: receipt.to,
      occurredAt: AT * 1000,
      source: "webhook"
    })
    expect(events[0]?.providerCode).toBe(errorCode === undefined ? undefined : String(errorCode))
  })

  it("carrier err-codes come with Vonage's words for them", () => {
    const event = VonageSim.events.smsDeliveryReceipt(receipt, "expired", credentials, { errorCode: 2 })
    expect(decoded(verified(event))[0]?.description).toBe("Absent subscriber - temporary")
  })

  it("message-timestamp is read with or without an offset", () => {
    expect(receiptTime("2026-11-28 14:30:00")).toBe(Date.UTC(2026, 10, 28, 14, 30))
    expect(receiptTime("2026-11-28 14:30:00 +0000")).toBe(Date.UTC(2026, 10, 28, 14, 30))
    expect(receiptTime("2026-11-28 15:30:00 +0100")).toBe(Date.UTC(2026, 10, 28, 14, 30))
    expect(receiptTime("yesterday")).toBeUndefined()
  })
})

describe("VonageWebhooks.deliveryEvents: unreadable payloads", () => {
  it.each([
    [
      "an undocumented Messages status",
      { message_uuid: UUID, status: "teleported", timestamp: "2026-11-28T14:30:00Z" }
    ],
    [
      "an undocumented receipt status",
      { messageId: "0B1", status: "lost", "message-timestamp": "2026-11-28 14:30:00" }
    ],
    ["something else", { hello: "world" }],
    ["not an object", "status=delivered"]
  ])("%s is PayloadInvalid", (_, payload) => {
    const exit = Effect.runSyncExit(
      VonageWebhooks.deliveryEvents({ provider: "vonage", id: "x", type: "x", occurredAt: 0, payload })
    )
    expect(Exit.isFailure(exit) && JSON.stringify(exit.cause)).toContain("PayloadInvalid")
  })
})
