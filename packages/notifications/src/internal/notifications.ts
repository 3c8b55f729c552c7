/**
 * The parts of a notification send that are not its public shape: whether
 * and how a channel can be used for a recipient, building the channel's
 * provider message, running the channel's failover plan, and tracking what
 * was accepted in `Deliveries`.
 *
 * @internal
 */
import { Clock, Duration, Effect, Option, Schema } from "effect"
import * as Correlation from "@wedsync/core/Correlation"
import * as Deliveries from "../Deliveries.ts"
import type * as DeliveryEvent from "@wedsync/core/DeliveryEvent"
import * as EmailProvider from "@wedsync/core/EmailProvider"
import * as Failover from "@wedsync/core/Failover"
import * as IntegrationError from "@wedsync/core/IntegrationError"
import * as MaybeSent from "@wedsync/core/MaybeSent"
import type { Resilience } from "@wedsync/core/Resilience"
import * as SmsProvider from "@wedsync/core/SmsProvider"
import * as WeddingContext from "@wedsync/core/WeddingContext"

type Channel = DeliveryEvent.Channel

/** A channel set up for sending, its provider names known. @internal */
export interface ChannelConfig<S extends Failover.Port> {
  readonly from: string
  readonly providers: Failover.Plan<S>
  readonly statusCallbackUrl?: string | undefined
  readonly expectedWithin: Duration.Duration
}

/** @internal */
export interface Config {
  readonly email?: ChannelConfig<EmailProvider.EmailProvider["Service"]> | undefined
  readonly sms?: ChannelConfig<SmsProvider.SmsProvider["Service"]> | undefined
}

/** The parts of a recipient and message a channel needs (already decoded). @internal */
export interface Addressed {
  readonly recipient: {
    readonly name?: string | undefined
    readonly email?: string | undefined
    readonly phone?: string | undefined
  }
  readonly message: {
    readonly subject: string
    readonly text: string
    readonly html?: string | undefined
    readonly sms?: string | undefined
    readonly metadata?: Readonly<Record<string, string>> | undefined
  }
}

/** @internal */
export const error = (reason: IntegrationError.Reason) => IntegrationError.make("notifications", "send", reason)

/** @internal */
export const invalid = (description: string) => error(new IntegrationError.InvalidRequest({ description }))

/** The channel's provider message, ready to send, or why the channel is not used. @internal */
export type Outgoing =
  | {
      readonly _tag: "Email"
      readonly config: NonNullable<Config["email"]>
      readonly message: EmailProvider.EmailMessage
    }
  | { readonly _tag: "Sms"; readonly config: NonNullable<Config["sms"]>; readonly message: SmsProvider.SmsMessage }
  | {
      readonly _tag: "Skip"
      readonly reason: "NotConfigured" | "NoAddress" | "InvalidAddress" | "InvalidMessage" | "RefusedEarlier"
      readonly error?: IntegrationError.IntegrationError | undefined
    }

const decodeEmail = Schema.decodeUnknownEffect(EmailProvider.EmailMessage)
const decodeSms = Schema.decodeUnknownEffect(SmsProvider.SmsMessage)

/**
 * Whether a recipient's address is usable on its channel: a bare email address
 * (the display name travels separately, so no `<`, `,` or `;`), or an E.164 number.
 * The one check `send` and `offer` share.
 *
 * @internal
 */
