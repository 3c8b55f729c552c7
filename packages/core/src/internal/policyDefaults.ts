/**
 * The default policies: SPEC-WS-198's numbers, and chosen ones (each marked)
 * where the spec is silent. Kept apart from `Policy.ts`, which holds the
 * schemas and the override machinery.
 *
 * @internal
 */
import type * as IntegrationError from "../IntegrationError.ts"
import type { Breaker, Delay, ServicePolicy, ServiceType } from "./policyModel.ts"

const second = 1_000
const transient: ReadonlyArray<IntegrationError.ReasonTag> = ["Unavailable", "TimedOut", "CircuitOpen", "BulkheadFull"]
const fixed = (millis: number): Delay => ({ kind: "fixed", millis })
const exponential = (baseMillis: number, factor: number, capMillis: number): Delay => ({
  kind: "exponential",
  baseMillis,
  factor,
  capMillis
})
// not in the spec: chosen because 20 calls tell 30 % from 50 % apart, 10 keep two unlucky failures
// from opening a quiet circuit, and a call at half the timeout is already slow for a user.
const breaker = (failureRateThreshold: number, openMillis: number, timeoutMillis: number): Breaker => ({
  failureRateThreshold,
  windowSize: 20,
  minimumCalls: 10,
  openMillis,
  slowCallMillis: timeoutMillis / 2,
  // not in the spec: chosen because a hanging provider should cost at most two callers its full
  // timeout (issue 17: 10 of 21 SMS calls waited 8 s while the window filled); one slow call alone
  // is too easily a single slow request.
  consecutiveSlowCalls: 2
})
// not in the spec: chosen because the spec's silent services should retry a rate limit after a
// typical one-minute quota window, and first retry a failure when the breaker half-opens.
const silentRules = (openMillis: number, capMillis: number, maxRetries: number) => ({
  // jitter spreads a venue's queued retries so they do not return as one burst
  jitter: "decorrelated" as const,
  rules: [
    { reasons: ["RateLimited" as const], delay: fixed(60 * second), maxRetries },
    { reasons: transient, delay: exponential(openMillis, 2, capMillis), maxRetries }
  ]
})

/**
 * The spec's policies (SPEC-WS-198), with chosen numbers where it is silent.
 * Spec tables use `jitter: "none"` so their delays are exactly the spec's.
 *
 * @example
 * ```ts
 * Policy.defaults.payment.breaker.failureRateThreshold // 0.5
 * ```
 * @since 0.1.0
 */
