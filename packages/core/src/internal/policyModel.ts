/**
 * The policy model: the schemas of a service policy, kept apart from
 * `Policy.ts` (the override machinery) and `policyDefaults.ts` (the spec's
 * numbers), which both build on it. `Policy` re-exports the public ones.
 *
 * @internal
 */
import { Schema } from "effect"
import { MAX_TIMER_MILLIS } from "./timers.ts"
import * as IntegrationError from "../IntegrationError.ts"
import { Criticality } from "../WeddingContext.ts"

/** The kinds of service WedSync integrates with. @since 0.1.0 */
export const ServiceType = Schema.Literals([
  "payment",
  "email",
  "sms",
  "calendar",
  "vendor_api",
  "storage",
  "webhook",
  "webhook_delivery"
]).annotate({ expected: "one of payment, email, sms, calendar, vendor_api, storage, webhook, webhook_delivery" })

/** @since 0.1.0 */
export type ServiceType = typeof ServiceType.Type

/** Every `IntegrationError` reason tag, as a schema (the same as `IntegrationError.ReasonTag`). @since 0.1.0 */
export const ReasonTag = IntegrationError.ReasonTag

/**
 * The longest wait a timer can hold: Node's `setTimeout` (under `Effect.sleep`)
 * takes a signed 32-bit count of milliseconds and fires at once beyond it.
 *
 * @internal
 */
export const maxTimerMillis: number = MAX_TIMER_MILLIS

const durationProblem = (value: number, minimum: number): string | undefined => {
  if (!Number.isFinite(value)) return `must be a number of milliseconds; got ${value}`
  if (value < minimum) return `must be at least ${minimum} ms; got ${value}`
  if (value > maxTimerMillis) {
    return `must be at most ${maxTimerMillis} ms (about 24.8 days, the longest a timer can wait); got ${value}`
  }
  return undefined
}

const duration = (minimum: number) =>
  Schema.Number.check(
    Schema.makeFilter((value: number) => durationProblem(value, minimum), {
      expected: `a duration from ${minimum} to ${maxTimerMillis} ms`
    })
  )

/** A delay in milliseconds: 0 (at once) to {@link maxTimerMillis}. @internal */
export const Millis = duration(0)
/** A timeout or an open time in milliseconds: 1 to {@link maxTimerMillis}; 0 would fail every call at once. @internal */
export const PositiveMillis = duration(1)
/** @internal */
export const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
/** @internal */
export const PositiveCount = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))

/** The most calls a breaker window remembers: one byte each, per provider, in memory. @internal */
export const maxWindowSize = 10_000

/** @internal */
export const notAbove = (field: string, value: number, bound: string, limit: number) =>
  value <= limit ? undefined : { path: [field], issue: `must be at most ${bound} (${limit}); got ${value}` }

/** @internal */
export const BreakerFields = Schema.Struct({
  failureRateThreshold: Schema.Finite.check(Schema.isGreaterThan(0), Schema.isLessThanOrEqualTo(1)),
  windowSize: PositiveCount.check(
    Schema.makeFilter((size: number) =>
      size <= maxWindowSize ? undefined : `must be at most ${maxWindowSize} calls; got ${size}`
    )
  ),
  minimumCalls: PositiveCount,
  openMillis: PositiveMillis,
  slowCallMillis: PositiveMillis,
  consecutiveSlowCalls: PositiveCount.check(
    Schema.makeFilter((count: number) =>
      count <= maxWindowSize ? undefined : `must be at most ${maxWindowSize} calls; got ${count}`
    )
  )
})

/**
 * Circuit breaker: opens when `failureRateThreshold` of the last `windowSize`
 * calls failed, or at once after `consecutiveSlowCalls` calls in a row timed
 * out or took `slowCallMillis` or longer (a hang is evidence before a window
 * has the calls to judge a rate).
 *
 * @since 0.1.0
 */
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
 * How long a deferred retry waits: a fixed delay, `min(cap, base·factorⁿ)`,
 * or a table (the n-th retry waits `millis[n]`, the last entry repeating),
 * each table delay spread by up to `± jitter` of itself (0 to 1). Under
 * decorrelated jitter an exponential delay grows from the previous delay
 * instead, within `[base, cap]`.
 *
 * @since 0.1.0
 */
export const Delay = Schema.Union([
  Schema.Struct({ kind: Schema.Literal("fixed"), millis: Millis }),
  Schema.Struct({
    kind: Schema.Literal("table"),
    millis: Schema.NonEmptyArray(Millis),
    jitter: Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 }))
  }),
  Schema.Struct({
    kind: Schema.Literal("exponential"),
    baseMillis: Millis,
    factor: Schema.Finite.check(Schema.isGreaterThanOrEqualTo(1)),
    capMillis: Millis
  }).check(Schema.makeFilter((d) => notAbove("baseMillis", d.baseMillis, "capMillis", d.capMillis)))
]).annotate({
  expected: `a delay: {"kind":"fixed","millis":…}, {"kind":"exponential","baseMillis":…,"factor":…,"capMillis":…} or {"kind":"table","millis":[…],"jitter":…}`
})

/** @since 0.1.0 */
export type Delay = typeof Delay.Type

/**
 * One row of a deferred-retry table: which reasons, how long to wait, how
 * often. Work whose wedding is `high` or `wedding_day_critical` (or that is
 * marked critical) waits `criticalDelay` instead of `delay` when the row has one.
 *
 * @since 0.1.0
 */
export const DeferredRule = Schema.Struct({
  reasons: Schema.Array(ReasonTag),
  delay: Delay,
  maxRetries: Count,
  maxRetriesByCriticality: Schema.optionalKey(Schema.Record(Criticality, Schema.optionalKey(Count))),
  criticalDelay: Schema.optionalKey(Delay)
})

/** @since 0.1.0 */
export type DeferredRule = typeof DeferredRule.Type

/**
 * The deferred-retry table. `weddingDay` says what a failure of
 * `wedding_day_critical` work does: `"failover"` (the default) never retries
 * it, so a call fails over at once; `"retry"` retries it as the table says —
 * for work with nowhere else to go, such as processing a received webhook.
 *
 * @internal
 */
export const DeferredFields = Schema.Struct({
  jitter: Schema.Literals(["none", "decorrelated"]),
  rules: Schema.Array(DeferredRule),
  weddingDay: Schema.optionalKey(Schema.Literals(["failover", "retry"]))
})
/** @internal */
export const BulkheadFields = Schema.Struct({ maxConcurrent: PositiveCount, maxQueue: Count })

/**
 * Everything that governs calls to one kind of service. Durations are
 * milliseconds, at most 2147483647 (about 24.8 days, the longest a timer can
 * wait); timeouts and open times at least 1, delays at least 0. A reason that
 * appears in no deferred rule is never retried. `maxStalenessMillis` bounds the
 * age of a cached answer `StaleReads` may serve while the provider is down.
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
  bulkhead: BulkheadFields,
  /**
   * How old a last good answer may be and still be served when the provider is
   * down (`StaleReads`); 0 never serves one. At most {@link maxTimerMillis},
   * like every duration of a policy.
   */
  maxStalenessMillis: Millis
})

/** @since 0.1.0 */
export type ServicePolicy = typeof ServicePolicy.Type
