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
 * The whole send has a deadline (`deadlineMillis`, 10 s by default: the
 * spec's switch within 10 s for an interactive send): each provider gets at
 * most `min(its policy's timeout, what remains)`, and the providers reached
 * after it are skipped unmade (attempt reason `"DeadlineExceeded"`), so four
 * hanging providers across SMS and email never hold a send past it.
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
 * import { Notifications } from "@wedsync/notifications"
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
import { Clock, type Context, Duration, Effect, Layer, Option, Schema, type Scope } from "effect"
import * as Deliveries from "./Deliveries.ts"
import * as EmailProvider from "@wedsync/core/EmailProvider"
import * as Failover from "@wedsync/core/Failover"
import * as IntegrationError from "@wedsync/core/IntegrationError"
import * as MaybeSent from "@wedsync/core/MaybeSent"
import * as WeddingContext from "@wedsync/core/WeddingContext"
import * as Internal from "./internal/notifications.ts"
import * as Resilience from "@wedsync/core/Resilience"
import * as SmsProvider from "@wedsync/core/SmsProvider"
import {
  type Attempt,
  type Channel,
  type ChannelSetup,
  NotificationError,
  Notifications,
  Recipient,
  Message,
  SendOptions,
  type Sent,
  type Setup
} from "./internal/model.ts"

export {
  Attempt,
  Channel,
  ChannelSkipReason,
  Message,
  NotificationError,
  Notifications,
  Recipient,
  SendOptions
} from "./internal/model.ts"
export type { ChannelSetup, Sent, Setup } from "./internal/model.ts"
export { handlers, offer, operation, Payload, sendOrQueue } from "./internal/durable.ts"
export type { OfferInput, Queued } from "./internal/durable.ts"

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
): Effect.Effect<Notifications["Service"], IntegrationError.IntegrationError, Resilience.Resilience> =>
  Effect.gen(function* () {
    const config = yield* configure(setup)
    // Captured here, so a send needs nothing from its caller's context.
    const resilience = yield* Resilience.Resilience
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
        const deadlineAt = (yield* Clock.currentTimeMillis) + (how.deadlineMillis ?? Internal.DEFAULT_DEADLINE_MILLIS)
        // Every send carries a key: Resend dedupes by it, Postmark and Vonage carry it as the reference
        // a maybe-sent message is found by.
        const keyed = how.idempotencyKey === undefined ? { ...how, idempotencyKey: crypto.randomUUID() } : how
        const table = yield* MaybeSent.Policy
        const whenUnresolved = MaybeSent.decide(table, yield* WeddingContext.current)
        // An earlier run's maybe-sent attempts are resolved before anything is repeated.
        for (const earlier of how.resolveFirst ?? []) {
          for (const channel of how.channels) {
            const out = yield* Internal.outgoing(config, channel, { recipient: who, message: what }, keyed)
            if (out._tag === "Skip" || !Internal.providersOf(config, channel).includes(earlier.provider)) continue
            const startedAt = yield* Clock.currentTimeMillis
            const found = yield* Internal.resolveEarlier(out, earlier.provider, earlier.since)
            if (found === undefined) continue
            const durationMillis = (yield* Clock.currentTimeMillis) - startedAt
            attempts.push({
              channel,
              provider: earlier.provider,
              outcome: "success",
              resolution: "found",
              durationMillis
            })
            const address = channel === "sms" ? who.phone : who.email
            yield* Internal.track(options.deliveries, out.config.expectedWithin, {
              channel,
              provider: earlier.provider,
              messageId: found.messageId,
              recipient: address
            })
            return { channel, provider: earlier.provider, messageId: found.messageId, attempts } satisfies Sent
          }
        }
        // Unresolved attempts (each may have delivered a copy) across every channel of this send.
        let possibleCopies = 0
        for (const channel of how.channels) {
          const out = yield* Internal.outgoing(config, channel, { recipient: who, message: what }, keyed)
          if (out._tag === "Skip") {
            attempts.push({ channel, outcome: "skipped", reason: out.reason, durationMillis: 0 })
            if (out.error !== undefined) failures.push({ channel, error: out.error, permanent: true })
            continue
          }
          const remaining = deadlineAt - (yield* Clock.currentTimeMillis)
          const duplicatesLeft = Math.max(0, table.maxDuplicates - possibleCopies)
          const result = yield* Effect.result(Internal.viaChannel(out, remaining, duplicatesLeft))
          if (result._tag === "Failure") {
            for (const attempt of result.failure.attempts) attempts.push({ channel, ...attempt })
            const failed = result.failure.lastError
            failures.push({ channel, error: failed, permanent: !failed.isRetryable && !failed.canFailover })
            yield* Effect.logInfo(`notification: ${channel} failed (${result.failure.reason._tag})`)
            possibleCopies += result.failure.attempts.filter(Internal.unresolved).length
            const last = result.failure.attempts.at(-1)
            // The last provider may have sent it: another channel is another copy, allowed only as one
            // of the policy's bounded duplicates.
            if (last !== undefined && Internal.unresolved(last)) {
              if (whenUnresolved === "hold" || possibleCopies > table.maxDuplicates) {
                break
              }
            }
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
      }).pipe(Effect.provideService(Resilience.Resilience, resilience))
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
): Effect.Effect<Sent, NotificationError, Notifications> =>
  Effect.flatMap(Effect.service(Notifications), (notifications) => notifications.send(recipient, message, options))
