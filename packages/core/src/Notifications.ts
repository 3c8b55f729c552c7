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
import * as Deliveries from "./Deliveries.ts"
import * as DeliveryEvent from "./DeliveryEvent.ts"
import * as EmailProvider from "./EmailProvider.ts"
import * as Failover from "./Failover.ts"
import * as IntegrationError from "./IntegrationError.ts"
import * as Internal from "./internal/notifications.ts"
import { Metadata, NonEmptyString } from "./internal/schemas.ts"
import * as Outbox from "./Outbox.ts"
import * as Policy from "./Policy.ts"
import type { Resilience } from "./Resilience.ts"
import * as Retry from "./Retry.ts"
import * as SmsProvider from "./SmsProvider.ts"
import type * as StoreError from "./StoreError.ts"
import * as WeddingContext from "./WeddingContext.ts"

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
 * One step of one channel: a provider's attempt, or a channel skipped
 * (`provider: "none"`, reason `NoAddress`, `InvalidAddress`, `NotConfigured`,
 * `InvalidMessage` or `RefusedEarlier`).
 *
 * @since 0.1.0
 */
export const Attempt = Schema.Struct({ channel: Channel, ...Failover.Attempt.fields })

/** @since 0.1.0 */
export type Attempt = typeof Attempt.Type

const distinct = Schema.makeFilter<ReadonlyArray<string>>((channels) =>
  new Set(channels).size === channels.length ? true : "each channel at most once"
)

/**
 * Options of one send.
 *
 * @example
 * ```ts
 * const options: Notifications.SendOptions = { channels: ["sms", "email"], idempotencyKey: "reminder:w_123:tasting" }
 * ```
 * @since 0.1.0
 */
