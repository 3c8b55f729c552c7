/**
 * The event routes of the Google Calendar simulator: insert, get, patch,
 * delete, list and watch, each answering as Google does (bodies, status codes,
 * reasons and messages), recording side effects and announcing changes to
 * watching channels.
 *
 * @since 0.1.0
 */
import type { HandlerContext, Reply, SimRequest } from "../../Simulator.ts"
import { announce, watch } from "./channels.ts"
import { deleted, duplicate, invalid, notFound, parseError, requiredAccessLevel } from "./errors.ts"
import { listEvents } from "./listing.ts"
import {
  checkFields,
  checkTimes,
  etagFor,
  isErrorReply,
  isEventId,
  newResource,
  patchedResource,
  type EventResource
} from "./model.ts"
import type { State, StoredEvent } from "./state.ts"

/** The account the simulator's access token belongs to. @since 0.1.0 */
export interface Account {
  readonly accountEmail: string
}

type Context = HandlerContext<State, Account>

const BASE32HEX = "0123456789abcdefghijklmnopqrstuv"
const SEND_UPDATES = new Set(["all", "externalOnly", "none"])

interface Calendar {
  readonly id: string
  readonly writable: boolean
  readonly events: Map<string, StoredEvent>
}

/**
 * Resolves a calendar id: `primary` and the account's email are its own
 * calendar; `…@group.calendar.google.com` are its secondary calendars;
 * `…@group.v.calendar.google.com` (public holiday calendars) are read-only;
 * anything else is not found.
 */
const calendarOf = (request: SimRequest, context: Context): Calendar | undefined => {
  const requested = request.params.calendarId ?? ""
  const account = context.credentials.accountEmail
  const id = requested === "primary" ? account : requested
  const known =
    id === account || id.endsWith("@group.calendar.google.com") || id.endsWith("@group.v.calendar.google.com")
  if (!known) return undefined
  let events = context.state.calendars.get(id)
  if (events === undefined) {
    events = new Map()
    context.state.calendars.set(id, events)
  }
  return { id, writable: !id.endsWith("@group.v.calendar.google.com"), events }
}

const withCalendar = (
  request: SimRequest,
  context: Context,
  access: "read" | "write",
  answer: (calendar: Calendar) => Reply
): Reply => {
  const calendar = calendarOf(request, context)
  if (calendar === undefined) return notFound()
  if (access === "write" && !calendar.writable) return requiredAccessLevel()
  if (access === "write") {
    const sendUpdates = request.query.get("sendUpdates")
    if (sendUpdates !== null && !SEND_UPDATES.has(sendUpdates)) return invalid(`Invalid value for: ${sendUpdates}`)
  }
  return answer(calendar)
}

const eventReply = (resource: EventResource): Reply => ({
  status: 200,
  headers: { etag: resource.etag },
  body: resource
})

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const generatedId = (context: Context): string => {
  let id = ""
  for (let i = 0; i < 26; i++) id += BASE32HEX[Math.floor(context.random() * BASE32HEX.length)]
  return id
}

