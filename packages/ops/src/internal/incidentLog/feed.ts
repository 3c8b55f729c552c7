/**
 * What the feed daemon turns into incidents: breaker transitions, health
 * status changes, integration errors and failovers (rolled up per minute,
 * `rollup.ts`) and operator overrides set, cleared or expired, each as a
 * {@link NewIncident}.
 *
 * @internal
 */
import { type Health, IntegrationError, Overrides, type Resilience } from "@wedsync/core"
import type { Rolled } from "./rollup.ts"
import type { NewIncident } from "./types.ts"

/** A health event (a breaker transition or a status change) as an incident. @internal */
export const incidentOfEvent = (event: Health.Event): NewIncident => {
  if (event._tag === "BreakerTransition") {
    return {
      kind: "breaker_transition",
      at: event.at,
      service: event.service,
      provider: event.provider,
      summary: `${event.service}/${event.provider} circuit ${event.from} → ${event.to} (${event.source})`,
      detail: {
        from: event.from,
        to: event.to,
        source: event.source,
        key: event.key,
        ...(event.retryAfterMillis === undefined ? {} : { retryAfterMillis: event.retryAfterMillis })
      }
    }
  }
  return {
    kind: "health_change",
    at: event.at,
    service: event.service,
    provider: event.provider,
    summary: `${event.service}/${event.provider} ${event.from} → ${event.to}`,
    detail: { from: event.from, to: event.to, cause: event.cause }
  }
}

/** An integration error as an incident; its message, status and codes go in the (redacted) detail. @internal */
export const incidentOfError = (
  error: IntegrationError.IntegrationError,
  service: string,
  weddingId: string | undefined,
  correlationId: string | undefined
): NewIncident => ({
  kind: "integration_error",
  service,
  provider: error.provider,
  operation: error.operation,
  reason: error.reason._tag,
  family: error.family,
  summary: error.message,
  detail: {
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.providerCode === undefined ? {} : { providerCode: error.providerCode }),
    ...(error.requestId === undefined ? {} : { requestId: error.requestId }),
    ...(error.delivery === undefined ? {} : { delivery: error.delivery }),
    retryable: error.isRetryable,
    canFailover: error.canFailover
  },
  weddingId,
  correlationId: error.correlationId ?? correlationId
})

/** Failures roll up per service, provider and reason; failovers per service, from and to. @internal */
export const rollupKey = (incident: Resilience.Incident): string =>
  incident._tag === "Failure"
    ? `failure\u0000${incident.service}\u0000${incident.provider}\u0000${incident.reason}`
    : `failover\u0000${incident.service}\u0000${incident.from}\u0000${incident.to}`

/**
 * A rolled-up failure or failover as an incident: the first of its minute as
 * it came (`detail.count` 1), then how many more the minute saw
 * (`detail.count` N, `detail.since` when the minute began).
 *
 * @internal
 */
export const incidentOfRolled = (rolled: Rolled<Resilience.Incident>): NewIncident => {
  const event = rolled.value
  const count = rolled._tag === "First" ? 1 : rolled.count
  const window = rolled._tag === "First" ? {} : { since: rolled.since }
  if (event._tag === "Failure") {
    return {
      kind: "integration_error",
      at: event.at,
      service: event.service,
      provider: event.provider,
      operation: event.operation,
      reason: event.reason,
      family: event.family,
      summary:
        rolled._tag === "First"
          ? `${event.service}/${event.provider} ${event.operation} failed: ${event.reason}`
          : `${count} more ${event.reason} from ${event.provider} in the last minute`,
      detail: { count, ...window, ...(event.status === undefined ? {} : { status: event.status }) },
      correlationId: rolled._tag === "First" ? event.correlationId : undefined
    }
  }
  return {
    kind: "fallback_used",
    at: event.at,
    service: event.service,
    provider: event.from,
    operation: event.operation,
    reason: event.reason,
    family: event.reason === undefined ? undefined : IntegrationError.familyOf(event.reason),
    summary:
      rolled._tag === "First"
        ? `${event.service}: ${event.from} → ${event.to}${event.reason === undefined ? "" : ` (${event.reason})`}`
        : `${count} more failovers from ${event.from} to ${event.to} in the last minute`,
    detail: { from: event.from, to: event.to, count, ...window }
  }
}

const describeOverride = (override: Overrides.Override): { service: string; provider?: string; what: string } => {
  switch (override._tag) {
    case "ForceCircuit":
      return {
        service: override.service,
        provider: override.provider,
        what: `${override.service}/${override.provider} circuit forced ${override.state}`
      }
    case "PinProvider":
      return {
        service: override.service,
        provider: override.provider,
        what: `${override.service} pinned to ${override.provider}`
      }
    case "DisableIntegration":
      return override.provider === undefined
        ? { service: override.service, what: `${override.service} disabled` }
        : {
            service: override.service,
            provider: override.provider,
            what: `${override.service}/${override.provider} disabled`
          }
    case "PauseEndpoint":
      return { service: "webhook_delivery", what: `webhook endpoint ${override.endpointId} paused` }
  }
}

/**
 * The overrides set and lifted between two readings of the engine's
 * snapshot, by id, as `override` incidents: one that left the snapshot past
 * its `expiresAt` expired, any other was cleared (or replaced by a newer one
 * on its target, which is then set).
 *
 * @internal
 */
export const overrideChanges = (
  before: ReadonlyArray<Overrides.Override>,
  after: ReadonlyArray<Overrides.Override>,
  now: number
): ReadonlyArray<NewIncident> => {
  const was = new Set(before.map((override) => override.id))
  const is = new Set(after.map((override) => override.id))
  const incident = (override: Overrides.Override, change: "set" | "cleared" | "expired"): NewIncident => {
    const { what, ...target } = describeOverride(override)
    return {
      kind: "override",
      at: change === "set" ? override.createdAt : now,
      ...target,
      summary:
        change === "set"
          ? `${what} by ${override.actor}: ${override.reason}`
          : `${what}: ${change} (override ${override.id})`,
      detail: {
        change,
        override: override.id,
        type: override._tag,
        target: Overrides.targetOf(override),
        actor: override.actor,
        reason: override.reason,
        ...(override.expiresAt === undefined ? {} : { expiresAt: override.expiresAt })
      }
    }
  }
  const lifted = before
    .filter((override) => !is.has(override.id))
    .map((override) =>
      incident(override, override.expiresAt !== undefined && override.expiresAt <= now ? "expired" : "cleared")
    )
  return [...lifted, ...after.filter((override) => !was.has(override.id)).map((override) => incident(override, "set"))]
}
