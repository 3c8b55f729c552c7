/**
 * Vonage's error catalogue, in the two shapes its two APIs answer with.
 *
 * - SMS API (`POST /sms/json`): a refused message is **HTTP 200** with a
 *   non-zero per-message `status` and an `error-text`
 *   (`{"message-count":"1","messages":[{"status":"4","error-text":"Bad Credentials"}]}`);
 *   `@vonage/sms` throws `MessageSendPartialFailure` for it. Only the gateway in
 *   front answers with HTTP errors (429 with Retry-After, 5xx).
 * - Messages API (`POST /v1/messages`): RFC 7807 problem+json
 *   `{ type, title, detail, instance }` with a real HTTP status; the SDK throws
 *   a `VetchError` holding the fetch `Response`.
 *
 * Most entries have a meaning in both APIs and answer in the shape of the API
 * the request went to (the SMS API's when there is no request).
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import type { ErrorKind } from "../../Faults.ts"
import { catalogueEntry, type ErrorEntry, type Reply, type SimRequest } from "../../Simulator.ts"

/** The SMS API's in-band refusal of a message: HTTP 200, `status` and `error-text`. @since 0.1.0 */
export const inBand = (status: number, errorText: string, extra: Record<string, string> = {}): Reply => ({
  status: 200,
  body: { "message-count": "1", messages: [{ ...extra, status: String(status), "error-text": errorText }] }
})

/** A Vonage problem+json answer. @since 0.1.0 */
export const problem = (
  status: number,
  type: string,
  title: string,
  detail: string,
  options: { readonly headers?: Record<string, string>; readonly extra?: Record<string, unknown> } = {}
): Reply => ({
  status,
  headers: { "content-type": "application/problem+json", ...options.headers },
  body: { type, title, detail, instance: randomUUID(), ...options.extra }
})

const MESSAGES_ERRORS = "https://developer.vonage.com/api-errors/messages"
const GENERIC_ERRORS = "https://developer.vonage.com/api-errors"

/** The Messages API's 401. @since 0.1.0 */
export const unauthorized = (): Reply =>
  problem(401, `${GENERIC_ERRORS}#unauthorized`, "Unauthorized", "You did not provide correct credentials.")

/** The Messages API's 422 for a request that does not validate. @since 0.1.0 */
export const invalidParams = (invalid: ReadonlyArray<{ readonly name: string; readonly reason: string }>): Reply =>
  problem(422, `${MESSAGES_ERRORS}#1150`, "Invalid params", "Your request parameters didn't validate.", {
    extra: { invalid_parameters: invalid }
  })

/** The Messages API's 402 when the balance cannot pay for a message. @since 0.1.0 */
export const lowBalance = (): Reply =>
  problem(
    402,
    `${GENERIC_ERRORS}#low-balance`,
    "Low balance",
    "This request could not be performed due to your account balance being low."
  )

const isMessagesApi = (request: SimRequest) => request.operation === "messages.send"

const retryAfter = (seconds: number) => ({ "retry-after": String(seconds) })

const both =
  (sms: ErrorEntry["reply"], messages: ErrorEntry["reply"]): ErrorEntry["reply"] =>
  (request, options) =>
    isMessagesApi(request) ? messages(request, options) : sms(request, options)

const rateLimitHit = (seconds: number) =>
  problem(429, `${GENERIC_ERRORS}#throttled`, "Rate Limit Hit", "Please wait, then retry your request", {
    headers: retryAfter(seconds)
  })

/**
 * Every error the simulator can answer with, by name.
 *
 * @since 0.1.0
 */
