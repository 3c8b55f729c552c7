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
 * import { DeliveryEvent } from "@wedsync/core"
 * import { Deliveries } from "@wedsync/notifications"
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
import { Context, Effect, Layer } from "effect"
import type { SqlClient } from "effect/sql"
import type { Service } from "./internal/deliveries/model.ts"
import { make } from "./internal/deliveries/service.ts"
import * as DeliveriesSql from "./internal/deliveries/sql.ts"
import { makeMemory } from "./internal/deliveries/store.ts"
import type { StoreError } from "@wedsync/core/StoreError"

export {
  Delivery,
  Pending,
  type RecordOutcome,
  type Service,
  State,
  Tracked
} from "./internal/deliveries/model.ts"

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
