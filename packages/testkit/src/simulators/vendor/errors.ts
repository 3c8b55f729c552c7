/**
 * The booking system's error answers: one JSON shape,
 * `{ error: { code, message, field? } }`, the catalogue of them labelled with
 * the reason a correct client gives each, and the validation of a booking.
 *
 * @internal
 */
import { catalogueEntry, type ErrorEntry, type Reply } from "../../Simulator.ts"

export const error = (
  status: number,
  code: string,
  message: string,
  options: { readonly field?: string; readonly headers?: Record<string, string> } = {}
): Reply => ({
  status,
  body: { error: { code, message, ...(options.field === undefined ? {} : { field: options.field }) } },
  ...(options.headers === undefined ? {} : { headers: options.headers })
})

const retryAfter = (seconds: number) => ({ "retry-after": String(seconds) })

/** The booking system's error answers, labelled with the reason a correct client gives them. @since 0.1.0 */
export const errors: Readonly<Record<string, ErrorEntry>> = {
  service_unavailable: catalogueEntry("unavailable", "Unavailable", "503: down for maintenance; nothing was done", () =>
    error(503, "service_unavailable", "The booking system is down for maintenance.")
  ),
  internal_error: catalogueEntry("unavailable", "Unavailable", "500: failed part-way; a write may have happened", () =>
    error(500, "internal_error", "Something went wrong on our side.")
  ),
  bad_gateway: catalogueEntry("unavailable", "Unavailable", "502: the proxy lost the application's answer", () => ({
    status: 502,
    headers: { "content-type": "text/html" },
    body: "<html><body><h1>502 Bad Gateway</h1></body></html>"
  })),
  gateway_timeout: catalogueEntry("unavailable", "Unavailable", "504: the proxy gave up waiting", () => ({
    status: 504,
    headers: { "content-type": "text/html" },
    body: "<html><body><h1>504 Gateway Time-out</h1></body></html>"
  })),
  rate_limited: catalogueEntry("rateLimited", "RateLimited", "429: too many requests, with Retry-After", (_, o) =>
    error(429, "rate_limited", "Too many requests; slow down.", { headers: retryAfter(o.retryAfterSeconds) })
  ),
  request_timeout: catalogueEntry(
    "rateLimited",
    "RateLimited",
    "408: the server timed the request out while overloaded, with Retry-After",
    (_, o) =>
      error(408, "request_timeout", "The server timed out waiting.", { headers: retryAfter(o.retryAfterSeconds) })
  ),
  unauthorized: catalogueEntry("providerPermanent", "Unauthorized", "401: the API token is wrong or revoked", () =>
    error(401, "unauthorized", "Invalid API token.")
  ),
  account_suspended: catalogueEntry(
    "providerPermanent",
    "Misconfigured",
    "403: the token is valid, the account is suspended",
    () => error(403, "account_suspended", "This account is suspended; contact the venue.")
  ),
  validation_error: catalogueEntry("requestPermanent", "InvalidRequest", "422: a field is missing or malformed", () =>
    error(422, "validation_error", "date must be YYYY-MM-DD", { field: "date" })
  ),
  bad_request: catalogueEntry("requestPermanent", "InvalidRequest", "400: the request cannot be read", () =>
    error(400, "bad_request", "Malformed request.")
  ),
  not_found: catalogueEntry("requestPermanent", "InvalidRequest", "404: no such venue or booking", () =>
    error(404, "not_found", "No such venue.")
  ),
  slot_taken: catalogueEntry("requestPermanent", "Rejected", "409: the slot is already booked by someone else", () =>
    error(409, "slot_taken", "That slot is already booked.")
  )
}

/** A booking as the API takes it. @internal */
export interface BookingRequest {
  readonly venueId: string
  readonly date: string
  readonly slot: string
  readonly couple: string
}

const DATE = /^\d{4}-\d{2}-\d{2}$/
const SLOT = /^\d{2}:\d{2}$/

/** The booking in a body, or the 422 naming the first bad field. @internal */
export const validateBooking = (body: unknown): BookingRequest | { readonly refused: Reply } => {
  const record = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {}
  const text = (field: string, pattern?: RegExp) => {
    const value = record[field]
    return typeof value === "string" && value !== "" && (pattern === undefined || pattern.test(value))
  }
  for (const [field, pattern, rule] of [
    ["venueId", undefined, "a venue id"],
    ["date", DATE, "YYYY-MM-DD"],
    ["slot", SLOT, "HH:MM"],
    ["couple", undefined, "the couple's name"]
  ] as const) {
    if (!text(field, pattern)) {
      return { refused: error(422, "validation_error", `${field} must be ${rule}`, { field }) }
    }
  }
  return {
    venueId: record.venueId as string,
    date: record.date as string,
    slot: record.slot as string,
    couple: record.couple as string
  }
}
