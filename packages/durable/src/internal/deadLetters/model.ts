/**
 * The dead-letter model: the letter, its failure records, the filters and
 * pages an operator queries with, and the two domain errors. Public through
 * `DeadLetters.ts`; kept here so the stores can build letters without a
 * circular import.
 *
 * @internal
 */
import type { Operator } from "@wedsync/core/Audit"
import type { StoreError } from "@wedsync/core/StoreError"
import { type Duration, type Effect, Schema } from "effect"
import * as IntegrationError from "@wedsync/core/IntegrationError"
import * as Policy from "@wedsync/core/Policy"
import { redactText } from "@wedsync/core/Redaction"
import { EpochMillis, NonEmptyString } from "@wedsync/core/Fields"

/**
 * One failed attempt in a dead letter's error chain.
 *
 * @example
 * ```ts
 * const failure = { at: 1_767_225_600_000, provider: "resend", reason: "Unavailable", message: "503", status: 503 }
 * ```
 * @since 0.1.0
 */
export const FailureRecord = Schema.Struct({
  at: EpochMillis,
  /** Absent when no provider was involved (`Expired`, `Crashed`, `Defect`, a missing handler). */
  provider: Schema.optional(Schema.String),
  /** A `ReasonTag` of `IntegrationError`, or `"Expired"`. */
  reason: Schema.String,
  message: Schema.String,
  status: Schema.optional(Schema.Number),
  providerCode: Schema.optional(Schema.String),
  requestId: Schema.optional(Schema.String),
  /**
   * Whether the failed request may have reached the provider (`"maybeSent"`:
   * check before replaying, it may duplicate the message) or certainly did
   * not (`"notSent"`); absent when nobody can tell or no request was made.
   */
  delivery: Schema.optional(IntegrationError.Delivery)
})

/** @since 0.1.0 */
export type FailureRecord = typeof FailureRecord.Type

/**
 * The record of one failure, as the outbox keeps it in a job's chain and a
 * dead letter: reason, status, provider code, request id, delivery, and the
 * message with secrets taken out.
 *
 * @example
 * ```ts
 * const record = DeadLetters.recordOf(error, Date.now())
 * record.reason // "Unavailable"
 * ```
 * @since 0.1.0
 */
export const recordOf = (error: IntegrationError.IntegrationError, at: number): FailureRecord => {
  const delivery = IntegrationError.deliveryOf(error)
  return {
    at,
    provider: error.provider,
    reason: error.reason._tag,
    // an adapter may quote the request it sent: the message travels in the envelope and the dead letter
    message: redactText(error.message),
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.providerCode === undefined ? {} : { providerCode: error.providerCode }),
    ...(error.requestId === undefined ? {} : { requestId: error.requestId }),
    ...(delivery === undefined ? {} : { delivery })
  }
}

/**
 * Where a letter stands: `dead` (waiting for an operator), `replayed` (handed
 * back to the outbox), `stale` (its moment had passed when it was replayed).
 *
 * @example
 * ```ts
 * const waiting: DeadLetters.DeadLetterStatus = "dead"
 * ```
 * @since 0.1.0
 */
export const DeadLetterStatus = Schema.Literals(["dead", "replayed", "stale"])

/** @since 0.1.0 */
export type DeadLetterStatus = typeof DeadLetterStatus.Type

/**
 * A job the policy gave up on, kept with everything an operator needs to
 * decide what to do with it. `payload` is already redacted.
 *
 * @example
 * ```ts
 * const letter = new DeadLetters.DeadLetter({
 *   id: "reminder:w_1:2026-06-01", service: "email", operation: "send", provider: "resend",
 *   providersTried: ["postmark", "resend"], reason: "Unavailable", errors: [], attempts: 5,
 *   payload: { to: "couple@example.com" }, correlationId: "corr_1",
 *   firstFailureAt: 1_000, lastFailureAt: 2_000, deadAt: 2_000, status: "dead", replays: 0
 * })
 * ```
 * @since 0.1.0
 */
export class DeadLetter extends Schema.Class<DeadLetter>("@wedsync/durable/DeadLetters/DeadLetter")({
  /** The job id (the business key). */
  id: NonEmptyString,
  service: Policy.ServiceType,
  operation: Schema.String,
  /** The last provider tried. */
  provider: Schema.optional(Schema.String),
  providersTried: Schema.Array(Schema.String),
  /** The final reason tag, or `"Expired"`. */
  reason: Schema.String,
  /** The whole chain, oldest first. */
  errors: Schema.Array(FailureRecord),
  attempts: Schema.Int,
  payload: Schema.Unknown,
  wedding: Schema.optional(
    Schema.Struct({
      weddingId: Schema.String,
      weddingDate: Schema.String,
      vendorType: Schema.String,
      criticality: Schema.String
    })
  ),
  correlationId: Schema.String,
  firstFailureAt: EpochMillis,
  lastFailureAt: EpochMillis,
  deadAt: EpochMillis,
  /** After this moment a replay marks the letter Stale instead of sending it. */
  relevantUntil: Schema.optional(EpochMillis),
  status: DeadLetterStatus,
  replays: Schema.Int
}) {}

