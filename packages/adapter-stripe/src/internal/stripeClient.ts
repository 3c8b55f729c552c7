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
 *   as a defect;
 * - starts with the SDK's per-call stack capture off (`withoutCallSite`), the
 *   largest cost the adapter can take off a call.
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
 * Starts `request` with the SDK's call-site capture off. stripe-node reads
 * `new Error().stack` on every call, before any I/O, to attach the caller's
 * frames to an error it may raise later: 13–18 µs of CPU a call measured here,
 * more inside a fiber's deeper stack, about a tenth of a whole retrieve against
 * the simulator. The adapter never surfaces the SDK's errors (it classifies
 * them), so the frames would only be thrown away; errors raised later, on the
 * socket, keep their own stacks.
 */
const withoutCallSite = <A>(start: () => A): A => {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return start()
  } finally {
    Error.stackTraceLimit = limit
  }
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
  const call: Call = <A>(operation: string, request: (sdk: StripeSdk) => Promise<A>) =>
    Wire.track((progress) =>
      // One callback with its own timer and abort: no AbortController, no listener on a signal, no
      // promise around the SDK's. Aborted (interrupted, or its timer fired), it settles at once,
      // even while the SDK sleeps before its replay.
      Effect.callback<A, IntegrationError.IntegrationError>((resume) => {
        const scope = AbortScope.make()
        let settled = false
        // Classified inside the fiber, so a classifier that throws is a defect, caught below.
        const fail = (cause: unknown, timedOut: boolean) =>
          Effect.suspend(() =>
            Effect.fail(
              classify(operation, failureOf(cause), { timedOut, timeout, written: progress.written, secrets })
            )
          )
        const settle = (outcome: Effect.Effect<A, IntegrationError.IntegrationError>) => {
          if (settled) return
          settled = true
          clearTimeout(timer)
          resume(outcome)
        }
        const timer = setTimeout(() => {
          AbortScope.abort(scope)
          settle(fail(AbortScope.abortError(), true))
        }, millis)
        let started: Promise<A>
        try {
          started = AbortScope.run(scope, () => Wire.within(progress, () => withoutCallSite(() => request(sdk))))
        } catch (cause) {
          settle(fail(cause, false))
          return
        }
        started.then(
          (value) => settle(Effect.succeed(value)),
          (cause: unknown) => settle(fail(cause, false))
        )
        return Effect.sync(() => {
          if (settled) return
          settled = true
          clearTimeout(timer)
          AbortScope.abort(scope)
        })
      })
    ).pipe(
      // Nothing thrown in a call escapes as a defect.
      Effect.catchDefect((defect) => Effect.fail(AdapterConfig.fromDefect(PROVIDER, operation, defect, secrets)))
    )
  return Result.succeed(call)
}
