/**
 * One stripe-node call as an Effect.
 *
 * The SDK is made once per adapter with its own retries off
 * (`maxNetworkRetries: 0`), telemetry off, its `timeout` set to the adapter's,
 * and its Node HTTP client, which still replays a reset connection
 * (`ECONNRESET`/`EPIPE`) once with the same `Idempotency-Key`: safe, because
 * every mutating call carries the caller's key, and it turns a single
 * ambiguous commit into the original answer. Each call:
 * - runs inside `Wire.track`, so a timeout before any byte was written is
 *   `notSent`;
 * - aborts its HTTP request when the Effect is interrupted or the adapter's
 *   own timer fires (`abortScope.ts`), and settles at once when it does, even
 *   while the SDK sleeps before its replay;
 * - is classified by `stripeErrors.ts` when it fails; nothing thrown escapes
 *   as a defect.
 * The options are checked first (core's `AdapterConfig`): an empty key, a base
 * URL that is not an http(s) origin or a timeout no timer can hold makes every
 * call fail as `Misconfigured`, naming the option.
 *
 * @internal
 */
import { Duration, Effect, Redacted, Result } from "effect"
import { AdapterConfig, type IntegrationError, Wire } from "@wedsync/core"
import StripeSdk from "stripe"
import * as AbortScope from "./abortScope.ts"
import { classify, defaultTimeout, failureOf } from "./stripeErrors.ts"

/** Stripe's API. @internal */
export const defaultBaseUrl = "https://api.stripe.com"

const PROVIDER = "stripe"

/** What a connection to Stripe's API needs: the options `Stripe.layer` takes. @internal */
export interface ConnectionOptions {
  readonly secretKey: Redacted.Redacted<string>
  readonly baseUrl?: string | undefined
  readonly timeout?: Duration.Input | undefined
  readonly apiVersion?: string | undefined
}

/** Runs one SDK call, classified as `operation` when it fails. @internal */
export type Call = <A>(
  operation: string,
  request: (sdk: StripeSdk) => Promise<A>
) => Effect.Effect<A, IntegrationError.IntegrationError>

interface Settings {
  readonly secretKey: string
  readonly url: URL
  readonly timeout: Duration.Duration
}

const origin = (url: URL): AdapterConfig.Check<URL> =>
  url.pathname === "/" && url.search === "" && url.hash === ""
    ? Result.succeed(url)
    : Result.fail(AdapterConfig.misconfigured(PROVIDER, "baseUrl", "has a path: the Stripe SDK takes an origin only"))

/** The options checked; else the `Misconfigured` error naming the first problem. @internal */
export const settings = (options: ConnectionOptions): AdapterConfig.Check<Settings> =>
  Result.all({
    secretKey: Result.map(AdapterConfig.nonEmptySecret(PROVIDER, "secretKey", options.secretKey), Redacted.value),
    url: Result.flatMap(AdapterConfig.baseUrl(PROVIDER, "baseUrl", options.baseUrl ?? defaultBaseUrl), origin),
    timeout: AdapterConfig.timeout(PROVIDER, "timeout", options.timeout ?? defaultTimeout)
  })

/** A caller that fails every call with `error`: what `make` runs on with options that failed their check. @internal */
export const failing =
  (error: IntegrationError.IntegrationError): Call =>
  () =>
    Effect.fail(error)

/** The SDK for checked settings. @internal */
export const sdkFor = (checked: Settings, apiVersion?: string): StripeSdk => {
  const { secretKey, url, timeout } = checked
  const https = url.protocol === "https:"
  return new StripeSdk(secretKey, {
    host: url.hostname,
    port: url.port === "" ? (https ? 443 : 80) : Number(url.port),
    protocol: https ? "https" : "http",
    maxNetworkRetries: 0,
    timeout: Math.ceil(Duration.toMillis(timeout)),
    telemetry: false,
    ...(apiVersion === undefined ? {} : { apiVersion: apiVersion as StripeSdk.LatestApiVersion })
  })
}

/**
 * Runs `request`: aborted when `signal` aborts or after `millis`, settling at
 * once either way. `timedOut()` says whether the timer fired.
 */
const abortable = <A>(signal: AbortSignal, millis: number, request: () => Promise<A>) => {
  const scope = AbortScope.make()
  let timedOut = false
  const promise = new Promise<A>((resolve, reject) => {
    const abort = () => {
      AbortScope.abort(scope)
      reject(AbortScope.abortError())
    }
    const timer = setTimeout(() => {
      timedOut = true
      abort()
    }, millis)
    const settle = () => {
      clearTimeout(timer)
      signal.removeEventListener("abort", abort)
    }
    if (signal.aborted) abort()
    else signal.addEventListener("abort", abort, { once: true })
    AbortScope.run(scope, request).then(
      (value) => {
        settle()
        resolve(value)
      },
      (cause: unknown) => {
        settle()
        reject(cause)
      }
    )
  })
  return { promise, timedOut: () => timedOut }
}

/**
 * A caller bound to one secret key, base URL and timeout (default 15 s), or
 * the `Misconfigured` error of options that fail {@link settings} or with
 * which the SDK cannot be made.
 *
 * @internal
 */
export const connect = (options: ConnectionOptions): AdapterConfig.Check<Call> => {
  const checked = settings(options)
  if (Result.isFailure(checked)) return Result.fail(checked.failure)
  const { secretKey, timeout } = checked.success
  const millis = Math.ceil(Duration.toMillis(timeout))
  let sdk: StripeSdk
  try {
    sdk = sdkFor(checked.success, options.apiVersion)
  } catch (cause) {
    return Result.fail(AdapterConfig.fromDefect(PROVIDER, AdapterConfig.OPERATION, cause, [secretKey]))
  }
  const secrets = [secretKey]
  const call: Call = (operation, request) =>
    Wire.track((progress) => {
      let timedOut = () => false
      return Effect.tryPromise({
        try: (signal) => {
          const running = abortable(signal, millis, () => Wire.within(progress, () => request(sdk)))
          timedOut = running.timedOut
          return running.promise
        },
        catch: (cause) =>
          classify(operation, failureOf(cause), { timedOut: timedOut(), timeout, written: progress.written, secrets })
      })
    }).pipe(
      // Nothing thrown in a call escapes as a defect.
      Effect.catchDefect((defect) => Effect.fail(AdapterConfig.fromDefect(PROVIDER, operation, defect, secrets)))
    )
  return Result.succeed(call)
}
