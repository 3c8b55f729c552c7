/**
 * One Resend SDK call as an Effect, shared by the sender (`Resend`) and the
 * status lookup (`ResendStatus`).
 *
 * Each call carries an AbortSignal joined from the Effect's interruption and
 * the adapter's own timeout (Resend's SDK has none), so a policy timeout or an
 * interruption really aborts the HTTP request. The SDK never retries and never
 * throws; its `{ error, headers }` answers are classified by `resendErrors.ts`.
 *
 * @internal
 */
import { Duration, Effect, Redacted } from "effect"
import { AbortSignals, type IntegrationError } from "@wedsync/core"
import { Resend as ResendSdk } from "resend"
import { classify, type Headers, type ResendError } from "./resendErrors.ts"

/** Resend's API. @internal */
export const defaultBaseUrl = "https://api.resend.com"

/** What a connection to Resend's API needs: the options `Resend.layer` takes. @internal */
export interface ConnectionOptions {
  readonly apiKey: Redacted.Redacted<string>
  readonly baseUrl?: string | undefined
  readonly timeout?: Duration.Input | undefined
}

/** What every Resend SDK method resolves with. @internal */
export interface Result<A> {
  readonly data: A | null
  readonly error: ResendError | null
  readonly headers: Headers
}

/** Runs one SDK call; `byName` overrides the reason of an error name for this operation. @internal */
export type Call = <A>(
  operation: string,
  request: (sdk: ResendSdk, signal: AbortSignal) => Promise<Result<A>>,
  byName?: Readonly<Record<string, IntegrationError.AnswerReasonTag>>
) => Effect.Effect<A, IntegrationError.IntegrationError>

/**
 * A caller bound to one API key, base URL and timeout (default 10 s).
 *
 * @internal
 */
export const connect = (options: ConnectionOptions): Call => {
  const apiKey = Redacted.value(options.apiKey)
  const sdk = new ResendSdk(apiKey, { baseUrl: options.baseUrl ?? defaultBaseUrl })
  const timeout = Duration.fromInputUnsafe(options.timeout ?? Duration.seconds(10))
  return (operation, request, byName) =>
    Effect.suspend(() => {
      const timer = AbortSignals.timeout(timeout)
      const context = () => ({ timedOut: timer.aborted, timeout, secrets: [apiKey], byName })
      return Effect.tryPromise({
        try: (signal) => request(sdk, AbortSignals.join(signal, timer)),
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
}
