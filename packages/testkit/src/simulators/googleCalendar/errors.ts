/**
 * Google's JSON error body and the Google Calendar error catalogue.
 *
 * Every Google API error is `{"error":{"code","message","errors":[{"domain","reason","message"}],"status"}}`;
 * gaxios copies `error.message` into `GaxiosError.message` and leaves the body in
 * `e.response.data`, so adapters classify by `errors[0].reason` plus the HTTP
 * status. The reason matters more than the status: Google answers 403 both for
 * rate limits (`rateLimitExceeded`, `userRateLimitExceeded`) and for missing
 * permissions or exhausted quotas.
 *
 * @since 0.1.0
 */
import { catalogueEntry, type ErrorEntry, type Reply } from "../../Simulator.ts"

/** One item of Google's `errors` array. @since 0.1.0 */
export interface ErrorItem {
  readonly domain: string
  readonly reason: string
  readonly message: string
  readonly location?: string
  readonly locationType?: string
}

const STATUS_NAMES: Readonly<Record<number, string>> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  409: "ALREADY_EXISTS",
  410: "GONE",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE"
}

/**
 * A Google error answer.
 *
 * @example
 * ```ts
 * googleError(404, { domain: "global", reason: "notFound", message: "Not Found" })
 * ```
 * @since 0.1.0
 */
export const googleError = (
  code: number,
  item: ErrorItem,
  options: { readonly message?: string; readonly headers?: Readonly<Record<string, string>> } = {}
): Reply => ({
  status: code,
  body: {
    error: { code, message: options.message ?? item.message, errors: [item], status: STATUS_NAMES[code] ?? "UNKNOWN" }
  },
  ...(options.headers === undefined ? {} : { headers: options.headers })
})

/** A `global`-domain error, the common case. @since 0.1.0 */
export const globalError = (code: number, reason: string, message: string): Reply =>
  googleError(code, { domain: "global", reason, message })

/** 400 `invalid` with a specific message. @since 0.1.0 */
export const invalid = (message: string): Reply => globalError(400, "invalid", message)

/** 400 `required` with a specific message. @since 0.1.0 */
export const required = (message: string): Reply => globalError(400, "required", message)

/** 404 `notFound`, Google's answer for an unknown calendar or event. @since 0.1.0 */
export const notFound = (): Reply => globalError(404, "notFound", "Not Found")

/** 410 `deleted`: the event was deleted already. @since 0.1.0 */
export const deleted = (): Reply => globalError(410, "deleted", "Resource has been deleted")

/** 410 `fullSyncRequired`: the sync token expired or is unknown. @since 0.1.0 */
export const fullSyncRequired = (): Reply =>
  globalError(410, "fullSyncRequired", "Sync token is no longer valid, a full sync is required.")

/** 409 `duplicate`: an insert reused an event id. @since 0.1.0 */
export const duplicate = (): Reply => globalError(409, "duplicate", "The requested identifier already exists.")

/** 403 `requiredAccessLevel`: a write to a calendar the account may only read. @since 0.1.0 */
export const requiredAccessLevel = (): Reply =>
  globalError(403, "requiredAccessLevel", "You need to have writer access to this calendar.")

/** 400 `parseError`: a body that is not JSON. @since 0.1.0 */
export const parseError = (): Reply => globalError(400, "parseError", "Parse Error")

const INVALID_CREDENTIALS_MESSAGE =
  "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."

const MISSING_CREDENTIALS_MESSAGE =
  "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."

const WWW_AUTHENTICATE = { "www-authenticate": 'Bearer realm="https://accounts.google.com/"' }

/** 401 for a wrong or expired access token. @since 0.1.0 */
export const invalidCredentials = (): Reply =>
  googleError(
    401,
    {
      message: "Invalid Credentials",
      domain: "global",
      reason: "authError",
      location: "Authorization",
      locationType: "header"
    },
    {
      message: INVALID_CREDENTIALS_MESSAGE,
      headers: { "www-authenticate": `${WWW_AUTHENTICATE["www-authenticate"]}, error="invalid_token"` }
    }
  )

/** 401 when no credential was sent at all (e.g. only an API key, which Calendar refuses for private data). @since 0.1.0 */
export const missingCredentials = (): Reply =>
  googleError(
    401,
    {
      message: "Login Required.",
      domain: "global",
      reason: "required",
      location: "Authorization",
      locationType: "header"
    },
    { message: MISSING_CREDENTIALS_MESSAGE, headers: WWW_AUTHENTICATE }
  )

const usageLimit = (code: number, reason: string, message: string): Reply =>
  googleError(code, { domain: "usageLimits", reason, message })

