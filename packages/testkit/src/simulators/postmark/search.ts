/**
 * Postmark's outbound message search, `GET /messages/outbound`, as postmark.js
 * `client.getOutboundMessages({ count, offset, recipient, fromEmail, tag,
 * status, subject, messageStream, fromDate, toDate, metadata_<key>: value })`
 * sends it.
 *
 * - Parameter names are matched case-insensitively, as Postmark does: the SDK
 *   sends `fromEmail`, `messageStream`, `fromDate`, `toDate`, the docs write
 *   `fromemail`, `messagestream`, `fromdate`, `todate`.
 * - `count` (1–500) and `offset` (0 or more) are required and `count + offset`
 *   may not exceed 10,000; otherwise HTTP 422, ErrorCode 700 (Postmark's
 *   "Messages query exception"), as for a bad `status`, `fromdate` or `todate`.
 * - `recipient`: an address of the message's `To` recipients, case-insensitive.
 * - `metadata_<key>=value`: the message's `Metadata[key]` equals `value`. Postmark
 *   documents one metadata field per query; given several, the simulator
 *   **applies all of them** (every one must match), so an adapter should send one.
 * - `fromemail` (the From address, case-insensitive), `tag` and `subject`
 *   (exact), `messagestream` (exact; every stream when absent), `status`
 *   (`queued`, `sent` or `processed`; the simulator's messages are `Sent`
 *   unless a test marks one `Queued`, and none is `processed`).
 * - `fromdate` / `todate`: Eastern Time (`America/New_York`), as Postmark's API
 *   reads them, `YYYY-MM-DD` or `YYYY-MM-DDTHH:mm:ss`; a bare `todate` day
 *   includes the whole day.
 *
 * The answer is `{ TotalCount, Messages }`, newest first, each message in the
 * shape of postmark.js's `OutboundMessage` (no bodies and no `MessageEvents`:
 * those are in `GET /messages/outbound/:id/details`).
 *
 * @since 0.1.0
 */
import type { Reply, SimRequest } from "../../Simulator.ts"
import { reply, searchMessages } from "./errors.ts"
import type { StoredMessage } from "./state.ts"

export { searchMessages } from "./errors.ts"

/** The most messages one search returns. @since 0.1.0 */
export const MAX_COUNT = 500

/** The deepest a search may page: `count + offset` may not exceed it. @since 0.1.0 */
export const MAX_DEPTH = 10_000

/** Postmark's ErrorCode for a search with bad parameters ("Messages query exception"). @since 0.1.0 */
export const QUERY_EXCEPTION = 700

/** One message as the search lists it: postmark.js's `OutboundMessage`. @since 0.1.0 */
export type SearchedMessage = Omit<StoredMessage, "TextBody" | "HtmlBody" | "Body" | "MessageEvents">

/** A stored message in the search's shape (the details without bodies and events). @since 0.1.0 */
export const searched = (message: StoredMessage): SearchedMessage => {
  const { TextBody: _text, HtmlBody: _html, Body: _body, MessageEvents: _events, ...listed } = message
  return listed
}

const refuse = (message: string): Reply => reply(422, QUERY_EXCEPTION, message)

const EASTERN = new Intl.DateTimeFormat("en-US", {
  timeZone: "America/New_York",
  hourCycle: "h23",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit"
})

/** How far New York's wall clock is from UTC at `instant`, in milliseconds (negative: behind). */
const easternOffset = (instant: number): number => {
  const parts = Object.fromEntries(EASTERN.formatToParts(instant).map((part) => [part.type, part.value]))
  const wall = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second)
  )
  return wall - Math.floor(instant / 1000) * 1000
}

const EASTERN_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/

