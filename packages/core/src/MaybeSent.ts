/**
 * Maybe sent: what happens after a failure that may have reached the
 * provider (a timeout or reset after the request was written, a 5xx; see
 * `IntegrationError.Delivery`).
 *
 * Repeating such a request may duplicate the message: Twilio, Vonage and
 * Postmark take no idempotency key. So a maybe-sent attempt is neither
 * retried in the call (`Resilience.protect` without `idempotent`) nor failed
 * over until it is resolved. A port resolves it where the provider can answer
 * (a {@link Resolver}): Twilio lists messages by To and From and matches the
 * body, Postmark searches outbound messages by recipient and our reference in
 * their metadata, Vonage waits a bounded time for a delivery receipt with our
 * `client-ref`, Resend (and Stripe) replay the request with the same
 * idempotency key, which answers with the original result instead of sending
 * again.
 *
 * Only finding the message resolves it: a lookup can find a send, never prove
 * there was none (Twilio's list can lag by minutes; RECONCILIATION.md). What
 * happens to an attempt left unresolved is policy ({@link WhenUnresolved}),
 * by the wedding's criticality ({@link Policy}): on the wedding day a
 * reminder goes to the backup, accepting at most one duplicate rather than
 * risking none arriving; otherwise the work is held, as maybe sent, for a
 * later resolution (the durable outbox asks again before repeating it).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Failover, MaybeSent } from "@wedsync/core"
 *
 * const sent = yield* Failover.run(plan, "send", (sms) => sms.send(message), {
 *   resolve: (sms, error, since) => sms.resolve?.(message, since) ?? Effect.succeed(MaybeSent.unknown())
 * })
 * sent.attempts[0] // { provider: "twilio", outcome: "failed", reason: "TimedOut", delivery: "maybeSent", resolution: "found" }
 * ```
 *
 * @since 0.1.0
 */
import { Context, Effect, Schema } from "effect"
import type * as IntegrationError from "./IntegrationError.ts"
import type { ServiceType } from "./Policy.ts"
import * as Resilience from "./Resilience.ts"
import type * as WeddingContext from "./WeddingContext.ts"

/**
 * How a maybe-sent attempt was resolved: the provider has the message
 * (`"found"`; the attempt served), it was asked and does not have it as far
 * as it can tell (`"notFound"`: weak, a lookup can lag), or nobody could
 * answer (`"unknown"`: no lookup, the lookup failed, no receipt in time).
 *
 * @example
 * ```ts
 * Schema.is(MaybeSent.Outcome)("notFound") // true
 * ```
 * @since 0.1.0
 */
export const Outcome = Schema.Literals(["found", "notFound", "unknown"])

/** @since 0.1.0 */
export type Outcome = typeof Outcome.Type

/**
 * What a resolver learned. `Found` carries the result the attempt would have
 * given (the provider's message id), so the run is served by it.
 *
 * @since 0.1.0
 */
export type Resolution<A> =
  | { readonly _tag: "Found"; readonly value: A }
  | { readonly _tag: "NotFound" }
  | { readonly _tag: "Unknown"; readonly error?: IntegrationError.IntegrationError | undefined }

/**
 * The provider has the message: `value` stands for the attempt's result.
 *
 * @example
 * ```ts
 * MaybeSent.found({ messageId: "SM…", status: "queued" })
 * ```
 * @since 0.1.0
 */
export const found = <A>(value: A): Resolution<A> => ({ _tag: "Found", value })

/**
 * The provider was asked and does not have the message, as far as it can tell.
 *
 * @example
 * ```ts
 * const answer: MaybeSent.Resolution<never> = MaybeSent.notFound
 * ```
 * @since 0.1.0
 */
export const notFound: Resolution<never> = { _tag: "NotFound" }

/**
 * Nobody could tell: no lookup, or it failed with `error`.
 *
 * @example
 * ```ts
 * MaybeSent.unknown(lookupError)
 * ```
 * @since 0.1.0
 */
export const unknown = (error?: IntegrationError.IntegrationError): Resolution<never> =>
  error === undefined ? { _tag: "Unknown" } : { _tag: "Unknown", error }

/** The attempt's word for a resolution. @since 0.1.0 */
export const outcomeOf = (resolution: Resolution<unknown>): Outcome =>
  resolution._tag === "Found" ? "found" : resolution._tag === "NotFound" ? "notFound" : "unknown"

