/**
 * RFC 5545 / RFC 5546 (iTIP) calendar files for one wedding event, made with
 * ical-generator: what the couple gets when calendar sync cannot run.
 *
 * - `UID` is derived from our business key (`<32 hex of SHA-256(key)>@wedsync`):
 *   the same key always gives the same UID, so a calendar app updates or
 *   removes the entry it already has instead of adding a second one.
 * - `SEQUENCE` is the caller's `revision`: how many times the event changed
 *   since it was first sent (0 on creation). Every update and the
 *   cancellation is a change, so each gets the next number; a calendar app
 *   ignores a message whose SEQUENCE is lower than the one it holds. Keep the
 *   revision with the event (a column next to the business key).
 * - {@link request} writes `METHOD:REQUEST` (a new or changed event),
 *   {@link cancel} writes `METHOD:CANCEL` and `STATUS:CANCELLED`; a
 *   cancellation needs a revision of at least 1, since it must outrank the
 *   creation.
 * - Timed events with an IANA `timeZone` are written in that zone's wall time
 *   (`DTSTART;TZID=Europe/London:…`) with a `VTIMEZONE` built from the
 *   runtime's zone data; without one (or with two different zones) in UTC.
 *   All-day events are `VALUE=DATE` with RFC 5545's exclusive end.
 * - `ORGANIZER` is required by iTIP; attendees keep their role (optional →
 *   `OPT-PARTICIPANT`) and response status.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Ics } from "@wedsync/adapter-calendar"
 *
 * const file = yield* Ics.request({
 *   event: ceremony,
 *   key: "wedding:w_123:ceremony",
 *   revision: 0,
 *   organizer: { email: "planner@wedsync.example", name: "WedSync" }
 * })
 * file.uid      // "3f1c…@wedsync"
 * file.content  // "BEGIN:VCALENDAR\r\n…METHOD:REQUEST…"
 * ```
 *
 * @since 0.1.0
 */
import { Clock, Effect } from "effect"
import { CalendarProvider, IntegrationError } from "@wedsync/core"
import ical, { ICalCalendarMethod } from "ical-generator"
import { eventData, keyDigest, spanOf, zoneOf } from "./internal/icsEvent.ts"
import { vtimezone } from "./internal/icsTimeZone.ts"

const PROVIDER = "ics"

/**
 * Who organizes the event (`ORGANIZER`, required by iTIP).
 *
 * @example
 * ```ts
 * const organizer: Ics.Organizer = { email: "planner@wedsync.example", name: "WedSync" }
 * ```
 * @since 0.1.0
 */
export interface Organizer {
  readonly email: string
  readonly name?: string | undefined
}

/**
 * What a calendar file is made from.
 *
 * @example
 * ```ts
 * const input: Ics.Input = { event: ceremony, key: "wedding:w_123:ceremony", revision: 2, organizer: { email: "planner@wedsync.example" } }
 * ```
 * @since 0.1.0
 */
export interface Input {
  readonly event: CalendarProvider.CalendarEvent
  /** Our business key for the event (e.g. `"wedding:w_123:ceremony"`); the UID is derived from it. */
  readonly key: string
  /** How many times the event changed since it was first sent: 0 on creation, then 1, 2, …; it is the SEQUENCE. */
  readonly revision: number
  readonly organizer: Organizer
  /** The UID's right-hand side (default `"wedsync"`). */
  readonly domain?: string | undefined
}

/**
 * `REQUEST` for a new or changed event, `CANCEL` for a cancelled one.
 *
 * @example
 * ```ts
 * const method: Ics.Method = file.method
 * ```
 * @since 0.1.0
 */
export type Method = "REQUEST" | "CANCEL"

/**
 * A calendar file, ready to attach to an email.
 *
 * @example
 * ```ts
 * const attachment = { filename: file.filename, content: file.content, contentType: file.contentType }
 * ```
 * @since 0.1.0
 */
export interface IcsFile {
  readonly method: Method
  readonly uid: string
  readonly sequence: number
  /** `wedding-<first 12 hex of the key digest>.ics`: the same name for every revision. */
  readonly filename: string
  /** `text/calendar; charset=utf-8; method=REQUEST` (or `CANCEL`), as iTIP mail wants it. */
  readonly contentType: string
  /** The file, CRLF line endings, folded at 75 octets. */
  readonly content: string
}

/**
 * The UID's default right-hand side.
 *
 * @example
 * ```ts
 * Ics.uidOf("wedding:w_123:ceremony").endsWith(`@${Ics.defaultDomain}`) // true
 * ```
 * @since 0.1.0
 */
export const defaultDomain = "wedsync"

