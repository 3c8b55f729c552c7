/**
 * The retry decision: a pure function of (error, policy, wedding, attempt).
 *
 * Deferred retries follow the policy's table (SPEC-WS-198's payment, email and
 * webhook strategies by default): the reason picks a rule, the rule gives the
 * delay and how many retries are allowed. Wedding-day-critical work never waits
 * on a retry: it fails over at once. A provider's Retry-After, when longer than
 * the table's delay, wins. In-call retries are short, jittered, and bounded by
 * the policy's `inCall` settings.
 *
 * @example
 * ```ts
 * import { IntegrationError, Policy, Retry } from "@wedsync/core"
 *
 * const error = IntegrationError.make("stripe", "charge", new IntegrationError.RateLimited({}), { status: 429 })
 * const decision = Retry.decide(error, Policy.defaults.payment, undefined, 0)
 * // { retry: true, delayMillis: 60_000, maxRetries: 3, failover: false, why: "RateLimited: retry 1 of 3 in 60000 ms" }
 * ```
 *
 * @since 0.1.0
 */
import { Duration } from "effect"
import type { IntegrationError } from "./IntegrationError.ts"
import type { Delay, DeferredRule, ServicePolicy } from "./Policy.ts"
import type { Criticality, ResolvedWedding } from "./WeddingContext.ts"

/**
 * What to do after a failed call: retry later (after `delayMillis`), fail
 * over to another provider, or neither. `why` explains it for logs and
 * dashboards.
 *
 * @since 0.1.0
 */
export interface Decision {
  readonly retry: boolean
  /** The table's delay for this attempt (raised to Retry-After); reported even when `retry` is false. */
  readonly delayMillis: number
  readonly maxRetries: number
  readonly failover: boolean
  readonly why: string
}

/** Options for {@link decide}: the randomness source and the previous delay, for jitter. @since 0.1.0 */
export interface DecideOptions {
  /** Uniform in [0, 1); defaults to `Math.random`. */
  readonly random?: (() => number) | undefined
  /**
   * The delay before the previous retry, which decorrelated jitter grows from.
   * Defaults to the table's delay for `attempt − 1` (the base delay at attempt 0),
   * so delays still grow when the caller keeps no state.
   */
  readonly previousDelayMillis?: number | undefined
  /**
   * A floor for the criticality, for work marked critical whatever its
   * wedding (a payment processor's webhook): the wedding's own criticality
   * wins when it is higher.
   */
  readonly criticality?: Criticality | undefined
}

const nonNegative = (n: number): number => (Number.isFinite(n) && n > 0 ? n : 0)
const unit = (n: number): number => (Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 0)

/**
 * AWS "decorrelated jitter": `min(cap, random_between(base, previous × 3))`,
 * always within `[base, cap]` (when `cap < base`, `cap`) and never negative.
 *
 * @example
 * ```ts
 * Retry.decorrelatedJitter(100, 2_000, 400, () => 0.5) // 650: halfway between 100 and 1200
 * ```
 * @since 0.1.0
 */
export const decorrelatedJitter = (
  baseMillis: number,
  capMillis: number,
  previousMillis: number,
  random: () => number
): number => {
  const base = nonNegative(baseMillis)
  const cap = nonNegative(capMillis)
  const upper = Math.max(base, nonNegative(previousMillis) * 3)
  return Math.min(cap, base + unit(random()) * (upper - base))
}

/**
 * The delay before in-call attempt `attempt + 1`, where `attempt` counts the
 * attempts already made (1 after the first failure). Decorrelated jitter
 * within the policy's `inCall` base and cap; without `previousMillis` the
 * previous delay is taken as `base · 2^(attempt − 1)`. The caller stops at
 * `inCall.maxAttempts` and honours Retry-After itself.
 *
 * @example
 * ```ts
 * Retry.inCallDelay(Policy.defaults.email, 1, Math.random) // between 200 and 600 ms
 * ```
 * @since 0.1.0
 */
export const inCallDelay = (
  policy: ServicePolicy,
  attempt: number,
  random: () => number = Math.random,
  previousMillis?: number
): number => {
  const { baseDelayMillis, maxDelayMillis } = policy.inCall
  const previous = previousMillis ?? Math.min(maxDelayMillis, baseDelayMillis * 2 ** Math.max(0, attempt - 1))
  return decorrelatedJitter(baseDelayMillis, maxDelayMillis, previous, random)
}

/**
 * The table's delay for a deferred retry after `attempt` earlier retries:
 * `millis` for a fixed delay, `min(cap, base · factor^attempt)` for an
 * exponential one, and for a table its `attempt`-th entry (the last one
 * repeating), spread by `± jitter` of itself with `random`.
 *
 * @example
 * ```ts
 * Retry.tableDelay({ kind: "exponential", baseMillis: 30_000, factor: 2, capMillis: 300_000 }, 2) // 120_000
 * Retry.tableDelay({ kind: "table", millis: [5_000, 300_000], jitter: 0 }, 7) // 300_000
 * ```
 * @since 0.1.0
 */
