/**
 * Calendar reads served stale (issue 13, point 5) through the real adapter
 * and its simulator: availability (free/busy) and events read fresh while
 * Google Calendar answers, then, while it is down, the last good answer with
 * its age instead of an error; past the policy's maximum staleness the
 * outage's own error stands; a refusal (a bad token) never serves stale.
 */
import { Effect, Exit, Layer, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { CalendarProvider, Resilience, StaleReads } from "@wedsync/core"
import { Faults, Simulator } from "@wedsync/testkit"
import * as GoogleCalendarSim from "@wedsync/testkit/simulators/googleCalendar"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as GoogleCalendar from "../src/GoogleCalendar.ts"

let sim: Simulator.Running<GoogleCalendarSim.State, GoogleCalendarSim.Credentials>
beforeAll(async () => {
  sim = await Simulator.start(GoogleCalendarSim.definition, { seed: 21 })
})
afterAll(() => sim.stop())

const availability = {
  timeMin: "2027-06-12T09:00:00Z",
  timeMax: "2027-06-12T18:00:00Z",
  calendarIds: ["primary"]
}

/** Availability through the stale fallback: the calendar policy's 1 h unless told otherwise. */
const readAvailability = (maxStalenessMillis?: number) =>
  Effect.flatMap(Effect.service(CalendarProvider.CalendarProvider), (calendar) =>
    Resilience.protect(calendar.freeBusy(availability), {
      service: "calendar",
      provider: "google",
      operation: "freeBusy"
    })
  ).pipe((read) =>
    StaleReads.read(read, {
      service: "calendar",
      provider: "google",
      key: "availability:primary:2027-06-12",
      schema: CalendarProvider.FreeBusy,
      ...(maxStalenessMillis === undefined ? {} : { maxStalenessMillis })
    })
  )

const layer = (token = sim.credentials.accessToken) =>
  Layer.mergeAll(
    GoogleCalendar.layer({ baseUrl: sim.url, accessToken: Redacted.make(token) }),
    Resilience.layerMemory(),
    StaleReads.layerMemory()
  )

describe("calendar reads while Google Calendar is down", () => {
  it("answers the last good availability with its age, then the outage's error past the maximum staleness", async () => {
    sim.reset()
    const exit = await Effect.runPromiseExit(
      Effect.gen(function* () {
        yield* Effect.flatMap(Effect.service(CalendarProvider.CalendarProvider), (calendar) =>
          calendar.insertEvent(
            "primary",
            new CalendarProvider.CalendarEvent({
              id: GoogleCalendar.eventId("wedding:w_1:ceremony"),
              summary: "Ceremony",
              start: { dateTime: "2027-06-12T13:00:00Z" },
              end: { dateTime: "2027-06-12T14:00:00Z" }
            })
          )
        )
        const fresh = yield* readAvailability()
        sim.faults.add(Faults.rule(Faults.error("unavailable")))
        yield* TestClock.adjust("20 minutes")
        const stale = yield* readAvailability()
        yield* TestClock.adjust("41 minutes")
        const tooOld = yield* Effect.exit(readAvailability())
        sim.faults.clear()
        return { fresh, stale, tooOld }
      }).pipe(Effect.provide(layer()), Effect.provide(TestClock.layer()))
    )
    if (Exit.isFailure(exit)) throw new Error(String(exit.cause))
    const { fresh, stale, tooOld } = exit.value
    expect(fresh._tag).toBe("Fresh")
    expect(fresh.value.calendars.primary?.busy).toEqual([
      { start: "2027-06-12T13:00:00Z", end: "2027-06-12T14:00:00Z" }
    ])
    expect(stale._tag).toBe("Stale")
    expect(stale._tag === "Stale" ? stale.ageMillis : -1).toBe(20 * 60_000)
    expect(stale.value).toEqual(fresh.value)
    expect(Exit.isFailure(tooOld)).toBe(true)
  })

  it("never serves stale on a refusal: a token Google rejects is an error, whatever is cached", async () => {
    sim.reset()
    const exit = await Effect.runPromiseExit(
      Effect.gen(function* () {
        yield* readAvailability()
        return yield* readAvailability().pipe(
          Effect.provide(GoogleCalendar.layer({ baseUrl: sim.url, accessToken: Redacted.make("ya29.revoked") }))
        )
      }).pipe(Effect.provide(layer()))
    )
    expect(Exit.isFailure(exit)).toBe(true)
  })
})
