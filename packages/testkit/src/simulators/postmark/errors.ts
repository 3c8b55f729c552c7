/**
 * Postmark's error answers: `{ "ErrorCode": n, "Message": "..." }` bodies, the
 * texts Postmark sends for them, and the catalogue faults draw from.
 *
 * The SDK reads `ErrorCode` into `error.code` and `Message` into
 * `error.message`, and picks its error class from the HTTP status (401, 422,
 * 429, 500, 503) and, for 422, the code (406 → `InactiveRecipientsError` with
 * `recipients` parsed from the message, 300 → `InvalidEmailRequestError`).
 * Texts quoted from Postmark answers: 10 (both), 300, 400, 406, 412, 1235.
 * Modelled on Postmark's documented code table where no live text was at hand:
 * 100, 101, 405, 413, 429, 402, 410, 700 (a search with bad parameters), 701.
 *
 * @since 0.1.0
 */
import type { ErrorEntry, Reply, SimRequest } from "../../Simulator.ts"

/** A Postmark error body. @since 0.1.0 */
export interface ErrorBody {
  readonly ErrorCode: number
  readonly Message: string
}

/** An error answer with Postmark's body. @since 0.1.0 */
export const reply = (status: number, code: number, message: string, headers?: Record<string, string>): Reply => ({
  status,
  body: { ErrorCode: code, Message: message } satisfies ErrorBody,
  ...(headers === undefined ? {} : { headers })
})

/** HTTP 401 without a token header. @since 0.1.0 */
export const missingToken = (): Reply =>
  reply(
    401,
    10,
    "No Account or Server API tokens were supplied in the HTTP headers. Please add a header for either X-Postmark-Server-Token or X-Postmark-Account-Token."
  )

/** HTTP 401 for a token that is not the server's. @since 0.1.0 */
export const invalidToken = (): Reply =>
  reply(
    401,
    10,
    "The Server Token you provided in the X-Postmark-Server-Token request header was invalid. Please verify that you are using a valid token."
  )

/** The texts of the 422 answers a send can get, by ErrorCode. @since 0.1.0 */
export const messages = {
  invalidJson: "Received invalid JSON input.",
  zeroRecipients: "Zero recipients specified",
  noBody: "Provide either email TextBody or HtmlBody or both.",
  tooManyRecipients: "Maximum of 50 recipients allowed per email message",
  tooManyBatchMessages: "You may only send up to 500 messages in a single batched request.",
  illegalAddress: (field: string, address: string) =>
    address.includes("@")
      ? `Error parsing '${field}': Illegal email address '${address}'.`
      : `Error parsing '${field}': Illegal email address '${address}'. It must contain the '@' symbol.`,
  notSenderSignature: (from: string) =>
    `The 'From' address you supplied (${from}) is not a Sender Signature on your account. Please add and confirm this address in order to be able to use it in the 'From' field of your messages.`,
  notAllowedToSend: "Not allowed to send: your account has run out of credits. Please purchase more credits to send.",
  pendingApproval: (fromDomain: string, domains: ReadonlyArray<string>) =>
    `While your account is pending approval, all recipient addresses must share the same domain as the 'From' address. The domain of the 'From' address is '${fromDomain}', but you are attempting to send email to the following domain(s): ${domains.map((domain) => `'${domain}'`).join(", ")}.`,
  inactiveRecipients: (addresses: ReadonlyArray<string>) =>
    `You tried to send to recipient(s) that have been marked as inactive. Found inactive addresses: ${addresses.join(", ")}. Inactive recipients are ones that have generated a hard bounce, a spam complaint, or a manual suppression.`,
  streamNotFound: "The 'MessageStream' provided does not exist on this server.",
  messageNotFound: "This message was not found."
} as const

/** The texts of a refused search. @since 0.1.0 */
export const searchMessages = {
  countRequired: "The 'count' parameter is required and must be between 1 and 500.",
  offsetRequired: "The 'offset' parameter is required and must be 0 or more.",
  tooDeep: "The sum of 'count' and 'offset' cannot exceed 10000.",
  invalidStatus: (value: string) => `Invalid 'status' value '${value}'. Use 'queued', 'sent' or 'processed'.`,
  invalidDate: (name: string, value: string) =>
    `Invalid '${name}' value '${value}'. Use an Eastern Time date such as 2021-01-01 or 2021-01-01T12:00:00.`
} as const

/** The To/Cc/Bcc addresses of a send request, for error texts that name them. */
const requestRecipients = (request: SimRequest): ReadonlyArray<string> => {
  try {
    const body = request.json()
    const first = Array.isArray(body) ? body[0] : body
    if (typeof first !== "object" || first === null) return []
    const record = first as Record<string, unknown>
    return ["To", "Cc", "Bcc"]
      .map((field) => record[field])
      .filter((value): value is string => typeof value === "string" && value.length > 0)
      .flatMap((value) => value.split(","))
      .map((value) => value.replace(/^.*<([^>]+)>\s*$/, "$1").trim())
  } catch {
    return []
  }
}