/**
 * The catalogue: each entry is the body Google sends, labelled with the reason
 * a correct adapter classifies it as.
 *
 * @since 0.1.0
 */
export const catalogue: Readonly<Record<string, ErrorEntry>> = {
  backendError: catalogueEntry("unavailable", "Unavailable", "500 backendError: Google failed on its side", () =>
    globalError(500, "backendError", "Backend Error")
  ),
  serviceUnavailable: catalogueEntry("unavailable", "Unavailable", "503: the service is briefly unavailable", () =>
    globalError(503, "backendError", "The service is currently unavailable.")
  ),
  tooManyRequests: catalogueEntry(
    "rateLimited",
    "RateLimited",
    "429 rateLimitExceeded with Retry-After",
    (_, { retryAfterSeconds }) =>
      googleError(
        429,
        { domain: "usageLimits", reason: "rateLimitExceeded", message: "Rate Limit Exceeded" },
        { headers: { "retry-after": String(retryAfterSeconds) } }
      )
  ),
  rateLimitExceeded: catalogueEntry(
    "rateLimited",
    "RateLimited",
    "403 rateLimitExceeded: Google answers 403 for rate limits",
    () => usageLimit(403, "rateLimitExceeded", "Rate Limit Exceeded")
  ),
  userRateLimitExceeded: catalogueEntry(
    "rateLimited",
    "RateLimited",
    "403 userRateLimitExceeded: the per-user rate limit",
    () => usageLimit(403, "userRateLimitExceeded", "User Rate Limit Exceeded")
  ),
  authError: catalogueEntry(
    "providerPermanent",
    "Unauthorized",
    "401 authError: the access token is invalid or expired",
    () => invalidCredentials()
  ),
  insufficientPermissions: catalogueEntry(
    "providerPermanent",
    "Misconfigured",
    "403 insufficientPermissions: the token lacks the calendar scope",
    () =>
      googleError(
        403,
        { domain: "global", reason: "insufficientPermissions", message: "Insufficient Permission" },
        { message: "Request had insufficient authentication scopes." }
      )
  ),
  forbidden: catalogueEntry("providerPermanent", "Misconfigured", "403 forbidden: the account may not do this", () =>
    globalError(403, "forbidden", "Forbidden")
  ),
  requiredAccessLevel: catalogueEntry(
    "providerPermanent",
    "Misconfigured",
    "403 requiredAccessLevel: the calendar is shared read-only with the account",
    () => requiredAccessLevel()
  ),
  quotaExceeded: catalogueEntry(
    "providerPermanent",
    "Misconfigured",
    "403 quotaExceeded: the account's Calendar usage limits are exhausted",
    () => usageLimit(403, "quotaExceeded", "Calendar usage limits exceeded.")
  ),
  dailyLimitExceeded: catalogueEntry(
    "providerPermanent",
    "Misconfigured",
    "403 dailyLimitExceeded: the project's daily quota is spent",
    () => usageLimit(403, "dailyLimitExceeded", "Daily Limit Exceeded")
  ),
  forbiddenForNonOrganizer: catalogueEntry(
    "requestPermanent",
    "Rejected",
    "403 forbiddenForNonOrganizer: only the event's organizer may change it",
    () =>
      globalError(
        403,
        "forbiddenForNonOrganizer",
        "Shared properties can only be changed by the organizer of the event."
      )
  ),
  notFound: catalogueEntry("requestPermanent", "InvalidRequest", "404 notFound: no such calendar or event", () =>
    notFound()
  ),
  invalid: catalogueEntry("requestPermanent", "InvalidRequest", "400 invalid: a parameter or field is invalid", () =>
    invalid("Invalid Value")
  ),
  required: catalogueEntry("requestPermanent", "InvalidRequest", "400 required: a required field is missing", () =>
    required("Missing end time.")
  ),
  timeRangeEmpty: catalogueEntry(
    "requestPermanent",
    "InvalidRequest",
    "400 timeRangeEmpty: the end is not after the start",
    () => globalError(400, "timeRangeEmpty", "The specified time range is empty.")
  ),
  duplicate: catalogueEntry(
    "requestPermanent",
    "InvalidRequest",
    "409 duplicate: the event id is taken (with an idempotent id: the event already exists)",
    () => duplicate()
  ),
  deleted: catalogueEntry("requestPermanent", "InvalidRequest", "410 deleted: the event was deleted already", () =>
    deleted()
  ),
  fullSyncRequired: catalogueEntry(
    "requestPermanent",
    "InvalidRequest",
    "410 fullSyncRequired: the sync token expired; list again without it",
    () => fullSyncRequired()
  )
}
