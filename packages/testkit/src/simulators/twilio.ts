/**
 * A Twilio Programmable Messaging simulator that the real `twilio` SDK talks
 * to unchanged (`client.api.baseUrl = sim.url`, or a `RequestClient` subclass
 * that rewrites the host).
 *
 * - `POST /2010-04-01/Accounts/:accountSid/Messages.json` (form: `To`, `From` or
 *   `MessagingServiceSid`, `Body`, `StatusCallback`) → 201 with the Message
 *   resource (`sid` `SM…`, `status` `queued`, or `accepted` through a Messaging
 *   Service, `num_segments` as a string, RFC 2822 dates); `GET …/Messages/:sid.json`.
 * - `GET /2010-04-01/Accounts/:accountSid/Messages.json` (`client.messages.list`):
 *   filters `To`, `From`, `DateSent`, `DateSent<`, `DateSent>` (by UTC day only,
 *   as Twilio; a message whose `date_sent` is null matches no DateSent filter),
 *   newest first, `PageSize` (default 50, at most 1000) in Twilio's page envelope
 *   with working `next_page_uri`s; see `listMessages`.
 * - Basic auth `AccountSid:AuthToken`; wrong → 401 `{"code":20003,"message":"Authenticate",…}`.
 * - Errors are Twilio's body `{ code, message, more_info, status }`; every
 *   answer carries `Twilio-Request-Id: RQ…` (the SDK drops headers from its
 *   errors: read them from `httpClient.lastResponse.headers`).
 * - Test-credential magic numbers: `To` +15005550001 → 21211, …0002 → 21612,
 *   …0003 → 21408, …0004 → 21610, …0009 → 21614; `From` +15005550001 → 21212,
 *   …0008 → 21611, …0006 valid, any other `+15005550xxx` → 21606. Other numbers send.
 * - Status callbacks `queued` → `sent` → `delivered` (form-encoded: MessageSid,
 *   MessageStatus, SmsSid, SmsStatus, AccountSid, From, To, ApiVersion) go to the
 *   message's `StatusCallback` (else the simulator's webhook URL) concurrently, so,
 *   as with Twilio, in no guaranteed order; a fetch afterwards shows `delivered`. Signed with
 *   `X-Twilio-Signature`. With `credentials.sharedKey` they are signed with the
 *   SharedKey's secret and algorithm (HMAC-SHA1 or HMAC-SHA256) and carry
 *   `X-Twilio-Webhooks-Signature-Settings`. JSON events (`events.messageStatusJson`)
 *   use the `?bodySHA256=` variant.
 *
 * @example
 * ```ts
 * import twilio from "twilio"
 * import { Simulator } from "@wedsync/testkit"
 * import * as Twilio from "@wedsync/testkit/simulators/twilio"
 *
 * const sim = await Simulator.start(Twilio.definition)
 * const client = twilio(sim.credentials.accountSid, sim.credentials.authToken)
 * client.api.baseUrl = sim.url
 * const message = await client.messages.create({ to: "+15558675310", from: "+15005550006", body: "Hi" })
 * ```
 *
 * @since 0.1.0
 */
import { own } from "../internal/records.ts"
import type { Definition, HandlerContext, Reply, SimRequest } from "../Simulator.ts"
import { defaultErrors, errorReply, errors, magicFrom, magicTo } from "./twilio/errors.ts"
import { events } from "./twilio/events.ts"
import { listMessages } from "./twilio/listing.ts"
import { hexId, type MessageStatus, resource, segments, type StoredMessage } from "./twilio/messages.ts"
import { type SharedKey, signer } from "./twilio/signature.ts"

export { errors, defaultErrors, magicFrom, magicTo } from "./twilio/errors.ts"
export { type EventOptions, events, type StatusSubject } from "./twilio/events.ts"
export { DEFAULT_PAGE_SIZE, listMessages, MAX_PAGE_SIZE } from "./twilio/listing.ts"
export { type MessageStatus, resource, segments, type StoredMessage } from "./twilio/messages.ts"
export { algorithmOf, type Algorithm, type SharedKey, signature, signer, withBodyHash } from "./twilio/signature.ts"

/** Credentials the simulator accepts and signs with. @since 0.1.0 */
export interface Credentials {
  /** `AC` + 32 hex digits; the Basic-auth user and the account in every path. */
  readonly accountSid: string
  /** 32 hex digits; the Basic-auth password and, without a SharedKey, the webhook secret. */
  readonly authToken: string
  /** When set, webhooks are signed with this SharedKey instead of the Auth Token. */
  readonly sharedKey?: SharedKey
}

/** The simulator's state. @since 0.1.0 */
export interface State {
  readonly messages: Map<string, StoredMessage>
}

/** The operations faults can target. @since 0.1.0 */
export const operations = ["messages.create", "messages.fetch", "messages.list"] as const

const fail = (name: string, request: SimRequest): Reply => {
  const entry = own(errors, name)
  if (entry === undefined) throw new Error(`no Twilio error ${name}`)
  return entry.reply(request, { retryAfterSeconds: 1 })
}

const PHONE = /^\+?[1-9]\d{6,14}$/

