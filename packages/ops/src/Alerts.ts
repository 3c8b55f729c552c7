/**
 * Alerts: one notice per incident, escalated by what it puts at risk, sent
 * to every sink (log, Slack-compatible webhook, email — see `AlertSinks`)
 * and closed by one resolution notice.
 * - **Deduplicated per key** while open (`"circuit:sms:twilio"`): opening it
 *   again is a no-op. On SQL the key is a table's primary key, so several
 *   instances raise one alert between them; in memory, one per process.
 * - **Throttled per sink**: at most `max` notices per `window` (default 10
 *   per 5 minutes; the email sink defaults to 5 per 15 minutes). A held
 *   notice is logged at Warning and summarised (count and titles) in the
 *   sink's next notice. Pages are never held back.
 * - **Escalated by criticality** ({@link escalate}): a wedding today or an
 *   affected `wedding_day_critical` wedding pages at once; in peak mode so
 *   does an affected `high` one; other affected weddings, or a reason
 *   permanent for the provider (`Unauthorized`, `Misconfigured`), warn;
 *   the rest is info.
 * - **Resolved once**: `resolve` closes the key (one instance wins) and
 *   sends the resolution to the sinks that got the alert.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Alerts, AlertSinks } from "@wedsync/ops"
 *
 * const program = Effect.gen(function* () {
 *   yield* Alerts.open({ key: "circuit:sms:twilio", title: "SMS via twilio is failing", summary: "Circuit open", service: "sms", provider: "twilio" })
 *   yield* Alerts.resolve("circuit:sms:twilio")
 * }).pipe(Effect.provide(Alerts.layerMemory({ sinks: [AlertSinks.log] })))
 * ```
 *
 * @since 0.1.0
 */
import { Context, Duration, Effect, Layer } from "effect"
import type { SqlClient } from "effect/sql"
import type { StoreError } from "@wedsync/core"
import * as Escalation from "./internal/alerts/escalation.ts"
import type * as Model from "./internal/alerts/model.ts"
import * as Engine from "./internal/alerts/service.ts"
import { memoryStore, type Store, sqlStore } from "./internal/alerts/store.ts"
import { PeakMode } from "./PeakMode.ts"

/**
 * An open incident's alert: `key` (one per incident), `severity`, `title`,
 * `summary`, `service`, `provider`, `openedAt` and the `impact` on upcoming
 * weddings.
 *
 * @example
 * ```ts
 * const isPage = (alert: Alerts.Alert) => alert.severity === "page"
 * ```
 * @since 0.1.0
 */
export type Alert = Model.Alert

/**
 * The notice that an incident is over: `key`, `resolvedAt`, the alert's
 * `title`, `openedAt` and severity, and a `summary`.
 *
 * @example
 * ```ts
 * const minutes = (resolution: Alerts.Resolution) => (resolution.resolvedAt - resolution.openedAt) / 60_000
 * ```
 * @since 0.1.0
 */
export type Resolution = Model.Resolution

/**
 * `"info"`, `"warning"` or `"page"` (wakes someone now).
 *
 * @example
 * ```ts
 * const severity: Alerts.Severity = "page"
 * ```
 * @since 0.1.0
 */
export type Severity = Model.Severity

/**
 * What {@link open} takes: the alert without its severity (escalation sets
 * it; `severity` is the least the caller wants), plus the `reason` tag of
 * the failure behind it. `openedAt` defaults to now.
 *
 * @example
 * ```ts
 * const input: Alerts.AlertInput = { key: "circuit:email:resend", title: "Email via resend is failing", summary: "5 of 8 calls failed", service: "email", provider: "resend", reason: "Unauthorized" }
 * ```
 * @since 0.1.0
 */
export type AlertInput = Engine.AlertInput

/**
 * What {@link open} did: `Opened` with the alert and the sinks that got it, or `AlreadyOpen`.
 *
 * @example
 * ```ts
 * const opened = yield* Alerts.open(input)
 * if (opened._tag === "Opened") yield* Effect.log(`sent to ${opened.sinks.join(", ")}`)
 * ```
 * @since 0.1.0
 */
export type Opened = Engine.Opened

/**
 * What {@link resolve} did: `Resolved` with the resolution and the sinks that got it, or `NotOpen`.
 *
 * @example
 * ```ts
 * const resolved = yield* Alerts.resolve("circuit:sms:twilio")
 * ```
 * @since 0.1.0
 */
export type Resolved = Engine.Resolved

/**
 * The service: `open`, `resolve`, `current` (the open alerts).
 *
 * @example
 * ```ts
 * const alerts = yield* Alerts.Alerts
 * const open = yield* alerts.current
 * ```
 * @since 0.1.0
 */
export class Alerts extends Context.Service<Alerts, Engine.Service>()("@wedsync/ops/Alerts") {}

