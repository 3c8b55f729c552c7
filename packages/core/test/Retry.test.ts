import { describe, expect, it } from "@effect/vitest"
import { Duration } from "effect"
import * as fc from "fast-check"
import * as IntegrationError from "../src/IntegrationError.ts"
import * as Policy from "../src/Policy.ts"
import * as Retry from "../src/Retry.ts"
import type { Criticality, ResolvedWedding } from "../src/WeddingContext.ts"

const { payment, email, webhook, sms } = Policy.defaults

const reasonOf = (tag: IntegrationError.ReasonTag, retryAfterMillis?: number): IntegrationError.Reason => {
  const retryAfter = retryAfterMillis === undefined ? {} : { retryAfter: Duration.millis(retryAfterMillis) }
  switch (tag) {
    case "RateLimited":
      return new IntegrationError.RateLimited(retryAfter)
    case "Unavailable":
      return new IntegrationError.Unavailable(retryAfter)
    case "TimedOut":
      return new IntegrationError.TimedOut({ timeout: Duration.seconds(15) })
    case "CircuitOpen":
      return new IntegrationError.CircuitOpen({ key: "stripe", ...retryAfter })
    case "BulkheadFull":
      return new IntegrationError.BulkheadFull({ key: "stripe", limit: 20, queue: 100 })
    case "Unauthorized":
      return new IntegrationError.Unauthorized({})
    case "Misconfigured":
      return new IntegrationError.Misconfigured({})
    case "Disabled":
      return new IntegrationError.Disabled({ overrideId: "ovr_1" })
    case "Rejected":
      return new IntegrationError.Rejected({})
    case "InvalidRequest":
      return new IntegrationError.InvalidRequest({})
    case "SignatureInvalid":
      return new IntegrationError.SignatureInvalid({})
    case "PayloadInvalid":
      return new IntegrationError.PayloadInvalid({})
  }
}

const failure = (tag: IntegrationError.ReasonTag, status?: number, retryAfterMillis?: number) =>
  IntegrationError.make("provider", "call", reasonOf(tag, retryAfterMillis), status === undefined ? {} : { status })

const wedding = (criticality: Criticality): ResolvedWedding => ({
  weddingId: "w_1",
  weddingDate: "2026-06-20",
  vendorType: "venue",
  criticality,
  daysUntil: 10
})

const allTags = Policy.ReasonTag.literals
const transient = ["RateLimited", "Unavailable", "TimedOut", "CircuitOpen", "BulkheadFull"] as const
const permanent = allTags.filter((tag) => !(transient as ReadonlyArray<string>).includes(tag))
const seconds = (n: number) => n * 1_000

describe("payment (getPaymentRetryStrategy)", () => {
  it.each([0, 1, 2])("429 at attempt %d: retry in 60 s, max 3", (attempt) => {
    expect(Retry.decide(failure("RateLimited", 429), payment, undefined, attempt)).toMatchObject({
      retry: true,
      delayMillis: seconds(60),
      maxRetries: 3,
      failover: false
    })
  })

  it("429 at attempt 3: gives up and fails over", () => {
    expect(Retry.decide(failure("RateLimited", 429), payment, undefined, 3)).toMatchObject({
      retry: false,
      maxRetries: 3,
      failover: true
    })
  })

  it.each([
    [0, 30, true],
    [1, 60, true],
    [2, 120, true],
    [3, 240, false],
    [4, 300, false],
    [10, 300, false]
  ])("5xx at attempt %d: delay %d s, retry %s (30·2ⁿ capped 300, max 3)", (attempt, delay, retry) => {
    for (const tag of ["Unavailable", "TimedOut", "CircuitOpen", "BulkheadFull"] as const) {
      expect(Retry.decide(failure(tag, 503), payment, undefined, attempt)).toMatchObject({
        retry,
        delayMillis: seconds(delay),
        maxRetries: 3
      })
    }
  })

  it("402 (Rejected) is never retried nor failed over", () => {
    const decision = Retry.decide(failure("Rejected", 402), payment, undefined, 0)
    expect(decision).toMatchObject({ retry: false, maxRetries: 0, failover: false })
    expect(decision.why).toMatch(/not retryable/)
  })

  it("403 (Unauthorized) is never retried, but fails over", () => {
    expect(Retry.decide(failure("Unauthorized", 403), payment, undefined, 0)).toMatchObject({
      retry: false,
      maxRetries: 0,
      failover: true
    })
  })
})

