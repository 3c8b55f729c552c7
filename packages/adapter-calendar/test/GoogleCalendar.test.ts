/**
 * The Google Calendar adapter on the real SDK against the simulator: events
 * end to end, deterministic ids and the idempotent insert (an ambiguous
 * commit retried answers the event it made, once), free/busy, push channels,
 * aborting, timeouts, credentials and options. Moved here, with more, from
 * testkit's fixture adapter tests, which this package replaces.
 */
import { Cause, Config, ConfigProvider, Effect, Exit, Layer, Redacted } from "effect"
import { CalendarProvider, type IntegrationError } from "@wedsync/core"
import { Faults, Simulator } from "@wedsync/testkit"
import * as GoogleCalendarSim from "@wedsync/testkit/simulators/googleCalendar"
import * as fc from "fast-check"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import * as GoogleCalendar from "../src/GoogleCalendar.ts"
import { fromFreeBusy } from "../src/internal/events.ts"

type Running = Simulator.Running<GoogleCalendarSim.State, GoogleCalendarSim.Credentials>
type Services = CalendarProvider.CalendarProvider | GoogleCalendar.Channels
let sim: Running

beforeAll(async () => {
  sim = await Simulator.start(GoogleCalendarSim.definition, { seed: 9 })
})
afterAll(() => sim.stop())
beforeEach(() => sim.reset())

const requests = (operation?: string) => sim.ledger.requests(operation === undefined ? {} : { operation })
const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis))

const live = (options: Partial<GoogleCalendar.Options> = {}) =>
  GoogleCalendar.layer({ baseUrl: sim.url, accessToken: Redacted.make(sim.credentials.accessToken), ...options })

const run = <A>(
  effect: Effect.Effect<A, IntegrationError.IntegrationError, Services>,
  layer: Layer.Layer<Services, IntegrationError.IntegrationError> = live()
) => Effect.runPromiseExit(Effect.provide(effect, layer))

const succeed = async <A>(effect: Effect.Effect<A, IntegrationError.IntegrationError, Services>, layer = live()) => {
  const exit = await run(effect, layer)
  if (Exit.isFailure(exit)) throw Cause.squash(exit.cause)
  return exit.value
}

const fail = async <A>(effect: Effect.Effect<A, IntegrationError.IntegrationError, Services>, layer = live()) => {
  const exit = await run(effect, layer)
  if (Exit.isSuccess(exit)) throw new Error("expected the adapter to fail")
  return Cause.squash(exit.cause) as IntegrationError.IntegrationError
}

const calendar = <A>(
  use: (port: CalendarProvider.CalendarProvider["Service"]) => Effect.Effect<A, IntegrationError.IntegrationError>
) => Effect.flatMap(Effect.service(CalendarProvider.CalendarProvider), use)

const event = (id: string | undefined, hour = 13) =>
  new CalendarProvider.CalendarEvent({
    ...(id === undefined ? {} : { id }),
    summary: "Ceremony",
    start: { dateTime: `2026-06-06T${hour}:00:00+01:00`, timeZone: "Europe/London" },
    end: { dateTime: `2026-06-06T${hour + 1}:00:00+01:00`, timeZone: "Europe/London" },
    attendees: [{ email: "photographer@example.com" }]
  })

describe("eventId", () => {
  it("is Google's base32hex, 52 characters, the same for the same key and different for another", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (a, b) => {
        const id = GoogleCalendar.eventId(a)
        expect(id).toMatch(/^[a-v0-9]{52}$/)
        expect(GoogleCalendar.eventId(a)).toBe(id)
        if (a !== b) expect(GoogleCalendar.eventId(b)).not.toBe(id)
      })
    )
    expect(GoogleCalendar.eventId("wedding:w_1/booking:b_1/ceremony")).toBe(
      GoogleCalendar.eventId("wedding:w_1/booking:b_1/ceremony")
    )
  })

  it("refuses an empty key", () => {
    expect(() => GoogleCalendar.eventId("")).toThrow(RangeError)
  })

  it("is an id Google accepts", async () => {
    const id = GoogleCalendar.eventId("wedding:w_1/booking:b_1/ceremony")
    const inserted = await succeed(calendar((port) => port.insertEvent("primary", event(id))))
    expect(inserted.id).toBe(id)
  })
})

