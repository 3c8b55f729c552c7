/**
 * `events.list` with Google's incremental sync: a full listing pages through
 * the calendar and puts `nextSyncToken` on its last page; a listing with that
 * `syncToken` answers only what changed since (deleted events as `cancelled`
 * stubs); a token from before {@link expireSyncTokens} (or one never issued) is
 * answered 410 `fullSyncRequired`, and the caller must list again without it.
 *
 * @since 0.1.0
 */
import type { HandlerContext, Reply, SimRequest } from "../../Simulator.ts"
import { fullSyncRequired, invalid } from "./errors.ts"
import { cancelledStub, instantOf, isErrorReply } from "./model.ts"
import type { PageTokenRecord, State, StoredEvent } from "./state.ts"

const DEFAULT_PAGE_SIZE = 250
const MAX_PAGE_SIZE = 2500
const DATE_TIME_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i

/**
 * Makes every sync token issued so far stale: the next incremental listing
 * with one of them gets 410 `fullSyncRequired`, as when Google expires tokens.
 *
 * @example
 * ```ts
 * GoogleCalendar.expireSyncTokens(sim.state)
 * ```
 * @since 0.1.0
 */
export const expireSyncTokens = (state: State): void => {
  state.epoch++
}

const pageSizeOf = (value: string | null): number | Reply => {
  if (value === null) return DEFAULT_PAGE_SIZE
  const size = Number(value)
  if (!Number.isInteger(size) || size < 1)
    return invalid(`Invalid value '${value}'. Values must be within the range: [1, 2500]`)
  return Math.min(size, MAX_PAGE_SIZE)
}

const timeBound = (value: string | null, name: string): number | undefined | Reply => {
  if (value === null) return undefined
  if (!DATE_TIME_WITH_OFFSET.test(value) || Number.isNaN(Date.parse(value))) return invalid(`Bad Request: ${name}`)
  return Date.parse(value)
}

interface Listing {
  readonly ids: ReadonlyArray<string>
  readonly incremental: boolean
  readonly showDeleted: boolean
}

const incrementalListing = (request: SimRequest, state: State, calendarId: string, token: string): Listing | Reply => {
  const query = request.query
  for (const name of ["timeMin", "timeMax", "orderBy", "q", "updatedMin", "iCalUID"]) {
    if (query.has(name)) return invalid(`Sync token cannot be used with other requested parameters (${name}).`)
  }
  if (query.get("showDeleted") === "false") return invalid("Deleted events are always included with a sync token.")
  const record = state.syncTokens.get(token)
  if (record === undefined || record.epoch !== state.epoch || record.calendarId !== calendarId) {
    return fullSyncRequired()
  }
  const events = [...(state.calendars.get(calendarId)?.values() ?? [])]
    .filter((event) => event.changeSeq > record.seq)
    .sort((a, b) => a.changeSeq - b.changeSeq)
  return { ids: events.map((event) => event.resource.id), incremental: true, showDeleted: true }
}

const fullListing = (request: SimRequest, state: State, calendarId: string): Listing | Reply => {
  const query = request.query
  const timeMin = timeBound(query.get("timeMin"), "timeMin")
  if (isErrorReply(timeMin)) return timeMin
  const timeMax = timeBound(query.get("timeMax"), "timeMax")
  if (isErrorReply(timeMax)) return timeMax
  const orderBy = query.get("orderBy")
  if (orderBy !== null && orderBy !== "startTime" && orderBy !== "updated")
    return invalid(`Invalid value for: ${orderBy}`)
  if (orderBy === "startTime" && query.get("singleEvents") !== "true") {
    return invalid("The requested ordering is not available for the particular query.")
  }
  const showDeleted = query.get("showDeleted") === "true"
  const events = [...(state.calendars.get(calendarId)?.values() ?? [])].filter(
    (event) =>
      (showDeleted || !event.deleted) &&
      (timeMin === undefined || instantOf(event.resource.end) > timeMin) &&
      (timeMax === undefined || instantOf(event.resource.start) < timeMax)
  )
  const key = (event: StoredEvent): number =>
    orderBy === "startTime"
      ? instantOf(event.resource.start)
      : orderBy === "updated"
        ? Date.parse(event.resource.updated)
        : event.order
  events.sort((a, b) => key(a) - key(b) || a.order - b.order)
  return { ids: events.map((event) => event.resource.id), incremental: false, showDeleted }
}

const pageOf = (state: State, context: HandlerContext<State, unknown>, record: PageTokenRecord): Reply => {
  const calendar = state.calendars.get(record.calendarId)
  const items: Array<unknown> = []
  for (const id of record.ids.slice(record.offset, record.offset + record.pageSize)) {
    const event = calendar?.get(id)
    if (event === undefined || (event.deleted && !record.showDeleted)) continue
    items.push(event.deleted ? cancelledStub(event.resource) : event.resource)
  }
  const nextOffset = record.offset + record.pageSize
  const continuation: Record<string, string> = {}
  if (nextOffset < record.ids.length) {
    const pageToken = context.id("Ej", 40)
    state.pageTokens.set(pageToken, { ...record, offset: nextOffset })
    continuation.nextPageToken = pageToken
  } else {
    const syncToken = `${context.id("CP", 26)}=`
    state.syncTokens.set(syncToken, { calendarId: record.calendarId, seq: record.syncSeq, epoch: record.epoch })
    continuation.nextSyncToken = syncToken
  }
  return {
    status: 200,
    body: {
      kind: "calendar#events",
      etag: `"p${state.seq}${record.offset}"`,
      summary: record.calendarId,
      description: "",
      updated: new Date().toISOString(),
      timeZone: "UTC",
      accessRole: "owner",
      defaultReminders: [{ method: "popup", minutes: 10 }],
      ...continuation,
      items
    }
  }
}

/**
 * Answers `events.list` for a resolved calendar.
 *
 * @since 0.1.0
 */
export const listEvents = (request: SimRequest, context: HandlerContext<State, unknown>, calendarId: string): Reply => {
  const state = context.state
  const pageSize = pageSizeOf(request.query.get("maxResults"))
  if (isErrorReply(pageSize)) return pageSize
  const pageToken = request.query.get("pageToken")
  if (pageToken !== null) {
    const record = state.pageTokens.get(pageToken)
    if (record === undefined || record.calendarId !== calendarId) return invalid("Invalid page token value.")
    if (record.incremental && record.epoch !== state.epoch) return fullSyncRequired()
    return pageOf(state, context, { ...record, pageSize })
  }
  const syncToken = request.query.get("syncToken")
  const listing =
    syncToken === null
      ? fullListing(request, state, calendarId)
      : incrementalListing(request, state, calendarId, syncToken)
  if (isErrorReply(listing)) return listing
  return pageOf(state, context, {
    calendarId,
    ids: listing.ids,
    offset: 0,
    pageSize,
    syncSeq: state.seq,
    epoch: state.epoch,
    incremental: listing.incremental,
    showDeleted: listing.showDeleted
  })
}
