/**
 * Provider health as gauges. Core keeps each provider's breaker state and
 * health in its engine, not in metrics (the hot path pays nothing for
 * them); a scrape copies them into two gauges per provider just before the
 * registry is formatted, so `/metrics` shows them without a poller.
 *
 * @internal
 */
import type { Health } from "@wedsync/core"
import { Effect, Metric } from "effect"

/** `wedsync_breaker_state`: 0 closed, 1 half open, 2 open. @internal */
export const BREAKER_STATE = "wedsync_breaker_state"

/** `wedsync_provider_health`: 2 healthy, 1 degraded, 0 down. @internal */
export const PROVIDER_HEALTH = "wedsync_provider_health"

const breakerValue = { closed: 0, half_open: 1, open: 2 } as const
const healthValue = { healthy: 2, degraded: 1, down: 0 } as const

const BREAKER_DESCRIPTION = "Circuit breaker state per provider: 0 closed, 1 half open, 2 open"
const HEALTH_DESCRIPTION = "Provider health per provider: 2 healthy, 1 degraded, 0 down"

// One gauge per attribute set, built once: the registry keys series by name and attributes.
const gauges = new Map<string, { readonly breaker: Metric.Gauge<number>; readonly health: Metric.Gauge<number> }>()

const gaugesOf = (service: string, provider: string) => {
  const key = `${service}:${provider}`
  let found = gauges.get(key)
  if (found === undefined) {
    const attributes = { service, provider }
    found = {
      breaker: Metric.gauge(BREAKER_STATE, { description: BREAKER_DESCRIPTION, attributes }),
      health: Metric.gauge(PROVIDER_HEALTH, { description: HEALTH_DESCRIPTION, attributes })
    }
    gauges.set(key, found)
  }
  return found
}

/** Sets both gauges of every provider from a health snapshot. @internal */
export const record = (providers: ReadonlyArray<Health.ProviderHealth>): Effect.Effect<void> =>
  Effect.forEach(
    providers,
    (provider) => {
      const { breaker, health } = gaugesOf(provider.service, provider.provider)
      return Effect.andThen(
        Metric.update(breaker, breakerValue[provider.breaker]),
        Metric.update(health, healthValue[provider.status])
      )
    },
    { discard: true }
  )
