/**
 * The .ics files, read back with ical.js: one UID per business key with
 * SEQUENCE rising across create → update → cancel, METHOD and STATUS, fields
 * and times (through the file's own VTIMEZONE, across DST, both hemispheres,
 * UTC, all-day) round-tripping, as a table and as a property, and the inputs
 * refused.
 */
import { Effect, Exit } from "effect"
import { CalendarProvider } from "@wedsync/core"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Ics } from "../src/index.ts"
import { parseIcs } from "@wedsync/test-fixtures/icsParse"

const KEY = "wedding:w_123:ceremony"
const organizer = { email: "planner@wedsync.example", name: "WedSync Planning" }

const ceremony = new CalendarProvider.CalendarEvent({
  summary: "Ceremony, St Mary's; vows",
  description: "Arrive by 12:30.\nBring the rings: both of them.",
  location: "St Mary's Church, Oxford",
  start: { dateTime: "2026-06-06T13:00:00+01:00", timeZone: "Europe/London" },
  end: { dateTime: "2026-06-06T14:00:00+01:00", timeZone: "Europe/London" },
  attendees: [
    { email: "ana@example.com", displayName: "Ana Lopez", responseStatus: "accepted" },
    { email: "photographer@example.com", optional: true }
  ]
})

/** The text without control characters (line feeds kept when `keepLineFeeds`): what a summary or description holds. */
const withoutControls = (text: string, keepLineFeeds: boolean): string =>
  Array.from(text)
    .filter((char) => {
      const code = char.codePointAt(0) ?? 0
      return (keepLineFeeds && code === 0x0a) || (code >= 0x20 && code !== 0x7f)
    })
    .join("")

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runSync(effect)

describe("Ics lifecycle", () => {
  it("keeps one UID per key with SEQUENCE rising across create → update → cancel", () => {
    const moved = new CalendarProvider.CalendarEvent({
      ...ceremony,
      start: { dateTime: "2026-06-06T14:00:00+01:00", timeZone: "Europe/London" },
      end: { dateTime: "2026-06-06T15:00:00+01:00", timeZone: "Europe/London" }
    })
    const files = [
      run(Ics.request({ event: ceremony, key: KEY, revision: 0, organizer })),
      run(Ics.request({ event: moved, key: KEY, revision: 1, organizer })),
      run(Ics.cancel({ event: moved, key: KEY, revision: 2, organizer }))
    ]
    const parsed = files.map((file) => parseIcs(file.content))
    expect(parsed.map((file) => file.uid)).toEqual(Array(3).fill(Ics.uidOf(KEY)))
    expect(Ics.uidOf(KEY)).toMatch(/^[0-9a-f]{32}@wedsync$/)
    expect(parsed.map((file) => file.sequence)).toEqual([0, 1, 2])
    expect(parsed.map((file) => file.method)).toEqual(["REQUEST", "REQUEST", "CANCEL"])
    expect(parsed.map((file) => file.status)).toEqual(["CONFIRMED", "CONFIRMED", "CANCELLED"])
    expect(files.map((file) => file.contentType)).toEqual([
      "text/calendar; charset=utf-8; method=REQUEST",
      "text/calendar; charset=utf-8; method=REQUEST",
      "text/calendar; charset=utf-8; method=CANCEL"
    ])
    expect(new Set(files.map((file) => file.filename)).size).toBe(1)
    expect(files[0]?.filename).toMatch(/^wedding-[0-9a-f]{12}\.ics$/)
    expect(parsed[1]?.startWall).toBe("2026-06-06T14:00:00")
  })

  it("gives another key another UID, and a chosen domain", () => {
    expect(Ics.uidOf("wedding:w_123:reception")).not.toBe(Ics.uidOf(KEY))
    const file = run(
      Ics.request({ event: ceremony, key: KEY, revision: 0, organizer, domain: "hooks.wedsync.example" })
    )
    expect(parseIcs(file.content).uid).toBe(Ics.uidOf(KEY, "hooks.wedsync.example"))
  })
})

