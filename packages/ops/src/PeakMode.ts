/**
 * Peak / wedding-day mode: a switch for the hours when a failure hurts most
 * (Saturdays). It is turned on by hand (`enable`/`disable`, `automatic` to
 * hand back) or by a schedule (a cron expression in a time zone, checked
 * every minute), and can be watched as a stream. While it is on:
 * - **alerts page** on any failure that touches a `high` or
 *   `wedding_day_critical` wedding (`Alerts` reads the switch);
 * - **non-critical sends are paused**: outbox handlers wrapped with
 *   {@link holdNonCritical} refuse standard work as `Disabled`, so the
 *   outbox holds it (queued, not dropped; no retry spent) and runs it at its
 *   first hold check after peak ends. Critical work runs as usual;
 * - **trip thresholds are lower**, with {@link thresholds}: the engine's
 *   policies follow the switch through core's `Resilience.retune`, so
 *   circuits already running trip sooner from their next call, and go back
 *   to `base` when peak ends. {@link policies} gives the lowered overrides
 *   themselves (to build an engine with them from the start).
 * The switch is per process: instances each follow the same schedule; a
 * manual `enable` applies to the instance it is called on.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { PeakMode } from "@wedsync/ops"
 *
 * const peak = PeakMode.layer({ schedule: { cron: "* * * * 6", timeZone: "Europe/London" } })
 * const program = Effect.gen(function* () {
 *   yield* PeakMode.enable({ reason: "Bank holiday Monday" })
 * }).pipe(Effect.provide(peak))
 * ```
 *
 * @since 0.1.0
 */
import { Context, Duration, Effect, Layer, Schedule, Stream, SubscriptionRef } from "effect"
import type { Policy, Resilience } from "@wedsync/core"
import type { Outbox } from "@wedsync/durable"
import { hold } from "./internal/peak/hold.ts"
import { peakPolicies } from "./internal/peak/policies.ts"
import { followSwitch } from "./internal/peak/retune.ts"
import * as Switch from "./internal/peak/switch.ts"

/**
 * Peak mode now: `active`, why (`manual`, `schedule`, or `default` when
 * there is no schedule), since when, and the operator's reason if any.
 *
 * @example
 * ```ts
 * const status: PeakMode.Status = { active: true, source: "schedule", since: Date.parse("2027-06-12T00:00:00Z") }
 * ```
 * @since 0.1.0
 */
export type Status = Switch.Status

/**
 * The switch's operations. `isActive` is synchronous: outbox workers read it
 * for every job.
 *
 * @example
 * ```ts
 * const peak = yield* PeakMode.PeakMode
 * if (peak.isActive()) yield* Effect.log("peak mode")
 * ```
 * @since 0.1.0
 */
export interface Service {
  readonly isActive: () => boolean
  readonly status: Effect.Effect<Status>
  /** The current status, then every change. */
  readonly changes: Stream.Stream<Status>
  /** Turns peak mode on by hand, whatever the schedule says, until `disable` or `automatic`. */
  readonly enable: (options?: { readonly reason?: string | undefined }) => Effect.Effect<void>
  /** Turns peak mode off by hand, whatever the schedule says, until `enable` or `automatic`. */
  readonly disable: (options?: { readonly reason?: string | undefined }) => Effect.Effect<void>
  /** Hands the switch back to the schedule (off when there is none). */
  readonly automatic: Effect.Effect<void>
}

/**
 * The peak-mode switch.
 *
 * @example
 * ```ts
 * const status = yield* (yield* PeakMode.PeakMode).status
 * ```
 * @since 0.1.0
 */
export class PeakMode extends Context.Service<PeakMode, Service>()("@wedsync/ops/PeakMode") {}

/**
 * Options of {@link layer}.
 *
 * @example
 * ```ts
 * // Saturdays, all day, London time; Friday evenings from 18:00 too.
 * const saturdays: PeakMode.Options = { schedule: { cron: "* * * * 6", timeZone: "Europe/London" } }
 * const weekend: PeakMode.Options = { schedule: { cron: "* 18-23 * * 5", timeZone: "Europe/London" } }
 * ```
 * @since 0.1.0
 */
export interface Options {
  /**
   * When peak mode is on by itself: a five-field cron expression naming the
   * minutes that are peak (`"* * * * 6"`: every minute of Saturday), read
   * in `timeZone` (an IANA name; default UTC).
   */
  readonly schedule?: { readonly cron: string; readonly timeZone?: string | undefined } | undefined
  /** How often the schedule is checked (default 1 minute). */
  readonly checkEvery?: Duration.Input | undefined
}

/**
 * The switch, following `schedule` if given (off otherwise) until set by
 * hand. A schedule that is not a cron expression is a defect naming it.
 *
 * @example
 * ```ts
 * program.pipe(Effect.provide(PeakMode.layer({ schedule: { cron: "* * * * 6", timeZone: "Europe/London" } })))
 * ```
 * @since 0.1.0
 */
export const layer = (options: Options = {}): Layer.Layer<PeakMode> =>
  Layer.effect(
    PeakMode,
    Effect.gen(function* () {
      const schedule = options.schedule
      const cron =
        schedule === undefined
          ? undefined
          : yield* Effect.try({
              try: () => Switch.parseSchedule(schedule.cron, schedule.timeZone),
              catch: (error) => error
            }).pipe(Effect.orDie)
      const { ref, change, check } = yield* Switch.make(cron)
      if (cron !== undefined) {
        const every = Duration.fromInputUnsafe(options.checkEvery ?? "1 minute")
        yield* Effect.forkScoped(Effect.repeat(check, Schedule.spaced(every)))
      }
      const manual = (active: boolean, reason: string | undefined) =>
        change((state) => ({ manual: { active, reason }, scheduled: state.scheduled }))
      return PeakMode.of({
        isActive: () => SubscriptionRef.getUnsafe(ref).status.active,
        status: Effect.map(SubscriptionRef.get(ref), (state) => state.status),
        changes: Stream.map(SubscriptionRef.changes(ref), (state) => state.status),
        enable: (input) => manual(true, input?.reason),
        disable: (input) => manual(false, input?.reason),
        automatic: change((state) => ({ manual: undefined, scheduled: state.scheduled }))
      })
    })
  )

