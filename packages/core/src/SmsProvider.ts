/**
 * The SMS port: what core asks of any SMS provider, and the messages and
 * receipts that cross the seam.
 *
 * An adapter (Twilio, Vonage, a simulator) provides {@link SmsProvider} with a
 * layer; failover swaps one layer for another. Numbers are E.164 so that every
 * provider reads them the same way.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { SmsProvider } from "@wedsync/core"
 *
 * const remind = Effect.gen(function*() {
 *   const sms = yield* SmsProvider.SmsProvider
 *   return yield* sms.send(new SmsProvider.SmsMessage({
 *     from: "+15005550006",
 *     to: "+447700900123",
 *     body: "Your florist arrives at 9 am tomorrow."
 *   }))
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Context, type Effect, Schema } from "effect"
import type { IntegrationError } from "./IntegrationError.ts"
import { NonEmptyString } from "./Fields.ts"

/**
 * A phone number in E.164: `+`, a country code, at most 15 digits in all, no
 * spaces or punctuation.
 *
 * @example
 * ```ts
 * Schema.decodeUnknownSync(SmsProvider.PhoneNumber)("+447700900123")
 * ```
 * @since 0.1.0
 */
export const PhoneNumber = Schema.String.check(
  Schema.isPattern(/^\+[1-9]\d{1,14}$/, { message: "expected an E.164 phone number like +447700900123" })
)

/**
 * An SMS to send. `statusCallbackUrl` asks the provider for delivery reports
 * (Twilio `StatusCallback`; Vonage takes its callback from account settings).
 * `idempotencyKey` travels as the provider's client reference where it has one
 * (Vonage `client-ref`), so a retry can be matched to the first attempt.
 *
 * @example
 * ```ts
 * const message = new SmsProvider.SmsMessage({
 *   from: "+15005550006",
 *   to: "+15558675310",
 *   body: "Rehearsal moved to 6 pm.",
 *   statusCallbackUrl: "https://hooks.wedsync.example/sms/status",
 *   metadata: { weddingId: "w_123" }
 * })
 * ```
 * @since 0.1.0
 */
export class SmsMessage extends Schema.Class<SmsMessage>("@wedsync/core/SmsProvider/SmsMessage")({
  to: PhoneNumber,
  from: PhoneNumber,
  body: NonEmptyString,
  statusCallbackUrl: Schema.optional(
    Schema.String.check(Schema.isPattern(/^https?:\/\/\S+$/, { message: "expected an http(s) URL" }))
  ),
  idempotencyKey: Schema.optional(NonEmptyString),
  metadata: Schema.optional(Schema.Record(Schema.String, Schema.String))
}) {}

/**
 * Where a message stands, in words shared by every provider. At send time it
 * is usually `queued` or `accepted`; later states arrive through webhooks.
 *
 * @example
 * ```ts
 * const status: SmsProvider.SmsStatus = "queued"
 * ```
 * @since 0.1.0
 */
export const SmsStatus = Schema.Literals([
  "accepted",
  "queued",
  "sending",
  "sent",
  "delivered",
  "undelivered",
  "failed"
])

/** @since 0.1.0 */
export type SmsStatus = typeof SmsStatus.Type

/**
 * The provider took the message. `segments` is the number of parts billed,
 * when the provider says (Twilio `numSegments`, Vonage `message-count`).
 *
 * @example
 * ```ts
 * const receipt: SmsProvider.SmsReceipt = { provider: "twilio", messageId: "SM3f1c", segments: 1, status: "queued" }
 * ```
 * @since 0.1.0
 */
export const SmsReceipt = Schema.Struct({
  /** Who took the message, e.g. `"twilio"`. */
  provider: Schema.String,
  /** The provider's message id (Twilio `sid`, Vonage `message-id`), the key its webhooks refer to. */
  messageId: NonEmptyString,
  segments: Schema.optional(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))),
  status: SmsStatus
})

/** @since 0.1.0 */
export type SmsReceipt = typeof SmsReceipt.Type

/**
 * The SMS port. Every operation fails with an `IntegrationError`; adapters
 * classify wire quirks into it (Vonage answers HTTP 200 with a failed status
 * inside) and never throw or retry.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { SmsProvider } from "@wedsync/core"
 *
 * const layer = Layer.succeed(
 *   SmsProvider.SmsProvider,
 *   SmsProvider.SmsProvider.of({
 *     provider: "console",
 *     send: (message) => Effect.succeed({ provider: "console", messageId: "1", status: "accepted" })
 *   })
 * )
 * ```
 * @since 0.1.0
 */
export class SmsProvider extends Context.Service<
  SmsProvider,
  {
    /** The provider's name, e.g. `"twilio"`; failover reports it as who served. */
    readonly provider: string
    /** Hands one message to the provider. */
    readonly send: (message: SmsMessage) => Effect.Effect<SmsReceipt, IntegrationError>
  }
>()("@wedsync/core/SmsProvider") {}
