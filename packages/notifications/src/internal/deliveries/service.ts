/**
 * The `Deliveries` operations over a {@link Store}: input normalised to the
 * model's classes, limits clamped, and every newly recorded event published
 * to this instance's subscribers once the store has kept it.
 *
 * @internal
 */
import { Effect, Option, PubSub, Stream } from "effect"
import type { DeliveryEvent } from "@wedsync/core/DeliveryEvent"
import { type Service, Tracked } from "./model.ts"
import type { Store } from "./store.ts"

/** The number of messages `overdue` returns: 100 by default, between 1 and 1000. @internal */
export const clampLimit = (limit: number | undefined): number =>
  limit === undefined || !Number.isFinite(limit) ? 100 : Math.min(1000, Math.max(1, Math.floor(limit)))

/** Builds the service; the PubSub is shut down with the layer's scope. @internal */
export const make = (store: Store) =>
  Effect.gen(function* () {
    const published = yield* Effect.acquireRelease(PubSub.unbounded<DeliveryEvent>(), PubSub.shutdown)
    const service: Service = {
      // a constructor, so a plain object is validated (non-empty ids, epoch millis) before it is kept
      track: (message) =>
        Effect.flatMap(
          Effect.sync(() => (message instanceof Tracked ? message : new Tracked(message))),
          (tracked) => Effect.map(store.track(tracked), (fresh) => (fresh ? "tracked" : "duplicate"))
        ),
      record: (event) =>
        Effect.tap(store.record(event), (outcome) =>
          outcome === "recorded" ? PubSub.publish(published, event) : Effect.void
        ),
      overdue: (options) => store.overdue(options.now, clampLimit(options.limit)),
      reschedule: (provider, messageId, next) => store.reschedule(provider, messageId, next.dueBy, next.checks),
      abandon: (provider, messageId, options) => store.abandon(provider, messageId, options.checks),
      get: (provider, messageId) => Effect.map(store.get(provider, messageId), Option.fromUndefinedOr),
      subscribe: Effect.map(PubSub.subscribe(published), Stream.fromSubscription)
    }
    return service
  })
