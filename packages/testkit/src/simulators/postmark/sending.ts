/**
 * The Postmark send path: check one message as Postmark does (in its order:
 * shape, addresses, stream, sender, approval, suppression), then accept it,
 * record it, and emit the webhooks its recipients earn.
 *
 * Recipients' fate after acceptance is decided by their local part:
 * `bounce@` hard-bounces (and is suppressed for later sends), `softbounce@`
 * soft-bounces, `spamcomplaint@` is delivered and then complains (and is
 * suppressed); everyone else gets a `Delivery`.
 *
 * @since 0.1.0
 */
import type { HandlerContext } from "../../Simulator.ts"
import type * as Webhooks from "../../Webhooks.ts"
import { messages } from "./errors.ts"
import * as Events from "./events.ts"
import type { Header, MessageEvent, RegisteredWebhook, State, StoredMessage, Trigger } from "./state.ts"

/** Credentials the send path needs (the default webhook headers). @since 0.1.0 */
export interface SendCredentials {
  readonly webhookHeaders: Readonly<Record<string, string>>
}

/** Postmark's answer for one message: accepted, or an ErrorCode with its text. @since 0.1.0 */
export type Outcome =
  | { readonly _tag: "Accepted"; readonly body: Record<string, unknown> }
  | { readonly _tag: "Refused"; readonly code: number; readonly message: string }

interface Address {
  readonly raw: string
  readonly email: string
  readonly name: string
}

const refused = (code: number, message: string): Outcome => ({ _tag: "Refused", code, message })

/** Splits `"Lopez, Ana" <ana@example.com>, ben@example.com` at the commas outside quotes and brackets. */
const split = (value: string): Array<string> => {
  const parts: Array<string> = []
  let current = ""
  let quoted = false
  let bracketed = false
  for (const character of value) {
    if (character === '"') quoted = !quoted
    if (character === "<") bracketed = true
    if (character === ">") bracketed = false
    if (character === "," && !quoted && !bracketed) {
      parts.push(current)
      current = ""
    } else current += character
  }
  parts.push(current)
  return parts.map((part) => part.trim()).filter((part) => part.length > 0)
}

const ADDRESS = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/

/** Parses one address field, or answers Postmark's ErrorCode 300 text. */
const parseField = (field: string, value: unknown): ReadonlyArray<Address> | string => {
  if (value === undefined || value === null || value === "") return []
  if (typeof value !== "string") return messages.illegalAddress(field, String(value))
  const addresses: Array<Address> = []
  for (const raw of split(value)) {
    const bracket = /^(.*)<([^<>]*)>$/.exec(raw)
    const email = (bracket?.[2] ?? raw).trim()
    if (!ADDRESS.test(email)) return messages.illegalAddress(field, raw)
    addresses.push({ raw, email, name: (bracket?.[1] ?? "").trim().replace(/^"|"$/g, "") })
  }
  return addresses
}

const domainOf = (email: string): string => email.slice(email.lastIndexOf("@") + 1).toLowerCase()

const isInactive = (state: State, email: string): boolean => {
  const lower = email.toLowerCase()
  return state.inactive.has(lower) || lower.startsWith("hardbounce@")
}

const text = (value: unknown): string | undefined => (typeof value === "string" && value.length > 0 ? value : undefined)

const record = (value: unknown): Record<string, string> =>
  typeof value === "object" && value !== null && !Array.isArray(value)
    ? Object.fromEntries(
        Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === "string")
      )
    : {}

/** A uuid v4 from the simulator's seeded random source, Postmark's MessageID format. */
const uuid = (random: () => number): string => {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16))
  hex[12] = "4"
  hex[16] = ((Number.parseInt(hex[16] ?? "0", 16) & 3) | 8).toString(16)
  const digits = hex.join("")
  return `${digits.slice(0, 8)}-${digits.slice(8, 12)}-${digits.slice(12, 16)}-${digits.slice(16, 20)}-${digits.slice(20)}`
}

/**
 * Checks and, when Postmark would, accepts one message: the answer `POST /email`
 * gives and the item `POST /email/batch` puts in its array.
 *
 * @since 0.1.0
 */
