/**
 * The Resend `EmailProvider`, on the official `resend` SDK.
 *
 * Each call carries an AbortSignal joined from the Effect's interruption and
 * the adapter's own timeout (Resend's SDK has none), so a policy timeout or an
 * interruption really aborts the HTTP request (see `internal/resendClient.ts`).
 * The SDK never retries and never throws; its `{ error, headers }` answers are
 * classified by pure functions in `internal/resendErrors.ts`. `message.idempotencyKey` is sent as Resend's
 * `Idempotency-Key`, so a retry after an ambiguous failure is accepted once.
 *
 * The options are checked before any request: an empty or blank `apiKey`, a
 * `baseUrl` that is not an http(s) URL, or a `timeout` that is not more than
 * zero and within what a timer can hold (24.8 days) fails `layer` and
 * `layerConfig` to build with a `Misconfigured` error naming the option, so
 * `Failover` serves from the backup at once. `make` cannot fail: its calls
 * fail with that error instead. Nothing thrown in a call escapes as a defect.
 *
 * @example
 * ```ts
 * import { Config, Redacted } from "effect"
 * import { Resend } from "@wedsync/adapter-email"
 *
 * const live = Resend.layer({ apiKey: Redacted.make(process.env.RESEND_API_KEY ?? "") })
 * const fromEnv = Resend.layerConfig({ apiKey: Config.Redacted("RESEND_API_KEY") })
 * ```
 *
 * @since 0.1.0
 */
import { type Config, type Duration, Effect, Layer, type Redacted, Result } from "effect"
import { AdapterConfig, EmailProvider, MaybeSent, IntegrationError } from "@wedsync/core"
import type { CreateEmailOptions } from "resend"
import { type Call, connect, failing, defaultBaseUrl as resendApi } from "./internal/resendClient.ts"

const PROVIDER = "resend"

/** Resend's API. @since 0.1.0 */
export const defaultBaseUrl = resendApi

/** Options of the Resend adapter. @since 0.1.0 */
export interface Options {
  /** The API key (`re_…`). */
  readonly apiKey: Redacted.Redacted<string>
  /** Default {@link defaultBaseUrl}; a simulator's URL in tests. */
  readonly baseUrl?: string | undefined
  /**
   * Aborts a request still running after this long (default 10 s; more than
   * zero, at most 24.8 days); core's policy usually interrupts first.
   */
  readonly timeout?: Duration.Input | undefined
}

const list = (recipients: EmailProvider.Recipients): Array<string> =>
  typeof recipients === "string" ? [recipients] : [...recipients]

/**
 * The Resend payload for a core message. Resend has no metadata field, so
 * `metadata` is not sent; tags go as Resend tags; attachments as
 * `{ filename, content (base64), contentType }`.
 *
 * @since 0.1.0
 */
export const toPayload = (message: EmailProvider.EmailMessage): CreateEmailOptions => {
  const optional = {
    cc: message.cc === undefined ? undefined : list(message.cc),
    bcc: message.bcc === undefined ? undefined : list(message.bcc),
    replyTo: message.replyTo === undefined ? undefined : list(message.replyTo),
    headers: message.headers,
    tags: message.tags?.map((tag) => ({ name: tag.name, value: tag.value })),
    // Base64 either way: the SDK would turn bytes into base64 itself, and a string is taken as base64.
    attachments: message.attachments?.map((attachment) => ({
      filename: attachment.filename,
      content: EmailProvider.attachmentBase64(attachment),
      contentType: attachment.contentType
    }))
  }
  const defined = Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined))
  const base = { from: message.from, to: list(message.to), subject: message.subject, ...defined }
  // The message schema guarantees html or text.
  return message.html === undefined
    ? { ...base, text: message.text ?? "" }
    : { ...base, html: message.html, ...(message.text === undefined ? {} : { text: message.text }) }
}

const unreadableBatch = () =>
  IntegrationError.make(
    PROVIDER,
    "sendBatch",
    new IntegrationError.Unavailable({ description: "Resend answered the batch without its list of ids" }),
    // A 2xx: Resend took the batch, whatever it did with it.
    { delivery: "maybeSent" }
  )