describe("events", () => {
  it("inserts, updates, syncs incrementally and deletes idempotently", async () => {
    const id = GoogleCalendar.eventId("wedding:w_2/ceremony")
    const { inserted, full, updated, changes } = await succeed(
      calendar((port) =>
        Effect.gen(function* () {
          const inserted = yield* port.insertEvent("primary", event(id), { sendUpdates: "all" })
          const full = yield* port.listEvents("primary", {})
          const updated = yield* port.updateEvent("primary", id, { location: "The Orangery" })
          yield* port.deleteEvent("primary", id)
          yield* port.deleteEvent("primary", id)
          const changes = yield* port.listEvents("primary", { syncToken: full.nextSyncToken ?? "" })
          return { inserted, full, updated, changes }
        })
      )
    )
    expect(inserted).toMatchObject({ id, summary: "Ceremony", status: "confirmed" })
    expect(inserted.attendees).toEqual([{ email: "photographer@example.com", responseStatus: "needsAction" }])
    expect(full.events.map((item) => item.id)).toEqual([id])
    expect(updated.location).toBe("The Orangery")
    expect(changes).toMatchObject({ events: [], deletedEventIds: [id] })
    expect(requests("events.insert")[0]?.query).toBe("?sendUpdates=all")
    expect(requests("events.delete")).toHaveLength(2)
  })

  it("an expired sync token fails as InvalidRequest with status 410 and Google's reason", async () => {
    const first = await succeed(calendar((port) => port.listEvents("primary", {})))
    GoogleCalendarSim.expireSyncTokens(sim.state)
    const error = await fail(calendar((port) => port.listEvents("primary", { syncToken: first.nextSyncToken ?? "" })))
    expect(error).toMatchObject({ status: 410, providerCode: "fullSyncRequired", delivery: "notSent" })
    expect(error.reason._tag).toBe("InvalidRequest")
    expect(GoogleCalendar.isFullSyncRequired(error)).toBe(true)
  })

  it("an ambiguous commit fails maybe sent; the retry finds its id taken and answers that event, once", async () => {
    const id = GoogleCalendar.eventId("wedding:w_3/speeches")
    sim.faults.add(Faults.rule(Faults.ambiguousCommit, { operation: "events.insert", times: 1 }))
    const insert = calendar((port) => port.insertEvent("primary", event(id, 17)))
    const lost = await fail(insert)
    expect([lost.reason._tag, lost.delivery]).toEqual(["Unavailable", "maybeSent"])
    const retried = await succeed(insert)
    expect([retried.id, retried.summary]).toEqual([id, "Ceremony"])
    expect(sim.ledger.byKey("event").get(id)).toHaveLength(1)
    expect(requests("events.get")).toHaveLength(1)
  })

  it("an id taken by an event deleted since answers that event as cancelled, never a second one", async () => {
    const id = GoogleCalendar.eventId("wedding:w_4/first-dance")
    const again = await succeed(
      calendar((port) =>
        Effect.gen(function* () {
          yield* port.insertEvent("primary", event(id))
          yield* port.deleteEvent("primary", id)
          return yield* port.insertEvent("primary", event(id))
        })
      )
    )
    expect([again.id, again.status]).toEqual([id, "cancelled"])
    expect(sim.ledger.byKey("event").get(id)).toHaveLength(1)
  })

  it("a taken id without an id of ours stays a failure; a fetch that fails after a duplicate is that failure", async () => {
    const id = GoogleCalendar.eventId("wedding:w_5/cake")
    sim.faults.add(Faults.rule(Faults.error("duplicate"), { operation: "events.insert", times: 1 }))
    // Google says the id is taken but has no such event: the duplicate stands.
    const conflict = await fail(calendar((port) => port.insertEvent("primary", event(id))))
    expect([conflict.status, conflict.providerCode]).toEqual([409, "duplicate"])
    sim.faults.add(Faults.rule(Faults.error("duplicate"), { operation: "events.insert", times: 1 }))
    sim.faults.add(Faults.rule(Faults.error("backendError"), { operation: "events.get", times: 1 }))
    const outage = await fail(calendar((port) => port.insertEvent("primary", event(id))))
    expect([outage.reason._tag, outage.status]).toEqual(["Unavailable", 500])
  })
})

