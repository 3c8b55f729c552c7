/**
 * The Twilio `SmsProvider`, on the official `twilio` SDK.
 *
 * Each call builds its own `RequestClient` (see `internal/twilioCall.ts`), so
 * that the call's AbortSignal reaches axios (interruption aborts the HTTP
 * request; the SDK's own timeout aborts it too) and `lastResponse`, where
 * Retry-After and Twilio-Request-Id live (Twilio's errors carry no headers),
 * belongs to this call alone. `autoRetry` stays off: retry and failover live
 * in core. Twilio takes no idempotency key on message creates, so
 * `idempotencyKey` is not sent. The body's segment count is checked before
 * any request.
 */
import { Config, Effect, Layer, type Redacted } from "effect"
import { type IntegrationError, SmsProvider } from "@wedsync/core"
import * as Segments from "./internal/segments.ts"
import { call, DEFAULT_BASE_URL as BASE_URL, DEFAULT_TIMEOUT_MILLIS as TIMEOUT_MILLIS } from "./internal/twilioCall.ts"

/** Where Twilio's REST API lives. @since 0.1.0 */
export const DEFAULT_BASE_URL = BASE_URL

/** The SDK timeout unless the options give another. @since 0.1.0 */
export const DEFAULT_TIMEOUT_MILLIS = TIMEOUT_MILLIS

/**
 * Options of the Twilio layer.
 *
 * @since 0.1.0
 */
export interface Options {
  readonly accountSid: string
  readonly authToken: Redacted.Redacted<string>
  /** Defaults to {@link DEFAULT_BASE_URL}; point it at a simulator in tests. */
  readonly baseUrl?: string | undefined
  /** The SDK's own request timeout; interruption aborts the request as well. */
  readonly timeoutMillis?: number | undefined
  /** Bodies over this many segments fail as InvalidRequest before any request (default 10). */
  readonly maxSegments?: number | undefined
}

const STATUSES: ReadonlyArray<SmsProvider.SmsStatus> = SmsProvider.SmsStatus.literals

const toStatus = (status: string): SmsProvider.SmsStatus =>
  STATUSES.find((known) => known === status) ?? (status === "canceled" ? "failed" : "queued")

/**
 * Builds the Twilio `SmsProvider` service.
 *
 * @example
 * ```ts
 * const sms = Twilio.make({ accountSid: "AC…", authToken: Redacted.make(token) })
 * ```
 * @since 0.1.0
 */
export const make = (options: Options): (typeof SmsProvider.SmsProvider)["Service"] => {
  const maxSegments = options.maxSegments ?? Segments.DEFAULT_MAX_SEGMENTS
  const request = (message: SmsProvider.SmsMessage) =>
    call(options, "send", async (client) => {
      const created = await client.messages.create({
        to: message.to,
        from: message.from,
        body: message.body,
        ...(message.statusCallbackUrl === undefined ? {} : { statusCallback: message.statusCallbackUrl })
      })
      if (typeof created.sid !== "string" || created.sid === "") throw new TypeError("no sid in the answer")
      return created
    }).pipe(
      Effect.map((created): SmsProvider.SmsReceipt => {
        const segments = Number(created.numSegments)
        return {
          provider: "twilio",
          messageId: created.sid,
          status: toStatus(created.status),
          ...(Number.isInteger(segments) && segments >= 1 ? { segments } : {})
        }
      })
    )
  const send = (
    message: SmsProvider.SmsMessage
  ): Effect.Effect<SmsProvider.SmsReceipt, IntegrationError.IntegrationError> => {
    const tooLong = Segments.check("twilio", message.body, maxSegments)
    return tooLong === undefined ? request(message) : Effect.fail(tooLong)
  }
  return SmsProvider.SmsProvider.of({ provider: "twilio", send })
}

/**
 * The Twilio `SmsProvider` layer.
 *
 * @example
 * ```ts
 * const TwilioLive = Twilio.layer({ accountSid: "AC…", authToken: Redacted.make(process.env.TWILIO_AUTH_TOKEN!) })
 * ```
 * @since 0.1.0
 */
export const layer = (options: Options): Layer.Layer<SmsProvider.SmsProvider> =>
  Layer.succeed(SmsProvider.SmsProvider, make(options))

/**
 * The Twilio layer with its options read from `Config` (secrets as `Config.Redacted`).
 *
 * @example
 * ```ts
 * const TwilioLive = Twilio.layerConfig({
 *   accountSid: Config.String("TWILIO_ACCOUNT_SID"),
 *   authToken: Config.Redacted("TWILIO_AUTH_TOKEN"),
 *   baseUrl: Config.String("TWILIO_BASE_URL").pipe(Config.withDefault(Twilio.DEFAULT_BASE_URL))
 * })
 * ```
 * @since 0.1.0
 */
export const layerConfig = (config: Config.Wrap<Options>): Layer.Layer<SmsProvider.SmsProvider, Config.ConfigError> =>
  Layer.effect(SmsProvider.SmsProvider, Effect.map(Config.unwrap(config), make))