/**
 * The UID a business key is known by.
 *
 * @example
 * ```ts
 * Ics.uidOf("wedding:w_123:ceremony") === Ics.uidOf("wedding:w_123:ceremony") // true
 * ```
 * @since 0.1.0
 */
export const uidOf = (key: string, domain: string = defaultDomain): string => `${keyDigest(key)}@${domain}`

const invalid = (operation: string, description: string) =>
  IntegrationError.make(PROVIDER, operation, new IntegrationError.InvalidRequest({ description }), {
    delivery: "notSent"
  })

const emailPattern = /^[^\s@<>:"]+@[^\s@<>:"]+\.[^\s@<>:"]+$/
const domainPattern = /^[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?$/i

const problemOf = (input: Input, method: Method): string | undefined => {
  if (!(input.event instanceof CalendarProvider.CalendarEvent)) return "event is not a CalendarProvider.CalendarEvent"
  if (typeof input.key !== "string" || input.key.trim().length === 0) return "key is empty"
  if (!Number.isSafeInteger(input.revision) || input.revision < 0) return "revision must be a whole number ≥ 0"
  if (method === "CANCEL" && input.revision < 1) {
    return "a cancellation needs a revision ≥ 1, above the creation's 0"
  }
  if (method === "REQUEST" && input.event.status === "cancelled") return "a cancelled event is sent with Ics.cancel"
  if (!emailPattern.test(input.organizer?.email ?? "")) return "organizer.email is not an email address"
  if (input.domain !== undefined && !domainPattern.test(input.domain)) return "domain is not a host name"
  return undefined
}

// ical-generator's calendar-wide zone would also write DTSTAMP without its Z (floating, which RFC 5545
// forbids there), so the VTIMEZONE goes in by hand, before the event that names it.
const withTimeZone = (content: string, zone: string): string => {
  const at = content.indexOf("BEGIN:VEVENT")
  return `${content.slice(0, at)}${zone}\r\n${content.slice(at)}`
}

const render = (input: Input, method: Method, now: number): IcsFile => {
  const digest = keyDigest(input.key)
  const uid = `${digest}@${input.domain ?? defaultDomain}`
  const zone = zoneOf(input.event)
  const [from, to] = spanOf(input.event)
  const calendar = ical({
    prodId: { company: "WedSync", product: "Integrations", language: "EN" },
    method: method === "CANCEL" ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.REQUEST
  })
  calendar.createEvent({
    ...eventData(input.event, input.organizer, method === "CANCEL" ? "cancelled" : (input.event.status ?? "confirmed")),
    id: uid,
    sequence: input.revision,
    stamp: new Date(now)
  })
  return {
    method,
    uid,
    sequence: input.revision,
    filename: `wedding-${digest.slice(0, 12)}.ics`,
    contentType: `text/calendar; charset=utf-8; method=${method}`,
    content: zone === undefined ? calendar.toString() : withTimeZone(calendar.toString(), vtimezone(zone, from, to))
  }
}

const make = (input: Input, method: Method): Effect.Effect<IcsFile, IntegrationError.IntegrationError> => {
  const operation = method === "CANCEL" ? "cancel" : "request"
  return Effect.flatMap(Clock.currentTimeMillis, (now) => {
    const problem = problemOf(input, method)
    if (problem !== undefined) return Effect.fail(invalid(operation, problem))
    return Effect.try({
      try: () => render(input, method, now),
      catch: (cause) => invalid(operation, `ical-generator refused the event: ${String(cause)}`)
    })
  })
}

/**
 * A `METHOD:REQUEST` file: the event created (revision 0) or changed
 * (revision n). `DTSTAMP` is now (`Clock`). Fails with `InvalidRequest` for
 * an empty key, a negative or fractional revision, a cancelled event, or an
 * organizer without an email address.
 *
 * @example
 * ```ts
 * const created = yield* Ics.request({ event, key, revision: 0, organizer })
 * const moved = yield* Ics.request({ event: later, key, revision: 1, organizer }) // same uid, SEQUENCE:1
 * ```
 * @since 0.1.0
 */
export const request = (input: Input): Effect.Effect<IcsFile, IntegrationError.IntegrationError> =>
  make(input, "REQUEST")

/**
 * A `METHOD:CANCEL` file with `STATUS:CANCELLED`. `revision` must be higher
 * than every one sent before (at least 1).
 *
 * @example
 * ```ts
 * const cancelled = yield* Ics.cancel({ event, key, revision: 2, organizer }) // same uid, SEQUENCE:2
 * ```
 * @since 0.1.0
 */
export const cancel = (input: Input): Effect.Effect<IcsFile, IntegrationError.IntegrationError> => make(input, "CANCEL")
