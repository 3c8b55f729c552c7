/**
 * Twilio's Message list (`GET /2010-04-01/Accounts/:accountSid/Messages.json`):
 * the filters twilio-node's `client.messages.list` sends, newest first, in
 * Twilio's page envelope.
 *
 * - `To` and `From` match exactly.
 * - `DateSent`, `DateSent<` (on or before) and `DateSent>` (on or after) work
 *   by **day** (UTC), as on Twilio: `YYYY-MM-DD`, or twilio-node's
 *   `YYYY-MM-DDTHH:mm:ssZ` of which only the date part counts, so "the last 30
 *   seconds" is the whole day. A message whose `date_sent` is null (still
 *   `accepted` or `queued`) matches no DateSent filter, so a DateSent query can
 *   miss exactly the message a reconciliation looks for: query by `To`/`From`
 *   and compare `date_created` instead. A date that does not start with
 *   `YYYY-MM-DD` is answered 400, code 20001.
 * - `PageSize`: default 50, at most 1000 (larger values are capped), a whole
 *   number from 1; anything else is answered 400, code 20001.
 * - Paging: `next_page_uri` carries `Page` and a `PageToken` (`PA` + the sid of
 *   the page's last message), so a next page starts after that message even
 *   when new ones arrived meanwhile; `previous_page_uri` carries `PB` + the sid
 *   of the page's first message. Both are null at the ends.
 *
 * @since 0.1.0
 */
import type { Reply, SimRequest } from "../../Simulator.ts"
import { errorReply } from "./errors.ts"
import { resource, type StoredMessage } from "./messages.ts"

/** The page size Twilio uses without `PageSize`. @since 0.1.0 */
export const DEFAULT_PAGE_SIZE = 50

/** The largest page Twilio serves. @since 0.1.0 */
export const MAX_PAGE_SIZE = 1000

const DAY = /^(\d{4}-\d{2}-\d{2})(?:$|T)/

/** The UTC day of a date, `YYYY-MM-DD`. */
const dayOf = (date: Date): string => date.toISOString().slice(0, 10)

interface Filters {
  readonly to: string | undefined
  readonly from: string | undefined
  readonly on: string | undefined
  readonly onOrBefore: string | undefined
  readonly onOrAfter: string | undefined
}

const FILTER_NAMES = ["To", "From", "DateSent", "DateSent<", "DateSent>", "PageSize", "Page", "PageToken"] as const

const invalid = (name: string, value: string): Reply =>
  errorReply(400, 20001, `Invalid ${name}: ${JSON.stringify(value)}`)

const day = (query: URLSearchParams, name: string): string | undefined | Reply => {
  const value = query.get(name)
  if (value === null) return undefined
  const match = DAY.exec(value)
  if (match?.[1] === undefined || Number.isNaN(Date.parse(`${match[1]}T00:00:00Z`))) return invalid(name, value)
  return match[1]
}

const matches = (message: StoredMessage, filters: Filters): boolean => {
  if (filters.to !== undefined && message.to !== filters.to) return false
  if (filters.from !== undefined && message.from !== filters.from) return false
  const dated = filters.on !== undefined || filters.onOrBefore !== undefined || filters.onOrAfter !== undefined
  if (!dated) return true
  // Twilio: date_sent is null until the message is sent, and a null date matches no DateSent filter.
  if (message.dateSent === null) return false
  const sent = dayOf(message.dateSent)
  return (
    (filters.on === undefined || sent === filters.on) &&
    (filters.onOrBefore === undefined || sent <= filters.onOrBefore) &&
    (filters.onOrAfter === undefined || sent >= filters.onOrAfter)
  )
}

/** Newest first by `date_created`; among equal dates, the later create first. */
const newestFirst = (messages: Iterable<StoredMessage>): Array<StoredMessage> =>
  [...messages]
    .map((message, order) => ({ message, order }))
    .sort((a, b) => b.message.dateCreated.getTime() - a.message.dateCreated.getTime() || b.order - a.order)
    .map(({ message }) => message)

const wholeNumber = (query: URLSearchParams, name: string): number | undefined | Reply => {
  const value = query.get(name)
  if (value === null) return undefined
  return /^\d+$/.test(value) ? Number(value) : invalid(name, value)
}

const isReply = (value: unknown): value is Reply => typeof value === "object" && value !== null

/**
 * Answers one list request over the account's messages.
 *
 * @example
 * ```ts
 * // GET /2010-04-01/Accounts/AC…/Messages.json?To=%2B15558675310&DateSent%3E=2026-12-06T00:00:00Z&PageSize=20
 * listMessages(request, sim.state.messages.values())
 * ```
 * @since 0.1.0
 */
export const listMessages = (request: SimRequest, messages: Iterable<StoredMessage>): Reply => {
  const query = request.query
  const on = day(query, "DateSent")
  const onOrBefore = day(query, "DateSent<")
  const onOrAfter = day(query, "DateSent>")
  const requestedSize = wholeNumber(query, "PageSize")
  const requestedPage = wholeNumber(query, "Page")
  for (const problem of [on, onOrBefore, onOrAfter, requestedSize, requestedPage]) {
    if (isReply(problem)) return problem
  }
  if (requestedSize === 0) return invalid("PageSize", "0")
  const filters: Filters = {
    to: query.get("To") ?? undefined,
    from: query.get("From") ?? undefined,
    on: on as string | undefined,
    onOrBefore: onOrBefore as string | undefined,
    onOrAfter: onOrAfter as string | undefined
  }
  const pageSize = Math.min((requestedSize as number | undefined) ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
  const page = (requestedPage as number | undefined) ?? 0
  const accountSid = request.params.accountSid ?? ""
  const found = newestFirst(messages).filter(
    (message) => message.accountSid === accountSid && matches(message, filters)
  )
  const start = startOf(found, query.get("PageToken"), page, pageSize)
  const slice = found.slice(start, start + pageSize)
  const base = `/2010-04-01/Accounts/${accountSid}/Messages.json`
  const uri = (pageNumber: number, token?: string) => {
    const params = new URLSearchParams()
    for (const name of FILTER_NAMES.slice(0, 5)) {
      const value = query.get(name)
      if (value !== null) params.set(name, value)
    }
    params.set("PageSize", String(pageSize))
    params.set("Page", String(pageNumber))
    if (token !== undefined) params.set("PageToken", token)
    return `${base}?${params.toString()}`
  }
  const first = slice[0]
  const last = slice.at(-1)
  const hasNext = last !== undefined && start + slice.length < found.length
  const hasPrevious = first !== undefined && start > 0
  return {
    status: 200,
    body: {
      first_page_uri: uri(0),
      end: slice.length === 0 ? start : start + slice.length - 1,
      previous_page_uri: hasPrevious ? uri(Math.max(page - 1, 0), `PB${first.sid}`) : null,
      messages: slice.map(resource),
      uri: uri(page, query.get("PageToken") ?? undefined),
      page_size: pageSize,
      start,
      next_page_uri: hasNext ? uri(page + 1, `PA${last.sid}`) : null,
      page
    }
  }
}

/**
 * Where a page starts: after the message a `PA…` token names, a page before
 * the message a `PB…` token names, else at `Page × PageSize`.
 */
const startOf = (found: ReadonlyArray<StoredMessage>, token: string | null, page: number, pageSize: number): number => {
  const sid = token?.slice(2)
  const index = sid === undefined ? -1 : found.findIndex((message) => message.sid === sid)
  if (token?.startsWith("PA") === true && index >= 0) return index + 1
  if (token?.startsWith("PB") === true && index >= 0) return Math.max(index - pageSize, 0)
  return page * pageSize
}