const insert = (request: SimRequest, context: Context, calendar: Calendar): Reply => {
  const conferenceDataVersion = request.query.get("conferenceDataVersion")
  if (conferenceDataVersion !== null && conferenceDataVersion !== "0" && conferenceDataVersion !== "1") {
    return invalid(`Invalid value '${conferenceDataVersion}'. Values must be within the range: [0, 1]`)
  }
  const body = request.json()
  if (!isRecord(body)) return parseError()
  const clientId = body.id
  if (clientId !== undefined && (typeof clientId !== "string" || !isEventId(clientId))) {
    return invalid("Invalid resource id value.")
  }
  const fields = checkFields(body, "insert")
  if (isErrorReply(fields)) return fields
  const { start, end } = fields
  if (start === undefined || end === undefined) return invalid("Missing start or end time.")
  const rangeProblem = checkTimes(start, end)
  if (rangeProblem !== undefined) return rangeProblem
  // A deleted event keeps its id, so reusing it is a duplicate too.
  if (clientId !== undefined && calendar.events.has(clientId)) return duplicate()
  const id = clientId ?? generatedId(context)
  const state = context.state
  const seq = ++state.seq
  const { conferenceData, ...rest } = fields
  const resource = newResource({
    id,
    calendarId: calendar.id,
    fields: { ...rest, start, end, ...(conferenceDataVersion === "1" ? { conferenceData } : {}) },
    now: Date.now(),
    seq
  })
  calendar.events.set(id, { resource, calendarId: calendar.id, order: seq, changeSeq: seq, deleted: false })
  context.ledger.sideEffect({
    kind: "event",
    id,
    ...(clientId === undefined ? {} : { key: clientId }),
    data: {
      calendarId: calendar.id,
      summary: resource.summary,
      sendUpdates: request.query.get("sendUpdates") ?? "none"
    }
  })
  announce(context, calendar.id)
  return eventReply(resource)
}

const get = (request: SimRequest, calendar: Calendar): Reply => {
  const event = calendar.events.get(request.params.eventId ?? "")
  // Google's get answers deleted events too, with status "cancelled".
  return event === undefined ? notFound() : eventReply(event.resource)
}

const patch = (request: SimRequest, context: Context, calendar: Calendar): Reply => {
  const event = calendar.events.get(request.params.eventId ?? "")
  if (event === undefined) return notFound()
  const body = request.json()
  if (!isRecord(body)) return parseError()
  const fields = checkFields(body, "patch")
  if (isErrorReply(fields)) return fields
  const rangeProblem = checkTimes(fields.start ?? event.resource.start, fields.end ?? event.resource.end)
  if (rangeProblem !== undefined) return rangeProblem
  const seq = ++context.state.seq
  event.resource = patchedResource(event.resource, fields, Date.now(), seq)
  event.changeSeq = seq
  // Patching a deleted event's status back to confirmed restores it, as in Google Calendar.
  if (fields.status !== undefined) event.deleted = fields.status === "cancelled"
  context.ledger.sideEffect({ kind: "event.patch", id: event.resource.id, data: { fields: Object.keys(fields) } })
  announce(context, calendar.id)
  return eventReply(event.resource)
}

const remove = (request: SimRequest, context: Context, calendar: Calendar): Reply => {
  const event = calendar.events.get(request.params.eventId ?? "")
  if (event === undefined) return notFound()
  if (event.deleted) return deleted()
  const seq = ++context.state.seq
  const now = Date.now()
  event.resource = {
    ...event.resource,
    status: "cancelled",
    updated: new Date(now).toISOString(),
    etag: etagFor(now, seq)
  }
  event.changeSeq = seq
  event.deleted = true
  context.ledger.sideEffect({ kind: "event.delete", id: event.resource.id })
  announce(context, calendar.id)
  return { status: 204 }
}

/**
 * The route handlers, by operation.
 *
 * @since 0.1.0
 */
export const handlers = {
  insert: (request: SimRequest, context: Context): Reply =>
    withCalendar(request, context, "write", (calendar) => insert(request, context, calendar)),
  get: (request: SimRequest, context: Context): Reply =>
    withCalendar(request, context, "read", (calendar) => get(request, calendar)),
  patch: (request: SimRequest, context: Context): Reply =>
    withCalendar(request, context, "write", (calendar) => patch(request, context, calendar)),
  delete: (request: SimRequest, context: Context): Reply =>
    withCalendar(request, context, "write", (calendar) => remove(request, context, calendar)),
  list: (request: SimRequest, context: Context): Reply =>
    withCalendar(request, context, "read", (calendar) => listEvents(request, context, calendar.id)),
  watch: (request: SimRequest, context: Context): Reply =>
    withCalendar(request, context, "read", (calendar) =>
      watch(request, context, calendar.id, request.params.calendarId ?? calendar.id)
    )
}