describe("Ics fields", () => {
  it("round-trips texts, organizer and attendees, with a UTC DTSTAMP and CRLF lines", () => {
    const file = run(Ics.request({ event: ceremony, key: KEY, revision: 0, organizer }))
    const parsed = parseIcs(file.content)
    expect(parsed).toMatchObject({
      summary: ceremony.summary,
      description: ceremony.description,
      location: ceremony.location,
      organizer: "mailto:planner@wedsync.example",
      stampIsUtc: true
    })
    expect(parsed.attendees).toEqual([
      { email: "ana@example.com", role: "REQ-PARTICIPANT", partstat: "ACCEPTED", cn: "Ana Lopez" },
      { email: "photographer@example.com", role: "OPT-PARTICIPANT", partstat: "NEEDS-ACTION", cn: undefined }
    ])
    expect(file.content.split("\r\n").every((line) => Buffer.byteLength(line) <= 75)).toBe(true)
    expect(file.content.replace(/\r\n/g, "").includes("\n")).toBe(false)
  })

  it.each([
    ["Europe/London summer", "2026-06-06T13:00:00+01:00", "Europe/London", "2026-06-06T13:00:00"],
    ["Europe/London winter", "2026-12-12T13:00:00Z", "Europe/London", "2026-12-12T13:00:00"],
    ["Australia/Sydney (southern summer)", "2026-12-12T16:00:00+11:00", "Australia/Sydney", "2026-12-12T16:00:00"],
    [
      "America/New_York the day after DST starts",
      "2027-03-15T09:30:00-04:00",
      "America/New_York",
      "2027-03-15T09:30:00"
    ],
    ["Asia/Kolkata (no DST, half hour)", "2026-11-20T18:00:00+05:30", "Asia/Kolkata", "2026-11-20T18:00:00"],
    ["an offset that disagrees with the zone", "2026-06-06T12:00:00Z", "Europe/Paris", "2026-06-06T14:00:00"]
  ])("writes %s in the zone's wall time, the same instant through its VTIMEZONE", (_, dateTime, zone, wall) => {
    const start = Date.parse(dateTime)
    const event = new CalendarProvider.CalendarEvent({
      summary: "Tasting",
      start: { dateTime, timeZone: zone },
      end: { dateTime: new Date(start + 90 * 60_000).toISOString(), timeZone: zone }
    })
    const parsed = parseIcs(run(Ics.request({ event, key: KEY, revision: 0, organizer })).content)
    expect(parsed.tzid).toBe(zone)
    expect(parsed.startWall).toBe(wall)
    expect(parsed.startMillis).toBe(start)
    expect(parsed.endMillis).toBe(start + 90 * 60_000)
  })

  it("writes an event without a zone in UTC, and an all-day event as dates with an exclusive end", () => {
    const utc = new CalendarProvider.CalendarEvent({
      summary: "Call",
      start: { dateTime: "2026-06-01T09:00:00+02:00" },
      end: { dateTime: "2026-06-01T09:30:00+02:00" }
    })
    const timed = parseIcs(run(Ics.request({ event: utc, key: KEY, revision: 0, organizer })).content)
    expect(timed).toMatchObject({ tzid: undefined, startWall: "2026-06-01T07:00:00Z", allDay: false })
    expect(timed.startMillis).toBe(Date.parse("2026-06-01T07:00:00Z"))
    const day = new CalendarProvider.CalendarEvent({
      summary: "Wedding day",
      start: { date: "2026-06-06" },
      end: { date: "2026-06-07" }
    })
    const allDay = parseIcs(run(Ics.request({ event: day, key: KEY, revision: 0, organizer })).content)
    expect(allDay).toMatchObject({ allDay: true, startWall: "2026-06-06", endWall: "2026-06-07" })
  })

  it("round-trips any summary, description, instant and zone (property)", () => {
    const zones = ["Europe/London", "America/Los_Angeles", "Australia/Sydney", "Asia/Kolkata", "Africa/Johannesburg"]
    const text = fc
      .string({ unit: "grapheme", minLength: 1, maxLength: 80 })
      .filter((s) => withoutControls(s, false) === s)
    fc.assert(
      fc.property(
        text,
        fc.option(
          fc.string({ maxLength: 200 }).map((s) => withoutControls(s, true)),
          { nil: undefined }
        ),
        fc.integer({ min: Date.UTC(2026, 0, 1) / 60_000, max: Date.UTC(2028, 11, 31) / 60_000 }),
        fc.integer({ min: 15, max: 600 }),
        fc.constantFrom(...zones),
        fc.nat({ max: 1000 }),
        (summary, description, startMinute, minutes, zone, revision) => {
          const start = startMinute * 60_000
          const event = new CalendarProvider.CalendarEvent({
            summary,
            ...(description === undefined ? {} : { description }),
            start: { dateTime: new Date(start).toISOString(), timeZone: zone },
            end: { dateTime: new Date(start + minutes * 60_000).toISOString(), timeZone: zone }
          })
          // Its own key: a blank one (a summary of spaces) is refused, rightly, and is not what is tested here.
          const key = `booking:${startMinute}:${summary}`
          const parsed = parseIcs(run(Ics.request({ event, key, revision, organizer })).content)
          expect(parsed.summary).toBe(summary)
          expect(parsed.description ?? "").toBe(description ?? "")
          expect(parsed.uid).toBe(Ics.uidOf(key))
          expect(parsed.sequence).toBe(revision)
          expect(parsed.startMillis).toBe(start)
          expect(parsed.endMillis).toBe(start + minutes * 60_000)
        }
      ),
      { numRuns: 150 }
    )
  })
})

describe("Ics inputs", () => {
  it("refuses what would make a wrong file, as InvalidRequest", () => {
    const cancelled = new CalendarProvider.CalendarEvent({ ...ceremony, status: "cancelled" })
    const cases = [
      Ics.cancel({ event: ceremony, key: KEY, revision: 0, organizer }),
      Ics.request({ event: ceremony, key: KEY, revision: -1, organizer }),
      Ics.request({ event: ceremony, key: KEY, revision: 1.5, organizer }),
      Ics.request({ event: ceremony, key: " ", revision: 0, organizer }),
      Ics.request({ event: cancelled, key: KEY, revision: 3, organizer }),
      Ics.request({ event: ceremony, key: KEY, revision: 0, organizer: { email: "not an address" } }),
      Ics.request({ event: ceremony, key: KEY, revision: 0, organizer, domain: "bad domain\r\nX-INJECT:1" })
    ]
    for (const effect of cases) {
      const exit = Effect.runSyncExit(effect)
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isFailure(exit)) {
        const error = exit.cause.reasons[0]
        expect(error?._tag === "Fail" ? error.error.reason._tag : error?._tag).toBe("InvalidRequest")
      }
    }
  })
})
