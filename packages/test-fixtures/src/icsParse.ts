/**
 * Reading an .ics back with ical.js, a real parser: the calendar's METHOD,
 * its one VEVENT, and times as instants through the file's own VTIMEZONE.
 */
import ICAL from "ical.js"

/** What the tests compare, read from the parsed file. */
export interface ParsedIcs {
  readonly method: string
  readonly uid: string
  readonly sequence: number
  readonly status: string | undefined
  readonly summary: string
  readonly description: string | undefined
  readonly location: string | undefined
  readonly organizer: string
  readonly attendees: ReadonlyArray<{
    readonly email: string
    readonly role: unknown
    readonly partstat: unknown
    readonly cn: unknown
  }>
  readonly allDay: boolean
  readonly tzid: string | undefined
  /** Wall time as written, `YYYY-MM-DDTHH:MM:SS` (or a date for all-day events). */
  readonly startWall: string
  readonly endWall: string
  /** Epoch milliseconds, through the VTIMEZONE when there is one. */
  readonly startMillis: number
  readonly endMillis: number
  readonly stampIsUtc: boolean
}

/** Parses an .ics with exactly one VEVENT. */
export const parseIcs = (content: string): ParsedIcs => {
  const calendar = new ICAL.Component(ICAL.parse(content))
  const zones = calendar.getAllSubcomponents("vtimezone")
  const events = calendar.getAllSubcomponents("vevent")
  if (events.length !== 1) throw new Error(`expected one VEVENT, found ${events.length}`)
  const vevent = events[0]!
  // The file's own zone definition, not one ical.js happens to know.
  const byId = new Map(zones.map((zone) => [String(zone.getFirstPropertyValue("tzid")), new ICAL.Timezone(zone)]))
  const event = new ICAL.Event(vevent)
  const instant = (time: ICAL.Time, property: string): number => {
    const tzid = vevent.getFirstProperty(property)?.getParameter("tzid")
    const zone = typeof tzid === "string" ? byId.get(tzid) : undefined
    if (typeof tzid === "string" && zone === undefined) throw new Error(`no VTIMEZONE for ${tzid}`)
    if (zone !== undefined) time.zone = zone
    return time.isDate ? Date.UTC(time.year, time.month - 1, time.day) : time.toUnixTime() * 1000
  }
  const tzid = vevent.getFirstProperty("dtstart")?.getParameter("tzid")
  const stamp = vevent.getFirstPropertyValue("dtstamp") as ICAL.Time
  return {
    method: String(calendar.getFirstPropertyValue("method")),
    uid: event.uid,
    sequence: event.sequence,
    status: (vevent.getFirstPropertyValue("status") as string | null) ?? undefined,
    summary: event.summary,
    description: event.description ?? undefined,
    location: event.location ?? undefined,
    organizer: event.organizer,
    attendees: event.attendees.map((attendee) => ({
      email: String(attendee.getFirstValue()).replace(/^mailto:/i, ""),
      role: attendee.getParameter("role"),
      partstat: attendee.getParameter("partstat"),
      cn: attendee.getParameter("cn")
    })),
    allDay: event.startDate.isDate,
    tzid: typeof tzid === "string" ? tzid : undefined,
    startWall: event.startDate.toString(),
    endWall: event.endDate.toString(),
    startMillis: instant(event.startDate, "dtstart"),
    endMillis: instant(event.endDate, "dtend"),
    stampIsUtc: stamp.zone === ICAL.Timezone.utcTimezone
  }
}
