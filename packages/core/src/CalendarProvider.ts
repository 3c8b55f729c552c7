/**
 * The calendar port: what core asks of any calendar provider, and the events
 * and pages that cross the seam.
 *
 * An adapter (Google Calendar, a simulator) provides {@link CalendarProvider}
 * with a layer. Inserts are made idempotent by a client-supplied event id: a
 * retry that finds the id taken (Google answers 409) has already succeeded.
 * Listing is incremental: keep `nextSyncToken` and pass it back as `syncToken`.
 * `freeBusy` answers which intervals of a window are taken, per calendar.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { CalendarProvider } from "@wedsync/core"
 *
 * const book = Effect.gen(function*() {
 *   const calendar = yield* CalendarProvider.CalendarProvider
 *   return yield* calendar.insertEvent("primary", new CalendarProvider.CalendarEvent({
 *     id: "ev123tasting0612",
 *     summary: "Cake tasting",
 *     start: { dateTime: "2026-06-01T15:00:00+01:00", timeZone: "Europe/London" },
 *     end: { dateTime: "2026-06-01T16:00:00+01:00", timeZone: "Europe/London" }
 *   }))
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Context, type Effect, Schema } from "effect"
import type { IntegrationError } from "./IntegrationError.ts"
import { NonEmptyString } from "./Fields.ts"
import { named, reportingAll } from "./internal/construct.ts"

const isTimeZone = (zone: string): boolean => {
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: zone }) !== undefined
  } catch {
    return false
  }
}

/**
 * An RFC 3339 date-time with an explicit offset, e.g. `2026-06-01T15:00:00+01:00`
 * or `2026-06-01T14:00:00Z`. The offset makes every instant comparable without
 * a time-zone database.
 *
 * @example
 * ```ts
 * Schema.decodeUnknownSync(CalendarProvider.DateTimeString)("2026-06-01T14:00:00Z")
 * ```
 * @since 0.1.0
 */
export const DateTimeString = Schema.String.check(
  Schema.makeFilter((value: string) =>
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/.test(value) &&
    !Number.isNaN(Date.parse(value))
      ? true
      : "expected an RFC 3339 date-time with an offset, like 2026-06-01T15:00:00+01:00"
  )
)

/**
 * A calendar date `YYYY-MM-DD` that exists.
 *
 * @example
 * ```ts
 * Schema.decodeUnknownSync(CalendarProvider.DateString)("2026-06-01")
 * ```
 * @since 0.1.0
 */
export const DateString = Schema.String.check(
  Schema.makeFilter((value: string) => {
    const date = new Date(`${value}T00:00:00Z`)
    return /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value)
      ? true
      : "expected a calendar date like 2026-06-01"
  })
)

/**
 * When a timed event starts or ends. `timeZone` is an IANA zone
 * (`Europe/London`) used for display and recurrence; the instant comes from
 * the offset in `dateTime`.
 *
 * @example
 * ```ts
 * const start: CalendarProvider.TimedEventTime = { dateTime: "2026-06-01T15:00:00+01:00", timeZone: "Europe/London" }
 * ```
 * @since 0.1.0
 */
export const TimedEventTime = Schema.Struct({
  dateTime: DateTimeString,
  timeZone: Schema.optional(
    Schema.String.check(Schema.makeFilter((zone: string) => isTimeZone(zone) || `unknown time zone ${zone}`))
  )
})

/** @since 0.1.0 */
export type TimedEventTime = typeof TimedEventTime.Type

/**
 * When an all-day event starts or ends. As in Google Calendar and iCalendar,
 * the end date is exclusive: a one-day event on 1 June ends on 2 June.
 *
 * @example
 * ```ts
 * const start: CalendarProvider.AllDayEventTime = { date: "2026-06-01" }
 * ```
 * @since 0.1.0
 */
export const AllDayEventTime = Schema.Struct({ date: DateString })

/** @since 0.1.0 */
export type AllDayEventTime = typeof AllDayEventTime.Type

