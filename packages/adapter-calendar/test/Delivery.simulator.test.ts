/**
 * Sent, not sent, or maybe sent, for the Google Calendar adapter against its
 * simulator: testkit's `DeliveryContract` runs every catalogue error and every
 * network fault through a real insert with a deterministic id.
 *
 * A 409 `duplicate` on such an insert is answered by fetching the event the
 * earlier attempt made; here the simulator only pretends the id is taken, so
 * the fetch finds nothing and the duplicate stands (`InvalidRequest`, not
 * sent), as the catalogue labels it.
 */
import { type Duration, Effect, Redacted } from "effect"
import { CalendarProvider } from "@wedsync/core"
import { DeliveryContract, Simulator } from "@wedsync/testkit"
import * as GoogleCalendarSim from "@wedsync/testkit/simulators/googleCalendar"
import * as GoogleCalendar from "../src/GoogleCalendar.ts"

type Running = Simulator.Running<unknown, unknown>

let inserts = 0

DeliveryContract.suite({
  name: "Google Calendar",
  start: () => Simulator.start(GoogleCalendarSim.definition, { seed: 13 }) as Promise<Running>,
  errors: GoogleCalendarSim.definition.errors,
  failedSend: (sim, baseUrl, timeout: Duration.Duration) => {
    const event = new CalendarProvider.CalendarEvent({
      id: GoogleCalendar.eventId(`wedding:w_delivery/booking:b_delivery/${++inserts}`),
      summary: "Venue walkthrough",
      start: { dateTime: "2027-05-01T10:00:00+01:00", timeZone: "Europe/London" },
      end: { dateTime: "2027-05-01T11:00:00+01:00", timeZone: "Europe/London" }
    })
    const accessToken = Redacted.make((sim.credentials as GoogleCalendarSim.Credentials).accessToken)
    return Effect.runPromise(
      Effect.flip(
        Effect.flatMap(Effect.service(CalendarProvider.CalendarProvider), (calendar) =>
          calendar.insertEvent("primary", event)
        ).pipe(Effect.provide(GoogleCalendar.layer({ baseUrl, accessToken, timeout })))
      )
    )
  }
})