/** The first reason Twilio would refuse this create, as a catalogue entry name. */
const refusal = (form: Readonly<Record<string, unknown>>): string | undefined => {
  const text = (name: string) => (typeof form[name] === "string" ? (form[name] as string) : "")
  const to = text("To")
  const from = text("From")
  if (to === "") return "to_required"
  if (from === "" && text("MessagingServiceSid") === "") return "from_required"
  if (text("Body") === "" && form.MediaUrl === undefined) return "body_required"
  if (text("Body").length > 1600) return "body_too_long"
  const fromProblem = from === "" ? undefined : magicFrom(from)
  if (fromProblem !== undefined) return fromProblem
  if (!to.includes(":") && !PHONE.test(to)) return "invalid_to_number"
  return magicTo(to)
}

const progress = (message: StoredMessage, context: HandlerContext<State, Credentials>): void => {
  const steps: Array<MessageStatus> = message.messagingServiceSid === null ? [] : ["accepted"]
  steps.push("queued", "sent", "delivered")
  for (const status of steps) {
    context.emit(
      events.messageStatus(message, status, {
        credentials: context.credentials,
        ...(message.statusCallback === undefined ? {} : { url: message.statusCallback })
      })
    )
  }
  const now = new Date()
  message.status = "delivered"
  message.dateSent = now
  message.dateUpdated = now
}

const create = (request: SimRequest, context: HandlerContext<State, Credentials>): Reply => {
  const form = request.form()
  const refused = refusal(form)
  if (refused !== undefined) return fail(refused, request)
  const text = (name: string) => (typeof form[name] === "string" ? (form[name] as string) : undefined)
  const now = new Date()
  const messagingServiceSid = text("MessagingServiceSid") ?? null
  const message: StoredMessage = {
    sid: hexId("SM", context.random),
    accountSid: context.credentials.accountSid,
    to: text("To") ?? "",
    from: text("From") ?? null,
    messagingServiceSid,
    body: text("Body") ?? "",
    numSegments: segments(text("Body") ?? ""),
    dateCreated: now,
    statusCallback: text("StatusCallback"),
    status: messagingServiceSid === null ? "queued" : "accepted",
    dateUpdated: now,
    dateSent: null,
    errorCode: null,
    errorMessage: null
  }
  context.state.messages.set(message.sid, message)
  context.ledger.sideEffect({
    kind: "message",
    id: message.sid,
    data: { to: message.to, from: message.from, body: message.body, messagingServiceSid }
  })
  const reply: Reply = { status: 201, body: resource(message) }
  progress(message, context)
  return reply
}

const notFound = (request: SimRequest): Reply =>
  errorReply(404, 20404, `The requested resource ${request.path} was not found`)

const fetchMessage = (request: SimRequest, context: HandlerContext<State, Credentials>): Reply => {
  const message = context.state.messages.get(request.params.sid ?? "")
  if (message === undefined || message.accountSid !== request.params.accountSid) return notFound(request)
  return { status: 200, body: resource(message) }
}

const basicUser = (authorization: string | undefined): { readonly user: string; readonly password: string } => {
  const match = /^Basic\s+(\S+)$/i.exec(authorization ?? "")
  const decoded = match?.[1] === undefined ? "" : Buffer.from(match[1], "base64").toString("utf8")
  const separator = decoded.indexOf(":")
  return separator < 0
    ? { user: "", password: "" }
    : { user: decoded.slice(0, separator), password: decoded.slice(separator + 1) }
}

/**
 * The Twilio simulator's definition.
 *
 * @example
 * ```ts
 * const sim = await Simulator.start(Twilio.definition, { seed: 7, webhookUrl: "http://127.0.0.1:9000/sms" })
 * sim.faults.add(Faults.failTimes(1, Faults.error("too_many_requests", { retryAfterSeconds: 3 })))
 * ```
 * @since 0.1.0
 */
export const definition: Definition<State, Credentials> = {
  provider: "twilio",
  credentials: {
    accountSid: "AC5e0b1d7a4c2f9e8d6b3a1c0f7e5d4b2a",
    authToken: "4f8a2c6e0b9d1f3a5c7e9b2d4f6a8c0e"
  },
  state: () => ({ messages: new Map() }),
  routes: [
    {
      method: "POST",
      path: "/2010-04-01/Accounts/:accountSid/Messages.json",
      operation: "messages.create",
      handle: create
    },
    {
      method: "GET",
      path: "/2010-04-01/Accounts/:accountSid/Messages/:sid.json",
      operation: "messages.fetch",
      handle: fetchMessage
    },
    {
      method: "GET",
      path: "/2010-04-01/Accounts/:accountSid/Messages.json",
      operation: "messages.list",
      handle: (request, context) => listMessages(request, context.state.messages.values())
    }
  ],
  authenticate: (request, credentials) => {
    const { user, password } = basicUser(request.headers.authorization)
    const pathAccount = request.params.accountSid
    const valid = user === credentials.accountSid && password === credentials.authToken
    if (valid && (pathAccount === undefined || pathAccount === user)) return undefined
    return fail("authenticate", request)
  },
  errors,
  defaultErrors,
  notFound,
  invalidBody: () => errorReply(400, 20001, "Unable to parse the request body"),
  responseHeaders: (_, context) => ({
    "twilio-request-id": hexId("RQ", context.random),
    "twilio-concurrent-requests": "1"
  }),
  signer
}
