/**
 * The Postmark simulator's outbound search (`GET /messages/outbound`,
 * operation `messages.outboundSearch`) driven by the real `postmark` SDK
 * (5.1.0): count/offset validation, every filter, newest first, the
 * `OutboundMessage` shape, and reconciliation of an email sent through an
 * `AmbiguousCommit` by recipient + metadata.
 */
import { Errors, type Models, ServerClient } from "postmark"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import * as Faults from "../../src/Faults.ts"
import * as Simulator from "../../src/Simulator.ts"
import * as Postmark from "../../src/simulators/postmark.ts"
import { failure, email as sdkEmail } from "../fixtures/postmarkSdk.ts"

type Running = Simulator.Running<Postmark.State, Postmark.Credentials>

let sim: Running

beforeAll(async () => {
  sim = await Simulator.start(Postmark.definition, { seed: 29 })
})
afterAll(() => sim.stop())
beforeEach(() => sim.reset())

const client = () =>
  new ServerClient(sim.credentials.serverToken, { useHttps: false, requestHost: `127.0.0.1:${sim.port}`, timeout: 2 })

// Searches below filter on this metadata unless a message says otherwise.
const email = (overrides: Record<string, unknown> = {}) => sdkEmail({ Metadata: { key: "k-1" }, ...overrides })

const ids = (result: Models.OutboundMessages) => result.Messages.map((message) => message.MessageID)

