/**
 * The Postmark `EmailProvider`, on the official `postmark` SDK.
 *
 * Every call goes through the SDK's `fetch` option, so the status and
 * Retry-After are kept (the SDK's errors carry no headers) and interrupting the
 * Effect aborts the HTTP request (see `internal/postmarkClient.ts`). The SDK
 * never retries.
 *
 * **No idempotency.** Postmark has no idempotency key: `message.idempotencyKey`
 * cannot be honoured, so a retry after an ambiguous failure (a timeout or a
 * reset after Postmark accepted the message) may send the email twice. The
 * outbox's business key guards against duplicates only where the provider
 * honours idempotency (Resend); with Postmark it stops WedSync from enqueuing
 * the same email twice, not the provider from delivering a retried one twice.
 *
 * @example
 * ```ts
 * import { Config, Redacted } from "effect"
 * import { Postmark } from "@wedsync/adapter-email"
 *
 * const live = Postmark.layer({ serverToken: Redacted.make(process.env.POSTMARK_SERVER_TOKEN ?? "") })
 * const fromEnv = Postmark.layerConfig({ serverToken: Config.Redacted("POSTMARK_SERVER_TOKEN") })
 * ```
 *
 * @since 0.1.0
 */
import { Config, type Duration, Effect, Layer, type Redacted } from "effect"
import { EmailProvider } from "@wedsync/core"
import type { Message } from "postmark"
import { connect, defaultBaseUrl as postmarkApi } from "./internal/postmarkClient.ts"
import { classifyBatchItem, malformed } from "./internal/postmarkErrors.ts"

const PROVIDER = "postmark"

/** Postmark's API. @since 0.1.0 */
export const defaultBaseUrl = postmarkApi

/** Options of the Postmark adapter. @since 0.1.0 */
export interface Options {
  /** The server API token (`X-Postmark-Server-Token`). */
  readonly serverToken: Redacted.Redacted<string>
  /** Default {@link defaultBaseUrl}; a simulator's URL in tests. Only scheme and host are used. */
  readonly baseUrl?: string | undefined
  /** The SDK's own per-request timeout (default 10 s); core's policy usually interrupts first. */
  readonly timeout?: Duration.Input | undefined
  /** The message stream to send on (default `"outbound"`). */
  readonly messageStream?: string | undefined
}

const list = (recipients: EmailProvider.Recipients | undefined): string | undefined =>
  recipients === undefined ? undefined : typeof recipients === "string" ? recipients : recipients.join(", ")

/**
 * The Postmark message for a core message: the first tag → `Tag`, the other
 * tags and `metadata` → `Metadata`.
 *
 * @since 0.1.0
 */
export const toMessage = (message: EmailProvider.EmailMessage, stream: string): Message => {
  const [first, ...rest] = message.tags ?? []
  const metadata = { ...message.metadata, ...Object.fromEntries(rest.map((tag) => [tag.name, tag.value])) }
  const optional = {
    Cc: list(message.cc),
    Bcc: list(message.bcc),
    ReplyTo: list(message.replyTo),
    TextBody: message.text,
    HtmlBody: message.html,
    Tag: first?.value,
    Metadata: Object.keys(metadata).length === 0 ? undefined : metadata,
    Headers:
      message.headers === undefined
        ? undefined
        : Object.entries(message.headers).map(([Name, Value]) => ({ Name, Value }))
  }
  const defined = Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined))
  return { From: message.from, To: list(message.to) ?? "", Subject: message.subject, MessageStream: stream, ...defined }
}

interface SendResult {
  readonly MessageID?: unknown
  readonly SubmittedAt?: unknown
  readonly ErrorCode?: unknown
  readonly Message?: unknown
}

const receipt = (result: SendResult | null | undefined): EmailProvider.EmailReceipt | undefined => {
  if (typeof result !== "object" || result === null) return undefined
  if (typeof result.MessageID !== "string" || result.MessageID.length === 0) return undefined
  const submitted = typeof result.SubmittedAt === "string" ? Date.parse(result.SubmittedAt) : Number.NaN
  return {
    provider: PROVIDER,
    messageId: result.MessageID,
    acceptedAt: Number.isNaN(submitted) ? Date.now() : submitted
  }
}

const batchResult = (item: SendResult, status: number | undefined, secrets: ReadonlyArray<string>) => {
  const code = typeof item?.ErrorCode === "number" ? item.ErrorCode : undefined
  const accepted = code === 0 ? receipt(item) : undefined
  if (accepted !== undefined) return { _tag: "Accepted" as const, receipt: accepted }
  if (code === undefined || code === 0) return { _tag: "Failed" as const, error: malformed("sendBatch", status) }
  const description = typeof item.Message === "string" ? item.Message : undefined
  return { _tag: "Failed" as const, error: classifyBatchItem(code, description, secrets) }
}

/**
 * Builds the Postmark `EmailProvider` service.
 *
 * @since 0.1.0
 */
export const make = (options: Options): EmailProvider.EmailProvider["Service"] => {
  const { call, serverToken } = connect(options)
  const stream = options.messageStream ?? "outbound"
  return EmailProvider.EmailProvider.of({
    provider: PROVIDER,
    send: (message) =>
      call("send", (sdk) => sdk.sendEmail(toMessage(message, stream))).pipe(
        Effect.flatMap(({ value, status }) => {
          const accepted = receipt(value as SendResult)
          return accepted === undefined ? Effect.fail(malformed("send", status)) : Effect.succeed(accepted)
        })
      ),
    sendBatch: (messages) =>
      messages.length === 0
        ? Effect.succeed({ provider: PROVIDER, results: [] })
        : call("sendBatch", (sdk) => sdk.sendEmailBatch(messages.map((message) => toMessage(message, stream)))).pipe(
            Effect.flatMap(({ value, status }) => {
              const items: unknown = value
              return !Array.isArray(items) || items.length !== messages.length
                ? Effect.fail(malformed("sendBatch", status))
                : Effect.succeed({
                    provider: PROVIDER,
                    results: items.map((item: SendResult) => batchResult(item, status, [serverToken]))
                  })
            })
          )
  })
}

/**
 * The Postmark `EmailProvider` layer.
 *
 * @example
 * ```ts
 * const email = Postmark.layer({ serverToken: Redacted.make("pm-token"), messageStream: "outbound" })
 * ```
 * @since 0.1.0
 */
export const layer = (options: Options): Layer.Layer<EmailProvider.EmailProvider> =>
  Layer.sync(EmailProvider.EmailProvider, () => make(options))

/**
 * The Postmark layer with its options read from `Config`.
 *
 * @example
 * ```ts
 * const email = Postmark.layerConfig({
 *   serverToken: Config.Redacted("POSTMARK_SERVER_TOKEN"),
 *   messageStream: Config.String("POSTMARK_MESSAGE_STREAM").pipe(Config.withDefault("outbound"))
 * })
 * ```
 * @since 0.1.0
 */
export const layerConfig = (
  config: Config.Wrap<Options>
): Layer.Layer<EmailProvider.EmailProvider, Config.ConfigError> =>
  Layer.effect(EmailProvider.EmailProvider, Effect.map(Config.unwrap(config), make))
