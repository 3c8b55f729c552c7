/**
 * Postmark webhook records → event ids and `DeliveryEvent`s: every record the
 * simulator builds, the ids a retried delivery dedupes on (64-bit bounce ids
 * kept exact), unknown record types, unreadable bodies, and what the
 * simulator sends after real sends through the Postmark adapter, to the
 * default webhook and to one registered with a custom header.
 */
import { Effect, Exit, Redacted } from "effect"
import { type DeliveryEvent, EmailProvider } from "@wedsync/core"
import { Simulator, type Webhooks } from "@wedsync/testkit"
import * as PostmarkSim from "@wedsync/testkit/simulators/postmark"
import { ServerClient } from "postmark"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { Postmark, PostmarkWebhooks } from "../src/index.ts"
import { type Receiver, startReceiver } from "./fixtures/webhookReceiver.ts"
import { failureOf, toRequest, successOf, verifyWith } from "./fixtures/webhookRequests.ts"

const credentials = PostmarkSim.definition.credentials
const MESSAGE_ID = "883953f4-6105-42a2-a16a-77a8eac79483"
const AT = "2026-11-29T10:00:05.000Z"
const basicAuth = { username: credentials.webhookUsername, password: Redacted.make(credentials.webhookPassword) }
const source = PostmarkWebhooks.layer({ basicAuth })

const verifyBody = (body: string) =>
  verifyWith(
    source,
    toRequest({
      url: "https://hooks.wedsync.test/postmark",
      headers: {
        authorization: PostmarkSim.basicAuthorization(`${credentials.webhookUsername}:${credentials.webhookPassword}`)
      },
      body
    })
  )

const decode = async (event: Webhooks.WebhookEvent) => {
  const verified = successOf(await verifyBody(event.body))
  return { verified, events: successOf(await Effect.runPromiseExit(PostmarkWebhooks.deliveryEvents(verified))) }
}

const only = async (event: Webhooks.WebhookEvent): Promise<DeliveryEvent.DeliveryEvent> => {
  const { events } = await decode(event)
  expect(events).toHaveLength(1)
  return events[0] as DeliveryEvent.DeliveryEvent
}

const base = { MessageID: MESSAGE_ID }

describe("PostmarkWebhooks.deliveryEvents", () => {
  it("Delivery → delivered", async () => {
    const event = await only(PostmarkSim.events.delivery({ ...base, Recipient: "Ana@example.com", DeliveredAt: AT }))
    expect(event).toMatchObject({
      id: `postmark:delivered:${MESSAGE_ID}:ana@example.com`,
      channel: "email",
      provider: "postmark",
      messageId: MESSAGE_ID,
      status: "delivered",
      recipient: "Ana@example.com",
      description: "smtp;250 2.0.0 OK",
      occurredAt: Date.parse(AT),
      source: "webhook"
    })
  })

  it.each([
    ["HardBounce", "hard", "1"],
    ["SoftBounce", "soft", "4096"]
  ] as const)("Bounce of type %s → bounced, %s, TypeCode %s", async (type, bounce, code) => {
    const record = PostmarkSim.events.bounce({ ...base, ID: 42, Email: "ben@example.com", Type: type, BouncedAt: AT })
    expect(await only(record)).toMatchObject({
      id: "postmark:bounce:42",
      status: "bounced",
      bounce,
      providerCode: code,
      recipient: "ben@example.com",
      occurredAt: Date.parse(AT)
    })
  })

  it("bounce types beyond the simulator's: Transient is soft, a deactivated address is hard", async () => {
    const soft = PostmarkSim.events.bounce({ ...base, ID: 43, Email: "ben@example.com", Type: "SoftBounce" })
    const transient = { ...soft, body: soft.body.replace('"SoftBounce"', '"Transient"').replace("4096", "2") }
    expect(await only(transient)).toMatchObject({ bounce: "soft", providerCode: "2" })
    const deactivated = { ...soft, body: soft.body.replace('"Inactive":false', '"Inactive":true') }
    expect(await only(deactivated)).toMatchObject({ bounce: "hard" })
    const blocked = { ...soft, body: soft.body.replace('"SoftBounce"', '"Blocked"').replace("4096", "100006") }
    expect(await only(blocked)).toMatchObject({ bounce: "hard", providerCode: "100006" })
  })

  it("SpamComplaint → complained, Open → opened, Click → clicked with the original link", async () => {
    const complaint = await only(PostmarkSim.events.spamComplaint({ ...base, ID: 44, Email: "cy@example.com" }))
    expect(complaint).toMatchObject({ id: "postmark:complaint:44", status: "complained", recipient: "cy@example.com" })
    const open = await only(PostmarkSim.events.open({ ...base, Recipient: "ana@example.com", ReceivedAt: AT }))
    expect(open).toMatchObject({ status: "opened", recipient: "ana@example.com", occurredAt: Date.parse(AT) })
    const link = "https://wedsync.example/rsvp"
    const click = await only(
      PostmarkSim.events.click({ ...base, Recipient: "ana@example.com", OriginalLink: link, ReceivedAt: AT })
    )
    expect(click).toMatchObject({ status: "clicked", url: link })
  })

  it("SubscriptionChange and unknown record types give none", async () => {
    const change = JSON.stringify({
      RecordType: "SubscriptionChange",
      MessageID: MESSAGE_ID,
      Recipient: "ana@example.com",
      ChangedAt: AT,
      SuppressSending: true
    })
    const inbound = JSON.stringify({ RecordType: "SomethingNew", MessageID: MESSAGE_ID })
    for (const body of [change, inbound]) {
      const verified = successOf(await verifyBody(body))
      expect(successOf(await Effect.runPromiseExit(PostmarkWebhooks.deliveryEvents(verified)))).toEqual([])
    }
  })
})