describe("messages.outboundSearch", () => {
  it("answers { TotalCount, Messages } newest first, each an OutboundMessage without bodies or events", async () => {
    const first = await client().sendEmail(email({ To: '"Lopez, Ana" <ana@example.com>', Cc: "cy@example.com" }))
    const second = await client().sendEmail(email({ To: "ben@example.com", Tag: "invoice" }))
    const result = await client().getOutboundMessages({ count: 50, offset: 0 })
    expect(result.TotalCount).toBe(2)
    expect(ids(result)).toEqual([second.MessageID, first.MessageID])
    const listed = result.Messages[1]
    expect(listed).toEqual({
      MessageID: first.MessageID,
      MessageStream: "outbound",
      From: "WedSync <hello@wedsync.example>",
      To: [{ Email: "ana@example.com", Name: "Lopez, Ana" }],
      Cc: [{ Email: "cy@example.com", Name: "" }],
      Bcc: [],
      Recipients: ["ana@example.com", "cy@example.com"],
      Subject: "Your tasting is tomorrow",
      Tag: "reminder",
      Metadata: { key: "k-1" },
      ReceivedAt: expect.any(String),
      Status: "Sent",
      Attachments: [],
      TrackOpens: false,
      TrackLinks: "None",
      Sandboxed: false
    })
    const [request] = sim.ledger.requests({ operation: "messages.outboundSearch" })
    expect(request?.method).toBe("GET")
    expect(request?.path).toBe("/messages/outbound")
  })

  it("filters by recipient (To, any case), metadata, tag, status, subject, stream and From", async () => {
    const ana = await client().sendEmail(email({ To: "Ana@Example.com", Metadata: { key: "k-1", color: "blue" } }))
    const ben = await client().sendEmail(email({ To: "ben@example.com", Cc: "ana@example.com", Tag: "invoice" }))
    const broadcast = await client().sendEmail(
      email({ To: "ana@example.com", MessageStream: "broadcast", Subject: "News", From: "news@wedsync.example" })
    )
    const search = async (filter: Record<string, unknown>) =>
      ids(await client().getOutboundMessages({ count: 10, offset: 0, ...filter }))
    expect(await search({ recipient: "ANA@example.com" })).toEqual([broadcast.MessageID, ana.MessageID])
    expect(await search({ metadata_key: "k-1" })).toEqual([broadcast.MessageID, ben.MessageID, ana.MessageID])
    expect(await search({ metadata_color: "blue" })).toEqual([ana.MessageID])
    expect(await search({ metadata_key: "k-1", metadata_color: "blue" })).toEqual([ana.MessageID])
    expect(await search({ metadata_key: "k-2" })).toEqual([])
    expect(await search({ tag: "invoice" })).toEqual([ben.MessageID])
    expect(await search({ subject: "News" })).toEqual([broadcast.MessageID])
    expect(await search({ messageStream: "broadcast" })).toEqual([broadcast.MessageID])
    expect(await search({ fromEmail: "NEWS@wedsync.example" })).toEqual([broadcast.MessageID])
    expect(await search({ status: "sent", recipient: "ben@example.com" })).toEqual([ben.MessageID])
    const stored = sim.state.messages.get(ben.MessageID)
    if (stored === undefined) throw new Error("not stored")
    sim.state.messages.set(ben.MessageID, { ...stored, Status: "Queued" })
    expect(await search({ status: "queued" })).toEqual([ben.MessageID])
    expect(await search({ status: "processed" })).toEqual([])
    const today = new Date().toLocaleDateString("en-CA", { timeZone: "America/New_York" })
    expect(await search({ fromDate: today, toDate: today })).toHaveLength(3)
    expect(await search({ toDate: "2020-01-01" })).toEqual([])
    expect(await search({ fromDate: "2999-01-01T00:00:00" })).toEqual([])
    const request = sim.ledger.requests({ operation: "messages.outboundSearch" })[0]
    expect(new URLSearchParams(request?.query).get("recipient")).toBe("ANA@example.com")
  })

  it("pages with count and offset over TotalCount", async () => {
    const sent: Array<string> = []
    for (let i = 0; i < 5; i++) sent.unshift((await client().sendEmail(email({ Subject: `s${i}` }))).MessageID)
    const page = await client().getOutboundMessages({ count: 2, offset: 2 })
    expect(page.TotalCount).toBe(5)
    expect(ids(page)).toEqual(sent.slice(2, 4))
    expect(ids(await client().getOutboundMessages({ count: 2, offset: 4 }))).toEqual(sent.slice(4))
  })

  it("refuses a bad count, offset, status or date with 422 / ErrorCode 700", async () => {
    const refused = async (query: string) => {
      const response = await fetch(`${sim.url}/messages/outbound${query}`, {
        headers: { accept: "application/json", "x-postmark-server-token": sim.credentials.serverToken }
      })
      return { status: response.status, body: (await response.json()) as Record<string, unknown> }
    }
    const count = { status: 422, body: { ErrorCode: 700, Message: Postmark.searchMessages.countRequired } }
    expect(await refused("?offset=0")).toEqual(count)
    expect(await refused("?count=0&offset=0")).toEqual(count)
    expect(await refused("?count=501&offset=0")).toEqual(count)
    expect(await refused("?count=10")).toMatchObject({ body: { ErrorCode: 700 } })
    expect(await refused("?count=500&offset=9501")).toEqual({
      status: 422,
      body: { ErrorCode: 700, Message: Postmark.searchMessages.tooDeep }
    })
    expect((await refused("?count=500&offset=9500")).status).toBe(200)
    expect(await refused("?count=1&offset=0&status=bounced")).toMatchObject({ status: 422, body: { ErrorCode: 700 } })
    expect(await refused("?count=1&offset=0&fromdate=tomorrow")).toMatchObject({ body: { ErrorCode: 700 } })
    const error = await failure(client().getOutboundMessages({ count: 501, offset: 0 }))
    expect(error).toBeInstanceOf(Errors.ApiInputError)
    expect(error).toMatchObject({ statusCode: 422, code: 700 })
    expect(sim.errorEntry("messages_query_invalid").reason).toBe("InvalidRequest")
  })

  it("finds an email sent through an AmbiguousCommit by recipient + metadata", async () => {
    sim.faults.add(Faults.failTimes(1, Faults.ambiguousCommit, { operation: "email.send" }))
    const cause = await failure(client().sendEmail(email({ Metadata: { key: "booking-17" } })))
    expect(cause).toMatchObject({ statusCode: 0, message: "fetch failed" })
    await client().sendEmail(email({ Metadata: { key: "booking-18" } }))
    const [effect] = sim.ledger.sideEffects("email")
    const found = await client().getOutboundMessages({
      count: 50,
      offset: 0,
      recipient: "ana@example.com",
      metadata_key: "booking-17"
    })
    expect(found.TotalCount).toBe(1)
    expect(found.Messages[0]).toMatchObject({ MessageID: effect?.id, Metadata: { key: "booking-17" }, Status: "Sent" })
    expect(sim.ledger.requests().map((request) => [request.operation, request.outcome])).toEqual([
      ["email.send", "reset"],
      ["email.send", "answered"],
      ["messages.outboundSearch", "answered"]
    ])
    await sim.settle()
  })
})
