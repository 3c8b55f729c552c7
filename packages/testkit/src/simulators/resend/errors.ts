/**
 * Resend's error answers: the `{ statusCode, name, message }` body its SDK
 * returns as `error` unchanged, the catalogue of them, and the validation
 * Resend applies to a send.
 *
 * @internal
 */
import { catalogueEntry, type ErrorEntry, type Reply } from "../../Simulator.ts"

/** The verified sender domains a validation needs. @internal */
export interface Verified {
  readonly verifiedDomains: ReadonlyArray<string>
}

export const error = (statusCode: number, name: string, message: string, headers?: Record<string, string>): Reply => ({
  status: statusCode,
  body: { statusCode, name, message },
  ...(headers === undefined ? {} : { headers })
})

const invalidTo = () =>
  error(
    422,
    "validation_error",
    "Invalid `to` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format."
  )

const rateHeaders = (retryAfterSeconds: number) => ({
  "retry-after": String(retryAfterSeconds),
  "ratelimit-limit": "2",
  "ratelimit-remaining": "0",
  "ratelimit-reset": String(retryAfterSeconds)
})

/** Resend's error answers, labelled with the reason a correct adapter gives them. @since 0.1.0 */
export const errors: Readonly<Record<string, ErrorEntry>> = {
  internal_server_error: catalogueEntry("unavailable", "Unavailable", "500: Resend failed on its side", () =>
    error(500, "internal_server_error", "An unexpected error occurred.")
  ),
  application_error: catalogueEntry("unavailable", "Unavailable", "500: something went wrong while processing", () =>
    error(500, "application_error", "An unexpected error occurred, please try again later.")
  ),
  service_unavailable: catalogueEntry(
    "unavailable",
    "Unavailable",
    "503 from the edge in front of the API while it is down: an HTML page, not Resend's JSON (the SDK folds it into application_error with statusCode 503)",
    () => ({
      status: 503,
      headers: { "content-type": "text/html" },
      body: "<html><head><title>503 Service Temporarily Unavailable</title></head><body><center><h1>503 Service Temporarily Unavailable</h1></center></body></html>"
    })
  ),
  rate_limit_exceeded: catalogueEntry("rateLimited", "RateLimited", "429: too many requests per second", (_, options) =>
    error(
      429,
      "rate_limit_exceeded",
      "Too many requests. You can only make 2 requests per second. See rate limit response headers for more information. Or contact support to increase rate limit.",
      rateHeaders(options.retryAfterSeconds)
    )
  ),
  invalid_api_key: catalogueEntry("providerPermanent", "Unauthorized", "403: the API key is invalid", () =>
    error(403, "invalid_api_key", "API key is invalid")
  ),
  restricted_api_key: catalogueEntry("providerPermanent", "Unauthorized", "401: the key may only send", () =>
    error(401, "restricted_api_key", "This API key is restricted to only send emails")
  ),
  domain_not_verified: catalogueEntry(
    "providerPermanent",
    "Misconfigured",
    "403: the sender's domain is not verified",
    () =>
      error(
        403,
        "validation_error",
        "The wedsync.test domain is not verified. Please, add and verify your domain on https://resend.com/domains"
      )
  ),
  daily_quota_exceeded: catalogueEntry(
    "providerPermanent",
    "Misconfigured",
    "429: the account's daily quota is used up",
    () =>
      error(
        429,
        "daily_quota_exceeded",
        "You have reached your daily email sending quota. Consider upgrading your plan or try again tomorrow."
      )
  ),
  invalid_to: catalogueEntry("requestPermanent", "InvalidRequest", "422: the `to` field is not an address", () =>
    invalidTo()
  ),
  missing_required_field: catalogueEntry("requestPermanent", "InvalidRequest", "422: a required field is missing", () =>
    error(422, "missing_required_field", "Missing `subject` field.")
  )
}

const ADDRESS = /^(?:[^<>]*<)?([^\s@<>]+@([^\s@<>]+\.[^\s@<>]+))>?$/

const asList = (value: unknown): Array<string> | undefined =>
  typeof value === "string" ? [value] : Array.isArray(value) ? value.map(String) : undefined

/** An attachment as the simulator keeps it on its ledger: Resend's `content` is base64. @since 0.1.0 */
export interface RecordedAttachment {
  readonly filename: string
  readonly contentType: string | undefined
  /** Base64, as sent. */
  readonly content: string
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

const invalidAttachments = (detail: string): { readonly refused: Reply } => ({
  refused: error(422, "validation_error", `Invalid \`attachments\` field. ${detail}`)
})

/** Resend's `attachments`: each needs a filename and base64 `content` (a hosted `path` is not fetched here). */
const attachmentsOf = (value: unknown): Array<RecordedAttachment> | { readonly refused: Reply } => {
  if (value === undefined) return []
  if (!Array.isArray(value)) return invalidAttachments("Expected an array.")
  const recorded: Array<RecordedAttachment> = []
  for (const item of value as Array<unknown>) {
    const attachment = (typeof item === "object" && item !== null ? item : {}) as Record<string, unknown>
    const { filename, content, content_type: contentType } = attachment
    if (typeof filename !== "string" || filename.length === 0) return invalidAttachments("Each needs a `filename`.")
    if (typeof content !== "string" || content.length % 4 !== 0 || !BASE64.test(content)) {
      return invalidAttachments("Each needs `content` as a base64 string.")
    }
    if (contentType !== undefined && typeof contentType !== "string") {
      return invalidAttachments("`content_type` must be a string.")
    }
    recorded.push({ filename, contentType, content })
  }
  return recorded
}

/** Validates one payload as Resend does; returns the refusal or the parsed parts. */
export const validate = (
  payload: unknown,
  credentials: Verified
):
  | { readonly refused: Reply }
  | {
      readonly from: string
      readonly to: Array<string>
      readonly subject: string
      readonly attachments?: Array<RecordedAttachment>
    } => {
  const body = (typeof payload === "object" && payload !== null ? payload : {}) as Record<string, unknown>
  for (const field of ["from", "to", "subject"] as const) {
    if (body[field] === undefined)
      return { refused: error(422, "missing_required_field", `Missing \`${field}\` field.`) }
  }
  const to = asList(body.to) ?? []
  if (to.length === 0 || to.length > 50 || !to.every((address) => ADDRESS.test(address))) {
    return { refused: invalidTo() }
  }
  const from = String(body.from)
  const domain = ADDRESS.exec(from)?.[2]
  if (domain === undefined) {
    return {
      refused: error(
        422,
        "validation_error",
        "Invalid `from` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format."
      )
    }
  }
  if (!credentials.verifiedDomains.includes(domain)) {
    return {
      refused: error(
        403,
        "validation_error",
        `The ${domain} domain is not verified. Please, add and verify your domain on https://resend.com/domains`
      )
    }
  }
  const attachments = attachmentsOf(body.attachments)
  if ("refused" in attachments) return attachments
  return { from, to, subject: String(body.subject), ...(attachments.length === 0 ? {} : { attachments }) }
}
