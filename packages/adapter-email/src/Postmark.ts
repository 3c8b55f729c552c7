/**
 * The Postmark `EmailProvider`, on the official `postmark` SDK.
 *
 * Every call goes through the SDK's `fetch` option, so the status and
 * Retry-After are kept (the SDK's errors carry no headers) and interrupting the
 * Effect aborts the HTTP request (see `internal/postmarkClient.ts`). The SDK
 * never retries.
 *
 * The options are checked before any request: an empty or blank
 * `serverToken` or `messageStream`, a `baseUrl` that is not an http(s) URL, or
 * a `timeout` that is not more than zero and within what a timer can hold
 * (24.8 days) fails `layer` and `layerConfig` to build with a `Misconfigured`
 * error naming the option; `make`'s calls fail with it instead. Nothing
 * thrown in a call escapes as a defect.
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
import { type Config, type Duration, Effect, Layer, type Redacted, Result } from "effect"
import { AdapterConfig, EmailProvider, type IntegrationError, MaybeSent } from "@wedsync/core"
import type { Message } from "postmark"
import { type Connection, connect, defaultBaseUrl as postmarkApi } from "./internal/postmarkClient.ts"
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
  /** The SDK's own per-request timeout (default 10 s; more than zero, at most 24.8 days); core's policy usually interrupts first. */
  readonly timeout?: Duration.Input | undefined
  /** The message stream to send on (default `"outbound"`). */
  readonly messageStream?: string | undefined
}

/**
 * The metadata field that carries a message's idempotency key, so a
 * maybe-sent message can be found by `GET /messages/outbound?metadata_wedsync_ref=…`.
 *
 * @since 0.1.0
 */
export const REFERENCE = "wedsync_ref"

/** The bare address of the first recipient (`"Ana" <ana@example.com>` → `ana@example.com`). */
const firstAddress = (recipients: EmailProvider.Recipients): string => {
  const first = typeof recipients === "string" ? recipients : recipients[0]!
  const angled = /<([^<>]+)>\s*$/.exec(first)
  return (angled?.[1] ?? first).trim()
}

interface Outbound {
  readonly MessageID?: unknown
  readonly ReceivedAt?: unknown
  readonly Metadata?: unknown
}

/** The search hit that carries `reference` in its metadata, as a receipt. */
const foundIn = (value: unknown, reference: string): EmailProvider.EmailReceipt | undefined => {
  const messages: unknown =
    typeof value === "object" && value !== null ? (value as { Messages?: unknown }).Messages : undefined
  if (!Array.isArray(messages)) return undefined
  const hit = messages.find((item: Outbound) => {
    const metadata = item?.Metadata
    return (
      typeof metadata === "object" &&
      metadata !== null &&
      (metadata as Record<string, unknown>)[REFERENCE] === reference &&
      typeof item.MessageID === "string" &&
      item.MessageID !== ""
    )
  }) as Outbound | undefined
  if (hit === undefined) return undefined
  const received = typeof hit.ReceivedAt === "string" ? Date.parse(hit.ReceivedAt) : Number.NaN
  return {
    provider: PROVIDER,
    messageId: hit.MessageID as string,
    acceptedAt: Number.isNaN(received) ? Date.now() : received
  }
}

const list = (recipients: EmailProvider.Recipients | undefined): string | undefined =>
  recipients === undefined ? undefined : typeof recipients === "string" ? recipients : recipients.join(", ")

/**
 * The Postmark message for a core message: the first tag → `Tag`, the other
 * tags and `metadata` → `Metadata`, attachments → `Attachments` as
 * `{ Name, Content (base64), ContentType }`.
 *
 * @since 0.1.0
 */
export const toMessage = (message: EmailProvider.EmailMessage, stream: string): Message => {
  const [first, ...rest] = message.tags ?? []
  const metadata = {
    ...message.metadata,
    ...Object.fromEntries(rest.map((tag) => [tag.name, tag.value])),
    // Postmark takes no idempotency key: our key in the metadata is what `resolve` searches by.
    ...(message.idempotencyKey === undefined ? {} : { [REFERENCE]: message.idempotencyKey })
  }
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
        : Object.entries(message.headers).map(([Name, Value]) => ({ Name, Value })),
    Attachments: message.attachments?.map((attachment) => ({
      Name: attachment.filename,
      Content: EmailProvider.attachmentBase64(attachment),
      ContentType: attachment.contentType,
      ContentID: null
    }))
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

/** The connection and message stream of checked options, or the `Misconfigured` error of the first bad one. */
const settings = (options: Options) =>
  Result.all({
    connection: connect(options),
    stream: AdapterConfig.nonEmptyText("postmark", "messageStream", options.messageStream ?? "outbound")
  })

const service = ({ connection, stream }: { readonly connection: Connection; readonly stream: string }) => {
  const { call, secrets } = connection
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
                    results: items.map((item: SendResult) => batchResult(item, status, secrets))
                  })
            })
          ),
    // A message sent without a key has nothing of ours to search by.
    resolve: (message) => {
      const reference = message.idempotencyKey
      if (reference === undefined) return Effect.succeed(MaybeSent.unknown())
      const filter = { count: 10, offset: 0, recipient: firstAddress(message.to), [`metadata_${REFERENCE}`]: reference }
      return call("resolve", (sdk) => sdk.getOutboundMessages(filter)).pipe(
        Effect.map(({ value }) => {
          const found = foundIn(value, reference)
          return found === undefined ? MaybeSent.notFound : MaybeSent.found(found)
        })
      )
    }
  })
}

/**
 * Builds the Postmark `EmailProvider` service. With options that fail their
 * check (an empty `serverToken`, a `baseUrl` of "not a url"…) every call fails
 * with the `Misconfigured` error naming the option; `layer` fails to build
 * instead.
 *
 * @example
 * ```ts
 * const email = Postmark.make({ serverToken: Redacted.make("pm-token"), baseUrl: "http://127.0.0.1:4011" })
 * ```
 * @since 0.1.0
 */
export const make = (options: Options): EmailProvider.EmailProvider["Service"] =>
  Result.match(settings(options), {
    onSuccess: service,
    onFailure: (error) =>
      EmailProvider.EmailProvider.of({
        provider: PROVIDER,
        send: () => Effect.fail(error),
        sendBatch: () => Effect.fail(error)
      })
  })

const build = (options: Options) =>
  Effect.map(
    Effect.suspend(() => Effect.fromResult(settings(options))),
    service
  )

/**
 * The Postmark `EmailProvider` layer. Fails to build with `Misconfigured`,
 * naming the option, when `serverToken` or `messageStream` is empty or blank,
 * `baseUrl` is not an http(s) URL or `timeout` is not a duration a timer can
 * hold.
 *
 * @example
 * ```ts
 * const email = Postmark.layer({ serverToken: Redacted.make("pm-token"), messageStream: "outbound" })
 * ```
 * @since 0.1.0
 */
export const layer = (options: Options): Layer.Layer<EmailProvider.EmailProvider, IntegrationError.IntegrationError> =>
  Layer.effect(EmailProvider.EmailProvider, build(options))

/**
 * The Postmark layer with its options read from `Config`. A value that cannot
 * be read or fails its check fails the layer as `Misconfigured`, naming the
 * variable or the option, as in {@link layer}.
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
): Layer.Layer<EmailProvider.EmailProvider, IntegrationError.IntegrationError> =>
  Layer.effect(EmailProvider.EmailProvider, Effect.flatMap(AdapterConfig.unwrap("postmark", config), build))
