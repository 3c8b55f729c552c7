/**
 * The booking workflow watchdog: a service declares the steps it expects for
 * a business key with deadlines (deposit paid → vendor confirms within 48 h →
 * calendar event created → confirmation email delivered within 1 h), and
 * everything that happens — inbound webhooks, outbound attempts, delivery
 * events — is observed under that key (or the wedding's id, or a message id
 * linked to it). Each observation goes on the booking's timeline, the
 * evidence a planner needs in a dispute, and completes the first pending step
 * it matches. A step whose deadline passes raises an alert through
 * {@link Alerts}, once per booking, step and kind (`Missing`, `Late`,
 * `Resolved`) however many instances check: the alert's row in the store is
 * the claim. Deadlines live in the store, so a restarted process, or any
 * other instance, picks them up.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Watchdog } from "@wedsync/webhooks"
 *
 * const program = Effect.gen(function* () {
 *   yield* Watchdog.declare("b_1", [
 *     { name: "deposit", match: { provider: "stripe", kind: "payment_intent.succeeded" } },
 *     { name: "vendor confirmation", match: { kind: "vendor.confirmed" }, within: "48 hours" },
 *     { name: "calendar", match: { kind: "calendar.created" } },
 *     { name: "confirmation email", match: { kind: "delivery", outcome: "delivered" }, within: "1 hour" }
 *   ], { weddingId: "w_1" })
 *   yield* Watchdog.run({ every: "30 seconds" })
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Context, Duration, Effect, Layer, Schedule, type Scope } from "effect"
import type { SqlClient } from "effect/sql"
import { type DeliveryEvent, IntegrationError, type StoreError, type WebhookSource } from "@wedsync/core"
import type { EventHandler, Received } from "./internal/processing.ts"
import { fromDelivery, fromWebhook, type WebhookOptions } from "./internal/watchdogAdapters.ts"
import { memoryStore } from "./internal/watchdogMemory.ts"
import {
  type Alert,
  type AlertFailed,
  describe,
  type Entry,
  type Observation,
  type PlanInvalid,
  type Step,
  type StepStatus
} from "./internal/watchdogModel.ts"
import { make, type Observed, type Service } from "./internal/watchdogService.ts"
import { type Store, sqlStore } from "./internal/watchdogStore.ts"

export {
  type AttemptLike,
  fromAttempts,
  fromDelivery,
  fromWebhook,
  keyOfEvent,
  type WebhookOptions
} from "./internal/watchdogAdapters.ts"
export {
  type Alert,
  AlertFailed,
  AlertKind,
  describe,
  type Entry,
  type Match,
  type Observation,
  PlanInvalid,
  type Step,
  type StepStatus
} from "./internal/watchdogModel.ts"
export type { Observed } from "./internal/watchdogService.ts"

/**
 * The alerts port: where a missing or late step goes (the operations
 * package routes it to a pager). When none is provided, alerts are logged
 * at `Error` level ({@link alertsLog}). A raise that fails with
 * {@link AlertFailed} is raised again after the claim lapses.
 *
 * @example
 * ```ts
 * const paging = Layer.succeed(Watchdog.Alerts, Watchdog.Alerts.of({ raise: (alert) => pager.send(Watchdog.describe(alert)) }))
 * ```
 * @since 0.1.0
 */
export class Alerts extends Context.Service<
  Alerts,
  { readonly raise: (alert: Alert) => Effect.Effect<void, AlertFailed> }
>()("@wedsync/webhooks/Watchdog/Alerts") {}

/**
 * The default alerts: one `Error` log line per alert, annotated with the
 * booking, step and kind.
 *
 * @example
 * ```ts
 * Watchdog.layerSql().pipe(Layer.provide(Layer.succeed(Watchdog.Alerts, Watchdog.alertsLog)))
 * ```
 * @since 0.1.0
 */
export const alertsLog: Alerts["Service"] = Alerts.of({
  raise: (alert) =>
    Effect.logError(describe(alert)).pipe(
      Effect.annotateLogs({ booking: alert.key, step: alert.step, kind: alert.kind, deadline: alert.deadline })
    )
})

/**
 * The watchdog.
 *
 * @example
 * ```ts
 * const timeline = yield* Effect.flatMap(Effect.service(Watchdog.Watchdog), (watchdog) => watchdog.timeline("b_1"))
 * ```
 * @since 0.1.0
 */
