/**
 * Policies are data: one `ServicePolicy` per service type holds the timeout,
 * circuit breaker, in-call retry, deferred-retry table, bulkhead and the most
 * a stale answer may age (`maxStalenessMillis`, read by `StaleReads`) that every
 * call to that kind of service runs under.
 *
 * The defaults carry the product spec's numbers (SPEC-WS-198); operators
 * override them per service or per provider with plain JSON, which is
 * validated field by field so a typo names the field instead of failing later:
 * every duration lies within what a timer can hold (at most 2147483647 ms,
 * about 24.8 days), an unknown service is refused, and so is an unknown
 * provider when the application declares its providers (`knownProviders`).
 * Lookups are pre-merged once, so reading a policy on the hot path is a map hit.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Policy } from "@wedsync/core"
 *
 * const program = Effect.gen(function*() {
 *   const policies = yield* Policy.Policies
 *   return policies.get("email", "resend").timeoutMillis
 * }).pipe(Effect.provide(Policy.layer({ providers: { resend: { timeoutMillis: 5_000 } } })))
 * ```
 *
 * @since 0.1.0
 */
import { Config, Context, Effect, Layer, Option, Result, Schema, type SchemaIssue, Struct } from "effect"
import { defaults as specDefaults } from "./internal/policyDefaults.ts"
import {
  BreakerFields,
  BulkheadFields,
  DeferredFields,
  InCallFields,
  Millis,
  PositiveMillis,
  ServicePolicy,
  ServiceType
} from "./internal/policyModel.ts"
import { describeIssues, FieldIssue, fieldIssues, keyKind, unknownName } from "./internal/schemaIssues.ts"

export { Breaker, DeferredRule, Delay, InCall, ReasonTag, ServicePolicy, ServiceType } from "./internal/policyModel.ts"

const partial = Struct.map(Schema.optionalKey)

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
export const defaults: Record<ServiceType, ServicePolicy> = specDefaults

/** A deep-partial `ServicePolicy` (without `service`); nested structs merge, `rules` replace. @since 0.1.0 */
export const PolicyPatch = Schema.Struct({
  timeoutMillis: Schema.optionalKey(PositiveMillis),
  breaker: Schema.optionalKey(BreakerFields.mapFields(partial)),
  inCall: Schema.optionalKey(InCallFields.mapFields(partial)),
  deferred: Schema.optionalKey(DeferredFields.mapFields(partial)),
  bulkhead: Schema.optionalKey(BulkheadFields.mapFields(partial)),
  maxStalenessMillis: Schema.optionalKey(Millis)
})

/** @since 0.1.0 */
export type PolicyPatch = typeof PolicyPatch.Type

/**
 * Operator overrides: per service, then per provider on top of whichever
 * service asks for that provider.
 *
 * @example
 * ```ts
 * const overrides: Policy.PolicyOverrides = {
 *   services: { email: { breaker: { openMillis: 10_000 } } },
 *   providers: { resend: { timeoutMillis: 5_000 } }
 * }
 * ```
 * @since 0.1.0
 */
export const PolicyOverrides = Schema.Struct({
  services: Schema.optionalKey(
    Schema.Record(ServiceType, Schema.optionalKey(PolicyPatch)).annotate({ [keyKind]: "service" })
  ),
  providers: Schema.optionalKey(Schema.Record(Schema.String, PolicyPatch))
})

/** @since 0.1.0 */
export type PolicyOverrides = typeof PolicyOverrides.Type

/**
 * A policy or override failed validation. `message` names each bad field and
 * its problem, e.g.
 * `services.email.timeoutMillis: must be at most 2147483647 ms (about 24.8 days, the longest a timer can wait); got 1000000000000`
 * or `providers.resnd: unknown provider "resnd"; the known providers are postmark, resend (did you mean "resend"?)`.
 *
 * @example
 * ```ts
 * Policy.make(overrides).pipe(Effect.catchTag("PolicyError", (error) => Effect.logError(error.path, error.message)))
 * ```
 * @since 0.1.0
 */
export class PolicyError extends Schema.TaggedError<PolicyError>("@wedsync/core/Policy/PolicyError")("PolicyError", {
  issues: Schema.Array(FieldIssue)
}) {
  /** The path of the first bad field, e.g. `services.email.timeoutMillis`. */
  get path(): string {
    return this.issues[0]?.path ?? ""
  }
  override get message(): string {
    return describeIssues(this.issues)
  }
}

const parseOptions = { errors: "all", onExcessProperty: "error", reportInput: true } as const

const toPolicyError = (issue: SchemaIssue.Issue, prefix: ReadonlyArray<PropertyKey>, suffix = ""): PolicyError =>
  new PolicyError({
    issues: fieldIssues(issue, prefix).map((entry) => ({ path: entry.path, message: entry.message + suffix }))
  })

