/**
 * The policy overrides to run under while peak mode is on: every circuit
 * trips sooner (its failure-rate threshold, minimum calls and consecutive
 * slow calls scaled down), on top of whatever overrides are in force.
 *
 * @internal
 */
import { Policy } from "@wedsync/core"

const scaleCount = (count: number, factor: number) => Math.max(1, Math.ceil(count * factor))

type Patch = Policy.PolicyPatch

const lowered = (patch: Patch | undefined, base: Policy.ServicePolicy["breaker"], factor: number): Patch => {
  const breaker = { ...base, ...patch?.breaker }
  return {
    ...patch,
    breaker: {
      ...patch?.breaker,
      failureRateThreshold: breaker.failureRateThreshold * factor,
      minimumCalls: scaleCount(breaker.minimumCalls, factor),
      consecutiveSlowCalls: scaleCount(breaker.consecutiveSlowCalls, factor)
    }
  }
}

/** `base` with every service's trip thresholds scaled by `factor` (0 < factor ≤ 1). @internal */
export const peakPolicies = (base: Policy.PolicyOverrides | undefined, factor: number): Policy.PolicyOverrides => {
  if (!(factor > 0 && factor <= 1)) throw new RangeError(`PeakMode.policies: factor must be in (0, 1], got ${factor}`)
  const services: Partial<Record<Policy.ServiceType, Patch>> = {}
  for (const service of Policy.ServiceType.literals) {
    services[service] = lowered(base?.services?.[service], Policy.defaults[service].breaker, factor)
  }
  const providers: Record<string, Patch> = {}
  for (const [provider, patch] of Object.entries(base?.providers ?? {})) {
    // A provider's own breaker numbers are lowered too; its other fields stay as given.
    providers[provider] =
      patch.breaker === undefined
        ? patch
        : {
            ...patch,
            breaker: {
              ...patch.breaker,
              ...(patch.breaker.failureRateThreshold === undefined
                ? {}
                : { failureRateThreshold: patch.breaker.failureRateThreshold * factor }),
              ...(patch.breaker.minimumCalls === undefined
                ? {}
                : { minimumCalls: scaleCount(patch.breaker.minimumCalls, factor) }),
              ...(patch.breaker.consecutiveSlowCalls === undefined
                ? {}
                : { consecutiveSlowCalls: scaleCount(patch.breaker.consecutiveSlowCalls, factor) })
            }
          }
  }
  return base?.providers === undefined ? { services } : { services, providers }
}
