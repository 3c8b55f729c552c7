/**
 * What Postmark's outbound message details (`GET /messages/outbound/{id}/details`)
 * say about delivery: the latest of its `MessageEvents` as a `DeliveryEvent`.
 *
 * @internal
 */
import { Option, Schema } from "effect"
import { DeliveryEvent } from "@wedsync/core"
import { ids } from "./postmarkEvents.ts"

const Details = Schema.Struct({
  MessageID: Schema.String.check(Schema.isMinLength(1)),
  MessageEvents: Schema.Array(
    Schema.Struct({
      Recipient: Schema.String,
      Type: Schema.String,
      ReceivedAt: Schema.String,
      Details: Schema.optional(Schema.Record(Schema.String, Schema.Unknown))
    })
  )
})

/** The message details, as far as delivery goes. @internal */
export const decodeDetails = Schema.decodeUnknownOption(Details)

type Entry = (typeof Details.Type)["MessageEvents"][number]

const text = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" ? value : typeof value === "number" ? String(value) : undefined

/**
 * A bounce's kind from the details' summary, when the summary names it (the
 * details carry no bounce type; the Bounce webhook does).
 */
const bounceFromSummary = (summary: string | undefined): { readonly bounce?: DeliveryEvent.Bounce } =>
  summary === undefined
    ? {}
    : /\bhard\b/i.test(summary)
      ? { bounce: "hard" }
      : /\bsoft\b|temporar/i.test(summary)
        ? { bounce: "soft" }
        : {}

/** The status and fields of one entry; `undefined` for entries not about delivery (`SubscriptionChanged`). */
const fieldsOf = (messageId: string, entry: Entry) => {
  const details = entry.Details ?? {}
  const summary = text(details.Summary)
  const bounceId = text(details.BounceID)
  const at = (status: DeliveryEvent.Status) => ids.at(status, messageId, entry.Recipient, entry.ReceivedAt)
  const described = (description: string | undefined) => (description === undefined ? {} : { description })
  switch (entry.Type) {
    case "Delivered":
      return {
        id: ids.delivered(messageId, entry.Recipient),
        status: "delivered" as const,
        ...described(text(details.DeliveryMessage))
      }
    case "Transient":
      return { id: at("delayed"), status: "delayed" as const, ...described(text(details.DeliveryMessage) ?? summary) }
    case "Bounced":
      return {
        id: bounceId === undefined ? at("bounced") : ids.bounced(bounceId),
        status: "bounced" as const,
        ...bounceFromSummary(summary),
        ...described(summary)
      }
    case "SpamComplaint":
      return {
        id: bounceId === undefined ? at("complained") : ids.complained(bounceId),
        status: "complained" as const,
        ...described(summary)
      }
    case "Opened":
      return { id: at("opened"), status: "opened" as const }
    case "LinkClicked": {
      const url = text(details.Link) ?? text(details.OriginalLink)
      return { id: at("clicked"), status: "clicked" as const, ...(url === undefined ? {} : { url }) }
    }
    default:
      return undefined
  }
}

/**
 * The latest delivery event in a message's details, `None` when it has none
 * yet (queued, or sent with no news); `undefined` when an entry's time cannot
 * be read (the answer is then treated as unreadable).
 *
 * @internal
 */
export const latestEvent = (details: typeof Details.Type): Option.Option<DeliveryEvent.DeliveryEvent> | undefined => {
  let latest: { readonly entry: Entry; readonly at: number } | undefined
  for (const entry of details.MessageEvents) {
    const at = Date.parse(entry.ReceivedAt)
    if (Number.isNaN(at) || at < 0) return undefined
    // Entries at the same instant keep their order: a complaint follows its delivery.
    if (fieldsOf(details.MessageID, entry) !== undefined && (latest === undefined || at >= latest.at)) {
      latest = { entry, at }
    }
  }
  if (latest === undefined) return Option.none()
  const fields = fieldsOf(details.MessageID, latest.entry)
  if (fields === undefined) return Option.none()
  return Option.some(
    new DeliveryEvent.DeliveryEvent({
      ...fields,
      channel: "email",
      provider: "postmark",
      messageId: details.MessageID,
      recipient: latest.entry.Recipient,
      occurredAt: latest.at,
      source: "reconciliation"
    })
  )
}
