/**
 * The impact ranking, pure: a wedding's urgency from its distance in days
 * (core's `WeddingContext.criticalityFor` and its thresholds) and the work
 * queued or dead-lettered for it, with a short sentence saying why.
 *
 * @internal
 */
import { WeddingContext } from "@wedsync/core"
import type { Affected } from "./types.ts"
import type { Wedding } from "../weddingDirectory/types.ts"

const criticalityRank: Record<WeddingContext.Criticality, number> = {
  low: 0,
  medium: 1,
  high: 2,
  wedding_day_critical: 3
}

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`

const whenOf = (daysAway: number): string =>
  daysAway === 0 ? "wedding today" : daysAway === 1 ? "wedding tomorrow" : `wedding in ${daysAway} days`

/** The sentence: when, then what is waiting. @internal */
export const whyOf = (daysAway: number, criticality: WeddingContext.Criticality, queued: number, dead: number) =>
  [
    daysAway > 1 ? `${whenOf(daysAway)} (${criticality.replaceAll("_", " ")})` : whenOf(daysAway),
    ...(queued > 0 ? [`${plural(queued, "job", "jobs")} queued`] : []),
    ...(dead > 0 ? [`${plural(dead, "job", "jobs")} dead-lettered`] : [])
  ].join("; ")

/**
 * A wedding's entry: criticality from the date, a score that orders by
 * criticality, then nearness, then waiting work (higher is more urgent).
 *
 * @internal
 */
export const affectedOf = (
  wedding: Wedding,
  counts: { readonly queued: number; readonly deadLettered: number },
  now: number,
  horizonDays: number,
  thresholds: WeddingContext.Thresholds
): Affected => {
  const daysAway = WeddingContext.daysUntil(wedding.weddingDate, now)
  const criticality = WeddingContext.criticalityFor(daysAway, thresholds)
  const waiting = Math.min(999, counts.queued + counts.deadLettered)
  return {
    weddingId: wedding.weddingId,
    weddingDate: wedding.weddingDate,
    couple: wedding.couple,
    daysAway,
    criticality,
    queued: counts.queued,
    deadLettered: counts.deadLettered,
    workflows: wedding.workflows ?? [],
    score: criticalityRank[criticality] * 1_000_000 + Math.max(0, horizonDays - daysAway) * 1_000 + waiting,
    why: whyOf(daysAway, criticality, counts.queued, counts.deadLettered)
  }
}

/** Most urgent first: by score, then the sooner date, then id. @internal */
export const byUrgency = (a: Affected, b: Affected): number =>
  b.score - a.score ||
  (a.weddingDate < b.weddingDate ? -1 : a.weddingDate > b.weddingDate ? 1 : a.weddingId < b.weddingId ? -1 : 1)
