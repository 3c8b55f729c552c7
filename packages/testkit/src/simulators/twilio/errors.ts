/**
 * Twilio's error catalogue and its test-credential magic numbers.
 *
 * Every answer is Twilio's real error body `{ code, message, more_info, status }`:
 * the SDK's `RestException` reads `code`, `message` and `more_info` from it, so
 * the code must sit there and nowhere else. The magic numbers reproduce what
 * Twilio's test credentials answer for `+1500555000x` senders and recipients.
 *
 * @since 0.1.0
 */
import type { ErrorKind } from "../../Faults.ts"
import { own } from "../../internal/records.ts"
import { catalogueEntry, type ErrorEntry, type Reply, type SimRequest } from "../../Simulator.ts"

/** Twilio's error body for `code`, answered with HTTP `status`. @since 0.1.0 */
export const errorReply = (status: number, code: number, message: string, headers?: Record<string, string>): Reply => ({
  status,
  body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
  ...(headers === undefined ? {} : { headers })
})

/** A form field of the request; empty when there is none (catalogue replies are also rendered without a request). */
const field = (request: SimRequest, name: string): string => {
  const value = typeof request.form === "function" ? request.form()[name] : undefined
  return typeof value === "string" ? value : ""
}

const to = (request: SimRequest) => field(request, "To")
const from = (request: SimRequest) => field(request, "From")

/**
 * Every error the simulator can answer with, by name. Faults name an entry
 * (`Faults.error("unsubscribed_recipient")`) or a kind (`Faults.error("rateLimited")`).
 *
 * @since 0.1.0
 */
export const errors: Readonly<Record<string, ErrorEntry>> = {
  internal_error: catalogueEntry("unavailable", "Unavailable", "HTTP 500, code 20500: Twilio failed on its side", () =>
    errorReply(500, 20500, "An internal server error has occurred")
  ),
  service_unavailable: catalogueEntry("unavailable", "Unavailable", "HTTP 503, code 20503: Twilio is unavailable", () =>
    errorReply(503, 20503, "Service Unavailable")
  ),
  too_many_requests: catalogueEntry(
    "rateLimited",
    "RateLimited",
    "HTTP 429, code 20429: the account's concurrency or rate limit was hit",
    (_, { retryAfterSeconds }) =>
      errorReply(429, 20429, "Too Many Requests", { "retry-after": String(retryAfterSeconds) })
  ),
  queue_full: catalogueEntry(
    "rateLimited",
    "RateLimited",
    "HTTP 400, code 21611: the From number's message queue is full (test From +15005550008)",
    () => errorReply(400, 21611, "This 'From' number has exceeded the maximum number of queued messages")
  ),
  authenticate: catalogueEntry(
    "providerPermanent",
    "Unauthorized",
    "HTTP 401, code 20003: wrong Account SID or Auth Token",
    () => errorReply(401, 20003, "Authenticate", { "www-authenticate": 'Basic realm="Twilio API"' })
  ),
  from_not_sms_capable: catalogueEntry(
    "providerPermanent",
    "Misconfigured",
    "HTTP 400, code 21606: the From number is not an SMS-capable number of this account (test From +15005550007)",
    (request) =>
      errorReply(
        400,
        21606,
        `The 'From' phone number provided (${from(request)}) is not a valid message-capable Twilio phone number for this destination.`
      )
  ),
  invalid_from_number: catalogueEntry(
    "providerPermanent",
    "Misconfigured",
    "HTTP 400, code 21212: the From number is not a valid number or sender id (test From +15005550001)",
    (request) =>
      errorReply(
        400,
        21212,
        `The 'From' number ${from(request)} is not a valid phone number, shortcode, or alphanumeric sender ID.`
      )
  ),
  region_not_enabled: catalogueEntry(
    "providerPermanent",
    "Misconfigured",
    "HTTP 400, code 21408: SMS to the To number's region is not enabled on the account (test To +15005550003)",
    (request) =>
      errorReply(
        400,
        21408,
        `Permission to send an SMS has not been enabled for the region indicated by the 'To' number: ${to(request)}.`
      )
  ),
  cannot_route: catalogueEntry(
    "providerPermanent",
    "Misconfigured",
    "HTTP 400, code 21612: the To number cannot be reached from this From number (test To +15005550002)",
    (request) =>
      errorReply(
        400,
        21612,
        `The 'To' phone number: ${to(request)}, is not currently reachable using the 'From' phone number: ${from(request)} via SMS.`
      )
  ),
  invalid_to_number: catalogueEntry(
    "requestPermanent",
    "Rejected",
    "HTTP 400, code 21211: the To number is not a valid phone number (test To +15005550001)",
    (request) => errorReply(400, 21211, `The 'To' number ${to(request)} is not a valid phone number.`)
  ),
  unsubscribed_recipient: catalogueEntry(
    "requestPermanent",
    "Rejected",
    "HTTP 400, code 21610: the recipient replied STOP (test To +15005550004)",
    () => errorReply(400, 21610, "Attempt to send to unsubscribed recipient")
  ),
  not_mobile_number: catalogueEntry(
    "requestPermanent",
    "Rejected",
    "HTTP 400, code 21614: the To number is not a mobile number (test To +15005550009)",
    (request) => errorReply(400, 21614, `'To' number ${to(request)} is not a valid mobile number`)
  ),
  body_required: catalogueEntry(
    "requestPermanent",
    "InvalidRequest",
    "HTTP 400, code 21602: no Body and no MediaUrl",
    () => errorReply(400, 21602, "Message body is required.")
  ),
  to_required: catalogueEntry("requestPermanent", "InvalidRequest", "HTTP 400, code 21604: no To parameter", () =>
    errorReply(400, 21604, "A 'To' phone number is required.")
  ),
  from_required: catalogueEntry(
    "requestPermanent",
    "InvalidRequest",
    "HTTP 400, code 21603: neither From nor MessagingServiceSid",
    () => errorReply(400, 21603, "A 'From' phone number is required.")
  ),
  body_too_long: catalogueEntry(
    "requestPermanent",
    "InvalidRequest",
    "HTTP 400, code 21617: Body over 1600 characters",
    () => errorReply(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
  )
}

/** The entry a fault naming only a kind gets. @since 0.1.0 */
export const defaultErrors: Readonly<Record<ErrorKind, string>> = {
  unavailable: "service_unavailable",
  rateLimited: "too_many_requests",
  providerPermanent: "authenticate",
  requestPermanent: "invalid_to_number"
}

/**
 * What Twilio's test credentials answer for a magic `From` number; any other
 * `+15005550xxx` sender but `+15005550006` is not one of the account's numbers.
 *
 * @since 0.1.0
 */
export const magicFrom = (number: string): string | undefined => {
  if (number === "+15005550006" || !number.startsWith("+15005550")) return undefined
  if (number === "+15005550001") return "invalid_from_number"
  if (number === "+15005550008") return "queue_full"
  return "from_not_sms_capable"
}

const MAGIC_TO: Readonly<Record<string, string>> = {
  "+15005550001": "invalid_to_number",
  "+15005550002": "cannot_route",
  "+15005550003": "region_not_enabled",
  "+15005550004": "unsubscribed_recipient",
  "+15005550009": "not_mobile_number"
}

/** What Twilio's test credentials answer for a magic `To` number. @since 0.1.0 */
export const magicTo = (number: string): string | undefined => own(MAGIC_TO, number)
