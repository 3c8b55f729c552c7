/**
 * The Google Calendar simulator's `POST /calendar/v3/freeBusy`, driven by the
 * real `@googleapis/calendar` client: busy intervals from the stored events
 * (cancelled ones free), clipped to the window and merged, per calendar as
 * asked, `notFound` for a calendar the account cannot see, and Google's 400s.
 */
import { auth, calendar } from "@googleapis/calendar"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import * as Simulator from "../../src/Simulator.ts"
import * as GoogleCalendar from "../../src/simulators/googleCalendar.ts"

let sim: Simulator.Running<GoogleCalendar.State, GoogleCalendar.Credentials>

beforeAll(async () => {
  sim = await Simulator.start(GoogleCalendar.definition, { seed: 21 })
})
beforeEach(() => sim.reset())
afterAll(() => sim.stop())

const client = () => {
  const oauth = new auth.OAuth2()
  oauth.setCredentials({ access_token: sim.credentials.accessToken })
  return calendar({ version: "v3", rootUrl: `${sim.url}/`, auth: oauth, retry: false })
}

const insert = (calendarId: string, id: string, start: string, end: string) =>
  client().events.insert({
    calendarId,
    requestBody: { id, summary: id, start: { dateTime: start }, end: { dateTime: end } }
  })

const status = async (
  promise: Promise<unknown>
): Promise<{ readonly status?: number | undefined; readonly reason?: string | undefined }> => {
  try {
    await promise
    return {}
  } catch (error) {
    const response = (
      error as { response?: { status: number; data: { error: { errors: Array<{ reason: string }> } } } }
    ).response
    return { status: response?.status, reason: response?.data.error.errors[0]?.reason }
  }
}

describe("freebusy.query", () => {
  it("answers merged, clipped busy intervals per calendar; cancelled events are free", async () => {
    await insert("primary", "morning01", "2026-06-06T08:00:00Z", "2026-06-06T10:00:00Z")
    await insert("primary", "overlap01", "2026-06-06T09:30:00+01:00", "2026-06-06T12:00:00+01:00")
    await insert("primary", "evening01", "2026-06-06T18:00:00Z", "2026-06-06T19:00:00Z")
    await client().events.delete({ calendarId: "primary", eventId: "evening01" })
    await insert("venue@group.calendar.google.com", "venue0001", "2026-06-06T14:00:00Z", "2026-06-06T23:00:00Z")
    const { data } = await client().freebusy.query({
      requestBody: {
        timeMin: "2026-06-06T09:00:00Z",
        timeMax: "2026-06-06T20:00:00Z",
        items: [{ id: "primary" }, { id: "venue@group.calendar.google.com" }, { id: "stranger@example.com" }]
      }
    })
    expect(data).toEqual({
      kind: "calendar#freeBusy",
      timeMin: "2026-06-06T09:00:00Z",
      timeMax: "2026-06-06T20:00:00Z",
      calendars: {
        primary: { busy: [{ start: "2026-06-06T09:00:00Z", end: "2026-06-06T11:00:00Z" }] },
        "venue@group.calendar.google.com": { busy: [{ start: "2026-06-06T14:00:00Z", end: "2026-06-06T20:00:00Z" }] },
        "stranger@example.com": { errors: [{ domain: "global", reason: "notFound" }], busy: [] }
      }
    })
    expect(sim.ledger.requests({ operation: "freebusy.query" })).toHaveLength(1)
  })

  it("answers 400 for a missing bound, an empty range and too many calendars, as Google does", async () => {
    const query = (requestBody: object) => status(client().freebusy.query({ requestBody }))
    expect(await query({ timeMax: "2026-06-06T20:00:00Z", items: [] })).toEqual({ status: 400, reason: "required" })
    expect(
      await query({ timeMin: "2026-06-06T20:00:00Z", timeMax: "2026-06-06T20:00:00Z", items: [{ id: "primary" }] })
    ).toEqual({ status: 400, reason: "timeRangeEmpty" })
    const items = Array.from({ length: 51 }, (_, index) => ({ id: `c${index}@group.calendar.google.com` }))
    expect(await query({ timeMin: "2026-06-06T00:00:00Z", timeMax: "2026-06-07T00:00:00Z", items })).toEqual({
      status: 400,
      reason: "tooManyCalendarsRequested"
    })
  })
})