const decodeOverridesResult = Schema.decodeUnknownResult(PolicyOverrides, parseOptions)
const decodePolicyResult = Schema.decodeUnknownResult(ServicePolicy, parseOptions)

/**
 * Validates untrusted overrides (parsed JSON, a Redis value). Unknown keys are
 * errors, so a typo in a field name is reported rather than ignored.
 *
 * @example
 * ```ts
 * Policy.decodeOverrides({ services: { email: { breaker: { failureRateThreshold: 3 } } } })
 * // fails: services.email.breaker.failureRateThreshold: Expected a value less than or equal to 1, got 3
 * ```
 * @since 0.1.0
 */
export const decodeOverrides = (input: unknown): Effect.Effect<PolicyOverrides, PolicyError> =>
  Effect.suspend(() => {
    const result = decodeOverridesResult(input)
    return Result.isSuccess(result)
      ? Effect.succeed(result.success)
      : Effect.fail(toPolicyError(result.failure.issue, []))
  })

/**
 * {@link decodeOverrides} for a JSON text, e.g. an environment variable.
 *
 * @example
 * ```ts
 * Policy.decodeOverridesJson(`{"providers":{"twilio":{"timeoutMillis":4000}}}`)
 * ```
 * @since 0.1.0
 */
export const decodeOverridesJson = (text: string, name = "overrides"): Effect.Effect<PolicyOverrides, PolicyError> =>
  Effect.suspend(() => {
    try {
      return decodeOverrides(JSON.parse(text))
    } catch (cause) {
      const message = `not valid JSON (${cause instanceof Error ? cause.message : String(cause)})`
      return Effect.fail(new PolicyError({ issues: [{ path: name, message }] }))
    }
  })

const isPlainObject = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/** Deep merge for nested structs; arrays and scalars in `patch` replace. */
const merge = (base: unknown, patch: unknown): unknown => {
  if (!isPlainObject(base) || !isPlainObject(patch)) return patch === undefined ? base : patch
  const out: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(patch)) {
    // JSON.parse makes "__proto__" an own key; assigning it would swap the prototype
    if (key !== "__proto__") out[key] = merge(base[key], value)
  }
  return out
}

// throws, so `build` reads as the plain loop it is; `make` turns the throw back into a failure
const validate = (merged: unknown, prefix: ReadonlyArray<PropertyKey>, suffix?: string): ServicePolicy => {
  const result = decodePolicyResult(merged)
  if (Result.isSuccess(result)) return result.success
  throw toPolicyError(result.failure.issue, prefix, suffix)
}

/**
 * Looks up the policy in force for a service, optionally for one provider.
 * Synchronous and pre-merged: cheap enough for every call.
 *
 * @example
 * ```ts
 * const lookup: Policy.PolicyLookup = yield* Policy.Policies
 * lookup.get("sms", "twilio").inCall.maxAttempts // 3
 * ```
 * @since 0.1.0
 */
export interface PolicyLookup {
  readonly get: (service: ServiceType, provider?: string) => ServicePolicy
  /**
   * The provider names the application declared ({@link MakeOptions}), or
   * `undefined` when it declared none and any name is accepted. Operator
   * overrides (`Overrides.set`) are checked against the same list.
   */
  readonly knownProviders?: ReadonlyArray<string> | undefined
}

/**
 * How {@link make} checks overrides beyond their fields.
 *
 * @example
 * ```ts
 * const options: Policy.MakeOptions = { knownProviders: ["resend", "postmark", "twilio", "vonage"] }
 * ```
 * @since 0.1.0
 */
export interface MakeOptions {
  /**
   * Every provider the application wires (its adapters' names, e.g. the
   * playground's simulator registry). Core knows no provider list of its own:
   * with one given, a provider override under any other name is a
   * {@link PolicyError} naming it rather than a setting silently ignored.
   * Without one, any name is accepted.
   */
  readonly knownProviders?: Iterable<string> | undefined
}

const serviceTypes = ServiceType.literals

// Names the overrides use that nothing answers to: a service outside the closed set, a provider outside the declared list.
const unknownNames = (
  overrides: PolicyOverrides | undefined,
  knownProviders: ReadonlyArray<string> | undefined
): ReadonlyArray<FieldIssue> => {
  const services: ReadonlyArray<string> = serviceTypes
  const unknownServices = Object.keys(overrides?.services ?? {})
    .filter((name) => !services.includes(name))
    .map((name) => ({ path: `services.${name}`, message: unknownName("service", name, services) }))
  const unknownProviders =
    knownProviders === undefined
      ? []
      : Object.keys(overrides?.providers ?? {})
          .filter((name) => !knownProviders.includes(name))
          .map((name) => ({ path: `providers.${name}`, message: unknownName("provider", name, knownProviders) }))
  return [...unknownServices, ...unknownProviders]
}

