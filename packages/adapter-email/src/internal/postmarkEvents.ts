/**
 * Postmark's webhook records (`Delivery`, `Bounce`, `SpamComplaint`, `Open`,
 * `Click`, `SubscriptionChange`): their shapes, the stable id a retried
 * delivery dedupes on (Postmark sends none), and what they say about delivery.
 *
 * @internal
 */
import { createHash } from "node:crypto"
import { Effect, Schema } from "effect"
import { DeliveryEvent, type IntegrationError, WebhookSource } from "@wedsync/core"
import { unreadable } from "./webhookAuth.ts"

const PROVIDER = "postmark"

const Text = Schema.String
const MessageID = Schema.String.check(Schema.isMinLength(1))
/** Bounce ids are 64-bit: the body is parsed keeping their digits as text (see {@link parseBody}). */
const RecordId = Schema.Union([Schema.String, Schema.Number])

const Delivery = Schema.Struct({
  RecordType: Schema.Literal("Delivery"),
  MessageID,
  Recipient: Text,
  DeliveredAt: Text,
  Details: Schema.optional(Text)
})

const bounceFields = {
  ID: RecordId,
  Type: Text,
  TypeCode: Schema.Number,
  MessageID,
  Email: Text,
  BouncedAt: Text,
  Description: Schema.optional(Text),
  Details: Schema.optional(Text),
  Inactive: Schema.optional(Schema.Boolean)
}

const Bounce = Schema.Struct({ RecordType: Schema.Literal("Bounce"), ...bounceFields })
const SpamComplaint = Schema.Struct({ RecordType: Schema.Literal("SpamComplaint"), ...bounceFields })
const Open = Schema.Struct({ RecordType: Schema.Literal("Open"), MessageID, Recipient: Text, ReceivedAt: Text })
const Click = Schema.Struct({
  RecordType: Schema.Literal("Click"),
  MessageID,
  Recipient: Text,
  ReceivedAt: Text,
  OriginalLink: Text
})
const SubscriptionChange = Schema.Struct({
  RecordType: Schema.Literal("SubscriptionChange"),
  MessageID,
  Recipient: Text,
  ChangedAt: Text
})

/** The records Postmark documents for outbound messages. @internal */
export const KnownRecord = Schema.Union([Delivery, Bounce, SpamComplaint, Open, Click, SubscriptionChange])

/** @internal */
export type KnownRecord = typeof KnownRecord.Type

const known: ReadonlySet<string> = new Set(KnownRecord.members.map((member) => member.fields.RecordType.literal))

/** Any record: a type and the message it concerns. @internal */
export const AnyRecord = Schema.Struct({ RecordType: Text, MessageID })

/**
 * The body as JSON, with `ID` and `BounceID` numbers kept as their digits:
 * Postmark's bounce ids are 64-bit and `JSON.parse` would round them, so two
 * bounces could get the same id.
 *
 * @internal
 */
export const parseBody = (body: string): unknown =>
  JSON.parse(body, function (this: unknown, key: string, value: unknown, context?: { readonly source?: string }) {
    return (key === "ID" || key === "BounceID") && typeof value === "number" && context?.source !== undefined
      ? context.source
      : value
  } as (this: unknown, key: string, value: unknown) => unknown)

/** When the record says it happened. @internal */
export const occurredAtText = (record: KnownRecord): string => {
  switch (record.RecordType) {
    case "Delivery":
      return record.DeliveredAt
    case "Bounce":
    case "SpamComplaint":
      return record.BouncedAt
    case "Open":
    case "Click":
      return record.ReceivedAt
    case "SubscriptionChange":
      return record.ChangedAt
  }
}

/**
 * A stable event id: record type, message id and the record's own id or
 * time (and recipient, for per-recipient records). Unknown record types fall
 * back to a hash of the body, which a retried delivery repeats.
 *
 * @internal
 */
export const eventId = (
  record: KnownRecord | undefined,
  fallback: { readonly type: string; readonly body: string }
) => {
  if (record === undefined) {
    return `${fallback.type}:${createHash("sha256").update(fallback.body, "utf8").digest("hex")}`
  }
  switch (record.RecordType) {
    case "Bounce":
    case "SpamComplaint":
      return `${record.RecordType}:${record.MessageID}:${record.ID}`
    case "Delivery":
      return `Delivery:${record.MessageID}:${record.Recipient}:${record.DeliveredAt}`
    default:
      return `${record.RecordType}:${record.MessageID}:${record.Recipient}:${occurredAtText(record)}`
  }
}

/** A decoded record: its type, and its fields when the type is documented. @internal */
export interface Decoded {
  readonly record: KnownRecord | undefined
  readonly type: string
}