/** The start or the end of an event: timed or all-day. @example `"date" in time` @since 0.1.0 */
export const EventTime = Schema.Union([TimedEventTime, AllDayEventTime])

/** @since 0.1.0 */
export type EventTime = typeof EventTime.Type

/**
 * Someone invited to an event.
 *
 * @example
 * ```ts
 * const planner: CalendarProvider.Attendee = { email: "planner@example.com", responseStatus: "accepted" }
 * ```
 * @since 0.1.0
 */
export const Attendee = Schema.Struct({
  email: Schema.String.check(Schema.isPattern(/^[^\s@]+@[^\s@]+$/, { message: "expected an email address" })),
  displayName: Schema.optional(Schema.String),
  optional: Schema.optional(Schema.Boolean),
  responseStatus: Schema.optional(Schema.Literals(["needsAction", "declined", "tentative", "accepted"]))
})

/** @since 0.1.0 */
export type Attendee = typeof Attendee.Type

/** Whether an event takes place. @example `const status: CalendarProvider.EventStatus = "tentative"` @since 0.1.0 */
export const EventStatus = Schema.Literals(["confirmed", "tentative", "cancelled"])

/** @since 0.1.0 */
export type EventStatus = typeof EventStatus.Type

const rangeIssue = (start: EventTime, end: EventTime): string | undefined => {
  if ("date" in start && "date" in end) return end.date > start.date ? undefined : "end must be after start"
  if ("dateTime" in start && "dateTime" in end) {
    return Date.parse(end.dateTime) > Date.parse(start.dateTime) ? undefined : "end must be after start"
  }
  return "start and end must both be all-day dates or both be date-times"
}

const endAfterStart = Schema.makeFilter<{
  readonly start?: EventTime | undefined
  readonly end?: EventTime | undefined
}>((event) => {
  if (event.start === undefined || event.end === undefined) return true
  const issue = rangeIssue(event.start, event.end)
  return issue === undefined ? true : { path: ["end"], issue }
})

const eventFields = {
  summary: Schema.String,
  description: Schema.optional(Schema.String),
  location: Schema.optional(Schema.String),
  attendees: Schema.optional(Schema.Array(Attendee)),
  status: Schema.optional(EventStatus)
}

const CalendarEventFields = Schema.Struct({
  id: Schema.optional(NonEmptyString),
  ...eventFields,
  start: EventTime,
  end: EventTime,
  updated: Schema.optional(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)))
}).check(endAfterStart)

/**
 * A calendar event. Supply `id` on insert to make the insert idempotent
 * (Google wants 5 to 1024 characters of lower-case base32hex: `a`–`v` and
 * `0`–`9`). `updated` is set by the provider, in epoch milliseconds (UTC).
 * A bad field makes the constructor throw `Fields.InvalidFields` naming it,
 * e.g. `CalendarEvent is invalid: end: end must be after start`.
 *
 * @example
 * ```ts
 * const ceremony = new CalendarProvider.CalendarEvent({
 *   id: "ev123ceremon0612",
 *   summary: "Ceremony",
 *   location: "St Mary's, Oxford",
 *   start: { dateTime: "2026-06-06T13:00:00+01:00", timeZone: "Europe/London" },
 *   end: { dateTime: "2026-06-06T14:00:00+01:00", timeZone: "Europe/London" },
 *   attendees: [{ email: "photographer@example.com" }]
 * })
 * ```
 * @since 0.1.0
 */
export class CalendarEvent extends Schema.Class<CalendarEvent>("@wedsync/core/CalendarProvider/CalendarEvent")(
  CalendarEventFields
) {
  /** Checks every field; throws `Fields.InvalidFields` naming each bad one. */
  constructor(input: (typeof CalendarEventFields)["~type.make.in"], options?: Schema.MakeOptions) {
    try {
      super(input, reportingAll(options))
    } catch (cause) {
      throw named("CalendarEvent", cause)
    }
  }
  /** As `new CalendarEvent(input)` (an instance is returned as it is). */
  static override make(
    input: (typeof CalendarEventFields)["~type.make.in"],
    options?: Schema.MakeOptions
  ): CalendarEvent {
    return input instanceof CalendarEvent ? input : new CalendarEvent(input, options)
  }
}

