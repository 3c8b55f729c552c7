/**
 * Notifications: one message to one person, over the channels they can be
 * reached on, through whichever provider can take it.
 *
 * `send(recipient, message, { channels })` tries the channels in order. Inside
 * a channel it fails over across that channel's providers (`Failover.run`:
 * Twilio → Vonage, Resend → Postmark), so a provider outage or rate limit is
 * absorbed there and a `Rejected` recipient is never re-sent through the
 * backup provider. When every provider of a channel has failed — for any
 * reason, since another channel is another address — the next channel is
 * tried (SMS → email). The result names the channel and provider that served
 * and every attempt on the way; a failure (`NotificationError`) does the same
 * and carries the deciding reason, so `Effect.catchReason("NotificationError",
 * "Rejected", …)` reads it.
 *
 * Wedding-date-aware policy comes from the wedding in context
 * (`WeddingContext.provide`): `wedding_day_critical` work is never retried in
 * the call, it fails over at once.
 *
 * Durable mode (`offer` + `handlers`) hands the send to the `Outbox`: it
 * survives restarts, is retried later by the service's deferred-retry table
 * and is dead-lettered, whole, when retries run out.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Notifications } from "@wedsync/core"
 * import { Postmark, Resend } from "@wedsync/adapter-email"
 * import { Twilio, Vonage } from "@wedsync/adapter-sms"
 *
 * const layer = Notifications.layer({
 *   email: { from: "WedSync <reminders@wedsync.example>", providers: [Resend.layer(resend), Postmark.layer(postmark)] },
 *   sms: { from: "+15005550006", providers: [Twilio.layer(twilio), Vonage.layer(vonage)] }
 * })
 *
 * const remind = Notifications.send(
 *   { name: "Ana Lopez", email: "ana@example.com", phone: "+447700900123" },
 *   { subject: "Your tasting is tomorrow", text: "See you at 3 pm at Villa Rosa." },
 *   { channels: ["sms", "email"] }
 * )
 * // { channel: "email", provider: "postmark", messageId: "…", attempts: [twilio failed, vonage failed, resend failed, postmark success] }
 * ```
 *
 * @since 0.1.0
 */
import { Clock, Context, Duration, Effect, Layer, Option, Schema, type Scope } from "effect"
import * as Correlation from "./Correlation.ts"
import * as Deliveries from "./Deliveries.ts"
import * as DeliveryEvent from "./DeliveryEvent.ts"
import * as EmailProvider from "./EmailProvider.ts"
import * as Failover from "./Failover.ts"
import * as IntegrationError from "./IntegrationError.ts"
import { invalid, outgoing, skipped, viaChannel } from "./internal/notifications.ts"
import { Metadata, NonEmptyString } from "./internal/schemas.ts"
import * as Outbox from "./Outbox.ts"
import type { Resilience } from "./Resilience.ts"
import * as SmsProvider from "./SmsProvider.ts"
import type * as StoreError from "./StoreError.ts"
import * as WeddingContext from "./WeddingContext.ts"

/**
 * Who a notification is for. It needs an address for at least one of the
 * channels it is sent on.
 *
 * @example
 * ```ts
 * const ana: Notifications.Recipient = { name: "Ana Lopez", email: "ana@example.com", phone: "+447700900123" }
 * ```
 * @since 0.1.0
 */
