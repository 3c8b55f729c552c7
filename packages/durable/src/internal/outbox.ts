/**
 * The outbox's private parts: the envelope a job travels in between
 * attempts (its failures so far, the providers tried), queue ids, lanes, and
 * turning a handler's failure into dead-letter records.
 *
 * @internal
 */
import { Cause, Option } from "effect"
import type * as Failover from "@wedsync/core/Failover"
import * as IntegrationError from "@wedsync/core/IntegrationError"
import { redactText } from "@wedsync/core/Redaction"
import type * as Policy from "@wedsync/core/Policy"
import { FailureRecord, recordOf } from "./deadLetters/model.ts"
import * as WeddingContext from "@wedsync/core/WeddingContext"

/** One failure in a job's chain: the dead letters' record. @internal */
export const Failure = FailureRecord

/** @internal */
export type Failure = FailureRecord

/** The queue names of the two lanes. @internal */
export const laneNames = (prefix: string) => ({ critical: `${prefix}_critical`, standard: `${prefix}_standard` })

/**
 * The queue id of an envelope: the business key for a first offer (so a
 * second offer of the same work is ignored), suffixed for each deferred
 * retry, each hold and each replay (so they are new entries, each offered
 * once: a worker that dies before acknowledging re-offers the same id).
 *
 * @internal
 */
export const queueId = (id: string, replay: number, deferredAttempt: number, held = 0): string =>
  replay === 0 && deferredAttempt === 0 && held === 0
    ? id
    : `${id}#r${replay}a${deferredAttempt}${held === 0 ? "" : `h${held}`}`

/** Whether a job is critical-lane work now: marked critical, or its wedding is close. @internal */
export const isCritical = (
  job: { readonly wedding?: WeddingContext.Wedding | undefined; readonly critical?: boolean | undefined },
  now: number
): boolean => {
  if (job.critical === true) return true
  const wedding = job.wedding
  if (wedding === undefined) return false
  const { criticality } = WeddingContext.resolve(wedding, now)
  return criticality === "wedding_day_critical" || criticality === "high"
}

/**
 * What a failed attempt adds to the chain; `error` is the one the retry
 * decision reads, under the policy of `service` when the failure names one
 * (the channel whose error decided a notification), else the job's.
 *
 * @internal
 */
export interface Failed {
  readonly error: IntegrationError.IntegrationError | undefined
  readonly service?: Policy.ServiceType | undefined
  readonly records: ReadonlyArray<Failure>
  readonly providers: ReadonlyArray<string>
}

/**
 * Reads a handler's failure: an `IntegrationError` is one record; a
 * `Failover.ProviderFailure` is a record per provider tried; a defect is a `Defect`
 * record and no error (it is dead-lettered, never retried). Interruption
 * alone is not a failure (`undefined`): the store gets the job back.
 *
 * @internal
 */
export const failureOf = (
  cause: Cause.Cause<IntegrationError.IntegrationError | Failover.ProviderFailure>,
  at: number
): Failed | undefined => {
  if (Cause.hasInterruptsOnly(cause)) return undefined
  const error = Option.getOrUndefined(Cause.findErrorOption(cause))
  if (error === undefined) {
    return {
      error: undefined,
      records: [{ at, reason: "Defect", message: redactText(Cause.pretty(cause)) }],
      providers: []
    }
  }
  if (IntegrationError.isIntegrationError(error)) {
    return { error, records: [recordOf(error, at)], providers: [error.provider] }
  }
  const failed = error.attempts.filter((attempt) => attempt.outcome === "failed")
  // The deciding error is whole (status, provider code, request id); the other attempts keep provider and reason.
  const deciding = failed.findLastIndex(
    (attempt) => attempt.provider === error.lastError.provider && attempt.reason === error.lastError.reason._tag
  )
  const records = failed.map((attempt, index) =>
    index === deciding
      ? recordOf(error.lastError, at)
      : {
          at,
          ...(attempt.provider === undefined ? {} : { provider: attempt.provider }),
          reason: attempt.reason ?? attempt.outcome,
          message: `${attempt.provider ?? error.service}: ${attempt.reason ?? attempt.outcome}`,
          ...(attempt.delivery === undefined ? {} : { delivery: attempt.delivery })
        }
  )
  return {
    error: error.lastError,
    service: error.service,
    records: records.length > 0 ? records : [recordOf(error.lastError, at)],
    providers: failed.flatMap((attempt) => (attempt.provider === undefined ? [] : [attempt.provider]))
  }
}
