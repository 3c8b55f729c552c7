/**
 * What happened to a message after a provider accepted it, in words shared by
 * every email and SMS provider: delivered, bounced (hard or soft), complained,
 * opened, clicked, or — for SMS — undelivered or failed with the carrier's code.
 *
 * Events come from two places and take the same path afterwards: a provider's
 * webhook, decoded by its adapter, and reconciliation, which asks the
 * provider's API for the status of a message whose event is overdue (Twilio
 * and Postmark barely retry their webhooks). Adapters that can answer such a
 * question provide a {@link DeliveryStatus}.
 *
 * @example
 * ```ts
 * import { DeliveryEvent } from "@wedsync/core"
 *
 * const bounced = new DeliveryEvent.DeliveryEvent({
 *   id: "postmark:bounce:4323372036854775807",
 *   channel: "email",
 *   provider: "postmark",
 *   messageId: "883953f4-6105-42a2-a16a-77a8eac79483",
 *   status: "bounced",
 *   bounce: "hard",
 *   recipient: "ana@example.com",
 *   providerCode: "1",
 *   occurredAt: 1767225600000,
 *   source: "webhook"
 * })
 * DeliveryEvent.isFinal(bounced) // true
 * ```
 *
 * @since 0.1.0
 */
import { Context, type Effect, type Option, Schema } from "effect"
import type { IntegrationError } from "./IntegrationError.ts"
import { EpochMillis, NonEmptyString } from "./Fields.ts"
import type { WebhookEvent } from "./WebhookSource.ts"

/** The channels a message travels on. @since 0.1.0 */
export const Channel = Schema.Literals(["email", "sms"])

/** @since 0.1.0 */
export type Channel = typeof Channel.Type

/**
 * Where a message stands:
 * - `sent`: handed to the carrier or the recipient's mail server, not yet confirmed;
 * - `delayed`: the receiving side deferred it and the provider keeps trying;
 * - `delivered`: confirmed delivered;
 * - `bounced`: an email the receiving server refused (`bounce` says hard or soft);
 * - `complained`: the recipient marked an email as spam;
 * - `opened`, `clicked`: the recipient engaged (email);
 * - `undelivered`: an SMS the carrier could not deliver;
 * - `failed`: the provider could not send it at all.
 *
 * @example
 * ```ts
 * const status: DeliveryEvent.Status = "delivered"
 * ```
 * @since 0.1.0
 */
export const Status = Schema.Literals([
  "sent",
  "delayed",
  "delivered",
  "bounced",
  "complained",
  "opened",
  "clicked",
  "undelivered",
  "failed"
])

/** @since 0.1.0 */
export type Status = typeof Status.Type

/** A hard bounce will not succeed on retry (no such mailbox); a soft one may (mailbox full). @since 0.1.0 */
export const Bounce = Schema.Literals(["hard", "soft"])

/** @since 0.1.0 */
export type Bounce = typeof Bounce.Type

/**
 * One delivery event for one message.
 *
 * `id` identifies the event itself (a webhook's event id, or a stable id built
 * from the message id and status for reconciliation), so the same event
 * arriving twice — a webhook retried, then found again by reconciliation — is
 * recorded once. `messageId` is the provider's message id from the send
 * receipt. `providerCode` keeps the provider's or carrier's code as given
 * (Twilio `ErrorCode` 30003, Vonage `err-code`, Postmark bounce `TypeCode`).
 *
 * @example
 * ```ts
 * const undelivered = new DeliveryEvent.DeliveryEvent({
 *   id: "twilio:SM3f1c:undelivered",
 *   channel: "sms",
 *   provider: "twilio",
 *   messageId: "SM3f1c",
 *   status: "undelivered",
 *   providerCode: "30003",
 *   description: "Unreachable destination handset",
 *   occurredAt: 1767225600000,
 *   source: "reconciliation"
 * })
 * ```
 * @since 0.1.0
 */
