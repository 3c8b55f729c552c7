/**
 * From a core `CalendarEvent` to ical-generator's event data: times (UTC, or
 * wall time in the event's IANA zone with a generated `VTIMEZONE`), status,
 * organizer and attendees. Pure; the public module adds UID and SEQUENCE.
 *
 * @internal
 */
import { createHash } from "node:crypto"
import type { CalendarProvider } from "@wedsync/core"
import {
  type ICalAttendeeData,
  ICalAttendeeRole,
  ICalAttendeeStatus,
  type ICalEventData,
  ICalEventStatus
} from "ical-generator"
import { localIso } from "./icsTimeZone.ts"

/** The digest a business key is known by: 32 hex characters of its SHA-256. @internal */
export const keyDigest = (key: string): string => createHash("sha256").update(key, "utf8").digest("hex").slice(0, 32)

const attendeeStatus: Record<NonNullable<CalendarProvider.Attendee["responseStatus"]>, ICalAttendeeStatus> = {
  needsAction: ICalAttendeeStatus.NEEDSACTION,
  accepted: ICalAttendeeStatus.ACCEPTED,
  declined: ICalAttendeeStatus.DECLINED,
  tentative: ICalAttendeeStatus.TENTATIVE
}

const eventStatus: Record<CalendarProvider.EventStatus, ICalEventStatus> = {
  confirmed: ICalEventStatus.CONFIRMED,
  tentative: ICalEventStatus.TENTATIVE,
  cancelled: ICalEventStatus.CANCELLED
}

const attendeeOf = (attendee: CalendarProvider.Attendee): ICalAttendeeData => ({
  email: attendee.email,
  ...(attendee.displayName === undefined ? {} : { name: attendee.displayName }),
  role: attendee.optional === true ? ICalAttendeeRole.OPT : ICalAttendeeRole.REQ,
  status: attendeeStatus[attendee.responseStatus ?? "needsAction"],
  rsvp: true
})

/** The zone the event's times are written in, or `undefined` for UTC. @internal */
export const zoneOf = (event: CalendarProvider.CalendarEvent): string | undefined => {
  if (!("dateTime" in event.start) || !("dateTime" in event.end)) return undefined
  const start = event.start.timeZone
  const end = event.end.timeZone
  // One zone per event in ical-generator: two different ones are written in UTC, which loses no instant.
  return start !== undefined && (end === undefined || end === start) ? start : undefined
}

/** Times, texts, status and people of the VEVENT. @internal */
export const eventData = (
  event: CalendarProvider.CalendarEvent,
  organizer: { readonly email: string; readonly name?: string | undefined },
  status: CalendarProvider.EventStatus
): Omit<ICalEventData, "id" | "sequence" | "stamp"> => {
  const times: Pick<ICalEventData, "start" | "end" | "allDay" | "timezone"> =
    "date" in event.start && "date" in event.end
      ? {
          allDay: true,
          start: new Date(`${event.start.date}T00:00:00Z`),
          end: new Date(`${event.end.date}T00:00:00Z`)
        }
      : timed(event)
  return {
    ...times,
    summary: event.summary,
    ...(event.description === undefined ? {} : { description: event.description }),
    ...(event.location === undefined ? {} : { location: event.location }),
    status: eventStatus[status],
    organizer: { name: organizer.name ?? organizer.email, email: organizer.email },
    attendees: (event.attendees ?? []).map(attendeeOf)
  }
}

const timed = (event: CalendarProvider.CalendarEvent): Pick<ICalEventData, "start" | "end" | "timezone"> => {
  const start = Date.parse((event.start as CalendarProvider.TimedEventTime).dateTime)
  const end = Date.parse((event.end as CalendarProvider.TimedEventTime).dateTime)
  const zone = zoneOf(event)
  // ical-generator reads a string without offset as wall time in `timezone`; a Date alone is written in UTC.
  return zone === undefined
    ? { start: new Date(start), end: new Date(end) }
    : { start: localIso(zone, start), end: localIso(zone, end), timezone: zone }
}

/** The event's first and last instants, for the `VTIMEZONE`'s range. @internal */
export const spanOf = (event: CalendarProvider.CalendarEvent): readonly [number, number] => {
  const instant = (time: CalendarProvider.EventTime) =>
    "date" in time ? Date.parse(`${time.date}T00:00:00Z`) : Date.parse(time.dateTime)
  return [instant(event.start), instant(event.end)]
}