describe("free/busy", () => {
  it("answers busy intervals per calendar, merged and clipped, and an unknown calendar as errors", async () => {
    const venue = "venue@group.calendar.google.com"
    const answer = await succeed(
      calendar((port) =>
        Effect.gen(function* () {
          yield* port.insertEvent("primary", event(GoogleCalendar.eventId("a"), 10))
          yield* port.insertEvent("primary", event(GoogleCalendar.eventId("b"), 11))
          yield* port.insertEvent(venue, event(GoogleCalendar.eventId("c"), 15))
          yield* port.insertEvent(venue, event(GoogleCalendar.eventId("d"), 18))
          yield* port.deleteEvent(venue, GoogleCalendar.eventId("d"))
          return yield* port.freeBusy({
            timeMin: "2026-06-06T09:30:00Z",
            timeMax: "2026-06-06T14:30:00Z",
            calendarIds: ["primary", venue, "someone@example.com"]
          })
        })
      )
    )
    expect(answer.calendars.primary).toEqual({ busy: [{ start: "2026-06-06T09:30:00Z", end: "2026-06-06T11:00:00Z" }] })
    expect(answer.calendars[venue]).toEqual({ busy: [{ start: "2026-06-06T14:00:00Z", end: "2026-06-06T14:30:00Z" }] })
    expect(answer.calendars["someone@example.com"]).toEqual({ busy: [], errors: ["notFound"] })
    expect(requests("freebusy.query")).toHaveLength(1)
  })
})

describe("free/busy answers that cannot be read", () => {
  const request = { timeMin: "2026-06-06T00:00:00Z", timeMax: "2026-06-07T00:00:00Z", calendarIds: ["primary"] }
  const reasonOf = async (data: Parameters<typeof fromFreeBusy>[1]) =>
    (await Effect.runPromise(Effect.flip(fromFreeBusy(request, data)))).reason._tag

  it("a calendar left out of the answer, or an interval without an offset, is Unavailable, never free", async () => {
    expect(await reasonOf({ calendars: {} })).toBe("Unavailable")
    expect(
      await reasonOf({
        calendars: { primary: { busy: [{ start: "2026-06-06T10:00:00", end: "2026-06-06T11:00:00" }] } }
      })
    ).toBe("Unavailable")
  })
})

describe("push channels", () => {
  it("watch opens a channel with our id, token, address and TTL; stop closes it, and again is fine", async () => {
    const started = Date.now()
    const channel = await succeed(
      GoogleCalendar.watch("primary", {
        id: "wedsync-channel-1",
        address: `${sim.url}/hooks/google`,
        token: Redacted.make("ch=wedsync-channel-1&sig=abc"),
        ttl: "2 hours"
      })
    )
    expect(channel).toMatchObject({ id: "wedsync-channel-1", calendarId: "primary" })
    expect(channel.expiration - started).toBeGreaterThanOrEqual(2 * 3_600_000 - 1_000)
    expect(channel.expiration - started).toBeLessThanOrEqual(2 * 3_600_000 + 5_000)
    expect(sim.state.channels.get("wedsync-channel-1")?.token).toBe("ch=wedsync-channel-1&sig=abc")
    await succeed(Effect.andThen(GoogleCalendar.stop(channel), GoogleCalendar.stop(channel)))
    expect(sim.state.channels.size).toBe(0)
    expect(requests("channels.stop")).toHaveLength(2)
  })

  it("a reused channel id is refused as InvalidRequest", async () => {
    const request = { id: "wedsync-channel-2", address: `${sim.url}/hooks/google` }
    await succeed(GoogleCalendar.watch("primary", request))
    const error = await fail(GoogleCalendar.watch("primary", request))
    expect([error.reason._tag, error.providerCode]).toEqual(["InvalidRequest", "channelIdNotUnique"])
  })
})