export class DeliveryEvent extends Schema.Class<DeliveryEvent>("@wedsync/core/DeliveryEvent/DeliveryEvent")({
  /** The event's own id, the key it is deduplicated on. */
  id: NonEmptyString,
  channel: Channel,
  /** The provider that accepted the message, e.g. `"postmark"`. */
  provider: NonEmptyString,
  /** The provider's message id, as in the send receipt. */
  messageId: NonEmptyString,
  status: Status,
  /** For `bounced`: whether retrying can help. */
  bounce: Schema.optional(Bounce),
  /** The address or number the event concerns. */
  recipient: Schema.optional(Schema.String),
  /** The provider's or carrier's code, as given. */
  providerCode: Schema.optional(Schema.String),
  /** The provider's words for what happened. */
  description: Schema.optional(Schema.String),
  /** For `clicked`: the link followed. */
  url: Schema.optional(Schema.String),
  /** When it happened, epoch milliseconds (UTC). */
  occurredAt: EpochMillis,
  /** How we learned of it. */
  source: Schema.Literals(["webhook", "reconciliation"])
}) {}

// Every status but the two that say "still on its way".
const finalStatuses: ReadonlySet<Status> = new Set(
  Status.literals.filter((status) => status !== "sent" && status !== "delayed")
)

/**
 * Whether the event settles the message: nothing later will change whether it
 * arrived (`delivered`, `bounced`, `complained`, `undelivered`, `failed`).
 * `opened` and `clicked` imply delivery but arrive only for tracked email.
 *
 * @example
 * ```ts
 * DeliveryEvent.isFinal({ status: "sent" }) // false
 * ```
 * @since 0.1.0
 */
export const isFinal = (event: { readonly status: Status }): boolean => finalStatuses.has(event.status)

/**
 * Whether the event says the message did not arrive.
 *
 * @example
 * ```ts
 * DeliveryEvent.isFailure({ status: "undelivered" }) // true
 * ```
 * @since 0.1.0
 */
export const isFailure = (event: { readonly status: Status }): boolean =>
  event.status === "bounced" || event.status === "undelivered" || event.status === "failed"

/**
 * Turns an authentic webhook event into the delivery events it carries (none
 * for event types that are not about delivery). Fails with `PayloadInvalid`
 * when the body does not match the provider's documented shape.
 *
 * @example
 * ```ts
 * const decode: DeliveryEvent.Decoder = (event) => Effect.succeed([])
 * ```
 * @since 0.1.0
 */
export type Decoder = (event: WebhookEvent) => Effect.Effect<ReadonlyArray<DeliveryEvent>, IntegrationError>

/**
 * Asks a provider's API where a message stands, for reconciliation: Twilio
 * `GET /Messages/{sid}`, Postmark `GET /messages/outbound/{id}/details`. The
 * answer is the latest event the provider reports (`source: "reconciliation"`),
 * or `None` when it has nothing newer than "accepted".
 *
 * @example
 * ```ts
 * import { Effect, Layer, Option } from "effect"
 * import { DeliveryEvent } from "@wedsync/core"
 *
 * const layer = Layer.succeed(
 *   DeliveryEvent.DeliveryStatus,
 *   DeliveryEvent.DeliveryStatus.of({
 *     provider: "console",
 *     channel: "email",
 *     lookup: () => Effect.succeed(Option.none())
 *   })
 * )
 * ```
 * @since 0.1.0
 */
export class DeliveryStatus extends Context.Service<
  DeliveryStatus,
  {
    /** The provider whose messages it can look up, as in their receipts. */
    readonly provider: string
    readonly channel: Channel
    /** The latest status of one message; fails with a classified `IntegrationError` (`Rejected` for an unknown id). */
    readonly lookup: (messageId: string) => Effect.Effect<Option.Option<DeliveryEvent>, IntegrationError>
  }
>()("@wedsync/core/DeliveryEvent/DeliveryStatus") {}
