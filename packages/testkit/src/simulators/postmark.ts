/**
 * A Postmark simulator that the real `postmark` SDK (5.x) talks to unchanged:
 * `POST /email`, `POST /email/batch`, `GET /messages/outbound` (the outbound
 * search: `count`/`offset`, `recipient`, `metadata_<key>`, `tag`, `status`,
 * `subject`, `messagestream`, `fromemail`, `fromdate`/`todate`; see
 * `searchOutbound`), `GET /messages/outbound/:id/details` and `POST /webhooks`,
 * with PascalCase JSON, the `X-Postmark-Server-Token` header and Postmark's
 * `{ ErrorCode, Message }` error bodies.
 *
 * Postmark answers a refused single send with HTTP 422 and an `ErrorCode`;
 * a batch always answers HTTP 200 with one result per message, each with its
 * own `ErrorCode` (0 = accepted). Data-driven behaviour, as on a real server:
 *
 * | input                                              | answer                                           |
 * |----------------------------------------------------|--------------------------------------------------|
 * | a recipient `hardbounce@…` or in `state.inactive`  | 422 / 406 inactive recipient (per item in batch)  |
 * | a recipient `bounce@…`                             | accepted, then a HardBounce webhook; suppressed   |
 * | a recipient `softbounce@…`                         | accepted, then a SoftBounce webhook               |
 * | a recipient `spamcomplaint@…`                      | accepted, Delivery then SpamComplaint; suppressed |
 * | any other recipient                                | accepted, then a Delivery webhook                 |
 * | From at a domain in `state.unsignedDomains` (`unverified.example`) | 422 / 400 not a Sender Signature |
 * | `MessageStream` not in `state.streams` (`outbound`, `broadcast`) | 422 / 1235                          |
 * | `state.accountPending` and a recipient outside the From domain | 422 / 412                            |
 * | `state.outOfCredits`                               | 422 / 405 for every send and batch                |
 * | bad address, no recipients, no body, > 50 recipients | 422 / 300                                      |
 * | unknown MessageID on details                       | 422 / 701                                         |
 * | search without `count` (1–500) or `offset`, or `count + offset` > 10,000 | 422 / 700                 |
 *
 * Webhooks: Postmark signs nothing; deliveries carry `Authorization: Basic`
 * from the credentials (`webhookUsername`/`webhookPassword`) or from a
 * webhook registered with `POST /webhooks` (its `HttpAuth` and `HttpHeaders`,
 * honouring its `Triggers` and `MessageStream`). Postmark has no request-id
 * header, so the simulator sends none.
 *
 * @example
 * ```ts
 * import { ServerClient } from "postmark"
 * import { Simulator } from "@wedsync/testkit"
 * import * as Postmark from "@wedsync/testkit/simulators/postmark"
 *
 * const sim = await Simulator.start(Postmark.definition, { seed: 7 })
 * const client = new ServerClient(sim.credentials.serverToken, { useHttps: false, requestHost: `127.0.0.1:${sim.port}`, timeout: 5 })
 * const sent = await client.sendEmail({ From: "hello@wedsync.example", To: "ana@example.com", Subject: "Hi", TextBody: "Hello" })
 * ```
 *
 * @since 0.1.0
 */
import type * as Simulator from "../Simulator.ts"
import type * as Webhooks from "../Webhooks.ts"
import * as Errors from "./postmark/errors.ts"
import * as Events from "./postmark/events.ts"
import { searchOutbound } from "./postmark/search.ts"
import { sendOne } from "./postmark/sending.ts"
import { initial, type Header, type RegisteredWebhook, type State, type Trigger, triggers } from "./postmark/state.ts"

export type { RegisteredWebhook, State, StoredMessage } from "./postmark/state.ts"
export type { RecordedAttachment } from "./postmark/sending.ts"
export {
  MAX_COUNT,
  MAX_DEPTH,
  QUERY_EXCEPTION,
  type SearchedMessage,
  searched,
  searchMessages,
  searchOutbound
} from "./postmark/search.ts"

/**
 * The simulator's accounts: the server token the SDK sends, and the Basic-auth
 * credentials (plus optional custom headers) its webhooks carry.
 *
 * @since 0.1.0
 */
export interface Credentials {
  readonly serverToken: string
  readonly webhookUsername: string
  readonly webhookPassword: string
  /** Custom headers every default delivery carries (Postmark's `HttpHeaders`). */
  readonly webhookHeaders: Readonly<Record<string, string>>
}

/** The operation names faults and the ledger use. @since 0.1.0 */
export const operations = [
  "email.send",
  "email.sendBatch",
  "messages.outboundSearch",
  "messages.outboundDetails",
  "webhooks.create"
] as const

/** @since 0.1.0 */
export type Operation = (typeof operations)[number]

/**
 * Builders of Postmark webhook records (`Delivery`, `Bounce`, `SpamComplaint`,
 * `Open`, `Click`) in Postmark's shapes.
 *
 * @example
 * ```ts
 * const delivery = sim.buildWebhook(Postmark.events.delivery({ MessageID: id, Recipient: "ana@example.com" }))
 * await sim.deliver(delivery)
 * ```
 * @since 0.1.0
 */
export const events = {
  delivery: Events.delivery,
  bounce: Events.bounce,
  spamComplaint: Events.spamComplaint,
  open: Events.open,
  click: Events.click
} as const

/** Postmark's webhook authentication: HTTP Basic, no signature, no timestamp. @since 0.1.0 */
export const signer: Webhooks.Signer<Credentials> = Events.signer

/** `Basic base64(user:pass)`, the header a receiver compares against. @since 0.1.0 */
export const basicAuthorization = Events.basic

/** Postmark's error catalogue. @since 0.1.0 */
export const errors = Errors.catalogue

