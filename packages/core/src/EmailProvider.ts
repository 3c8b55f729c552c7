/**
 * The email port: what core asks of any email provider, and the messages and
 * receipts that cross the seam.
 *
 * An adapter (Resend, Postmark, a simulator) provides {@link EmailProvider}
 * with a layer; failover swaps one layer for another. Models are owned here so
 * that no SDK type reaches the code above the port. Timestamps are epoch
 * milliseconds (UTC), the unit of `Clock.currentTimeMillis`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { EmailProvider } from "@wedsync/core"
 *
 * const remind = Effect.gen(function*() {
 *   const email = yield* EmailProvider.EmailProvider
 *   return yield* email.send(new EmailProvider.EmailMessage({
 *     from: "WedSync <reminders@wedsync.example>",
 *     to: "couple@example.com",
 *     subject: "Your tasting is tomorrow",
 *     text: "See you at 3 pm."
 *   }))
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Context, type Effect, Schema } from "effect"
import { IntegrationError } from "./IntegrationError.ts"
import type * as MaybeSent from "./MaybeSent.ts"
import { BodyText, EpochMillis, HeaderText, Metadata, NonEmptyString, textProblem } from "./Fields.ts"
import { named, reportingAll } from "./internal/construct.ts"
import { Attachment, attachmentSize, maxAttachmentBytes } from "./internal/emailAttachment.ts"

export * from "./internal/emailAttachment.ts"

/**
 * An email address, bare (`ana@example.com`) or with a display name
 * (`Ana Lopez <ana@example.com>`), the two forms Resend and Postmark accept.
 * It travels in a header, so no control character (a line break would start
 * a header of the sender's choosing) and no lone surrogate.
 *
 * @example
 * ```ts
 * Schema.decodeUnknownSync(EmailProvider.EmailAddress)("Ana <ana@example.com>")
 * ```
 * @since 0.1.0
 */
