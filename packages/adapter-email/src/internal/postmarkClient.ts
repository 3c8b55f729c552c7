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
 * @internal
 */
import { Duration, Effect, Redacted } from "effect"
import { AbortSignals, type IntegrationError } from "@wedsync/core"
import { ServerClient } from "postmark"
import { parseRetryAfter } from "./answer.ts"
import { classify } from "./postmarkErrors.ts"

/** Postmark's API. @internal */
export const defaultBaseUrl = "https://api.postmarkapp.com"

/** What a connection to Postmark's API needs: the options `Postmark.layer` takes. @internal */
export interface ConnectionOptions {
  readonly serverToken: Redacted.Redacted<string>
  readonly baseUrl?: string | undefined
  readonly timeout?: Duration.Input | undefined
}

/** The fetch wrapper's record of a call's one HTTP exchange. */
interface Exchange {
  status?: number
  retryAfter?: Duration.Duration
  timeoutSignal?: AbortSignal
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

/**
 * A caller bound to one server token, base URL and timeout (default 10 s).
 *
 * @internal
 */
export const connect = (options: ConnectionOptions): { readonly call: Call; readonly serverToken: string } => {
  const serverToken = Redacted.value(options.serverToken)
  const base = new URL(options.baseUrl ?? defaultBaseUrl)
  const timeout = Duration.fromInputUnsafe(options.timeout ?? Duration.seconds(10))
  const client = (signal: AbortSignal, exchange: Exchange) =>
    new ServerClient(serverToken, {
      useHttps: base.protocol === "https:",
      requestHost: base.host,
      // The SDK counts its timeout in seconds; an infinite one becomes the longest a timer can wait.
      timeout: Math.min(Duration.toMillis(timeout), 2_147_483_647) / 1000,
      fetch: async (input, init) => {
        const own = init?.signal ?? undefined
        if (own !== undefined) exchange.timeoutSignal = own
        const response = await fetch(input, {
          ...init,
          signal: AbortSignals.join(own, signal)
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
      return Effect.tryPromise({
        try: (signal) => run(client(signal, exchange)),
        // The SDK's timeout signal may fire during fetch or while it reads the body.
        catch: (cause) =>
          classify(operation, cause, {
            ...exchange,
            timedOut: exchange.timeoutSignal?.aborted === true,
            timeout,
            secrets: [serverToken]
          })
      }).pipe(Effect.map((value) => ({ value, status: exchange.status })))
    })
  return { call, serverToken }
}
