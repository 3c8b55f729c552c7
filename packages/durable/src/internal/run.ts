/**
 * How the outbox runs a job: offering an envelope to its lane, one run of a
 * handler, and what follows a failure (held while an operator has the
 * integration disabled, retried later by the policy's deferred table, or
 * dead-lettered whole). The queues of a built outbox are kept here,
 * beside its service, so the service's public shape is `offer` alone.
 *
 * @internal
 */
import * as Correlation from "@wedsync/core/Correlation"
import * as Policy from "@wedsync/core/Policy"
import { redactText } from "@wedsync/core/Redaction"
import * as Retry from "@wedsync/core/Retry"
import * as WeddingContext from "@wedsync/core/WeddingContext"
import type * as IntegrationError from "@wedsync/core/IntegrationError"
import { Cause, Clock, Effect } from "effect"
import type { PersistedQueue } from "effect/persistence"
import * as DeadLetters from "../DeadLetters.ts"
import { type Envelope, type Handler, type HandlerError, Job, stored } from "./job.ts"
import { type Failure, failureOf, isCritical, queueId } from "./outbox.ts"
import * as StoreCauses from "./storeCauses.ts"
import { traced } from "./trace.ts"

/** The two lanes: critical work never waits behind standard work. @internal */
export type Lane = "critical" | "standard"

/** Where an offered job went. @internal */
export interface Offered {
  readonly id: string
  readonly lane: Lane
}

/** A built outbox's queues and its claim limit. @internal */
export interface Queues {
  readonly lanes: Readonly<Record<Lane, PersistedQueue.PersistedQueue<unknown>>>
  /** Claims beyond which a job is dead-lettered as `Crashed`. */
  readonly maxClaims: number
  /** How long work refused as `Disabled` waits before it is tried again. */
  readonly holdMillis: number
}

const queues = new WeakMap<object, Queues>()

/** Keeps `service`'s queues beside it. @internal */
export const attach = <S extends object>(service: S, owned: Queues): S => {
  queues.set(service, owned)
  return service
}

/** The queues of a service built by `Outbox.layer`. @internal */
export const queuesOf = (service: object): Queues => {
  const owned = queues.get(service)
  if (owned === undefined) throw new Error("Outbox.worker needs an outbox built by Outbox.layer")
  return owned
}

const storeError = StoreCauses.storeError("outbox.offer")

/** Offers an envelope to its lane, delayed as the retry decision said; `id` defaults to the envelope's queue id. */
export const put = (lanes: Queues["lanes"], envelope: Envelope, delayMillis: number, id?: string) =>
  Effect.flatMap(Clock.currentTimeMillis, (now) => {
    const lane: Lane = isCritical(envelope.job, now) ? "critical" : "standard"
    return lanes[lane]
      .offer(stored(envelope), {
        id: id ?? queueId(envelope.job.id, envelope.replay, envelope.deferredAttempt, envelope.held),
        ...(delayMillis > 0 ? { delay: delayMillis } : {})
      })
      .pipe(Effect.mapError(storeError), Effect.as<Offered>({ id: envelope.job.id, lane }))
  })

/**
 * A dead letter's job again, with fresh attempts, its correlation id and no
 * deadline (an operator chose to send it), traced under `traceparent` if given.
 */
export const jobOf = (letter: DeadLetters.DeadLetter, traceparent?: string) =>
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
    ...(letter.relevantUntil === undefined ? {} : { relevantUntil: letter.relevantUntil }),
    ...(traceparent === undefined ? {} : { traceparent })
  })

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
        ...(last?.provider === undefined ? {} : { provider: last.provider }),
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
const afterFailure = (outbox: Queues, envelope: Envelope, cause: Cause.Cause<HandlerError>, now: number) =>
  Effect.gen(function* () {
    const { job } = envelope
    const failed = failureOf(cause, now)
    if (failed === undefined) return yield* Effect.failCause(cause as never)
    const failures = [...envelope.failures, ...failed.records]
    const providersTried = [...new Set([...envelope.providersTried, ...failed.providers])]
    const next = { ...envelope, failures, providersTried }
    if (failed.error === undefined) return yield* deadLetter(next, "Defect", now)
    if (failed.error.family === "operator") return yield* hold(outbox, envelope, failed.error, failed.records, now)
    const wedding = job.wedding === undefined ? undefined : WeddingContext.resolve(job.wedding, now)
    const policy = (yield* Effect.service(Policy.Policies)).get(failed.service ?? job.service, failed.error.provider)
    const decision = Retry.decide(
      failed.error,
      policy,
      wedding,
      envelope.deferredAttempt,
      job.critical === true ? { criticality: "high" } : undefined
    )
    const reason = failed.error.reason._tag
    if (!decision.retry) return yield* deadLetter(next, reason, now)
    if (job.mustArriveBy !== undefined && now + decision.delayMillis > job.mustArriveBy && job.late !== "deliver") {
      return yield* deadLetter({ ...next, failures: [...failures, expiredRecord(job, now)] }, "Expired", now)
    }
    yield* Effect.logDebug(`outbox ${job.id}: ${decision.why}`)
    yield* put(outbox.lanes, { ...next, deferredAttempt: envelope.deferredAttempt + 1 }, decision.delayMillis)
  })

