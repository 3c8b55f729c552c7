/**
 * The contract every `CalendarProvider` adapter must keep, run against its
 * real SDK pointed at the provider's simulator: insert, update, delete and
 * list work; an insert retried with the same event id answers the existing
 * event instead of failing or duplicating; deleting twice succeeds; a sync
 * token lists only what changed (deletions included) and an unknown one fails
 * with status 410; free/busy answers an inserted event's interval; plus the
 * checks every port shares (error catalogue,
 * Retry-After, timeouts that abort, network failures, one request per
 * attempt, no leaked secrets).
 *
 * @example
 * ```ts
 * CalendarProviderContract.suite("Google Calendar", {
 *   simulator: GoogleCalendarSim.definition,
 *   layer: ({ baseUrl, credentials }) => GoogleCalendar.layer({ baseUrl, accessToken: Redacted.make(credentials.accessToken) }),
 *   wrongCredentials: { ...GoogleCalendarSim.definition.credentials, accessToken: "ya29.wrong-canary" }
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { CalendarProvider } from "@wedsync/core"
import { expect } from "vitest"
import {
  type Check,
  type CheckResult,
  commonChecks,
  failureOf,
  register,
  type SuiteOptions,
  successOf,
  verify as verifyChecks
} from "../internal/contract.ts"

type Port = (typeof CalendarProvider.CalendarProvider)["Service"]

/** Options of the calendar contract. @since 0.1.0 */
export interface Options<State, Credentials>
  extends SuiteOptions<State, Credentials, CalendarProvider.CalendarProvider> {
  /** The calendar the checks write to (default `"primary"`). */
  readonly calendarId?: string
}

/** The event the checks insert. @since 0.1.0 */
export const defaultEvent = new CalendarProvider.CalendarEvent({
  summary: "Ceremony: Ana & Sam",
  location: "Orangery, Kew Gardens",
  start: { dateTime: "2027-06-12T14:00:00Z", timeZone: "Europe/London" },
  end: { dateTime: "2027-06-12T15:00:00Z", timeZone: "Europe/London" }
})

/**
 * The checks of the calendar contract.
 *
 * @since 0.1.0
 */
export const checks = <State, Credentials>(
  options: Options<State, Credentials>
): ReadonlyArray<Check<State, Credentials, CalendarProvider.CalendarProvider>> => {
  const calendarId = options.calendarId ?? "primary"
  const use = <A>(f: (port: Port) => Effect.Effect<A, unknown>) =>
    Effect.flatMap(Effect.service(CalendarProvider.CalendarProvider), f)
  // Google's event ids: 5 to 1024 characters of base32hex (a-v, 0-9).
  const withId = (id: string) => new CalendarProvider.CalendarEvent({ ...defaultEvent, id })
  return [
    {
      name: "inserts an event and answers it with the provider's id",
      run: async (environment) => {
        const event = successOf(await environment.run(use((port) => port.insertEvent(calendarId, defaultEvent))))
        expect(event.id).toBeTruthy()
        expect(event.summary).toBe(defaultEvent.summary)
        expect(environment.sim.ledger.sideEffects().map((effect) => effect.id)).toContain(event.id)
      }
    },
    {
      name: "an insert retried with the same id answers the existing event, once",
      run: async (environment) => {
        const insert = use((port) => port.insertEvent(calendarId, withId("evceremon0612")))
        const first = successOf(await environment.run(insert))
        const again = successOf(await environment.run(insert))
        expect(again.id).toBe(first.id)
        expect(environment.sim.ledger.sideEffects()).toHaveLength(1)
      }
    },
    {
      name: "updates an event, deletes it, and deleting again succeeds",
      run: async (environment) => {
        const id = "evdance0612"
        successOf(await environment.run(use((port) => port.insertEvent(calendarId, withId(id)))))
        const updated = successOf(
          await environment.run(use((port) => port.updateEvent(calendarId, id, { summary: "First dance" })))
        )
        expect([updated.id, updated.summary]).toEqual([id, "First dance"])
        successOf(await environment.run(use((port) => port.deleteEvent(calendarId, id))))
        successOf(await environment.run(use((port) => port.deleteEvent(calendarId, id))))
      }
    },
    {
      name: "a sync token lists only what changed, deletions included",
      run: async (environment) => {
        successOf(await environment.run(use((port) => port.insertEvent(calendarId, withId("evspeech0612")))))
        let page = successOf(await environment.run(use((port) => port.listEvents(calendarId, {}))))
        while (page.nextPageToken !== undefined) {
          const pageToken = page.nextPageToken
          page = successOf(await environment.run(use((port) => port.listEvents(calendarId, { pageToken }))))
        }
        const syncToken = page.nextSyncToken
        expect(syncToken).toBeTruthy()
        successOf(await environment.run(use((port) => port.insertEvent(calendarId, withId("evcake0612")))))
        successOf(await environment.run(use((port) => port.deleteEvent(calendarId, "evspeech0612"))))
        const changes = successOf(
          await environment.run(use((port) => port.listEvents(calendarId, { syncToken: syncToken as string })))
        )
        expect(changes.events.map((event) => event.id)).toEqual(["evcake0612"])
        expect(changes.deletedEventIds).toEqual(["evspeech0612"])
      }
    },
    {
      name: "an unknown sync token fails with status 410, so the caller resynchronises",
      run: async (environment) => {
        const error = failureOf(
          await environment.run(use((port) => port.listEvents(calendarId, { syncToken: "stale-sync-token" })))
        )
        expect(error.status).toBe(410)
        expect(error.isRetryable).toBe(false)
      }
    },
    {
      name: "free/busy answers the busy intervals of each calendar asked about",
      run: async (environment) => {
        successOf(await environment.run(use((port) => port.insertEvent(calendarId, withId("evtoast0612")))))
        const answer = successOf(
          await environment.run(
            use((port) =>
              port.freeBusy({
                timeMin: "2027-06-12T00:00:00Z",
                timeMax: "2027-06-13T00:00:00Z",
                calendarIds: [calendarId]
              })
            )
          )
        )
        const busy = answer.calendars[calendarId]?.busy ?? []
        expect(busy.map((interval) => [Date.parse(interval.start), Date.parse(interval.end)])).toEqual([
          [Date.parse("2027-06-12T14:00:00Z"), Date.parse("2027-06-12T15:00:00Z")]
        ])
        expect(answer.calendars[calendarId]?.errors).toBeUndefined()
        const later = successOf(
          await environment.run(
            use((port) =>
              port.freeBusy({
                timeMin: "2027-06-13T00:00:00Z",
                timeMax: "2027-06-14T00:00:00Z",
                calendarIds: [calendarId]
              })
            )
          )
        )
        expect(later.calendars[calendarId]?.busy).toEqual([])
      }
    },
    ...commonChecks<State, Credentials, CalendarProvider.CalendarProvider, Port>(
      (port) => port.provider,
      CalendarProvider.CalendarProvider,
      (port) => port.insertEvent(calendarId, defaultEvent),
      options.simulator.errors
    )
  ]
}

/**
 * Registers the calendar contract as vitest tests, one per check.
 *
 * @since 0.1.0
 */
export const suite = <State, Credentials>(name: string, options: Options<State, Credentials>): void =>
  register(name, "calendar", options, checks(options))

/**
 * Runs the calendar contract and reports each check.
 *
 * @since 0.1.0
 */
export const verify = <State, Credentials>(options: Options<State, Credentials>): Promise<ReadonlyArray<CheckResult>> =>
  verifyChecks("calendar", options, checks(options))
