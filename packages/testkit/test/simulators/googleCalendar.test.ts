/**
 * The Google Calendar simulator, driven by the real `@googleapis/calendar`
 * client (gaxios) with retries off: events, incremental sync, credentials,
 * every catalogue entry and network fault as the SDK surfaces it, push
 * notifications verified by a constant-time token receiver. The adapter's
 * classification of all this is tested where the adapter lives
 * (`@wedsync/adapter-calendar`: `googleErrors.test.ts`, `GoogleCalendar.test.ts`).
 */
import { timingSafeEqual } from "node:crypto"
import { createServer, type IncomingHttpHeaders, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { auth, calendar, type calendar_v3 } from "@googleapis/calendar"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import * as Faults from "../../src/Faults.ts"
import * as Simulator from "../../src/Simulator.ts"
import * as GoogleCalendar from "../../src/simulators/googleCalendar.ts"
import * as Webhooks from "../../src/Webhooks.ts"

type Sim = Simulator.Running<GoogleCalendar.State, GoogleCalendar.Credentials>

/** What a GaxiosError exposes that these tests read. */
interface SdkError extends Error {
  readonly status?: number
  readonly code?: string | number
  readonly response?: { readonly status: number; readonly data: unknown; readonly headers: Headers }
}

interface GoogleBody {
  readonly error: {
    readonly code: number
    readonly message: string
    readonly status: string
    readonly errors: ReadonlyArray<{ readonly reason: string; readonly domain: string; readonly message: string }>
  }
}

let sim: Sim

const clientFor = (url: string, options: { readonly token?: string; readonly timeout?: number } = {}) => {
  const oauth = new auth.OAuth2()
  oauth.setCredentials({ access_token: options.token ?? sim.credentials.accessToken })
  return calendar({
    version: "v3",
    rootUrl: `${url}/`,
    auth: oauth,
    retry: false,
    ...(options.timeout === undefined ? {} : { timeout: options.timeout })
  })
}

const client = (options: { readonly token?: string; readonly timeout?: number } = {}) => clientFor(sim.url, options)

const failure = async (promise: Promise<unknown>): Promise<SdkError> => {
  try {
    await promise
  } catch (error) {
    return error as SdkError
  }
  throw new Error("expected the SDK call to fail")
}

const bodyOf = (error: SdkError): GoogleBody => error.response?.data as GoogleBody

const timed = (hour: number, minutes = 0) => ({
  dateTime: `2026-06-06T${String(hour).padStart(2, "0")}:${String(minutes).padStart(2, "0")}:00+01:00`,
  timeZone: "Europe/London"
})

const ceremony = (id?: string): calendar_v3.Schema$Event => ({
  ...(id === undefined ? {} : { id }),
  summary: "Ceremony",
  location: "St Mary's, Oxford",
  start: timed(13),
  end: timed(14),
  attendees: [{ email: "photographer@example.com" }]
})

const insert = (id?: string, calendarId = "primary") =>
  client().events.insert({ calendarId, requestBody: ceremony(id) })

const requests = (operation?: string) => sim.ledger.requests(operation === undefined ? {} : { operation })

beforeAll(async () => {
  sim = await Simulator.start(GoogleCalendar.definition, { seed: 7 })
})
beforeEach(() => sim.reset())
afterAll(() => sim.stop())

describe("events", () => {
  it("inserts with a client id and answers Google's calendar#event", async () => {
    const response = await client().events.insert({
      calendarId: "primary",
      sendUpdates: "all",
      conferenceDataVersion: 1,
      requestBody: ceremony("ceremonia01")
    })
    expect(response.status).toBe(200)
    expect(response.data).toMatchObject({
      kind: "calendar#event",
      id: "ceremonia01",
      status: "confirmed",
      summary: "Ceremony",
      start: timed(13),
      iCalUID: "ceremonia01@google.com",
      sequence: 0,
      reminders: { useDefault: true },
      organizer: { email: "planner@wedsync.test", self: true },
      attendees: [{ email: "photographer@example.com", responseStatus: "needsAction" }]
    })
    expect(response.data.etag).toMatch(/^"\d+"$/)
    expect(response.data.htmlLink).toMatch(/^https:\/\/www\.google\.com\/calendar\/event\?eid=/)
    expect((response.headers as unknown as Headers).get("etag")).toBe(response.data.etag)
    const [request] = requests("events.insert")
    expect(request?.query).toBe("?sendUpdates=all&conferenceDataVersion=1")
    expect(request?.headers.authorization).toBe("<redacted>")
    expect(sim.ledger.sideEffects("event")).toMatchObject([{ id: "ceremonia01", key: "ceremonia01" }])
  })

  it("generates a base32hex id when none is given", async () => {
    const { data } = await insert()
    expect(data.id).toMatch(/^[a-v0-9]{26}$/)
  })

  it("refuses ids outside base32hex, a taken id, a missing end and an empty range as Google does", async () => {
    for (const id of ["wsw123tasting", "ab1", "UPPERCASE1"]) {
      const error = await failure(insert(id))
      expect(error.status).toBe(400)
      expect(bodyOf(error).error).toMatchObject({
        message: "Invalid resource id value.",
        errors: [{ reason: "invalid" }]
      })
    }
    await insert("tasting001")
    const duplicate = await failure(insert("tasting001"))
    expect(duplicate.status).toBe(409)
    expect(duplicate.message).toBe("The requested identifier already exists.")
    expect(bodyOf(duplicate).error.errors[0]?.reason).toBe("duplicate")
    expect(sim.ledger.sideEffects("event")).toHaveLength(1)
    const missingEnd = await failure(
      client().events.insert({ calendarId: "primary", requestBody: { summary: "x", start: timed(9) } })
    )
    expect(bodyOf(missingEnd).error).toMatchObject({ code: 400, message: "Missing end time." })
    const empty = await failure(
      client().events.insert({ calendarId: "primary", requestBody: { summary: "x", start: timed(9), end: timed(9) } })
    )
    expect(bodyOf(empty).error.errors[0]?.reason).toBe("timeRangeEmpty")
  })

  it("gets, patches and deletes; a second delete is 410 and get shows the event cancelled", async () => {
    const { data: created } = await insert("firstdance01")
    const api = client()
    const { data: got } = await api.events.get({ calendarId: "primary", eventId: "firstdance01" })
    expect(got).toEqual(created)
    const { data: patched } = await api.events.patch({
      calendarId: "primary",
      eventId: "firstdance01",
      requestBody: { location: "The Orangery", start: timed(13, 30) }
    })
    expect(patched).toMatchObject({ location: "The Orangery", summary: "Ceremony", sequence: 1, start: timed(13, 30) })
    expect(patched.etag).not.toBe(created.etag)
    const removed = await api.events.delete({ calendarId: "primary", eventId: "firstdance01" })
    expect(removed.status).toBe(204)
    const again = await failure(api.events.delete({ calendarId: "primary", eventId: "firstdance01" }))
    expect(again.status).toBe(410)
    expect(bodyOf(again).error).toMatchObject({ message: "Resource has been deleted", errors: [{ reason: "deleted" }] })
    const { data: cancelled } = await api.events.get({ calendarId: "primary", eventId: "firstdance01" })
    expect(cancelled.status).toBe("cancelled")
    expect(sim.ledger.sideEffects().map((effect) => effect.kind)).toEqual(["event", "event.patch", "event.delete"])
  })

  it("answers 404 for unknown events and calendars, 403 for writes to a read-only calendar", async () => {
    const missing = await failure(client().events.get({ calendarId: "primary", eventId: "nosuchevent" }))
    expect(missing.status).toBe(404)
    expect(bodyOf(missing).error.errors[0]?.reason).toBe("notFound")
    const calendarMissing = await failure(insert(undefined, "someone@example.com"))
    expect(calendarMissing.status).toBe(404)
    const holidays = "en.uk#holiday@group.v.calendar.google.com"
    const readOnly = await failure(insert(undefined, holidays))
    expect(readOnly.status).toBe(403)
    expect(bodyOf(readOnly).error.errors[0]?.reason).toBe("requiredAccessLevel")
    expect((await client().events.list({ calendarId: holidays })).status).toBe(200)
    expect((await insert(undefined, "team@group.calendar.google.com")).status).toBe(200)
  })
})

describe("incremental sync", () => {
  const listAll = async (params: calendar_v3.Params$Resource$Events$List) => {
    const pages: Array<calendar_v3.Schema$Events> = []
    let pageToken: string | undefined
    do {
      const { data } = await client().events.list({ ...params, ...(pageToken === undefined ? {} : { pageToken }) })
      pages.push(data)
      pageToken = data.nextPageToken ?? undefined
    } while (pageToken !== undefined)
    return pages
  }

  it("pages a full listing, then lists only the changes since its nextSyncToken", async () => {
    for (const id of ["event00001", "event00002", "event00003", "event00004", "event00005"]) await insert(id)
    const pages = await listAll({ calendarId: "primary", maxResults: 2 })
    expect(pages.map((page) => page.items?.map((item) => item.id))).toEqual([
      ["event00001", "event00002"],
      ["event00003", "event00004"],
      ["event00005"]
    ])
    expect(pages.map((page) => page.nextSyncToken !== undefined)).toEqual([false, false, true])
    expect(pages[0]).toMatchObject({ kind: "calendar#events", accessRole: "owner" })
    const api = client()
    await insert("event00006")
    await api.events.patch({ calendarId: "primary", eventId: "event00002", requestBody: { summary: "Moved" } })
    await api.events.delete({ calendarId: "primary", eventId: "event00003" })
    const [changes] = await listAll({ calendarId: "primary", syncToken: pages[2]?.nextSyncToken ?? "" })
    expect(changes?.items).toMatchObject([
      { id: "event00006", status: "confirmed" },
      { id: "event00002", summary: "Moved" },
      { kind: "calendar#event", id: "event00003", status: "cancelled" }
    ])
    expect(changes?.items?.[2]).not.toHaveProperty("summary")
    const [nothing] = await listAll({ calendarId: "primary", syncToken: changes?.nextSyncToken ?? "" })
    expect(nothing?.items).toEqual([])
  })

  it("filters by timeMin/timeMax and hides deleted events unless showDeleted", async () => {
    await insert("morning001")
    await client().events.insert({
      calendarId: "primary",
      requestBody: { id: "evening001", summary: "Party", start: timed(19), end: timed(23) }
    })
    await client().events.delete({ calendarId: "primary", eventId: "morning001" })
    const ids = async (params: Partial<calendar_v3.Params$Resource$Events$List>) =>
      (await client().events.list({ calendarId: "primary", ...params })).data.items?.map((item) => item.id)
    expect(await ids({})).toEqual(["evening001"])
    expect(await ids({ showDeleted: true })).toEqual(["morning001", "evening001"])
    expect(await ids({ timeMin: "2026-06-06T20:00:00Z", timeMax: "2026-06-07T00:00:00Z" })).toEqual(["evening001"])
    expect(await ids({ timeMax: "2026-06-06T12:00:00Z" })).toEqual([])
  })

  it("answers 410 fullSyncRequired for an expired or unknown token, 400 for a token with timeMin", async () => {
    const { data } = await client().events.list({ calendarId: "primary" })
    GoogleCalendar.expireSyncTokens(sim.state)
    for (const syncToken of [data.nextSyncToken ?? "", "CPDAlvWDx70CEPDAlvWDx70CGAU="]) {
      const error = await failure(client().events.list({ calendarId: "primary", syncToken }))
      expect(error.status).toBe(410)
      expect(error.response?.data).toEqual({
        error: {
          code: 410,
          message: "Sync token is no longer valid, a full sync is required.",
          errors: [
            {
              domain: "global",
              reason: "fullSyncRequired",
              message: "Sync token is no longer valid, a full sync is required."
            }
          ],
          status: "GONE"
        }
      })
    }
    const { data: fresh } = await client().events.list({ calendarId: "primary" })
    const mixed = await failure(
      client().events.list({
        calendarId: "primary",
        syncToken: fresh.nextSyncToken ?? "",
        timeMin: "2026-01-01T00:00:00Z"
      })
    )
    expect(mixed.status).toBe(400)
  })
})

describe("credentials", () => {
  it("answers a wrong access token with Google's 401 authError, in one request", async () => {
    const error = await failure(client({ token: "ya29.wrong" }).events.list({ calendarId: "primary" }))
    expect(error.status).toBe(401)
    expect(error.code).toBe(401)
    expect(error.response?.data).toEqual({
      error: {
        code: 401,
        message:
          "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
        errors: [
          {
            message: "Invalid Credentials",
            domain: "global",
            reason: "authError",
            location: "Authorization",
            locationType: "header"
          }
        ],
        status: "UNAUTHENTICATED"
      }
    })
    expect(error.response?.headers.get("www-authenticate")).toContain("invalid_token")
    expect(requests()).toHaveLength(1)
  })

  it("answers a request without an OAuth token (an API key only) with 401 required", async () => {
    const api = calendar({ version: "v3", rootUrl: `${sim.url}/`, auth: "AIzaSyWedSyncSimulator", retry: false })
    const error = await failure(api.events.list({ calendarId: "primary" }))
    expect(error.status).toBe(401)
    expect(bodyOf(error).error.errors[0]).toMatchObject({ reason: "required", message: "Login Required." })
    expect(requests()[0]?.query).toBe("?key=AIzaSyWedSyncSimulator")
  })
})

/** The catalogue's replies ignore the request; any will do. */
const probe: Simulator.SimRequest = {
  method: "GET",
  path: "/",
  query: new URLSearchParams(),
  headers: {},
  rawBody: "",
  params: {},
  operation: "events.get",
  json: () => ({}),
  form: () => ({})
}

describe("error catalogue", () => {
  for (const [name, entry] of Object.entries(GoogleCalendar.errors)) {
    it(`${name} reaches the SDK as Google sends it`, async () => {
      const expected = entry.reply(probe, { retryAfterSeconds: 3 })
      const expectedBody = expected.body as GoogleBody
      sim.faults.add(Faults.rule(Faults.error(name, { retryAfterSeconds: 3 }), { times: 1 }))
      const error = await failure(client().events.get({ calendarId: "primary", eventId: "anyevent1" }))
      expect(error.status).toBe(expected.status)
      expect(error.message).toBe(expectedBody.error.message)
      expect(bodyOf(error).error.errors[0]?.reason).toBe(expectedBody.error.errors[0]?.reason)
      expect(error.response?.headers.get("retry-after")).toBe(expected.status === 429 ? "3" : null)
      expect(requests("events.get")).toHaveLength(1)
    })
  }

  it("picks one entry per kind", async () => {
    for (const [kind, status] of [
      ["unavailable", 500],
      ["rateLimited", 429],
      ["providerPermanent", 401],
      ["requestPermanent", 400]
    ] as const) {
      sim.faults.add(Faults.rule(Faults.error(kind), { times: 1 }))
      expect((await failure(client().events.list({ calendarId: "primary" }))).status).toBe(status)
    }
  })
})

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis))