export const sendOne = <C extends SendCredentials>(input: unknown, context: HandlerContext<State, C>): Outcome => {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return refused(402, messages.invalidJson)
  const message = input as Record<string, unknown>
  const state = context.state
  const from = parseField("From", message.From)
  if (typeof from === "string") return refused(300, from)
  const sender = from[0]
  if (sender === undefined || from.length > 1)
    return refused(300, messages.illegalAddress("From", String(message.From ?? "")))
  const to = parseField("To", message.To)
  if (typeof to === "string") return refused(300, to)
  const cc = parseField("Cc", message.Cc)
  if (typeof cc === "string") return refused(300, cc)
  const bcc = parseField("Bcc", message.Bcc)
  if (typeof bcc === "string") return refused(300, bcc)
  const recipients = [...to, ...cc, ...bcc]
  if (recipients.length === 0) return refused(300, messages.zeroRecipients)
  if (recipients.length > 50) return refused(300, messages.tooManyRecipients)
  if (text(message.TextBody) === undefined && text(message.HtmlBody) === undefined) return refused(300, messages.noBody)
  const stream = text(message.MessageStream) ?? "outbound"
  if (!state.streams.has(stream)) return refused(1235, messages.streamNotFound)
  if (state.unsignedDomains.has(domainOf(sender.email))) return refused(400, messages.notSenderSignature(sender.raw))
  const foreign = [...new Set(recipients.map((r) => domainOf(r.email)).filter((d) => d !== domainOf(sender.email)))]
  if (state.accountPending && foreign.length > 0) {
    return refused(412, messages.pendingApproval(domainOf(sender.email), foreign))
  }
  const attachments = attachmentsOf(message.Attachments)
  if (typeof attachments === "string") return refused(300, attachments)
  const inactive = recipients.filter((recipient) => isInactive(state, recipient.email)).map((r) => r.email)
  if (inactive.length > 0) return refused(406, messages.inactiveRecipients(inactive))
  return accept(message, { sender, to, cc, bcc, stream, attachments }, context)
}

/** An attachment as the simulator keeps it on its ledger (Postmark's `Content` is base64). @since 0.1.0 */
export interface RecordedAttachment {
  readonly filename: string
  readonly contentType: string
  /** Base64, as sent. */
  readonly content: string
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

// Postmark refuses executables and scripts by extension (its "forbidden file types" list, in part).
const FORBIDDEN = /\.(?:exe|bat|cmd|com|js|vbs|scr|msi|jar|ps1)$/i

/** Postmark's `Attachments`: `Name`, base64 `Content` and `ContentType` each; a refusal's text otherwise. */
const attachmentsOf = (value: unknown): Array<RecordedAttachment> | string => {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value)) return "Invalid 'Attachments' value: expected an array."
  const recorded: Array<RecordedAttachment> = []
  for (const item of value as Array<unknown>) {
    const attachment = (typeof item === "object" && item !== null ? item : {}) as Record<string, unknown>
    const { Name: name, Content: content, ContentType: contentType } = attachment
    if (typeof name !== "string" || name.length === 0) return "Attachment 'Name' is required."
    if (FORBIDDEN.test(name)) return `Forbidden attachment type: ${name}`
    if (typeof content !== "string" || content.length % 4 !== 0 || !BASE64.test(content)) {
      return `Attachment '${name}' needs base64 'Content'.`
    }
    if (typeof contentType !== "string" || contentType.length === 0)
      return `Attachment '${name}' needs a 'ContentType'.`
    recorded.push({ filename: name, contentType, content })
  }
  return recorded
}

interface Parsed {
  readonly sender: Address
  readonly to: ReadonlyArray<Address>
  readonly cc: ReadonlyArray<Address>
  readonly bcc: ReadonlyArray<Address>
  readonly stream: string
  readonly attachments: ReadonlyArray<RecordedAttachment>
}

const accept = <C extends SendCredentials>(
  message: Record<string, unknown>,
  parsed: Parsed,
  context: HandlerContext<State, C>
): Outcome => {
  const messageId = uuid(context.random)
  const submittedAt = new Date().toISOString()
  const tag = text(message.Tag)
  const metadata = record(message.Metadata)
  const listed = (list: ReadonlyArray<Address>) => list.map((a) => ({ Email: a.email, Name: a.name }))
  const stored: StoredMessage = {
    MessageID: messageId,
    MessageStream: parsed.stream,
    From: parsed.sender.raw,
    To: listed(parsed.to),
    Cc: listed(parsed.cc),
    Bcc: listed(parsed.bcc),
    Recipients: [...parsed.to, ...parsed.cc, ...parsed.bcc].map((a) => a.email),
    Subject: typeof message.Subject === "string" ? message.Subject : "",
    ...(text(message.TextBody) === undefined ? {} : { TextBody: message.TextBody as string }),
    ...(text(message.HtmlBody) === undefined ? {} : { HtmlBody: message.HtmlBody as string }),
    Body: "",
    ...(tag === undefined ? {} : { Tag: tag }),
    Metadata: metadata,
    ReceivedAt: submittedAt,
    Status: "Sent",
    Attachments: parsed.attachments.map((attachment) => attachment.filename),
    TrackOpens: message.TrackOpens === true,
    TrackLinks: typeof message.TrackLinks === "string" ? message.TrackLinks : "None",
    Sandboxed: false,
    MessageEvents: []
  }
  context.state.messages.set(messageId, stored)
  context.ledger.sideEffect({
    kind: "email",
    id: messageId,
    data: {
      from: stored.From,
      to: stored.Recipients,
      subject: stored.Subject,
      stream: parsed.stream,
      headers: message.Headers,
      ...(parsed.attachments.length === 0 ? {} : { attachments: parsed.attachments })
    }
  })
  for (const email of stored.Recipients) follow(stored, email, context)
  const to = typeof message.To === "string" ? message.To : ""
  return {
    _tag: "Accepted",
    body: { To: to, SubmittedAt: submittedAt, MessageID: messageId, ErrorCode: 0, Message: "OK" }
  }
}