describe("email (getEmailRetryStrategy)", () => {
  it.each([0, 1, 2, 3, 4])("429 at attempt %d: retry in 120 s, max 5", (attempt) => {
    expect(Retry.decide(failure("RateLimited", 429), email, undefined, attempt)).toMatchObject({
      retry: true,
      delayMillis: seconds(120),
      maxRetries: 5
    })
  })

  it("429 at attempt 5 gives up", () => {
    expect(Retry.decide(failure("RateLimited", 429), email, undefined, 5).retry).toBe(false)
  })

  it.each([
    [0, 60, true],
    [1, 90, true],
    [2, 135, true],
    [3, 202.5, true],
    [4, 303.75, true],
    [5, 455.625, false],
    [6, 600, false],
    [20, 600, false]
  ])("5xx at attempt %d: delay %d s, retry %s (60·1.5ⁿ capped 600, max 5)", (attempt, delay, retry) => {
    expect(Retry.decide(failure("Unavailable", 500), email, undefined, attempt)).toMatchObject({
      retry,
      delayMillis: seconds(delay),
      maxRetries: 5
    })
  })
})

describe("webhook (determineWebhookRetryStrategy)", () => {
  const exponential = (base: number) => Array.from({ length: 9 }, (_, attempt) => Math.min(3_600, base * 2 ** attempt))
  const unknown = ["RateLimited", "Unavailable", "CircuitOpen", "BulkheadFull"] as const

  it("a processing timeout: 5 retries from 30 s, exponential to 1 h", () => {
    exponential(30).forEach((delay, attempt) => {
      expect(Retry.decide(failure("TimedOut"), webhook, undefined, attempt)).toMatchObject({
        retry: attempt < 5,
        maxRetries: 5,
        delayMillis: seconds(delay)
      })
    })
  })

  it.each(unknown)("any other transient error (%s): 3 retries from 60 s", (tag) => {
    exponential(60).forEach((delay, attempt) => {
      expect(Retry.decide(failure(tag), webhook, wedding("medium"), attempt)).toMatchObject({
        retry: attempt < 3,
        maxRetries: 3,
        delayMillis: seconds(delay)
      })
    })
  })

  it.each(["high", "wedding_day_critical"] as const)(
    "wedding-critical (%s): 8 retries from at most 30 s, the wedding day included",
    (criticality) => {
      for (const tag of ["TimedOut", ...unknown] as const) {
        exponential(30).forEach((delay, attempt) => {
          expect(Retry.decide(failure(tag), webhook, wedding(criticality), attempt)).toMatchObject({
            retry: attempt < 8,
            maxRetries: 8,
            delayMillis: seconds(delay)
          })
        })
      }
    }
  )

  it("work marked critical without a wedding (a payment processor's event) is retried as high", () => {
    expect(Retry.decide(failure("Unavailable"), webhook, undefined, 5, { criticality: "high" })).toMatchObject({
      retry: true,
      maxRetries: 8,
      delayMillis: seconds(960)
    })
    // the floor never lowers a wedding's own criticality
    expect(Retry.decide(failure("Unavailable"), webhook, wedding("high"), 0, { criticality: "low" }).maxRetries).toBe(8)
  })

  it.each(["SignatureInvalid", "PayloadInvalid"] as const)("%s is never retried", (tag) => {
    expect(Retry.decide(failure(tag), webhook, wedding("high"), 0)).toMatchObject({ retry: false, failover: false })
  })
})

