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
 *
 * The options are checked first: an empty `apiKey` or `apiSecret`, a
 * `baseUrl` that is not an http(s) URL, a `timeoutMillis` that is not more
 * than zero and within what a timer can hold (2147483647) or a `maxSegments`
 * below 1 fails `layer` and `layerConfig` to build with a `Misconfigured`
 * error naming the option; `make`'s sends fail with it instead. Nothing
 * thrown in a call escapes as a defect.
 */
import { Auth } from "@vonage/auth"
import { SMS } from "@vonage/sms"
import { type Config, Duration, Effect, Layer, Option, Redacted, Result } from "effect"
import { AbortSignals, AdapterConfig, type IntegrationError, MaybeSent, SmsProvider, Wire } from "@wedsync/core"
import type * as VonageReceipts from "./VonageReceipts.ts"
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
  /** The request timeout (more than 0, at most 2147483647); interruption aborts the request as well. */
  readonly timeoutMillis?: number | undefined
  /** Bodies over this many segments fail as InvalidRequest before any request (default 10; a whole number ≥ 1). */
  readonly maxSegments?: number | undefined
  /**
   * Where `VonageWebhooks` notes delivery receipts: with it, a maybe-sent
   * message sent with an idempotency key (`client-ref`) is resolved by
   * waiting for its receipt (`resolve`). Without it, such a message is unknown.
   */
  readonly receipts?: VonageReceipts.Registry | undefined
  /** How long `resolve` waits for a receipt (default 3 s; the caller's deadline may cut it shorter). */
  readonly receiptWaitMillis?: number | undefined
}

/** How long `resolve` waits for a receipt unless the options say otherwise. @since 0.1.0 */
export const DEFAULT_RECEIPT_WAIT_MILLIS = 3_000

type SendRequest = SMS["sendRequest"]

/** An SMS client whose requests also stop when one call's signal aborts. */
class CallSms extends SMS {
  readonly #signal: AbortSignal
  readonly #timeoutMillis: number
  /** Whether a request went out: a throw before that is ours or the SDK's, not Vonage's answer. */
  sent = false

  constructor(auth: Auth, restHost: string, signal: AbortSignal, timeoutMillis: number) {
    super(auth, { restHost, timeout: timeoutMillis })
    this.#signal = signal
    this.#timeoutMillis = timeoutMillis
  }