type Context = Simulator.HandlerContext<State, Credentials>

const send: Simulator.Route<State, Credentials>["handle"] = (request, context) => {
  const input = request.json()
  if (context.state.outOfCredits) return Errors.reply(422, 405, Errors.messages.notAllowedToSend)
  const outcome = sendOne(input, context)
  return outcome._tag === "Accepted"
    ? { status: 200, body: outcome.body }
    : Errors.reply(422, outcome.code, outcome.message)
}

const sendBatch: Simulator.Route<State, Credentials>["handle"] = (request, context) => {
  const input = request.json()
  if (!Array.isArray(input)) return Errors.reply(422, 402, Errors.messages.invalidJson)
  if (input.length > 500) return Errors.reply(422, 410, Errors.messages.tooManyBatchMessages)
  if (context.state.outOfCredits) return Errors.reply(422, 405, Errors.messages.notAllowedToSend)
  const results = input.map((message: unknown) => {
    const outcome = sendOne(message, context)
    return outcome._tag === "Accepted" ? outcome.body : { ErrorCode: outcome.code, Message: outcome.message }
  })
  return { status: 200, body: results }
}

const details: Simulator.Route<State, Credentials>["handle"] = (request, context) => {
  const message = context.state.messages.get(request.params.id ?? "")
  return message === undefined
    ? Errors.reply(422, 701, Errors.messages.messageNotFound)
    : { status: 200, body: message }
}

const headerList = (value: unknown): ReadonlyArray<Header> =>
  Array.isArray(value)
    ? value.flatMap((item: unknown) => {
        const header = item as Partial<Record<"Name" | "Value", unknown>> | null
        return typeof header?.Name === "string" && typeof header.Value === "string"
          ? [{ Name: header.Name, Value: header.Value }]
          : []
      })
    : []

const triggerSettings = (value: unknown): RegisteredWebhook["Triggers"] => {
  const given = (typeof value === "object" && value !== null ? value : {}) as Partial<Record<Trigger, unknown>>
  const entries = triggers.map((trigger) => {
    const setting = given[trigger] as Partial<Record<string, unknown>> | undefined
    return [trigger, { ...setting, Enabled: setting?.Enabled === true }] as const
  })
  return Object.fromEntries(entries) as RegisteredWebhook["Triggers"]
}

const isHttpUrl = (value: unknown): value is string => {
  if (typeof value !== "string") return false
  try {
    return ["http:", "https:"].includes(new URL(value).protocol)
  } catch {
    return false
  }
}

const createWebhook = (request: Simulator.SimRequest, context: Context): Simulator.Reply => {
  const input = request.json() as Record<string, unknown> | null
  if (typeof input !== "object" || input === null) return Errors.reply(422, 402, Errors.messages.invalidJson)
  if (!isHttpUrl(input.Url)) return Errors.reply(422, 606, "The webhook URL you provided is invalid.")
  const stream = typeof input.MessageStream === "string" ? input.MessageStream : "outbound"
  if (!context.state.streams.has(stream)) return Errors.reply(422, 1235, Errors.messages.streamNotFound)
  const auth = input.HttpAuth as Partial<Record<"Username" | "Password", unknown>> | undefined
  const webhook: RegisteredWebhook = {
    ID: context.state.nextWebhookId++,
    Url: input.Url,
    MessageStream: stream,
    ...(typeof auth?.Username === "string" && typeof auth.Password === "string"
      ? { HttpAuth: { Username: auth.Username, Password: auth.Password } }
      : {}),
    HttpHeaders: headerList(input.HttpHeaders),
    Triggers: triggerSettings(input.Triggers)
  }
  context.state.webhooks.push(webhook)
  context.ledger.sideEffect({ kind: "webhook", id: String(webhook.ID), data: { url: webhook.Url, stream } })
  return { status: 200, body: webhook }
}

/**
 * The Postmark simulator's definition.
 *
 * @example
 * ```ts
 * const sim = await Simulator.start(Postmark.definition, { webhookUrl: "http://127.0.0.1:4000/postmark" })
 * sim.faults.add(Faults.failTimes(1, Faults.error("inactive_recipient")))
 * ```
 * @since 0.1.0
 */
export const definition: Simulator.Definition<State, Credentials> = {
  provider: "postmark",
  credentials: {
    serverToken: "00000000-0000-4000-8000-00000000a11c",
    webhookUsername: "postmark",
    webhookPassword: "wedsync-webhook-password",
    webhookHeaders: {}
  },
  state: initial,
  routes: [
    { method: "POST", path: "/email", operation: "email.send", handle: send },
    { method: "POST", path: "/email/batch", operation: "email.sendBatch", handle: sendBatch },
    {
      method: "GET",
      path: "/messages/outbound",
      operation: "messages.outboundSearch",
      handle: (request, context) => searchOutbound(request, context.state.messages.values())
    },
    { method: "GET", path: "/messages/outbound/:id/details", operation: "messages.outboundDetails", handle: details },
    { method: "POST", path: "/webhooks", operation: "webhooks.create", handle: createWebhook }
  ],
  authenticate: (request, credentials) => {
    const token = request.headers["x-postmark-server-token"]?.trim()
    if (token === undefined || token === "") return Errors.missingToken()
    return token === credentials.serverToken ? undefined : Errors.invalidToken()
  },
  errors: Errors.catalogue,
  defaultErrors: {
    unavailable: "service_unavailable",
    rateLimited: "rate_limited",
    providerPermanent: "sender_signature_not_found",
    requestPermanent: "inactive_recipient"
  },
  notFound: () => ({ status: 404, headers: { "content-type": "text/plain; charset=utf-8" }, body: "Not Found" }),
  invalidBody: () => Errors.reply(422, 402, Errors.messages.invalidJson),
  signer: Events.signer
}
