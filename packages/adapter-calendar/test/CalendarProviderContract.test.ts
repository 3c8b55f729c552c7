/**
 * The calendar contract against the Google Calendar adapter on the real SDK
 * pointed at the simulator, and the contract itself shown to fail against
 * deliberately wrong mutations of it (moved here from testkit with the
 * reference adapter it replaced: testkit cannot depend on an adapter package).
 */
import { Effect, Layer, Redacted } from "effect"
import { CalendarProvider } from "@wedsync/core"
import { CalendarProviderContract } from "@wedsync/testkit"
import * as GoogleCalendarSim from "@wedsync/testkit/simulators/googleCalendar"
import { describe, expect, it } from "vitest"
import * as GoogleCalendar from "../src/GoogleCalendar.ts"

type Port = (typeof CalendarProvider.CalendarProvider)["Service"]

const options: CalendarProviderContract.Options<GoogleCalendarSim.State, GoogleCalendarSim.Credentials> = {
  simulator: GoogleCalendarSim.definition,
  layer: ({ baseUrl, credentials }) =>
    GoogleCalendar.layer({ baseUrl, accessToken: Redacted.make(credentials.accessToken) }),
  wrongCredentials: { ...GoogleCalendarSim.definition.credentials, accessToken: "ya29.wrong-canary-5d1e" }
}

CalendarProviderContract.suite("CalendarProviderContract: Google Calendar", options)

const mutate = (change: (original: Port) => Partial<Port>) => ({
  ...options,
  layer: (target: Parameters<typeof options.layer>[0]) =>
    Layer.effect(
      CalendarProvider.CalendarProvider,
      Effect.map(Effect.service(CalendarProvider.CalendarProvider), (original) => ({
        ...original,
        ...change(original)
      }))
    ).pipe(Layer.provide(options.layer(target)))
})

const failedChecks = async (
  wrong: CalendarProviderContract.Options<GoogleCalendarSim.State, GoogleCalendarSim.Credentials>
) => (await CalendarProviderContract.verify(wrong)).filter((result) => !result.passed).map((result) => result.name)

describe("CalendarProviderContract fails against deliberately wrong adapters", () => {
  it("an adapter whose insert is not idempotent and whose delete is not either", async () => {
    const failed = await failedChecks(
      mutate((original) => ({
        // Inserts without the caller's id (a duplicate on every retry) and deletes through a lookup that fails once gone.
        insertEvent: (calendarId, event) =>
          original.insertEvent(calendarId, new CalendarProvider.CalendarEvent({ ...event, id: undefined })),
        deleteEvent: (calendarId, eventId) =>
          original.updateEvent(calendarId, eventId, {}).pipe(Effect.andThen(original.deleteEvent(calendarId, eventId)))
      }))
    )
    expect(failed).toEqual(
      expect.arrayContaining([
        "an insert retried with the same id answers the existing event, once",
        "updates an event, deletes it, and deleting again succeeds"
      ])
    )
  })

  it("an adapter that answers every calendar free", async () => {
    const failed = await failedChecks(
      mutate((original) => ({
        freeBusy: (request) =>
          Effect.map(original.freeBusy(request), (answer) => ({
            ...answer,
            calendars: Object.fromEntries(Object.keys(answer.calendars).map((id) => [id, { busy: [] }]))
          }))
      }))
    )
    expect(failed).toEqual(["free/busy answers the busy intervals of each calendar asked about"])
  })

  it("an adapter that retries on its own", async () => {
    const failed = await failedChecks(
      mutate((original) => ({
        insertEvent: (calendarId, event, insertOptions) =>
          original.insertEvent(calendarId, event, insertOptions).pipe(Effect.retry({ times: 1 }))
      }))
    )
    expect(failed).toContain("sends exactly one HTTP request per attempt (the SDK's own retries are off)")
  })
})
