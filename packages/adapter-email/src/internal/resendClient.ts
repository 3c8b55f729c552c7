/**
 * One Resend SDK call as an Effect, shared by the sender (`Resend`) and the
 * status lookup (`ResendStatus`).
 *
 * Each call carries an AbortSignal joined from the Effect's interruption and
 * the adapter's own timeout (Resend's SDK has none), so a policy timeout or an
 * interruption really aborts the HTTP request. The SDK never retries and never
 * throws; its `{ error, headers }` answers are classified by `resendErrors.ts`.
 * The options are checked first (core's `AdapterConfig`): with an empty key, a
 * base URL that does not parse or a timeout no timer can hold, every call
 * fails as `Misconfigured` naming the option, and whatever still throws in a
 * call is classified the same way, never a defect.
 *
 * @internal
 */
import { Duration, Effect, Redacted, Result } from "effect"
import { AbortSignals, AdapterConfig, type IntegrationError, Wire } from "@wedsync/core"
import { Resend as ResendSdk } from "resend"
import { classify, type Headers, type ResendError } from "./resendErrors.ts"

/** Resend's API. @internal */
export const defaultBaseUrl = "https://api.resend.com"

const PROVIDER = "resend"

/** The adapter's own timeout unless the options give another. @internal */
export const defaultTimeout: Duration.Duration = Duration.seconds(10)

/** What a connection to Resend's API needs: the options `Resend.layer` takes. @internal */
export interface ConnectionOptions {
  readonly apiKey: Redacted.Redacted<string>
  readonly baseUrl?: string | undefined
  readonly timeout?: Duration.Input | undefined
}

/** What every Resend SDK method resolves with. @internal */
export interface SdkResult<A> {
  readonly data: A | null
  readonly error: ResendError | null
  readonly headers: Headers
}

/** Runs one SDK call; `byName` overrides the reason of an error name for this operation. @internal */
export type Call = <A>(
  operation: string,
  request: (sdk: ResendSdk, signal: AbortSignal) => Promise<SdkResult<A>>,
  byName?: Readonly<Record<string, IntegrationError.AnswerReasonTag>>
) => Effect.Effect<A, IntegrationError.IntegrationError>

/** Checked options. */
interface Settings {
  readonly apiKey: string
  readonly baseUrl: string
  readonly timeout: Duration.Duration
}

/**
 * The options checked: a key that can be sent, an http(s) base URL, a timeout
 * a timer can hold; else the `Misconfigured` error naming the first problem.
 *
 * @internal
 */
export const settings = (options: ConnectionOptions): AdapterConfig.Check<Settings> => {
  const baseUrl = options.baseUrl ?? defaultBaseUrl
  return Result.all({
    apiKey: Result.map(AdapterConfig.nonEmptySecret(PROVIDER, "apiKey", options.apiKey), Redacted.value),
    baseUrl: Result.map(AdapterConfig.baseUrl(PROVIDER, "baseUrl", baseUrl), () => baseUrl),
    timeout: AdapterConfig.timeout(PROVIDER, "timeout", options.timeout ?? defaultTimeout)
  })
}

/**
 * A caller that fails every call with `error`: what `make` runs on with
 * options that failed their check.
 *
 * @internal
 */
export const failing =
  (error: IntegrationError.IntegrationError): Call =>
  () =>
    Effect.fail(error)

/**
 * A caller bound to one API key, base URL and timeout (default 10 s), or the
 * `Misconfigured` error of options that fail {@link settings} or with which
 * the SDK cannot be made.
 *
 * @internal
 */
export const connect = (options: ConnectionOptions): AdapterConfig.Check<Call> => {
  const checked = settings(options)
  if (Result.isFailure(checked)) return Result.fail(checked.failure)
  const { apiKey, baseUrl, timeout } = checked.success
  let sdk: ResendSdk
  try {
    sdk = new ResendSdk(apiKey, { baseUrl })
  } catch (cause) {
    return Result.fail(AdapterConfig.fromDefect(PROVIDER, AdapterConfig.OPERATION, cause, [apiKey]))
  }
  const call: Call = (operation, request, byName) =>
    Effect.suspend(() => {
      const timer = AbortSignals.timeout(timeout)
      return Wire.track((progress) => {
        const context = () => ({
          timedOut: timer.aborted,
          timeout,
          secrets: [apiKey],
          byName,
          written: progress.written
        })
        return Effect.tryPromise({
          try: (signal) => Wire.within(progress, () => request(sdk, AbortSignals.join(signal, timer))),
          // The SDK returns its failures; a rejection here is a bug in it, treated as an unreadable answer.
          catch: () => classify(operation, { name: "application_error", statusCode: null }, null, context())
        }).pipe(
          Effect.flatMap((result) =>
            result.error !== null || result.data === null
              ? Effect.fail(classify(operation, result.error ?? {}, result.headers, context()))
              : Effect.succeed(result.data)
          )
        )
      })
    }).pipe(
      // Nothing thrown in a call escapes as a defect.
      Effect.catchDefect((defect) => Effect.fail(AdapterConfig.fromDefect(PROVIDER, operation, defect, [apiKey])))
    )
  return Result.succeed(call)
}