const requestFrom = (request: SimRequest): string => {
  try {
    const body = request.json()
    const first = (Array.isArray(body) ? body[0] : body) as Record<string, unknown> | null
    return typeof first?.From === "string" ? first.From : "sender@unverified.example"
  } catch {
    return "sender@unverified.example"
  }
}

/**
 * Postmark's error catalogue, each entry labelled with the reason a correct
 * adapter classifies it as.
 *
 * @since 0.1.0
 */
export const catalogue: Readonly<Record<string, ErrorEntry>> = {
  internal_server_error: {
    kind: "unavailable",
    reason: "Unavailable",
    description: "HTTP 500: an error on Postmark's side (ErrorCode 101, with an error id for support).",
    reply: (request) =>
      reply(
        500,
        101,
        `An unexpected error occurred. Please contact support and include this Error ID: ${errorId(request)}.`
      )
  },
  service_unavailable: {
    kind: "unavailable",
    reason: "Unavailable",
    description: "HTTP 503: the API is offline for maintenance (ErrorCode 100).",
    reply: (_, options) =>
      reply(503, 100, "The Postmark API is offline for maintenance.", {
        "retry-after": String(options.retryAfterSeconds)
      })
  },
  rate_limited: {
    kind: "rateLimited",
    reason: "RateLimited",
    description: "HTTP 429: too many requests; Retry-After says when to come back.",
    reply: (_, options) =>
      reply(429, 429, "Rate limit exceeded. Please slow down your requests and retry later.", {
        "retry-after": String(options.retryAfterSeconds)
      })
  },
  invalid_server_token: {
    kind: "providerPermanent",
    reason: "Unauthorized",
    description: "HTTP 401 / ErrorCode 10: the server token is not valid.",
    reply: () => invalidToken()
  },
  sender_signature_not_found: {
    kind: "providerPermanent",
    reason: "Misconfigured",
    description: "ErrorCode 400: the From address is not a confirmed Sender Signature.",
    reply: (request) => reply(422, 400, messages.notSenderSignature(requestFrom(request)))
  },
  not_allowed_to_send: {
    kind: "providerPermanent",
    reason: "Misconfigured",
    description: "ErrorCode 405: the account ran out of credits.",
    reply: () => reply(422, 405, messages.notAllowedToSend)
  },
  account_pending_approval: {
    kind: "providerPermanent",
    reason: "Misconfigured",
    description: "ErrorCode 412: a pending account may only send to its own domain.",
    reply: () => reply(422, 412, messages.pendingApproval("wedsync.example", ["example.com"]))
  },
  account_not_approved: {
    kind: "providerPermanent",
    reason: "Misconfigured",
    description: "ErrorCode 413: the account is not approved to send email.",
    reply: () => reply(422, 413, "This account is not approved to send email.")
  },
  message_stream_not_found: {
    kind: "providerPermanent",
    reason: "Misconfigured",
    description: "ErrorCode 1235: the MessageStream does not exist on this server.",
    reply: () => reply(422, 1235, messages.streamNotFound)
  },
  inactive_recipient: {
    kind: "requestPermanent",
    reason: "Rejected",
    description: "ErrorCode 406: a recipient is suppressed (hard bounce, spam complaint, manual).",
    reply: (request) => {
      const recipients = requestRecipients(request)
      return reply(422, 406, messages.inactiveRecipients(recipients.length > 0 ? recipients : ["ana@example.com"]))
    }
  },
  invalid_email_request: {
    kind: "requestPermanent",
    reason: "InvalidRequest",
    description: "ErrorCode 300: the message is invalid (bad address, no recipients, no body).",
    reply: () => reply(422, 300, messages.illegalAddress("To", "not-an-address"))
  },
  messages_query_invalid: {
    kind: "requestPermanent",
    reason: "InvalidRequest",
    description: "ErrorCode 700: a message search with bad parameters (count, offset, status or dates).",
    reply: () => reply(422, 700, searchMessages.countRequired)
  },
  invalid_json: {
    kind: "requestPermanent",
    reason: "InvalidRequest",
    description: "ErrorCode 402: the body is not valid JSON.",
    reply: () => reply(422, 402, messages.invalidJson)
  }
}

const errorId = (request: SimRequest): string => {
  let hash = 0
  for (const character of `${request.path}${request.rawBody}`)
    hash = (Math.imul(hash, 31) + character.charCodeAt(0)) >>> 0
  return `${hash.toString(16).padStart(8, "0")}-5f2c-4d1e-9a7b-3c6e2b1d0f4a`
}
