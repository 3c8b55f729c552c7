/**
 * The Vonage `SmsProvider`, on the official `@vonage/sms` SDK (the SMS API).
 *
 * The SDK takes no AbortSignal: its `sendRequest` makes its own controller
 * for `timeout`. So each call uses a subclass whose `sendRequest` runs the
 * SDK's own `prepareRequest` / `prepareBody` / `parseResponse` around a
 * `fetch` carrying the call's signal as well as the timeout; interruption
 * then aborts the HTTP request. The SDK never retries. `idempotencyKey`
 * travels as `client-ref`, `statusCallbackUrl` as the per-message `callback`.
 * The body's segment count is checked before any request.
 */
import { Auth } from "@vonage/auth"
import { SMS } from "@vonage/sms"
import { Config, Effect, Layer, Redacted } from "effect"
import { AbortSignals, type IntegrationError, SmsProvider } from "@wedsync/core"
import * as Segments from "./internal/segments.ts"
import { classify, type Failure } from "./internal/vonageErrors.ts"

/** Where Vonage's SMS API lives. @since 0.1.0 */
export const DEFAULT_BASE_URL = "https://rest.nexmo.com"

/** The SDK timeout unless the options give another. @since 0.1.0 */
export const DEFAULT_TIMEOUT_MILLIS = 10_000

/**
 * Options of the Vonage layer.
 *
 * @since 0.1.0
 */
export interface Options {
  readonly apiKey: string
  readonly apiSecret: Redacted.Redacted<string>
  /** Defaults to {@link DEFAULT_BASE_URL}; point it at a simulator in tests. */
  readonly baseUrl?: string | undefined
  /** The request timeout; interruption aborts the request as well. */
  readonly timeoutMillis?: number | undefined
  /** Bodies over this many segments fail as InvalidRequest before any request (default 10). */
  readonly maxSegments?: number | undefined
}

type SendRequest = SMS["sendRequest"]

/** An SMS client whose requests also stop when one call's signal aborts. */
class CallSms extends SMS {
  readonly #signal: AbortSignal
  readonly #timeoutMillis: number

  constructor(auth: Auth, restHost: string, signal: AbortSignal, timeoutMillis: number) {
    super(auth, { restHost, timeout: timeoutMillis })
    this.#signal = signal
    this.#timeoutMillis = timeoutMillis
  }

  override async sendRequest<T>(request: Parameters<SendRequest>[0]): ReturnType<typeof SMS.prototype.sendRequest<T>> {
    const prepared = await this.prepareRequest(request)
    const body = this.prepareBody(prepared)
    const response = await fetch(prepared.url, {
      method: prepared.method,
      headers: prepared.headers as Record<string, string>,
      ...(body === undefined ? {} : { body }),
      signal: AbortSignals.join(this.#signal, AbortSignals.timeout(this.#timeoutMillis))
    })
    return this.parseResponse<T>(prepared, response)
  }
}

const isHttpError = (cause: unknown): cause is { readonly response: Response } =>
  typeof cause === "object" &&
  cause !== null &&
  "response" in cause &&
  (cause as { readonly response: unknown }).response instanceof Response

/** Reads what an HTTP error carries while the call can still await it. */
const failureOf = async (cause: unknown): Promise<Failure> => {
  if (!isHttpError(cause) || cause.response.ok) return { cause }
  const body = await cause.response.text().catch(() => "")
  return { cause, status: cause.response.status, headers: cause.response.headers, body }
}

const isFailure = (value: unknown): value is Failure =>
  typeof value === "object" && value !== null && "cause" in value && !(value instanceof Error)

/**
 * Builds the Vonage `SmsProvider` service.
 *
 * @example
 * ```ts
 * const sms = Vonage.make({ apiKey: "abcd1234", apiSecret: Redacted.make(secret) })
 * ```
 * @since 0.1.0
 */
export const make = (options: Options): (typeof SmsProvider.SmsProvider)["Service"] => {
  const baseUrl = options.baseUrl ?? DEFAULT_BASE_URL
  const timeoutMillis = options.timeoutMillis ?? DEFAULT_TIMEOUT_MILLIS
  const maxSegments = options.maxSegments ?? Segments.DEFAULT_MAX_SEGMENTS
  const auth = new Auth({ apiKey: options.apiKey, apiSecret: Redacted.value(options.apiSecret) })
  const request = (message: SmsProvider.SmsMessage) =>
    Effect.tryPromise({
      try: async (signal) => {
        const sms = new CallSms(auth, baseUrl, signal, timeoutMillis)
        try {
          const response = await sms.send({
            // The SMS API takes numbers without the leading "+".
            to: message.to.replace(/^\+/, ""),
            from: message.from.replace(/^\+/, ""),
            text: message.body,
            ...(message.idempotencyKey === undefined ? {} : { clientRef: message.idempotencyKey }),
            ...(message.statusCallbackUrl === undefined ? {} : { callback: message.statusCallbackUrl })
          })
          const messageId = response?.messages?.[0]?.messageId
          if (typeof messageId !== "string" || messageId === "") throw new TypeError("no message-id in the answer")
          return { messageId, segments: response.messages.length }
        } catch (cause) {
          throw await failureOf(cause)
        }
      },
      catch: (failure) => classify("send", isFailure(failure) ? failure : { cause: failure }, timeoutMillis)
    }).pipe(
      Effect.map(
        ({ messageId, segments }): SmsProvider.SmsReceipt => ({
          provider: "vonage",
          messageId,
          status: "accepted",
          ...(segments >= 1 ? { segments } : {})
        })
      )
    )
  const send = (
    message: SmsProvider.SmsMessage
  ): Effect.Effect<SmsProvider.SmsReceipt, IntegrationError.IntegrationError> => {
    const tooLong = Segments.check("vonage", message.body, maxSegments)
    return tooLong === undefined ? request(message) : Effect.fail(tooLong)
  }
  return SmsProvider.SmsProvider.of({ provider: "vonage", send })
}

/**
 * The Vonage `SmsProvider` layer.
 *
 * @example
 * ```ts
 * const VonageLive = Vonage.layer({ apiKey: "abcd1234", apiSecret: Redacted.make(process.env.VONAGE_API_SECRET!) })
 * ```
 * @since 0.1.0
 */
export const layer = (options: Options): Layer.Layer<SmsProvider.SmsProvider> =>
  Layer.succeed(SmsProvider.SmsProvider, make(options))

/**
 * The Vonage layer with its options read from `Config` (secrets as `Config.Redacted`).
 *
 * @example
 * ```ts
 * const VonageLive = Vonage.layerConfig({
 *   apiKey: Config.String("VONAGE_API_KEY"),
 *   apiSecret: Config.Redacted("VONAGE_API_SECRET"),
 *   baseUrl: Config.String("VONAGE_BASE_URL").pipe(Config.withDefault(Vonage.DEFAULT_BASE_URL))
 * })
 * ```
 * @since 0.1.0
 */
export const layerConfig = (config: Config.Wrap<Options>): Layer.Layer<SmsProvider.SmsProvider, Config.ConfigError> =>
  Layer.effect(SmsProvider.SmsProvider, Effect.map(Config.unwrap(config), make))
