/**
 * The bad-input suite, configuration half: policies and operator overrides
 * with values a timer cannot hold and names nothing answers to, each through
 * the public API, asserting the typed error, the field it names and its words.
 * The messages half is `BadInputMessages.test.ts`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, ConfigProvider, Effect, Exit, Layer } from "effect"
import * as Audit from "../src/Audit.ts"
import * as Overrides from "../src/Overrides.ts"
import * as Policy from "../src/Policy.ts"
import * as Resilience from "../src/Resilience.ts"

const limit = 2_147_483_647
const tooLong = "must be at most 2147483647 ms (about 24.8 days"
const providers = ["resend", "postmark", "twilio", "vonage"]

const policyError = (effect: Effect.Effect<unknown, Policy.PolicyError>) => Effect.flip(effect)

/** An override setting one nested field of the email policy. */
const at = (path: ReadonlyArray<string>, value: unknown): Record<string, unknown> =>
  path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as Record<string, unknown>

describe("policies: every duration within what a timer can hold", () => {
  it.effect("a timeout of 1e12 ms is refused naming the field, the bound and the value", () =>
    Effect.gen(function* () {
      const error = yield* policyError(Policy.decodeOverrides({ services: { email: { timeoutMillis: 1e12 } } }))
      assert.instanceOf(error, Policy.PolicyError)
      assert.strictEqual(error.path, "services.email.timeoutMillis")
      assert.include(error.message, `services.email.timeoutMillis: ${tooLong}`)
      assert.include(error.message, "got 1000000000000")
    })
  )

  it.effect("the same from WEDSYNC_POLICIES fails the layer with the PolicyError", () =>
    Effect.gen(function* () {
      const env = { WEDSYNC_POLICIES: JSON.stringify({ providers: { twilio: { timeoutMillis: 1e12 } } }) }
      const layer = Policy.layerConfig().pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env }))))
      const error = yield* Effect.flip(Effect.provide(Effect.service(Policy.Policies), layer))
      assert.instanceOf(error, Policy.PolicyError)
      assert.include(error.message, `providers.twilio.timeoutMillis: ${tooLong}`)
    })
  )

  const durations: ReadonlyArray<readonly [ReadonlyArray<string>, number]> = [
    [["timeoutMillis"], 1],
    [["breaker", "openMillis"], 1],
    [["breaker", "slowCallMillis"], 1],
    [["inCall", "maxDelayMillis"], 0]
  ]

  it.effect.each(durations)("%j is bounded above by 2^31-1 ms and below by %d ms", ([path, minimum]) =>
    Effect.gen(function* () {
      const name = `services.email.${path.join(".")}`
      const above = yield* policyError(Policy.make({ services: { email: at(path, limit + 1) } }))
      assert.strictEqual(above.path, name)
      assert.include(above.message, `${tooLong}, the longest a timer can wait); got ${limit + 1}`)
      const below = yield* policyError(Policy.make({ services: { email: at(path, minimum - 1) } }))
      assert.strictEqual(below.path, name)
      assert.include(below.message, `must be at least ${minimum} ms; got ${minimum - 1}`)
      const lookup = yield* Policy.make({ services: { email: at(path, limit) } })
      assert.isDefined(lookup.get("email"))
    })
  )

  it.effect("in-call and deferred delays are bounded too, NaN and Infinity are not durations", () =>
    Effect.gen(function* () {
      const inCall = yield* policyError(Policy.make({ providers: { resend: { inCall: { baseDelayMillis: -1 } } } }))
      assert.strictEqual(inCall.path, "providers.resend.inCall.baseDelayMillis")
      assert.include(inCall.message, "must be at least 0 ms; got -1")
      const rule = (delay: unknown) => ({ reasons: ["Unavailable"], delay, maxRetries: 1 })
      const deferred = yield* policyError(
        Policy.decodeOverrides({
          services: {
            sms: {
              deferred: {
                rules: [
                  rule({ kind: "fixed", millis: 3e9 }),
                  rule({ kind: "exponential", baseMillis: 1, factor: 2, capMillis: Number.POSITIVE_INFINITY })
                ]
              }
            }
          }
        })
      )
      assert.include(deferred.message, `services.sms.deferred.rules[0].delay.millis: ${tooLong}`)
      assert.include(
        deferred.message,
        "services.sms.deferred.rules[1].delay.capMillis: must be a number of milliseconds; got Infinity"
      )
      const nan = yield* policyError(Policy.make({ services: { sms: { timeoutMillis: Number.NaN } } }))
      assert.include(nan.message, "services.sms.timeoutMillis: must be a number of milliseconds; got NaN")
    })
  )

  it.effect("a breaker window too large to keep in memory is refused", () =>
    Effect.gen(function* () {
      const error = yield* policyError(
        Policy.decodeOverrides({ services: { email: { breaker: { windowSize: 1e9 } } } })
      )
      assert.include(error.message, "services.email.breaker.windowSize: must be at most 10000 calls; got 1000000000")
    })
  )

  it.effect("a delay of an unknown kind is described, not printed as a type", () =>
    Effect.gen(function* () {
      const error = yield* policyError(
        Policy.decodeOverrides({
          services: { email: { deferred: { rules: [{ reasons: [], delay: { kind: "fixd" }, maxRetries: 1 }] } } }
        })
      )
      assert.strictEqual(error.path, "services.email.deferred.rules[0].delay")
      assert.include(error.message, `Expected a delay: {"kind":"fixed","millis":…}, {"kind":"exponential"`)
    })
  )
})

