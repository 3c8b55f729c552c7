/**
 * The alerts engine: open an alert once per key (the store decides across
 * instances), escalate it, hand it to every sink through the sink's
 * throttle, and send its resolution once, to the sinks that got it.
 *
 * @internal
 */
import { Clock, Effect } from "effect"
import type { StoreError } from "@wedsync/core"
import type * as Impact from "../../Impact.ts"
import { escalate } from "./escalation.ts"
import type { Alert, AlertSink, Notice, Resolution, Severity, ThrottleOptions } from "./model.ts"
import { headline } from "./render.ts"
import type { Store } from "./store.ts"
import { Throttle } from "./throttle.ts"

/** What `open` takes. @internal */
export interface AlertInput {
  readonly key: string
  readonly title: string
  readonly summary: string
  readonly service: string
  readonly provider?: string | undefined
  /** Default: now. */
  readonly openedAt?: number | undefined
  readonly impact?: Impact.Assessment | undefined
  /** The reason tag of the failure behind it; a provider-permanent one is at least a warning. */
  readonly reason?: string | undefined
  /** The least severity the caller wants; escalation may raise it. */
  readonly severity?: Severity | undefined
}

/** What `open` did. @internal */
export type Opened =
  | { readonly _tag: "Opened"; readonly alert: Alert; readonly sinks: ReadonlyArray<string> }
  | { readonly _tag: "AlreadyOpen"; readonly key: string }

/** What `resolve` did. @internal */
export type Resolved =
  | { readonly _tag: "Resolved"; readonly resolution: Resolution; readonly sinks: ReadonlyArray<string> }
  | { readonly _tag: "NotOpen"; readonly key: string }

/** The service's methods. @internal */
export interface Service {
  readonly open: (input: AlertInput) => Effect.Effect<Opened, StoreError.StoreError>
  readonly resolve: (
    key: string,
    options?: { readonly summary?: string | undefined }
  ) => Effect.Effect<Resolved, StoreError.StoreError>
  /** The alerts open now (every instance's, on SQL). */
  readonly current: Effect.Effect<ReadonlyArray<Alert>, StoreError.StoreError>
}

/** What the engine is built from. @internal */
export interface EngineOptions {
  readonly store: Store
  readonly sinks: ReadonlyArray<AlertSink>
  readonly throttle: ThrottleOptions
  readonly leaseMillis: number
  readonly peak: () => boolean
}

/** The engine. @internal */
export const make = (options: EngineOptions): Service => {
  const throttles = new Map(options.sinks.map((sink) => [sink.name, new Throttle(sink.throttle ?? options.throttle)]))

  const deliverTo = (sink: AlertSink, notice: Alert | Resolution, now: number) => {
    if (sink.accepts !== undefined && !sink.accepts(notice)) return Effect.succeed(false)
    const throttle = throttles.get(sink.name) as Throttle
    const decision = throttle.admit(now, headline(notice), notice.severity === "page")
    if (!decision.send) {
      return Effect.as(
        Effect.logWarning(`alerts: ${sink.name} throttled a notice (${decision.held} held): ${headline(notice)}`),
        false
      )
    }
    const full: Notice = decision.throttled === undefined ? notice : { ...notice, throttled: decision.throttled }
    return sink.send(full).pipe(
      Effect.as(true),
      Effect.catchTag("AlertFailed", (error) =>
        Effect.sync(() => throttle.restore(decision.throttled)).pipe(
          Effect.andThen(Effect.logError(`alerts: ${error.message}; notice: ${headline(notice)}`)),
          Effect.as(false)
        )
      )
    )
  }

  const deliver = (notice: Alert | Resolution, sinks: ReadonlyArray<AlertSink>, now: number) =>
    Effect.forEach(sinks, (sink) => Effect.map(deliverTo(sink, notice, now), (sent) => (sent ? [sink.name] : [])), {
      concurrency: "unbounded"
    }).pipe(Effect.map((names) => names.flat()))

  const open = (input: AlertInput): Effect.Effect<Opened, StoreError.StoreError> =>
    Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const severity = escalate({
        impact: input.impact,
        reason: input.reason,
        peak: options.peak(),
        minimum: input.severity
      })
      const alert: Alert = {
        _tag: "Alert",
        key: input.key,
        severity,
        title: input.title,
        summary: input.summary,
        service: input.service,
        ...(input.provider === undefined ? {} : { provider: input.provider }),
        openedAt: input.openedAt ?? now,
        ...(input.impact === undefined ? {} : { impact: input.impact })
      }
      if (!(yield* options.store.claim(alert, now, options.leaseMillis))) {
        return { _tag: "AlreadyOpen", key: input.key } as const
      }
      const sinks = yield* deliver(alert, options.sinks, now)
      yield* options.store.delivered(alert.key, sinks)
      return { _tag: "Opened", alert, sinks } as const
    })

  const resolve = (key: string, resolveOptions?: { readonly summary?: string | undefined }) =>
    Effect.gen(function* () {
      const entry = yield* options.store.release(key)
      if (entry === undefined) return { _tag: "NotOpen", key } as const
      const now = yield* Clock.currentTimeMillis
      const { alert } = entry
      const resolution: Resolution = {
        _tag: "Resolution",
        key,
        severity: alert.severity,
        service: alert.service,
        ...(alert.provider === undefined ? {} : { provider: alert.provider }),
        resolvedAt: now,
        title: alert.title,
        summary: resolveOptions?.summary ?? `Resolved: ${alert.title}`,
        openedAt: alert.openedAt
      }
      const got = options.sinks.filter((sink) => entry.sinks.includes(sink.name))
      const sinks = yield* deliver(resolution, got, now)
      return { _tag: "Resolved", resolution, sinks } as const
    })

  return { open, resolve, current: options.store.open }
}
