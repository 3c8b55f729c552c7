/**
 * Peak mode's switch: a manual setting (on, off, or none) over a scheduled
 * one (a cron expression checked every minute), kept in a `SubscriptionRef`
 * so every change can be watched. A manual setting wins until it is handed
 * back to the schedule.
 *
 * @internal
 */
import { Clock, Cron, Effect, Result, SubscriptionRef } from "effect"

/** Why peak mode is on or off. @internal */
export type Source = "manual" | "schedule" | "default"

/** Peak mode now. @internal */
export interface Status {
  readonly active: boolean
  /** `manual`: an operator's `enable`/`disable`; `schedule`: the cron; `default`: off, with no schedule. */
  readonly source: Source
  /** Epoch ms of the last change of `active`. */
  readonly since: number
  readonly reason?: string | undefined
}

/** @internal */
export interface State {
  readonly manual: { readonly active: boolean; readonly reason?: string | undefined } | undefined
  readonly scheduled: boolean
  readonly status: Status
}

const statusOf = (
  manual: State["manual"],
  scheduled: boolean,
  hasSchedule: boolean,
  previous: Status | undefined,
  now: number
): Status => {
  const active = manual?.active ?? scheduled
  const source: Source = manual !== undefined ? "manual" : hasSchedule ? "schedule" : "default"
  const since = previous !== undefined && previous.active === active ? previous.since : now
  return manual?.reason === undefined ? { active, source, since } : { active, source, since, reason: manual.reason }
}

/** Parses the schedule; a bad expression is a defect naming it. @internal */
export const parseSchedule = (cron: string, timeZone: string | undefined): Cron.Cron => {
  const parsed = Cron.parse(cron, timeZone)
  if (Result.isFailure(parsed)) {
    throw new RangeError(`PeakMode: schedule "${cron}" is not a cron expression: ${parsed.failure.message}`)
  }
  return parsed.success
}

// Five-field expressions name minutes (seconds are taken as 0), so the minute is what is matched.
const inSchedule = (cron: Cron.Cron | undefined, now: number) =>
  cron !== undefined && Cron.match(cron, Math.floor(now / 60_000) * 60_000)

/** The switch's state and its operations. @internal */
export const make = (cron: Cron.Cron | undefined) =>
  Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    const scheduled = inSchedule(cron, now)
    const ref = yield* SubscriptionRef.make<State>({
      manual: undefined,
      scheduled,
      status: statusOf(undefined, scheduled, cron !== undefined, undefined, now)
    })
    const change = (next: (state: State) => Pick<State, "manual" | "scheduled">) =>
      Effect.flatMap(Clock.currentTimeMillis, (at) =>
        SubscriptionRef.update(ref, (state) => {
          const { manual, scheduled } = next(state)
          return { manual, scheduled, status: statusOf(manual, scheduled, cron !== undefined, state.status, at) }
        })
      )
    const check = Effect.flatMap(Clock.currentTimeMillis, (at) => {
      const due = inSchedule(cron, at)
      return SubscriptionRef.getUnsafe(ref).scheduled === due
        ? Effect.void
        : change((state) => ({ manual: state.manual, scheduled: due }))
    })
    return { ref, change, check }
  })