describe("policies: names that nothing answers to", () => {
  const services = "payment, email, sms, calendar, vendor_api, storage, webhook, webhook_delivery"

  it.effect("an unknown service is named, with the valid ones and the near miss", () =>
    Effect.gen(function* () {
      const decoded = yield* policyError(Policy.decodeOverrides({ services: { emial: { timeoutMillis: 5_000 } } }))
      assert.strictEqual(decoded.path, "services.emial")
      assert.include(
        decoded.message,
        `services.emial: unknown service "emial"; the known services are ${services} (did you mean "email"?)`
      )
      // from code that bypassed the types (plain JavaScript, a cast): the same words
      const made = yield* policyError(Policy.make({ services: { fax: {} } } as Policy.PolicyOverrides))
      assert.include(made.message, `services.fax: unknown service "fax"; the known services are ${services}`)
      assert.notInclude(made.message, "did you mean")
    })
  )

  it.effect("a misspelt field is named with the fields valid there", () =>
    Effect.gen(function* () {
      const error = yield* policyError(Policy.decodeOverrides({ providers: { resend: { timeoutMilis: 5_000 } } }))
      assert.include(error.message, `providers.resend.timeoutMilis: unknown field "timeoutMilis"`)
      assert.include(error.message, "timeoutMillis, breaker, inCall, deferred, bulkhead")
      assert.include(error.message, `(did you mean "timeoutMillis"?)`)
    })
  )

  it.effect("with knownProviders, every unknown provider is named with the known ones", () =>
    Effect.gen(function* () {
      const error = yield* policyError(
        Policy.make(
          { providers: { resnd: { timeoutMillis: 5_000 }, twilio: {}, sendgrid: {} } },
          { knownProviders: providers }
        )
      )
      assert.deepStrictEqual(
        error.issues.map((issue) => issue.path),
        ["providers.resnd", "providers.sendgrid"]
      )
      assert.include(
        error.message,
        `providers.resnd: unknown provider "resnd"; the known providers are resend, postmark, twilio, vonage (did you mean "resend"?)`
      )
      assert.include(error.message, `providers.sendgrid: unknown provider "sendgrid"`)
    })
  )

  it.effect("known providers are taken and exposed; without a list any name is", () =>
    Effect.gen(function* () {
      const known = yield* Policy.make(
        { providers: { twilio: { timeoutMillis: 4_000 } } },
        { knownProviders: providers }
      )
      assert.strictEqual(known.get("sms", "twilio").timeoutMillis, 4_000)
      assert.deepStrictEqual(known.knownProviders, providers)
      const open = yield* Policy.make({ providers: { anything: { timeoutMillis: 4_000 } } })
      assert.strictEqual(open.get("sms", "anything").timeoutMillis, 4_000)
      assert.isUndefined(open.knownProviders)
    })
  )

  it.effect("Policy.layer dies with the PolicyError; layerConfig fails with it", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(
        Effect.provide(
          Effect.service(Policy.Policies),
          Policy.layer({ providers: { resnd: {} } }, { knownProviders: providers })
        )
      )
      const defect = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
      assert.instanceOf(defect, Policy.PolicyError)
      assert.strictEqual((defect as Policy.PolicyError).path, "providers.resnd")
      const env = { WEDSYNC_POLICIES: JSON.stringify({ providers: { vonnage: {} } }) }
      const layer = Policy.layerConfig("WEDSYNC_POLICIES", { knownProviders: providers }).pipe(
        Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env })))
      )
      const error = yield* Effect.flip(Effect.provide(Effect.service(Policy.Policies), layer))
      assert.instanceOf(error, Policy.PolicyError)
      assert.include(error.message, `unknown provider "vonnage"`)
      assert.include(error.message, `(did you mean "vonage"?)`)
    })
  )
})

