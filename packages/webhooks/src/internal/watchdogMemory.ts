/**
 * The watchdog's store in this process's memory: the SQL store's behaviour
 * (first declaration stands, de-duplicated events, one alert per booking,
 * step and kind) over maps, for tests and a single instance that needs no
 * history across restarts.
 *
 * @internal
 */
import { Effect } from "effect"
import type { Alert, Entry, StepStatus } from "./watchdogModel.ts"
import type { DueStep, Store } from "./watchdogStore.ts"

interface AlertRow {
  readonly alert: Alert
  claimedUntil: number
  raisedAt?: number
}

/** A store in memory. @internal */
export const memoryStore = (): Store => {
  const bookings = new Map<string, { readonly weddingId: string | undefined; readonly steps: Array<StepStatus> }>()
  const links = new Map<string, string>()
  const entries: Array<Entry> = []
  const events = new Set<string>()
  const alerts = new Map<string, AlertRow>()
  const alertKey = (key: string, index: number, kind: string) => JSON.stringify([key, index, kind])
  const stepsOf = (key: string) => bookings.get(key)?.steps ?? []
  return {
    declare: (key, weddingId, _startedAt, steps) =>
      Effect.sync(() => {
        if (bookings.has(key)) return false
        bookings.set(key, { weddingId, steps: steps.map((step) => ({ ...step })) })
        return true
      }),
    weddingOf: (key) => Effect.sync(() => bookings.get(key)?.weddingId),
    resolve: (alias) => Effect.sync(() => links.get(alias)),
    link: (alias, key) => Effect.sync(() => void links.set(alias, key)),
    seen: (key, eventId) => Effect.sync(() => events.has(JSON.stringify([key, eventId]))),
    record: (entry) =>
      Effect.sync(() => {
        if (entry.eventId !== undefined) {
          const event = JSON.stringify([entry.key, entry.eventId])
          if (events.has(event)) return false
          events.add(event)
        }
        entries.push(entry)
        return true
      }),
    steps: (key) => Effect.sync(() => stepsOf(key).map((step) => ({ ...step }))),
    arrive: (key, index, at, next) =>
      Effect.sync(() => {
        const steps = stepsOf(key)
        const step = steps[index]
        if (step === undefined || step.arrivedAt !== undefined) return false
        steps[index] = { ...step, arrivedAt: at }
        const following = next === undefined ? undefined : steps[next.index]
        if (next !== undefined && following !== undefined && following.arrivedAt === undefined)
          steps[next.index] = { ...following, dueAt: following.dueAt ?? next.dueAt }
        return true
      }),
    due: (now, limit) =>
      Effect.sync(() => {
        const due: Array<DueStep> = []
        for (const [key, booking] of bookings) {
          for (const step of booking.steps) {
            if (step.arrivedAt !== undefined || step.dueAt === undefined || step.dueAt > now) continue
            if (alerts.has(alertKey(key, step.index, "Missing"))) continue
            due.push({ ...step, key, weddingId: booking.weddingId })
          }
        }
        return due.sort((a, b) => (a.dueAt ?? 0) - (b.dueAt ?? 0)).slice(0, limit)
      }),
    claim: (alert, until) =>
      Effect.sync(() => {
        const key = alertKey(alert.key, alert.index, alert.kind)
        if (alerts.has(key)) return false
        alerts.set(key, { alert, claimedUntil: until })
        return true
      }),
    hasAlert: (key, index, kind) => Effect.sync(() => alerts.has(alertKey(key, index, kind))),
    reclaim: (now, until) =>
      Effect.sync(() => {
        const lapsed: Array<Alert> = []
        for (const row of alerts.values()) {
          if (row.raisedAt !== undefined || row.claimedUntil > now) continue
          row.claimedUntil = until
          lapsed.push(row.alert)
        }
        return lapsed
      }),
    raised: (alert, at) =>
      Effect.sync(() => {
        const row = alerts.get(alertKey(alert.key, alert.index, alert.kind))
        if (row !== undefined) row.raisedAt = at
      }),
    timeline: (key) =>
      Effect.sync(() =>
        entries
          .filter((entry) => entry.key === key || bookings.get(entry.key)?.weddingId === key)
          .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      )
  }
}
