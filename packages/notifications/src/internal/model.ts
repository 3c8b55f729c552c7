/**
 * The notification models and the service tag, shared by sending
 * (`Notifications.ts`) and the durable mode (`internal/durable.ts`);
 * `Notifications` re-exports them.
 *
 * @internal
 */
import * as DeliveryEvent from "@wedsync/core/DeliveryEvent"
import type * as EmailProvider from "@wedsync/core/EmailProvider"
import * as Failover from "@wedsync/core/Failover"
import { Metadata, NonEmptyString } from "@wedsync/core/Fields"
import * as IntegrationError from "@wedsync/core/IntegrationError"
import type * as SmsProvider from "@wedsync/core/SmsProvider"
import { Context, type Duration, type Effect, Schema } from "effect"

/**
 * Who a notification is for. Each address is checked by the channel that
 * uses it (an email like `ana@example.com`, an E.164 number like
 * `+447700900123`): a bad phone number skips SMS, it does not stop the email.
 *
 * @example
 * ```ts
 * const ana: Notifications.Recipient = { name: "Ana Lopez", email: "ana@example.com", phone: "+447700900123" }
 * ```
 * @since 0.1.0
 */
export const Recipient = Schema.Struct({
  /** Shown with the email address, quoted (`"Ana Lopez" <ana@example.com>`). */
  name: Schema.optional(
    Schema.String.check(Schema.isPattern(/^[^<>\r\n]*$/, { message: "a name has no <, > or line breaks" }))
  ),
  email: Schema.optional(Schema.String),
  phone: Schema.optional(Schema.String)
})

/** @since 0.1.0 */
export type Recipient = typeof Recipient.Type

/**
 * What to say. `text` is the email's plain body and, unless `sms` is given,
 * the SMS body too; keep a short `sms` version for long emails.
 *
 * @example
 * ```ts
 * const message: Notifications.Message = {
 *   subject: "Final headcount due Friday",
 *   text: "Please confirm your final headcount with Villa Rosa by Friday.",
 *   sms: "Headcount due Fri — reply to Villa Rosa.",
 *   metadata: { weddingId: "w_123" }
 * }
 * ```
 * @since 0.1.0
 */
export const Message = Schema.Struct({
  subject: NonEmptyString,
  text: NonEmptyString,
  html: Schema.optional(Schema.String),
  sms: Schema.optional(NonEmptyString),
  metadata: Schema.optional(Metadata)
})

/** @since 0.1.0 */
export type Message = typeof Message.Type

/** The channels, in the order of preference given per send. @since 0.1.0 */
export const Channel = DeliveryEvent.Channel

/** @since 0.1.0 */
export type Channel = DeliveryEvent.Channel

/**
 * Why a whole channel was skipped: no providers set up (`NotConfigured`),
 * the recipient has no address for it (`NoAddress`) or an unusable one
 * (`InvalidAddress`), the message cannot be built for it (`InvalidMessage`),
 * or its providers refused this recipient in an earlier run (`RefusedEarlier`).
 *
 * @example
 * ```ts
 * const reason: Notifications.ChannelSkipReason = "NoAddress"
 * ```
 * @since 0.1.0
 */
export const ChannelSkipReason = Schema.Literals([
  "NotConfigured",
  "NoAddress",
  "InvalidAddress",
  "InvalidMessage",
  "RefusedEarlier"
])

/** @since 0.1.0 */
export type ChannelSkipReason = typeof ChannelSkipReason.Type

/**
 * One step of one channel: a provider's attempt, or a whole channel skipped
 * before any provider was asked (no `provider`, a {@link ChannelSkipReason}).
 *
 * @example
 * ```ts
 * const skipped: Notifications.Attempt = { channel: "sms", outcome: "skipped", reason: "NoAddress", durationMillis: 0 }
 * ```
 * @since 0.1.0
 */
export const Attempt = Schema.Struct({
  channel: Channel,
  provider: Schema.optional(Schema.String),
  outcome: Failover.Attempt.fields.outcome,
  reason: Schema.optional(Schema.Union([Failover.AttemptReason, ChannelSkipReason])),
  /** On a failed provider attempt: whether the request may have reached the provider. */
  delivery: Failover.Attempt.fields.delivery,
  /** On a maybe-sent provider attempt: what resolving it found (`MaybeSent.Outcome`). */
  resolution: Failover.Attempt.fields.resolution,
  durationMillis: Schema.Number
})

/** @since 0.1.0 */
export type Attempt = typeof Attempt.Type

/** Channels listed at most once each. @internal */
export const distinct = Schema.makeFilter<ReadonlyArray<string>>((channels) =>
  new Set(channels).size === channels.length ? true : "each channel at most once"
)

/**
 * Options of one send.
 *
 * @example
 * ```ts
 * const options: Notifications.SendOptions = {
 *   channels: ["sms", "email"],
 *   idempotencyKey: "reminder:w_123:tasting",
 *   deadlineMillis: 10_000
 * }
 * ```
 * @since 0.1.0
 */
