/**
 * Whether a request reached the wire: the difference between a timeout
 * before anything was written (the connection never came up: nothing can
 * have been sent) and one after (the provider may have acted). An abort looks
 * the same in both cases to `fetch` and axios, so adapters start their SDK's
 * request inside {@link track}, and Node's own diagnostics channels say when
 * its headers were written (`undici:client:sendHeaders` for `fetch`, the
 * request's `finish` for `node:http`, which axios uses). The adapter reads
 * `progress.written` when it classifies its SDK's timeout, and the engine
 * reads it when its own timer stops the call (`Resilience.protect`), so a
 * timeout before the write is `"notSent"` and fails over at once.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { IntegrationError, Wire } from "@wedsync/core"
 *
 * const send = Wire.track((progress) =>
 *   Effect.tryPromise({
 *     try: (signal) => Wire.within(progress, () => sdk.messages.create(params, { signal })),
 *     catch: (cause) => classify(cause, { delivery: progress.written ? "maybeSent" : "notSent" })
 *   })
 * )
 * ```
 *
 * @since 0.1.0
 */
import { AsyncLocalStorage } from "node:async_hooks"
import * as diagnostics from "node:diagnostics_channel"
import type { ClientRequest } from "node:http"
import { Effect } from "effect"
import type * as IntegrationError from "./IntegrationError.ts"

/**
 * One request's progress: `written` turns true once its headers (fetch) or
 * whole body (node:http) went out on a connected socket.
 *
 * @since 0.1.0
 */
export interface Progress {
  readonly written: boolean
}

interface Mutable {
  written: boolean
}

const storage = new AsyncLocalStorage<Mutable>()
const byRequest = new WeakMap<object, Mutable>()
// Keyed by the fiber the request runs on, so the engine's timer can ask after it.
const byFiber = new WeakMap<object, Mutable>()

let subscribed = false
const subscribe = () => {
  subscribed = true
  diagnostics.subscribe("undici:request:create", (message) => {
    const progress = storage.getStore()
    const request = (message as { readonly request?: object }).request
    if (progress !== undefined && request !== undefined) byRequest.set(request, progress)
  })
  diagnostics.subscribe("undici:client:sendHeaders", (message) => {
    const request = (message as { readonly request?: object }).request
    const progress = request === undefined ? undefined : byRequest.get(request)
    if (progress !== undefined) progress.written = true
  })
  diagnostics.subscribe("http.client.request.start", (message) => {
    const progress = storage.getStore()
    const request = (message as { readonly request?: ClientRequest }).request
    if (progress !== undefined && request !== undefined) {
      request.once("finish", () => {
        progress.written = true
      })
    }
  })
}

/**
 * Runs `use` with a fresh progress for the request it starts (through
 * {@link within}), known to the engine for as long as the call runs.
 *
 * @example
 * ```ts
 * Wire.track((progress) => Effect.tryPromise({ try: (signal) => Wire.within(progress, () => call(signal)), catch }))
 * ```
 * @since 0.1.0
 */
export const track = <A, E, R>(use: (progress: Progress) => Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.withFiber((fiber) => {
    if (!subscribed) subscribe()
    const progress: Mutable = { written: false }
    byFiber.set(fiber, progress)
    return use(progress)
  })

/**
 * Starts a request (calls `start`) so that its writes count for `progress`.
 *
 * @example
 * ```ts
 * Wire.within(progress, () => fetch(url, { signal }))
 * ```
 * @since 0.1.0
 */
export const within = <A>(progress: Progress, start: () => A): A => storage.run(progress as Mutable, start)

/**
 * The delivery of a request that timed out with `progress`: nothing written
 * is `"notSent"`, anything else `"maybeSent"`.
 *
 * @example
 * ```ts
 * Wire.timedOut({ written: false }) // "notSent"
 * ```
 * @since 0.1.0
 */
export const timedOut = (progress: Progress | undefined): IntegrationError.Delivery =>
  progress !== undefined && !progress.written ? "notSent" : "maybeSent"

/**
 * The progress of the request last started on `fiber`, if it was tracked.
 *
 * @internal
 */
export const progressOf = (fiber: object): Progress | undefined => byFiber.get(fiber)