const build = (overrides: PolicyOverrides | undefined, options?: MakeOptions): PolicyLookup => {
  const knownProviders = options?.knownProviders === undefined ? undefined : [...options.knownProviders]
  const unknown = unknownNames(overrides, knownProviders)
  if (unknown.length > 0) throw new PolicyError({ issues: unknown })
  const byService = {} as Record<ServiceType, ServicePolicy>
  for (const service of serviceTypes) {
    const patch = overrides?.services?.[service]
    byService[service] =
      patch === undefined ? defaults[service] : validate(merge(defaults[service], patch), ["services", service])
  }
  const byProvider = new Map<string, Record<ServiceType, ServicePolicy>>()
  for (const [provider, patch] of Object.entries(overrides?.providers ?? {})) {
    const merged = {} as Record<ServiceType, ServicePolicy>
    for (const service of serviceTypes) {
      merged[service] = validate(merge(byService[service], patch), ["providers", provider], ` (applied to ${service})`)
    }
    byProvider.set(provider, merged)
  }
  return {
    get: (service, provider) =>
      (provider === undefined ? undefined : byProvider.get(provider)?.[service]) ?? byService[service],
    knownProviders
  }
}

/**
 * Builds a lookup from overrides, merging and re-validating every
 * service × provider combination up front. Pass `knownProviders` to have a
 * provider override under an unknown name refused (see {@link MakeOptions}).
 *
 * @example
 * ```ts
 * const policies = yield* Policy.make({ services: { sms: { timeoutMillis: 5_000 } } })
 * policies.get("sms").timeoutMillis // 5000
 *
 * yield* Policy.make({ providers: { twillio: { timeoutMillis: 4_000 } } }, { knownProviders: ["twilio", "vonage"] })
 * // fails: providers.twillio: unknown provider "twillio"; the known providers are twilio, vonage (did you mean "twilio"?)
 * ```
 * @since 0.1.0
 */
export const make = (overrides?: PolicyOverrides, options?: MakeOptions): Effect.Effect<PolicyLookup, PolicyError> =>
  Effect.suspend(() => {
    try {
      return Effect.succeed(build(overrides, options))
    } catch (error) {
      if (error instanceof PolicyError) return Effect.fail(error)
      throw error
    }
  })

/**
 * The policies in force. Without a layer, the spec's {@link defaults}.
 *
 * @example
 * ```ts
 * const timeout = (yield* Policy.Policies).get("payment", "stripe").timeoutMillis // 15_000
 * ```
 * @since 0.1.0
 */
export class Policies extends Context.Reference<PolicyLookup>("@wedsync/core/Policy/Policies", {
  defaultValue: () => build(undefined)
}) {}

/**
 * Provides {@link Policies} with overrides written in code on top of the
 * defaults. A merged policy that breaks a rule, or an unknown provider name
 * when `knownProviders` is given, is a defect at the call site (as
 * `WeddingContext.provide`); use {@link make} or {@link layerConfig} to get a
 * {@link PolicyError} instead.
 *
 * @example
 * ```ts
 * program.pipe(Effect.provide(Policy.layer({ services: { email: { timeoutMillis: 8_000 } } })))
 * program.pipe(Effect.provide(Policy.layer(overrides, { knownProviders: ["resend", "postmark"] })))
 * ```
 * @since 0.1.0
 */
export const layer = (overrides?: PolicyOverrides, options?: MakeOptions): Layer.Layer<never> =>
  Layer.effect(Policies, Effect.orDie(make(overrides, options)))

/**
 * Provides {@link Policies} from a JSON text in the config variable `name`
 * (default `WEDSYNC_POLICIES`); absent or blank means the defaults. With
 * `knownProviders`, a provider the application does not wire is refused.
 *
 * @example
 * ```ts
 * // WEDSYNC_POLICIES='{"providers":{"twilio":{"timeoutMillis":4000}}}'
 * program.pipe(Effect.provide(Policy.layerConfig()))
 * program.pipe(Effect.provide(Policy.layerConfig("WEDSYNC_POLICIES", { knownProviders: ["twilio", "vonage"] })))
 * ```
 * @since 0.1.0
 */
export const layerConfig = (
  name = "WEDSYNC_POLICIES",
  options?: MakeOptions
): Layer.Layer<never, PolicyError | Config.ConfigError> =>
  Layer.effect(
    Policies,
    Effect.gen(function* () {
      const text = yield* Config.option(Config.String(name))
      if (Option.isNone(text) || text.value.trim() === "") return yield* make(undefined, options)
      return yield* make(yield* decodeOverridesJson(text.value, name), options)
    })
  )
