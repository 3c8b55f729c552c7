/**
 * One call to Twilio's REST API through the `twilio` SDK, shared by the
 * `SmsProvider` (message creates) and the status lookup (message fetches).
 *
 * Each call builds its own `RequestClient`, so that the call's AbortSignal
 * reaches axios (interruption aborts the HTTP request; the SDK's own timeout
 * aborts it too) and `lastResponse`, where Retry-After and Twilio-Request-Id
 * live (Twilio's errors carry no headers), belongs to this call alone.
 * `autoRetry` stays off: retry and failover live in core.
 */
import { Effect, Redacted } from "effect"
import type { IntegrationError } from "@wedsync/core"
import twilio from "twilio"
import { classify, codeReasons, type Failure } from "./twilioErrors.ts"

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

/** A RequestClient that sends to `baseUrl` and honours one call's AbortSignal. */
class CallClient extends twilio.RequestClient {
  constructor(baseUrl: string, signal: AbortSignal, timeoutMillis: number) {
    super({ timeout: timeoutMillis, autoRetry: false })
    const base = baseUrl.replace(/\/$/, "")
    // The rewrite happens in an interceptor so the SDK's own path (auth, form encoding, timeout) is untouched.
    this.axios.interceptors.request.use((config) => {
      const url = new URL(config.url ?? "/", DEFAULT_BASE_URL)
      config.url = `${base}${url.pathname}${url.search}`
      config.signal = signal
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
export const call = <A>(
  options: CallOptions,
  operation: string,
  use: (client: twilio.Twilio) => Promise<A>,
  codes: Readonly<Record<number, IntegrationError.AnswerReasonTag>> = codeReasons
): Effect.Effect<A, IntegrationError.IntegrationError> => {
  const baseUrl = options.baseUrl ?? DEFAULT_BASE_URL
  const timeoutMillis = options.timeoutMillis ?? DEFAULT_TIMEOUT_MILLIS
  return Effect.tryPromise({
    try: async (signal) => {
      const httpClient = new CallClient(baseUrl, signal, timeoutMillis)
      const client = twilio(options.accountSid, Redacted.value(options.authToken), { httpClient, autoRetry: false })
      try {
        return await use(client)
      } catch (cause) {
        throw { cause, headers: httpClient.lastResponse?.headers } satisfies Failure
      }
    },
    catch: (failure) =>
      classify(
        operation,
        isFailure(failure) ? failure : { cause: failure, headers: undefined },
        timeoutMillis,
        Date.now(),
        codes
      )
  })
}
