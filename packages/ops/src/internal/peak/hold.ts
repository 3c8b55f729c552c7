/**
 * Pausing non-critical sends while peak mode is on, with the outbox's own
 * mechanism for an operator's pause: a handler that fails with the reason
 * `Disabled` (family `"operator"`) has its job held — offered again every
 * `holdInterval` without spending a retry — and run at the first check after
 * the pause ends. So "paused" means queued, never dropped: the job stays in
 * the outbox (dead-lettered as `Expired` only if its `mustArriveBy` passes
 * while held, unless it says `late: "deliver"`, as for any hold).
 *
 * @internal
 */
import { Clock, Effect } from "effect"
import { IntegrationError, WeddingContext } from "@wedsync/core"
import type { Outbox } from "@wedsync/durable"

/** The override id the held jobs' failure chain names. @internal */
export const PEAK_OVERRIDE_ID = "peak-mode"

/** Whether a job runs during peak: critical, or for a wedding `high` or `wedding_day_critical`, as the outbox's critical lane. @internal */
export const isCritical = (job: Outbox.Job, now: number): boolean => {
  if (job.critical === true) return true
  if (job.wedding === undefined) return false
  const { criticality } = WeddingContext.resolve(job.wedding, now)
  return criticality === "wedding_day_critical" || criticality === "high"
}

const paused = (job: Outbox.Job) =>
  IntegrationError.make(
    "peak-mode",
    job.operation,
    new IntegrationError.Disabled({
      overrideId: PEAK_OVERRIDE_ID,
      description: "peak mode: non-critical sends are paused until it ends"
    }),
    { correlationId: job.correlationId }
  )

/** Wraps one handler: non-critical jobs are refused as `Disabled` while `active()`. @internal */
export const hold =
  <R>(handler: Outbox.Handler<R>, active: () => boolean): Outbox.Handler<R> =>
  (job, context) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      active() && !isCritical(job, now) ? Effect.fail(paused(job)) : handler(job, context)
    )
