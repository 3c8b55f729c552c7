/**
 * The Google Calendar simulator's state and its event resource: how an insert
 * or patch body is checked (with Google's own messages) and turned into the
 * `calendar#event` Google answers with.
 *
 * @since 0.1.0
 */
import type { Reply } from "../../Simulator.ts"
import { globalError, invalid, required } from "./errors.ts"

/** A start or end as Google writes it: `{ dateTime, timeZone? }` or `{ date }`. @since 0.1.0 */
export interface EventDateTime {
  readonly dateTime?: string
  readonly date?: string
  readonly timeZone?: string
}

/** An attendee as Google answers it. @since 0.1.0 */
export interface EventAttendee {
  readonly email: string
  readonly displayName?: string
  readonly optional?: boolean
  readonly responseStatus: string
}

/** A `calendar#event` resource, the fields Google fills in included. @since 0.1.0 */
export interface EventResource {
  readonly kind: "calendar#event"
  readonly etag: string
  readonly id: string
  readonly status: string
  readonly htmlLink: string
  readonly created: string
  readonly updated: string
  readonly summary?: string
  readonly description?: string
  readonly location?: string
  readonly creator: { readonly email: string; readonly self: true }
  readonly organizer: { readonly email: string; readonly self: true }
  readonly start: EventDateTime
  readonly end: EventDateTime
  readonly attendees?: ReadonlyArray<EventAttendee>
  readonly iCalUID: string
  readonly sequence: number
  readonly reminders: unknown
  readonly eventType: "default"
  readonly conferenceData?: unknown
}

/** Google's event id rule: base32hex (`a`–`v`, `0`–`9`), 5 to 1024 characters. @since 0.1.0 */
export const isEventId = (id: string): boolean => /^[a-v0-9]{5,1024}$/.test(id)

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const OFFSET = /(?:Z|[+-]\d{2}:\d{2})$/i
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?$/i

const isTimeZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone })
    return true
  } catch {
    return false
  }
}

const zoneOffsetMillis = (instant: number, timeZone: string): number => {
  const name =
    new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" })
      .formatToParts(instant)
      .find((part) => part.type === "timeZoneName")?.value ?? "GMT"
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name)
  if (match === null) return 0
  const minutes = Number(match[2]) * 60 + Number(match[3])
  return (match[1] === "-" ? -minutes : minutes) * 60_000
}

/** The instant of a start or end in epoch milliseconds (all-day dates count from UTC midnight). @since 0.1.0 */
export const instantOf = (time: EventDateTime): number => {
  if (time.date !== undefined) return Date.parse(`${time.date}T00:00:00Z`)
  const dateTime = time.dateTime ?? ""
  if (OFFSET.test(dateTime)) return Date.parse(dateTime)
  const local = Date.parse(`${dateTime}Z`)
  return local - zoneOffsetMillis(local, time.timeZone ?? "UTC")
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const checkTime = (value: unknown, which: "start" | "end"): EventDateTime | Reply => {
  if (value === undefined || value === null) return required(`Missing ${which} time.`)
  if (!isRecord(value)) return invalid(`Invalid ${which} time.`)
  const { date, dateTime, timeZone } = value
  if (timeZone !== undefined && (typeof timeZone !== "string" || !isTimeZone(timeZone))) {
    return invalid(`Invalid time zone definition for ${which} time.`)
  }
  if (typeof date === "string" && dateTime === undefined) {
    const parsed = new Date(`${date}T00:00:00Z`)
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(parsed.getTime())) return invalid(`Invalid ${which} time.`)
    return { date }
  }
  if (typeof dateTime !== "string" || date !== undefined) return invalid(`Invalid ${which} time.`)
  if (!DATE_TIME.test(dateTime) || Number.isNaN(Date.parse(OFFSET.test(dateTime) ? dateTime : `${dateTime}Z`))) {
    return invalid(`Invalid ${which} time.`)
  }
  if (!OFFSET.test(dateTime) && timeZone === undefined)
    return required(`Missing time zone definition for ${which} time.`)
  return typeof timeZone === "string" ? { dateTime, timeZone } : { dateTime }
}

/** Whether a checked value is an error answer. @since 0.1.0 */
export const isErrorReply = (value: unknown): value is Reply => isRecord(value) && typeof value.status === "number"

/** Google's check of a start/end pair, after an insert or a patch. @since 0.1.0 */
export const checkTimes = (start: EventDateTime, end: EventDateTime): Reply | undefined => {
  if ((start.date === undefined) !== (end.date === undefined)) {
    return invalid("Start and end times must either both be date or both be dateTime.")
  }
  return instantOf(end) > instantOf(start)
    ? undefined
    : globalError(400, "timeRangeEmpty", "The specified time range is empty.")
}