export const SendOptions = Schema.Struct({
  /** The channels to try, in order, each at most once, e.g. `["sms", "email"]`. */
  channels: Schema.NonEmptyArray(Channel).check(distinct),
  /** Passed to every provider that honours one (Resend; Vonage `client-ref`), the channel appended (`<key>:sms`). */
  idempotencyKey: Schema.optional(NonEmptyString),
  /** Providers that refused this recipient before (durable retries pass them): their channel is not asked again. */
  refusedBy: Schema.optional(Schema.Array(Schema.String))
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
  "@wedsync/core/Notifications/NotificationError"
)("NotificationError", {
  reason: IntegrationError.Reason,
  service: Channel,
  channels: Schema.Array(Channel),
  attempts: Schema.Array(Attempt),
  lastError: IntegrationError.IntegrationError
}) {
  override get message(): string {
    const tried = this.attempts
      .map((attempt) => `${attempt.channel}/${attempt.provider}: ${attempt.reason ?? attempt.outcome}`)
      .join(", ")
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
    ) => Effect.Effect<Sent, NotificationError, Resilience>
  }
>()("@wedsync/core/Notifications") {}

const expected: Record<Channel, Duration.Duration> = { sms: Duration.minutes(10), email: Duration.minutes(30) }
const decodeInput = Schema.decodeUnknownEffect(Schema.Tuple([Recipient, Message, SendOptions]))
// a sender may carry a display name (`WedSync <reminders@…>`); recipients' addresses are checked by Internal.isAddress
const isSender: Record<Channel, (from: string) => boolean> = {
  email: Schema.is(EmailProvider.EmailAddress),
  sms: Internal.isAddress.sms
}

const misconfigured = (description: string) => Internal.error(new IntegrationError.Misconfigured({ description }))

/** Checks a set-up once, when the service is built, so a bad sender fails the layer, not every send. */
const configure = (setup: Setup): Effect.Effect<Internal.Config, IntegrationError.IntegrationError> =>
  Effect.gen(function* () {
    const channel = <S extends Failover.Port>(name: Channel, given: ChannelSetup<S> | undefined) =>
      Effect.gen(function* () {
        if (given === undefined) return undefined
        if (!isSender[name](given.from)) {
          return yield* misconfigured(
            `the ${name} sender "${given.from}" is not a valid ${name === "email" ? "address" : "E.164 number"}`
          )
        }
        const within = Duration.fromInput(given.deliveryExpectedWithin ?? expected[name])
        if (Option.isNone(within)) return yield* misconfigured(`${name}.deliveryExpectedWithin is not a duration`)
        return {
          from: given.from,
          providers: given.providers,
          statusCallbackUrl: given.statusCallbackUrl,
          expectedWithin: within.value
        } satisfies Internal.ChannelConfig<S>
      })
    const email = yield* channel("email", setup.email)
    const sms = yield* channel("sms", setup.sms)
    if (email === undefined && sms === undefined) return yield* misconfigured("no channel is set up")
    return { email, sms }
  })

/** The spec's words when a later channel served (SPEC-WS-198's SMS fallback message). */
const fallbackMessage = (from: Channel, to: Channel, permanent: boolean): string => {
  const instead = `${to === "sms" ? "SMS" : "email"} notification sent instead`
  return `${Internal.label[from]} ${permanent ? "could not reach the recipient" : "temporarily unavailable"}, ${instead}`
}

/** A transient failure on any channel decides over a permanent one, so the send is retried while one may work. */
const deciding = (
  failures: ReadonlyArray<{ readonly channel: Channel; readonly error: IntegrationError.IntegrationError }>
) => failures.findLast((failure) => failure.error.isRetryable) ?? failures.at(-1)

/**
 * Builds the service from channel set-ups whose provider plans are already
 * built (see {@link layer} to build them from adapter layers). Fails with
 * `Misconfigured` when no channel is set up or a sender is not an address.
 *
 * @example
 * ```ts
 * const notifications = yield* Notifications.make({
 *   email: { from: "reminders@wedsync.example", providers: Failover.fromServices("email", [resend, postmark]) }
 * })
 * ```
 * @since 0.1.0
 */
export const make = (
  setup: Setup,
  options: { readonly deliveries?: Deliveries.Deliveries["Service"] | undefined } = {}
): Effect.Effect<Notifications["Service"], IntegrationError.IntegrationError> =>
  Effect.map(configure(setup), (config) => {
    const send = (recipient: Recipient, message: Message, sendOptions: SendOptions) =>
      Effect.gen(function* () {
        const [who, what, how] = yield* Effect.mapError(
          decodeInput([recipient, message, sendOptions]),
          (schemaError) => {
            const problem = Internal.invalid(`the notification is invalid: ${schemaError.message}`)
            return new NotificationError({
              reason: problem.reason,
              service: "email",
              channels: [],
              attempts: [],
              lastError: problem
            })
          }
        )
        const attempts: Array<Attempt> = []
        const failures: Array<{ channel: Channel; error: IntegrationError.IntegrationError; permanent: boolean }> = []
        for (const channel of how.channels) {
          const out = yield* Internal.outgoing(config, channel, { recipient: who, message: what }, how)
          if (out._tag === "Skip") {
            attempts.push({ channel, provider: "none", outcome: "skipped", reason: out.reason, durationMillis: 0 })
            if (out.error !== undefined) failures.push({ channel, error: out.error, permanent: true })
            continue
          }
          const result = yield* Effect.result(Internal.viaChannel(out))
          if (result._tag === "Failure") {
            for (const attempt of result.failure.attempts) attempts.push({ channel, ...attempt })
            const failed = result.failure.lastError
            failures.push({ channel, error: failed, permanent: !failed.isRetryable && !failed.canFailover })
            yield* Effect.logInfo(`notification: ${channel} failed (${result.failure.reason._tag})`)
            continue
          }
          const { provider, messageId } = result.success
          for (const attempt of result.success.attempts) attempts.push({ channel, ...attempt })
          const address = channel === "sms" ? who.phone : who.email
          yield* Internal.track(options.deliveries, out.config.expectedWithin, {
            channel,
            provider,
            messageId,
            recipient: address
          })
          const first = failures.find((failure) => failure.channel !== channel)
          return {
            channel,
            provider,
            messageId,
            attempts,
            ...(first === undefined
              ? {}
              : {
                  fallback: { from: first.channel, message: fallbackMessage(first.channel, channel, first.permanent) }
                })
          } satisfies Sent
        }
        const decided = deciding(failures)
        const lastError =
          decided?.error ??
          Internal.invalid(
            `the recipient has no address for ${how.channels.join(" or ")} (${attempts.map((attempt) => `${attempt.channel}: ${attempt.reason}`).join(", ")})`
          )
        return yield* new NotificationError({
          reason: lastError.reason,
          service: decided?.channel ?? how.channels[0],
          channels: [...how.channels],
          attempts,
          lastError
        })
      })
    return Notifications.of({ send })
  })

/** Adapter layers for one channel, primary first. @since 0.1.0 */
export interface ChannelLayers<L> {
  readonly from: string
  readonly providers: L
  readonly statusCallbackUrl?: string | undefined
  readonly deliveryExpectedWithin?: Duration.Input | undefined
}

// biome-ignore lint/suspicious/noExplicitAny: a constraint only; each layer's own E and R are inferred
type Providers<I> = readonly [Layer.Layer<I, any, any>, ...ReadonlyArray<Layer.Layer<I, any, any>>]

/**
 * The service from adapter layers: each channel's providers are built once
 * into a failover plan. When a `Deliveries` is provided to this layer (or is in
 * the context of a send), accepted messages are tracked in it. Building fails
 * with `Misconfigured` when no channel is given or a sender is not an address.
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
export const layer = <
  const Email extends Providers<EmailProvider.EmailProvider> = never,
  const Sms extends Providers<SmsProvider.SmsProvider> = never
>(channels: {
  readonly email?: ChannelLayers<Email> | undefined
  readonly sms?: ChannelLayers<Sms> | undefined
}): Layer.Layer<
  Notifications,
  Layer.Error<Email[number]> | Layer.Error<Sms[number]> | IntegrationError.IntegrationError,
  Exclude<Layer.Services<Email[number]> | Layer.Services<Sms[number]>, Scope.Scope>
> =>
  Layer.effect(
    Notifications,
    Effect.gen(function* () {
      const build = <I, S extends Failover.Port>(
        tag: Context.Key<I, S>,
        service: Channel,
        given: ChannelLayers<Providers<I>> | undefined
      ) =>
        given === undefined
          ? Effect.succeed(undefined)
          : Effect.map(Failover.plan(tag, { service, steps: given.providers }), (providers) => ({
              ...given,
              providers
            }))
      const email = yield* build(EmailProvider.EmailProvider, "email", channels.email)
      const sms = yield* build(SmsProvider.SmsProvider, "sms", channels.sms)
      const deliveries = yield* Effect.serviceOption(Deliveries.Deliveries)
      return yield* make({ email, sms } as Setup, { deliveries: Option.getOrUndefined(deliveries) })
    })
  )

/**
 * Sends one notification through the `Notifications` in context.
 *
 * @example
 * ```ts
 * const sent = yield* Notifications.send(ana, reminder, { channels: ["sms", "email"] })
 * sent.channel // "email" when no SMS provider could take it
 * sent.fallback?.message // "SMS temporarily unavailable, email notification sent instead"
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

const reachable = Schema.makeFilter<{
  readonly recipient: Recipient
  readonly channels: ReadonlyArray<Channel>
}>((payload) =>
  payload.channels.some((channel) =>
    channel === "sms"
      ? payload.recipient.phone !== undefined && Internal.isAddress.sms(payload.recipient.phone)
      : payload.recipient.email !== undefined && Internal.isAddress.email(payload.recipient.email)
  )
    ? true
    : `the recipient has no valid address for ${payload.channels.join(" or ")}`
)

/**
 * What a durable notification stores: everything `send` needs and no
 * credentials (they stay in the provider layers). The message text is stored
 * as given, in the queue and, if it is dead-lettered, in the dead letters:
 * keep one-time codes and magic links out of notifications that are offered.
 *
 * @since 0.1.0
 */
export const Payload = Schema.Struct({
  recipient: Recipient,
  message: Message,
  channels: Schema.NonEmptyArray(Channel).check(distinct),
  /** Providers that already refused the recipient: their channel is skipped. */
  refusedBy: Schema.optional(Schema.Array(Schema.String))
}).check(reachable)

/** @since 0.1.0 */
export type Payload = typeof Payload.Type

/** A durable notification. @since 0.1.0 */
export interface OfferInput {
  /** The business key: offering the same id twice sends once. It is the idempotency key of providers that honour one (Resend; Vonage `client-ref`), with the channel appended. */
  readonly id: string
  readonly recipient: Recipient
  readonly message: Message
  readonly channels: readonly [Channel, ...Array<Channel>]
  /** The wedding it is for (default: the one in context): decides the lane and the retry policy. */
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
const refusing = new Set<string>(["Rejected", "InvalidRequest"])

/** Providers whose answer was about the recipient (a rejected or invalid address): not asked again. */
const refusedIn = (failures: ReadonlyArray<{ readonly provider: string; readonly reason?: string | undefined }>) => [
  ...new Set(failures.filter((failure) => refusing.has(failure.reason ?? "")).map((failure) => failure.provider))
]

const enqueue = (
  input: OfferInput,
  extra: { readonly refusedBy?: ReadonlyArray<string>; readonly delayMillis?: number }
) =>
  Effect.gen(function* () {
    const payload = yield* decodePayload({
      recipient: input.recipient,
      message: input.message,
      channels: input.channels,
      ...(extra.refusedBy === undefined || extra.refusedBy.length === 0 ? {} : { refusedBy: extra.refusedBy })
    })
    const wedding = input.wedding ?? (yield* WeddingContext.CurrentWedding)
    const outbox = yield* Outbox.Outbox
    return yield* outbox.offer({
      id: input.id,
      service: payload.channels[0],
      operation,
      payload,
      ...(wedding === undefined
        ? {}
        : { wedding: Schema.encodeSync(WeddingContext.Wedding)(WeddingContext.Wedding.make(wedding)) }),
      ...(input.mustArriveBy === undefined ? {} : { mustArriveBy: input.mustArriveBy }),
      ...(input.late === undefined ? {} : { late: input.late }),
      ...(input.relevantUntil === undefined ? {} : { relevantUntil: input.relevantUntil }),
      ...(input.correlationId === undefined ? {} : { correlationId: input.correlationId }),
      ...(extra.delayMillis === undefined ? {} : { delayMillis: extra.delayMillis })
    })
  })

/**
 * Hands a notification to the outbox: it is persisted before this returns,
 * sent by a worker running {@link handlers}, retried later by the policy of
 * the channel that failed transiently, and dead-lettered (every attempt kept,
 * replayable) when retries run out. A recipient with no valid address for any
 * of the channels is refused here, as a `SchemaError`, not stored.
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
): Effect.Effect<Outbox.Offered, StoreError.StoreError | Schema.SchemaError, Outbox.Outbox> => enqueue(input, {})

/**
 * The outbox handler for durable notifications, keyed by {@link operation}.
 * It sends with the job id as the idempotency key and skips the channels of
 * providers that refused the recipient in earlier runs, so an opted-out number
 * is not messaged again while email is being retried.
 *
 * @example
 * ```ts
 * yield* Outbox.worker({ ...Notifications.handlers, ...otherHandlers })
 * ```
 * @since 0.1.0
 */
export const handlers: { readonly [operation]: Outbox.Handler<Notifications | Resilience> } = {
  [operation]: (job, context) =>
    Effect.flatMap(
      Effect.mapError(decodePayload(job.payload), (schemaError) =>
        Internal.invalid(`a stored notification is unreadable: ${schemaError.message}`)
      ),
      (payload) =>
        send(payload.recipient, payload.message, {
          channels: payload.channels,
          idempotencyKey: job.id,
          refusedBy: [...(payload.refusedBy ?? []), ...refusedIn(context.failures)]
        })
    )
}

/**
 * A notification that could not go out now and waits in the outbox: `message`
 * is the product's words for it ("Email queued for delivery when service is
 * restored"), `retryAt` when the policy will try again.
 *
 * @since 0.1.0
 */
export interface Queued {
  readonly id: string
  readonly lane: Outbox.Lane
  readonly retryAt: number
  readonly message: string
  readonly attempts: ReadonlyArray<Attempt>
}

/**
 * Sends now, and when no channel can take it because of a transient failure,
 * queues it in the outbox to be retried by policy instead of failing: the
 * caller learns `Sent` or `Queued`, and the notification is never lost. A
 * permanent refusal (every channel rejected the recipient) still fails, since
 * a retry cannot help. On the wedding day, when the policy allows no waiting,
 * it is queued to run at once and, failing again, kept in the dead letters.
 *
 * @example
 * ```ts
 * const outcome = yield* Notifications.sendOrQueue({ id: "reminder:w_123:tasting", recipient: ana, message, channels: ["email"] })
 * if (outcome._tag === "Queued") console.log(outcome.message) // "Email queued for delivery when service is restored"
 * ```
 * @since 0.1.0
 */
export const sendOrQueue = (
  input: OfferInput
): Effect.Effect<
  { readonly _tag: "Sent"; readonly sent: Sent } | ({ readonly _tag: "Queued" } & Queued),
  NotificationError | StoreError.StoreError | Schema.SchemaError,
  Notifications | Resilience | Outbox.Outbox
> =>
  Effect.gen(function* () {
    const attempt = send(input.recipient, input.message, { channels: input.channels, idempotencyKey: input.id })
    const result = yield* Effect.result(
      input.wedding === undefined ? attempt : attempt.pipe(WeddingContext.provide(input.wedding))
    )
    if (result._tag === "Success") return { _tag: "Sent" as const, sent: result.success }
    const error = result.failure
    if (!error.lastError.isRetryable) return yield* error
    const now = yield* Clock.currentTimeMillis
    const wedding = input.wedding ?? (yield* WeddingContext.CurrentWedding)
    const resolved =
      wedding === undefined ? undefined : WeddingContext.resolve(WeddingContext.Wedding.make(wedding), now)
    const policy = (yield* Policy.Policies).get(error.service, error.lastError.provider)
    const decision = Retry.decide(error.lastError, policy, resolved, 0)
    const delayMillis = decision.retry ? decision.delayMillis : 0
    const offered = yield* enqueue(input, { refusedBy: refusedIn(error.attempts), delayMillis })
    const name = Internal.label[error.service]
    return {
      _tag: "Queued" as const,
      id: offered.id,
      lane: offered.lane,
      retryAt: now + delayMillis,
      message: `${name} queued for delivery when service is restored`,
      attempts: error.attempts
    }
  })
