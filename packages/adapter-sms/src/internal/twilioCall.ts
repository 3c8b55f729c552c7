/**
 * One call to Twilio's REST API through the `twilio` SDK, shared by the
 * `SmsProvider` (message creates) and the status lookup (message fetches).
 *
 * Each call builds its own `RequestClient`, so that the call's AbortSignal
 * reaches axios (interruption aborts the HTTP request; the SDK's own timeout
 * aborts it too) and `lastResponse`, where Retry-After and Twilio-Request-Id
 * live (Twilio's errors carry no headers), belongs to this call alone.
 * `autoRetry` stays off: retry and failover live in core.
 *
 * The options are checked once, when the caller is made (core's
 * `AdapterConfig` plus Twilio's own rule that an Account SID starts with
 * `AC`): a bad one is the `Misconfigured` error naming it, never a request
 * that fails as `Unavailable`. Whatever still throws is classified, never a
 * defect.
 */
import { Duration, Effect, Redacted, Result } from "effect"
import { AdapterConfig, type IntegrationError, Wire } from "@wedsync/core"
import twilio from "twilio"
import { classify, codeReasons, type Failure } from "./twilioErrors.ts"

const PROVIDER = "twilio"

/** Where Twilio's REST API lives. */
export const DEFAULT_BASE_URL = "https://api.twilio.com"

/** The SDK timeout unless the options give another. */
export const DEFAULT_TIMEOUT_MILLIS = 10_000

/** What a call needs: the account, where the API lives and how long to wait. */
export interface CallOptions {
  readonly accountSid: string
  readonly authToken: Redacted.Redacted<string>
  readonly baseUrl?: string | undefined
  readonly timeoutMillis?: number | undefined
}

/** Checked options. */
interface Settings {
  readonly accountSid: string
  readonly authToken: string
  readonly baseUrl: string
  readonly timeoutMillis: number
}

/** A RequestClient that sends to `baseUrl` and honours one call's AbortSignal. */
class CallClient extends twilio.RequestClient {
  /** Whether a request went out: a throw before that is ours or the SDK's, not Twilio's answer. */
  sent = false
  constructor(baseUrl: string, signal: AbortSignal, timeoutMillis: number) {
    super({ timeout: timeoutMillis, autoRetry: false })
    const base = baseUrl.replace(/\/$/, "")
    // The rewrite happens in an interceptor so the SDK's own path (auth, form encoding, timeout) is untouched.
    this.axios.interceptors.request.use((config) => {
      const url = new URL(config.url ?? "/", DEFAULT_BASE_URL)
      config.url = `${base}${url.pathname}${url.search}`
      config.signal = signal
      this.sent = true
      return config
    })
  }
}

const isFailure = (value: unknown): value is Failure =>
  typeof value === "object" && value !== null && "cause" in value && "headers" in value && !(value instanceof Error)

/**
 * Runs `use` with a Twilio client made for this call; whatever it throws is
 * classified for `operation` (`codes` overrides the code table, e.g. 20404 on
 * a lookup).
 */
export type Call = <A>(
  operation: string,
  use: (client: twilio.Twilio) => Promise<A>,
  codes?: Readonly<Record<number, IntegrationError.AnswerReasonTag>>
) => Effect.Effect<A, IntegrationError.IntegrationError>

/** A caller that fails every call with `error`: what `make` runs on with options that failed their check. */
export const failing =
  (error: IntegrationError.IntegrationError): Call =>
  () =>
    Effect.fail(error)

const accountSidOf = (value: string | undefined): AdapterConfig.Check<string> =>
  Result.flatMap(AdapterConfig.nonEmptyText(PROVIDER, "accountSid", value), (sid) =>
    sid.startsWith("AC")
      ? Result.succeed(sid)
      : Result.fail(
          AdapterConfig.misconfigured(
            PROVIDER,
            "accountSid",
            "must start with AC (the Account SID, not an API key SID)"
          )
        )
  )

/**
 * The options checked: an Account SID starting with `AC`, an Auth Token that
 * can be sent, an http(s) base URL and a timeout a timer can hold; else the
 * `Misconfigured` error naming the first problem.
 */
export const settings = (options: CallOptions): AdapterConfig.Check<Settings> => {
  const baseUrl = options.baseUrl ?? DEFAULT_BASE_URL
  return Result.all({
    accountSid: accountSidOf(options.accountSid),
    authToken: Result.map(AdapterConfig.nonEmptySecret(PROVIDER, "authToken", options.authToken), Redacted.value),
    baseUrl: Result.map(AdapterConfig.baseUrl(PROVIDER, "baseUrl", baseUrl), () => baseUrl),
    timeoutMillis: Result.map(
      AdapterConfig.timeout(PROVIDER, "timeoutMillis", options.timeoutMillis ?? DEFAULT_TIMEOUT_MILLIS),
      Duration.toMillis
    )
  })
}

/** A caller for checked options, or the `Misconfigured` error of the first bad one. */
export const connect = (options: CallOptions): AdapterConfig.Check<Call> => Result.map(settings(options), caller)

const caller =
  ({ accountSid, authToken, baseUrl, timeoutMillis }: Settings): Call =>
  (operation, use, codes = codeReasons) =>
    Wire.track((progress) =>
      Effect.tryPromise({
        try: (signal) =>
          Wire.within(progress, async () => {
            let httpClient: CallClient | undefined
            try {
              httpClient = new CallClient(baseUrl, signal, timeoutMillis)
              return await use(twilio(accountSid, authToken, { httpClient, autoRetry: false }))
            } catch (cause) {
              throw {
                cause,
                headers: httpClient?.lastResponse?.headers,
                sent: httpClient?.sent === true
              } satisfies Failure
            }
          }),
        catch: (failure) =>
          classify(
            operation,
            isFailure(failure)
              ? { ...failure, written: progress.written, secrets: [authToken] }
              : { cause: failure, headers: undefined, written: progress.written },
            timeoutMillis,
            Date.now(),
            codes
          )
      })
    ).pipe(
      // Nothing thrown in a call escapes as a defect.
      Effect.catchDefect((defect) => Effect.fail(AdapterConfig.fromDefect(PROVIDER, operation, defect, [authToken])))
    )
