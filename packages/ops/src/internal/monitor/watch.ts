/**
 * The Monitor's work: breaker transitions and disabled integrations in,
 * alerts and resolutions out.
 * - A circuit that opens (from closed or half-open) raises
 *   `circuit:<circuit key>` with its impact; `Alerts` ignores it while the
 *   key is open, so failures that keep it open, or re-open it after a failed
 *   probe, raise nothing more.
 * - A circuit that closes resolves its alert once it has stayed closed for
 *   `settle`: one that opens again within it (flapping) is the same
 *   incident — the pending resolution is cancelled and no new alert is sent.
 * - An integration an operator disables (`DisableIntegration`, read from the
 *   engine's overrides every `overridesEvery`) raises `disabled:<service>[:<provider>]`;
 *   enabling it resolves it at once.
 * Each alert raised here is recorded in the `IncidentLog` when one is
 * provided. Store failures are logged; the watch goes on.
 *
 * @internal
 */
import { Cause, Duration, Effect, FiberMap, Option, Schedule, Stream } from "effect"
import { IntegrationError, Policy, Redaction, type Resilience } from "@wedsync/core"
import type * as AlertsEngine from "../alerts/service.ts"
import * as Impact from "../../Impact.ts"
import { IncidentLog } from "../../IncidentLog.ts"
import type { WeddingDirectory } from "../../WeddingDirectory.ts"
import { circuitOpened, integrationDisabled } from "./describe.ts"

/** @internal */
export interface WatchOptions {
  readonly horizonDays: number | undefined
  readonly settle: Duration.Duration
  readonly overridesEvery: Duration.Duration
}

const isServiceType = (service: string): service is Policy.ServiceType =>
  (Policy.ServiceType.literals as ReadonlyArray<string>).includes(service)

const logged = <A, R>(what: string, effect: Effect.Effect<A, unknown, R>) =>
  Effect.catchCause(Effect.asVoid(effect), (cause) =>
    Effect.logWarning(`monitor: ${what} failed: ${Redaction.redactText(Cause.pretty(cause))}`)
  )

/** Runs the watch in the current scope. @internal */
export const watch = (resilience: Resilience.Service, alerts: AlertsEngine.Service, options: WatchOptions) =>
  Effect.gen(function* () {
    const context = yield* Effect.context<WeddingDirectory | Impact.Counts>()
    const incidents = yield* Effect.serviceOption(IncidentLog)
    const settling = yield* FiberMap.make<string>()

    const assess = (service: string, provider: string | undefined) =>
      Impact.assess({ service, provider, horizonDays: options.horizonDays }).pipe(
        Effect.provideContext(context),
        Effect.map(Option.some),
        Effect.catchCause((cause) =>
          Effect.as(Effect.logWarning(`monitor: impact of ${service} unknown: ${Cause.pretty(cause)}`), Option.none())
        ),
        Effect.map(Option.getOrUndefined)
      )

    const raise = (input: AlertsEngine.AlertInput) =>
      Effect.gen(function* () {
        const opened = yield* alerts.open(input)
        if (opened._tag !== "Opened" || Option.isNone(incidents)) return
        const { alert } = opened
        yield* logged(
          "recording the alert",
          incidents.value.record({
            // Its own kind: the transition that raised it is recorded by `IncidentLog.feed`, once.
            kind: "alert",
            service: alert.service,
            provider: alert.provider,
            reason: input.reason,
            family: input.reason === undefined ? undefined : IntegrationError.familyOf(input.reason),
            summary: `alert (${alert.severity}): ${alert.title}`,
            detail: {
              alert: alert.key,
              severity: alert.severity,
              sinks: opened.sinks,
              weddingsToday: alert.impact?.weddingsToday ?? 0,
              affected: (alert.impact?.affected ?? []).slice(0, 5).map((wedding) => wedding.weddingId)
            }
          })
        )
      })

    const onTransition = (transition: Resilience.Transition) => {
      const key = `circuit:${transition.key}`
      if (transition.to === "open" && transition.from !== "open") {
        return Effect.gen(function* () {
          yield* FiberMap.remove(settling, key)
          const reason = isServiceType(transition.service)
            ? resilience.health(transition.service, transition.provider).lastFailureReason
            : undefined
          const impact = yield* assess(transition.service, transition.provider)
          const words = circuitOpened({ ...transition, reason, forced: transition.source === "override", impact })
          yield* raise({
            key,
            ...words,
            service: transition.service,
            provider: transition.provider,
            openedAt: transition.at,
            impact,
            reason
          })
        })
      }
      if (transition.to === "closed") {
        const summary = `The ${transition.service} circuit for ${transition.provider} closed and stayed closed for ${Duration.format(options.settle)}.`
        return FiberMap.run(
          settling,
          key,
          Effect.andThen(Effect.sleep(options.settle), logged(`resolving ${key}`, alerts.resolve(key, { summary }))),
          { onlyIfMissing: true }
        )
      }
      return Effect.void
    }

    yield* Effect.forkScoped(
      Stream.runForEach(resilience.transitions, (transition) =>
        logged(`alerting on ${transition.key}`, onTransition(transition))
      ),
      { startImmediately: true }
    )

    let disabled = new Map<string, string>()
    const checkOverrides = Effect.gen(function* () {
      const now = new Map([...resilience.overrides().disabled].map(([target, entry]) => [target, entry.description]))
      for (const [target, description] of now) {
        if (disabled.has(target)) continue
        const [service, provider] = target.split(":") as [string, string | undefined]
        const impact = yield* assess(service, provider)
        const words = integrationDisabled({ service, provider, description: Redaction.redactText(description), impact })
        yield* logged(
          `alerting on disabled ${target}`,
          raise({ key: `disabled:${target}`, ...words, service, provider, impact, reason: "Disabled" })
        )
      }
      for (const target of disabled.keys()) {
        if (!now.has(target)) {
          yield* logged(
            `resolving disabled ${target}`,
            alerts.resolve(`disabled:${target}`, { summary: `${target} is enabled again.` })
          )
        }
      }
      disabled = now
    })
    yield* Effect.forkScoped(Effect.repeat(checkOverrides, Schedule.spaced(options.overridesEvery)))
    yield* Effect.yieldNow
  })
