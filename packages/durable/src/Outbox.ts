/**
 * The durable outbox: work that must happen even if the provider, or this
 * process, is down right now.
 *
 * A {@link Job} is offered under its business key (offering the same work
 * twice does it once), persisted through Effect's `PersistedQueue` (SQLite,
 * PostgreSQL or Redis, chosen by layer) and run by a worker through the
 * handler registered for its operation. A failure is classified once, by the
 * adapter; the outbox reads its reason:
 * - refused as `Disabled` (an operator's override, family `"operator"`) →
 *   held: offered again every `holdInterval` without spending a retry, and
 *   run as soon as the integration is enabled again;
 * - retryable by the service's deferred-retry table → offered again with the
 *   table's delay (a larger Retry-After wins), surviving restarts;
 * - past the job's `mustArriveBy` → dead-lettered as `Expired`, unless the job
 *   says to deliver late;
 * - not retryable, or out of retries → dead-lettered with the whole error
 *   chain, the providers tried, the wedding and the correlation id.
 *
 * Work for a wedding that is close (criticality `high` or
 * `wedding_day_critical`) goes to the critical lane, whose workers never wait
 * behind standard work. Delivery is at least once: a worker that dies mid-job
 * hands the job to another after the store's lock expires, so handlers pass
 * the job id as the provider's idempotency key.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Outbox } from "@wedsync/durable"
 *
 * const program = Effect.gen(function* () {
 *   const outbox = yield* Outbox.Outbox
 *   yield* outbox.offer({
 *     id: "reminder:w_123:headcount",
 *     service: "email",
 *     operation: "reminder.email",
 *     payload: { to: "ana@example.com", template: "headcount" },
 *     wedding: { weddingId: "w_123", weddingDate: "2027-06-12", vendorType: "venue" },
 *     mustArriveBy: Date.parse("2027-06-05T09:00:00Z")
 *   })
 *   yield* Outbox.worker({
 *     "reminder.email": (job) => sendReminder(job.payload, { idempotencyKey: job.id })
 *   })
 * })
 * ```
 *
 * @since 0.1.0
 */
import * as Correlation from "@wedsync/core/Correlation"
import * as Redaction from "@wedsync/core/Redaction"
import { Cause, Clock, Context, Duration, Effect, Layer, Schema, type Scope } from "effect"
import { PersistedQueue } from "effect/persistence"
import * as DeadLetters from "./DeadLetters.ts"
import * as Internal from "./internal/job.ts"
import { fresh, plainJob, restored } from "./internal/job.ts"
import { laneNames } from "./internal/outbox.ts"
import { traceparentOf, withCurrentTrace } from "./internal/trace.ts"
import type * as Run from "./internal/run.ts"
import { afterEarlierFailure, attach, jobOf, put, queuesOf, runOne } from "./internal/run.ts"
import type * as StoreError from "@wedsync/core/StoreError"

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
 * @since 0.1.0
 */
export const Job = Internal.Job

/** @since 0.1.0 */
export type Job = Internal.Job

/**
 * What a handler fails with: the `IntegrationError` its adapter classified,
 * or a `Failover.ProviderFailure` when it ran over several providers (a
 * `FailoverError`, a notification's error). The retry decision reads the
 * deciding provider error; the dead letter keeps every attempt.
 *
 * @example
 * ```ts
 * const failed: Outbox.HandlerError = failoverError
 * ```
 * @since 0.1.0
 */
export type HandlerError = Internal.HandlerError

/**
 * A handler for one operation.
 *
 * @example
 * ```ts
 * const charge: Outbox.Handler<PaymentProvider.PaymentProvider> = (job) => Effect.void
 * ```
 * @since 0.1.0
 */
export type Handler<R = never> = Internal.Handler<R>

/**
 * What a handler is told besides the job: which run this is (1 for the first)
 * and what failed in the runs before it, oldest first — e.g. so a
 * notification is not sent again to a provider that refused its recipient.
 *
 * @example
 * ```ts
 * const handler: Outbox.Handler = (job, { attempt }) => Effect.log(`run ${attempt} of ${job.id}`)
 * ```
 * @since 0.1.0
 */