/**
 * Turns peak mode on by hand.
 *
 * @example
 * ```ts
 * yield* PeakMode.enable({ reason: "Royal wedding weekend" })
 * ```
 * @since 0.1.0
 */
export const enable = (options?: { readonly reason?: string | undefined }): Effect.Effect<void, never, PeakMode> =>
  Effect.flatMap(Effect.service(PeakMode), (peak) => peak.enable(options))

/**
 * Turns peak mode off by hand.
 *
 * @example
 * ```ts
 * yield* PeakMode.disable({ reason: "the Saturday rush is over" })
 * ```
 * @since 0.1.0
 */
export const disable = (options?: { readonly reason?: string | undefined }): Effect.Effect<void, never, PeakMode> =>
  Effect.flatMap(Effect.service(PeakMode), (peak) => peak.disable(options))

/**
 * Hands the switch back to the schedule.
 *
 * @example
 * ```ts
 * yield* PeakMode.automatic
 * ```
 * @since 0.1.0
 */
export const automatic: Effect.Effect<void, never, PeakMode> = Effect.flatMap(
  Effect.service(PeakMode),
  (peak) => peak.automatic
)

/**
 * Whether peak mode is on now; `false` when no switch is provided.
 *
 * @example
 * ```ts
 * const peak = yield* PeakMode.isActive
 * ```
 * @since 0.1.0
 */
export const isActive: Effect.Effect<boolean> = Effect.map(Effect.serviceOption(PeakMode), (peak) =>
  peak._tag === "Some" ? peak.value.isActive() : false
)

/**
 * The policy overrides to build `Resilience` with for peak hours: every
 * service's circuit trips sooner — its failure-rate threshold, minimum calls
 * and consecutive slow calls multiplied by `factor` (default 0.5) — on top
 * of `base`: what {@link thresholds} puts in force while peak mode is on,
 * or what an engine can be built with from the start
 * (`Policy.layer(PeakMode.policies(base))`). A `factor` outside (0, 1]
 * throws a `RangeError`.
 *
 * @example
 * ```ts
 * const policies = Policy.layer(PeakMode.policies({ services: { email: { timeoutMillis: 8_000 } } }))
 * // email: failureRateThreshold 0.3 → 0.15, minimumCalls halved (at least 1)
 * ```
 * @since 0.1.0
 */
export const policies = (
  base?: Policy.PolicyOverrides,
  options?: { readonly factor?: number | undefined }
): Policy.PolicyOverrides => peakPolicies(base, options?.factor ?? 0.5)

/**
 * Lowers every circuit's trip thresholds while peak mode is on and restores
 * `base` when it ends, on the running engine (core's `Resilience.retune`):
 * circuits already running take the new thresholds at their next call. The
 * lowered policies are {@link policies}`(base, { factor })`; `base` should be
 * the overrides the engine was built with. A bad override fails the layer's
 * build with core's `PolicyError`.
 *
 * @example
 * ```ts
 * const live = Layer.mergeAll(
 *   PeakMode.thresholds({ base: overrides, factor: 0.5 }).pipe(Layer.provide(PeakMode.layer({ schedule: { cron: "* * * * 6" } }))),
 * ).pipe(Layer.provide(Resilience.layerMemory()), Layer.provide(Policy.layer(overrides)))
 * ```
 * @since 0.1.0
 */
export const thresholds = (options?: {
  readonly base?: Policy.PolicyOverrides | undefined
  readonly factor?: number | undefined
}): Layer.Layer<never, Policy.PolicyError, PeakMode | Resilience.Resilience> =>
  Layer.effectDiscard(
    Effect.flatMap(Effect.service(PeakMode), (peak) =>
      followSwitch(peak.changes, options?.base, options?.factor ?? 0.5)
    )
  )

/**
 * Wraps outbox handlers so that, while peak mode is on, non-critical jobs
 * (not `critical`, and for no wedding `high` or `wedding_day_critical` —
 * the outbox's standard lane) are paused: refused as `Disabled`, which the
 * outbox holds without spending a retry and runs again at its next hold
 * check (`Outbox.layer({ holdInterval })`, default 30 s) once peak is off.
 * Queued, never dropped; a held job whose `mustArriveBy` passes is
 * dead-lettered as `Expired` as for any hold. Without a `PeakMode` in
 * context nothing is paused.
 *
 * @example
 * ```ts
 * yield* Outbox.worker(yield* PeakMode.holdNonCritical({ "newsletter.email": sendNewsletter, "reminder.sms": sendReminder }))
 * ```
 * @since 0.1.0
 */
export const holdNonCritical = <const Handlers extends Readonly<Record<string, Outbox.Handler<unknown>>>>(
  handlers: Handlers
): Effect.Effect<Handlers> =>
  Effect.map(Effect.serviceOption(PeakMode), (peak) => {
    if (peak._tag === "None") return handlers
    const active = peak.value.isActive
    const wrapped: Record<string, Outbox.Handler<unknown>> = {}
    for (const [operation, handler] of Object.entries(handlers)) wrapped[operation] = hold(handler, active)
    return wrapped as Handlers
  })