/**
 * No dead letter has this id.
 *
 * @example
 * ```ts
 * deadLetters.get(id, operator).pipe(Effect.catchTag("DeadLetterNotFound", () => Effect.succeed(undefined)))
 * ```
 * @since 0.1.0
 */
export class DeadLetterNotFound extends Schema.TaggedError<DeadLetterNotFound>(
  "@wedsync/durable/DeadLetters/DeadLetterNotFound"
)("DeadLetterNotFound", { id: Schema.String }) {
  override get message(): string {
    return `no dead letter ${this.id}`
  }
}

/**
 * The letter is not `dead` (already replayed, or stale), so it cannot be replayed.
 *
 * @example
 * ```ts
 * deadLetters.replay(id, operator).pipe(Effect.catchTag("NotReplayable", (error) => Effect.log(error.status)))
 * ```
 * @since 0.1.0
 */
export class NotReplayable extends Schema.TaggedError<NotReplayable>("@wedsync/durable/DeadLetters/NotReplayable")(
  "NotReplayable",
  { id: Schema.String, status: DeadLetterStatus }
) {
  override get message(): string {
    return `dead letter ${this.id} is ${this.status}, not dead`
  }
}

/**
 * Which letters an operation applies to; every field narrows, absent fields
 * match everything. `provider` is the last provider tried; `from` and `to`
 * bound `deadAt`, both inclusive (epoch ms).
 *
 * @example
 * ```ts
 * const filter: DeadLetters.Filter = { service: "email", reason: "Unavailable", from: Date.parse("2026-06-01") }
 * ```
 * @since 0.1.0
 */
export interface Filter {
  readonly service?: Policy.ServiceType | undefined
  readonly provider?: string | undefined
  readonly reason?: string | undefined
  readonly weddingId?: string | undefined
  readonly from?: number | undefined
  readonly to?: number | undefined
  readonly status?: DeadLetterStatus | undefined
}

/**
 * One request for a page: `cursor` is the `nextCursor` of the previous page;
 * `limit` defaults to 50 and is capped at 500.
 *
 * @example
 * ```ts
 * const second: DeadLetters.Page = { cursor: first.nextCursor, limit: 100 }
 * ```
 * @since 0.1.0
 */
export interface Page {
  readonly cursor?: string | undefined
  readonly limit?: number | undefined
}

/**
 * A page of results, newest `deadAt` first (ties by id, descending);
 * `nextCursor` is absent on the last page.
 *
 * @example
 * ```ts
 * const more = page.nextCursor !== undefined
 * ```
 * @since 0.1.0
 */
export interface PageOf<A> {
  readonly items: ReadonlyArray<A>
  readonly nextCursor?: string | undefined
}

/**
 * What a replay did: handed the letter back to the outbox, or marked it stale
 * because its moment (`relevantUntil`) had passed.
 *
 * @example
 * ```ts
 * const sent = (outcome: DeadLetters.ReplayOutcome) => outcome._tag === "Replayed"
 * ```
 * @since 0.1.0
 */
export type ReplayOutcome =
  | { readonly _tag: "Replayed"; readonly id: string }
  | { readonly _tag: "Stale"; readonly id: string }

/**
 * The operations of the dead-letter store, as `DeadLetters` provides them.
 *
 * @internal
 */
export interface Service {
  /** Keeps a letter (from the outbox; not an operator action). The same id again replaces the letter. */
  readonly add: (letter: DeadLetter) => Effect.Effect<void, StoreError>
  readonly list: (filter: Filter, page: Page, operator: Operator) => Effect.Effect<PageOf<DeadLetter>, StoreError>
  readonly get: (id: string, operator: Operator) => Effect.Effect<DeadLetter, DeadLetterNotFound | StoreError>
  readonly replay: (
    id: string,
    operator: Operator
  ) => Effect.Effect<ReplayOutcome, DeadLetterNotFound | NotReplayable | StoreError>
  /** Replays up to `limit` `dead` letters matching `filter`, oldest first. */
  readonly replayWhere: (
    filter: Filter,
    options: { readonly limit: number },
    operator: Operator
  ) => Effect.Effect<{ readonly replayed: number; readonly stale: number }, StoreError>
  /** Deletes the letters matching `filter` (any status unless `filter.status` says); how many. */
  readonly purge: (filter: Filter, operator: Operator) => Effect.Effect<number, StoreError>
  /** Deletes the letters that died longer than `age` ago; how many. */
  readonly purgeOlderThan: (age: Duration.Input, operator: Operator) => Effect.Effect<number, StoreError>
}

/** What replays a letter's job (the outbox provides it). @internal */
export interface ReplayerService {
  readonly replay: (letter: DeadLetter) => Effect.Effect<void, StoreError>
}