/** An Eastern Time wall-clock date as an instant; a bare day is its start, or with `endOfDay` its last millisecond. */
const easternInstant = (value: string, endOfDay: boolean): number | undefined => {
  const match = EASTERN_DATE.exec(value.trim())
  if (match === null) return undefined
  const [, year, month, dayOfMonth, hour, minute, second] = match.map((part) =>
    part === undefined ? undefined : Number(part)
  )
  const bare = hour === undefined
  const wall = Date.UTC(year ?? 0, (month ?? 1) - 1, dayOfMonth ?? 1, hour ?? 0, minute ?? 0, second ?? 0)
  if (Number.isNaN(wall)) return undefined
  let instant = wall - easternOffset(wall)
  instant = wall - easternOffset(instant)
  return bare && endOfDay ? instant + 86_400_000 - 1 : instant
}

const lower = (value: string) => value.toLowerCase()

/** The address of a From header (`Name <a@b>` or `a@b`). */
const addressOf = (from: string): string => (/<([^<>]*)>\s*$/.exec(from)?.[1] ?? from).trim()

/**
 * Answers one search over the server's messages.
 *
 * @example
 * ```ts
 * // GET /messages/outbound?count=50&offset=0&recipient=ana@example.com&metadata_key=booking-17
 * searchOutbound(request, sim.state.messages.values())
 * ```
 * @since 0.1.0
 */
export const searchOutbound = (request: SimRequest, messages: Iterable<StoredMessage>): Reply => {
  const params = new Map<string, string>()
  const metadata: Array<readonly [string, string]> = []
  for (const [name, value] of request.query) {
    if (/^metadata_/i.test(name)) metadata.push([name.slice("metadata_".length), value])
    else if (!params.has(lower(name))) params.set(lower(name), value)
  }
  const count = params.get("count")
  const offset = params.get("offset")
  if (count === undefined || !/^\d+$/.test(count) || Number(count) < 1 || Number(count) > MAX_COUNT) {
    return refuse(searchMessages.countRequired)
  }
  if (offset === undefined || !/^\d+$/.test(offset)) return refuse(searchMessages.offsetRequired)
  if (Number(count) + Number(offset) > MAX_DEPTH) return refuse(searchMessages.tooDeep)
  const status = params.get("status")
  if (status !== undefined && !["queued", "sent", "processed"].includes(lower(status))) {
    return refuse(searchMessages.invalidStatus(status))
  }
  const fromDate = params.get("fromdate")
  const toDate = params.get("todate")
  const after = fromDate === undefined ? undefined : easternInstant(fromDate, false)
  const before = toDate === undefined ? undefined : easternInstant(toDate, true)
  if (fromDate !== undefined && after === undefined) return refuse(searchMessages.invalidDate("fromdate", fromDate))
  if (toDate !== undefined && before === undefined) return refuse(searchMessages.invalidDate("todate", toDate))
  const recipient = params.get("recipient")
  const fromEmail = params.get("fromemail")
  const tag = params.get("tag")
  const subject = params.get("subject")
  const stream = params.get("messagestream")
  const matches = (message: StoredMessage): boolean => {
    const received = Date.parse(message.ReceivedAt)
    return (
      (recipient === undefined || message.To.some((to) => lower(to.Email) === lower(recipient.trim()))) &&
      metadata.every(([key, value]) => message.Metadata[key] === value) &&
      (fromEmail === undefined || lower(addressOf(message.From)) === lower(fromEmail.trim())) &&
      (tag === undefined || message.Tag === tag) &&
      (subject === undefined || message.Subject === subject) &&
      (stream === undefined || message.MessageStream === stream) &&
      (status === undefined || lower(message.Status) === lower(status)) &&
      (after === undefined || received >= after) &&
      (before === undefined || received <= before)
    )
  }
  const found = [...messages]
    .map((message, order) => ({ message, order }))
    .filter(({ message }) => matches(message))
    .sort((a, b) => Date.parse(b.message.ReceivedAt) - Date.parse(a.message.ReceivedAt) || b.order - a.order)
    .map(({ message }) => searched(message))
  return {
    status: 200,
    body: { TotalCount: found.length, Messages: found.slice(Number(offset), Number(offset) + Number(count)) }
  }
}