export const EmailAddress = Schema.String.check(
  Schema.makeFilter((address: string) => textProblem(address)),
  Schema.isPattern(/^(?:[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+|[^<>]*<[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>)$/, {
    message: "expected an email address like ana@example.com or Ana <ana@example.com>"
  })
)

/**
 * One address or a non-empty list of them.
 *
 * @example
 * ```ts
 * const one: EmailProvider.Recipients = "ana@example.com"
 * const many: EmailProvider.Recipients = ["ana@example.com", "ben@example.com"]
 * ```
 * @since 0.1.0
 */
export const Recipients = Schema.Union([EmailAddress, Schema.NonEmptyArray(EmailAddress)])

/** @since 0.1.0 */
export type Recipients = typeof Recipients.Type

/**
 * A name/value tag for analytics and webhook routing (Resend `tags`; Postmark
 * adapters map the first to `Tag` and the rest to `Metadata`).
 *
 * @example
 * ```ts
 * const tag: EmailProvider.EmailTag = { name: "kind", value: "reminder" }
 * ```
 * @since 0.1.0
 */
export const EmailTag = Schema.Struct({ name: HeaderText.check(Schema.isMinLength(1)), value: HeaderText })

/** @since 0.1.0 */
export type EmailTag = typeof EmailTag.Type

const hasBody = Schema.makeFilter<{ readonly text?: string | undefined; readonly html?: string | undefined }>(
  (message) =>
    (message.text !== undefined && message.text.length > 0) || (message.html !== undefined && message.html.length > 0)
      ? true
      : "an email needs a text or html body (or both)"
)

const headerName = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/**
 * Extra headers, name to value. A name is letters, digits and
 * `!#$%&'*+-.^_`|~` (RFC 9110's token); a value is {@link Fields.HeaderText}.
 * A bad name is refused by name, never dropped.
 *
 * @example
 * ```ts
 * Schema.decodeUnknownSync(EmailProvider.Headers)({ "X-Entity-Ref-ID": "w_123" })
 * ```
 * @since 0.1.0
 */
export const Headers = Schema.Record(Schema.String, HeaderText).check(
  Schema.makeFilter((headers: { readonly [name: string]: string }) => {
    const bad = Object.keys(headers).find((name) => !headerName.test(name))
    return bad === undefined
      ? undefined
      : { path: [bad], issue: "expected a header name like X-Entity-Ref-ID (letters, digits and !#$%&'*+-.^_`|~ only)" }
  })
)

const attachmentsWithinLimit = Schema.makeFilter<{ readonly attachments?: ReadonlyArray<Attachment> | undefined }>(
  (message) => {
    const total = (message.attachments ?? []).reduce((sum, attachment) => sum + attachmentSize(attachment), 0)
    return total <= maxAttachmentBytes
      ? true
      : { path: ["attachments"], issue: `attachments total ${total} bytes; at most ${maxAttachmentBytes} are sent` }
  }
)

const EmailMessageFields = Schema.Struct({
  from: EmailAddress,
  to: Recipients,
  cc: Schema.optional(Recipients),
  bcc: Schema.optional(Recipients),
  replyTo: Schema.optional(Recipients),
  subject: HeaderText,
  text: Schema.optional(BodyText),
  html: Schema.optional(BodyText),
  headers: Schema.optional(Headers),
  tags: Schema.optional(Schema.Array(EmailTag)),
  idempotencyKey: Schema.optional(HeaderText.check(Schema.isMinLength(1))),
  metadata: Schema.optional(Metadata),
  /** Files to attach: each with a safe name and a MIME type, at most {@link maxAttachmentBytes} in all. */
  attachments: Schema.optional(Schema.Array(Attachment))
}).check(hasBody, attachmentsWithinLimit)

/**
 * An email to send. At least one of `text` and `html` must be non-empty.
 * `idempotencyKey` is passed to providers that honour one (Resend) so a retry
 * after an ambiguous failure is not sent twice.
 *
 * Header fields (addresses with their display names, `subject`, `headers`,
 * tags, the idempotency key) refuse every control character and lone
 * surrogates; `text` and `html` allow tab, line feed and carriage return.
 * `attachments` ({@link Attachment}) each need a safe file name and a MIME
 * type, and may carry {@link maxAttachmentBytes} in all. A bad
 * field makes the constructor throw `Fields.InvalidFields` naming it, e.g.
 * `EmailMessage is invalid: subject: must not contain control characters; found U+000A (line feed) at index 9`.
 *
 * @example
 * ```ts
 * const message = new EmailProvider.EmailMessage({
 *   from: "WedSync <reminders@wedsync.example>",
 *   to: ["ana@example.com", "ben@example.com"],
 *   subject: "Final headcount due Friday",
 *   html: "<p>Please confirm your headcount.</p>",
 *   tags: [{ name: "kind", value: "reminder" }],
 *   idempotencyKey: "reminder-w_123-headcount",
 *   metadata: { weddingId: "w_123" }
 * })
 * ```
 * @since 0.1.0
 */
export class EmailMessage extends Schema.Class<EmailMessage>("@wedsync/core/EmailProvider/EmailMessage")(
  EmailMessageFields
) {
  /** Checks every field; throws `Fields.InvalidFields` naming each bad one. */
  constructor(input: (typeof EmailMessageFields)["~type.make.in"], options?: Schema.MakeOptions) {
    try {
      super(input, reportingAll(options))
    } catch (cause) {
      throw named("EmailMessage", cause)
    }
  }
  /** As `new EmailMessage(input)` (an instance is returned as it is). */
  static override make(
    input: (typeof EmailMessageFields)["~type.make.in"],
    options?: Schema.MakeOptions
  ): EmailMessage {
    return input instanceof EmailMessage ? input : new EmailMessage(input, options)
  }
}

/**
 * The provider accepted a message for delivery (not: delivered). Delivery,
 * bounces and complaints arrive later through webhooks.
 *
 * @example
 * ```ts
 * const receipt: EmailProvider.EmailReceipt = { provider: "resend", messageId: "4ef9a417", acceptedAt: 1767225600000 }
 * ```
 * @since 0.1.0
 */
export const EmailReceipt = Schema.Struct({
  /** Who accepted the message, e.g. `"resend"`. */
  provider: Schema.String,
  /** The provider's message id, the key its webhooks refer to. */
  messageId: NonEmptyString,
  /** When the provider accepted the message, epoch milliseconds (UTC). */
  acceptedAt: EpochMillis
})

/** @since 0.1.0 */
export type EmailReceipt = typeof EmailReceipt.Type

/**
 * The outcome of one message of a batch: accepted with a receipt, or failed
 * with a classified error (Postmark answers a batch with a per-message
 * `ErrorCode`, e.g. 406 for an inactive recipient → `Rejected`).
 *
 * @example
 * ```ts
 * const outcome: EmailProvider.BatchResult = {
 *   _tag: "Accepted",
 *   receipt: { provider: "postmark", messageId: "b7bc2f4a", acceptedAt: 1767225600000 }
 * }
 * ```
 * @since 0.1.0
 */
export const BatchResult = Schema.Union([
  Schema.TaggedStruct("Accepted", { receipt: EmailReceipt }),
  Schema.TaggedStruct("Failed", { error: IntegrationError })
])

/** @since 0.1.0 */
export type BatchResult = typeof BatchResult.Type

/**
 * The answer to a batch: one result per message, in the order the messages
 * were given. The batch as a whole fails (with an `IntegrationError`) only when
 * the provider refused the whole request.
 *
 * @example
 * ```ts
 * const failed = batch.results.filter((result) => result._tag === "Failed")
 * ```
 * @since 0.1.0
 */
export const BatchReceipt = Schema.Struct({
  provider: Schema.String,
  results: Schema.Array(BatchResult)
})

/** @since 0.1.0 */
export type BatchReceipt = typeof BatchReceipt.Type

/**
 * The email port. Every operation fails with an `IntegrationError` whose
 * reason decides retry and failover; adapters never throw and never retry.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { EmailProvider } from "@wedsync/core"
 *
 * const layer = Layer.succeed(
 *   EmailProvider.EmailProvider,
 *   EmailProvider.EmailProvider.of({
 *     provider: "console",
 *     send: (message) => Effect.succeed({ provider: "console", messageId: "1", acceptedAt: Date.now() }),
 *     sendBatch: (messages) => Effect.succeed({ provider: "console", results: [] })
 *   })
 * )
 * ```
 * @since 0.1.0
 */
export class EmailProvider extends Context.Service<
  EmailProvider,
  {
    /** The provider's name, e.g. `"resend"`; failover reports it as who served. */
    readonly provider: string
    /** Hands one message to the provider. */
    readonly send: (message: EmailMessage) => Effect.Effect<EmailReceipt, IntegrationError>
    /** Hands several messages to the provider in one request where it has a batch API. */
    readonly sendBatch: (messages: ReadonlyArray<EmailMessage>) => Effect.Effect<BatchReceipt, IntegrationError>
    /**
     * Whether a send that failed as maybe sent reached the provider after all
     * (`MaybeSent`): Resend replays it with the same idempotency key; Postmark
     * searches outbound messages by recipient and the reference we put in
     * their metadata. Absent when the provider cannot be asked.
     */
    readonly resolve?: MaybeSent.Resolver<EmailMessage, EmailReceipt> | undefined
  }
>()("@wedsync/core/EmailProvider") {}
