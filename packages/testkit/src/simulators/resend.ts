/**
 * A Resend simulator that the real `resend` SDK talks to unchanged
 * (`new Resend(key, { baseUrl: sim.url })`).
 *
 * - `POST /emails`, `POST /emails/batch` (strict and permissive validation),
 *   `GET /emails/:id`; JSON bodies and Resend's error body
 *   `{ statusCode, name, message }`, which the SDK returns as `error` unchanged.
 * - `Authorization: Bearer re_…`: missing → 401 `missing_api_key`, wrong → 403 `invalid_api_key`.
 * - `Idempotency-Key` on sends: same key and payload → the first answer again;
 *   another payload → 409 `invalid_idempotent_request`; in flight → 409
 *   `concurrent_idempotent_requests`.
 * - A sender whose domain is not in `credentials.verifiedDomains` → 403
 *   `validation_error` ("domain is not verified"), as Resend answers.
 * - Resend's test recipients: `delivered@resend.dev`, `bounced@resend.dev`,
 *   `complained@resend.dev` decide which webhook follows the send.
 * - Webhooks are signed the Standard Webhooks way Resend uses (svix-id,
 *   svix-timestamp, svix-signature `v1,<base64 HMAC-SHA256>`).
 *
 * @example
 * ```ts
 * import { Resend as ResendSdk } from "resend"
 * import { Simulator } from "@wedsync/testkit"
 * import * as Resend from "@wedsync/testkit/simulators/resend"
 *
 * const sim = await Simulator.start(Resend.definition)
 * const resend = new ResendSdk(sim.credentials.apiKey, { baseUrl: sim.url })
 * const { data } = await resend.emails.send({ from: "hello@wedsync.test", to: ["delivered@resend.dev"], subject: "Hi", html: "<p>Hi</p>" })
 * ```
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import { Webhook } from "standardwebhooks"
import { IdempotencyStore, withKey } from "../internal/idempotency.ts"
import type { Definition, ErrorEntry, HandlerContext, Reply, SimRequest } from "../Simulator.ts"
import type { Signer, WebhookEvent } from "../Webhooks.ts"

/** Credentials the simulator accepts and signs with. @since 0.1.0 */
export interface Credentials {
  readonly apiKey: string
  /** `whsec_` + base64, as Resend shows it. */
  readonly webhookSecret: string
  /** Sender domains that count as verified. */
  readonly verifiedDomains: ReadonlyArray<string>
}

/** A message Resend accepted. @since 0.1.0 */
export interface StoredEmail {
  readonly id: string
  readonly from: string
  readonly to: ReadonlyArray<string>
  readonly subject: string
  readonly createdAt: string
  lastEvent: "sent" | "delivered" | "bounced" | "complained"
}

/** The simulator's state. @since 0.1.0 */
export interface State {
  readonly emails: Map<string, StoredEmail>
  readonly idempotency: IdempotencyStore
  /** How long a send holds its idempotency key in flight. */
  processingMillis: number
}

/** The operations faults can target. @since 0.1.0 */
export const operations = ["emails.send", "emails.batch", "emails.get"] as const