/**
 * The fields to change in an event; absent fields are left as they are.
 *
 * @example
 * ```ts
 * const patch: CalendarProvider.EventPatch = { location: "The Orangery", status: "confirmed" }
 * ```
 * @since 0.1.0
 */
export const EventPatch = Schema.Struct({
  summary: Schema.optional(Schema.String),
  description: eventFields.description,
  location: eventFields.location,
  attendees: eventFields.attendees,
  status: eventFields.status,
  start: Schema.optional(EventTime),
  end: Schema.optional(EventTime)
}).check(endAfterStart)

/** @since 0.1.0 */
export type EventPatch = typeof EventPatch.Type

/** Options of `insertEvent`: whom the provider notifies. @example `{ sendUpdates: "all" }` @since 0.1.0 */
export const InsertEventOptions = Schema.Struct({
  sendUpdates: Schema.optional(Schema.Literals(["all", "externalOnly", "none"]))
})

/** @since 0.1.0 */
export type InsertEventOptions = typeof InsertEventOptions.Type

/**
 * Options of `listEvents`. A `syncToken` asks for changes since the listing
 * that returned it and cannot be combined with `timeMin` or `timeMax`.
 *
 * @example
 * ```ts
 * const firstSync: CalendarProvider.ListEventsOptions = { timeMin: "2026-01-01T00:00:00Z", maxResults: 250 }
 * const nextSync: CalendarProvider.ListEventsOptions = { syncToken: "CPDAlvWDx70CEPDAlvWDx70CGAU=" }
 * ```
 * @since 0.1.0
 */
export const ListEventsOptions = Schema.Struct({
  syncToken: Schema.optional(NonEmptyString),
  timeMin: Schema.optional(DateTimeString),
  timeMax: Schema.optional(DateTimeString),
  pageToken: Schema.optional(NonEmptyString),
  maxResults: Schema.optional(Schema.Int.check(Schema.isGreaterThan(0)))
}).check(
  Schema.makeFilter((options) =>
    options.syncToken !== undefined && (options.timeMin !== undefined || options.timeMax !== undefined)
      ? { path: ["syncToken"], issue: "syncToken cannot be combined with timeMin or timeMax" }
      : true
  )
)

/** @since 0.1.0 */
export type ListEventsOptions = typeof ListEventsOptions.Type

/**
 * One page of events. When `nextPageToken` is present there is more; the last
 * page carries `nextSyncToken`. During an incremental sync, events removed
 * since the last sync are listed by id in `deletedEventIds`.
 *
 * @example
 * ```ts
 * const done = (page: CalendarProvider.EventPage) => page.nextPageToken === undefined
 * ```
 * @since 0.1.0
 */
export const EventPage = Schema.Struct({
  events: Schema.Array(CalendarEvent),
  deletedEventIds: Schema.optional(Schema.Array(NonEmptyString)),
  nextPageToken: Schema.optional(NonEmptyString),
  nextSyncToken: Schema.optional(NonEmptyString)
})

/** @since 0.1.0 */
export type EventPage = typeof EventPage.Type

/**
 * A free/busy question: which intervals of `[timeMin, timeMax)` are taken in each of `calendarIds` (1 to 50).
 * @example `{ timeMin: "2026-06-06T00:00:00Z", timeMax: "2026-06-07T00:00:00Z", calendarIds: ["primary"] }`
 * @since 0.1.0
 */
export const FreeBusyRequest = Schema.Struct({
  timeMin: DateTimeString,
  timeMax: DateTimeString,
  calendarIds: Schema.Array(NonEmptyString).check(Schema.isMinLength(1), Schema.isMaxLength(50))
}).check(
  Schema.makeFilter(
    (window) =>
      Date.parse(window.timeMax) > Date.parse(window.timeMin) || { path: ["timeMax"], issue: "must be after timeMin" }
  )
)
/** @since 0.1.0 */
export type FreeBusyRequest = typeof FreeBusyRequest.Type