export type HandlerContext = Internal.HandlerContext

/** The two lanes: critical work never waits behind standard work. @since 0.1.0 */
export type Lane = Run.Lane

/** Where an offered job went. @since 0.1.0 */
export type Offered = Run.Offered

/**
 * What {@link Outbox.offer} takes: a job whose correlation id defaults to the
 * current one (or a fresh one).
 *
 * @example
 * ```ts
 * // A send tried at once failed transiently: queue it with that failure, to run when the policy says.
 * const input: Outbox.JobInput = { ...job, failedWith: error, delayMillis: decision.delayMillis }
 * ```
 * @since 0.1.0
 */
export type JobInput = Omit<typeof Job.Encoded, "correlationId"> & {
  readonly correlationId?: string | undefined
  /** Run it no sooner than this many milliseconds from now (e.g. a send that just failed: wait as the policy says). */
  readonly delayMillis?: number | undefined
  /**
   * The failure of a run made before this offer (e.g. a send tried at once).
   * It heads the job's failure chain (handed to its handler, kept in its dead
   * letter) and counts as its first attempt: the first run from the queue is
   * deferred retry 1 of the policy's budget. A `Disabled` refusal spends no retry.
   */
  readonly failedWith?: HandlerError | undefined
}

/**
 * The outbox.
 *
 * @since 0.1.0
 */
export class Outbox extends Context.Service<
  Outbox,
  {
    /** Persists a job; resolves once it is durable. The same id twice is one job. */
    readonly offer: (job: JobInput) => Effect.Effect<Offered, StoreError.StoreError | Schema.SchemaError>
  }
>()("@wedsync/durable/Outbox") {}

/** Options of {@link layer}. @since 0.1.0 */
export interface Options {
  /** Queue name prefix (default `"wedsync_outbox"`): the lanes are `<prefix>_critical` and `<prefix>_standard`. */
  readonly name?: string
  /**
   * How many times a job may be claimed without finishing (its worker died)
   * before it is dead-lettered as `Crashed` instead of run again (default 5).
   */
  readonly maxClaims?: number
  /**
   * How long work refused as `Disabled` (an operator's override) waits before
   * it is tried again (default 30 s). Each check is a new queue entry; holding
   * spends no deferred retry, and the job runs at the first check after the
   * integration is enabled again.
   */
  readonly holdInterval?: Duration.Input
}

const decodeJob = Schema.decodeUnknownEffect(Job)

const makeOutbox = (options: Options) =>
  Effect.gen(function* () {
    const names = laneNames(options.name ?? "wedsync_outbox")
    const maxClaims = options.maxClaims ?? 5
    // Within what a timer can hold, and never 0 (a hold must not spin on a disabled integration).
    const holdMillis = Math.min(
      2 ** 31 - 1,
      Math.max(1, Duration.toMillis(Duration.fromInputUnsafe(options.holdInterval ?? "30 seconds")))
    )
    // Claims beyond maxClaims are caught by the worker and dead-lettered; the queue's own limit is only a backstop.
    const make = (name: string) => PersistedQueue.make({ name, schema: Schema.Unknown, maxAttempts: maxClaims + 5 })
    const lanes = { critical: yield* make(names.critical), standard: yield* make(names.standard) }
    const offerAs = ({ delayMillis, failedWith, ...input }: JobInput, correlationId: string) => {
      const fields = { ...input, correlationId }
      const plain = plainJob(fields)
      return Effect.flatMap(plain === undefined ? decodeJob(fields) : Effect.succeed(plain), (job) => {
        const delay = Math.max(0, delayMillis ?? 0)
        if (failedWith === undefined) return put(lanes, fresh(job, 0), delay)
        // Still under its business key, so offering the same work again is ignored.
        return Effect.flatMap(Clock.currentTimeMillis, (now) =>
          put(lanes, afterEarlierFailure(fresh(job, 0), failedWith, now), delay, job.id)
        )
      })
    }
    // The span it is offered in goes with it (read only under a tracer that exports).
    const offer = (input: JobInput) =>
      Effect.withFiber((fiber) => {
        const traced = withCurrentTrace(input, fiber)
        return traced.correlationId === undefined
          ? Effect.flatMap(Correlation.current, (current) => offerAs(traced, current ?? Correlation.make()))
          : offerAs(traced, traced.correlationId)
      })
    return attach(Outbox.of({ offer }), { lanes, maxClaims, holdMillis })
  })