export const Recipient = Schema.Struct({
  /** Shown with the email address (`Ana Lopez <ana@example.com>`). */
  name: Schema.optional(Schema.String.check(Schema.isPattern(/^[^<>\r\n]*$/, { message: "no <, > or line breaks" }))),
  email: Schema.optional(Schema.String.check(Schema.isPattern(/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/))),
  phone: Schema.optional(SmsProvider.PhoneNumber)
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

/** One provider step of one channel. @since 0.1.0 */
export const Attempt = Schema.Struct({ channel: Channel, ...Failover.Attempt.fields })

/** @since 0.1.0 */
export type Attempt = typeof Attempt.Type

/** Options of one send. @since 0.1.0 */
export interface SendOptions {
  /** The channels to try, in order, e.g. `["sms", "email"]`. */
  readonly channels: readonly [Channel, ...Array<Channel>]
  /** Passed to every provider that honours one; the channel is appended (`<key>:sms`). */
  readonly idempotencyKey?: string | undefined
}

/**
 * A notification went out: on which channel, through which provider, with
 * which provider message id (the key its delivery events refer to), and every
 * attempt made on the way.
 *
 * @since 0.1.0
 */
export interface Sent {
  readonly channel: Channel
  readonly provider: string
  readonly messageId: string
  readonly attempts: ReadonlyArray<Attempt>
}

/**
 * No channel could send. `reason` is the deciding reason (of the last channel
 * tried), `lastError` that channel's last provider error, `attempts` every step.
 *
 * @since 0.1.0
 */
export class NotificationError extends Schema.TaggedError<NotificationError>(
  "@wedsync/core/Notifications/NotificationError"
)("NotificationError", {
  reason: IntegrationError.Reason,
  channels: Schema.Array(Channel),
  attempts: Schema.Array(Attempt),
  lastError: IntegrationError.IntegrationError
}) {
  override get message(): string {
    const tried = this.attempts
      .map((attempt) => `${attempt.channel}/${attempt.provider}: ${attempt.reason ?? attempt.outcome}`)
      .join(", ")
    return `notification failed on every channel (${tried || "nothing tried"})`
  }
}

/** How one channel is set up: the sender and the providers, primary first. @since 0.1.0 */
export interface ChannelSetup<S extends Failover.Port> {
  /** The From address (email) or number (SMS). */
  readonly from: string
  readonly providers: Failover.Plan<S>
  /** SMS only: where providers post status callbacks (Twilio `StatusCallback`). */
  readonly statusCallbackUrl?: string | undefined
  /** When `Deliveries` is provided: how long after acceptance a delivery event is overdue (default SMS 10 minutes, email 30). */
  readonly deliveryExpectedWithin?: Duration.Input | undefined
}

/** The channels a `Notifications` service can use; at least one. @since 0.1.0 */
export interface Setup {
  readonly email?: ChannelSetup<EmailProvider.EmailProvider["Service"]> | undefined
  readonly sms?: ChannelSetup<SmsProvider.SmsProvider["Service"]> | undefined
}

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
    ) => Effect.Effect<Sent, NotificationError, Resilience>
  }
>()("@wedsync/core/Notifications") {}

const expected: Record<Channel, Duration.Duration> = { sms: Duration.minutes(10), email: Duration.minutes(30) }

/**
 * Hands an accepted message to `Deliveries`, when it is provided, so webhooks
 * settle it and reconciliation asks about it when its event is overdue. The
 * message has gone out: a store failure here is logged, never the send's failure.
 */
const track = (
  setup: Setup,
  accepted: {
    readonly channel: Channel
    readonly provider: string
    readonly messageId: string
    readonly recipient: string | undefined
  }
) =>
  Effect.flatMap(Effect.serviceOption(Deliveries.Deliveries), (deliveries) => {
    if (Option.isNone(deliveries)) return Effect.void
    return Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const within = setup[accepted.channel]?.deliveryExpectedWithin
      const wait = within === undefined ? expected[accepted.channel] : Duration.fromInputUnsafe(within)
      const correlationId = yield* Correlation.current
      const wedding = yield* WeddingContext.CurrentWedding
      yield* deliveries.value.track({
        ...accepted,
        ...(accepted.recipient === undefined ? {} : { recipient: accepted.recipient }),
        acceptedAt: now,
        dueBy: now + Duration.toMillis(wait),
        ...(correlationId === undefined ? {} : { correlationId }),
        ...(wedding === undefined ? {} : { weddingId: wedding.weddingId })
      })
    }).pipe(
      Effect.catch((error) =>
        Effect.logWarning(`notification ${accepted.provider}/${accepted.messageId} sent but not tracked`, error)
      )
    )
  })

const decodeRecipient = Schema.decodeUnknownEffect(Recipient)
const decodeMessage = Schema.decodeUnknownEffect(Message)

/**
 * Builds the service from channel set-ups whose provider plans are already
 * built (see {@link layer} to build them from adapter layers).
 *
 * @example
 * ```ts
 * const notifications = Notifications.make({
 *   email: { from: "reminders@wedsync.example", providers: Failover.fromServices("email", [resend, postmark]) }
 * })
 * ```
 * @since 0.1.0
 */
