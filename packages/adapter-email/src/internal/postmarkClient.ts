/**
 * One Postmark SDK call as an Effect, shared by the sender (`Postmark`) and the
 * status lookup (`PostmarkStatus`).
 *
 * The SDK throws `PostmarkError`s that carry no response headers, so every
 * call goes through the SDK's `fetch` option: the wrapper records the status
 * and Retry-After, and joins the Effect's AbortSignal to the SDK's own timeout
 * signal so that interrupting the Effect aborts the HTTP request. A client is
 * made per call (it is a plain object) so each call has its own signal. The SDK
 * never retries.
 *
 * The options are checked first (core's `AdapterConfig`): an empty token, a
 * base URL that does not parse or a timeout no timer can hold is the
 * `Misconfigured` error naming the option, and whatever still throws in a call
 * is classified the same way, never a defect.
 *
 * @internal
 */
import { Duration, Effect, Redacted, Result } from "effect"
import { AbortSignals, AdapterConfig, IntegrationError, Wire } from "@wedsync/core"
import { ServerClient } from "postmark"
import { parseRetryAfter } from "./answer.ts"
import { classify } from "./postmarkErrors.ts"

/** Postmark's API. @internal */
export const defaultBaseUrl = "https://api.postmarkapp.com"

const PROVIDER = "postmark"

/** The SDK's own timeout unless the options give another. @internal */
export const defaultTimeout: Duration.Duration = Duration.seconds(10)

/** What a connection to Postmark's API needs: the options `Postmark.layer` takes. @internal */
export interface ConnectionOptions {
  readonly serverToken: Redacted.Redacted<string>
  readonly baseUrl?: string | undefined
  readonly timeout?: Duration.Input | undefined
}

/** The fetch wrapper's record of a call's one HTTP exchange. */
interface Exchange {
  requested?: boolean
  status?: number
  retryAfter?: Duration.Duration
  timeoutSignal?: AbortSignal
  networkCode?: string
}

/** A call's answer and the HTTP status it came with. @internal */
export interface Answer<A> {
  readonly value: A
  readonly status: number | undefined
}

/** Runs one SDK call, every failure classified. @internal */
export type Call = <A>(
  operation: string,
  run: (sdk: ServerClient) => Promise<A>
) => Effect.Effect<Answer<A>, IntegrationError.IntegrationError>

/** A caller, and the secrets it must keep out of errors. @internal */
export interface Connection {
  readonly call: Call
  readonly secrets: ReadonlyArray<string>
}

/**
 * A connection whose every call fails with `error`: what `make` runs on with
 * options that failed their check.
 *
 * @internal
 */
export const failing = (error: IntegrationError.IntegrationError): Connection => ({
  call: () => Effect.fail(error),
  secrets: []
})

/**
 * A caller bound to one server token, base URL and timeout (default 10 s), or
 * the `Misconfigured` error naming the first option that cannot work.
 *
 * @internal
 */
export const connect = (options: ConnectionOptions): AdapterConfig.Check<Connection> => {
  const checked = Result.all({
    serverToken: Result.map(AdapterConfig.nonEmptySecret(PROVIDER, "serverToken", options.serverToken), Redacted.value),
    base: AdapterConfig.baseUrl(PROVIDER, "baseUrl", options.baseUrl ?? defaultBaseUrl),
    timeout: AdapterConfig.timeout(PROVIDER, "timeout", options.timeout ?? defaultTimeout)
  })
  return Result.map(checked, ({ serverToken, base, timeout }) => ({
    call: caller(serverToken, base, timeout),
    secrets: [serverToken]
  }))
}

const caller = (serverToken: string, base: URL, timeout: Duration.Duration): Call => {
  const client = (signal: AbortSignal, exchange: Exchange) =>
    new ServerClient(serverToken, {
      useHttps: base.protocol === "https:",
      requestHost: base.host,
      // The SDK counts its timeout in seconds.
      timeout: Duration.toMillis(timeout) / 1000,
      fetch: async (input, init) => {
        exchange.requested = true
        const own = init?.signal ?? undefined
        if (own !== undefined) exchange.timeoutSignal = own
        const response = await fetch(input, {
          ...init,
          signal: AbortSignals.join(own, signal)
        }).catch((cause: unknown) => {
          // The SDK keeps only the words of a network error: its code says whether the request went out.
          const code = IntegrationError.networkCodeOf(cause)
          if (code !== undefined) exchange.networkCode = code
          throw cause
        })
        exchange.status = response.status
        const retryAfter = parseRetryAfter(response.headers.get("retry-after"))
        if (retryAfter !== undefined) exchange.retryAfter = retryAfter
        return response
      }
    })
  const call: Call = (operation, run) =>
    Effect.suspend(() => {
      const exchange: Exchange = {}
      return Wire.track((progress) =>
        Effect.tryPromise({
          try: (signal) => Wire.within(progress, () => run(client(signal, exchange))),
          // The SDK's timeout signal may fire during fetch or while it reads the body.
          catch: (cause) =>
            classify(operation, cause, {
              ...exchange,
              requested: exchange.requested === true,
              timedOut: exchange.timeoutSignal?.aborted === true,
              timeout,
              secrets: [serverToken],
              written: progress.written
            })
        })
      ).pipe(Effect.map((value) => ({ value, status: exchange.status })))
    }).pipe(
      // Nothing thrown in a call escapes as a defect.
      Effect.catchDefect((defect) => Effect.fail(AdapterConfig.fromDefect(PROVIDER, operation, defect, [serverToken])))
    )
  return call
}
