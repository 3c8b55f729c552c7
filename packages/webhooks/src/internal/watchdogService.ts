/**
 * The watchdog over a store: declaring plans, observing what happens
 * (recorded on the timeline, completing the first pending step it
 * matches), and checking deadlines. An alert is raised by whichever call
 * inserts its row first; a raise that fails or a process that dies before
 * marking it raised leaves it claimed, and a later check takes it again once
 * the claim lapses. Raised alerts are counted in `wedsync_watchdog_alerts_total` by kind.
 *
 * @internal
 */
import { randomBytes } from "node:crypto"
import { Clock, Effect, Metric } from "effect"
import type { StoreError } from "@wedsync/core"
import {
  type Alert,
  type AlertFailed,
  type AlertKind,
  type Entry,
  type Observation,
  type PlanInvalid,
  type Step,
  type StepStatus,
  matches,
  nextDue,
  planOf
} from "./watchdogModel.ts"
import type { Store } from "./watchdogStore.ts"

/**
 * What an observation did: the key it was recorded under (a linked alias
 * resolved to its booking), whether it was recorded (`false` for an event
 * seen before), and the step it completed.
 *
 * @example
 * ```ts
 * const completed = (observed: Watchdog.Observed) => observed.step !== undefined
 * ```
 * @since 0.1.0
 */
export interface Observed {
  readonly key: string
  readonly recorded: boolean
  readonly step?: string | undefined
}

/**
 * The watchdog's operations (the `Watchdog` service); the module's functions
 * of the same names call them.
 *
 * @example
 * ```ts
 * const evidence = Effect.flatMap(Effect.service(Watchdog.Watchdog), (watchdog) => watchdog.timeline("w_1"))
 * ```
 * @since 0.1.0
 */
export interface Service {
  readonly declare: (
    key: string,
    steps: ReadonlyArray<Step>,
    options?: { readonly weddingId?: string | undefined }
  ) => Effect.Effect<boolean, PlanInvalid | StoreError.StoreError>
  readonly observe: (observation: Observation) => Effect.Effect<Observed, StoreError.StoreError>
  readonly link: (alias: string, key: string) => Effect.Effect<void, StoreError.StoreError>
  readonly check: Effect.Effect<ReadonlyArray<Alert>, StoreError.StoreError>
  readonly timeline: (key: string) => Effect.Effect<ReadonlyArray<Entry>, StoreError.StoreError>
  readonly status: (key: string) => Effect.Effect<ReadonlyArray<StepStatus>, StoreError.StoreError>
}

/** How alerts leave. @internal */
export type Raise = (alert: Alert) => Effect.Effect<void, AlertFailed>

const alertsTotal = Metric.counter("wedsync_watchdog_alerts_total", {
  description: "Booking watchdog alerts raised, by kind (Missing, Late, Resolved)",
  incremental: true
})

let sequence = 0
const pad = (value: number, width: number) => String(Math.max(0, Math.floor(value))).padStart(width, "0")
// Sorts by when it happened, then when it was recorded, then this process's order.
const entryId = (at: number, recordedAt: number) => {
  sequence = (sequence + 1) % 100_000_000
  return `${pad(at, 13)}-${pad(recordedAt, 13)}-${pad(sequence, 8)}-${randomBytes(3).toString("hex")}`
}

const arrivedOf = (steps: ReadonlyArray<StepStatus>) =>
  steps.flatMap((step) => (step.arrivedAt === undefined ? [] : [{ step: step.name, at: step.arrivedAt }]))

/** The service over `store`. @internal */
export const make = (store: Store, raise: Raise, leaseMillis: number, batch: number): Service => {
  const deliver = (alert: Alert) =>
    raise(alert).pipe(
      Effect.andThen(Effect.flatMap(Clock.currentTimeMillis, (now) => store.raised(alert, now))),
      Effect.andThen(Metric.update(Metric.withAttributes(alertsTotal, { kind: alert.kind }), 1)),
      Effect.as([alert]),
      Effect.catchTag("AlertFailed", (error) =>
        Effect.as(
          Effect.logWarning("watchdog alert not raised; raised again when its claim lapses").pipe(
            Effect.annotateLogs({ booking: alert.key, step: alert.step, kind: alert.kind, cause: error.description })
          ),
          []
        )
      )
    )

  const raiseOnce = (alert: Alert) =>
    Effect.flatMap(store.claim(alert, alert.at + leaseMillis), (claimed) =>
      claimed ? deliver(alert) : Effect.succeed([])
    )

  const lateness = (key: string, step: StepStatus, arrivedAt: number, now: number) =>
    Effect.gen(function* () {
      if (step.dueAt === undefined || arrivedAt <= step.dueAt) return
      const kind: AlertKind = (yield* store.hasAlert(key, step.index, "Missing")) ? "Resolved" : "Late"
      const steps = yield* store.steps(key)
      yield* raiseOnce({
        kind,
        key,
        weddingId: yield* store.weddingOf(key),
        step: step.name,
        index: step.index,
        expected: step.match,
        deadline: step.dueAt,
        arrived: arrivedOf(steps),
        arrivedAt,
        at: now
      })
    })

  /** Completes the first pending step `observed` matches; the step, when one was completed. */
  const complete = (key: string, observed: Pick<Observation, "kind" | "provider" | "outcome">, at: number) =>
    Effect.gen(function* () {
      const steps = yield* store.steps(key)
      const step = steps.find((candidate) => candidate.arrivedAt === undefined && matches(candidate.match, observed))
      if (step === undefined) return undefined
      const won = yield* store.arrive(key, step.index, at, nextDue(steps, step, at))
      return won ? step : undefined
    })

  const observe = (observation: Observation) =>
    Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const key = (yield* store.resolve(observation.key)) ?? observation.key
      if (observation.eventId !== undefined && (yield* store.seen(key, observation.eventId)))
        return { key, recorded: false }
      const at = observation.at ?? now
      const step = yield* complete(key, observation, at)
      const recorded = yield* store.record({
        id: entryId(at, now),
        key,
        kind: observation.kind,
        provider: observation.provider,
        outcome: observation.outcome,
        at,
        recordedAt: now,
        eventId: observation.eventId,
        step: step?.name,
        details: observation.details
      })
      if (step !== undefined) yield* lateness(key, step, at, now)
      return { key, recorded, step: step?.name }
    })

  const declare: Service["declare"] = (key, steps, options) =>
    Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const plan = planOf(key, steps, now)
      if (!Array.isArray(plan)) return yield* Effect.fail(plan as PlanInvalid)
      const declared = yield* store.declare(key, options?.weddingId, now, plan)
      if (!declared) return false
      // What arrived before the plan was declared (a webhook ahead of the service) still counts.
      for (const entry of yield* store.timeline(key)) {
        if (entry.key === key) yield* complete(key, entry, entry.at)
      }
      return true
    })

  const check = Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    const raised: Array<Alert> = []
    for (const due of yield* store.due(now, batch)) {
      const steps = yield* store.steps(due.key)
      const alert: Alert = {
        kind: "Missing",
        key: due.key,
        weddingId: due.weddingId,
        step: due.name,
        index: due.index,
        expected: due.match,
        deadline: due.dueAt ?? now,
        arrived: arrivedOf(steps),
        at: now
      }
      raised.push(...(yield* raiseOnce(alert)))
    }
    for (const lapsed of yield* store.reclaim(now, now + leaseMillis)) raised.push(...(yield* deliver(lapsed)))
    return raised
  })

  return {
    declare,
    observe,
    link: store.link,
    check,
    timeline: store.timeline,
    status: store.steps
  }
}
