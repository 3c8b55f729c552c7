/**
 * The Monitor wires the resilience engine to alerts: it watches every
 * breaker transition and the operator's disabled integrations, assesses the
 * impact on upcoming weddings (`Impact.assess`) and opens and resolves
 * alerts (`Alerts`), recording each alert raised in the `IncidentLog` when
 * one is provided.
 *
 * The rules:
 * - one alert per incident: a circuit that opens raises
 *   `circuit:<service>:<provider>`; failures while it is open, and a failed
 *   probe that re-opens it, raise nothing more (the key is open);
 * - a flapping circuit is one incident: the alert is resolved only once the
 *   circuit has stayed closed for `settle` (default 1 minute); opening again
 *   within it cancels the resolution and sends nothing;
 * - an integration disabled through `Overrides` (`DisableIntegration`) raises
 *   `disabled:<service>[:<provider>]`, resolved when it is enabled again;
 * - severity comes from `Alerts.escalate`: a wedding today pages at once.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { Resilience } from "@wedsync/core"
 * import { Alerts, AlertSinks, Impact, Monitor, WeddingDirectory } from "@wedsync/ops"
 *
 * const live = Monitor.layer().pipe(
 *   Layer.provideMerge(Alerts.layerMemory({ sinks: [AlertSinks.log] })),
 *   Layer.provideMerge(WeddingDirectory.layerMemory(weddings)),
 *   Layer.provideMerge(Impact.countsNone),
 *   Layer.provideMerge(Resilience.layerMemory())
 * )
 * ```
 *
 * @since 0.1.0
 */
import { Duration, Effect, Layer } from "effect"
import { Resilience } from "@wedsync/core"
import { Alerts } from "./Alerts.ts"
import type * as Impact from "./Impact.ts"
import { watch } from "./internal/monitor/watch.ts"
import type { WeddingDirectory } from "./WeddingDirectory.ts"

/**
 * Options of {@link layer}.
 *
 * @example
 * ```ts
 * const options: Monitor.Options = { horizonDays: 30, settle: "2 minutes" }
 * ```
 * @since 0.1.0
 */
export interface Options {
  /** How far ahead the impact looks (default: `Impact.assess`'s). */
  readonly horizonDays?: number | undefined
  /** How long a circuit must stay closed before its alert is resolved (default 1 minute). */
  readonly settle?: Duration.Input | undefined
  /** How often the engine's overrides are read for disabled integrations (default 1 second). */
  readonly overridesEvery?: Duration.Input | undefined
}

/**
 * The Monitor, running while its layer's scope is open. Needs `Alerts`, the
 * `Resilience` engine to watch, and what `Impact.assess` reads; uses
 * `IncidentLog` if provided.
 *
 * @example
 * ```ts
 * const monitored = Monitor.layer({ settle: "30 seconds" }).pipe(Layer.provide(alertsAndEngine))
 * ```
 * @since 0.1.0
 */
export const layer = (
  options: Options = {}
): Layer.Layer<never, never, Alerts | Resilience.Resilience | WeddingDirectory | Impact.Counts> =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const resilience = yield* Effect.service(Resilience.Resilience)
      const alerts = yield* Effect.service(Alerts)
      yield* watch(resilience, alerts, {
        horizonDays: options.horizonDays,
        settle: Duration.fromInputUnsafe(options.settle ?? "1 minute"),
        overridesEvery: Duration.fromInputUnsafe(options.overridesEvery ?? "1 second")
      })
    })
  )
