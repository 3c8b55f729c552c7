/**
 * The durable outbox: work that must happen even if the provider, or this
 * process, is down right now.
 *
 * A {@link Job} is offered under its business key (offering the same work
 * twice does it once), persisted through Effect's `PersistedQueue` (SQLite,
 * PostgreSQL or Redis, chosen by layer) and run by a worker through the
 * handler registered for its operation. A failure is classified once, by the
 * adapter; the outbox reads its reason:
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
 * import { Outbox } from "@wedsync/core"
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
import { type Cause, Clock, Context, Effect, Layer, Schema, type Scope } from "effect"
import { PersistedQueue } from "effect/persistence"
import * as Correlation from "./Correlation.ts"
import * as DeadLetters from "./DeadLetters.ts"
import type * as Failover from "./Failover.ts"
import type * as IntegrationError from "./IntegrationError.ts"
import type { NotificationError } from "./Notifications.ts"
import { Failure, failureOf, isCritical, laneNames, queueId } from "./internal/outbox.ts"
import { EpochMillis, NonEmptyString } from "./internal/schemas.ts"
import * as Policy from "./Policy.ts"
import * as Retry from "./Retry.ts"
import * as StoreError from "./StoreError.ts"
import * as WeddingContext from "./WeddingContext.ts"

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
export class Job extends Schema.Class<Job>("@wedsync/core/Outbox/Job")({
  /** The business key: a second offer with the same id is ignored; handlers use it as the idempotency key. */
  id: NonEmptyString,
  service: Policy.ServiceType,
  /** Which handler runs it, e.g. `"reminder.sms"`. */
  operation: NonEmptyString,
  /** JSON data for the handler. Secrets belong in the handler's configuration, not here. */
  payload: Schema.Unknown,
  wedding: Schema.optional(WeddingContext.Wedding),
  correlationId: NonEmptyString,
  /** Past this instant (epoch ms) the job stops retrying and is dead-lettered as `Expired`… */
  mustArriveBy: Schema.optional(EpochMillis),
  /** …unless it says to deliver late. */
  late: Schema.optional(Schema.Literals(["deadLetter", "deliver"])),
  /** After this instant a replay from the dead letters marks it `Stale` instead of running it. */
  relevantUntil: Schema.optional(EpochMillis)
}) {}

