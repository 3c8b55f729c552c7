import { describe, expect, it } from "@effect/vitest"
import { Cause, ConfigProvider, Effect, Exit, Layer, Schema } from "effect"
import * as Policy from "../src/Policy.ts"

const spec = [
  // service, timeout, failure threshold, reset (open) — SPEC-WS-198 initializeCircuitBreakers
  ["payment", 15_000, 0.5, 60_000],
  ["email", 10_000, 0.3, 30_000],
  ["sms", 8_000, 0.4, 45_000],
  ["vendor_api", 20_000, 0.6, 120_000],
  ["calendar", 12_000, 0.35, 90_000]
] as const

const nonTransient = [
  "Unauthorized",
  "Misconfigured",
  "Disabled",
  "Rejected",
  "InvalidRequest",
  "SignatureInvalid",
  "PayloadInvalid"
]

const policiesWith = (layer: Layer.Layer<never>) => Effect.provide(Effect.service(Policy.Policies), layer)

const failureOf = <A, E>(effect: Effect.Effect<A, E>) => Effect.flip(effect)

describe("Policy.defaults", () => {
  it.each(Policy.ServiceType.literals)("%s decodes as a ServicePolicy", (service) => {
    const policy = Policy.defaults[service]
    expect(Schema.decodeUnknownSync(Policy.ServicePolicy)(policy)).toEqual(policy)
    expect(policy.service).toBe(service)
  })

  it.each(spec)("%s: timeout %d ms, breaker %d, open %d ms", (service, timeout, threshold, open) => {
    const policy = Policy.defaults[service]
    expect(policy.timeoutMillis).toBe(timeout)
    expect(policy.breaker.failureRateThreshold).toBe(threshold)
    expect(policy.breaker.openMillis).toBe(open)
  })

  it.each(Policy.ServiceType.literals)("%s never retries a non-transient reason", (service) => {
    const covered = Policy.defaults[service].deferred.rules.flatMap((rule) => rule.reasons)
    for (const reason of nonTransient) expect(covered).not.toContain(reason)
  })

  it("the spec's tables are unjittered so their delays are exact", () => {
    for (const service of ["payment", "email", "webhook"] as const) {
      expect(Policy.defaults[service].deferred.jitter).toBe("none")
    }
  })
})

describe("Policy.ServicePolicy", () => {
  it("names the field when minimumCalls exceeds windowSize", () => {
    const bad = { ...Policy.defaults.email, breaker: { ...Policy.defaults.email.breaker, minimumCalls: 30 } }
    expect(() => Schema.decodeUnknownSync(Policy.ServicePolicy)(bad)).toThrow(/minimumCalls/)
  })
})

describe("Policy.decodeOverrides", () => {
  it.effect("accepts a deep-partial override", () =>
    Effect.gen(function* () {
      const overrides = yield* Policy.decodeOverrides({
        services: { email: { breaker: { openMillis: 10_000 } } },
        providers: { resend: { timeoutMillis: 5_000 } }
      })
      expect(overrides.services?.email?.breaker?.openMillis).toBe(10_000)
      expect(overrides.providers?.resend?.timeoutMillis).toBe(5_000)
    })
  )

  it.effect("names the bad field's path and the value", () =>
    Effect.gen(function* () {
      const error = yield* failureOf(
        Policy.decodeOverrides({ services: { email: { breaker: { failureRateThreshold: 3 } } } })
      )
      expect(error).toBeInstanceOf(Policy.PolicyError)
      expect(error.path).toBe("services.email.breaker.failureRateThreshold")
      expect(error.message).toContain("services.email.breaker.failureRateThreshold: ")
      expect(error.message).toContain("got 3")
    })
  )

  it.effect("reports a misspelt key instead of ignoring it", () =>
    Effect.gen(function* () {
      const error = yield* failureOf(Policy.decodeOverrides({ services: { emial: { timeoutMillis: 1 } } }))
      expect(error.message).toContain("services.emial")
    })
  )

  it.effect("names array elements by index", () =>
    Effect.gen(function* () {
      const error = yield* failureOf(
        Policy.decodeOverrides({
          providers: {
            twilio: {
              deferred: { rules: [{ reasons: ["RateLimited"], delay: { kind: "fixed", millis: 1 }, maxRetries: -1 }] }
            }
          }
        })
      )
      expect(error.path).toBe("providers.twilio.deferred.rules[0].maxRetries")
    })
  )

  it.effect("reports every bad field", () =>
    Effect.gen(function* () {
      const error = yield* failureOf(
        Policy.decodeOverrides({ services: { sms: { timeoutMillis: 0, bulkhead: { maxQueue: 1.5 } } } })
      )
      expect(error.message).toContain("services.sms.timeoutMillis")
      expect(error.message).toContain("services.sms.bulkhead.maxQueue")
    })
  )

  it.effect("decodeOverridesJson names the variable for invalid JSON", () =>
    Effect.gen(function* () {
      const error = yield* failureOf(Policy.decodeOverridesJson("{not json", "WEDSYNC_POLICIES"))
      expect(error.path).toBe("WEDSYNC_POLICIES")
    })
  )
})