export class Watchdog extends Context.Service<Watchdog, Service>()("@wedsync/webhooks/Watchdog") {}

/**
 * Tuning of the watchdog.
 *
 * @example
 * ```ts
 * Watchdog.layerSql({ claim: "2 minutes", batch: 200 })
 * ```
 * @since 0.1.0
 */
export interface Options {
  /** How long an alert being raised is held before another check may raise it again (default 1 minute). */
  readonly claim?: Duration.Input | undefined
  /** Most due steps one check handles (default 500); the rest wait for the next check. */
  readonly batch?: number | undefined
}

const serviceOf = (store: Store, options: Options | undefined) =>
  Effect.map(Effect.serviceOption(Alerts), (alerts) => {
    const port = alerts._tag === "Some" ? alerts.value : alertsLog
    const claim = Duration.toMillis(Duration.fromInputUnsafe(options?.claim ?? "1 minute"))
    return Watchdog.of(make(store, port.raise, claim, Math.max(1, Math.floor(options?.batch ?? 500))))
  })

/**
 * The watchdog on SQL tables (SQLite or PostgreSQL through `SqlClient`),
 * created on build: what several instances and restarts share.
 *
 * @example
 * ```ts
 * Watchdog.layerSql().pipe(Layer.provide(Sqlite.layer({ filename: "wedsync.db" })))
 * ```
 * @since 0.1.0
 */
export const layerSql = (options?: Options): Layer.Layer<Watchdog, StoreError.StoreError, SqlClient.SqlClient> =>
  Layer.effect(
    Watchdog,
    Effect.flatMap(sqlStore, (store) => serviceOf(store, options))
  )

/**
 * The watchdog in this process's memory (tests, the playground).
 *
 * @example
 * ```ts
 * program.pipe(Effect.provide(Watchdog.layerMemory()))
 * ```
 * @since 0.1.0
 */
export const layerMemory = (options?: Options): Layer.Layer<Watchdog> =>
  Layer.effect(
    Watchdog,
    Effect.suspend(() => serviceOf(memoryStore(), options))
  )

const use = <A, E>(f: (watchdog: Service) => Effect.Effect<A, E>): Effect.Effect<A, E, Watchdog> =>
  Effect.flatMap(Effect.service(Watchdog), f)

/**
 * Declares the steps `key` expects; deadlines counted from now. A second
 * declaration of the same key is ignored (`false`): the first plan stands.
 * What was observed under the key before it was declared completes its steps.
 *
 * @example
 * ```ts
 * yield* Watchdog.declare("b_1", [{ name: "deposit", match: { provider: "stripe", kind: "payment_intent.succeeded" }, within: "1 hour" }])
 * ```
 * @since 0.1.0
 */
export const declare = (
  key: string,
  steps: ReadonlyArray<Step>,
  options?: { readonly weddingId?: string | undefined }
): Effect.Effect<boolean, PlanInvalid | StoreError.StoreError, Watchdog> =>
  use((watchdog) => watchdog.declare(key, steps, options))

/**
 * Records an observation on its key's timeline and completes the first
 * pending step it matches; a step completed after its deadline raises
 * `Late` (or `Resolved`, after a `Missing` alert).
 *
 * @example
 * ```ts
 * yield* Watchdog.observe({ key: "b_1", kind: "vendor.confirmed", provider: "vendor-portal", outcome: "success" })
 * ```
 * @since 0.1.0
 */
export const observe = (observation: Observation): Effect.Effect<Observed, StoreError.StoreError, Watchdog> =>
  use((watchdog) => watchdog.observe(observation))

/**
 * Records observations one after another, in order.
 *
 * @example
 * ```ts
 * yield* Watchdog.observeAll(Watchdog.fromAttempts("b_1", "email.send", served))
 * ```
 * @since 0.1.0
 */
export const observeAll = (
  observations: ReadonlyArray<Observation>
): Effect.Effect<ReadonlyArray<Observed>, StoreError.StoreError, Watchdog> =>
  use((watchdog) => Effect.forEach(observations, watchdog.observe))

/**
 * Observes an inbound webhook under the key in its metadata (or `options.key`);
 * nothing when it has none.
 *
 * @example
 * ```ts
 * yield* Watchdog.observeWebhook(received)
 * ```
 * @since 0.1.0
 */
