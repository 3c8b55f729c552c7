/**
 * Aborting stripe-node's requests. The SDK's Node HTTP client takes no
 * `AbortSignal`, only its own `timeout`, which starts counting once the
 * socket is connected (a connect that hangs is never timed out). The adapter
 * keeps that client — it is the one whose reset replay Stripe documents and
 * this adapter relies on (`ECONNRESET`/`EPIPE` are replayed once, same key) —
 * and adds aborting around it: a request started inside {@link run} (or in its
 * continuations, such as the SDK's replay) is recorded on the scope, found
 * through Node's documented `http.client.request.start` diagnostics channel
 * (the way core's `Wire` finds them), and {@link abort} destroys it. Nothing
 * is registered per request: the happy path pays one field write.
 *
 * The abort error carries code `ABORT_ERR`, which the SDK does not replay.
 *
 * @internal
 */
import { AsyncLocalStorage } from "node:async_hooks"
import * as diagnostics from "node:diagnostics_channel"
import type { ClientRequest } from "node:http"

/** The requests of one call: the latest one started, and whether the call was aborted. @internal */
export interface Scope {
  request: ClientRequest | undefined
  aborted: boolean
}

const storage = new AsyncLocalStorage<Scope>()

/** The error an aborted request is destroyed with. @internal */
export const abortError = (): Error => Object.assign(new Error("request aborted by the caller"), { code: "ABORT_ERR" })

const onStart = (message: unknown) => {
  const scope = storage.getStore()
  const request = (message as { readonly request?: ClientRequest }).request
  if (scope === undefined || request === undefined) return
  // Started after the abort (the SDK's replay after its sleep): never let it reach Stripe.
  if (scope.aborted) request.destroy(abortError())
  else scope.request = request
}

let subscribed = false

/** A fresh scope for one call. @internal */
export const make = (): Scope => ({ request: undefined, aborted: false })

/**
 * Runs `start` in `scope`: the node:http requests it starts are the scope's.
 *
 * @internal
 */
export const run = <A>(scope: Scope, start: () => A): A => {
  if (!subscribed) {
    subscribed = true
    diagnostics.subscribe("http.client.request.start", onStart)
  }
  return storage.run(scope, start)
}

/** Aborts the scope: destroys its request, and any it would start later. @internal */
export const abort = (scope: Scope): void => {
  scope.aborted = true
  scope.request?.destroy(abortError())
}