/** Decodes a record of a documented type; `undefined` for another type. @internal */
export const decodeRecord = (
  payload: unknown,
  operation: string
): Effect.Effect<Decoded, IntegrationError.IntegrationError> =>
  Schema.decodeUnknownEffect(AnyRecord)(payload).pipe(
    Effect.flatMap(
      (any): Effect.Effect<Decoded, Schema.SchemaError> =>
        known.has(any.RecordType)
          ? Effect.map(Schema.decodeUnknownEffect(KnownRecord)(payload), (record) => ({ record, type: any.RecordType }))
          : Effect.succeed({ record: undefined, type: any.RecordType })
    ),
    Effect.mapError((error) =>
      WebhookSource.payloadInvalid(PROVIDER, operation, "not a Postmark webhook record", error.issue)
    )
  )

/**
 * Bounce types retrying cannot fix; every other type (`SoftBounce`,
 * `Transient`, `DnsError`, `AutoResponder`, …) is soft. An address Postmark
 * deactivated (`Inactive: true`) is hard whatever the type: Postmark refuses
 * the next send to it.
 *
 * @internal
 */
export const hardBounceTypes: ReadonlySet<string> = new Set([
  "HardBounce",
  "BadEmailAddress",
  "ManuallyDeactivated",
  "Blocked",
  "DMARCPolicy",
  "SpamNotification"
])

/** @internal */
export const bounceOf = (type: string, inactive: boolean | undefined): DeliveryEvent.Bounce =>
  inactive === true || hardBounceTypes.has(type) ? "hard" : "soft"

/**
 * Delivery-event ids shared with reconciliation (`PostmarkStatus`), so a
 * bounce seen by both is recorded once: bounces and complaints by Postmark's
 * bounce id, a delivery by message and recipient, opens and clicks by time.
 *
 * @internal
 */
export const ids = {
  bounced: (bounceId: string | number) => `${PROVIDER}:bounce:${bounceId}`,
  complained: (bounceId: string | number) => `${PROVIDER}:complaint:${bounceId}`,
  delivered: (messageId: string, recipient: string) => `${PROVIDER}:delivered:${messageId}:${recipient.toLowerCase()}`,
  at: (status: DeliveryEvent.Status, messageId: string, recipient: string, at: string) =>
    `${PROVIDER}:${status}:${messageId}:${recipient.toLowerCase()}:${at}`
} as const

const fieldsOf = (record: KnownRecord) => {
  switch (record.RecordType) {
    case "Delivery":
      return {
        id: ids.delivered(record.MessageID, record.Recipient),
        status: "delivered" as const,
        ...(record.Details === undefined || record.Details === "" ? {} : { description: record.Details })
      }
    case "Bounce":
    case "SpamComplaint": {
      const bounced = record.RecordType === "Bounce"
      const description = record.Details || record.Description
      return {
        id: bounced ? ids.bounced(record.ID) : ids.complained(record.ID),
        status: bounced ? ("bounced" as const) : ("complained" as const),
        ...(bounced ? { bounce: bounceOf(record.Type, record.Inactive) } : {}),
        providerCode: String(record.TypeCode),
        ...(description === undefined || description === "" ? {} : { description })
      }
    }
    case "Open":
      return { id: ids.at("opened", record.MessageID, record.Recipient, record.ReceivedAt), status: "opened" as const }
    case "Click":
      return {
        id: ids.at("clicked", record.MessageID, record.Recipient, record.ReceivedAt),
        status: "clicked" as const,
        url: record.OriginalLink
      }
    case "SubscriptionChange":
      return undefined
  }
}

/**
 * The delivery events a Postmark record carries: one for `Delivery`,
 * `Bounce`, `SpamComplaint`, `Open` and `Click`; none for
 * `SubscriptionChange` (a preference, not a delivery) or other types.
 *
 * @internal
 */
export const deliveryEvents = (
  payload: unknown
): Effect.Effect<ReadonlyArray<DeliveryEvent.DeliveryEvent>, IntegrationError.IntegrationError> =>
  Effect.flatMap(decodeRecord(payload, "deliveryEvents"), ({ record }) => {
    const fields = record === undefined ? undefined : fieldsOf(record)
    if (record === undefined || fields === undefined) return Effect.succeed([])
    const occurredAt = Date.parse(occurredAtText(record))
    return Effect.try({
      try: () => [
        new DeliveryEvent.DeliveryEvent({
          recipient: "Recipient" in record ? record.Recipient : record.Email,
          ...fields,
          channel: "email",
          provider: PROVIDER,
          messageId: record.MessageID,
          occurredAt,
          source: "webhook"
        })
      ],
      catch: () => unreadable(PROVIDER, "deliveryEvents", `not a Postmark ${record.RecordType} record`)
    })
  })