describe("Policy.Policies", () => {
  it.effect("defaults to the spec's policies without a layer", () =>
    Effect.gen(function* () {
      const policies = yield* Policy.Policies
      expect(policies.get("payment")).toEqual(Policy.defaults.payment)
      expect(policies.get("email", "resend")).toEqual(Policy.defaults.email)
    })
  )

  it.effect("per-service overrides merge deeply and leave other services alone", () =>
    Effect.gen(function* () {
      const policies = yield* policiesWith(Policy.layer({ services: { email: { breaker: { openMillis: 10_000 } } } }))
      expect(policies.get("email").breaker).toEqual({ ...Policy.defaults.email.breaker, openMillis: 10_000 })
      expect(policies.get("email").deferred).toEqual(Policy.defaults.email.deferred)
      expect(policies.get("sms")).toEqual(Policy.defaults.sms)
    })
  )

  it.effect("provider overrides apply on top of whichever service asks for them", () =>
    Effect.gen(function* () {
      const policies = yield* policiesWith(
        Policy.layer({
          services: { email: { breaker: { openMillis: 10_000 } } },
          providers: { resend: { timeoutMillis: 5_000, breaker: { failureRateThreshold: 0.5 } } }
        })
      )
      const resend = policies.get("email", "resend")
      expect(resend.timeoutMillis).toBe(5_000)
      expect(resend.breaker).toEqual({
        ...Policy.defaults.email.breaker,
        openMillis: 10_000,
        failureRateThreshold: 0.5
      })
      expect(policies.get("email").timeoutMillis).toBe(10_000)
      expect(policies.get("email", "postmark").timeoutMillis).toBe(10_000)
      expect(policies.get("sms", "resend").timeoutMillis).toBe(5_000)
      expect(policies.get("sms", "resend").service).toBe("sms")
    })
  )

  it.effect("rules replace rather than merge", () =>
    Effect.gen(function* () {
      const rules = [{ reasons: ["Unavailable"], delay: { kind: "fixed", millis: 1_000 }, maxRetries: 1 }] as const
      const policies = yield* policiesWith(Policy.layer({ services: { email: { deferred: { rules } } } }))
      expect(policies.get("email").deferred).toEqual({ jitter: "none", rules })
    })
  )

  it.effect("a provider name that is an Object property is still just a name", () =>
    Effect.gen(function* () {
      const policies = yield* Policy.Policies
      expect(policies.get("email", "constructor")).toEqual(Policy.defaults.email)
    })
  )

  it.effect("make fails naming the field when a merged service policy breaks a cross-field rule", () =>
    Effect.gen(function* () {
      const error = yield* failureOf(Policy.make({ services: { email: { breaker: { minimumCalls: 30 } } } }))
      expect(error.path).toBe("services.email.breaker.minimumCalls")
    })
  )

  it.effect("make fails naming the provider when its override breaks a merged policy", () =>
    Effect.gen(function* () {
      const error = yield* failureOf(Policy.make({ providers: { resend: { breaker: { windowSize: 5 } } } }))
      expect(error.path).toBe("providers.resend.breaker.minimumCalls")
      expect(error.message).toContain("providers.resend.breaker.minimumCalls: ")
    })
  )

  it.effect("layer treats an invalid merged policy as a defect carrying the PolicyError", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(
        policiesWith(Policy.layer({ services: { sms: { inCall: { baseDelayMillis: 5_000 } } } }))
      )
      const defect = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
      expect(defect).toBeInstanceOf(Policy.PolicyError)
      expect((defect as Policy.PolicyError).path).toBe("services.sms.inCall.baseDelayMillis")
    })
  )
})