/** Decides what happens to one recipient after acceptance, records it and emits its webhooks. */
const follow = <C extends SendCredentials>(
  message: StoredMessage,
  email: string,
  context: HandlerContext<State, C>
) => {
  const state = context.state
  const local = email.toLowerCase().slice(0, email.indexOf("@") + 1)
  const base = {
    MessageID: message.MessageID,
    MessageStream: message.MessageStream,
    Metadata: message.Metadata,
    ServerID: state.serverId,
    ...(message.Tag === undefined ? {} : { Tag: message.Tag })
  }
  const at = new Date().toISOString()
  const note = (type: MessageEvent["Type"], details: MessageEvent["Details"]) =>
    message.MessageEvents.push({ Recipient: email, Type: type, ReceivedAt: at, Details: details })
  const emit = (trigger: Trigger, build: (to: Events.Destination) => Webhooks.WebhookEvent) => {
    for (const destination of destinations(state, context.credentials, message.MessageStream, trigger)) {
      context.emit(build(destination))
    }
  }
  if (local === "bounce@" || local === "softbounce@") {
    const hard = local === "bounce@"
    const id = state.nextBounceId++
    if (hard) state.inactive.add(email.toLowerCase())
    note("Bounced", { Summary: hard ? "Hard bounce" : "Soft bounce", BounceID: id })
    const input = { ...base, ID: id, Email: email, From: message.From, Subject: message.Subject, BouncedAt: at }
    emit("Bounce", (to) => Events.bounce({ ...input, Type: hard ? "HardBounce" : "SoftBounce" }, to))
    return
  }
  note("Delivered", {
    DeliveryMessage: "smtp;250 2.0.0 OK",
    DestinationServer: "mx.example.com",
    DestinationIP: "192.0.2.25"
  })
  emit("Delivery", (to) => Events.delivery({ ...base, Recipient: email, DeliveredAt: at }, to))
  if (local === "spamcomplaint@") {
    const id = state.nextBounceId++
    state.inactive.add(email.toLowerCase())
    note("SpamComplaint", { Summary: "Spam complaint", BounceID: id })
    emit("SpamComplaint", (to) => Events.spamComplaint({ ...base, ID: id, Email: email, Subject: message.Subject }, to))
  }
}

const headerRecord = (headers: ReadonlyArray<Header>): Record<string, string> =>
  Object.fromEntries(headers.map((header) => [header.Name, header.Value]))

/** The registered webhook's URL, with its HttpAuth embedded as Postmark sends it. */
const authorizedUrl = (webhook: RegisteredWebhook): string => {
  if (webhook.HttpAuth === undefined) return webhook.Url
  const url = new URL(webhook.Url)
  url.username = encodeURIComponent(webhook.HttpAuth.Username)
  url.password = encodeURIComponent(webhook.HttpAuth.Password)
  return url.toString()
}

/**
 * Where a record goes: every webhook registered for the stream with the
 * trigger on, or (none registered) the simulator's webhook URL with the
 * default credentials and headers.
 */
const destinations = (
  state: State,
  credentials: SendCredentials,
  stream: string,
  trigger: Trigger
): ReadonlyArray<Events.Destination> => {
  const registered = state.webhooks.filter((webhook) => webhook.MessageStream === stream)
  if (registered.length === 0) {
    return [Object.keys(credentials.webhookHeaders).length === 0 ? {} : { headers: credentials.webhookHeaders }]
  }
  return registered
    .filter((webhook) => webhook.Triggers[trigger].Enabled)
    .map((webhook) => ({ url: authorizedUrl(webhook), headers: headerRecord(webhook.HttpHeaders) }))
}