/**
 * The outbox on the current `PersistedQueueFactory` (choose the store by
 * providing `PersistedQueue.layer` over `QueueStore.layerSql` on SQLite or
 * PostgreSQL, or `PersistedQueue.layerStoreRedis`), also providing the dead
 * letters' `Replayer`.
 *
 * @example
 * ```ts
 * const outbox = Outbox.layer().pipe(
 *   Layer.provide(PersistedQueue.layer),
 *   Layer.provide(QueueStore.layerSql()),
 *   Layer.provide(Sqlite.layer({ filename: "wedsync.db" }))
 * )
 * ```
 * @since 0.1.0
 */
export const layer = (
  options: Options = {}
): Layer.Layer<Outbox | DeadLetters.Replayer, never, PersistedQueue.PersistedQueueFactory> =>
  Layer.effectContext(
    Effect.map(makeOutbox(options), (outbox) =>
      Context.make(Outbox, outbox).pipe(
        Context.add(
          DeadLetters.Replayer,
          DeadLetters.Replayer.of({
            // A dead letter keeps no trace: the replay runs in the trace of whoever replays it (an operator's request).
            replay: (letter) =>
              Effect.withFiber((fiber) =>
                Effect.asVoid(
                  put(queuesOf(outbox).lanes, fresh(jobOf(letter, traceparentOf(fiber)), letter.replays + 1), 0)
                )
              )
          })
        )
      )
    )
  )

/** Options of {@link worker}. @since 0.1.0 */
export interface WorkerOptions {
  /** Jobs run at once per lane (default 8 standard, 4 critical). */
  readonly concurrency?: { readonly standard?: number; readonly critical?: number }
}

/**
 * The services a set of handlers needs, together: handlers for different
 * operations may each need their own.
 *
 * @since 0.1.0
 */
export type Services<Handlers extends Readonly<Record<string, Handler<unknown>>>> = {
  readonly [K in keyof Handlers]: Handlers[K] extends Handler<infer R> ? R : never
}[keyof Handlers]

/**
 * Runs jobs until the scope closes: each lane has its own fibers, so critical
 * work never waits behind standard work. A job interrupted by shutdown is
 * released to the store, not counted as a failure.
 *
 * @example
 * ```ts
 * yield* Outbox.worker({ "reminder.email": sendReminder }, { concurrency: { standard: 16 } })
 * ```
 * @since 0.1.0
 */
export const worker = <const Handlers extends Readonly<Record<string, Handler<unknown>>>>(
  handlers: Handlers,
  options: WorkerOptions = {}
): Effect.Effect<void, never, Outbox | DeadLetters.DeadLetters | Scope.Scope | Services<Handlers>> =>
  Effect.gen(function* () {
    const outbox = queuesOf(yield* Effect.service(Outbox))
    const loop = (lane: Lane) =>
      outbox.lanes[lane]
        .take((row, metadata) =>
          Effect.suspend(() =>
            // each handler runs with its own services; together they are Services<Handlers>
            runOne(
              outbox,
              handlers as Readonly<Record<string, Handler<Services<Handlers>>>>,
              restored(row),
              metadata.attempts
            )
          )
        )
        .pipe(
          // The cause may quote the job's payload: only its redacted text is logged.
          Effect.catchCause((cause) =>
            Effect.logWarning(
              `outbox: a job will be retried by the store: ${Redaction.redactText(Cause.pretty(cause))}`
            )
          ),
          Effect.forever
        )
    const fibers = (lane: Lane, count: number) =>
      Effect.forEach(Array.from({ length: count }), () => Effect.forkScoped(loop(lane)), { discard: true })
    yield* fibers("critical", options.concurrency?.critical ?? 4)
    yield* fibers("standard", options.concurrency?.standard ?? 8)
  })
