/**
 * The parts of a notification send that are not its public shape: building
 * each channel's provider message for a recipient, and running a channel's
 * failover plan.
 *
 * @internal
 */
import { Effect, Schema } from "effect"
import * as EmailProvider from "../EmailProvider.ts"
import * as Failover from "../Failover.ts"
import * as IntegrationError from "../IntegrationError.ts"
import type { Attempt, Channel, Message, Recipient, Setup } from "../Notifications.ts"
import type { Resilience } from "../Resilience.ts"
import * as SmsProvider from "../SmsProvider.ts"

/** @internal */
export const invalid = (description: string) =>
  IntegrationError.make("notifications", "send", new IntegrationError.InvalidRequest({ description }))

/** @internal */
export const skipped = (channel: Channel, reason: string): Attempt => ({
  channel,
  provider: "none",
  outcome: "skipped",
  reason,
  durationMillis: 0
})

const decodeEmail = Schema.decodeUnknownEffect(EmailProvider.EmailMessage)
const decodeSms = Schema.decodeUnknownEffect(SmsProvider.SmsMessage)

/** The channel's message for this recipient, or why the channel cannot be used. */
/** @internal */
export type Outgoing =
  | {
      readonly _tag: "Email"
      readonly setup: NonNullable<Setup["email"]>
      readonly message: EmailProvider.EmailMessage
    }
  | { readonly _tag: "Sms"; readonly setup: NonNullable<Setup["sms"]>; readonly message: SmsProvider.SmsMessage }
  | { readonly _tag: "Skip"; readonly reason: string }

/** @internal */
export const outgoing = (
  setup: Setup,
  channel: Channel,
  recipient: Recipient,
  message: Message,
  idempotencyKey: string | undefined
): Effect.Effect<Outgoing, IntegrationError.IntegrationError> => {
  const key = idempotencyKey === undefined ? {} : { idempotencyKey: `${idempotencyKey}:${channel}` }
  const metadata = message.metadata === undefined ? {} : { metadata: message.metadata }
  const schemaError = (error: Schema.SchemaError) => invalid(`the ${channel} message is invalid: ${error.message}`)
  if (channel === "email") {
    if (setup.email === undefined) return Effect.succeed({ _tag: "Skip", reason: "NotConfigured" })
    if (recipient.email === undefined) return Effect.succeed({ _tag: "Skip", reason: "NoAddress" })
    const to = recipient.name === undefined ? recipient.email : `${recipient.name} <${recipient.email}>`
    const email = setup.email
    return Effect.mapBoth(
      decodeEmail({
        from: email.from,
        to,
        subject: message.subject,
        text: message.text,
        ...(message.html === undefined ? {} : { html: message.html }),
        ...key,
        ...metadata
      }),
      { onFailure: schemaError, onSuccess: (built): Outgoing => ({ _tag: "Email", setup: email, message: built }) }
    )
  }
  if (setup.sms === undefined) return Effect.succeed({ _tag: "Skip", reason: "NotConfigured" })
  if (recipient.phone === undefined) return Effect.succeed({ _tag: "Skip", reason: "NoAddress" })
  const sms = setup.sms
  return Effect.mapBoth(
    decodeSms({
      from: sms.from,
      to: recipient.phone,
      body: message.sms ?? message.text,
      ...(sms.statusCallbackUrl === undefined ? {} : { statusCallbackUrl: sms.statusCallbackUrl }),
      ...key,
      ...metadata
    }),
    { onFailure: schemaError, onSuccess: (built): Outgoing => ({ _tag: "Sms", setup: sms, message: built }) }
  )
}

/** @internal */
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

/** Sends on one channel through its failover plan. */
/** @internal */
export const viaChannel = (
  out: Exclude<Outgoing, { _tag: "Skip" }>
): Effect.Effect<Accepted, Failover.FailoverError, Resilience> =>
  out._tag === "Email"
    ? Effect.map(
        Failover.run(out.setup.providers, "send", (email) => email.send(out.message)),
        accepted
      )
    : Effect.map(
        Failover.run(out.setup.providers, "send", (sms) => sms.send(out.message)),
        accepted
      )