describe("operator overrides: names that nothing answers to", () => {
  const live = (knownProviders?: ReadonlyArray<string>) =>
    Overrides.layerMemory.pipe(
      Layer.provideMerge(Resilience.layerMemory()),
      Layer.provide([
        Audit.layerMemory,
        Policy.layer(undefined, knownProviders === undefined ? undefined : { knownProviders })
      ])
    )
  const ana: Audit.Operator = { actor: "ana@wedsync", reason: "INC-42 Resend outage" }
  const set = (input: unknown) =>
    Effect.flatMap(Effect.service(Overrides.Overrides), (overrides) => overrides.set(input as Overrides.Input, ana))

  it.effect("a provider outside the application's list is refused for every kind of override", () =>
    Effect.gen(function* () {
      const inputs = [
        { _tag: "ForceCircuit", service: "email", provider: "resnd", state: "open" },
        { _tag: "PinProvider", service: "email", provider: "resnd" },
        { _tag: "DisableIntegration", service: "email", provider: "resnd" }
      ]
      for (const input of inputs) {
        const error = yield* Effect.flip(set(input))
        assert.instanceOf(error, Overrides.OverrideInvalid)
        assert.strictEqual(error.issues[0]?.path, "provider")
        assert.include(
          error.message,
          `provider: unknown provider "resnd"; the known providers are resend, postmark, twilio, vonage (did you mean "resend"?)`
        )
      }
      const list = yield* Effect.flatMap(Effect.service(Overrides.Overrides), (overrides) => overrides.list())
      assert.deepStrictEqual(list, [])
      const pinned = yield* set({ _tag: "PinProvider", service: "email", provider: "postmark" })
      assert.strictEqual(pinned._tag, "PinProvider")
      const whole = yield* set({ _tag: "DisableIntegration", service: "calendar" })
      assert.strictEqual(whole._tag, "DisableIntegration")
    }).pipe(Effect.provide(live(providers)))
  )

  it.effect("without a list, a backup never called yet can still be pinned", () =>
    Effect.gen(function* () {
      const pinned = yield* set({ _tag: "PinProvider", service: "email", provider: "postmark" })
      assert.strictEqual(pinned._tag, "PinProvider")
    }).pipe(Effect.provide(live()))
  )

  it.effect("an unknown service is named with the valid ones", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(set({ _tag: "ForceCircuit", service: "fax", provider: "resend", state: "open" }))
      assert.instanceOf(error, Overrides.OverrideInvalid)
      assert.strictEqual(error.issues[0]?.path, "service")
      assert.include(
        error.message,
        `one of payment, email, sms, calendar, vendor_api, storage, webhook, webhook_delivery, got "fax"`
      )
    }).pipe(Effect.provide(live(providers)))
  )
})
