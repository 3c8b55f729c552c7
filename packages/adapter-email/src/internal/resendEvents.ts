/**
 * Resend's webhook bodies and what they say about delivery: the envelope every
 * event has (`type`, `created_at`, `data`), the `email.*` events' data, and
 * the mapping to core's `DeliveryEvent`.
 *
 * @internal
 */
import { Effect, Schema } from "effect"
import { DeliveryEvent, type IntegrationError, type WebhookSource } from "@wedsync/core"
import { unreadable } from "./webhookAuth.ts"

const PROVIDER = "resend"

/** Every Resend event: `created_at` is when the event happened. @internal */
export const Envelope = Schema.Struct({
  type: Schema.String,
  created_at: Schema.String,
  data: Schema.Record(Schema.String, Schema.Unknown)
})

/** @internal */
export type Envelope = typeof Envelope.Type

const EmailData = Schema.Struct({
  email_id: Schema.String.check(Schema.isMinLength(1)),
  to: Schema.optional(Schema.Array(Schema.String))
})

const Bounced = Schema.Struct({
  bounce: Schema.Struct({
    type: Schema.String,
    subType: Schema.optional(Schema.String),
    message: Schema.optional(Schema.String)
  })
})

const Clicked = Schema.Struct({ click: Schema.Struct({ link: Schema.String }) })
const Failed = Schema.Struct({ failed: Schema.Struct({ reason: Schema.String }) })
const Suppressed = Schema.Struct({ suppressed: Schema.Struct({ type: Schema.String, message: Schema.String }) })

/** An ISO time as epoch milliseconds, or `undefined` when it is not one. @internal */
export const epochMillis = (text: string): number | undefined => {
  const millis = Date.parse(text)
  return Number.isNaN(millis) || millis < 0 ? undefined : millis
}

/**
 * Resend's bounce `type` as hard or soft: `Permanent` will not succeed on a
 * retry; `Transient` and `Undetermined` may, and so may a type Resend adds
 * later (calling a live address dead costs more than one more attempt).
 *
 * @internal
 */
export const bounceOf = (type: string): DeliveryEvent.Bounce => (type === "Permanent" ? "hard" : "soft")

/**
 * The status of each `email.*` event type that is about delivery.
 * `email.suppressed` (Resend did not send to an address on its suppression
 * list) is a failure like `email.failed`.
 *
 * @internal
 */
export const statusByType: Readonly<Record<string, DeliveryEvent.Status>> = {
  "email.sent": "sent",
  "email.delivered": "delivered",
  "email.delivery_delayed": "delayed",
  "email.bounced": "bounced",
  "email.complained": "complained",
  "email.opened": "opened",
  "email.clicked": "clicked",
  "email.failed": "failed",
  "email.suppressed": "failed"
}

/** Statuses an email can reach more than once (each open, each click, each deferral). */
const repeatable: ReadonlySet<DeliveryEvent.Status> = new Set(["delayed", "opened", "clicked"])

/**
 * The id of a delivery event: `resend:<email id>:<status>` for what happens
 * once to an email, so a lookup finding the same status later dedupes
 * against it; with the svix id appended for what can happen many times.
 *
 * @internal
 */
export const deliveryEventId = (emailId: string, status: DeliveryEvent.Status, eventId?: string): string =>
  repeatable.has(status) && eventId !== undefined
    ? `${PROVIDER}:${emailId}:${status}:${eventId}`
    : `${PROVIDER}:${emailId}:${status}`

const decode =
  <S extends Schema.Constraint & { readonly DecodingServices: never }>(schema: S, what: string) =>
  (input: unknown): Effect.Effect<S["Type"], IntegrationError.IntegrationError> =>
    Schema.decodeUnknownEffect(schema)(input).pipe(
      Effect.mapError(() => unreadable(PROVIDER, "deliveryEvents", `not a Resend ${what}`))
    )

type Details = Pick<DeliveryEvent.DeliveryEvent, "bounce" | "providerCode" | "description" | "url">

const details = (type: string, data: unknown): Effect.Effect<Partial<Details>, IntegrationError.IntegrationError> => {
  switch (type) {
    case "email.bounced":
      return Effect.map(decode(Bounced, "email.bounced event")(data), ({ bounce }) => ({
        bounce: bounceOf(bounce.type),
        providerCode: bounce.subType === undefined ? bounce.type : `${bounce.type}/${bounce.subType}`,
        ...(bounce.message === undefined ? {} : { description: bounce.message })
      }))
    case "email.clicked":
      return Effect.map(decode(Clicked, "email.clicked event")(data), ({ click }) => ({ url: click.link }))
    case "email.failed":
      return Effect.map(decode(Failed, "email.failed event")(data), ({ failed }) => ({
        providerCode: failed.reason,
        description: failed.reason
      }))
    case "email.suppressed":
      return Effect.map(decode(Suppressed, "email.suppressed event")(data), ({ suppressed }) => ({
        providerCode: `suppressed/${suppressed.type}`,
        description: suppressed.message
      }))
    default:
      return Effect.succeed({})
  }
}

/**
 * The delivery events one authentic Resend webhook event carries: one for an
 * `email.*` event about delivery, none for the others (`email.received`,
 * `email.scheduled`, `contact.*`, `domain.*`, …).
 *
 * @internal
 */
export const deliveryEvents = (
  event: WebhookSource.WebhookEvent
): Effect.Effect<ReadonlyArray<DeliveryEvent.DeliveryEvent>, IntegrationError.IntegrationError> =>
  Effect.gen(function* () {
    const envelope = yield* decode(Envelope, "event")(event.payload)
    const status = statusByType[envelope.type]
    if (status === undefined) return []
    const occurredAt = epochMillis(envelope.created_at)
    if (occurredAt === undefined) return yield* Effect.fail(unreadable(PROVIDER, "deliveryEvents", "bad created_at"))
    const data = yield* decode(EmailData, `${envelope.type} event`)(envelope.data)
    const extra = yield* details(envelope.type, envelope.data)
    const recipient = data.to?.length === 1 ? { recipient: data.to[0] as string } : {}
    return yield* Effect.try({
      try: () => [
        new DeliveryEvent.DeliveryEvent({
          id: deliveryEventId(data.email_id, status, event.id),
          channel: "email",
          provider: PROVIDER,
          messageId: data.email_id,
          status,
          ...recipient,
          ...extra,
          occurredAt,
          source: "webhook"
        })
      ],
      catch: () => unreadable(PROVIDER, "deliveryEvents", `not a Resend ${envelope.type} event`)
    })
  })