export const tableDelay = (delay: Delay, attempt: number, random: () => number = Math.random): number => {
  if (delay.kind === "fixed") return nonNegative(delay.millis)
  if (delay.kind === "table") {
    const entry = nonNegative(delay.millis[Math.min(delay.millis.length - 1, Math.max(0, Math.floor(attempt)))] ?? 0)
    const spread = delay.jitter * entry * (2 * unit(random()) - 1)
    return Math.round(nonNegative(entry + spread))
  }
  const base = nonNegative(delay.baseMillis)
  const cap = nonNegative(delay.capMillis)
  if (base === 0) return 0
  const raw = base * delay.factor ** Math.max(0, Math.floor(attempt))
  return Number.isFinite(raw) ? Math.min(cap, raw) : cap
}

const bounds = (delay: Delay): { readonly base: number; readonly cap: number } =>
  delay.kind === "fixed"
    ? { base: delay.millis, cap: delay.millis }
    : delay.kind === "table"
      ? { base: Math.min(...delay.millis), cap: Math.max(...delay.millis) }
      : { base: delay.baseMillis, cap: delay.capMillis }

/** The rule of a policy's deferred table that covers an error's reason, if any. @since 0.1.0 */
export const ruleFor = (policy: ServicePolicy, error: IntegrationError): DeferredRule | undefined =>
  policy.deferred.rules.find((rule) => rule.reasons.includes(error.reason._tag))

const rank: Readonly<Record<Criticality, number>> = { low: 0, medium: 1, high: 2, wedding_day_critical: 3 }
const higher = (a: Criticality | undefined, b: Criticality | undefined): Criticality | undefined =>
  a === undefined ? b : b === undefined ? a : rank[b] > rank[a] ? b : a

const retryAfterMillis = (error: IntegrationError): number => {
  const retryAfter = error.retryAfter
  if (retryAfter === undefined) return 0
  const millis = Duration.toMillis(retryAfter)
  // an unbounded Retry-After is no usable schedule: the table's delay stands
  return Number.isFinite(millis) ? nonNegative(millis) : 0
}

/**
 * Decides whether and when to retry a failed call later. `attempt` is the
 * number of deferred retries already made (0 for the first failure).
 *
 * - `wedding_day_critical`: never retry; fail over when the reason allows.
 * - a reason in no rule of the policy's table: never retry.
 * - otherwise retry while `attempt < maxRetries` (per criticality when the
 *   rule says so), after the table's delay, jittered when the policy asks,
 *   and never sooner than the provider's Retry-After.
 *
 * @example
 * ```ts
 * const error = IntegrationError.make("resend", "send", new IntegrationError.Unavailable({}), { status: 503 })
 * Retry.decide(error, Policy.defaults.email, undefined, 2).delayMillis // 135_000
 * ```
 * @since 0.1.0
 */
export const decide = (
  error: IntegrationError,
  policy: ServicePolicy,
  wedding: ResolvedWedding | undefined,
  attempt: number,
  options?: DecideOptions
): Decision => {
  const tag = error.reason._tag
  const stop = (why: string, delayMillis = 0, maxRetries = 0): Decision => ({
    retry: false,
    delayMillis,
    maxRetries,
    failover: error.canFailover,
    why
  })
  const criticality = higher(wedding?.criticality, options?.criticality)
  if (criticality === "wedding_day_critical" && policy.deferred.weddingDay !== "retry") {
    return stop(`${tag}: wedding day critical, no retry: fail over at once`)
  }
  const rule = ruleFor(policy, error)
  if (rule === undefined) return stop(`${tag} is not retryable for ${policy.service}`)

  const maxRetries =
    (criticality === undefined ? undefined : rule.maxRetriesByCriticality?.[criticality]) ?? rule.maxRetries
  const critical = criticality === "high" || criticality === "wedding_day_critical"
  const delay = critical && rule.criticalDelay !== undefined ? rule.criticalDelay : rule.delay
  const done = Math.max(0, Math.floor(attempt))
  const { base, cap } = bounds(delay)
  const random = options?.random ?? Math.random
  const previous = options?.previousDelayMillis ?? (done === 0 ? base : tableDelay(delay, done - 1, () => 0.5))
  // A table carries its own jitter; decorrelated jitter applies to the other kinds.
  const planned =
    policy.deferred.jitter === "decorrelated" && delay.kind !== "table"
      ? decorrelatedJitter(base, cap, previous, random)
      : tableDelay(delay, done, random)
  const providerWait = retryAfterMillis(error)
  const delayMillis = Math.max(planned, providerWait)
  const source = providerWait > planned ? " (the provider's Retry-After)" : ""

  if (done >= maxRetries) {
    return stop(`${tag}: gave up after ${done} of ${maxRetries} retries`, delayMillis, maxRetries)
  }
  return {
    retry: true,
    delayMillis,
    maxRetries,
    failover: false,
    why: `${tag}: retry ${done + 1} of ${maxRetries} in ${delayMillis} ms${source}`
  }
}
