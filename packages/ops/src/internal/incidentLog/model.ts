/**
 * The incident log's pure parts: time-sortable ids, filters as predicates,
 * the page limit, and each provider's view per instance computed from its
 * latest breaker transition and integration errors — shared by the memory
 * and SQL stores so both answer alike.
 *
 * @internal
 */
import { randomBytes } from "node:crypto"
import { hostname } from "node:os"
import { redact } from "@wedsync/core/Redaction"
import type { Filter, Incident, NewIncident, ProviderView } from "./types.ts"

/** The failures an error incident stands for: the feed rolls repeats up into one with `detail.count`. @internal */
export const failuresOf = (incident: Incident): number => {
  const count = incident.detail.count
  return typeof count === "number" && Number.isInteger(count) && count > 0 ? count : 1
}

/** One hour, the window of `failuresLastHour`. @internal */
export const HOUR = 3_600_000

/** The instance name when none is given: host and process id. @internal */
export const defaultInstance = (): string => `${hostname()}:${process.pid}`

let sequence = 0

/**
 * An id that sorts by time: `<at, 13 digits>-<per-process sequence>-<random>`,
 * so ids recorded in one millisecond by one process keep their order and a
 * `before` cursor is a plain string comparison in both SQL dialects.
 *
 * @internal
 */
export const idOf = (at: number): string => {
  sequence = (sequence + 1) % 0x1000000
  const stamp = String(Math.max(0, Math.floor(at))).padStart(13, "0")
  return `${stamp}-${sequence.toString(16).padStart(6, "0")}-${randomBytes(4).toString("hex")}`
}

/** The page size asked for, within 1..1000 (default 100). @internal */
export const limitOf = (filter: Filter): number => Math.min(1000, Math.max(1, Math.floor(filter.limit ?? 100)))

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** The incident as stored: fields filled in, detail and summary redacted. @internal */
export const complete = (incident: NewIncident, at: number, instance: string): Incident => {
  const detail = redact(incident.detail)
  const summary = redact(incident.summary)
  return {
    ...incident,
    id: idOf(at),
    at,
    instance,
    summary: typeof summary === "string" ? summary : "",
    detail: isRecord(detail) ? detail : {}
  }
}

/** Whether an incident passes a filter (every field but `limit`); `floor` is the retention's edge. @internal */
export const matches =
  (filter: Filter, floor: number) =>
  (incident: Incident): boolean =>
    incident.at >= floor &&
    (filter.kind === undefined || incident.kind === filter.kind) &&
    (filter.service === undefined || incident.service === filter.service) &&
    (filter.provider === undefined || incident.provider === filter.provider) &&
    (filter.weddingId === undefined || incident.weddingId === filter.weddingId) &&
    (filter.since === undefined || incident.at >= filter.since) &&
    (filter.until === undefined || incident.at <= filter.until) &&
    (filter.before === undefined || incident.id < filter.before)

/** What a store gathers per service, provider and instance to build a {@link ProviderView}. @internal */
export interface Group {
  readonly service: string
  readonly provider: string
  readonly instance: string
  /** The earliest kept incident of the group. */
  readonly firstAt: number
  readonly transition?: Incident | undefined
  readonly error?: Incident | undefined
  readonly failuresLastHour: number
}

const circuitOf = (transition: Incident | undefined): ProviderView["circuit"] => {
  const to = transition?.detail.to
  return to === "open" || to === "half_open" ? to : "closed"
}

/**
 * A provider's view at one instance: its circuit per the latest transition
 * (closed since the first kept incident when there is none), the latest
 * error's reason, the errors of the last hour.
 *
 * @internal
 */
export const viewOf = (group: Group): ProviderView => ({
  service: group.service,
  provider: group.provider,
  instance: group.instance,
  circuit: circuitOf(group.transition),
  since: group.transition?.at ?? group.firstAt,
  lastReason: group.error?.reason,
  failuresLastHour: group.failuresLastHour
})

/** Views in a stable order: service, provider, instance. @internal */
export const sortViews = (views: ReadonlyArray<ProviderView>): ReadonlyArray<ProviderView> =>
  [...views].sort((a, b) =>
    `${a.service}\u0000${a.provider}\u0000${a.instance}` < `${b.service}\u0000${b.provider}\u0000${b.instance}` ? -1 : 1
  )

/** Groups incidents (newest last or in any order) into provider views. @internal */
export const viewsOf = (incidents: ReadonlyArray<Incident>, now: number): ReadonlyArray<ProviderView> => {
  const groups = new Map<string, Group>()
  for (const incident of incidents) {
    if (incident.provider === undefined) continue
    if (incident.kind !== "breaker_transition" && incident.kind !== "integration_error") continue
    const key = `${incident.service}\u0000${incident.provider}\u0000${incident.instance}`
    const group: Group = groups.get(key) ?? {
      service: incident.service,
      provider: incident.provider,
      instance: incident.instance,
      firstAt: incident.at,
      failuresLastHour: 0
    }
    const newer = (kept: Incident | undefined) => kept === undefined || kept.id < incident.id
    const isError = incident.kind === "integration_error"
    groups.set(key, {
      ...group,
      firstAt: Math.min(group.firstAt, incident.at),
      transition: !isError && newer(group.transition) ? incident : group.transition,
      error: isError && newer(group.error) ? incident : group.error,
      failuresLastHour: group.failuresLastHour + (isError && incident.at >= now - HOUR ? failuresOf(incident) : 0)
    })
  }
  return sortViews([...groups.values()].map(viewOf))
}
