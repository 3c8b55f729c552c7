/**
 * The delivery-tracking model: a message a provider accepted (`Tracked`), one
 * still waiting for its delivery event (`Pending`), everything known about a
 * message (`Delivery`), and the precedence rule that picks a message's latest
 * status from events that may arrive in any order. Public through
 * `Deliveries.ts`; kept here so the stores can build values without a
 * circular import.
 *
 * @internal
 */
import type { StoreError } from "@wedsync/core/StoreError"
import { type Effect, type Option, Schema, type Scope, type Stream } from "effect"
import { Channel, DeliveryEvent, Status } from "@wedsync/core/DeliveryEvent"
import { EpochMillis, NonEmptyString } from "@wedsync/core/Fields"

const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

const trackedFields = {
  channel: Channel,
  /** The provider that accepted the message, as in its receipt, e.g. `"twilio"`. */
  provider: NonEmptyString,
  /** The provider's message id from the send receipt. */
  messageId: NonEmptyString,
  recipient: Schema.optional(Schema.String),
  /** When the provider accepted it (epoch ms). */
  acceptedAt: EpochMillis,
  /** When its delivery event is overdue (epoch ms); reconciliation moves it later as it backs off. */
  dueBy: EpochMillis,
  correlationId: Schema.optional(Schema.String),
  weddingId: Schema.optional(Schema.String)
}

/**
 * A message a provider accepted, to be watched until a delivery event settles it.
 *
 * @example
 * ```ts
 * const tracked = new Deliveries.Tracked({
 *   channel: "sms", provider: "twilio", messageId: "SM3f1c", recipient: "+447700900123",
 *   acceptedAt: 1_767_225_600_000, dueBy: 1_767_225_600_000 + 10 * 60_000, correlationId: "corr_1"
 * })
 * ```
 * @since 0.1.0
 */
export class Tracked extends Schema.Class<Tracked>("@wedsync/notifications/Deliveries/Tracked")(trackedFields) {}

/**
 * A tracked message no final event has settled yet, as `overdue` returns it:
 * how many reconciliation checks it has had, and its latest (non-final)
 * status, if any event came.
 *
 * @example
 * ```ts
 * const backoffStep = (message: Deliveries.Pending) => message.checks
 * ```
 * @since 0.1.0
 */
export class Pending extends Schema.Class<Pending>("@wedsync/notifications/Deliveries/Pending")({
  ...trackedFields,
  checks: Count,
  status: Schema.optional(Status)
}) {}

/**
 * Where tracking of a message stands: `pending` (waiting for a final event),
 * `settled` (a final event came), `abandoned` (reconciliation gave up asking;
 * a later final event still settles it).
 *
 * @example
 * ```ts
 * const done = (state: Deliveries.State) => state !== "pending"
 * ```
 * @since 0.1.0
 */
export const State = Schema.Literals(["pending", "settled", "abandoned"])

/** @since 0.1.0 */
export type State = typeof State.Type

/**
 * Everything known about one message: what was tracked (absent when only
 * events came, e.g. a webhook that outran the send's commit), its state, its
 * latest status and its events, oldest first.
 *
 * @example
 * ```ts
 * const arrived = (delivery: Deliveries.Delivery) => delivery.status === "delivered"
 * ```
 * @since 0.1.0
 */
export class Delivery extends Schema.Class<Delivery>("@wedsync/notifications/Deliveries/Delivery")({
  channel: Channel,
  provider: NonEmptyString,
  messageId: NonEmptyString,
  tracked: Schema.optional(Tracked),
  state: State,
  /** Reconciliation checks made so far. */
  checks: Count,
  /** The latest status by {@link supersedes}; absent before any event. */
  status: Schema.optional(Status),
  /** Every recorded event, by `occurredAt` then in the order recorded. */
  events: Schema.Array(DeliveryEvent)
}) {}

/**
 * What `record` did: kept the event, or found its id already recorded.
 *
 * @example
 * ```ts
 * const fresh = (outcome: Deliveries.RecordOutcome) => outcome === "recorded"
 * ```
 * @since 0.1.0
 */
export type RecordOutcome = "recorded" | "duplicate"

// how far along a message an event is; a later stage is never overridden by an earlier one
const stages: Record<Status, number> = {
  sent: 0,
  delayed: 0,
  delivered: 1,
  bounced: 1,
  undelivered: 1,
  failed: 1,
  opened: 2,
  clicked: 3,
  complained: 4
}

// breaks a tie of stage and time the same way whatever order the events came in
const tieOrder: Record<Status, number> = {
  sent: 0,
  delayed: 1,
  delivered: 2,
  undelivered: 3,
  bounced: 4,
  failed: 5,
  opened: 6,
  clicked: 7,
  complained: 8
}

/** The sort key of a status at a time: (stage, occurredAt, tie). @internal */
export const precedence = (status: Status, occurredAt: number): readonly [number, number, number] => [
  stages[status],
  occurredAt,
  tieOrder[status]
]

/**
 * Whether an event's status replaces the current one. A later stage wins
 * (sent/delayed, then delivered/bounced/undelivered/failed, then opened,
 * clicked, complained), so a `sent` arriving after `delivered` changes
 * nothing; within a stage the later `occurredAt` wins (a bounce reported after
 * a delivery). The order is total, so the latest status does not depend on
 * the order events arrive in.
 *
 * @internal
 */
export const supersedes = (
  next: { readonly status: Status; readonly occurredAt: number },
  current: { readonly status: Status; readonly occurredAt: number } | undefined
): boolean => {
  if (current === undefined) return true
  const a = precedence(next.status, next.occurredAt)
  const b = precedence(current.status, current.occurredAt)
  return a[0] !== b[0] ? a[0] > b[0] : a[1] !== b[1] ? a[1] > b[1] : a[2] > b[2]
}

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
