/**
 * The Twilio simulator's Message list (`GET …/Messages.json`, operation
 * `messages.list`) driven by the real `twilio` SDK (6.3.1): filters, DateSent
 * by day, newest first, paging through `next_page_uri`, and reconciliation of
 * a message created through an `AmbiguousCommit`.
 */
import twilio from "twilio"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import * as Faults from "../../src/Faults.ts"
import * as Simulator from "../../src/Simulator.ts"
import * as Twilio from "../../src/simulators/twilio.ts"

type Running = Simulator.Running<Twilio.State, Twilio.Credentials>

let sim: Running

beforeAll(async () => {
  sim = await Simulator.start(Twilio.definition, { seed: 23 })
})
afterAll(() => sim.stop())
beforeEach(() => sim.reset())

const clientFor = (target: Running) => {
  const httpClient = new twilio.RequestClient({ timeout: 2_000 })
  const client = twilio(target.credentials.accountSid, target.credentials.authToken, { httpClient, autoRetry: false })
  client.api.baseUrl = target.url
  return client
}

const ANA = "+15558675310"
const BEN = "+15558675311"
const FROM = "+15005550006"

const raw = async (query: string): Promise<{ readonly status: number; readonly body: Record<string, unknown> }> => {
  const { accountSid, authToken } = sim.credentials
  const response = await fetch(`${sim.url}/2010-04-01/Accounts/${accountSid}/Messages.json${query}`, {
    headers: { authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString("base64")}` }
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

const utcDay = (date: Date) => date.toISOString().slice(0, 10)

describe("messages.list", () => {
  it("lists newest first, filters To and From, each message as the fetch renders it", async () => {
    const client = clientFor(sim)
    const first = await client.messages.create({ to: ANA, from: FROM, body: "one" })
    const second = await client.messages.create({ to: BEN, from: FROM, body: "two" })
    const third = await client.messages.create({ to: ANA, from: "+15558670000", body: "three" })
    expect((await client.messages.list()).map((message) => message.sid)).toEqual([third.sid, second.sid, first.sid])
    expect((await client.messages.list({ to: ANA })).map((message) => message.body)).toEqual(["three", "one"])
    expect((await client.messages.list({ to: ANA, from: FROM })).map((message) => message.sid)).toEqual([first.sid])
    const [listed] = await client.messages.list({ to: BEN })
    const fetched = await client.messages(second.sid).fetch()
    expect(listed?.toJSON()).toEqual(fetched.toJSON())
    expect(sim.ledger.requests({ operation: "messages.list" })).toHaveLength(4)
  })

  it("answers Twilio's page envelope, and twilio-node follows next_page_uri to the end", async () => {
    const client = clientFor(sim)
    const sids: Array<string> = []
    for (let i = 0; i < 5; i++) sids.unshift((await client.messages.create({ to: ANA, from: FROM, body: `m${i}` })).sid)
    const listed = await client.messages.list({ to: ANA, pageSize: 2 })
    expect(listed.map((message) => message.sid)).toEqual(sids)
    expect(sim.ledger.requests({ operation: "messages.list" })).toHaveLength(3)
    const limited = await client.messages.list({ pageSize: 2, limit: 3 })
    expect(limited.map((message) => message.sid)).toEqual(sids.slice(0, 3))

    const base = `/2010-04-01/Accounts/${sim.credentials.accountSid}/Messages.json`
    const page0 = await raw(`?To=${encodeURIComponent(ANA)}&PageSize=2`)
    expect(page0.status).toBe(200)
    expect(page0.body).toMatchObject({
      page: 0,
      page_size: 2,
      start: 0,
      end: 1,
      previous_page_uri: null,
      first_page_uri: `${base}?To=%2B15558675310&PageSize=2&Page=0`,
      uri: `${base}?To=%2B15558675310&PageSize=2&Page=0`,
      next_page_uri: `${base}?To=%2B15558675310&PageSize=2&Page=1&PageToken=PA${sids[1]}`
    })
    const next = String(page0.body.next_page_uri).slice(base.length)
    const page1 = await raw(next)
    expect(page1.body).toMatchObject({ page: 1, start: 2, end: 3 })
    expect((page1.body.messages as Array<{ sid: string }>).map((message) => message.sid)).toEqual(sids.slice(2, 4))
    expect(page1.body.previous_page_uri).toBe(`${base}?To=%2B15558675310&PageSize=2&Page=0&PageToken=PB${sids[2]}`)
    const last = await raw(String(page1.body.next_page_uri).slice(base.length))
    expect(last.body).toMatchObject({ page: 2, start: 4, end: 4, next_page_uri: null })
    const empty = await raw(`?To=${encodeURIComponent("+15550000000")}`)
    expect(empty.body).toMatchObject({ messages: [], page: 0, page_size: 50, start: 0, end: 0, next_page_uri: null })
    expect((await raw("?PageSize=5000")).body.page_size).toBe(1000)
  })

  it("DateSent filters by UTC day only, and a message whose date_sent is null matches none", async () => {
    const client = clientFor(sim)
    const sent = await client.messages.create({ to: ANA, from: FROM, body: "sent" })
    const queued = await client.messages.create({ to: ANA, from: FROM, body: "still queued" })
    // Model a message Twilio has not sent yet: status queued, date_sent null.
    const stored = sim.state.messages.get(queued.sid)
    if (stored === undefined) throw new Error("the queued message is not stored")
    stored.status = "queued"
    stored.dateSent = null
    const day = utcDay(new Date())
    const startOfDay = new Date(`${day}T00:00:00Z`)
    const endOfDay = new Date(`${day}T23:59:59Z`)
    const sids = async (params: Parameters<typeof client.messages.list>[0]) =>
      (await client.messages.list(params)).map((message) => message.sid)
    expect(await sids({ to: ANA })).toEqual([queued.sid, sent.sid])
    expect(await sids({ to: ANA, dateSent: new Date() })).toEqual([sent.sid])
    // "The last 30 seconds" is the whole day: only the date part counts.
    expect(await sids({ to: ANA, dateSentAfter: endOfDay })).toEqual([sent.sid])
    expect(await sids({ to: ANA, dateSentBefore: startOfDay })).toEqual([sent.sid])
    expect(await sids({ to: ANA, dateSentBefore: new Date(startOfDay.getTime() - 1_000) })).toEqual([])
    expect(await sids({ to: ANA, dateSentAfter: new Date(endOfDay.getTime() + 1_000) })).toEqual([])
    const [request] = sim.ledger.requests({ operation: "messages.list" }).slice(1, 2)
    expect(new URLSearchParams(request?.query).get("DateSent")).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/)
    expect((await raw(`?DateSent=${day}`)).body.messages).toHaveLength(1)
    const invalid = await raw("?DateSent=yesterday")
    expect(invalid).toMatchObject({ status: 400, body: { code: 20001, status: 400 } })
  })

  it("finds a message created through an AmbiguousCommit, though the create failed", async () => {
    const client = clientFor(sim)
    sim.faults.add(Faults.failTimes(1, Faults.ambiguousCommit, { operation: "messages.create" }))
    const attemptStarted = new Date(Date.now() - 1_000)
    const cause = await client.messages.create({ to: ANA, from: FROM, body: "ref k-42" }).then(
      () => undefined,
      (error: unknown) => error
    )
    expect((cause as { readonly code?: string }).code).toBe("ECONNRESET")
    const [effect] = sim.ledger.sideEffects("message")
    const found = (await client.messages.list({ to: ANA, from: FROM })).filter(
      (message) => message.body === "ref k-42" && message.dateCreated >= attemptStarted
    )
    expect(found.map((message) => message.sid)).toEqual([effect?.id])
    expect(sim.ledger.requests().map((request) => [request.operation, request.outcome])).toEqual([
      ["messages.create", "reset"],
      ["messages.list", "answered"]
    ])
  })

  it("faults can target messages.list", async () => {
    sim.faults.add(Faults.failTimes(1, Faults.error("internal_error"), { operation: "messages.list" }))
    const cause = await clientFor(sim)
      .messages.list()
      .then(
        () => undefined,
        (error: unknown) => error
      )
    expect(cause).toBeInstanceOf(twilio.RestException)
    expect((cause as InstanceType<typeof twilio.RestException>).code).toBe(20500)
  })
})
