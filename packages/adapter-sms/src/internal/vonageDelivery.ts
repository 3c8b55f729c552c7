/**
 * Vonage's delivery news in `DeliveryEvent` words.
 *
 * Messages API status webhooks (`message_uuid`, `status`, `error`):
 * `submitted` → `sent` (handed to the carrier), `delivered` → `delivered`,
 * `rejected` → `failed` (Vonage refused it), `undeliverable` → `undelivered`,
 * `read` → `opened`. The error's code (`error.title`, or the `#<code>` of
 * `error.type`) is the `providerCode`, `error.detail` the description.
 *
 * SMS API delivery receipts (`messageId`, `status`, `err-code`): `accepted` →
 * `sent`, `buffered` → `delayed` (the carrier keeps trying), `delivered` →
 * `delivered`, `expired` and `failed` → `undelivered` (the carrier gave up),
 * `rejected` → `failed`; `unknown` gives no event (the carrier never said).
 * A non-zero `err-code` is the `providerCode`.
 *
 * Inbound messages (a `message_uuid` without a status) give none.
 */
import { Effect, Schema } from "effect"
import { DeliveryEvent, IntegrationError } from "@wedsync/core"

const Id = Schema.String.check(Schema.isMinLength(1))

/** A Messages API status webhook. */
export const MessageStatus = Schema.Struct({
  message_uuid: Id,
  status: Schema.String,
  to: Schema.optional(Schema.String),
  timestamp: Schema.optional(Schema.String),
  error: Schema.optional(
    Schema.Struct({
      type: Schema.optional(Schema.String),
      title: Schema.optional(Schema.Union([Schema.Number, Schema.String])),
      detail: Schema.optional(Schema.String)
    })
  )
})

/** An SMS API delivery receipt (its parameters, all strings). */
export const Receipt = Schema.Struct({
  messageId: Id,
  status: Schema.String,
  msisdn: Schema.optional(Schema.String),
  "err-code": Schema.optional(Schema.String),
  "message-timestamp": Schema.optional(Schema.String),
  timestamp: Schema.optional(Schema.String)
})

/** An inbound Messages API message. */
export const Inbound = Schema.Struct({ message_uuid: Id })

const Payload = Schema.Union([MessageStatus, Receipt, Inbound])

const messageStatuses: Readonly<Record<string, DeliveryEvent.Status>> = {
  submitted: "sent",
  delivered: "delivered",
  rejected: "failed",
  undeliverable: "undelivered",
  read: "opened"
}

const receiptStatuses: Readonly<Record<string, DeliveryEvent.Status | null>> = {
  accepted: "sent",
  buffered: "delayed",
  delivered: "delivered",
  expired: "undelivered",
  failed: "undelivered",
  rejected: "failed",
  unknown: null
}

/** Vonage's words for delivery receipt `err-code`s. */
export const receiptCodes: Readonly<Record<string, string>> = {
  "1": "Unknown",
  "2": "Absent subscriber - temporary",
  "3": "Absent subscriber - permanent",
  "4": "Call barred by user",
  "5": "Portability error",
  "6": "Anti-spam rejection",
  "7": "Handset busy",
  "8": "Network error",
  "9": "Illegal number",
  "10": "Illegal message",
  "11": "Unroutable",
  "12": "Destination unreachable",
  "13": "Subscriber age restriction",
  "14": "Number blocked by carrier",
  "15": "Pre-paid - insufficient funds",
  "99": "General error"
}

/** `2020-01-01 12:00:00` (UTC) or with an offset (`+0000`), as receipts write `message-timestamp`. */
export const receiptTime = (text: string | undefined): number | undefined => {
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?: ?([+-])(\d{2}):?(\d{2}))?$/.exec(text ?? "")
  if (match === null) return undefined
  const [, y, mo, d, h, mi, s, sign, oh, om] = match
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s))
  const offset = sign === undefined ? 0 : (sign === "-" ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000
  const at = utc - offset
  return Number.isFinite(at) && at >= 0 ? at : undefined
}

/** An ISO time as epoch milliseconds, when the text is one. */
export const isoTime = (text: string | undefined): number | undefined => {
  const parsed = text === undefined ? Number.NaN : Date.parse(text)
  return Number.isFinite(parsed) && parsed >= 0 ? parsed : undefined
}

const invalid = (description: string) =>
  IntegrationError.make("vonage", "deliveryEvents", new IntegrationError.PayloadInvalid({ description }))

const event = (fields: {
  readonly messageId: string
  readonly status: DeliveryEvent.Status
  readonly recipient: string | undefined
  readonly code: string | undefined
  readonly description: string | undefined
  readonly occurredAt: number
}) =>
  new DeliveryEvent.DeliveryEvent({
    id: `vonage:${fields.messageId}:${fields.status}`,
    channel: "sms",
    provider: "vonage",
    messageId: fields.messageId,
    status: fields.status,
    ...(fields.recipient ? { recipient: fields.recipient } : {}),
    ...(fields.code ? { providerCode: fields.code } : {}),
    ...(fields.description ? { description: fields.description } : {}),
    occurredAt: fields.occurredAt,
    source: "webhook"
  })

const fromMessageStatus = (
  payload: typeof MessageStatus.Type,
  occurredAt: number | undefined
): ReadonlyArray<DeliveryEvent.DeliveryEvent> | string => {
  const status = messageStatuses[payload.status]
  if (status === undefined) return `undocumented Messages API status "${payload.status.slice(0, 40)}"`
  const at = isoTime(payload.timestamp) ?? occurredAt
  if (at === undefined) return "the status webhook has no time"
  const title = payload.error?.title
  const code = title !== undefined && title !== "" ? String(title) : payload.error?.type?.split("#")[1]
  return [
    event({
      messageId: payload.message_uuid,
      status,
      recipient: payload.to,
      code,
      description: payload.error?.detail,
      occurredAt: at
    })
  ]
}

const fromReceipt = (
  payload: typeof Receipt.Type,
  occurredAt: number | undefined
): ReadonlyArray<DeliveryEvent.DeliveryEvent> | string => {
  const status = receiptStatuses[payload.status]
  if (status === undefined) return `undocumented delivery receipt status "${payload.status.slice(0, 40)}"`
  if (status === null) return []
  const at = receiptTime(payload["message-timestamp"]) ?? occurredAt
  if (at === undefined) return "the delivery receipt has no time"
  const code = payload["err-code"] === "0" ? undefined : payload["err-code"]
  return [
    event({
      messageId: payload.messageId,
      status,
      recipient: payload.msisdn,
      code,
      description: code === undefined ? undefined : receiptCodes[code],
      occurredAt: at
    })
  ]
}

/** Decodes a verified Vonage event (a Messages API status, an SMS delivery receipt) into its delivery events. */
export const decode: DeliveryEvent.Decoder = (webhookEvent) =>
  Schema.decodeUnknownEffect(Payload)(webhookEvent.payload).pipe(
    Effect.mapError(() => invalid("not a Vonage status webhook or delivery receipt")),
    Effect.flatMap((payload) => {
      const events =
        "status" in payload && "message_uuid" in payload
          ? fromMessageStatus(payload, webhookEvent.occurredAt)
          : "messageId" in payload
            ? fromReceipt(payload, webhookEvent.occurredAt)
            : []
      return typeof events === "string" ? Effect.fail(invalid(events)) : Effect.succeed(events)
    })
  )