export const errors: Readonly<Record<string, ErrorEntry>> = {
  throttled: catalogueEntry(
    "rateLimited",
    "RateLimited",
    "SMS API status 1 Throttled (HTTP 200); Messages API 429 #1000 with Retry-After",
    both(
      () => inBand(1, "Throttled"),
      (_, { retryAfterSeconds }) =>
        problem(
          429,
          `${MESSAGES_ERRORS}#1000`,
          "Throttled",
          "You have exceeded the submission capacity allowed on this account. Please wait and retry",
          { headers: retryAfter(retryAfterSeconds) }
        )
    )
  ),
  rate_limit_hit: catalogueEntry(
    "rateLimited",
    "RateLimited",
    "HTTP 429 from the API gateway (over the requests-per-second limit) with Retry-After",
    (_, { retryAfterSeconds }) => rateLimitHit(retryAfterSeconds)
  ),
  internal_error: catalogueEntry(
    "unavailable",
    "Unavailable",
    "SMS API status 5 Internal Error (HTTP 200); Messages API 500 #1030",
    both(
      () => inBand(5, "Internal Error"),
      () =>
        problem(
          500,
          `${MESSAGES_ERRORS}#1030`,
          "Internal error",
          "There was an error processing your request in the Platform."
        )
    )
  ),
  server_error: catalogueEntry("unavailable", "Unavailable", "HTTP 500 from the platform", () =>
    problem(500, `${GENERIC_ERRORS}#internal-error`, "Internal Server Error", "An unexpected error occurred.")
  ),
  service_unavailable: catalogueEntry("unavailable", "Unavailable", "HTTP 503 from the API gateway", () =>
    problem(
      503,
      `${GENERIC_ERRORS}#service-unavailable`,
      "Service Unavailable",
      "The service is temporarily unavailable."
    )
  ),
  bad_credentials: catalogueEntry(
    "providerPermanent",
    "Unauthorized",
    "SMS API status 4 Bad Credentials (HTTP 200); Messages API 401",
    both(() => inBand(4, "Bad Credentials"), unauthorized)
  ),
  quota_exceeded: catalogueEntry(
    "providerPermanent",
    "Misconfigured",
    "SMS API status 9 (out of credit, HTTP 200); Messages API 402 low-balance",
    both(() => inBand(9, "Quota Exceeded - rejected"), lowBalance)
  ),
  account_barred: catalogueEntry(
    "providerPermanent",
    "Misconfigured",
    "SMS API status 8 Partner Account Barred (HTTP 200); Messages API 403 #1060",
    both(
      () => inBand(8, "Partner Account Barred"),
      () =>
        problem(
          403,
          `${MESSAGES_ERRORS}#1060`,
          "Partner account barred",
          "The api_key you supplied is for an account that has been barred from submitting messages."
        )
    )
  ),
  illegal_sender: catalogueEntry(
    "providerPermanent",
    "Misconfigured",
    "SMS API status 15 Illegal Sender Address (HTTP 200); Messages API 422 #1120",
    both(
      () => inBand(15, "Illegal Sender Address - rejected"),
      () => problem(422, `${MESSAGES_ERRORS}#1120`, "Invalid sender", "The `from` parameter is invalid.")
    )
  ),
  non_whitelisted_destination: catalogueEntry(
    "providerPermanent",
    "Misconfigured",
    "SMS API status 29: a demo account may only send to its test numbers (HTTP 200); Messages API 403",
    both(
      () => inBand(29, "Non White-listed Destination - rejected"),
      () =>
        problem(
          403,
          `${GENERIC_ERRORS}#forbidden`,
          "Forbidden",
          "Your account does not have permission to perform this action"
        )
    )
  ),
  invalid_params: catalogueEntry(
    "requestPermanent",
    "InvalidRequest",
    "SMS API status 3 Invalid Parameters (HTTP 200); Messages API 422 #1150",
    both(
      () => inBand(3, "Invalid Message type"),
      () => invalidParams([{ name: "message_type", reason: "Must be one of: text, image, audio, video, file, vcard" }])
    )
  ),
  missing_params: catalogueEntry(
    "requestPermanent",
    "InvalidRequest",
    "SMS API status 2 Missing Parameters (HTTP 200); Messages API 422 #1150",
    both(
      () => inBand(2, "Missing to param"),
      () => invalidParams([{ name: "to", reason: "Is required." }])
    )
  ),
  number_barred: catalogueEntry(
    "requestPermanent",
    "Rejected",
    "SMS API status 7 Number Barred (HTTP 200); Messages API 422 #1050",
    both(
      () => inBand(7, "Number Barred"),
      () =>
        problem(
          422,
          `${MESSAGES_ERRORS}#1050`,
          "Number barred",
          "The number you are trying to submit to is blacklisted and may not receive messages."
        )
    )
  ),
  invalid_message: catalogueEntry(
    "requestPermanent",
    "Rejected",
    "SMS API status 6 Invalid Message, e.g. an unknown number prefix (HTTP 200); Messages API 422 #1040",
    both(
      () => inBand(6, "Invalid Message"),
      () =>
        problem(
          422,
          `${MESSAGES_ERRORS}#1040`,
          "Invalid message",
          "The Platform was unable to process your request. For example, due to an unrecognised prefix for the phone number."
        )
    )
  )
}

/** The entry a fault naming only a kind gets. @since 0.1.0 */
export const defaultErrors: Readonly<Record<ErrorKind, string>> = {
  unavailable: "service_unavailable",
  rateLimited: "rate_limit_hit",
  providerPermanent: "bad_credentials",
  requestPermanent: "number_barred"
}
