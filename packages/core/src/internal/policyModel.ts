/**
 * The policy model: the schemas of a service policy, kept apart from
 * `Policy.ts` (the override machinery) and `policyDefaults.ts` (the spec's
 * numbers), which both build on it. `Policy` re-exports the public ones.
 *
 * @internal
 */
import { Schema } from "effect"
import * as IntegrationError from "../IntegrationError.ts"
import { Criticality } from "../WeddingContext.ts"

/** The kinds of service WedSync integrates with. @since 0.1.0 */
export const ServiceType = Schema.Literals(["payment", "email", "sms", "calendar", "vendor_api", "storage", "webhook"])

/** @since 0.1.0 */
export type ServiceType = typeof ServiceType.Type

/** Every `IntegrationError` reason tag, as a schema (the same as `IntegrationError.ReasonTag`). @since 0.1.0 */
export const ReasonTag = IntegrationError.ReasonTag

/** @internal */
export const Millis = Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0))
/** @internal */
export const PositiveMillis = Schema.Finite.check(Schema.isGreaterThan(0))
/** @internal */
export const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
/** @internal */
export const PositiveCount = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))

/** @internal */
export const notAbove = (field: string, value: number, bound: string, limit: number) =>
  value <= limit ? undefined : { path: [field], issue: `Expected ${field} <= ${bound} (${limit}), got ${value}` }

/** @internal */
export const BreakerFields = Schema.Struct({
  failureRateThreshold: Schema.Finite.check(Schema.isGreaterThan(0), Schema.isLessThanOrEqualTo(1)),
  windowSize: PositiveCount,
  minimumCalls: PositiveCount,
  openMillis: PositiveMillis,
  slowCallMillis: PositiveMillis
})

/** Circuit breaker: opens when `failureRateThreshold` of the last `windowSize` calls failed. @since 0.1.0 */
export const Breaker = BreakerFields.check(
  Schema.makeFilter((b) => notAbove("minimumCalls", b.minimumCalls, "windowSize", b.windowSize))
)

/** @since 0.1.0 */
export type Breaker = typeof Breaker.Type

/** @internal */
export const InCallFields = Schema.Struct({
  maxAttempts: PositiveCount,
  baseDelayMillis: Millis,
  maxDelayMillis: Millis
})

/** Short retries inside one call; `maxAttempts` counts the first attempt. @since 0.1.0 */
export const InCall = InCallFields.check(
  Schema.makeFilter((r) => notAbove("baseDelayMillis", r.baseDelayMillis, "maxDelayMillis", r.maxDelayMillis))
)

/**
 * How long a deferred retry waits: a fixed delay or `min(cap, base·factorⁿ)`.
 * Under decorrelated jitter an exponential delay grows from the previous delay
 * instead, within `[base, cap]`.
 *
 * @since 0.1.0
 */
export const Delay = Schema.Union([
  Schema.Struct({ kind: Schema.Literal("fixed"), millis: Millis }),
  Schema.Struct({
    kind: Schema.Literal("exponential"),
    baseMillis: Millis,
    factor: Schema.Finite.check(Schema.isGreaterThanOrEqualTo(1)),
    capMillis: Millis
  }).check(Schema.makeFilter((d) => notAbove("baseMillis", d.baseMillis, "capMillis", d.capMillis)))
])

/** @since 0.1.0 */
export type Delay = typeof Delay.Type

/** One row of a deferred-retry table: which reasons, how long to wait, how often. @since 0.1.0 */
export const DeferredRule = Schema.Struct({
  reasons: Schema.Array(ReasonTag),
  delay: Delay,
  maxRetries: Count,
  maxRetriesByCriticality: Schema.optionalKey(Schema.Record(Criticality, Schema.optionalKey(Count)))
})

/** @since 0.1.0 */
export type DeferredRule = typeof DeferredRule.Type

/** @internal */
export const DeferredFields = Schema.Struct({
  jitter: Schema.Literals(["none", "decorrelated"]),
  rules: Schema.Array(DeferredRule)
})
/** @internal */
export const BulkheadFields = Schema.Struct({ maxConcurrent: PositiveCount, maxQueue: Count })

/**
 * Everything that governs calls to one kind of service. Durations are
 * milliseconds. A reason that appears in no deferred rule is never retried.
 *
 * @example
 * ```ts
 * Schema.decodeUnknownSync(Policy.ServicePolicy)(Policy.defaults.email).breaker.openMillis // 30_000
 * ```
 * @since 0.1.0
 */
export const ServicePolicy = Schema.Struct({
  service: ServiceType,
  timeoutMillis: PositiveMillis,
  breaker: Breaker,
  inCall: InCall,
  deferred: DeferredFields,
  bulkhead: BulkheadFields
})

/** @since 0.1.0 */
export type ServicePolicy = typeof ServicePolicy.Type