describe("network faults", () => {
  it("hang: the SDK timeout fires and the simulator records clientAborted", async () => {
    sim.faults.add(Faults.rule(Faults.hang, { operation: "events.get" }))
    const started = Date.now()
    const error = await failure(client({ timeout: 300 }).events.get({ calendarId: "primary", eventId: "anyevent1" }))
    expect(error.code).toBe("TimeoutError")
    expect(Date.now() - started).toBeLessThan(1_000)
    await sleep(20)
    expect(requests("events.get").map((request) => request.outcome)).toEqual(["clientAborted"])
  })

  it("a per-call AbortSignal cancels the request on the wire", async () => {
    sim.faults.add(Faults.rule(Faults.hang, { operation: "events.list" }))
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 100)
    const error = await failure(client().events.list({ calendarId: "primary" }, { signal: controller.signal }))
    expect(error.code).toBe("AbortError")
    await sleep(20)
    expect(requests("events.list").map((request) => request.outcome)).toEqual(["clientAborted"])
  })

  it("reset and connection refused surface as network error codes", async () => {
    sim.faults.add(Faults.rule(Faults.reset, { times: 1 }))
    const reset = await failure(client().events.list({ calendarId: "primary" }))
    expect(reset.response).toBeUndefined()
    expect(reset.code).toBe("ECONNRESET")
    const refused = await failure(
      clientFor(`http://127.0.0.1:${await Simulator.closedPort()}`).events.list({ calendarId: "primary" })
    )
    expect(refused.code).toBe("ECONNREFUSED")
  })

  it("malformed: gaxios does not throw but hands back the text", async () => {
    sim.faults.add(Faults.rule(Faults.malformed, { times: 1 }))
    const response = await client().events.list({ calendarId: "primary" })
    expect(response.status).toBe(200)
    expect(typeof response.data).toBe("string")
  })

  it("ambiguous commit: the event exists though the SDK failed; a retry with the same id gets 409", async () => {
    sim.faults.add(Faults.rule(Faults.ambiguousCommit, { operation: "events.insert", times: 1 }))
    expect((await failure(insert("speeches01"))).code).toBe("ECONNRESET")
    expect(sim.ledger.sideEffects("event")).toMatchObject([{ id: "speeches01" }])
    expect((await failure(insert("speeches01"))).status).toBe(409)
    expect((await client().events.get({ calendarId: "primary", eventId: "speeches01" })).data.id).toBe("speeches01")
    expect(sim.ledger.byKey("event").get("speeches01")).toHaveLength(1)
  })

  it("latency delays the answer", async () => {
    sim.faults.add(Faults.latency({ millis: 150 }, { operation: "events.list" }))
    const started = Date.now()
    await client().events.list({ calendarId: "primary" })
    expect(Date.now() - started).toBeGreaterThanOrEqual(140)
  })

  it("failTimes, scripts and an outage window, one request per SDK call", async () => {
    sim.faults.add(Faults.failTimes(2, Faults.error("unavailable"), { operation: "events.insert" }))
    expect((await failure(insert())).status).toBe(500)
    expect((await failure(insert())).status).toBe(500)
    expect((await insert()).status).toBe(200)
    expect(requests("events.insert")).toHaveLength(3)
    sim.faults.script("events.get", [Faults.reset, Faults.error("rateLimitExceeded"), Faults.pass])
    const get = () => client().events.get({ calendarId: "primary", eventId: "anyevent1" })
    expect((await failure(get())).code).toBe("ECONNRESET")
    expect((await failure(get())).status).toBe(403)
    expect((await failure(get())).status).toBe(404)
    expect(requests("events.get")).toHaveLength(3)
    sim.faults.add(Faults.outage({ forMillis: 150, operation: "events.list" }))
    expect((await failure(client().events.list({ calendarId: "primary" }))).status).toBe(500)
    await sleep(170)
    expect((await client().events.list({ calendarId: "primary" })).status).toBe(200)
  })

  it("gaxios' own retry (the default) would replay a GET; retry:false keeps it to one request", async () => {
    sim.faults.add(Faults.failTimes(2, Faults.error("serviceUnavailable"), { operation: "events.get" }))
    const oauth = new auth.OAuth2()
    oauth.setCredentials({ access_token: sim.credentials.accessToken })
    const retrying = calendar({ version: "v3", rootUrl: `${sim.url}/`, auth: oauth })
    const error = await failure(
      retrying.events.get({ calendarId: "primary", eventId: "anyevent1" }, { retryConfig: { retryDelay: 1 } })
    )
    expect(error.status).toBe(404)
    expect(requests("events.get")).toHaveLength(3)
  })

  it("the same seed draws the same faults and ids", async () => {
    const run = async () => {
      const seeded = await Simulator.start(GoogleCalendar.definition, { seed: 99 })
      seeded.faults.add(Faults.rule(Faults.error("unavailable"), { rate: 0.5 }))
      const outcomes: Array<string> = []
      for (let i = 0; i < 12; i++) {
        const api = clientFor(seeded.url)
        try {
          const { data } = await api.events.insert({ calendarId: "primary", requestBody: ceremony() })
          outcomes.push(data.id ?? "")
        } catch (error) {
          outcomes.push(String((error as SdkError).status))
        }
      }
      await seeded.stop()
      return outcomes
    }
    const first = await run()
    expect(first).toContain("500")
    expect(first.some((outcome) => /^[a-v0-9]{26}$/.test(outcome))).toBe(true)
    expect(await run()).toEqual(first)
  })
})