export const observeWebhook = (
  input: WebhookSource.WebhookEvent | Received,
  options?: WebhookOptions
): Effect.Effect<void, StoreError.StoreError, Watchdog> =>
  Effect.suspend(() => {
    const observation = fromWebhook(input, options)
    return observation === undefined ? Effect.void : Effect.asVoid(observe(observation))
  })

/**
 * Observes a delivery event under its message id, linked to a booking with {@link link}.
 *
 * @example
 * ```ts
 * yield* Watchdog.observeDelivery(event)
 * ```
 * @since 0.1.0
 */
export const observeDelivery = (
  event: DeliveryEvent.DeliveryEvent
): Effect.Effect<Observed, StoreError.StoreError, Watchdog> => observe(fromDelivery(event))

/**
 * Ties an alias (a sent message's id) to a booking key, so what is observed
 * under the alias lands on the booking.
 *
 * @example
 * ```ts
 * const receipt = yield* email.send(message)
 * yield* Watchdog.link(receipt.messageId, "b_1")
 * ```
 * @since 0.1.0
 */
export const link = (alias: string, key: string): Effect.Effect<void, StoreError.StoreError, Watchdog> =>
  use((watchdog) => watchdog.link(alias, key))

/**
 * One check: raises an alert for each pending step past its deadline (once,
 * whichever instance gets there first) and raises again alerts whose claim
 * lapsed. Answers the alerts this call raised.
 *
 * @example
 * ```ts
 * const raised = yield* Watchdog.check
 * ```
 * @since 0.1.0
 */
export const check: Effect.Effect<ReadonlyArray<Alert>, StoreError.StoreError, Watchdog> = use(
  (watchdog) => watchdog.check
)

/**
 * Everything observed for a booking, or for every booking of a wedding when
 * `key` is its id: each event, attempt, provider and outcome, in order of
 * when it happened.
 *
 * @example
 * ```ts
 * const evidence = yield* Watchdog.timeline("b_1")
 * ```
 * @since 0.1.0
 */
export const timeline = (key: string): Effect.Effect<ReadonlyArray<Entry>, StoreError.StoreError, Watchdog> =>
  use((watchdog) => watchdog.timeline(key))

/**
 * Where each declared step of a booking stands: deadline and arrival.
 *
 * @example
 * ```ts
 * const pending = (yield* Watchdog.status("b_1")).filter((step) => step.arrivedAt === undefined)
 * ```
 * @since 0.1.0
 */
export const status = (key: string): Effect.Effect<ReadonlyArray<StepStatus>, StoreError.StoreError, Watchdog> =>
  use((watchdog) => watchdog.status(key))

/**
 * Checks now and then every `every` (default 30 seconds) until the scope
 * closes; a check that fails (the store is down) is logged and the next one
 * runs on time.
 *
 * @example
 * ```ts
 * yield* Watchdog.run({ every: "10 seconds" }) // in a scoped layer or program
 * ```
 * @since 0.1.0
 */
export const run = (options?: {
  readonly every?: Duration.Input | undefined
}): Effect.Effect<void, never, Watchdog | Scope.Scope> =>
  Effect.gen(function* () {
    const watchdog = yield* Watchdog
    // A failed check (the store is down, the port died) must not end the schedule.
    const quietly = watchdog.check.pipe(Effect.catchCause((cause) => Effect.logWarning("watchdog check failed", cause)))
    yield* Effect.forkScoped(Effect.repeat(quietly, Schedule.spaced(options?.every ?? "30 seconds")))
  })

/**
 * An `Inbound` handler that observes every event of a provider: register it
 * as `"*"` (or for the types that matter). A store failure is `Unavailable`,
 * so the inbox retries it.
 *
 * @example
 * ```ts
 * yield* Inbound.worker({ stripe: { "*": Watchdog.onWebhook() } })
 * ```
 * @since 0.1.0
 */
export const onWebhook =
  (options?: WebhookOptions): EventHandler<Watchdog> =>
  (event, received) =>
    observeWebhook({ ...received, event }, options).pipe(
      Effect.catchTag("StoreError", (error) =>
        Effect.fail(
          IntegrationError.make(
            event.provider,
            "watchdog.observe",
            new IntegrationError.Unavailable({ description: `the watchdog's store failed: ${error.message}` })
          )
        )
      )
    )