/** A job between attempts: what happened to it so far travels with it through the store. @internal */
export const Envelope = Schema.Struct({
  job: Job,
  deferredAttempt: Schema.Int,
  replay: Schema.Int,
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
const stored = (envelope: Envelope): unknown => ({
  ...envelope,
  job: { ...envelope.job, ...(envelope.job.wedding === undefined ? {} : { wedding: { ...envelope.job.wedding } }) }
})

const decodeEnvelope = Schema.decodeUnknownSync(Envelope)

const restored = (row: unknown): Envelope => {
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

/** What {@link Outbox.offer} takes: a job whose correlation id defaults to the current one (or a fresh one). @since 0.1.0 */
export type JobInput = Omit<typeof Job.Encoded, "correlationId"> & {
  readonly correlationId?: string | undefined
  /** Run it no sooner than this many milliseconds from now (e.g. a send that just failed: wait as the policy says). */
  readonly delayMillis?: number | undefined
}

/** Where an offered job went. @since 0.1.0 */
export interface Offered {
  readonly id: string
  readonly lane: Lane
}

/** The two lanes: critical work never waits behind standard work. @since 0.1.0 */
export type Lane = "critical" | "standard"

/**
 * What a handler fails with: the `IntegrationError` its adapter classified, a
 * `FailoverError` when it ran a failover plan, or a `NotificationError` when it
 * sent a notification across channels. The retry decision reads the last
 * provider error; the dead letter keeps every attempt.
 *
 * @since 0.1.0
 */
export type HandlerError = IntegrationError.IntegrationError | Failover.FailoverError | NotificationError

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
    /** The queues of both lanes, for workers. @internal */
    readonly lanes: Readonly<Record<Lane, PersistedQueue.PersistedQueue<unknown>>>
    /** Claims beyond which a job is dead-lettered as `Crashed`. @internal */
    readonly maxClaims: number
  }
>()("@wedsync/core/Outbox") {}

/** Options of {@link layer}. @since 0.1.0 */
export interface Options {
  /** Queue name prefix (default `"wedsync_outbox"`): the lanes are `<prefix>_critical` and `<prefix>_standard`. */
  readonly name?: string
  /**
   * How many times a job may be claimed without finishing (its worker died)
   * before it is dead-lettered as `Crashed` instead of run again (default 5).
   */
  readonly maxClaims?: number
}

const storeError = StoreError.from("outbox.offer")
const decodeJob = Schema.decodeUnknownEffect(Job)

/** Offers an envelope to its lane, delayed as the retry decision said. */
const put = (lanes: Outbox["Service"]["lanes"], envelope: Envelope, delayMillis: number) =>
  Effect.flatMap(Clock.currentTimeMillis, (now) => {
    const lane: Lane = isCritical(envelope.job.wedding, now) ? "critical" : "standard"
    const id = queueId(envelope.job.id, envelope.replay, envelope.deferredAttempt)
    return lanes[lane]
      .offer(stored(envelope), delayMillis > 0 ? { id, delay: delayMillis } : { id })
      .pipe(Effect.mapError(storeError), Effect.as<Offered>({ id: envelope.job.id, lane }))
  })

const fresh = (job: Job, replay: number): Envelope => ({
  job,
  deferredAttempt: 0,
  replay,
  failures: [],
  providersTried: []
})

const makeOutbox = (options: Options) =>
  Effect.gen(function* () {
    const names = laneNames(options.name ?? "wedsync_outbox")
    const maxClaims = options.maxClaims ?? 5
    // Claims beyond maxClaims are caught by the worker and dead-lettered; the queue's own limit is only a backstop.
    const make = (name: string) => PersistedQueue.make({ name, schema: Schema.Unknown, maxAttempts: maxClaims + 5 })
    const lanes = { critical: yield* make(names.critical), standard: yield* make(names.standard) }
    const offerAs = ({ delayMillis, ...input }: JobInput, correlationId: string) =>
      Effect.flatMap(decodeJob({ ...input, correlationId }), (job) =>
        put(lanes, fresh(job, 0), Math.max(0, delayMillis ?? 0))
      )
    const offer = (input: JobInput) =>
      input.correlationId === undefined
        ? Effect.flatMap(Correlation.current, (current) => offerAs(input, current ?? Correlation.make()))
        : offerAs(input, input.correlationId)
    return Outbox.of({ offer, lanes, maxClaims })
  })

/** A dead letter's job again, with fresh attempts, its correlation id and no deadline (an operator chose to send it). */
const jobOf = (letter: DeadLetters.DeadLetter) =>
  Job.make({
    id: letter.id,
    service: letter.service,
    operation: letter.operation,
    payload: letter.payload,
    correlationId: letter.correlationId,
    ...(letter.wedding === undefined
      ? {}
      : {
          wedding: WeddingContext.Wedding.make({
            weddingId: letter.wedding.weddingId,
            weddingDate: letter.wedding.weddingDate,
            vendorType: letter.wedding.vendorType
          })
        }),
    ...(letter.relevantUntil === undefined ? {} : { relevantUntil: letter.relevantUntil })
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
            replay: (letter) => Effect.asVoid(put(outbox.lanes, fresh(jobOf(letter), letter.replays + 1), 0))
          })
        )
      )
    )
  )

const deadLetter = (envelope: Envelope, reason: string, now: number) =>
  Effect.flatMap(Effect.service(DeadLetters.DeadLetters), (letters) => {
    const { job, failures } = envelope
    const first = failures[0]?.at ?? now
    const last = failures.at(-1)
    return letters.add(
      new DeadLetters.DeadLetter({
        id: job.id,
        service: job.service,
        operation: job.operation,
        ...(last?.provider === undefined || last.provider === "" ? {} : { provider: last.provider }),
        providersTried: envelope.providersTried,
        reason,
        errors: failures,
        attempts: envelope.deferredAttempt + 1,
        payload: DeadLetters.redact(job.payload),
        ...(job.wedding === undefined
          ? {}
          : {
              wedding: {
                weddingId: job.wedding.weddingId,
                weddingDate: job.wedding.weddingDate,
                vendorType: job.wedding.vendorType,
                criticality: WeddingContext.resolve(job.wedding, now).criticality
              }
            }),
        correlationId: job.correlationId,
        firstFailureAt: first,
        lastFailureAt: last?.at ?? now,
        deadAt: now,
        ...(job.relevantUntil === undefined ? {} : { relevantUntil: job.relevantUntil }),
        status: "dead",
        replays: envelope.replay
      })
    )
  })