export const SendOptions = Schema.Struct({
  /** The channels to try, in order, each at most once, e.g. `["sms", "email"]`. */
  channels: Schema.NonEmptyArray(Channel).check(distinct),
  /**
   * Passed to every provider, the channel appended (`<key>:sms`): Resend's
   * `Idempotency-Key`, Vonage's `client-ref`, Postmark's `wedsync_ref`
   * metadata; what a maybe-sent message is found by. A random one when omitted;
   * give a stable one (a job id) when the send may be repeated later.
   */
  idempotencyKey: Schema.optional(NonEmptyString),
  /** Providers that refused this recipient before (durable retries pass them): their channel is not asked again. */
  refusedBy: Schema.optional(Schema.Array(Schema.String)),
  /**
   * The whole send's deadline across every channel and provider, in
   * milliseconds from its start; 10 000 (the spec's switch within 10 s for an
   * interactive send) when omitted. Each provider gets at most
   * `min(its policy's timeout, what remains)`; providers reached after it are
   * skipped unmade (`"DeadlineExceeded"`).
   */
  deadlineMillis: Schema.optional(Schema.Int.check(Schema.isGreaterThan(0))),
  /**
   * Maybe-sent attempts of an earlier run of this send (durable retries pass
   * them): each provider is asked first whether it has the message (`since`:
   * when that attempt started, epoch ms), and a found one completes the send
   * without repeating it. Needs the same `idempotencyKey` as that run.
   */
  resolveFirst: Schema.optional(
    Schema.Array(Schema.Struct({ provider: Schema.String, since: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)) }))
  )
})

/** @since 0.1.0 */
export type SendOptions = typeof SendOptions.Type

/**
 * A notification went out: on which channel, through which provider, with
 * which provider message id (the key its delivery events refer to), and every
 * attempt made on the way. `fallback` is set when an earlier channel failed,
 * with the product's words for it ("SMS temporarily unavailable, email
 * notification sent instead").
 *
 * @since 0.1.0
 */
export interface Sent {
  readonly channel: Channel
  readonly provider: string
  readonly messageId: string
  readonly attempts: ReadonlyArray<Attempt>
  readonly fallback?: { readonly from: Channel; readonly message: string } | undefined
}

/**
 * No channel could send. `reason` is the deciding reason and `service` its
 * channel: a transient failure on any channel wins over a permanent one
 * elsewhere, so a durable send is retried, under that channel's policy, while
 * any channel may still work. `lastError` is the deciding provider error,
 * `attempts` every step.
 *
 * @since 0.1.0
 */
export class NotificationError extends Schema.TaggedError<NotificationError>(
  "@wedsync/notifications/Notifications/NotificationError"
)("NotificationError", {
  reason: IntegrationError.Reason,
  service: Channel,
  channels: Schema.Array(Channel),
  attempts: Schema.Array(Attempt),
  lastError: IntegrationError.IntegrationError
}) {
  override get message(): string {
    const tried = this.attempts
      .map(
        (attempt) =>
          `${attempt.provider === undefined ? attempt.channel : `${attempt.channel}/${attempt.provider}`}: ${attempt.reason ?? attempt.outcome}`
      )
      .join(", ")
    const held = this.attempts.at(-1)
    if (held?.resolution === "notFound" || held?.resolution === "unknown") {
      return `notification may have been sent by ${held.provider} on ${held.channel} (${tried}); held unresolved, not repeated: ${this.lastError.message}`
    }
    return `notification not sent on ${this.channels.join(" or ")} (${tried || "nothing tried"}): ${this.lastError.message}`
  }
}

/** How one channel is set up: the sender and the providers, primary first. @since 0.1.0 */
export interface ChannelSetup<S extends Failover.Port> {
  /** The From address (email) or E.164 number (SMS). */
  readonly from: string
  readonly providers: Failover.Plan<S>
  /** SMS only: where providers post status callbacks (Twilio `StatusCallback`). */
  readonly statusCallbackUrl?: string | undefined
  /** With `Deliveries`: how long after acceptance a delivery event is overdue (default SMS 10 minutes, email 30). */
  readonly deliveryExpectedWithin?: Duration.Input | undefined
}

type EmailSetup = ChannelSetup<EmailProvider.EmailProvider["Service"]>
type SmsSetup = ChannelSetup<SmsProvider.SmsProvider["Service"]>

/** The channels a `Notifications` service can use: at least one. @since 0.1.0 */
export type Setup =
  | { readonly email: EmailSetup; readonly sms?: SmsSetup | undefined }
  | { readonly email?: EmailSetup | undefined; readonly sms: SmsSetup }

/**
 * The notifications service.
 *
 * @since 0.1.0
 */
export class Notifications extends Context.Service<
  Notifications,
  {
    readonly send: (
      recipient: Recipient,
      message: Message,
      options: SendOptions
    ) => Effect.Effect<Sent, NotificationError>
  }
>()("@wedsync/notifications/Notifications") {}
