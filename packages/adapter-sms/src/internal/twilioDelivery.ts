/**
 * Twilio message statuses in `DeliveryEvent` words, shared by the status
 * callback decoder and the reconciliation lookup, so that the same status
 * learned both ways becomes one event (`twilio:<MessageSid>:<status>`).
 *
 * - `accepted`, `scheduled`, `queued`, `sending`: nothing yet, Twilio has not
 *   handed the message to a carrier (the send receipt already said so);
 * - `sent` → `sent`, `delivered` → `delivered`, `undelivered` → `undelivered`,
 *   `failed` → `failed`; `canceled` (a scheduled message called off) → `failed`;
 * - `read` (WhatsApp, RCS read receipts) → `opened`: the recipient saw it,
 *   which implies delivery;
 * - `receiving`, `received` (inbound messages): not about delivery.
 */
import { Effect, Option, Schema } from "effect"
import { DeliveryEvent, IntegrationError } from "@wedsync/core"

const silent = new Set(["accepted", "scheduled", "queued", "sending", "receiving", "received"])

const mapped: Readonly<Record<string, DeliveryEvent.Status>> = {
  sent: "sent",
  delivered: "delivered",
  undelivered: "undelivered",
  failed: "failed",
  canceled: "failed",
  read: "opened"
}

/**
 * The `DeliveryEvent` status of a Twilio status: `Some(status)`, `None` for a
 * status that says nothing about delivery yet, `undefined` for one Twilio does
 * not document.
 */
export const statusOf = (twilioStatus: string): Option.Option<DeliveryEvent.Status> | undefined => {
  const status = twilioStatus.toLowerCase()
  const known = mapped[status]
  return known !== undefined ? Option.some(known) : silent.has(status) ? Option.none() : undefined
}

/** Twilio's words for the carrier error codes that most often end a message. */
export const carrierCodes: Readonly<Record<string, string>> = {
  "30001": "Queue overflow",
  "30002": "Account suspended",
  "30003": "Unreachable destination handset",
  "30004": "Message blocked",
  "30005": "Unknown destination handset",
  "30006": "Landline or unreachable carrier",
  "30007": "Message filtered by the carrier",
  "30008": "Unknown error",
  "30009": "Missing segment",
  "30010": "Message price exceeds max price",
  "30034": "Message from an unregistered number (US A2P 10DLC)"
}

/** What one status report says, whichever way it came. */
export interface Report {
  readonly messageSid: string
  readonly status: string
  readonly to?: string | null | undefined
  readonly errorCode?: string | number | null | undefined
  readonly errorMessage?: string | null | undefined
  readonly occurredAt: number
  readonly source: DeliveryEvent.DeliveryEvent["source"]
}

/** The delivery event a report carries, if any (`undefined` for an undocumented status). */
export const eventOf = (report: Report): Option.Option<DeliveryEvent.DeliveryEvent> | undefined => {
  const status = statusOf(report.status)
  if (status === undefined) return undefined
  return Option.map(status, (status) => {
    const code =
      report.errorCode === null || report.errorCode === undefined || String(report.errorCode) === "0"
        ? undefined
        : String(report.errorCode)
    const description = report.errorMessage ?? (code === undefined ? undefined : carrierCodes[code])
    return new DeliveryEvent.DeliveryEvent({
      id: `twilio:${report.messageSid}:${status}`,
      channel: "sms",
      provider: "twilio",
      messageId: report.messageSid,
      status,
      ...(report.to ? { recipient: report.to } : {}),
      ...(code === undefined ? {} : { providerCode: code }),
      ...(description ? { description } : {}),
      occurredAt: report.occurredAt,
      source: report.source
    })
  })
}

const Sid = Schema.String.check(Schema.isMinLength(1))

/** A Messaging status callback's form parameters, as `TwilioWebhooks.verify` keeps them. */
export const StatusCallback = Schema.Struct({
  MessageSid: Sid,
  MessageStatus: Schema.optional(Schema.String),
  /** The older name of the status; inbound-message webhooks carry only this one. */
  SmsStatus: Schema.optional(Schema.String),
  To: Schema.optional(Schema.String),
  ErrorCode: Schema.optional(Schema.String)
})

/** A callback's status: `MessageStatus`, else `SmsStatus`. */
export const callbackStatus = (callback: typeof StatusCallback.Type): string | undefined =>
  callback.MessageStatus ?? callback.SmsStatus

/** One Event Streams CloudEvent about a message status. */
export const CloudEvent = Schema.Struct({
  id: Sid,
  type: Schema.String,
  time: Schema.optional(Schema.String),
  data: Schema.Struct({
    messageSid: Sid,
    messageStatus: Schema.String,
    to: Schema.optional(Schema.NullOr(Schema.String)),
    errorCode: Schema.optional(Schema.NullOr(Schema.Union([Schema.Number, Schema.String])))
  })
})

const Payload = Schema.Union([StatusCallback, Schema.Array(CloudEvent)])

/** A time as epoch milliseconds, when the text is one. */
export const epochMillis = (text: string | undefined): number | undefined => {
  const parsed = text === undefined ? Number.NaN : Date.parse(text)
  return Number.isFinite(parsed) && parsed >= 0 ? parsed : undefined
}

const invalid = (description: string) =>
  IntegrationError.make("twilio", "deliveryEvents", new IntegrationError.PayloadInvalid({ description }))

const reportsOf = (payload: typeof Payload.Type, occurredAt: number | undefined): ReadonlyArray<Report> | string => {
  if (!Array.isArray(payload)) {
    const callback = payload as typeof StatusCallback.Type
    const status = callbackStatus(callback)
    if (status === undefined) return "the callback has no MessageStatus"
    if (occurredAt === undefined) return "the event has no time"
    return [
      {
        messageSid: callback.MessageSid,
        status,
        to: callback.To,
        errorCode: callback.ErrorCode,
        occurredAt,
        source: "webhook"
      }
    ]
  }
  const reports: Array<Report> = []
  for (const event of payload as ReadonlyArray<typeof CloudEvent.Type>) {
    const at = epochMillis(event.time) ?? occurredAt
    if (at === undefined) return `CloudEvent ${event.id} has no time`
    reports.push({
      messageSid: event.data.messageSid,
      status: event.data.messageStatus,
      to: event.data.to,
      errorCode: event.data.errorCode,
      occurredAt: at,
      source: "webhook"
    })
  }
  return reports
}

/**
 * Decodes a verified Twilio event (a status callback's parameters or an Event
 * Streams batch) into its delivery events.
 */
export const decode: DeliveryEvent.Decoder = (event) =>
  Schema.decodeUnknownEffect(Payload)(event.payload).pipe(
    Effect.mapError(() => invalid("not a Twilio message status callback")),
    Effect.flatMap((payload) => {
      const reports = reportsOf(payload, event.occurredAt)
      if (typeof reports === "string") return Effect.fail(invalid(reports))
      const events: Array<DeliveryEvent.DeliveryEvent> = []
      for (const report of reports) {
        const found = eventOf(report)
        if (found === undefined)
          return Effect.fail(invalid(`undocumented Twilio status "${report.status.slice(0, 40)}"`))
        if (Option.isSome(found)) events.push(found.value)
      }
      return Effect.succeed(events)
    })
  )