export const defaults: Record<ServiceType, ServicePolicy> = {
  payment: {
    service: "payment",
    timeoutMillis: 15 * second,
    breaker: breaker(0.5, 60 * second, 15 * second),
    // not in the spec: chosen because a charge retried in-call must be idempotent; one quick retry only
    inCall: { maxAttempts: 2, baseDelayMillis: 250, maxDelayMillis: 1_000 },
    deferred: {
      jitter: "none",
      rules: [
        { reasons: ["RateLimited"], delay: fixed(60 * second), maxRetries: 3 },
        { reasons: transient, delay: exponential(30 * second, 2, 300 * second), maxRetries: 3 }
      ]
    },
    // not in the spec: chosen because Stripe allows ~100 requests/s in live mode; 20 in flight is far below it
    bulkhead: { maxConcurrent: 20, maxQueue: 100 },
    // not in the spec: chosen because a payment's state must be read live; a stale status could charge twice
    maxStalenessMillis: 0
  },
  email: {
    service: "email",
    timeoutMillis: 10 * second,
    breaker: breaker(0.3, 30 * second, 10 * second),
    // not in the spec: chosen because a send is cheap to repeat (idempotency key) and reminders are bursty
    inCall: { maxAttempts: 3, baseDelayMillis: 200, maxDelayMillis: 2_000 },
    deferred: {
      jitter: "none",
      rules: [
        { reasons: ["RateLimited"], delay: fixed(120 * second), maxRetries: 5 },
        { reasons: transient, delay: exponential(60 * second, 1.5, 600 * second), maxRetries: 5 }
      ]
    },
    // not in the spec: chosen because reminder batches fan out wide; a deep queue absorbs a Saturday burst
    bulkhead: { maxConcurrent: 50, maxQueue: 500 },
    // not in the spec: chosen because email reads are delivery lookups, which must see now to resolve a maybe-sent send
    maxStalenessMillis: 0
  },
  sms: {
    service: "sms",
    timeoutMillis: 8 * second,
    breaker: breaker(0.4, 45 * second, 8 * second),
    // not in the spec: chosen because SMS is time-sensitive; retry fast and fail over soon
    inCall: { maxAttempts: 3, baseDelayMillis: 200, maxDelayMillis: 1_500 },
    deferred: silentRules(45 * second, 600 * second, 5),
    // not in the spec: chosen because Twilio queues per number at ~1 message/s; more in flight only queues there
    bulkhead: { maxConcurrent: 20, maxQueue: 200 },
    // not in the spec: chosen because SMS reads are delivery lookups, which must see now to resolve a maybe-sent send
    maxStalenessMillis: 0
  },
  calendar: {
    service: "calendar",
    timeoutMillis: 12 * second,
    breaker: breaker(0.35, 90 * second, 12 * second),
    // not in the spec: chosen because Google's per-user quota punishes bursts
    inCall: { maxAttempts: 3, baseDelayMillis: 250, maxDelayMillis: 2_000 },
    deferred: silentRules(90 * second, 1_800 * second, 5),
    // not in the spec: chosen because calendar sync is background work with per-user quotas
    bulkhead: { maxConcurrent: 10, maxQueue: 100 },
    // the spec's cache fallback: cached data up to 1 hour old (useCachedData, cacheMaxAge default)
    maxStalenessMillis: 60 * 60 * second
  },
  vendor_api: {
    service: "vendor_api",
    timeoutMillis: 20 * second,
    breaker: breaker(0.6, 120 * second, 20 * second),
    // not in the spec: chosen because vendor APIs are small and slow; do not pile on
    inCall: { maxAttempts: 2, baseDelayMillis: 250, maxDelayMillis: 2_000 },
    deferred: silentRules(120 * second, 1_800 * second, 3),
    // not in the spec: chosen because a small vendor's server handles only a few requests at once
    bulkhead: { maxConcurrent: 10, maxQueue: 50 },
    // the spec's cache fallback: cached data up to 1 hour old (useCachedData, cacheMaxAge default)
    maxStalenessMillis: 60 * 60 * second
  },
  storage: {
    service: "storage",
    // not in the spec: chosen because uploads (photos, contracts) are large; 30 s covers a slow venue uplink
    timeoutMillis: 30 * second,
    // not in the spec: chosen as the payment breaker's 50 % / 60 s, a middle ground for a core dependency
    breaker: breaker(0.5, 60 * second, 30 * second),
    // not in the spec: chosen because object stores recover in milliseconds from throttling
    inCall: { maxAttempts: 3, baseDelayMillis: 100, maxDelayMillis: 1_000 },
    deferred: silentRules(60 * second, 900 * second, 5),
    // not in the spec: chosen because uploads hold memory and bandwidth per call
    bulkhead: { maxConcurrent: 16, maxQueue: 64 },
    // the spec's cache fallback default (1 hour): object listings change slowly
    maxStalenessMillis: 60 * 60 * second
  },
  webhook: {
    service: "webhook",
    // not in the spec: chosen because a receiver should acknowledge at once and queue its work
    timeoutMillis: 15 * second,
    // not in the spec: chosen because one endpoint down should not be hammered; deferred retries cover it
    breaker: breaker(0.5, 120 * second, 15 * second),
    // not in the spec: chosen because delivery is durable; one quick retry catches a dropped connection
    inCall: { maxAttempts: 2, baseDelayMillis: 250, maxDelayMillis: 1_000 },
    // the spec's webhook strategy: a processing timeout 5 retries from 30 s, any other transient
    // ("unknown") error 3 from 60 s, both exponential to 1 h; wedding-critical work (a payment
    // processor's or vendor system's event, a wedding within 7 days) at least 8 from at most 30 s,
    // and retried on the wedding day too, since a received event has no other provider to go to
    deferred: {
      jitter: "none",
      weddingDay: "retry",
      rules: [
        {
          reasons: ["TimedOut"],
          delay: exponential(30 * second, 2, 3_600 * second),
          maxRetries: 5,
          maxRetriesByCriticality: { high: 8, wedding_day_critical: 8 },
          criticalDelay: exponential(30 * second, 2, 3_600 * second)
        },
        {
          reasons: ["RateLimited", "Unavailable", "CircuitOpen", "BulkheadFull"],
          delay: exponential(60 * second, 2, 3_600 * second),
          maxRetries: 3,
          maxRetriesByCriticality: { high: 8, wedding_day_critical: 8 },
          criticalDelay: exponential(30 * second, 2, 3_600 * second)
        }
      ]
    },
    // not in the spec: chosen because deliveries go to many endpoints, each its own small load
    bulkhead: { maxConcurrent: 25, maxQueue: 250 },
    // not in the spec: chosen because a webhook is a delivery, not a read; nothing to serve stale
    maxStalenessMillis: 0
  },
  webhook_delivery: {
    service: "webhook_delivery",
    // not in the spec: chosen because a vendor's endpoint should answer at once and work later (Svix waits 15 s)
    timeoutMillis: 15 * second,
    // not in the spec: chosen because one endpoint down should not be hammered; the schedule covers it
    breaker: breaker(0.5, 120 * second, 15 * second),
    // not in the spec: the schedule is the retry; none in the call
    inCall: { maxAttempts: 1, baseDelayMillis: 0, maxDelayMillis: 0 },
    // not in the spec: issue 14's schedule (Svix's): 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, each ± 20 %;
    // any failure of the endpoint's, on the wedding day too (an event has no other endpoint to go to)
    deferred: {
      jitter: "none",
      weddingDay: "retry",
      rules: [
        {
          reasons: ["RateLimited", "Unavailable", "TimedOut", "CircuitOpen", "BulkheadFull"],
          delay: {
            kind: "table",
            millis: [
              5 * second,
              300 * second,
              1_800 * second,
              7_200 * second,
              18_000 * second,
              36_000 * second,
              36_000 * second
            ],
            jitter: 0.2
          },
          maxRetries: 7
        }
      ]
    },
    // not in the spec: chosen so one slow endpoint holds at most two workers (no head-of-line blocking)
    bulkhead: { maxConcurrent: 2, maxQueue: 0 },
    // not in the spec: a delivery, not a read
    maxStalenessMillis: 0
  }
}
