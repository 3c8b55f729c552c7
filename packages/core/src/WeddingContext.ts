/**
 * The wedding a call is made for, carried implicitly through every call.
 *
 * Policies read it to decide how hard to try: the nearer the wedding, the
 * higher the criticality, and on the day itself (and the day before) work is
 * `wedding_day_critical`: it never waits on retries, it fails over at once and
 * takes the critical queue lane.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { WeddingContext } from "@wedsync/core"
 *
 * const program = Effect.gen(function*() {
 *   const wedding = yield* WeddingContext.current
 *   return wedding?.criticality
 * }).pipe(
 *   WeddingContext.provide({ weddingId: "w_123", weddingDate: "2026-12-01", vendorType: "florist" })
 * )
 * ```
 *
 * @since 0.1.0
 */
import { Clock, Context, Effect, Schema } from "effect"
import { NonEmptyString } from "./Fields.ts"

/** How much a call matters right now, lowest first. @since 0.1.0 */
export const Criticality = Schema.Literals(["low", "medium", "high", "wedding_day_critical"])

/** @since 0.1.0 */
export type Criticality = typeof Criticality.Type

const rank: Record<Criticality, number> = { low: 0, medium: 1, high: 2, wedding_day_critical: 3 }

/** The higher of two criticalities. @since 0.1.0 */
export const maxCriticality = (a: Criticality, b: Criticality): Criticality => (rank[a] >= rank[b] ? a : b)

/** A calendar date `YYYY-MM-DD` that exists. @since 0.1.0 */
export const WeddingDate = Schema.String.check(
  Schema.makeFilter((s: string) => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return "expected a date as YYYY-MM-DD"
    const date = new Date(`${s}T00:00:00Z`)
    return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(s) ? true : `${s} is not a calendar date`
  })
)

/**
 * The wedding a call belongs to. `criticality`, when given, is a floor: the
 * date can raise it, never lower it.
 *
 * @since 0.1.0
 */
export class Wedding extends Schema.Class<Wedding>("@wedsync/core/WeddingContext/Wedding")({
  weddingId: NonEmptyString,
  weddingDate: WeddingDate,
  vendorType: Schema.String,
  criticality: Schema.optional(Criticality)
}) {}

/** The input accepted by {@link provide}. @since 0.1.0 */
export type WeddingInput = typeof Wedding.Encoded

/**
 * A wedding with the criticality in force at the moment it was read.
 *
 * @since 0.1.0
 */
export interface ResolvedWedding {
  readonly weddingId: string
  readonly weddingDate: string
  readonly vendorType: string
  readonly criticality: Criticality
  /** Whole days from today (UTC) to the wedding; 0 on the day, negative after. */
  readonly daysUntil: number
}

/**
 * Days before the wedding at which criticality rises. On the day and
 * `critical` days before it, work is `wedding_day_critical`.
 *
 * @since 0.1.0
 */
export interface Thresholds {
  readonly critical: number
  readonly high: number
  readonly medium: number
}

/** Defaults: day before and the day → critical, a week → high, a month → medium. @since 0.1.0 */
export const defaultThresholds: Thresholds = { critical: 1, high: 7, medium: 30 }

/** The thresholds in force; override with `Effect.provideService(WeddingContext.CriticalityThresholds, …)`. @since 0.1.0 */
export const CriticalityThresholds = Context.Reference<Thresholds>("@wedsync/core/WeddingContext/Thresholds", {
  defaultValue: () => defaultThresholds
})

/** The wedding of the current call, if any. @since 0.1.0 */
export const CurrentWedding = Context.Reference<Wedding | undefined>("@wedsync/core/WeddingContext/CurrentWedding", {
  defaultValue: () => undefined
})

const DAY = 86_400_000

/** Whole UTC days from `nowMillis` to the wedding date. @since 0.1.0 */
export const daysUntil = (weddingDate: string, nowMillis: number): number => {
  const wedding = Date.parse(`${weddingDate}T00:00:00Z`)
  const today = Math.floor(nowMillis / DAY) * DAY
  return Math.round((wedding - today) / DAY)
}

/**
 * The criticality the date alone implies. After the wedding, work is `low`.
 *
 * @example
 * ```ts
 * WeddingContext.criticalityFor(0, WeddingContext.defaultThresholds) // "wedding_day_critical"
 * WeddingContext.criticalityFor(5, WeddingContext.defaultThresholds) // "high"
 * ```
 * @since 0.1.0
 */
export const criticalityFor = (days: number, thresholds: Thresholds): Criticality => {
  if (days < 0) return "low"
  if (days <= thresholds.critical) return "wedding_day_critical"
  if (days <= thresholds.high) return "high"
  if (days <= thresholds.medium) return "medium"
  return "low"
}

/** Resolves a wedding's criticality at a given instant. @since 0.1.0 */
export const resolve = (
  wedding: Wedding,
  nowMillis: number,
  thresholds: Thresholds = defaultThresholds
): ResolvedWedding => {
  const days = daysUntil(wedding.weddingDate, nowMillis)
  const fromDate = criticalityFor(days, thresholds)
  return {
    weddingId: wedding.weddingId,
    weddingDate: wedding.weddingDate,
    vendorType: wedding.vendorType,
    criticality: wedding.criticality === undefined ? fromDate : maxCriticality(wedding.criticality, fromDate),
    daysUntil: days
  }
}

/**
 * The current call's wedding with its criticality as of now (`Clock`, so
 * `TestClock` moves it), or `undefined` outside any wedding.
 *
 * @since 0.1.0
 */
export const current: Effect.Effect<ResolvedWedding | undefined> = Effect.gen(function* () {
  const wedding = yield* CurrentWedding
  if (wedding === undefined) return undefined
  const now = yield* Clock.currentTimeMillis
  return resolve(wedding, now, yield* CriticalityThresholds)
})

/**
 * Runs an effect on behalf of a wedding. Invalid input is a defect at the call
 * site: decode untrusted input with `Schema.decodeUnknownEffect(Wedding)` first.
 *
 * @example
 * ```ts
 * sendReminder.pipe(WeddingContext.provide({ weddingId: "w_1", weddingDate: "2026-06-20", vendorType: "venue" }))
 * ```
 * @since 0.1.0
 */
export const provide =
  (wedding: Wedding | WeddingInput) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.provideService(effect, CurrentWedding, wedding instanceof Wedding ? wedding : Wedding.make(wedding))
