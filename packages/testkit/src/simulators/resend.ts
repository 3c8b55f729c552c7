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
import { error, errors, validate } from "./resend/errors.ts"
import type { Definition, HandlerContext, Reply, SimRequest } from "../Simulator.ts"
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

export { errors }

export type { RecordedAttachment } from "./resend/errors.ts"

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
    unavailable: "service_unavailable",
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
