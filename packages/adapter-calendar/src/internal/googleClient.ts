/**
 * One `@googleapis/calendar` call as an Effect.
 *
 * The SDK is made once per adapter with gaxios' retries off (`retry: false`,
 * also per call): retry lives in core. Auth is an OAuth 2 client holding the
 * access token only (no refresh token, no expiry), so gaxios sends
 * `Authorization: Bearer …` and never calls a token endpoint. Each call:
 * - runs inside core's `Wire.track`, so a timeout before any byte was written
 *   (a connect that never completes) is `notSent`;
 * - passes an `AbortSignal` that aborts when the Effect is interrupted or the
 *   adapter's own timer fires, so the HTTP request is cancelled on the wire;
 * - is classified by `googleErrors.ts` when it fails; nothing thrown escapes
 *   as a defect.
 * The options are checked first (core's `AdapterConfig`): an empty token, a
 * base URL that is not an http(s) URL or a timeout no timer can hold makes
 * every call fail as `Misconfigured`, naming the option.
 *
 * @internal
 */
import { auth, calendar, type calendar_v3, type MethodOptions } from "@googleapis/calendar"
import { Duration, Effect, Redacted, Result } from "effect"
import { AdapterConfig, type IntegrationError, Wire } from "@wedsync/core"
import { classify, failureOf, malformed, PROVIDER } from "./googleErrors.ts"

/** Google's API root. @internal */
export const defaultBaseUrl = "https://www.googleapis.com/"

/** The adapter's own timeout when the options give none (12 s, the calendar policy's). @internal */
export const defaultTimeout: Duration.Duration = Duration.seconds(12)

/** What a connection to Google Calendar needs: the options `GoogleCalendar.layer` takes. @internal */
export interface ConnectionOptions {
  readonly accessToken: Redacted.Redacted<string>
  readonly baseUrl?: string | undefined
  readonly timeout?: Duration.Input | undefined
}

/** What an SDK method answers (gaxios' response, the parts read). @internal */
export interface SdkResponse<A> {
  readonly status: number
  readonly data: A
}

/**
 * Runs one SDK call, classified as `operation` when it fails. `body: "json"`
 * (the default) fails a 2xx whose body is not a JSON object as
 * `Unavailable`; `"none"` takes any 2xx (a 204 delete).
 *
 * @internal
 */
export type Call = <A>(
  operation: string,
  request: (sdk: calendar_v3.Calendar, options: MethodOptions) => Promise<SdkResponse<A>>,
  body?: "json" | "none"
) => Effect.Effect<A, IntegrationError.IntegrationError>

interface Settings {
  readonly accessToken: string
  readonly rootUrl: string
  readonly timeout: Duration.Duration
}

/** The options checked; else the `Misconfigured` error naming the first problem. @internal */
export const settings = (options: ConnectionOptions): AdapterConfig.Check<Settings> =>
  Result.all({
    accessToken: Result.map(AdapterConfig.nonEmptySecret(PROVIDER, "accessToken", options.accessToken), Redacted.value),
    // The SDK appends `calendar/v3/…` to its root URL, which must end with a slash.
    rootUrl: Result.map(AdapterConfig.baseUrl(PROVIDER, "baseUrl", options.baseUrl ?? defaultBaseUrl), (url) =>
      url.href.endsWith("/") ? url.href : `${url.href}/`
    ),
    timeout: AdapterConfig.timeout(PROVIDER, "timeout", options.timeout ?? defaultTimeout)
  })

/** A caller that fails every call with `error`: what `make` runs on with options that failed their check. @internal */
export const failing =
  (error: IntegrationError.IntegrationError): Call =>
  () =>
    Effect.fail(error)

/** The SDK for checked settings. @internal */
export const sdkFor = (checked: Settings): calendar_v3.Calendar => {
  const oauth = new auth.OAuth2()
  oauth.setCredentials({ access_token: checked.accessToken })
  return calendar({ version: "v3", rootUrl: checked.rootUrl, auth: oauth, retry: false })
}

/** A signal that aborts with `signal` or after `millis`; `timedOut()` says whether the timer fired. */
const deadline = (signal: AbortSignal, millis: number) => {
  const controller = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort()
  }, millis)
  const abort = () => controller.abort()
  if (signal.aborted) abort()
  else signal.addEventListener("abort", abort, { once: true })
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    settle: () => {
      clearTimeout(timer)
      signal.removeEventListener("abort", abort)
    }
  }
}

const isObject = (value: unknown): boolean => typeof value === "object" && value !== null

/**
 * A caller bound to one access token, base URL and timeout (default 12 s),
 * or the `Misconfigured` error of options that fail {@link settings} or with
 * which the SDK cannot be made.
 *
 * @internal
 */
export const connect = (options: ConnectionOptions): AdapterConfig.Check<Call> => {
  const checked = settings(options)
  if (Result.isFailure(checked)) return Result.fail(checked.failure)
  const { accessToken, timeout } = checked.success
  const millis = Math.ceil(Duration.toMillis(timeout))
  const secrets = [accessToken]
  let sdk: calendar_v3.Calendar
  try {
    sdk = sdkFor(checked.success)
  } catch (cause) {
    return Result.fail(AdapterConfig.fromDefect(PROVIDER, AdapterConfig.OPERATION, cause, secrets))
  }
  const call: Call = (operation, request, body = "json") =>
    Wire.track((progress) => {
      let timedOut = () => false
      return Effect.tryPromise({
        try: (signal) => {
          const running = deadline(signal, millis)
          timedOut = running.timedOut
          return Wire.within(progress, () => request(sdk, { signal: running.signal, retry: false })).finally(
            running.settle
          )
        },
        catch: (cause) =>
          classify(operation, failureOf(cause), { timedOut: timedOut(), timeout, written: progress.written, secrets })
      })
    }).pipe(
      Effect.flatMap((response) =>
        body === "none" || isObject(response.data)
          ? Effect.succeed(response.data)
          : Effect.fail(malformed(operation, response.status))
      ),
      // Nothing thrown in a call escapes as a defect.
      Effect.catchDefect((defect) => Effect.fail(AdapterConfig.fromDefect(PROVIDER, operation, defect, secrets)))
    )
  return Result.succeed(call)
}
