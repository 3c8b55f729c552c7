/**
 * Core's calendar models to Google's resources and back: events, patches,
 * pages and free/busy answers. What Google answers is decoded with core's
 * schemas, so nothing of the SDK's types crosses the seam; an answer that
 * does not decode is `Unavailable` (Google said something we cannot read).
 *
 * @internal
 */
import type { calendar_v3 } from "@googleapis/calendar"
import { Effect, Exit, Schema } from "effect"
import { CalendarProvider, type IntegrationError } from "@wedsync/core"
import { malformed } from "./googleErrors.ts"

type Defined<A> = { [K in keyof A]?: Exclude<A[K], undefined | null> }

/** The record without its `undefined` and `null` fields (Google's types refuse explicit `undefined`). @internal */
export const defined = <A extends Record<string, unknown>>(record: A): Defined<A> =>
  Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined && value !== null)) as Defined<A>

const toGoogleTime = (time: CalendarProvider.EventTime): calendar_v3.Schema$EventDateTime =>
  "date" in time ? { date: time.date } : defined({ dateTime: time.dateTime, timeZone: time.timeZone })

/** The fields of a patch (or an event) as Google's event body. @internal */
export const toGoogleFields = (fields: CalendarProvider.EventPatch): calendar_v3.Schema$Event =>
  defined({
    summary: fields.summary,
    description: fields.description,
    location: fields.location,
    status: fields.status,
    start: fields.start === undefined ? undefined : toGoogleTime(fields.start),
    end: fields.end === undefined ? undefined : toGoogleTime(fields.end),
    attendees: fields.attendees?.map((attendee) => defined({ ...attendee }))
  })

/** An event as Google's insert body, with its id when it has one. @internal */
export const toGoogleEvent = (event: CalendarProvider.CalendarEvent): calendar_v3.Schema$Event =>
  defined({ id: event.id, ...toGoogleFields(event) })

const fromGoogleTime = (time: calendar_v3.Schema$EventDateTime | undefined) =>
  time?.date ? { date: time.date } : defined({ dateTime: time?.dateTime, timeZone: time?.timeZone })

const decodeEvent = Schema.decodeUnknownExit(CalendarProvider.CalendarEvent)

/**
 * Google's event as core's `CalendarEvent`; `Unavailable` when it does not
 * decode.
 *
 * @internal
 */
export const fromGoogle = (
  operation: string,
  data: calendar_v3.Schema$Event
): Effect.Effect<CalendarProvider.CalendarEvent, IntegrationError.IntegrationError> => {
  const exit = decodeEvent(
    defined({
      id: data.id,
      // Google leaves `summary` out of an event without a title.
      summary: data.summary ?? "",
      description: data.description,
      location: data.location,
      status: data.status,
      start: fromGoogleTime(data.start),
      end: fromGoogleTime(data.end),
      attendees: data.attendees?.map((attendee) =>
        defined({
          email: attendee.email,
          displayName: attendee.displayName,
          optional: attendee.optional,
          responseStatus: attendee.responseStatus
        })
      ),
      updated: data.updated ? Date.parse(data.updated) : undefined
    })
  )
  return Exit.isSuccess(exit) ? Effect.succeed(exit.value) : Effect.fail(malformed(operation, 200))
}

/**
 * One page of `events.list` as core's `EventPage`: cancelled items (the
 * deletions an incremental listing reports) become `deletedEventIds`.
 *
 * @internal
 */
export const toPage = (
  data: calendar_v3.Schema$Events
): Effect.Effect<CalendarProvider.EventPage, IntegrationError.IntegrationError> => {
  const items = data.items ?? []
  const deletedEventIds = items.flatMap((item) => (item.status === "cancelled" && item.id ? [item.id] : []))
  return Effect.forEach(
    items.filter((item) => item.status !== "cancelled"),
    (item) => fromGoogle("listEvents", item)
  ).pipe(
    Effect.map(
      (events): CalendarProvider.EventPage => ({
        events,
        ...(deletedEventIds.length === 0 ? {} : { deletedEventIds }),
        ...(data.nextPageToken ? { nextPageToken: data.nextPageToken } : {}),
        ...(data.nextSyncToken ? { nextSyncToken: data.nextSyncToken } : {})
      })
    )
  )
}

/** Core's list options as `events.list` parameters. @internal */
export const listParams = (
  calendarId: string,
  options: CalendarProvider.ListEventsOptions
): calendar_v3.Params$Resource$Events$List => ({
  calendarId,
  ...defined({
    syncToken: options.syncToken,
    pageToken: options.pageToken,
    timeMin: options.timeMin,
    timeMax: options.timeMax,
    maxResults: options.maxResults
  })
})

/** A free/busy question as `freebusy.query`'s body. @internal */
export const freeBusyBody = (request: CalendarProvider.FreeBusyRequest): calendar_v3.Schema$FreeBusyRequest => ({
  timeMin: request.timeMin,
  timeMax: request.timeMax,
  items: request.calendarIds.map((id) => ({ id }))
})

const decodeFreeBusy = Schema.decodeUnknownExit(CalendarProvider.FreeBusy)

/**
 * Google's free/busy answer as core's `FreeBusy`, keyed by the ids asked
 * about; `Unavailable` when it does not decode or leaves out a calendar that
 * was asked about (Google answers every one, with `errors` when it cannot
 * read it).
 *
 * @internal
 */
export const fromFreeBusy = (
  request: CalendarProvider.FreeBusyRequest,
  data: calendar_v3.Schema$FreeBusyResponse
): Effect.Effect<CalendarProvider.FreeBusy, IntegrationError.IntegrationError> => {
  const calendars: Record<string, unknown> = {}
  for (const id of request.calendarIds) {
    const answer = data.calendars?.[id]
    if (answer === undefined) return Effect.fail(malformed("freeBusy", 200))
    const errors = (answer.errors ?? []).flatMap((error) => (error.reason ? [error.reason] : []))
    calendars[id] = {
      busy: (answer.busy ?? []).map((interval) => ({ start: interval.start, end: interval.end })),
      ...(errors.length === 0 ? {} : { errors })
    }
  }
  const exit = decodeFreeBusy({
    timeMin: data.timeMin ?? request.timeMin,
    timeMax: data.timeMax ?? request.timeMax,
    calendars
  })
  return Exit.isSuccess(exit) ? Effect.succeed(exit.value) : Effect.fail(malformed("freeBusy", 200))
}
