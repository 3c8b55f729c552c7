/**
 * The overrides in force at a moment, indexed for the hot path: a forced
 * circuit, a pin, a disabled provider or a paused endpoint is one map read.
 * Built by a pure function of the stored overrides and the time, so expiry is
 * just "build again": an override whose `expiresAt` has passed is left out.
 *
 * @internal
 */
import type { Disabled, Override, PauseEndpoint, Snapshot } from "./model.ts"

export type { Disabled, Snapshot } from "./model.ts"

/** No overrides. @internal */
export const empty: Snapshot = {
  overrides: [],
  forced: new Map(),
  pinned: new Map(),
  disabled: new Map(),
  paused: new Map(),
  nextExpiry: undefined,
  fingerprint: ""
}

/** Whether an override is in force at `now`. @internal */
export const isActive = (override: Override, now: number): boolean =>
  override.expiresAt === undefined || override.expiresAt > now

/** The overrides in force at `now`, indexed; of two for the same target the later one wins. @internal */
export const build = (stored: Iterable<Override>, now: number): Snapshot => {
  const overrides = [...stored]
    .filter((override) => isActive(override, now))
    .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))
  if (overrides.length === 0) return empty
  const forced = new Map<string, "open" | "closed">()
  const pinned = new Map<string, string>()
  const disabled = new Map<string, Disabled>()
  const paused = new Map<string, PauseEndpoint>()
  let nextExpiry: number | undefined
  for (const override of overrides) {
    if (override.expiresAt !== undefined && (nextExpiry === undefined || override.expiresAt < nextExpiry)) {
      nextExpiry = override.expiresAt
    }
    switch (override._tag) {
      case "ForceCircuit":
        forced.set(`${override.service}:${override.provider}`, override.state)
        break
      case "PinProvider":
        pinned.set(override.service, override.provider)
        break
      case "DisableIntegration":
        disabled.set(override.provider === undefined ? override.service : `${override.service}:${override.provider}`, {
          id: override.id,
          description: `disabled by ${override.actor} (override ${override.id}): ${override.reason}`
        })
        break
      case "PauseEndpoint":
        paused.set(override.endpointId, override)
        break
    }
  }
  const fingerprint = overrides.map((override) => `${override.id}@${override.expiresAt ?? ""}`).join(",")
  return { overrides, forced, pinned, disabled, paused, nextExpiry, fingerprint }
}

/** Whether calls to a provider are refused by a `DisableIntegration` (its own, or its whole service's). @internal */
export const disabledFor = (snapshot: Snapshot, service: string, provider: string): Disabled | undefined =>
  snapshot.disabled.size === 0
    ? undefined
    : (snapshot.disabled.get(`${service}:${provider}`) ?? snapshot.disabled.get(service))