describe("Policy.layerConfig", () => {
  const withEnv = (env: Record<string, string>) =>
    Policy.layerConfig().pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env }))))

  it.effect("reads overrides from WEDSYNC_POLICIES", () =>
    Effect.gen(function* () {
      const json = JSON.stringify({ providers: { twilio: { timeoutMillis: 4_000 } } })
      const policies = yield* Effect.provide(Effect.service(Policy.Policies), withEnv({ WEDSYNC_POLICIES: json }))
      expect(policies.get("sms", "twilio").timeoutMillis).toBe(4_000)
      expect(policies.get("sms").timeoutMillis).toBe(8_000)
    })
  )

  it.effect("uses the defaults when the variable is absent", () =>
    Effect.gen(function* () {
      const policies = yield* Effect.provide(Effect.service(Policy.Policies), withEnv({}))
      expect(policies.get("calendar")).toEqual(Policy.defaults.calendar)
    })
  )

  it.effect("fails with a PolicyError naming the field", () =>
    Effect.gen(function* () {
      const json = JSON.stringify({ services: { email: { breaker: { failureRateThreshold: 3 } } } })
      const error = yield* failureOf(
        Effect.provide(Effect.service(Policy.Policies), withEnv({ WEDSYNC_POLICIES: json }))
      )
      expect(error).toBeInstanceOf(Policy.PolicyError)
      expect(error.message).toContain("services.email.breaker.failureRateThreshold")
    })
  )
})

describe("Policy maxStalenessMillis", () => {
  it("calendar and vendor_api serve stale answers up to the spec's 1 hour; writes' services never", () => {
    expect(Policy.defaults.vendor_api.maxStalenessMillis).toBe(3_600_000)
    expect(Policy.defaults.calendar.maxStalenessMillis).toBe(3_600_000)
    for (const service of ["payment", "email", "sms", "webhook"] as const) {
      expect(Policy.defaults[service].maxStalenessMillis).toBe(0)
    }
  })

  it.effect("is overridden per service and per provider like every other field", () =>
    Effect.gen(function* () {
      const policies = yield* Policy.make({
        services: { vendor_api: { maxStalenessMillis: 600_000 } },
        providers: { venuebook: { maxStalenessMillis: 0 } }
      })
      expect(policies.get("vendor_api").maxStalenessMillis).toBe(600_000)
      expect(policies.get("vendor_api", "venuebook").maxStalenessMillis).toBe(0)
      expect(policies.get("calendar").maxStalenessMillis).toBe(3_600_000)
    })
  )

  it.effect("a negative, over-long or non-numeric staleness is refused, naming the field", () =>
    Effect.gen(function* () {
      const negative = yield* failureOf(
        Policy.decodeOverrides({ services: { vendor_api: { maxStalenessMillis: -1 } } })
      )
      expect(negative.path).toBe("services.vendor_api.maxStalenessMillis")
      expect(negative.message).toContain("must be at least 0 ms; got -1")
      const tooLong = yield* failureOf(
        Policy.decodeOverrides({ providers: { venuebook: { maxStalenessMillis: 1e13 } } })
      )
      expect(tooLong.path).toBe("providers.venuebook.maxStalenessMillis")
      expect(tooLong.message).toContain("must be at most 2147483647 ms")
      const text = yield* failureOf(Policy.decodeOverrides({ services: { calendar: { maxStalenessMillis: "1h" } } }))
      expect(text.path).toBe("services.calendar.maxStalenessMillis")
    })
  )

  it("a ServicePolicy without the field is refused", () => {
    const { maxStalenessMillis: _, ...without } = Policy.defaults.vendor_api
    expect(() => Schema.decodeUnknownSync(Policy.ServicePolicy)(without)).toThrow(/maxStalenessMillis/)
  })
})
