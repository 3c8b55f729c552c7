/**
 * Impact's data types, apart from `Impact` so that the ranking can name
 * them; `Impact` re-exports them.
 *
 * @since 0.1.0
 */
import type { WeddingContext } from "@wedsync/core"

/**
 * One affected wedding.
 *
 * @example
 * ```ts
 * const line = (affected: Impact.Affected) => `${affected.weddingDate} ${affected.couple ?? affected.weddingId}: ${affected.why}`
 * ```
 * @since 0.1.0
 */
export interface Affected {
  readonly weddingId: string
  readonly weddingDate: string
  readonly couple?: string | undefined
  /** Whole UTC days until the wedding; 0 on the day. */
  readonly daysAway: number
  readonly criticality: WeddingContext.Criticality
  readonly queued: number
  readonly deadLettered: number
  readonly workflows: ReadonlyArray<string>
  /** Higher is more urgent: criticality, then nearness, then waiting work. */
  readonly score: number
  /** A short sentence, e.g. "wedding today; 2 jobs queued". */
  readonly why: string
}