/**
 * How a port resolves a maybe-sent attempt of one message: looks it up (or
 * replays it with the same idempotency key, or waits for its receipt) and
 * answers. `since` is when the attempt started (epoch milliseconds), so a
 * lookup can ignore older messages. The call is bounded by its caller
 * (`Failover.run` gives it what remains of the plan's deadline, at most
 * `resolveWithinMillis`).
 *
 * @example
 * ```ts
 * const resolve: MaybeSent.Resolver<SmsMessage, SmsReceipt> = (message, since) => twilio.resolve(message, since)
 * ```
 * @since 0.1.0
 */
export type Resolver<M, A> = (
  message: M,
  since: number
) => Effect.Effect<Resolution<A>, IntegrationError.IntegrationError>

/**
 * What to do when a maybe-sent attempt stays unresolved: go on to the next
 * provider or channel, accepting that the message may arrive twice
 * (`"failover"`), or stop and report it as maybe sent, so it is held and
 * resolved later (`"hold"`).
 *
 * @example
 * ```ts
 * Schema.is(MaybeSent.WhenUnresolved)("hold") // true
 * ```
 * @since 0.1.0
 */
export const WhenUnresolved = Schema.Literals(["failover", "hold"])

/** @since 0.1.0 */
export type WhenUnresolved = typeof WhenUnresolved.Type

/**
 * The policy for unresolved attempts, by criticality, and how many of them
 * one send may pass over (`maxDuplicates`: each may have delivered a copy).
 *
 * @since 0.1.0
 */
export interface PolicyTable {
  readonly byCriticality: Readonly<Record<WeddingContext.Criticality, WhenUnresolved>>
  /** Work with no wedding in context (marketing, account mail). */
  readonly withoutWedding: WhenUnresolved
  /** With `"failover"`: unresolved attempts one send may pass over before it holds (default 1). */
  readonly maxDuplicates: number
}

/**
 * The defaults (docs/ARCHITECTURE.md, "Maybe sent"): only wedding-day
 * critical work fails over past an unresolved attempt, and at most once per
 * send, so a reminder reaches the couple at most twice and never zero times
 * for want of trying. Everything else is held: a day-before reminder can wait
 * minutes for Twilio's list or a receipt to catch up, and a marketing email
 * must never arrive twice.
 *
 * @example
 * ```ts
 * MaybeSent.defaults.byCriticality.wedding_day_critical // "failover"
 * MaybeSent.defaults.byCriticality.high // "hold"
 * ```
 * @since 0.1.0
 */
export const defaults: PolicyTable = {
  byCriticality: { low: "hold", medium: "hold", high: "hold", wedding_day_critical: "failover" },
  withoutWedding: "hold",
  maxDuplicates: 1
}

/**
 * The policy in force; override with `Effect.provideService(MaybeSent.Policy, …)`.
 *
 * @example
 * ```ts
 * program.pipe(Effect.provideService(MaybeSent.Policy, { ...MaybeSent.defaults, withoutWedding: "failover" }))
 * ```
 * @since 0.1.0
 */
export const Policy = Context.Reference<PolicyTable>("@wedsync/core/MaybeSent/Policy", {
  defaultValue: () => defaults
})

/**
 * The decision for work of a wedding resolved as `wedding` (or none).
 *
 * @example
 * ```ts
 * MaybeSent.decide(MaybeSent.defaults, undefined) // "hold"
 * ```
 * @since 0.1.0
 */
export const decide = (
  table: PolicyTable,
  wedding: { readonly criticality: WeddingContext.Criticality } | undefined
): WhenUnresolved => (wedding === undefined ? table.withoutWedding : table.byCriticality[wedding.criticality])

/**
 * Asks a provider whether a maybe-sent request reached it: runs `resolution`
 * (a port's `resolve`) on the provider's `"status"` circuit, where it may be
 * retried (a lookup, or a replay under the same key, repeats nothing), and
 * reads its own failure as `unknown`. `Failover.run`, `Notifications` and
 * `Payments` all ask through this.
 *
 * @example
 * ```ts
 * const answer = yield* MaybeSent.ask(twilio.resolve(message, since), { service: "sms", provider: "twilio", operation: "send.resolve" })
 * ```
 * @since 0.1.0
 */
export const ask = <A, R>(
  resolution: Effect.Effect<Resolution<A>, IntegrationError.IntegrationError, R>,
  options: {
    readonly service: ServiceType
    readonly provider: string
    readonly operation: string
    /** An outer deadline's remainder, as `Resilience.protect` takes it. */
    readonly withinMillis?: number | undefined
  }
): Effect.Effect<Resolution<A>, never, R | Resilience.Resilience> =>
  resolution.pipe(
    Resilience.protect({ ...options, circuit: "status", idempotent: true }),
    Effect.catch((failure) => Effect.succeed(unknown(failure)))
  )