export const make = (setup: Setup): Notifications["Service"] => {
  const send = (recipient: Recipient, message: Message, options: SendOptions) =>
    Effect.gen(function* () {
      const channels = options.channels
      const fail = (attempts: ReadonlyArray<Attempt>, lastError: IntegrationError.IntegrationError) =>
        new NotificationError({ reason: lastError.reason, channels: [...channels], attempts: [...attempts], lastError })
      const who = yield* Effect.mapError(Effect.all([decodeRecipient(recipient), decodeMessage(message)]), (error) =>
        fail([], invalid(`the notification is invalid: ${error.message}`))
      )
      const attempts: Array<Attempt> = []
      let lastError: IntegrationError.IntegrationError | undefined
      for (const channel of channels) {
        const out = yield* Effect.result(outgoing(setup, channel, who[0], who[1], options.idempotencyKey))
        if (out._tag === "Failure") {
          attempts.push({ ...skipped(channel, "InvalidRequest"), outcome: "failed" })
          lastError = out.failure
          continue
        }
        if (out.success._tag === "Skip") {
          attempts.push(skipped(channel, out.success.reason))
          continue
        }
        const startedAt = yield* Clock.currentTimeMillis
        const result = yield* Effect.result(viaChannel(out.success))
        if (result._tag === "Success") {
          const { provider, messageId } = result.success
          for (const attempt of result.success.attempts) attempts.push({ channel, ...attempt })
          const recipient = channel === "sms" ? who[0].phone : who[0].email
          yield* track(setup, { channel, provider, messageId, recipient })
          return { channel, provider, messageId, attempts } satisfies Sent
        }
        for (const attempt of result.failure.attempts) attempts.push({ channel, ...attempt })
        lastError = result.failure.lastError
        yield* Effect.logInfo(
          `notification: ${channel} failed (${result.failure.reason._tag}) after ${(yield* Clock.currentTimeMillis) - startedAt} ms`
        )
      }
      return yield* Effect.fail(
        fail(
          attempts,
          lastError ??
            invalid(
              `the recipient cannot be reached on ${channels.join(" or ")}: ${attempts.map((a) => `${a.channel} ${a.reason}`).join(", ")}`
            )
        )
      )
    })
  return Notifications.of({ send })
}

/** Adapter layers for one channel, primary first. @since 0.1.0 */
export interface ChannelLayers<I, E, R> {
  readonly from: string
  readonly providers: readonly [Layer.Layer<I, E, R>, ...Array<Layer.Layer<I, E, R>>]
  readonly statusCallbackUrl?: string | undefined
  readonly deliveryExpectedWithin?: Duration.Input | undefined
}

/**
 * The service from adapter layers: each channel's providers are built once
 * into a failover plan.
 *
 * @example
 * ```ts
 * const NotificationsLive = Notifications.layer({
 *   email: { from: "WedSync <reminders@wedsync.example>", providers: [Resend.layer(resend), Postmark.layer(postmark)] },
 *   sms: { from: "+15005550006", providers: [Twilio.layer(twilio), Vonage.layer(vonage)] }
 * })
 * ```
 * @since 0.1.0
 */
export const layer = <E1 = never, R1 = never, E2 = never, R2 = never>(channels: {
  readonly email?: ChannelLayers<EmailProvider.EmailProvider, E1, R1> | undefined
  readonly sms?: ChannelLayers<SmsProvider.SmsProvider, E2, R2> | undefined
}): Layer.Layer<Notifications, E1 | E2, Exclude<R1 | R2, Scope.Scope>> =>
  Layer.effect(
    Notifications,
    Effect.gen(function* () {
      const email =
        channels.email === undefined
          ? undefined
          : {
              from: channels.email.from,
              deliveryExpectedWithin: channels.email.deliveryExpectedWithin,
              providers: yield* Failover.plan(EmailProvider.EmailProvider, {
                service: "email",
                steps: channels.email.providers
              })
            }
      const sms =
        channels.sms === undefined
          ? undefined
          : {
              from: channels.sms.from,
              statusCallbackUrl: channels.sms.statusCallbackUrl,
              deliveryExpectedWithin: channels.sms.deliveryExpectedWithin,
              providers: yield* Failover.plan(SmsProvider.SmsProvider, {
                service: "sms",
                steps: channels.sms.providers
              })
            }
      return make({ email, sms })
    })
  )

/**
 * Sends one notification through the `Notifications` in context.
 *
 * @example
 * ```ts
 * const sent = yield* Notifications.send(ana, reminder, { channels: ["sms", "email"] })
 * sent.channel // "email" when no SMS provider could take it
 * ```
 * @since 0.1.0
 */
