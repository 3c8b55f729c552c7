/**
 * The outbox's job and the envelope it travels in between attempts, as the
 * queues hold it; the handler types that run it. `Outbox` re-exports the
 * public ones.
 *
 * @internal
 */
import { EpochMillis, NonEmptyString } from "@wedsync/core/Fields"
import type * as Failover from "@wedsync/core/Failover"
import type * as IntegrationError from "@wedsync/core/IntegrationError"
import * as Policy from "@wedsync/core/Policy"
import * as WeddingContext from "@wedsync/core/WeddingContext"
import { type Effect, Schema } from "effect"
import type * as DeadLetters from "../DeadLetters.ts"
import { Failure } from "./outbox.ts"

/**
 * A unit of deferred work.
 *
 * @example
 * ```ts
 * const job = Outbox.Job.make({
 *   id: "deposit:w_123",
 *   service: "payment",
 *   operation: "deposit.charge",
 *   payload: { amount: 250_000, currency: "gbp" },
 *   correlationId: "corr_2f1c"
 * })
 * ```
 * @internal
 */
export class Job extends Schema.Class<Job>("@wedsync/durable/Outbox/Job")({
  /** The business key: a second offer with the same id is ignored; handlers use it as the idempotency key. */
  id: NonEmptyString,
  service: Policy.ServiceType,
  /** Which handler runs it, e.g. `"reminder.sms"`. */
  operation: NonEmptyString,
  /** JSON data for the handler. Secrets belong in the handler's configuration, not here. */
  payload: Schema.Unknown,
  wedding: Schema.optional(WeddingContext.Wedding),
  /**
   * Critical whatever its wedding (a payment processor's webhook): taken in the
   * critical lane and retried as `high` work at least.
   */
  critical: Schema.optional(Schema.Boolean),
  correlationId: NonEmptyString,
  /** Past this instant (epoch ms) the job stops retrying and is dead-lettered as `Expired`… */
  mustArriveBy: Schema.optional(EpochMillis),
  /** …unless it says to deliver late. */
  late: Schema.optional(Schema.Literals(["deadLetter", "deliver"])),
  /** After this instant a replay from the dead letters marks it `Stale` instead of running it. */
  relevantUntil: Schema.optional(EpochMillis),
  /**
   * The W3C `traceparent` of the span it was offered in (absent when offered
   * outside any span, or under Effect's native tracer): its runs are traced
   * as that span's children.
   */
  traceparent: Schema.optional(Schema.String),
  /** The W3C `tracestate` that goes with `traceparent`, when the offer gives one. */
  tracestate: Schema.optional(Schema.String)
}) {}

const serviceTypes: ReadonlySet<unknown> = new Set(Policy.ServiceType.literals)

const nonEmpty = (value: unknown): value is string => typeof value === "string" && value.length > 0

/**
 * The job of an offer whose input is plainly valid, built without running the
 * `Job` schema: non-empty id, operation and correlation id, a known service,
 * `critical` absent or a boolean, the wedding absent or already a decoded
 * `Wedding`, and none of the deadline fields (those are decoded). Anything
 * else is `undefined`, and the offer decodes it with the schema, which names
 * what is wrong. An offer is on every inbound webhook's path, and the decode
 * was a visible share of it.
 *
 * @internal
 */
export const plainJob = (input: {
  readonly id: unknown
  readonly service: unknown
  readonly operation: unknown
  readonly payload: unknown
  readonly correlationId: unknown
  readonly wedding?: unknown
  readonly critical?: unknown
  readonly mustArriveBy?: unknown
  readonly late?: unknown
  readonly relevantUntil?: unknown
  readonly traceparent?: unknown
  readonly tracestate?: unknown
}): Job | undefined => {
  if (!nonEmpty(input.id) || !nonEmpty(input.operation) || !nonEmpty(input.correlationId)) return undefined
  if (!serviceTypes.has(input.service)) return undefined
  if (input.critical !== undefined && typeof input.critical !== "boolean") return undefined
  if (input.wedding !== undefined && !(input.wedding instanceof WeddingContext.Wedding)) return undefined
  if (input.mustArriveBy !== undefined || input.late !== undefined || input.relevantUntil !== undefined)
    return undefined
  if (input.traceparent !== undefined && typeof input.traceparent !== "string") return undefined
  if (input.tracestate !== undefined && typeof input.tracestate !== "string") return undefined
  return new Job(
    {
      id: input.id,
      service: input.service as Policy.ServiceType,
      operation: input.operation,
      payload: input.payload,
      correlationId: input.correlationId,
      ...(input.wedding === undefined ? {} : { wedding: input.wedding }),
      ...(input.critical === undefined ? {} : { critical: input.critical }),
      ...(input.traceparent === undefined ? {} : { traceparent: input.traceparent }),
      ...(input.tracestate === undefined ? {} : { tracestate: input.tracestate })
    },
    { disableChecks: true }
  )
}

/** A job between attempts: what happened to it so far travels with it through the store. @internal */
export const Envelope = Schema.Struct({
  job: Job,
  deferredAttempt: Schema.Int,
  replay: Schema.Int,
  /** Times it was held while its integration was disabled (absent: never); not a retry. */
  held: Schema.optional(Schema.Int),
  failures: Schema.Array(Failure),
  providersTried: Schema.Array(Schema.String)
})

/** @internal */
export type Envelope = typeof Envelope.Type

/**
 * The envelope as the queues hold it: plain JSON, written and read by hand
 * rather than through the `Envelope` schema. A job is validated once, when it
 * is offered; decoding it again on every take and encoding it on every retry
 * was the outbox's largest cost per job. A row that does not read back is
 * decoded with the schema, and failing that the take fails (the store retries
 * it, then marks it failed) — it cannot be dead-lettered without its id.
 */
export const stored = (envelope: Envelope): unknown => ({
  ...envelope,
  job: { ...envelope.job, ...(envelope.job.wedding === undefined ? {} : { wedding: { ...envelope.job.wedding } }) }
})

const decodeEnvelope = Schema.decodeUnknownSync(Envelope)

export const restored = (row: unknown): Envelope => {
  const value = row as Envelope
  try {
    const { wedding, ...job } = value.job
    return {
      ...value,
      job: new Job(
        wedding === undefined ? job : { ...job, wedding: new WeddingContext.Wedding(wedding, { disableChecks: true }) },
        { disableChecks: true }
      )
    }
  } catch {
    return decodeEnvelope(row)
  }
}

/**
 * What a handler fails with: the `IntegrationError` its adapter classified, a
 * `Failover.ProviderFailure` when it ran over several providers (a
 * `FailoverError`, or a notification's error). The retry decision reads the last
 * provider error; the dead letter keeps every attempt.
 *
 * @since 0.1.0
 */
export type HandlerError = IntegrationError.IntegrationError | Failover.ProviderFailure

/**
 * A handler for one operation.
 *
 * @since 0.1.0
 */
export type Handler<R = never> = (job: Job, context: HandlerContext) => Effect.Effect<unknown, HandlerError, R>

/**
 * What a handler is told besides the job: which run this is (1 for the first)
 * and what failed in the runs before it, oldest first — e.g. so a
 * notification is not sent again to a provider that refused its recipient.
 *
 * @since 0.1.0
 */
export interface HandlerContext {
  readonly attempt: number
  readonly failures: ReadonlyArray<DeadLetters.FailureRecord>
}

export const fresh = (job: Job, replay: number): Envelope => ({
  job,
  deferredAttempt: 0,
  replay,
  failures: [],
  providersTried: []
})