describe("the wire", () => {
  it("interruption aborts the HTTP request; the adapter's timeout is TimedOut; refused is Unavailable, not sent", async () => {
    sim.faults.add(Faults.rule(Faults.hang, { operation: "events.list" }))
    const listing = calendar((port) => port.listEvents("primary", {}))
    await Effect.runPromiseExit(listing.pipe(Effect.timeout("80 millis"), Effect.provide(live())))
    await sleep(30)
    expect(requests("events.list").map((request) => request.outcome)).toEqual(["clientAborted"])
    const timedOut = await fail(listing, live({ timeout: "150 millis" }))
    expect([timedOut.reason._tag, timedOut.delivery]).toEqual(["TimedOut", "maybeSent"])
    const port = await Simulator.closedPort()
    const refused = await fail(listing, live({ baseUrl: `http://127.0.0.1:${port}` }))
    expect([refused.reason._tag, refused.delivery]).toEqual(["Unavailable", "notSent"])
  })

  it("sends the token as a Bearer header, and a wrong one fails as Unauthorized without the token in the error", async () => {
    // The simulator answers only `Authorization: Bearer <its token>`.
    await succeed(calendar((port) => port.listEvents("primary", {})))
    const error = await fail(
      calendar((port) => port.listEvents("primary", {})),
      live({ accessToken: Redacted.make("ya29.canary-7f3a-wrong") })
    )
    expect(error.reason._tag).toBe("Unauthorized")
    expect(`${error.message} ${JSON.stringify(error)} ${String(error)}`).not.toContain("canary")
  })
})

describe("options", () => {
  it("an empty token or a bad base URL fails the layer as Misconfigured, and make's calls", async () => {
    const empty = await fail(
      calendar((port) => port.listEvents("primary", {})),
      live({ accessToken: Redacted.make("") })
    )
    expect([empty.reason._tag, empty.operation, empty.message]).toEqual([
      "Misconfigured",
      "configure",
      expect.stringContaining("accessToken")
    ])
    const badUrl = await fail(
      calendar((port) => port.listEvents("primary", {})),
      live({ baseUrl: "ftp://example.com" })
    )
    expect(badUrl.message).toContain("baseUrl")
    const made = GoogleCalendar.make({ accessToken: Redacted.make(" ") })
    const exit = await Effect.runPromiseExit(made.listEvents("primary", {}))
    expect(Exit.isFailure(exit) && (Cause.squash(exit.cause) as IntegrationError.IntegrationError).reason._tag).toBe(
      "Misconfigured"
    )
  })

  it("layerConfig reads the token as a secret; a missing variable is Misconfigured, naming it", async () => {
    const config = {
      accessToken: Config.Redacted("GOOGLE_ACCESS_TOKEN"),
      baseUrl: Config.String("GOOGLE_CALENDAR_BASE_URL")
    }
    const provider = (values: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromUnknown(values))
    const good = GoogleCalendar.layerConfig(config).pipe(
      Layer.provide(provider({ GOOGLE_ACCESS_TOKEN: sim.credentials.accessToken, GOOGLE_CALENDAR_BASE_URL: sim.url }))
    )
    const page = await succeed(
      calendar((port) => port.listEvents("primary", {})),
      good
    )
    expect(page.events).toEqual([])
    const missing = GoogleCalendar.layerConfig(config).pipe(
      Layer.provide(provider({ GOOGLE_CALENDAR_BASE_URL: sim.url }))
    )
    const error = await fail(
      calendar((port) => port.listEvents("primary", {})),
      missing
    )
    expect([error.reason._tag, error.message]).toEqual([
      "Misconfigured",
      expect.stringContaining("GOOGLE_ACCESS_TOKEN")
    ])
  })
})