describe("PostmarkWebhooks event ids", () => {
  it("are stable for a retried delivery and distinct across records", async () => {
    const records = [
      PostmarkSim.events.delivery({ ...base, Recipient: "ana@example.com", DeliveredAt: AT }),
      PostmarkSim.events.delivery({ ...base, Recipient: "ben@example.com", DeliveredAt: AT }),
      PostmarkSim.events.bounce({ ...base, ID: 42, Email: "ben@example.com" }),
      PostmarkSim.events.spamComplaint({ ...base, ID: 42, Email: "ben@example.com" }),
      PostmarkSim.events.open({ ...base, Recipient: "ana@example.com", ReceivedAt: AT }),
      PostmarkSim.events.open({ ...base, Recipient: "ana@example.com", ReceivedAt: "2026-11-29T10:07:00.000Z" }),
      PostmarkSim.events.click({
        ...base,
        Recipient: "ana@example.com",
        OriginalLink: "https://x.example",
        ReceivedAt: AT
      })
    ]
    const ids: Array<string> = []
    for (const record of records) {
      const first = successOf(await verifyBody(record.body)).id
      expect(successOf(await verifyBody(record.body)).id).toBe(first)
      expect(first.startsWith(`${record.type}:${MESSAGE_ID}:`)).toBe(true)
      ids.push(first)
    }
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids[2]).toBe(`Bounce:${MESSAGE_ID}:42`)
  })

  it("keeps 64-bit bounce ids exact, so neighbouring bounces stay distinct", async () => {
    const bounce = (id: string) =>
      PostmarkSim.events.bounce({ ...base, ID: 1, Email: "ben@example.com" }).body.replace('"ID":1,', `"ID":${id},`)
    const first = await decode({
      id: "a",
      type: "Bounce",
      contentType: "application/json",
      body: bounce("4323372036854775807")
    })
    const second = await decode({
      id: "b",
      type: "Bounce",
      contentType: "application/json",
      body: bounce("4323372036854775808")
    })
    expect(first.verified.id).toBe(`Bounce:${MESSAGE_ID}:4323372036854775807`)
    expect(second.verified.id).not.toBe(first.verified.id)
    expect(first.events[0]?.id).toBe("postmark:bounce:4323372036854775807")
  })

  it("an unknown record type is keyed by its body, the same on a retry", async () => {
    const body = JSON.stringify({ RecordType: "SomethingNew", MessageID: MESSAGE_ID, At: AT })
    const first = successOf(await verifyBody(body))
    expect(first.type).toBe("SomethingNew")
    expect(successOf(await verifyBody(body)).id).toBe(first.id)
    expect(successOf(await verifyBody(body.replace(AT, "later"))).id).not.toBe(first.id)
  })

  it("an authentic body that is not JSON or not a record is PayloadInvalid", async () => {
    const bounce = JSON.parse(PostmarkSim.events.bounce({ ...base, ID: 1, Email: "ben@example.com" }).body)
    for (const body of [
      "{",
      "[]",
      JSON.stringify({ RecordType: "Delivery" }),
      JSON.stringify({ ...bounce, ID: undefined }),
      JSON.stringify({ ...bounce, MessageID: "" })
    ]) {
      expect([body, failureOf(await verifyBody(body)).reason._tag]).toEqual([body, "PayloadInvalid"])
    }
  })
})

