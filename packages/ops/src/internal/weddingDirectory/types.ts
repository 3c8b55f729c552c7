/**
 * The wedding directory's data types and service shape, apart from the
 * service tag so that its stores can name them; `WeddingDirectory`
 * re-exports them.
 *
 * @since 0.1.0
 */
import type { Effect } from "effect"
import type { StoreError } from "@wedsync/core"

/**
 * A wedding as the directory knows it.
 *
 * @example
 * ```ts
 * const wedding: WeddingDirectory.Wedding = { weddingId: "w_1", weddingDate: "2026-06-20", couple: "Ana & Ben", services: ["sms", "email"] }
 * ```
 * @since 0.1.0
 */
export interface Wedding {
  readonly weddingId: string
  /** `YYYY-MM-DD`. */
  readonly weddingDate: string
  readonly couple?: string | undefined
  /** Policy service types the wedding depends on: "sms", "email", "payment", "calendar", "webhook", "vendor_api". */
  readonly services: ReadonlyArray<string>
  /** Workflows running for it (e.g. "rsvp-reminders"), when known. */
  readonly workflows?: ReadonlyArray<string> | undefined
}

/**
 * What a directory does: `upcoming` weddings in the `days` days from `from`
 * (that day included), in date order, optionally only those depending on
 * `service`; `upsert` adds or replaces one.
 *
 * @example
 * ```ts
 * const empty: WeddingDirectory.Service = { upcoming: () => Effect.succeed([]), upsert: () => Effect.void }
 * ```
 * @since 0.1.0
 */
export interface Service {
  readonly upcoming: (query: {
    readonly from: string
    readonly days: number
    readonly service?: string | undefined
  }) => Effect.Effect<ReadonlyArray<Wedding>, StoreError.StoreError>
  /** Adds or replaces a wedding (by `weddingId`). */
  readonly upsert: (wedding: Wedding) => Effect.Effect<void, StoreError.StoreError>
}