export const isAddress: Record<Channel, (address: string) => boolean> = {
  email: Schema.is(Schema.String.check(Schema.isPattern(/^[^\s@<>",;]+@[^\s@<>",;]+\.[^\s@<>",;]+$/))),
  sms: Schema.is(SmsProvider.PhoneNumber)
}

/** How the product names a channel in its messages. @internal */
export const label: Record<Channel, string> = { sms: "SMS", email: "Email" }

/** `"Ana Lopez" <ana@example.com>`: quoted, so a comma or an @ in a name is never read as another address. */
const mailbox = (name: string | undefined, email: string) =>
  name === undefined || name === "" ? email : `"${name.replace(/["\\]/g, "\\$&")}" <${email}>`

/** The providers of a channel, by name. @internal */
export const providersOf = (config: Config, channel: Channel): ReadonlyArray<string> =>
  (config[channel]?.providers.steps ?? []).map((step) => step.provider)

/**
 * Whether and how `channel` can carry this notification. `refusedBy` names
 * providers that refused this recipient in an earlier run: their channel is
 * not asked again (an opted-out number stays opted out).
 *
 * @internal
 */
export const outgoing = (
  config: Config,
  channel: Channel,
  { message, recipient }: Addressed,
  options: { readonly idempotencyKey?: string | undefined; readonly refusedBy?: ReadonlyArray<string> | undefined }
): Effect.Effect<Outgoing> => {
  const skip = (
    reason: Extract<Outgoing, { readonly _tag: "Skip" }>["reason"],
    failure?: IntegrationError.IntegrationError
  ) => Effect.succeed<Outgoing>({ _tag: "Skip", reason, error: failure })
  const setup = config[channel]
  if (setup === undefined) {
    return skip(
      "NotConfigured",
      error(new IntegrationError.Misconfigured({ description: `no ${channel} providers are set up` }))
    )
  }
  if (options.refusedBy?.some((provider) => providersOf(config, channel).includes(provider))) {
    return skip("RefusedEarlier")
  }
  const key = options.idempotencyKey === undefined ? {} : { idempotencyKey: `${options.idempotencyKey}:${channel}` }
  const metadata = message.metadata === undefined ? {} : { metadata: message.metadata }
  const unbuildable = (schemaError: Schema.SchemaError): Outgoing => ({
    _tag: "Skip",
    reason: "InvalidMessage",
    error: invalid(`the ${channel} message cannot be built: ${schemaError.message}`)
  })
  if (channel === "email") {
    const email = config.email
    if (email === undefined) return skip("NotConfigured")
    if (recipient.email === undefined) return skip("NoAddress")
    if (!isAddress.email(recipient.email)) {
      return skip("InvalidAddress", invalid(`"${recipient.email}" is not an email address like ana@example.com`))
    }
    return decodeEmail({
      from: email.from,
      to: mailbox(recipient.name, recipient.email),
      subject: message.subject,
      text: message.text,
      ...(message.html === undefined ? {} : { html: message.html }),
      ...key,
      ...metadata
    }).pipe(
      Effect.match({
        onFailure: unbuildable,
        onSuccess: (built): Outgoing => ({ _tag: "Email", config: email, message: built })
      })
    )
  }
  const sms = config.sms
  if (sms === undefined) return skip("NotConfigured")
  if (recipient.phone === undefined) return skip("NoAddress")
  if (!isAddress.sms(recipient.phone)) {
    return skip("InvalidAddress", invalid(`"${recipient.phone}" is not an E.164 phone number like +447700900123`))
  }
  return decodeSms({
    from: sms.from,
    to: recipient.phone,
    body: message.sms ?? message.text,
    ...(sms.statusCallbackUrl === undefined ? {} : { statusCallbackUrl: sms.statusCallbackUrl }),
    ...key,
    ...metadata
  }).pipe(
    Effect.match({
      onFailure: unbuildable,
      onSuccess: (built): Outgoing => ({ _tag: "Sms", config: sms, message: built })
    })
  )
}

/** What a channel's plan gave. @internal */
export interface Accepted {
  readonly provider: string
  readonly messageId: string
  readonly attempts: ReadonlyArray<Failover.Attempt>
}

const accepted = <A extends { readonly messageId: string }>(served: Failover.Served<A>): Accepted => ({
  provider: served.provider,
  messageId: served.value.messageId,
  attempts: served.attempts
})

/** The spec's switch within 10 s: an interactive send's deadline across every channel. @internal */
export const DEFAULT_DEADLINE_MILLIS = 10_000

/** A port's resolver for one message, or unknown when it has none. */
const resolverFor =
  <M, A>(message: M) =>
  (
    port: { readonly resolve?: MaybeSent.Resolver<M, A> | undefined },
    _error: IntegrationError.IntegrationError,
    since: number
  ) =>
    port.resolve === undefined ? Effect.succeed(MaybeSent.unknown()) : port.resolve(message, since)

/**
 * Sends on one channel through its failover plan, within what remains of the
 * send's deadline: a maybe-sent failure is resolved through the provider's
 * own `resolve`, and at most `maxDuplicates` unresolved ones are passed over.
 *
 * @internal
 */
export const viaChannel = (
  out: Exclude<Outgoing, { _tag: "Skip" }>,
  deadlineMillis: number,
  maxDuplicates: number
): Effect.Effect<Accepted, Failover.FailoverError, Resilience> =>
  out._tag === "Email"
    ? Effect.map(
        Failover.run(out.config.providers, "send", (email) => email.send(out.message), {
          deadlineMillis,
          maxDuplicates,
          resolve: resolverFor(out.message)
        }),
        accepted
      )
    : Effect.map(
        Failover.run(out.config.providers, "send", (sms) => sms.send(out.message), {
          deadlineMillis,
          maxDuplicates,
          resolve: resolverFor(out.message)
        }),
        accepted
      )

/** Whether an attempt may have sent the message and nobody could say. @internal */
export const unresolved = (attempt: { readonly resolution?: MaybeSent.Outcome | undefined }): boolean =>
  attempt.resolution === "notFound" || attempt.resolution === "unknown"

/**
 * Hands an accepted message to `Deliveries` (the one the layer was built with,
 * else one in context), so webhooks settle it and reconciliation asks about it
 * when its event is overdue. The message has gone out: a store failure here is
 * logged, never the send's failure.
 *
 * @internal
 */
export const track = (
  deliveries: Deliveries.Deliveries["Service"] | undefined,
  expectedWithin: Duration.Duration,
  sent: {
    readonly channel: Channel
    readonly provider: string
    readonly messageId: string
    readonly recipient?: string | undefined
  }
) =>
  Effect.flatMap(
    deliveries === undefined ? Effect.serviceOption(Deliveries.Deliveries) : Effect.succeed(Option.some(deliveries)),
    (found) => {
      if (Option.isNone(found)) return Effect.void
      return Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const correlationId = yield* Correlation.current
        const wedding = yield* WeddingContext.CurrentWedding
        yield* found.value.track({
          channel: sent.channel,
          provider: sent.provider,
          messageId: sent.messageId,
          ...(sent.recipient === undefined ? {} : { recipient: sent.recipient }),
          acceptedAt: now,
          dueBy: now + Duration.toMillis(expectedWithin),
          ...(correlationId === undefined ? {} : { correlationId }),
          ...(wedding === undefined ? {} : { weddingId: wedding.weddingId })
        })
      }).pipe(
        Effect.catch((cause) =>
          Effect.logWarning(`notification ${sent.provider}/${sent.messageId} was sent but not tracked`, cause)
        )
      )
    }
  )

/**
 * Whether `provider` (one of this channel's) has the message after all: a
 * maybe-sent attempt of an earlier run, resolved before this run repeats
 * anything. Runs on the provider's `"status"` circuit; a failed or missing
 * lookup is `undefined`, as is "not found".
 *
 * @internal
 */
export const resolveEarlier = (
  out: Exclude<Outgoing, { _tag: "Skip" }>,
  provider: string,
  since: number
): Effect.Effect<{ readonly messageId: string } | undefined, never, Resilience> => {
  const ask = <M, A extends { readonly messageId: string }>(
    steps: ReadonlyArray<{ readonly provider: string; readonly resolve?: MaybeSent.Resolver<M, A> | undefined }>,
    message: M
  ) => {
    const step = steps.find((candidate) => candidate.provider === provider)
    if (step?.resolve === undefined) return Effect.succeed(undefined)
    return MaybeSent.ask(step.resolve(message, since), {
      service: out._tag === "Email" ? "email" : "sms",
      provider,
      operation: "send.resolve"
    }).pipe(Effect.map((resolution) => (resolution._tag === "Found" ? resolution.value : undefined)))
  }
  return out._tag === "Email"
    ? ask(out.config.providers.steps.filter(isPort), out.message)
    : ask(out.config.providers.steps.filter(isPort), out.message)
}

const isPort = <S extends Failover.Port>(step: S | Failover.BrokenStep): step is S =>
  !(step instanceof Failover.BrokenStep)