/**
 * Options of the layers: the `sinks` (plain, or built from the context, as
 * `AlertSinks.slack` and `AlertSinks.email` are), the default per-sink
 * `throttle`, and the `lease` of a claim (default 30 s: an alert claimed by
 * an instance that died before sending it can be raised again after it).
 *
 * @example
 * ```ts
 * const options: Alerts.Options<HttpClient.HttpClient> = {
 *   sinks: [AlertSinks.log, AlertSinks.slack({ url })],
 *   throttle: { max: 20, window: "10 minutes" }
 * }
 * ```
 * @since 0.1.0
 */
export interface Options<R = never> {
  readonly sinks: ReadonlyArray<Model.AlertSink | Effect.Effect<Model.AlertSink, never, R>>
  /** Default 10 notices per 5 minutes per sink. */
  readonly throttle?: { readonly max?: number | undefined; readonly window?: Duration.Input | undefined } | undefined
  readonly lease?: Duration.Input | undefined
}

const build = <R>(options: Options<R>, store: Store) =>
  Effect.gen(function* () {
    const sinks = yield* Effect.forEach(options.sinks, (sink) => (Effect.isEffect(sink) ? sink : Effect.succeed(sink)))
    const names = sinks.map((sink) => sink.name)
    const duplicate = names.find((name, index) => names.indexOf(name) !== index)
    if (duplicate !== undefined) {
      return yield* Effect.die(new RangeError(`Alerts: two sinks are named "${duplicate}"; give each its own name`))
    }
    const peak = yield* Effect.serviceOption(PeakMode)
    return Engine.make({
      store,
      sinks,
      throttle: {
        max: options.throttle?.max ?? 10,
        windowMillis: Duration.toMillis(Duration.fromInputUnsafe(options.throttle?.window ?? "5 minutes"))
      },
      leaseMillis: Duration.toMillis(Duration.fromInputUnsafe(options.lease ?? "30 seconds")),
      peak: peak._tag === "Some" ? peak.value.isActive : () => false
    })
  })

/**
 * Alerts deduplicated within this process. Reads `PeakMode` if provided.
 *
 * @example
 * ```ts
 * program.pipe(Effect.provide(Alerts.layerMemory({ sinks: [AlertSinks.log] })))
 * ```
 * @since 0.1.0
 */
export const layerMemory = <R = never>(options: Options<R>): Layer.Layer<Alerts, never, R> =>
  Layer.effect(Alerts, build(options, memoryStore()))

/**
 * Alerts deduplicated across every instance on one SQLite or PostgreSQL
 * database (table `wedsync_ops_alerts`, created on first use). Throttles
 * stay per instance. Reads `PeakMode` if provided.
 *
 * @example
 * ```ts
 * const alerts = Alerts.layerSql({ sinks: [AlertSinks.log] }).pipe(Layer.provide(Postgres.layer(pgOptions)))
 * ```
 * @since 0.1.0
 */
export const layerSql = <R = never>(
  options: Options<R>
): Layer.Layer<Alerts, StoreError.StoreError, R | SqlClient.SqlClient> =>
  Layer.effect(
    Alerts,
    Effect.flatMap(sqlStore, (store) => build(options, store))
  )

/**
 * Opens an alert unless its key is open already.
 *
 * @example
 * ```ts
 * yield* Alerts.open({ key: "circuit:payment:stripe", title: "Payments via stripe are failing", summary: "Circuit open", service: "payment", provider: "stripe", impact })
 * ```
 * @since 0.1.0
 */
export const open = (input: AlertInput): Effect.Effect<Opened, StoreError.StoreError, Alerts> =>
  Effect.flatMap(Effect.service(Alerts), (alerts) => alerts.open(input))

/**
 * Resolves an open alert: its resolution goes once, to the sinks that got it.
 *
 * @example
 * ```ts
 * yield* Alerts.resolve("circuit:payment:stripe", { summary: "Stripe answers again" })
 * ```
 * @since 0.1.0
 */
export const resolve = (
  key: string,
  options?: { readonly summary?: string | undefined }
): Effect.Effect<Resolved, StoreError.StoreError, Alerts> =>
  Effect.flatMap(Effect.service(Alerts), (alerts) => alerts.resolve(key, options))

/**
 * The severity an alert gets from its impact, reason and peak mode (the
 * table in this module's header); pure.
 *
 * @example
 * ```ts
 * Alerts.escalate({ impact: { service: "sms", at: 0, weddingsToday: 1, affected: [] }, peak: false }) // "page"
 * Alerts.escalate({ reason: "Unauthorized", peak: false }) // "warning"
 * ```
 * @since 0.1.0
 */
export const escalate: (input: Escalation.EscalationInput) => Severity = Escalation.escalate
