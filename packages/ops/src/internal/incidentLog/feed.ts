/**
 * What the feed daemon turns into incidents: breaker transitions, health
 * status changes and integration errors, each as a {@link NewIncident}.
 *
 * @internal
 */
import type { Health, IntegrationError } from "@wedsync/core"
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