const checkAttendees = (value: unknown): ReadonlyArray<EventAttendee> | Reply => {
  if (!Array.isArray(value)) return invalid("Invalid attendees.")
  const attendees: Array<EventAttendee> = []
  for (const candidate of value) {
    if (!isRecord(candidate) || typeof candidate.email !== "string" || !EMAIL.test(candidate.email)) {
      return invalid("Invalid attendee email.")
    }
    attendees.push({
      email: candidate.email,
      ...(typeof candidate.displayName === "string" ? { displayName: candidate.displayName } : {}),
      ...(candidate.optional === true ? { optional: true } : {}),
      responseStatus: typeof candidate.responseStatus === "string" ? candidate.responseStatus : "needsAction"
    })
  }
  return attendees
}

const STATUSES = new Set(["confirmed", "tentative", "cancelled"])
const TEXT_FIELDS = ["summary", "description", "location"] as const

/** The writable fields of an insert or patch body, checked; absent fields stay absent. @since 0.1.0 */
export interface EventFields {
  readonly summary?: string
  readonly description?: string
  readonly location?: string
  readonly status?: string
  readonly start?: EventDateTime
  readonly end?: EventDateTime
  readonly attendees?: ReadonlyArray<EventAttendee>
  readonly reminders?: unknown
  readonly conferenceData?: unknown
}

/**
 * Checks the writable fields of a body the way Google does, answering Google's
 * 400 for the first problem.
 *
 * @since 0.1.0
 */
export const checkFields = (body: Record<string, unknown>, mode: "insert" | "patch"): EventFields | Reply => {
  const fields: { -readonly [K in keyof EventFields]: EventFields[K] } = {}
  for (const name of TEXT_FIELDS) {
    const value = body[name]
    if (value === undefined || value === null) continue
    if (typeof value !== "string") return invalid(`Invalid value for ${name}.`)
    fields[name] = value
  }
  if (body.status !== undefined) {
    if (typeof body.status !== "string" || !STATUSES.has(body.status)) return invalid("Invalid event status.")
    fields.status = body.status
  }
  for (const which of ["start", "end"] as const) {
    if (mode === "patch" && body[which] === undefined) continue
    const time = checkTime(body[which], which)
    if (isErrorReply(time)) return time
    fields[which] = time
  }
  if (body.attendees !== undefined && body.attendees !== null) {
    const attendees = checkAttendees(body.attendees)
    if (isErrorReply(attendees)) return attendees
    fields.attendees = attendees
  }
  if (isRecord(body.reminders)) fields.reminders = body.reminders
  if (isRecord(body.conferenceData)) fields.conferenceData = body.conferenceData
  return fields
}

/** Google's quoted numeric ETag for a change at `millis`. @since 0.1.0 */
export const etagFor = (millis: number, seq: number): string => `"${millis * 1000 + (seq % 1000)}"`

/** The resource of a new event. @since 0.1.0 */
export const newResource = (input: {
  readonly id: string
  readonly calendarId: string
  readonly fields: EventFields & { readonly start: EventDateTime; readonly end: EventDateTime }
  readonly now: number
  readonly seq: number
}): EventResource => {
  const { id, calendarId, fields, now, seq } = input
  const stamp = new Date(now).toISOString()
  const eid = Buffer.from(`${id} ${calendarId}`).toString("base64").replace(/=+$/, "")
  return {
    kind: "calendar#event",
    etag: etagFor(now, seq),
    id,
    status: fields.status ?? "confirmed",
    htmlLink: `https://www.google.com/calendar/event?eid=${eid}`,
    created: stamp,
    updated: stamp,
    ...(fields.summary === undefined ? {} : { summary: fields.summary }),
    ...(fields.description === undefined ? {} : { description: fields.description }),
    ...(fields.location === undefined ? {} : { location: fields.location }),
    creator: { email: calendarId, self: true },
    organizer: { email: calendarId, self: true },
    start: fields.start,
    end: fields.end,
    ...(fields.attendees === undefined ? {} : { attendees: fields.attendees }),
    iCalUID: `${id}@google.com`,
    sequence: 0,
    reminders: fields.reminders ?? { useDefault: true },
    eventType: "default",
    ...(fields.conferenceData === undefined ? {} : { conferenceData: fields.conferenceData })
  }
}

/** A resource with a patch applied; a new start or end bumps `sequence`, as Google does. @since 0.1.0 */
export const patchedResource = (
  resource: EventResource,
  fields: EventFields,
  now: number,
  seq: number
): EventResource => {
  const moved = fields.start !== undefined || fields.end !== undefined
  return {
    ...resource,
    ...fields,
    etag: etagFor(now, seq),
    updated: new Date(now).toISOString(),
    sequence: resource.sequence + (moved ? 1 : 0)
  }
}

/** What a deleted event looks like in an incremental listing: only `id` and `status` are guaranteed. @since 0.1.0 */
export const cancelledStub = (resource: EventResource) => ({
  kind: "calendar#event",
  etag: resource.etag,
  id: resource.id,
  status: "cancelled"
})
