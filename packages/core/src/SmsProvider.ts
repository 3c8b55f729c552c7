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
import type * as MaybeSent from "./MaybeSent.ts"
import { BodyText, HeaderText, NonEmptyString, textProblem } from "./Fields.ts"
import { named, reportingAll } from "./internal/construct.ts"

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

const isHttpUrl = (value: string): boolean => /^https?:\/\/\S+$/.test(value) && URL.canParse(value)

/**
 * A URL the provider calls back: `http` or `https`, one that parses, with no
 * control characters.
 *
 * @example
 * ```ts
 * Schema.decodeUnknownSync(SmsProvider.CallbackUrl)("https://hooks.wedsync.example/sms/status")
 * ```
 * @since 0.1.0
 */
export const CallbackUrl = Schema.String.check(
  Schema.makeFilter((value: string) => textProblem(value) ?? (isHttpUrl(value) ? undefined : "expected an http(s) URL"))
)

const SmsMessageFields = Schema.Struct({
  to: PhoneNumber,
  from: PhoneNumber,
  body: BodyText.check(Schema.isMinLength(1, { message: "an SMS needs a body" })),
  statusCallbackUrl: Schema.optional(CallbackUrl),
  idempotencyKey: Schema.optional(HeaderText.check(Schema.isMinLength(1))),
  metadata: Schema.optional(Schema.Record(Schema.String, Schema.String))
})

/**
 * An SMS to send. `statusCallbackUrl` asks the provider for delivery reports
 * (Twilio `StatusCallback`; Vonage takes its callback from account settings).
 * `idempotencyKey` travels as the provider's client reference where it has one
 * (Vonage `client-ref`), so a retry can be matched to the first attempt.
 *
 * The body may hold line breaks and tabs but no other control character and
 * no lone surrogate (half an emoji: carriers garble it). A bad field makes the
 * constructor throw `Fields.InvalidFields` naming it, e.g.
 * `SmsMessage is invalid: body: must not contain control characters …; found U+0000 (NUL) at index 4`.
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
export class SmsMessage extends Schema.Class<SmsMessage>("@wedsync/core/SmsProvider/SmsMessage")(SmsMessageFields) {
  /** Checks every field; throws `Fields.InvalidFields` naming each bad one. */
  constructor(input: (typeof SmsMessageFields)["~type.make.in"], options?: Schema.MakeOptions) {
    try {
      super(input, reportingAll(options))
    } catch (cause) {
      throw named("SmsMessage", cause)
    }
  }
  /** As `new SmsMessage(input)` (an instance is returned as it is). */
  static override make(input: (typeof SmsMessageFields)["~type.make.in"], options?: Schema.MakeOptions): SmsMessage {
    return input instanceof SmsMessage ? input : new SmsMessage(input, options)
  }
}

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
    /**
     * Whether a send that failed as maybe sent reached the provider after all
     * (`MaybeSent`): Twilio lists messages to the recipient and matches the
     * body; Vonage waits for a receipt carrying our `client-ref`. Absent when
     * the provider cannot be asked.
     */
    readonly resolve?: MaybeSent.Resolver<SmsMessage, SmsReceipt> | undefined
  }
>()("@wedsync/core/SmsProvider") {}