/**
 * Work an operator's override refused waits for the integration to come back:
 * offered again after the hold interval, as a new entry, without spending a
 * deferred retry. The chain records the refusal once per override, not once
 * per check. Nothing is held past the job's deadline.
 */
const hold = (
  outbox: Queues,
  envelope: Envelope,
  error: IntegrationError.IntegrationError,
  records: ReadonlyArray<Failure>,
  now: number
) => {
  const { job } = envelope
  const last = envelope.failures.at(-1)
  const repeated = (record: Failure) =>
    last !== undefined &&
    last.reason === record.reason &&
    last.provider === record.provider &&
    last.message === record.message
  const failures = [...envelope.failures, ...records.filter((record) => !repeated(record))]
  if (job.mustArriveBy !== undefined && now + outbox.holdMillis > job.mustArriveBy && job.late !== "deliver") {
    return deadLetter({ ...envelope, failures: [...failures, expiredRecord(job, now)] }, "Expired", now)
  }
  const held = (envelope.held ?? 0) + 1
  return Effect.andThen(
    // The override's reason is an operator's free text: only its redacted form is logged.
    Effect.logInfo(`outbox ${job.id}: held, ${redactText(error.message)}; checking again in ${outbox.holdMillis} ms`),
    put(outbox.lanes, { ...envelope, failures, held }, outbox.holdMillis)
  )
}

/**
 * A job that already failed once before it was offered (e.g. a send tried
 * at once): the failure heads its chain and counts as its first attempt, so
 * its first run from the queue is deferred retry 1 — unless an operator's
 * override refused it, which spends no retry.
 */
export const afterEarlierFailure = (envelope: Envelope, error: HandlerError, now: number): Envelope => {
  const failed = failureOf(Cause.fail(error), now)
  if (failed === undefined) return envelope
  const spent = failed.error === undefined || failed.error.family !== "operator" ? 1 : 0
  return {
    ...envelope,
    deferredAttempt: envelope.deferredAttempt + spent,
    failures: [...envelope.failures, ...failed.records],
    providersTried: [...new Set([...envelope.providersTried, ...failed.providers])]
  }
}

// The success path is the hot one: no generator, one clock read.
export const runOne = <R>(
  outbox: Queues,
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
      const missing = { at: now, reason: "Misconfigured", message: `no handler for ${job.operation}` }
      return deadLetter({ ...envelope, failures: [...envelope.failures, missing] }, "Misconfigured", now)
    }
    // suspended, so a handler that throws is a defect dead-lettered here, not a claim the store retries until it drops it
    const run = Effect.suspend(() =>
      handler(job, { attempt: envelope.deferredAttempt + 1, failures: envelope.failures })
    ).pipe(
      Correlation.withId(job.correlationId),
      job.wedding === undefined ? (effect) => effect : WeddingContext.provide(job.wedding),
      traced(job, envelope.deferredAttempt + 1)
    )
    return Effect.matchCauseEffect(run, {
      onSuccess: () => Effect.void,
      onFailure: (cause) => afterFailure(outbox, envelope, cause, now)
    })
  })

const expiredRecord = (job: Job, now: number) => ({
  at: now,
  reason: "Expired",
  message: `past mustArriveBy ${new Date(job.mustArriveBy ?? now).toISOString()}`
})

const crashedRecord = (claims: number, now: number) => ({
  at: now,
  reason: "Crashed",
  message: `claimed ${claims} times without finishing: the worker died each time`
})