const error = (statusCode: number, name: string, message: string, headers?: Record<string, string>): Reply => ({
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

const entry = (
  kind: ErrorEntry["kind"],
  reason: ErrorEntry["reason"],
  description: string,
  reply: ErrorEntry["reply"]
): ErrorEntry => ({ kind, reason, description, reply })

/** Resend's error answers, labelled with the reason a correct adapter gives them. @since 0.1.0 */
export const errors: Readonly<Record<string, ErrorEntry>> = {
  internal_server_error: entry("unavailable", "Unavailable", "500: Resend failed on its side", () =>
    error(500, "internal_server_error", "An unexpected error occurred.")
  ),
  application_error: entry("unavailable", "Unavailable", "500: something went wrong while processing", () =>
    error(500, "application_error", "An unexpected error occurred, please try again later.")
  ),
  rate_limit_exceeded: entry("rateLimited", "RateLimited", "429: too many requests per second", (_, options) =>
    error(
      429,
      "rate_limit_exceeded",
      "Too many requests. You can only make 2 requests per second. See rate limit response headers for more information. Or contact support to increase rate limit.",
      rateHeaders(options.retryAfterSeconds)
    )
  ),
  invalid_api_key: entry("providerPermanent", "Unauthorized", "403: the API key is invalid", () =>
    error(403, "invalid_api_key", "API key is invalid")
  ),
  restricted_api_key: entry("providerPermanent", "Unauthorized", "401: the key may only send", () =>
    error(401, "restricted_api_key", "This API key is restricted to only send emails")
  ),
  domain_not_verified: entry("providerPermanent", "Misconfigured", "403: the sender's domain is not verified", () =>
    error(
      403,
      "validation_error",
      "The wedsync.test domain is not verified. Please, add and verify your domain on https://resend.com/domains"
    )
  ),
  daily_quota_exceeded: entry("providerPermanent", "Misconfigured", "429: the account's daily quota is used up", () =>
    error(
      429,
      "daily_quota_exceeded",
      "You have reached your daily email sending quota. Consider upgrading your plan or try again tomorrow."
    )
  ),
  invalid_to: entry("requestPermanent", "InvalidRequest", "422: the `to` field is not an address", () => invalidTo()),
  missing_required_field: entry("requestPermanent", "InvalidRequest", "422: a required field is missing", () =>
    error(422, "missing_required_field", "Missing `subject` field.")
  )
}

const ADDRESS = /^(?:[^<>]*<)?([^\s@<>]+@([^\s@<>]+\.[^\s@<>]+))>?$/

const asList = (value: unknown): Array<string> | undefined =>
  typeof value === "string" ? [value] : Array.isArray(value) ? value.map(String) : undefined

/** Validates one payload as Resend does; returns the refusal or the parsed parts. */
const validate = (
  payload: unknown,
  credentials: Credentials
): { readonly refused: Reply } | { readonly from: string; readonly to: Array<string>; readonly subject: string } => {
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
  return { from, to, subject: String(body.subject) }
}

/** Resend webhook payloads. @since 0.1.0 */
export const events = {
  /** `email.sent`, `email.delivered`, `email.bounced` or `email.complained` for a stored message. */
  email: (type: "sent" | "delivered" | "bounced" | "complained", email: StoredEmail): WebhookEvent => {
    const payload = {
      type: `email.${type}`,
      created_at: new Date().toISOString(),
      data: {
        created_at: email.createdAt,
        email_id: email.id,
        from: email.from,
        to: email.to,
        subject: email.subject,
        ...(type === "bounced"
          ? { bounce: { message: "The recipient's mailbox does not exist.", subType: "General", type: "Permanent" } }
          : {})
      }
    }
    return {
      id: `msg_${randomUUID().replaceAll("-", "")}`,
      type: payload.type,
      contentType: "application/json",
      body: JSON.stringify(payload)
    }
  }
}

const outcomeFor = (to: ReadonlyArray<string>): "delivered" | "bounced" | "complained" =>
  to.some((address) => address.includes("bounced@resend.dev"))
    ? "bounced"
    : to.some((address) => address.includes("complained@resend.dev"))
      ? "complained"
      : "delivered"

const accept = (
  parts: { readonly from: string; readonly to: Array<string>; readonly subject: string },
  context: HandlerContext<State, Credentials>,
  key: string | undefined
): StoredEmail => {
  const email: StoredEmail = {
    id: randomUUIDFrom(context),
    ...parts,
    createdAt: new Date().toISOString(),
    lastEvent: "sent"
  }
  context.state.emails.set(email.id, email)
  context.ledger.sideEffect({ kind: "email", id: email.id, ...(key === undefined ? {} : { key }), data: parts })
  const outcome = outcomeFor(parts.to)
  email.lastEvent = outcome
  context.emit(events.email("sent", email))
  context.emit(events.email(outcome, email))
  return email
}

/** A UUID drawn from the seeded source, so ids repeat with the seed. */
const randomUUIDFrom = (context: HandlerContext<State, Credentials>): string => {
  const hex = Array.from({ length: 32 }, () => Math.floor(context.random() * 16).toString(16)).join("")
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`
}

const idempotent = (
  request: SimRequest,
  context: HandlerContext<State, Credentials>,
  execute: (key: string | undefined) => Reply
) => {
  const key = request.headers["idempotency-key"]
  return withKey(context.state.idempotency, key, request.rawBody, {
    execute: () => execute(key),
    mismatch: () =>
      error(
        409,
        "invalid_idempotent_request",
        "Same idempotency key used with a different request payload. Change your idempotency key or payload."
      ),
    inFlight: () =>
      error(
        409,
        "concurrent_idempotent_requests",
        "Same idempotency key used while original request is still in progress. Try the request again later."
      ),
    store: (reply) => reply.status < 500 && reply.status !== 429,
    processingMillis: context.state.processingMillis
  })
}

/** The Resend simulator. @since 0.1.0 */
export const definition: Definition<State, Credentials> = {
  provider: "resend",
  credentials: {
    apiKey: "re_test_wedsync_5f2b9c",
    webhookSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    verifiedDomains: ["wedsync.test", "resend.dev"]
  },
  state: () => ({ emails: new Map(), idempotency: new IdempotencyStore(), processingMillis: 0 }),
  authenticate: (request, credentials) => {
    const header = request.headers.authorization
    if (header === undefined || !header.startsWith("Bearer ")) {
      return error(
        401,
        "missing_api_key",
        "Missing API key in the authorization header. Include the following header `Authorization: Bearer YOUR_API_KEY` in the request."
      )
    }
    return header.slice("Bearer ".length) === credentials.apiKey
      ? undefined
      : error(403, "invalid_api_key", "API key is invalid")
  },
  errors,
  defaultErrors: {
    unavailable: "internal_server_error",
    rateLimited: "rate_limit_exceeded",
    providerPermanent: "domain_not_verified",
    requestPermanent: "invalid_to"
  },
  notFound: () => error(404, "not_found", "The requested endpoint does not exist."),
  invalidBody: () => error(422, "validation_error", "Invalid JSON body. Please check the request body and try again."),
  routes: [
    {
      method: "POST",
      path: "/emails",
      operation: "emails.send",
      handle: (request, context) =>
        idempotent(request, context, (key) => {
          const parts = validate(request.json(), context.credentials)
          if ("refused" in parts) return parts.refused
          return { status: 200, body: { id: accept(parts, context, key).id } }
        })
    },
    {
      method: "POST",
      path: "/emails/batch",
      operation: "emails.batch",
      handle: (request, context) =>
        idempotent(request, context, (key) => {
          const payload = request.json()
          if (!Array.isArray(payload) || payload.length === 0 || payload.length > 100) {
            return error(422, "validation_error", "The batch must contain between 1 and 100 emails.")
          }
          const checked = payload.map((item) => validate(item, context.credentials))
          const permissive = request.headers["x-batch-validation"] === "permissive"
          const firstRefusal = checked.find((item) => "refused" in item)
          if (!permissive && firstRefusal !== undefined && "refused" in firstRefusal) return firstRefusal.refused
          const data: Array<{ id: string }> = []
          const failures: Array<{ index: number; message: string }> = []
          checked.forEach((item, index) => {
            if ("refused" in item) {
              failures.push({ index, message: (item.refused.body as { message: string }).message })
            } else {
              data.push({ id: accept(item, context, key === undefined ? undefined : `${key}#${index}`).id })
            }
          })
          return { status: 200, body: permissive ? { data, errors: failures } : { data } }
        })
    },
    {
      method: "GET",
      path: "/emails/:id",
      operation: "emails.get",
      handle: (request, context) => {
        const email = context.state.emails.get(request.params.id ?? "")
        if (email === undefined) return error(404, "not_found", "Email not found")
        return {
          status: 200,
          body: {
            object: "email",
            id: email.id,
            from: email.from,
            to: email.to,
            subject: email.subject,
            created_at: email.createdAt,
            last_event: email.lastEvent
          }
        }
      }
    }
  ],
  signer: {
    secret: (credentials) => credentials.webhookSecret,
    wrongSecret: "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
    signatureHeaders: ["svix-signature"],
    timestamped: true,
    sign: ({ event, body, timestamp, secret }) => ({
      headers: {
        "svix-id": event.id,
        "svix-timestamp": String(timestamp),
        "svix-signature": new Webhook(secret).sign(event.id, new Date(timestamp * 1000), body)
      }
    })
  } satisfies Signer<Credentials>
}
