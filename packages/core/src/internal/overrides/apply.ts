/**
 * How a snapshot of overrides reaches the engine: as plain fields the call
 * path reads (`circuit.forced`, `state.disabled`, `engine.overrides.pinned`),
 * so honouring an override costs a field read per call, never a store call.
 * A change of what a circuit admits is emitted as a transition with source
 * `"override"`, which also moves the provider's health.
 *
 * @internal
 */
import type { Context } from "effect"
import * as IntegrationError from "../../IntegrationError.ts"
import { stateName, view } from "../circuit.ts"
import type { Engine, ProviderState, Transition } from "../engine.ts"
import { type Disabled, disabledFor, type Snapshot } from "./snapshot.ts"

/** Makes `next` the engine's overrides and applies it to every provider it knows. @internal */
export const apply = (engine: Engine, next: Snapshot, now: number, context: Context.Context<never>): void => {
  if (engine.overrides === next) return
  const before = new Map<ProviderState, Transition["from"]>()
  for (const state of engine.allProviders()) before.set(state, view(state.circuit))
  engine.overrides = next
  // A forced circuit applies before its provider's first call in this instance, so `circuitState` and health show it.
  for (const override of next.overrides) {
    if (override._tag === "ForceCircuit") engine.providerState(override.service, override.provider)
  }
  for (const state of engine.allProviders()) {
    const from = before.get(state) ?? stateName(state.circuit.state)
    state.circuit.forced = next.forced.get(state.key)
    state.disabled = disabledFor(next, state.service, state.provider)
    engine.emitView(state, from, view(state.circuit), now, "override", context)
  }
}

/**
 * The error a call to a disabled provider fails with at once: reason
 * `Disabled` (family `"operator"`: not retried, fails over, held by the
 * outbox). It still carries `providerCode` {@link OVERRIDE_CODE}, for
 * dashboards that filtered on it before the reason existed.
 *
 * @internal
 */
export const disabledError = (
  provider: string,
  operation: string,
  disabled: Disabled,
  correlationId: string | undefined
): IntegrationError.IntegrationError =>
  IntegrationError.make(
    provider,
    operation,
    new IntegrationError.Disabled({ overrideId: disabled.id, description: disabled.description }),
    { correlationId, providerCode: OVERRIDE_CODE }
  )

/**
 * The `providerCode` of a refusal by a `DisableIntegration` override (kept
 * for compatibility; the reason `Disabled` says the same).
 *
 * @internal
 */
export const OVERRIDE_CODE = "wedsync.override.disabled"