describe("PostmarkWebhooks receiving what the simulator sends after real sends", () => {
  let sim: Simulator.Running<PostmarkSim.State, PostmarkSim.Credentials>
  let receiver: Receiver
  beforeAll(async () => {
    const allowLocal = PostmarkWebhooks.layer({ basicAuth, allowedIps: ["127.0.0.0/8", "::1"] })
    receiver = await startReceiver(allowLocal, PostmarkWebhooks.deliveryEvents)
    sim = await Simulator.start(PostmarkSim.definition, { webhookUrl: receiver.url, seed: 3 })
  })
  afterAll(async () => {
    await sim.stop()
    await receiver.close()
  })
  beforeEach(() => {
    sim.reset()
    receiver.outcomes.length = 0
  })

  const send = (to: string) =>
    Effect.runPromise(
      Effect.flatMap(Effect.service(EmailProvider.EmailProvider), (provider) =>
        provider.send(
          new EmailProvider.EmailMessage({ from: "hello@wedsync.example", to, subject: "Tasting", text: "3 pm" })
        )
      ).pipe(Effect.provide(Postmark.layer({ serverToken: Redacted.make(credentials.serverToken), baseUrl: sim.url })))
    )

  it("each recipient's fate arrives as its delivery events", async () => {
    const sent = new Map<string, string>()
    for (const to of ["ana@example.com", "bounce@example.com", "softbounce@example.com", "spamcomplaint@example.com"]) {
      sent.set(to, (await send(to)).messageId)
    }
    await sim.settle()
    expect(receiver.outcomes.every((outcome) => Exit.isSuccess(outcome.exit))).toBe(true)
    const statuses = (to: string) =>
      receiver
        .accepted()
        .filter((event) => event.messageId === sent.get(to))
        .map((event) => `${event.status}${event.bounce === undefined ? "" : `:${event.bounce}`}`)
        .sort()
    expect(statuses("ana@example.com")).toEqual(["delivered"])
    expect(statuses("bounce@example.com")).toEqual(["bounced:hard"])
    expect(statuses("softbounce@example.com")).toEqual(["bounced:soft"])
    expect(statuses("spamcomplaint@example.com")).toEqual(["complained", "delivered"])
  })

  it("a webhook registered with a custom header is checked on that header", async () => {
    const client = new ServerClient(credentials.serverToken, { useHttps: false, requestHost: `127.0.0.1:${sim.port}` })
    const token = "registered-header-token-5d1"
    await client.createWebhook({
      Url: receiver.url,
      HttpHeaders: [{ Name: "X-Webhook-Token", Value: token }],
      Triggers: { Delivery: { Enabled: true } }
    })
    const headerOnly = PostmarkWebhooks.layer({ header: { name: "X-Webhook-Token", value: Redacted.make(token) } })
    const wrong = PostmarkWebhooks.layer({ header: { name: "X-Webhook-Token", value: Redacted.make(`${token}x`) } })
    const { messageId } = await send("ana@example.com")
    await sim.settle()
    const request = receiver.outcomes.at(-1)?.request
    expect(request?.headers["x-webhook-token"]).toBe(token)
    if (request === undefined) return
    const event = successOf(await verifyWith(headerOnly, request))
    expect(event.id).toContain(messageId)
    expect(failureOf(await verifyWith(wrong, request)).reason._tag).toBe("SignatureInvalid")
  })
})