/** Constant-time comparison; Google's channel token is the only credential a notification carries. */
const sameToken = (received: string | Array<string> | undefined, expected: string): boolean => {
  if (typeof received !== "string") return false
  const left = Buffer.from(received)
  const right = Buffer.from(expected)
  return left.length === right.length && timingSafeEqual(left, right)
}

interface Notification {
  readonly headers: IncomingHttpHeaders
  readonly body: string
  readonly status: number
}

/** A push receiver that accepts a notification only for a channel it opened, with that channel's token. */
const startReceiver = async () => {
  const channels = new Map<string, string>()
  const received: Array<Notification> = []
  const server: Server = createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      const channelId = request.headers["x-goog-channel-id"]
      const expected = typeof channelId === "string" ? channels.get(channelId) : undefined
      const status = expected !== undefined && sameToken(request.headers["x-goog-channel-token"], expected) ? 200 : 401
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString("utf8"), status })
      response.writeHead(status).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/google/push`,
    channels,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

describe("push notifications", () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>
  beforeAll(async () => {
    receiver = await startReceiver()
  })
  beforeEach(() => {
    receiver.channels.clear()
    receiver.received.length = 0
  })
  afterAll(() => receiver.close())

  const watch = (id: string, token: string = sim.credentials.channelToken, address = receiver.url) => {
    receiver.channels.set(id, token)
    return client().events.watch({ calendarId: "primary", requestBody: { id, type: "web_hook", address, token } })
  }

  it("watch answers an api#channel, sends sync, then exists on each change, until stopped", async () => {
    const { data: channel } = await watch("channel-1")
    expect(channel).toMatchObject({
      kind: "api#channel",
      id: "channel-1",
      token: sim.credentials.channelToken,
      resourceUri: "https://www.googleapis.com/calendar/v3/calendars/primary/events?alt=json"
    })
    expect(Number(channel.expiration)).toBeGreaterThan(Date.now())
    await sim.settle()
    await insert("toast00001")
    await client().events.patch({ calendarId: "primary", eventId: "toast00001", requestBody: { summary: "Toasts" } })
    await sim.settle()
    expect(receiver.received.map((message) => message.status)).toEqual([200, 200, 200])
    expect(receiver.received.map((message) => message.headers["x-goog-resource-state"])).toEqual([
      "sync",
      "exists",
      "exists"
    ])
    expect(receiver.received.map((message) => message.headers["x-goog-message-number"])).toEqual(["1", "2", "3"])
    const [first] = receiver.received
    expect(first?.body).toBe("")
    expect(first?.headers).toMatchObject({
      "x-goog-channel-id": "channel-1",
      "x-goog-resource-id": channel.resourceId,
      "x-goog-resource-uri": channel.resourceUri,
      "x-goog-channel-expiration": new Date(Number(channel.expiration)).toUTCString()
    })
    const resourceId = channel.resourceId ?? ""
    const stopped = await client().channels.stop({ requestBody: { id: "channel-1", resourceId } }, {})
    expect(stopped.status).toBe(204)
    await insert("toast00002")
    await sim.settle()
    expect(receiver.received).toHaveLength(3)
    expect(sim.ledger.sideEffects("channel")).toHaveLength(1)
  })

  it("carries each channel's own registered token", async () => {
    await watch("channel-2", "ch=channel-2&sig=8f14e45fceea167a")
    await insert("toast00003")
    await sim.settle()
    expect(receiver.received.map((message) => [message.headers["x-goog-channel-token"], message.status])).toEqual([
      ["ch=channel-2&sig=8f14e45fceea167a", 200],
      ["ch=channel-2&sig=8f14e45fceea167a", 200]
    ])
  })

  it("refuses a non-HTTPS address and a reused channel id; stopping an unknown channel is 404", async () => {
    const insecure = await failure(watch("channel-3", undefined, "http://hooks.example.com/google"))
    expect(insecure.status).toBe(400)
    expect(bodyOf(insecure).error.errors[0]?.reason).toBe("push.webhookUrlNotHttps")
    await watch("channel-4")
    const reused = await failure(watch("channel-4"))
    expect(bodyOf(reused).error.errors[0]?.reason).toBe("channelIdNotUnique")
    const unknown = await failure(client().channels.stop({ requestBody: { id: "nope", resourceId: "nope" } }, {}))
    expect(unknown.status).toBe(404)
  })

  it("a wrong or missing token is refused; body and timestamp tampering do not apply to Google's scheme", async () => {
    const { data } = await watch("channel-5")
    await sim.settle()
    receiver.received.length = 0
    const channel: GoogleCalendar.PushChannel = {
      id: "channel-5",
      resourceId: data.resourceId ?? "",
      resourceUri: data.resourceUri ?? "",
      expiration: Number(data.expiration),
      address: receiver.url
    }
    const statuses: Record<string, number | "unreachable"> = {}
    for (const tamper of [undefined, ...Webhooks.tampers]) {
      const delivery = sim.buildWebhook(
        GoogleCalendar.events.exists(channel, 9),
        tamper === undefined ? {} : { tamper }
      )
      const [record] = await sim.deliver(delivery)
      statuses[tamper ?? "none"] = record?.status ?? "unreachable"
    }
    // Google signs nothing: no timestamp, and the (empty) body is not covered by the token.
    expect(statuses).toEqual({ none: 200, body: 200, staleTimestamp: 200, wrongSecret: 401, missingHeader: 401 })
  })
})