const service = (call: Call): EmailProvider.EmailProvider["Service"] => {
  const receipt = (id: string): EmailProvider.EmailReceipt => ({
    provider: PROVIDER,
    messageId: id,
    acceptedAt: Date.now()
  })
  const sendAs = (operation: string, message: EmailProvider.EmailMessage) =>
    call(operation, (sdk, signal) =>
      sdk.emails.send(toPayload(message), {
        signal,
        ...(message.idempotencyKey === undefined ? {} : { idempotencyKey: message.idempotencyKey })
      })
    ).pipe(Effect.map((data) => receipt(data.id)))
  return EmailProvider.EmailProvider.of({
    provider: PROVIDER,
    send: (message) => sendAs("send", message),
    // Resend keeps a key's answer for 24 h: replaying the same key and payload returns the first
    // email's id without sending again, so the replay is the lookup. Without a key it would send twice.
    resolve: (message) =>
      message.idempotencyKey === undefined
        ? Effect.succeed(MaybeSent.unknown())
        : Effect.map(sendAs("resolve", message), MaybeSent.found),
    sendBatch: (messages) =>
      messages.length === 0
        ? Effect.succeed({ provider: PROVIDER, results: [] })
        : call("sendBatch", (sdk, signal) => sdk.batch.send(messages.map(toPayload), { signal })).pipe(
            Effect.flatMap((data) =>
              Array.isArray(data.data) && data.data.length === messages.length
                ? Effect.succeed({
                    provider: PROVIDER,
                    results: data.data.map((item) => ({ _tag: "Accepted" as const, receipt: receipt(item.id) }))
                  })
                : Effect.fail(unreadableBatch())
            )
          )
  })
}

/**
 * Builds the Resend `EmailProvider` service. With options that fail their
 * check (an empty `apiKey`, a negative `timeout`…) every call fails with the
 * `Misconfigured` error naming the option; `layer` fails to build instead.
 *
 * @example
 * ```ts
 * const email = Resend.make({ apiKey: Redacted.make("re_123"), baseUrl: "http://127.0.0.1:4010" })
 * ```
 * @since 0.1.0
 */
export const make = (options: Options): EmailProvider.EmailProvider["Service"] =>
  service(Result.getOrElse(connect(options), failing))

const build = (options: Options) =>
  Effect.map(
    Effect.suspend(() => Effect.fromResult(connect(options))),
    service
  )

/**
 * The Resend `EmailProvider` layer. Fails to build with `Misconfigured`,
 * naming the option, when `apiKey` is empty or blank, `baseUrl` is not an
 * http(s) URL or `timeout` is not a duration a timer can hold.
 *
 * @example
 * ```ts
 * const email = Resend.layer({ apiKey: Redacted.make("re_123"), timeout: "5 seconds" })
 * ```
 * @since 0.1.0
 */
export const layer = (options: Options): Layer.Layer<EmailProvider.EmailProvider, IntegrationError.IntegrationError> =>
  Layer.effect(EmailProvider.EmailProvider, build(options))

/**
 * The Resend layer with its options read from `Config`. A value that cannot
 * be read (a missing or empty `RESEND_API_KEY`) or fails its check
 * (`Config.Duration` of "-5 seconds") fails the layer as `Misconfigured`,
 * naming the variable or the option, as in {@link layer}.
 *
 * @example
 * ```ts
 * const email = Resend.layerConfig({
 *   apiKey: Config.Redacted("RESEND_API_KEY"),
 *   baseUrl: Config.String("RESEND_BASE_URL").pipe(Config.withDefault(Resend.defaultBaseUrl))
 * })
 * ```
 * @since 0.1.0
 */
export const layerConfig = (
  config: Config.Wrap<Options>
): Layer.Layer<EmailProvider.EmailProvider, IntegrationError.IntegrationError> =>
  Layer.effect(EmailProvider.EmailProvider, Effect.flatMap(AdapterConfig.unwrap(PROVIDER, config), build))