  override async sendRequest<T>(request: Parameters<SendRequest>[0]): ReturnType<typeof SMS.prototype.sendRequest<T>> {
    const prepared = await this.prepareRequest(request)
    const body = this.prepareBody(prepared)
    this.sent = true
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

/** Checked options, with the SDK's `Auth` made from them. */
interface Settings {
  readonly auth: Auth
  readonly apiSecret: string
  readonly baseUrl: string
  readonly timeoutMillis: number
  readonly maxSegments: number
  readonly receipts: VonageReceipts.Registry | undefined
  readonly receiptWaitMillis: number
}

/** The options checked, or the `Misconfigured` error naming the first that cannot work. */
const settings = (options: Options): AdapterConfig.Check<Settings> => {
  const baseUrl = options.baseUrl ?? DEFAULT_BASE_URL
  const checked = Result.all({
    apiKey: AdapterConfig.nonEmptyText("vonage", "apiKey", options.apiKey),
    apiSecret: Result.map(AdapterConfig.nonEmptySecret("vonage", "apiSecret", options.apiSecret), Redacted.value),
    baseUrl: Result.map(AdapterConfig.baseUrl("vonage", "baseUrl", baseUrl), () => baseUrl),
    timeoutMillis: Result.map(
      AdapterConfig.timeout("vonage", "timeoutMillis", options.timeoutMillis ?? DEFAULT_TIMEOUT_MILLIS),
      Duration.toMillis
    ),
    maxSegments: Segments.checkMax("vonage", options.maxSegments),
    receiptWaitMillis: Result.map(
      AdapterConfig.timeout("vonage", "receiptWaitMillis", options.receiptWaitMillis ?? DEFAULT_RECEIPT_WAIT_MILLIS),
      Duration.toMillis
    ),
    receipts: Result.succeed(options.receipts)
  })
  return Result.flatMap(checked, ({ apiKey, apiSecret, ...rest }) => {
    try {
      // @vonage/auth 1.18 passes `privateKey` to fs.existsSync even when none is given, and Node 24
      // warns on every run about the `undefined` it gets (DEP0187). The SMS API signs with key and
      // secret only, and the SDK itself reads an empty private key as none (`this.privateKey || ""`).
      return Result.succeed({ auth: new Auth({ apiKey, apiSecret, privateKey: "" }), apiSecret, ...rest })
    } catch (cause) {
      return Result.fail(AdapterConfig.fromDefect("vonage", AdapterConfig.OPERATION, cause, [apiSecret]))
    }
  })
}

const service = ({ auth, apiSecret, baseUrl, timeoutMillis, maxSegments, receipts, receiptWaitMillis }: Settings) => {
  const request = (message: SmsProvider.SmsMessage) =>
    Wire.track((progress) =>
      Effect.tryPromise({
        try: (signal) =>
          Wire.within(progress, async () => {
            let sms: CallSms | undefined
            try {
              sms = new CallSms(auth, baseUrl, signal, timeoutMillis)
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
              throw { ...(await failureOf(cause)), sent: sms?.sent === true, secrets: [apiSecret] }
            }
          }),
        catch: (failure) =>
          classify(
            "send",
            { ...(isFailure(failure) ? failure : { cause: failure }), written: progress.written },
            timeoutMillis
          )
      })
    ).pipe(
      // Nothing thrown in a call escapes as a defect.
      Effect.catchDefect((defect) => Effect.fail(AdapterConfig.fromDefect("vonage", "send", defect, [apiSecret]))),
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
  // No key and no search by reference: a receipt carrying our client-ref is the only evidence.
  const resolve = (message: SmsProvider.SmsMessage) =>
    receipts === undefined || message.idempotencyKey === undefined
      ? Effect.succeed(MaybeSent.unknown())
      : Effect.map(receipts.await(message.idempotencyKey, Duration.millis(receiptWaitMillis)), (found) =>
          Option.isNone(found)
            ? MaybeSent.unknown()
            : MaybeSent.found<SmsProvider.SmsReceipt>({
                provider: "vonage",
                messageId: found.value.messageId,
                status: found.value.status === "delivered" ? "delivered" : "accepted"
              })
        )
  return SmsProvider.SmsProvider.of({ provider: "vonage", send, resolve })
}

/**
 * Builds the Vonage `SmsProvider` service. With options that fail their check
 * (an empty `apiSecret`, a negative `timeoutMillis`…) every send fails with
 * the `Misconfigured` error naming the option; `layer` fails to build instead.
 *
 * @example
 * ```ts
 * const sms = Vonage.make({ apiKey: "abcd1234", apiSecret: Redacted.make(secret) })
 * ```
 * @since 0.1.0
 */
export const make = (options: Options): (typeof SmsProvider.SmsProvider)["Service"] =>
  Result.match(settings(options), {
    onSuccess: service,
    onFailure: (error) => SmsProvider.SmsProvider.of({ provider: "vonage", send: () => Effect.fail(error) })
  })

const build = (options: Options) =>
  Effect.map(
    Effect.suspend(() => Effect.fromResult(settings(options))),
    service
  )

/**
 * The Vonage `SmsProvider` layer. Fails to build with `Misconfigured`, naming
 * the option, for the options {@link make} refuses.
 *
 * @example
 * ```ts
 * const VonageLive = Vonage.layer({ apiKey: "abcd1234", apiSecret: Redacted.make(process.env.VONAGE_API_SECRET!) })
 * ```
 * @since 0.1.0
 */
export const layer = (options: Options): Layer.Layer<SmsProvider.SmsProvider, IntegrationError.IntegrationError> =>
  Layer.effect(SmsProvider.SmsProvider, build(options))

/**
 * The Vonage layer with its options read from `Config` (secrets as
 * `Config.Redacted`). A value that cannot be read or fails its check fails the
 * layer as `Misconfigured`, naming the variable or the option, as in {@link layer}.
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
export const layerConfig = (
  config: Config.Wrap<Options>
): Layer.Layer<SmsProvider.SmsProvider, IntegrationError.IntegrationError> =>
  Layer.effect(SmsProvider.SmsProvider, Effect.flatMap(AdapterConfig.unwrap("vonage", config), build))
