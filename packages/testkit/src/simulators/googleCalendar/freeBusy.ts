/**
 * `POST /calendar/v3/freeBusy` (`freebusy.query`): the busy intervals of each
 * calendar asked about, answered from the simulator's stored events as Google
 * answers them: every event that is not cancelled counts as busy, intervals
 * are clipped to the window, overlapping ones merged, times in UTC (`…Z`),
 * and a calendar the account cannot see answers `errors: [notFound]` in place
 * of failing the whole question.
 *
 * @since 0.1.0
 */
import type { HandlerContext, Reply, SimRequest } from "../../Simulator.ts"
import { globalError, invalid, parseError, required } from "./errors.ts"
import { instantOf, isErrorReply as isReply } from "./model.ts"
import type { State } from "./state.ts"

const MAX_CALENDARS = 50
const DATE_TIME_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i

interface Interval {
  readonly start: number
  readonly end: number
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

// Google writes free/busy times in UTC without milliseconds.
const utc = (millis: number): string => new Date(millis).toISOString().replace(/\.000Z$/, "Z")

const instant = (value: unknown, name: string): number | Reply => {
  if (value === undefined) return required(`Missing ${name}.`)
  if (typeof value !== "string" || !DATE_TIME_WITH_OFFSET.test(value) || Number.isNaN(Date.parse(value))) {
    return invalid(`Bad Request: ${name}`)
  }
  return Date.parse(value)
}

/** Resolves a requested id to the stored calendar's key, or `undefined` when the account cannot see it. */
const calendarKey = (requested: string, accountEmail: string): string | undefined => {
  const id = requested === "primary" ? accountEmail : requested
  return id === accountEmail || id.endsWith("@group.calendar.google.com") || id.endsWith("@group.v.calendar.google.com")
    ? id
    : undefined
}

const merged = (intervals: ReadonlyArray<Interval>): ReadonlyArray<Interval> => {
  const sorted = [...intervals].sort((a, b) => a.start - b.start || a.end - b.end)
  const result: Array<Interval> = []
  for (const interval of sorted) {
    const last = result.at(-1)
    if (last !== undefined && interval.start <= last.end)
      result[result.length - 1] = { start: last.start, end: Math.max(last.end, interval.end) }
    else result.push(interval)
  }
  return result
}

const busyOf = (state: State, key: string, window: Interval): ReadonlyArray<Interval> => {
  const intervals: Array<Interval> = []
  for (const event of state.calendars.get(key)?.values() ?? []) {
    if (event.deleted || event.resource.status === "cancelled") continue
    const start = Math.max(instantOf(event.resource.start), window.start)
    const end = Math.min(instantOf(event.resource.end), window.end)
    if (end > start) intervals.push({ start, end })
  }
  return merged(intervals)
}

const itemIds = (items: unknown): ReadonlyArray<string> | Reply => {
  if (items === undefined) return []
  if (!Array.isArray(items)) return invalid("Invalid value for: items")
  const ids: Array<string> = []
  for (const item of items) {
    if (!isRecord(item) || typeof item.id !== "string" || item.id.length === 0) return required("Missing calendar id.")
    ids.push(item.id)
  }
  if (ids.length > MAX_CALENDARS) return globalError(400, "tooManyCalendarsRequested", "Too many calendars requested.")
  return ids
}

/**
 * Answers `freebusy.query` for the account the access token belongs to.
 *
 * @example
 * ```ts
 * { method: "POST", path: "/calendar/v3/freeBusy", operation: "freebusy.query", handle: freeBusy }
 * ```
 * @since 0.1.0
 */
export const freeBusy = (
  request: SimRequest,
  context: HandlerContext<State, { readonly accountEmail: string }>
): Reply => {
  const body = request.json()
  if (!isRecord(body)) return parseError()
  const timeMin = instant(body.timeMin, "timeMin")
  if (isReply(timeMin)) return timeMin
  const timeMax = instant(body.timeMax, "timeMax")
  if (isReply(timeMax)) return timeMax
  if (timeMax <= timeMin) return globalError(400, "timeRangeEmpty", "The specified time range is empty.")
  const ids = itemIds(body.items)
  if (isReply(ids)) return ids
  const window = { start: timeMin, end: timeMax }
  const calendars: Record<string, unknown> = {}
  for (const id of ids) {
    const key = calendarKey(id, context.credentials.accountEmail)
    calendars[id] =
      key === undefined
        ? { errors: [{ domain: "global", reason: "notFound" }], busy: [] }
        : {
            busy: busyOf(context.state, key, window).map((interval) => ({
              start: utc(interval.start),
              end: utc(interval.end)
            }))
          }
  }
  return {
    status: 200,
    body: { kind: "calendar#freeBusy", timeMin: utc(timeMin), timeMax: utc(timeMax), calendars }
  }
}
