/**
 * Incremental sync and channel renewal against the Google Calendar simulator
 * through the real adapter: the first sync lists everything and keeps the
 * token, later ones list only changes across every page, an expired token
 * (410) is dropped for a full listing, a failure keeps the token; channels
 * are renewed before they expire (under `TestClock`), the old one stopped,
 * a failed renewal retried, and the scope's end stops the last one.
 */
import { it } from "@effect/vitest"
import { Effect, Exit, Layer, Redacted, Scope } from "effect"
import { CalendarProvider, type IntegrationError } from "@wedsync/core"
import { Faults, Simulator } from "@wedsync/testkit"
import * as GoogleCalendarSim from "@wedsync/testkit/simulators/googleCalendar"
import { TestClock } from "effect/testing"
import { afterAll, beforeAll, beforeEach, describe, expect, vi } from "vitest"
import * as CalendarSync from "../src/CalendarSync.ts"
import * as GoogleCalendar from "../src/GoogleCalendar.ts"

type Running = Simulator.Running<GoogleCalendarSim.State, GoogleCalendarSim.Credentials>
let sim: Running

beforeAll(async () => {
  sim = await Simulator.start(GoogleCalendarSim.definition, { seed: 17 })
})
afterAll(() => sim.stop())
beforeEach(() => sim.reset())

const google = () => GoogleCalendar.layer({ baseUrl: sim.url, accessToken: Redacted.make(sim.credentials.accessToken) })

const event = (key: string, hour: number) =>
  new CalendarProvider.CalendarEvent({
    id: GoogleCalendar.eventId(key),
    summary: key,
    start: { dateTime: `2026-06-06T${String(hour).padStart(2, "0")}:00:00Z` },
    end: { dateTime: `2026-06-06T${String(hour).padStart(2, "0")}:30:00Z` }
  })

const port = <A>(
  use: (calendar: CalendarProvider.CalendarProvider["Service"]) => Effect.Effect<A, IntegrationError.IntegrationError>
) => Effect.flatMap(Effect.service(CalendarProvider.CalendarProvider), use)

const ids = (events: ReadonlyArray<CalendarProvider.CalendarEvent>) => events.map((item) => item.id)

describe("sync", () => {
  it.effect("lists everything first, then only what changed, across pages, keeping the token", () =>
    Effect.gen(function* () {
      yield* port((calendar) =>
        Effect.forEach(["a", "b", "c", "d", "e"], (key, hour) => calendar.insertEvent("primary", event(key, hour + 8)))
      )
      const first = yield* CalendarSync.sync("primary", { maxResults: 2 })
      expect(first.full).toBe(true)
      expect(ids(first.changed)).toEqual(["a", "b", "c", "d", "e"].map(GoogleCalendar.eventId))
      expect(sim.ledger.requests({ operation: "events.list" })).toHaveLength(3)
      const tokens = yield* CalendarSync.SyncTokens
      expect(yield* tokens.get("primary")).toBeTruthy()

      yield* port((calendar) =>
        Effect.all([
          calendar.updateEvent("primary", GoogleCalendar.eventId("b"), { location: "The Orangery" }),
          calendar.deleteEvent("primary", GoogleCalendar.eventId("c")),
          calendar.insertEvent("primary", event("f", 20)),
          calendar.insertEvent("primary", event("g", 21))
        ])
      )
      const second = yield* CalendarSync.sync("primary", { maxResults: 2 })
      expect(second.full).toBe(false)
      expect(ids(second.changed)).toEqual(["b", "f", "g"].map(GoogleCalendar.eventId))
      expect(second.changed[0]?.location).toBe("The Orangery")
      expect(second.deletedEventIds).toEqual([GoogleCalendar.eventId("c")])

      const quiet = yield* CalendarSync.sync("primary")
      expect([quiet.full, quiet.changed, quiet.deletedEventIds]).toEqual([false, [], []])
    }).pipe(Effect.provide(Layer.merge(google(), CalendarSync.layerMemory)))
  )

  it.effect("an expired token (410) is dropped and the calendar listed again from scratch", () =>
    Effect.gen(function* () {
      yield* port((calendar) => calendar.insertEvent("primary", event("a", 9)))
      yield* CalendarSync.sync("primary")
      const tokens = yield* CalendarSync.SyncTokens
      const stale = yield* tokens.get("primary")
      yield* port((calendar) => calendar.insertEvent("primary", event("b", 10)))
      GoogleCalendarSim.expireSyncTokens(sim.state)
      const resynced = yield* CalendarSync.sync("primary")
      expect(resynced.full).toBe(true)
      expect(ids(resynced.changed)).toEqual(["a", "b"].map(GoogleCalendar.eventId))
      const fresh = yield* tokens.get("primary")
      expect(fresh).toBeTruthy()
      expect(fresh).not.toBe(stale)
      expect(sim.ledger.requests({ operation: "events.list" }).map((request) => request.status)).toEqual([
        200, 410, 200
      ])
      const next = yield* CalendarSync.sync("primary")
      expect(next.full).toBe(false)
    }).pipe(Effect.provide(Layer.merge(google(), CalendarSync.layerMemory)))
  )

  it.effect("a token that expires between pages of an incremental listing also ends in a full listing", () =>
    Effect.gen(function* () {
      yield* CalendarSync.sync("primary")
      yield* port((calendar) =>
        Effect.forEach(["a", "b", "c"], (key, hour) => calendar.insertEvent("primary", event(key, hour + 9)))
      )
      // The incremental listing's first page passes; its second page is refused as a stale sync.
      sim.faults.script("events.list", [Faults.pass, Faults.error("fullSyncRequired")])
      const result = yield* CalendarSync.sync("primary", { maxResults: 2 })
      expect(result.full).toBe(true)
      expect(ids(result.changed)).toEqual(["a", "b", "c"].map(GoogleCalendar.eventId))
    }).pipe(Effect.provide(Layer.merge(google(), CalendarSync.layerMemory)))
  )

  it.effect("any other failure fails the sync and keeps the token for the next one", () =>
    Effect.gen(function* () {
      yield* CalendarSync.sync("primary")
      const tokens = yield* CalendarSync.SyncTokens
      const kept = yield* tokens.get("primary")
      sim.faults.add(Faults.rule(Faults.error("backendError"), { operation: "events.list", times: 1 }))
      const error = yield* Effect.flip(CalendarSync.sync("primary"))
      expect(error._tag === "IntegrationError" && error.reason._tag).toBe("Unavailable")
      expect(yield* tokens.get("primary")).toBe(kept)
      expect((yield* CalendarSync.sync("primary")).full).toBe(false)
    }).pipe(Effect.provide(Layer.merge(google(), CalendarSync.layerMemory)))
  )
})

