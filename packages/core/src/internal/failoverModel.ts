/**
 * The data of `Failover`: a plan, its attempts, why a step was skipped, and
 * the error of a run that no provider served. Kept apart from the loop that
 * runs a plan (`Failover.ts`), which re-exports every name here.
 *
 * @internal
 */
import { Schema } from "effect"
import * as IntegrationError from "../IntegrationError.ts"
import * as MaybeSent from "../MaybeSent.ts"
import * as Policy from "../Policy.ts"
import type { BrokenStep } from "./failoverSteps.ts"

/** Any port: a service that names its provider. @since 0.1.0 */
export interface Port {
  readonly provider: string
}

/**
 * Why a step was skipped without being called: by an operator's hand, the
 * plan was pinned to a later provider (`"Pinned"`) or this provider is
 * disabled (`"Disabled"`); or the run's `deadlineMillis` had passed before the
 * step could start (`"DeadlineExceeded"`). An open circuit's skip carries
 * `"CircuitOpen"`.
 *
 * @example
 * ```ts
 * Schema.is(Failover.SkipReason)("DeadlineExceeded") // true
 * ```
 * @since 0.1.0
 */
export const SkipReason = Schema.Literals(["Pinned", "Disabled", "DeadlineExceeded"])

/** @since 0.1.0 */
export type SkipReason = typeof SkipReason.Type

/**
 * Why an attempt failed or was skipped: a reason's tag, or a skip reason.
 *
 * @example
 * ```ts
 * const reason: Failover.AttemptReason = "RateLimited"
 * ```
 * @since 0.1.0
 */
export const AttemptReason = Schema.Union([IntegrationError.ReasonTag, SkipReason])

/** @since 0.1.0 */
export type AttemptReason = typeof AttemptReason.Type

/**
 * What happened at one step: `reason` is present on every failed and skipped
 * attempt, absent on a success. `delivery` says of a failed attempt whether
 * the request may have reached the provider (`"maybeSent"`: repeating it may
 * duplicate the message) or certainly did not (`"notSent"`); absent when
 * nobody can tell, and on successes and skips. A maybe-sent attempt carries
 * its `resolution` (`MaybeSent.Outcome`): `"found"` when the provider had
 * the message after all (that attempt served the run), else `"notFound"` or
 * `"unknown"`, and what followed is the `MaybeSent` policy's decision.
 *
 * @example
 * ```ts
 * const attempt: Failover.Attempt = {
 *   provider: "twilio",
 *   outcome: "failed",
 *   reason: "TimedOut",
 *   delivery: "maybeSent",
 *   resolution: "notFound",
 *   durationMillis: 8_000
 * }
 * ```
 * @since 0.1.0
 */
export const Attempt = Schema.Struct({
  provider: Schema.String,
  outcome: Schema.Literals(["success", "failed", "skipped"]),
  reason: Schema.optional(AttemptReason),
  delivery: Schema.optional(IntegrationError.Delivery),
  /** On a maybe-sent attempt: what resolving it found (`"found"`: it was sent, and served the run). */
  resolution: Schema.optional(MaybeSent.Outcome),
  durationMillis: Schema.Number
})

/** @since 0.1.0 */
export type Attempt = typeof Attempt.Type

/** A successful failover run: the value, who served it, and everything tried. @since 0.1.0 */
export interface Served<A> {
  readonly value: A
  readonly provider: string
  readonly attempts: ReadonlyArray<Attempt>
}

/**
 * Every step failed, or one failed for a reason no backup can fix. `reason` is
 * the deciding reason (so `Effect.catchReason("FailoverError", "Rejected", …)`
 * works); `lastError` is the full error of the last step tried.
 *
 * @since 0.1.0
 */
export class FailoverError extends Schema.TaggedError<FailoverError>("@wedsync/core/Failover/FailoverError")(
  "FailoverError",
  {
    service: Policy.ServiceType,
    operation: Schema.String,
    reason: IntegrationError.Reason,
    attempts: Schema.Array(Attempt),
    lastError: IntegrationError.IntegrationError
  }
) {
  override get message(): string {
    const tried = this.attempts.map((attempt) => `${attempt.provider}: ${attempt.reason ?? attempt.outcome}`).join(", ")
    const late = this.attempts.some((attempt) => attempt.reason === "DeadlineExceeded")
    const held = this.attempts.at(-1)
    if (held?.resolution === "notFound" || held?.resolution === "unknown") {
      return `${this.service}.${this.operation} may have been sent by ${held.provider} (${tried}); held unresolved, not repeated`
    }
    return `${this.service}.${this.operation} failed on every provider (${tried})${late ? "; the deadline passed" : ""}`
  }
}

/**
 * What the durable tier needs to know of a failure that ran over several
 * providers (a `FailoverError`, a notification's error): the deciding error
 * whole, every attempt by provider and reason, and the service whose policy
 * decides what happens next. Readers go by this shape, not by the error class.
 *
 * @example
 * ```ts
 * const failure: Failover.ProviderFailure = failoverError
 * failure.lastError.reason._tag // "Unavailable"
 * ```
 * @since 0.1.0
 */
export interface ProviderFailure {
  readonly service: Policy.ServiceType
  readonly lastError: IntegrationError.IntegrationError
  readonly attempts: ReadonlyArray<{
    readonly provider?: string | undefined
    readonly outcome: "success" | "failed" | "skipped"
    readonly reason?: string | undefined
    readonly delivery?: IntegrationError.Delivery | undefined
  }>
}

/**
 * Whether a value has the {@link ProviderFailure} shape.
 *
 * @example
 * ```ts
 * if (Failover.isProviderFailure(error)) yield* Effect.log(error.lastError.reason._tag)
 * ```
 * @since 0.1.0
 */
export const isProviderFailure = (u: unknown): u is ProviderFailure =>
  typeof u === "object" &&
  u !== null &&
  "lastError" in u &&
  IntegrationError.isIntegrationError(u.lastError) &&
  "attempts" in u &&
  Array.isArray(u.attempts) &&
  "service" in u &&
  typeof u.service === "string"

/** An ordered plan of built providers for one port; a provider that could not be built is a {@link BrokenStep}. @since 0.1.0 */
export interface Plan<S extends Port> {
  readonly service: Policy.ServiceType
  readonly steps: ReadonlyArray<S | BrokenStep>
}