/** What follows a failed run: retried later, or dead-lettered. */
const afterFailure = (outbox: Outbox["Service"], envelope: Envelope, cause: Cause.Cause<HandlerError>, now: number) =>
  Effect.gen(function* () {
    const { job } = envelope
    const failed = failureOf(cause, now)
    if (failed === undefined) return yield* Effect.failCause(cause as never)
    const failures = [...envelope.failures, ...failed.records]
    const providersTried = [...new Set([...envelope.providersTried, ...failed.providers])]
    const next = { ...envelope, failures, providersTried }
    if (failed.error === undefined) return yield* deadLetter(next, "Defect", now)
    const wedding = job.wedding === undefined ? undefined : WeddingContext.resolve(job.wedding, now)
    const policy = (yield* Effect.service(Policy.Policies)).get(failed.service ?? job.service, failed.error.provider)
    const decision = Retry.decide(failed.error, policy, wedding, envelope.deferredAttempt)
    const reason = failed.error.reason._tag
    if (!decision.retry) return yield* deadLetter(next, reason, now)
    if (job.mustArriveBy !== undefined && now + decision.delayMillis > job.mustArriveBy && job.late !== "deliver") {
      return yield* deadLetter({ ...next, failures: [...failures, expiredRecord(job, now)] }, "Expired", now)
    }
    yield* Effect.logDebug(`outbox ${job.id}: ${decision.why}`)
    yield* put(outbox.lanes, { ...next, deferredAttempt: envelope.deferredAttempt + 1 }, decision.delayMillis)
  })

// The success path is the hot one: no generator, one clock read.
const runOne = <R>(
  outbox: Outbox["Service"],
  handlers: Readonly<Record<string, Handler<R>>>,
  envelope: Envelope,
  claims: number
) =>
  Effect.flatMap(Clock.currentTimeMillis, (now) => {
    const { job } = envelope
    const expired = job.mustArriveBy !== undefined && now > job.mustArriveBy && job.late !== "deliver"
    if (expired) {
      return deadLetter({ ...envelope, failures: [...envelope.failures, expiredRecord(job, now)] }, "Expired", now)
    }
    if (claims > outbox.maxClaims) {
      const crashed = crashedRecord(claims, now)
      return deadLetter({ ...envelope, failures: [...envelope.failures, crashed] }, "Crashed", now)
    }
    const handler = handlers[job.operation]
    if (handler === undefined) {
      const missing = { at: now, provider: "", reason: "Misconfigured", message: `no handler for ${job.operation}` }
      return deadLetter({ ...envelope, failures: [...envelope.failures, missing] }, "Misconfigured", now)
    }
    // suspended, so a handler that throws is a defect dead-lettered here, not a claim the store retries until it drops it
    const run = Effect.suspend(() =>
      handler(job, { attempt: envelope.deferredAttempt + 1, failures: envelope.failures })
    ).pipe(
      Correlation.withId(job.correlationId),
      job.wedding === undefined ? (effect) => effect : WeddingContext.provide(job.wedding)
    )
    return Effect.matchCauseEffect(run, {
      onSuccess: () => Effect.void,
      onFailure: (cause) => afterFailure(outbox, envelope, cause, now)
    })
  })

const expiredRecord = (job: Job, now: number) => ({
  at: now,
  provider: "",
  reason: "Expired",
  message: `past mustArriveBy ${new Date(job.mustArriveBy ?? now).toISOString()}`
})

const crashedRecord = (claims: number, now: number) => ({
  at: now,
  provider: "",
  reason: "Crashed",
  message: `claimed ${claims} times without finishing: the worker died each time`
})

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
    const outbox = yield* Effect.service(Outbox)
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
          Effect.catchCause((cause) => Effect.logWarning("outbox: a job will be retried by the store", cause)),
          Effect.forever
        )
    const fibers = (lane: Lane, count: number) =>
      Effect.forEach(Array.from({ length: count }), () => Effect.forkScoped(loop(lane)), { discard: true })
    yield* fibers("critical", options.concurrency?.critical ?? 4)
    yield* fibers("standard", options.concurrency?.standard ?? 8)
  })