describe("webhook_delivery (issue 14's schedule)", () => {
  const delivery = Policy.defaults.webhook_delivery
  const schedule = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000]

  it("retries 7 times on the table, each delay within 20 % of its entry, then stops", () => {
    schedule.forEach((entry, attempt) => {
      for (const random of [0, 0.5, 0.999]) {
        const decision = Retry.decide(failure("Unavailable"), delivery, undefined, attempt, { random: () => random })
        expect(decision.retry).toBe(true)
        expect(decision.delayMillis).toBeGreaterThanOrEqual(seconds(entry) * 0.8)
        expect(decision.delayMillis).toBeLessThanOrEqual(seconds(entry) * 1.2)
      }
      expect(Retry.decide(failure("TimedOut"), delivery, undefined, attempt, { random: () => 0.5 }).delayMillis).toBe(
        seconds(entry)
      )
    })
    expect(Retry.decide(failure("Unavailable"), delivery, undefined, 7).retry).toBe(false)
  })

  it("is retried on the wedding day (an event has no other endpoint), and the endpoint's Retry-After wins", () => {
    expect(Retry.decide(failure("Unavailable"), delivery, wedding("wedding_day_critical"), 0).retry).toBe(true)
    expect(
      Retry.decide(failure("RateLimited", 429, 60_000), delivery, undefined, 0, { random: () => 0.5 }).delayMillis
    ).toBe(60_000)
  })

  it("the table delay repeats its last entry past the end", () => {
    expect(Retry.tableDelay({ kind: "table", millis: [5_000, 300_000], jitter: 0 }, 9)).toBe(300_000)
  })
})

describe("wedding_day_critical", () => {
  it("never waits on a retry: fails over at once", () => {
    const decision = Retry.decide(failure("Unavailable", 503), payment, wedding("wedding_day_critical"), 0)
    expect(decision).toMatchObject({ retry: false, maxRetries: 0, failover: true, delayMillis: 0 })
    expect(decision.why).toMatch(/wedding day/)
  })

  it("does not fail over a request the backup would reject too", () => {
    expect(Retry.decide(failure("Rejected", 402), payment, wedding("wedding_day_critical"), 0).failover).toBe(false)
  })
})

describe("Retry-After", () => {
  it("a longer Retry-After wins", () => {
    const decision = Retry.decide(failure("RateLimited", 429, seconds(90)), payment, undefined, 0)
    expect(decision).toMatchObject({ retry: true, delayMillis: seconds(90) })
    expect(decision.why).toMatch(/Retry-After/)
  })

  it("a shorter Retry-After is ignored", () => {
    expect(Retry.decide(failure("RateLimited", 429, seconds(10)), payment, undefined, 0).delayMillis).toBe(seconds(60))
  })

  it("is honoured past the cap", () => {
    expect(Retry.decide(failure("Unavailable", 503, seconds(900)), payment, undefined, 2).delayMillis).toBe(
      seconds(900)
    )
  })

  it("is never undercut by jitter", () => {
    const decision = Retry.decide(failure("RateLimited", 429, seconds(300)), sms, undefined, 0, { random: () => 0 })
    expect(decision.delayMillis).toBe(seconds(300))
  })
})

describe("decorrelated jitter", () => {
  it("follows min(cap, random_between(base, previous·3))", () => {
    expect(Retry.decorrelatedJitter(100, 2_000, 400, () => 0)).toBe(100)
    expect(Retry.decorrelatedJitter(100, 2_000, 400, () => 0.5)).toBe(650)
    expect(Retry.decorrelatedJitter(100, 1_000, 400, () => 0.999)).toBe(1_000)
  })

  it("applies to a policy that asks for it, from the previous delay", () => {
    const rule = sms.deferred.rules[1]
    if (rule?.delay.kind !== "exponential") throw new Error("sms transient rule should be exponential")
    const { baseMillis, capMillis } = rule.delay
    const previous = seconds(100)
    const decide = (random: number) =>
      Retry.decide(failure("Unavailable"), sms, undefined, 1, { random: () => random, previousDelayMillis: previous })
        .delayMillis
    expect(decide(0)).toBe(baseMillis)
    expect(decide(0.5)).toBe(Math.min(capMillis, baseMillis + 0.5 * (previous * 3 - baseMillis)))
  })

  it("without a previous delay, grows from the table's delay for the attempt before", () => {
    const rule = sms.deferred.rules[1]
    if (rule?.delay.kind !== "exponential") throw new Error("sms transient rule should be exponential")
    const previous = Retry.tableDelay(rule.delay, 2)
    const delay = Retry.decide(failure("Unavailable"), sms, undefined, 3, { random: () => 0.999 }).delayMillis
    expect(delay).toBe(
      Math.min(rule.delay.capMillis, rule.delay.baseMillis + 0.999 * (previous * 3 - rule.delay.baseMillis))
    )
  })

  it("inCallDelay stays within the policy's in-call base and cap", () => {
    expect(Retry.inCallDelay(email, 1, () => 0)).toBe(email.inCall.baseDelayMillis)
    expect(Retry.inCallDelay(email, 5, () => 0.999)).toBe(email.inCall.maxDelayMillis)
    expect(Retry.inCallDelay(email, 1, () => 0.5, 400)).toBe(200 + 0.5 * (1_200 - 200))
  })
})