describe("keepWatching", () => {
  const waitFor = (assertion: () => void) => Effect.promise(() => vi.waitFor(assertion, { timeout: 3_000 }))
  const open = () => [...sim.state.channels.values()]
  const address = () => `${sim.url}/hooks/google-calendar`

  it.effect("renews each channel before it expires, stops the old one, and stops the last with the scope", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.now())
      const scope = yield* Scope.make()
      let made = 0
      const watching = yield* CalendarSync.keepWatching({
        calendarId: "primary",
        address: address(),
        ttl: "1 hour",
        channelId: () => `wedsync-ch-${++made}`,
        token: (channelId) => Redacted.make(`ch=${channelId}&sig=test`)
      }).pipe(Scope.provide(scope))
      const first = yield* watching.current
      expect(first.id).toBe("wedsync-ch-1")
      expect(open().map((channel) => [channel.id, channel.token])).toEqual([
        ["wedsync-ch-1", "ch=wedsync-ch-1&sig=test"]
      ])
      // A 1-hour channel is renewed when six minutes remain.
      yield* TestClock.adjust("53 minutes")
      expect(open().map((channel) => channel.id)).toEqual(["wedsync-ch-1"])
      yield* TestClock.adjust("2 minutes")
      yield* waitFor(() => expect(open().map((channel) => channel.id)).toEqual(["wedsync-ch-2"]))
      expect((yield* watching.current).id).toBe("wedsync-ch-2")
      expect(sim.state.channels.get("wedsync-ch-2")?.token).toBe("ch=wedsync-ch-2&sig=test")
      yield* Scope.close(scope, Exit.void)
      expect(open()).toEqual([])
    }).pipe(Effect.provide(google()))
  )

  it.effect("a failed renewal is retried on its schedule while the old channel still works", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.now())
      let made = 0
      yield* CalendarSync.keepWatching({
        calendarId: "primary",
        address: address(),
        ttl: "10 hours",
        channelId: () => `renew-${++made}`
      })
      sim.faults.add(Faults.rule(Faults.error("backendError"), { operation: "events.watch", times: 1 }))
      // Ten hours: renewed an hour before expiry (the simulator stamps the expiry a moment after the clock was set).
      yield* TestClock.adjust("541 minutes")
      yield* waitFor(() => expect(sim.ledger.requests({ operation: "events.watch" })).toHaveLength(2))
      expect(open().map((channel) => channel.id)).toEqual(["renew-1"])
      yield* TestClock.adjust("1 second")
      yield* waitFor(() => expect(open().map((channel) => channel.id)).toEqual(["renew-3"]))
    }).pipe(Effect.provide(google()))
  )

  it.effect("fails when the first channel cannot be opened", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        CalendarSync.keepWatching({ calendarId: "primary", address: "http://hooks.example.com/not-https" })
      )
      expect([error.reason._tag, error.providerCode]).toEqual(["InvalidRequest", "push.webhookUrlNotHttps"])
    }).pipe(Effect.provide(google()))
  )
})
