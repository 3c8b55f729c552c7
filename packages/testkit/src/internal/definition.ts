/**
 * What a simulator is made of: the request a route sees, its reply, the
 * error catalogue entries, the routes and the provider's definition.
 * `Simulator` re-exports them; provider modules build on them.
 *
 * @internal
 */
import type { IntegrationError } from "@wedsync/core"
import type { ErrorKind, FaultPlan } from "../Faults.ts"
import type { FormValue } from "./form.ts"
import type { Ledger } from "../Ledger.ts"
import type * as Webhooks from "../Webhooks.ts"

/** A request as a route handler sees it. @since 0.1.0 */
export interface SimRequest {
  readonly method: string
  readonly path: string
  readonly query: URLSearchParams
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly rawBody: string
  readonly params: Readonly<Record<string, string>>
  readonly operation: string
  /** The body as JSON; throws {@link BadBody} when it is not. */
  readonly json: () => unknown
  /** The body as a form, with Stripe-style nesting (`metadata[order]=o1`, `items[0]=a`). */
  readonly form: () => Readonly<Record<string, FormValue>>
}

/** An answer: status, headers and a body (objects are sent as JSON). @since 0.1.0 */
export interface Reply {
  readonly status: number
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: unknown
}

/** Thrown by `request.json()` for a body that is not JSON; answered with the provider's `invalidBody`. @since 0.1.0 */
export class BadBody extends Error {}

/**
 * One entry of a provider's error catalogue.
 *
 * @since 0.1.0
 */
export interface ErrorEntry {
  readonly kind: ErrorKind
  /** The reason a correct adapter classifies this answer as. */
  readonly reason: IntegrationError.ReasonTag
  /** What it means, in the provider's terms. */
  readonly description: string
  readonly reply: (request: SimRequest, options: { readonly retryAfterSeconds: number }) => Reply
}

/**
 * A catalogue entry, for provider modules' error tables.
 *
 * @example
 * ```ts
 * const errors = {
 *   rate_limit_exceeded: Simulator.catalogueEntry("rateLimited", "RateLimited", "429: too many requests", (_, { retryAfterSeconds }) => ({
 *     status: 429,
 *     headers: { "retry-after": String(retryAfterSeconds) },
 *     body: { statusCode: 429, name: "rate_limit_exceeded", message: "Too many requests." }
 *   }))
 * }
 * ```
 * @since 0.1.0
 */
export const catalogueEntry = (
  kind: ErrorKind,
  reason: ErrorEntry["reason"],
  description: string,
  reply: ErrorEntry["reply"]
): ErrorEntry => ({ kind, reason, description, reply })

/** What a route handler can use. @since 0.1.0 */
export interface HandlerContext<State, Credentials> {
  readonly state: State
  readonly ledger: Ledger
  readonly credentials: Credentials
  readonly baseUrl: string
  /** The simulator's seeded random source. */
  readonly random: () => number
  /** A seeded id: `prefix` + `length` base-62 characters. */
  readonly id: (prefix: string, length?: number) => string
  /** Sends a webhook for this event in the background (to `event.url` or the configured webhook URL). */
  readonly emit: (event: Webhooks.WebhookEvent) => void
}

/** One route of a provider. Paths use `:name` segments. @since 0.1.0 */
export interface Route<State, Credentials> {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE"
  readonly path: string
  /** The operation name faults and the ledger use, e.g. `"payment_intents.create"`. */
  readonly operation: string
  readonly handle: (request: SimRequest, context: HandlerContext<State, Credentials>) => Reply | Promise<Reply>
}

/**
 * A provider simulator's definition.
 *
 * @since 0.1.0
 */
export interface Definition<State, Credentials> {
  readonly provider: string
  readonly credentials: Credentials
  readonly state: () => State
  readonly routes: ReadonlyArray<Route<State, Credentials>>
  /** The provider's 401 (or its equivalent) when the credentials are wrong; `undefined` when they are right. */
  readonly authenticate: (request: SimRequest, credentials: Credentials) => Reply | undefined
  readonly errors: Readonly<Record<string, ErrorEntry>>
  /** The catalogue entry a fault names by kind. */
  readonly defaultErrors: Readonly<Record<ErrorKind, string>>
  readonly notFound: (request: SimRequest) => Reply
  readonly invalidBody: (request: SimRequest) => Reply
  /** Headers every answer carries, e.g. a request id. */
  readonly responseHeaders?: (
    request: SimRequest,
    context: HandlerContext<State, Credentials>
  ) => Record<string, string>
  readonly signer?: Webhooks.Signer<Credentials>
}

/** Options for starting a simulator. @since 0.1.0 */
export interface Options<Credentials> {
  /** Port to listen on; 0 (the default) picks a free one. */
  readonly port?: number
  /** Seed for fault draws, latencies and ids (default 1). */
  readonly seed?: number
  readonly credentials?: Partial<Credentials>
  /** Where the simulator sends its provider's webhooks: an http:// or https:// URL. */
  readonly webhookUrl?: string
  /** The largest request body it reads, in bytes (default 1 MiB); a larger one is answered 413. */
  readonly bodyLimitBytes?: number
}

/**
 * What every running simulator offers whatever its provider: the part the hub,
 * the control endpoint and the contract suites use.
 *
 * @since 0.1.0
 */
export interface Handle {
  readonly provider: string
  readonly url: string
  readonly port: number
  readonly operations: ReadonlyArray<string>
  readonly faults: FaultPlan
  readonly ledger: Ledger
  readonly deliveries: ReadonlyArray<Webhooks.DeliveryRecord>
  readonly catalogue: Readonly<Record<string, ErrorEntry>>
  /** Where webhooks go; setting anything but an http(s) URL throws `InvalidOptions`. */
  webhookUrl: string | undefined
  readonly errorEntry: (name: string) => ErrorEntry
  readonly reset: () => void
  readonly settle: () => Promise<void>
  readonly stop: () => Promise<void>
}
