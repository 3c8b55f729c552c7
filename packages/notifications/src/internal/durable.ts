/**
 * Durable notifications: `offer` hands one to the outbox, `handlers` runs it
 * from there, and `sendOrQueue` sends now and queues what a transient failure
 * stopped. `Notifications` re-exports them.
 *
 * @internal
 */
import * as IntegrationError from "@wedsync/core/IntegrationError"
import * as Policy from "@wedsync/core/Policy"
import * as Retry from "@wedsync/core/Retry"
import type * as StoreError from "@wedsync/core/StoreError"
import * as WeddingContext from "@wedsync/core/WeddingContext"
import * as Outbox from "@wedsync/durable/Outbox"
import { Clock, Effect, Schema } from "effect"
import {
  type Attempt,
  Channel,
  distinct,
  Message,
  type NotificationError,
  Notifications,
  Recipient,
  type Sent,
  type SendOptions
} from "./model.ts"
import * as Internal from "./notifications.ts"

const send = (recipient: Recipient, message: Message, options: SendOptions) =>
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
/** Providers whose answer was about this request (a rejected or invalid recipient): not asked again. */
/** How long before its record an attempt may have started: the longest policy timeout plus slack. */
const ATTEMPT_SPAN_MILLIS = 60_000

/**
 * The providers earlier runs left maybe sent, to be asked before this run
 * repeats anything: a durable retry never blindly re-sends what a provider
 * may have taken.
 */
const maybeSentIn = (
  failures: ReadonlyArray<{
    readonly provider?: string | undefined
    readonly delivery?: string | undefined
    readonly at: number
  }>
) => {
  const earliest = new Map<string, number>()
  for (const failure of failures) {
    if (failure.provider === undefined || failure.delivery !== "maybeSent") continue
    const since = Math.max(0, failure.at - ATTEMPT_SPAN_MILLIS)
    earliest.set(failure.provider, Math.min(earliest.get(failure.provider) ?? since, since))
  }
  return [...earliest].map(([provider, since]) => ({ provider, since }))
}

const refusedIn = (
  failures: ReadonlyArray<{ readonly provider?: string | undefined; readonly reason?: string | undefined }>
) => [
  ...new Set(
    failures.flatMap((failure) =>
      failure.provider !== undefined && IntegrationError.familyOf(failure.reason ?? "") === "request"
        ? [failure.provider]
        : []
    )
  )
]

const enqueue = (
  input: OfferInput,
  extra: {
    readonly refusedBy?: ReadonlyArray<string>
    readonly delayMillis?: number
    readonly failedWith?: NotificationError
  }
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
      ...(extra.delayMillis === undefined ? {} : { delayMillis: extra.delayMillis }),
      ...(extra.failedWith === undefined ? {} : { failedWith: extra.failedWith })
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
export const handlers: { readonly [operation]: Outbox.Handler<Notifications> } = {
  [operation]: (job, context) =>
    Effect.flatMap(
      Effect.mapError(decodePayload(job.payload), (schemaError) =>
        Internal.invalid(`a stored notification is unreadable: ${schemaError.message}`)
      ),
      (payload) =>
        send(payload.recipient, payload.message, {
          channels: payload.channels,
          idempotencyKey: job.id,
          refusedBy: [...(payload.refusedBy ?? []), ...refusedIn(context.failures)],
          resolveFirst: maybeSentIn(context.failures)
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
 * The send made here is the notification's first attempt: its failure heads
 * the job's failure chain (and a later dead letter's) and spends the first
 * attempt of the policy's budget, so a notification that never goes out is
 * tried `1 + maxRetries` times in all. A send refused because an operator
 * disabled the integration (reason `Disabled`) is queued too, spends no
 * retry, and is held by the outbox until the integration is enabled again.
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
  Notifications | Outbox.Outbox
> =>
  Effect.gen(function* () {
    const attempt = send(input.recipient, input.message, { channels: input.channels, idempotencyKey: input.id })
    const result = yield* Effect.result(
      input.wedding === undefined ? attempt : attempt.pipe(WeddingContext.provide(input.wedding))
    )
    if (result._tag === "Success") return { _tag: "Sent" as const, sent: result.success }
    const error = result.failure
    // An operator's refusal is not the provider's answer: the outbox holds it until re-enabled.
    if (!error.lastError.isRetryable && error.lastError.family !== "operator") return yield* error
    const now = yield* Clock.currentTimeMillis
    const wedding = input.wedding ?? (yield* WeddingContext.CurrentWedding)
    const resolved =
      wedding === undefined ? undefined : WeddingContext.resolve(WeddingContext.Wedding.make(wedding), now)
    const policy = (yield* Policy.Policies).get(error.service, error.lastError.provider)
    const decision = Retry.decide(error.lastError, policy, resolved, 0)
    const delayMillis = decision.retry ? decision.delayMillis : 0
    const offered = yield* enqueue(input, { refusedBy: refusedIn(error.attempts), delayMillis, failedWith: error })
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