export const send = (
  recipient: Recipient,
  message: Message,
  options: SendOptions
): Effect.Effect<Sent, NotificationError, Notifications | Resilience> =>
  Effect.flatMap(Effect.service(Notifications), (notifications) => notifications.send(recipient, message, options))

/**
 * The outbox operation durable notifications run under; register
 * {@link handlers} with `Outbox.worker` to run them.
 *
 * @since 0.1.0
 */
export const operation = "notifications.send"

/**
 * What a durable notification stores: everything `send` needs and nothing
 * secret (credentials stay in the provider layers).
 *
 * @since 0.1.0
 */
export const Payload = Schema.Struct({
  recipient: Recipient,
  message: Message,
  channels: Schema.NonEmptyArray(Channel)
})

/** @since 0.1.0 */
export type Payload = typeof Payload.Type

/** A durable notification. @since 0.1.0 */
export interface OfferInput {
  /** The business key: offering the same id twice sends once; it is also the providers' idempotency key. */
  readonly id: string
  readonly recipient: Recipient
  readonly message: Message
  readonly channels: readonly [Channel, ...Array<Channel>]
  /** The wedding it is for: decides the lane and the retry policy (`wedding_day_critical` is never retried). */
  readonly wedding?: WeddingContext.WeddingInput | undefined
  /** Past this instant (epoch ms) it is dead-lettered as `Expired` instead of retried… */
  readonly mustArriveBy?: number | undefined
  /** …unless it should be delivered late. */
  readonly late?: "deadLetter" | "deliver" | undefined
  /** After this instant a replay from the dead letters marks it `Stale`. */
  readonly relevantUntil?: number | undefined
  readonly correlationId?: string | undefined
}

const decodePayload = Schema.decodeUnknownEffect(Payload)

/**
 * Hands a notification to the outbox: it is persisted before this returns,
 * sent by a worker running {@link handlers}, retried later by the policy's
 * deferred-retry table when every channel failed for a transient reason, and
 * dead-lettered (every attempt kept, replayable) when retries run out.
 *
 * @example
 * ```ts
 * yield* Notifications.offer({
 *   id: "reminder:w_123:headcount",
 *   recipient: { email: "ana@example.com", phone: "+447700900123" },
 *   message: { subject: "Final headcount due Friday", text: "Please confirm your headcount." },
 *   channels: ["sms", "email"],
 *   wedding: { weddingId: "w_123", weddingDate: "2027-06-12", vendorType: "venue" },
 *   mustArriveBy: Date.parse("2027-06-05T09:00:00Z")
 * })
 * ```
 * @since 0.1.0
 */
export const offer = (
  input: OfferInput
): Effect.Effect<Outbox.Offered, StoreError.StoreError | Schema.SchemaError, Outbox.Outbox> =>
  Effect.flatMap(
    decodePayload({ recipient: input.recipient, message: input.message, channels: input.channels }),
    (payload) =>
      Effect.flatMap(Effect.service(Outbox.Outbox), (outbox) =>
        outbox.offer({
          id: input.id,
          service: payload.channels[0],
          operation,
          payload,
          ...(input.wedding === undefined ? {} : { wedding: input.wedding }),
          ...(input.mustArriveBy === undefined ? {} : { mustArriveBy: input.mustArriveBy }),
          ...(input.late === undefined ? {} : { late: input.late }),
          ...(input.relevantUntil === undefined ? {} : { relevantUntil: input.relevantUntil }),
          ...(input.correlationId === undefined ? {} : { correlationId: input.correlationId })
        })
      )
  )

/**
 * The outbox handler for durable notifications, keyed by {@link operation}.
 * It sends with the job id as the idempotency key.
 *
 * @example
 * ```ts
 * yield* Outbox.worker({ ...Notifications.handlers, ...otherHandlers })
 * ```
 * @since 0.1.0
 */
export const handlers: { readonly [operation]: Outbox.Handler<Notifications | Resilience> } = {
  [operation]: (job) =>
    Effect.flatMap(
      Effect.mapError(decodePayload(job.payload), (error) =>
        invalid(`a stored notification is unreadable: ${error.message}`)
      ),
      (payload) => send(payload.recipient, payload.message, { channels: payload.channels, idempotencyKey: job.id })
    )
}