describe("properties", () => {
  const services = fc.constantFrom(...Policy.ServiceType.literals)
  const criticality = fc.option(fc.constantFrom("low", "medium", "high", "wedding_day_critical" as const), {
    nil: undefined
  })
  const retryAfter = fc.option(fc.integer({ min: 0, max: 10_000_000 }), { nil: undefined })
  const attempt = fc.integer({ min: 0, max: 60 })
  const random = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true })
  const previous = fc.option(fc.integer({ min: 0, max: 10_000_000 }), { nil: undefined })

  const run = (
    service: Policy.ServiceType,
    tag: IntegrationError.ReasonTag,
    level: Criticality | undefined,
    after: number | undefined,
    n: number,
    r: number,
    previousDelayMillis: number | undefined
  ) => {
    const error = failure(tag, undefined, after)
    const policy = Policy.defaults[service]
    const decision = Retry.decide(error, policy, level === undefined ? undefined : wedding(level), n, {
      random: () => r,
      previousDelayMillis
    })
    return { error, policy, decision }
  }

  it("the delay is never negative and never past the cap unless Retry-After asks for more", () => {
    fc.assert(
      fc.property(
        services,
        fc.constantFrom(...allTags),
        criticality,
        retryAfter,
        attempt,
        random,
        previous,
        (service, tag, level, after, n, r, prev) => {
          const { error, policy, decision } = run(service, tag, level, after, n, r, prev)
          expect(decision.delayMillis).toBeGreaterThanOrEqual(0)
          const rule = Retry.ruleFor(policy, error)
          const delay = rule?.delay
          const cap =
            delay === undefined
              ? 0
              : delay.kind === "fixed"
                ? delay.millis
                : delay.kind === "table"
                  ? Math.max(...delay.millis) * (1 + delay.jitter)
                  : delay.capMillis
          expect(decision.delayMillis).toBeLessThanOrEqual(
            Math.max(cap, error.retryAfter ? Duration.toMillis(error.retryAfter) : 0)
          )
        }
      )
    )
  })

  it("wedding_day_critical never retries, except where the policy retries on the wedding day", () => {
    fc.assert(
      fc.property(services, fc.constantFrom(...allTags), retryAfter, attempt, random, (service, tag, after, n, r) => {
        fc.pre(Policy.defaults[service].deferred.weddingDay !== "retry")
        const { error, decision } = run(service, tag, "wedding_day_critical", after, n, r, undefined)
        expect(decision.retry).toBe(false)
        expect(decision.failover).toBe(error.canFailover)
      })
    )
  })

  it("non-retryable reasons never retry", () => {
    fc.assert(
      fc.property(services, fc.constantFrom(...permanent), criticality, attempt, (service, tag, level, n) => {
        const { error, decision } = run(service, tag, level, undefined, n, 0.5, undefined)
        expect(decision.retry).toBe(false)
        expect(decision.failover).toBe(error.canFailover)
      })
    )
  })

  it("a retry is never offered past maxRetries, and failover only when not retrying", () => {
    fc.assert(
      fc.property(services, fc.constantFrom(...allTags), criticality, attempt, (service, tag, level, n) => {
        const { decision } = run(service, tag, level, undefined, n, 0.5, undefined)
        if (decision.retry) {
          expect(n).toBeLessThan(decision.maxRetries)
          expect(decision.failover).toBe(false)
        }
      })
    )
  })

  it("decorrelated jitter stays within [base, cap]", () => {
    const bounds = fc
      .tuple(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 0, max: 1_000_000 }))
      .map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const)
    fc.assert(
      fc.property(bounds, fc.integer({ min: -1_000, max: 10_000_000 }), random, ([base, cap], prev, r) => {
        const delay = Retry.decorrelatedJitter(base, cap, prev, () => r)
        expect(delay).toBeGreaterThanOrEqual(base)
        expect(delay).toBeLessThanOrEqual(cap)
      })
    )
  })
})
