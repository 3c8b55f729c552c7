/**
 * Delivery tracking: the one path every delivery event takes, and the list of
 * messages still waiting for one.
 *
 * When a provider accepts a message the sender `track`s it with the moment its
 * delivery event becomes overdue. Events then arrive through `record`, whether
 * an adapter decoded them from a webhook or `Reconciliation` asked the
 * provider's API (Twilio and Postmark barely retry their webhooks): an event
 * id already recorded is a duplicate and changes nothing, a final status
 * settles the message so it is never polled again, and the latest status
 * never moves back (a `sent` arriving after `delivered` is kept as history
 * only). An event for a message never tracked is kept too: a webhook can
 * outrun the commit of the send that tracks it.
 *
 * `layerMemory` keeps everything in this process; `layerSql` in the SQLite or
 * PostgreSQL database of the provided `SqlClient` (migrations run when the
 * layer is built; the overdue query runs on a partial index of pending messages).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Deliveries, DeliveryEvent } from "@wedsync/core"
 *
 * const program = Effect.gen(function* () {
 *   const deliveries = yield* Deliveries.Deliveries
 *   yield* deliveries.track({
 *     channel: "sms", provider: "twilio", messageId: "SM3f1c",
 *     acceptedAt: 1_767_225_600_000, dueBy: 1_767_225_600_000 + 10 * 60_000
 *   })
 *   yield* deliveries.record(new DeliveryEvent.DeliveryEvent({
 *     id: "twilio:SM3f1c:delivered", channel: "sms", provider: "twilio", messageId: "SM3f1c",
 *     status: "delivered", occurredAt: 1_767_225_660_000, source: "webhook"
 *   })) // "recorded"; the same event again is "duplicate"
 *   return yield* deliveries.get("twilio", "SM3f1c") // Option.some({ state: "settled", status: "delivered", ... })
 * }).pipe(Effect.provide(Deliveries.layerMemory))
 * ```
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, type Option, type Scope, type Stream } from "effect"
import type { SqlClient } from "effect/sql"
import type { DeliveryEvent } from "@wedsync/core/DeliveryEvent"
import type { Delivery, Pending, RecordOutcome, Tracked } from "./internal/deliveries/model.ts"
import { make } from "./internal/deliveries/service.ts"
import * as DeliveriesSql from "./internal/deliveries/sql.ts"
import { makeMemory } from "./internal/deliveries/store.ts"
import type { StoreError } from "@wedsync/core/StoreError"

export {
  Delivery,
  Pending,
  type RecordOutcome,
  State,
  Tracked
} from "./internal/deliveries/model.ts"

/**
 * The operations of delivery tracking.
 *
 * @example
 * ```ts
 * const overdue: Effect.Effect<ReadonlyArray<Deliveries.Pending>, StoreError.StoreError, Deliveries.Deliveries> =
 *   Effect.flatMap(Effect.service(Deliveries.Deliveries), (deliveries) => deliveries.overdue({ now: Date.now() }))
 * ```
 * @since 0.1.0
 */
export interface Service {
  /**
   * Remembers a message a provider accepted. Idempotent on (provider,
   * messageId): tracking it again changes nothing and answers `"duplicate"`.
   * Events recorded before it (a fast webhook) are kept: a final one leaves
   * the message settled, so it is never polled. A plain object is validated
   * as a {@link Tracked}; one that is not (an empty id, a negative time) is a defect.
   */
  readonly track: (message: Tracked) => Effect.Effect<"tracked" | "duplicate", StoreError>
  /**
   * The single entry for delivery events, from webhooks and reconciliation
   * alike. Deduplicates on `event.id`; appends the event; moves the latest
   * status on (never back); a final status settles the message, an abandoned
   * one included.
   */
  readonly record: (event: DeliveryEvent) => Effect.Effect<RecordOutcome, StoreError>
  /** Pending tracked messages with `dueBy <= now`, oldest due first; `limit` defaults to 100, at most 1000. */
  readonly overdue: (options: {
    readonly now: number
    readonly limit?: number | undefined
  }) => Effect.Effect<ReadonlyArray<Pending>, StoreError>
  /** Moves a pending message's `dueBy` and sets its check count; `false` when it is no longer pending. */
  readonly reschedule: (
    provider: string,
    messageId: string,
    next: { readonly dueBy: number; readonly checks: number }
  ) => Effect.Effect<boolean, StoreError>
  /** Stops polling a pending message (no event is invented); `false` when it is no longer pending. */
  readonly abandon: (
    provider: string,
    messageId: string,
    options: { readonly checks: number }
  ) => Effect.Effect<boolean, StoreError>
  /** The message, its state, latest status and events; `None` when nothing is known of it. */
  readonly get: (provider: string, messageId: string) => Effect.Effect<Option.Option<Delivery>, StoreError>
  /**
   * Subscribes to the events this instance records from now on (duplicates
   * excluded), for as long as the scope lasts. Events recorded by other
   * instances on a shared database are not seen here.
   */
  readonly subscribe: Effect.Effect<Stream.Stream<DeliveryEvent>, never, Scope.Scope>
}

/**
 * The delivery-tracking service.
 *
 * @example
 * ```ts
 * const outcome = yield* Effect.flatMap(Effect.service(Deliveries.Deliveries), (deliveries) => deliveries.record(event))
 * ```
 * @since 0.1.0
 */
export class Deliveries extends Context.Service<Deliveries, Service>()("@wedsync/notifications/Deliveries") {}

/**
 * Delivery tracking in this process's memory (tests, a single instance that
 * can afford to forget pending messages on restart).
 *
 * @example
 * ```ts
 * program.pipe(Effect.provide(Deliveries.layerMemory))
 * ```
 * @since 0.1.0
 */
export const layerMemory: Layer.Layer<Deliveries> = Layer.effect(
  Deliveries,
  Effect.suspend(() => make(makeMemory()))
)

/**
 * Delivery tracking in the SQLite or PostgreSQL database of the provided
 * `SqlClient`; the tables and indexes are created (migrated) when the layer is built.
 *
 * @example
 * ```ts
 * const DeliveriesLive = Deliveries.layerSql.pipe(Layer.provide(Sqlite.layer({ filename: "wedsync.db" })))
 * ```
 * @since 0.1.0
 */
export const layerSql: Layer.Layer<Deliveries, StoreError, SqlClient.SqlClient> = Layer.effect(
  Deliveries,
  Effect.flatMap(DeliveriesSql.make, make)
)