/** One busy interval, `end` exclusive. @example `{ start: "2026-06-06T13:00:00Z", end: "2026-06-06T14:00:00Z" }` @since 0.1.0 */
export const BusyInterval = Schema.Struct({ start: DateTimeString, end: DateTimeString })
/** @since 0.1.0 */
export type BusyInterval = typeof BusyInterval.Type

/**
 * One calendar's answer: busy intervals in time order, or `errors` (`notFound`) when the provider could not
 * read it, so it is not known to be free. @example `answer.errors === undefined && answer.busy.length === 0` @since 0.1.0
 */
export const CalendarBusy = Schema.Struct({
  busy: Schema.Array(BusyInterval),
  errors: Schema.optional(Schema.Array(NonEmptyString))
})
/** @since 0.1.0 */
export type CalendarBusy = typeof CalendarBusy.Type

/** The answer to a {@link FreeBusyRequest}, keyed by each calendar id as asked. @example `answer.calendars.primary?.busy` @since 0.1.0 */
export const FreeBusy = Schema.Struct({
  timeMin: DateTimeString,
  timeMax: DateTimeString,
  calendars: Schema.Record(Schema.String, CalendarBusy)
})
/** @since 0.1.0 */
export type FreeBusy = typeof FreeBusy.Type

/**
 * The calendar port. Every operation fails with an `IntegrationError`.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { CalendarProvider } from "@wedsync/core"
 *
 * const layer = Layer.succeed(
 *   CalendarProvider.CalendarProvider,
 *   CalendarProvider.CalendarProvider.of({
 *     provider: "nowhere",
 *     insertEvent: (calendarId, event) => Effect.succeed(event),
 *     updateEvent: (calendarId, eventId, patch) => Effect.die("not supported"),
 *     deleteEvent: (calendarId, eventId) => Effect.void,
 *     listEvents: (calendarId, options) => Effect.succeed({ events: [] }),
 *     freeBusy: (request) => Effect.succeed({ timeMin: request.timeMin, timeMax: request.timeMax, calendars: {} })
 *   })
 * )
 * ```
 * @since 0.1.0
 */
export class CalendarProvider extends Context.Service<
  CalendarProvider,
  {
    /** The provider's name, e.g. `"google"`; failover reports it as who served. */
    readonly provider: string
    /**
     * Creates an event. When `event.id` is given and already taken by an earlier
     * attempt, adapters answer that existing event rather than fail.
     */
    readonly insertEvent: (
      calendarId: string,
      event: CalendarEvent,
      options?: InsertEventOptions
    ) => Effect.Effect<CalendarEvent, IntegrationError>
    /** Changes the given fields of an event and answers the whole event. */
    readonly updateEvent: (
      calendarId: string,
      eventId: string,
      patch: EventPatch
    ) => Effect.Effect<CalendarEvent, IntegrationError>
    /** Deletes an event; an event that is already gone counts as deleted, so a retry succeeds. */
    readonly deleteEvent: (calendarId: string, eventId: string) => Effect.Effect<void, IntegrationError>
    /**
     * Lists one page of events. An expired `syncToken` fails with an
     * `IntegrationError` of `status` 410 (Google's answer): list again without
     * it to resynchronise.
     */
    readonly listEvents: (calendarId: string, options: ListEventsOptions) => Effect.Effect<EventPage, IntegrationError>
    /**
     * Which intervals are busy in each calendar asked about (confirmed and
     * tentative events; cancelled ones are free). A calendar the provider
     * cannot read answers `errors` rather than failing the whole question.
     */
    readonly freeBusy: (request: FreeBusyRequest) => Effect.Effect<FreeBusy, IntegrationError>
  }
>()("@wedsync/core/CalendarProvider") {}
