import { Effect, Layer } from "effect"
import { CalendarProvider } from "@wedsync/core"
import { describe, expect, it } from "vitest"
import * as CalendarProviderContract from "../../src/contracts/CalendarProviderContract.ts"
import * as GoogleCalendarSim from "../../src/simulators/googleCalendar.ts"
import * as GoogleCalendar from "../fixtures/adapters/googleCalendar.ts"

const options: CalendarProviderContract.Options<GoogleCalendarSim.State, GoogleCalendarSim.Credentials> = {
  simulator: GoogleCalendarSim.definition,
  layer: GoogleCalendar.layer,
  wrongCredentials: { ...GoogleCalendarSim.definition.credentials, accessToken: "ya29.wrong-canary-5d1e" }
}

CalendarProviderContract.suite("CalendarProviderContract: Google Calendar reference adapter", options)

describe("CalendarProviderContract fails against deliberately wrong adapters", () => {
  it("an adapter whose insert is not idempotent and whose delete is not either", async () => {
    const wrong = {
      ...options,
      layer: (target: Parameters<typeof GoogleCalendar.layer>[0]) =>
        Layer.effect(
          CalendarProvider.CalendarProvider,
          Effect.map(Effect.service(CalendarProvider.CalendarProvider), (original) => ({
            ...original,
            // Inserts without the caller's id (a duplicate on every retry) and deletes through a lookup that fails once gone.
            insertEvent: (calendarId: string, event: CalendarProvider.CalendarEvent) =>
              original.insertEvent(calendarId, new CalendarProvider.CalendarEvent({ ...event, id: undefined })),
            deleteEvent: (calendarId: string, eventId: string) =>
              original
                .updateEvent(calendarId, eventId, {})
                .pipe(Effect.andThen(original.deleteEvent(calendarId, eventId)))
          }))
        ).pipe(Layer.provide(GoogleCalendar.layer(target)))
    }
    const failed = (await CalendarProviderContract.verify(wrong)).filter((result) => !result.passed)
    expect(failed.map((result) => result.name)).toEqual(
      expect.arrayContaining([
        "an insert retried with the same id answers the existing event, once",
        "updates an event, deletes it, and deleting again succeeds"
      ])
    )
  })
})
