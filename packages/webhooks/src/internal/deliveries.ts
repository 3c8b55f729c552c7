/**
 * Delivery events as one handler among others on the inbound pipeline: a
 * provider's status webhook, once received, is decoded by its source's
 * `deliveryEvents` and recorded in `Deliveries` (`@wedsync/notifications`),
 * where a repeated event is a duplicate and changes nothing. A store that
 * cannot record is an `Unavailable`, so the event is retried, not lost.
 *
 * @internal
 */
import { Effect } from "effect"
import { type DeliveryEvent, IntegrationError } from "@wedsync/core"
import { Deliveries } from "@wedsync/notifications"
import type { EventHandler } from "./processing.ts"

/** @internal */
export const recordDeliveries =
  (decode: DeliveryEvent.Decoder): EventHandler<Deliveries.Deliveries> =>
  (event) =>
    Effect.gen(function* () {
      const deliveries = yield* Deliveries.Deliveries
      const events = yield* decode(event)
      return yield* Effect.forEach(events, (delivery) =>
        deliveries
          .record(delivery)
          .pipe(
            Effect.mapError((error) =>
              IntegrationError.make(
                event.provider,
                "webhook.process",
                new IntegrationError.Unavailable({ description: `delivery events not recorded: ${error.message}` }),
                { providerCode: "wedsync.deliveries.store" }
              )
            )
          )
      )
    })
